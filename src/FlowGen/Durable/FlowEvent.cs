namespace FlowGen.Durable;

/// <summary>
/// An event for durable flows: a name (as flow files write it: <c>event: product-viewed</c>), its payload (an
/// object of the C# type marked <c>[FlowEvent("product-viewed")]</c>), an id for duplicate detection and a time.
/// </summary>
public sealed class FlowEvent
{
    /// <param name="name">The event name the flows wait for.</param>
    /// <param name="payload">The event object; its type must be the one marked with that name.</param>
    /// <param name="id">
    /// The event's id at its source (a message id). A second event with an id the engine has taken already is a
    /// duplicated delivery: it is counted and dropped. Null: the event has no id and is never a duplicate.
    /// </param>
    /// <param name="time">When the event happened; the engine's clock when null.</param>
    public FlowEvent(string name, object payload, string? id = null, DateTimeOffset? time = null)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Payload = payload ?? throw new ArgumentNullException(nameof(payload));
        Id = id;
        Time = time;
    }

    /// <summary>The event name.</summary>
    public string Name { get; }

    /// <summary>The event object.</summary>
    public object Payload { get; }

    /// <summary>The source's id of this event, or null.</summary>
    public string? Id { get; }

    /// <summary>When the event happened, or null.</summary>
    public DateTimeOffset? Time { get; }

    /// <summary>The event's position in the engine's inbox, set when it is accepted (0 before).</summary>
    public long Sequence { get; internal set; }

    // The payload as the inbox keeps it (UTF-8 JSON), when the engine wrote or read it: what a dispatcher sends.
    internal byte[]? PayloadJson { get; set; }

    /// <inheritdoc />
    public override string ToString() => Id is null ? $"{Name} #{Sequence}" : $"{Name} #{Sequence} ({Id})";
}

/// <summary>An event as the store keeps it in the engine's inbox: accepted, not yet applied to every instance.</summary>
/// <param name="Sequence">Its position in the inbox (arrival order).</param>
/// <param name="Id">The source's id, or null.</param>
/// <param name="Name">The event name.</param>
/// <param name="Payload">The payload as UTF-8 JSON.</param>
/// <param name="Time">When it happened.</param>
public sealed record StoredFlowEvent(long Sequence, string? Id, string Name, byte[] Payload, DateTimeOffset Time);
