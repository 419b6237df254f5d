using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FlowGen.Durable;

/// <summary>
/// One step of a durable instance's history: what moved it (start, event, timer, resume, repair, cancel, suspend...),
/// where it was after the step, the nodes the step ran (when the engine's run options track nodes) and its error. The
/// engine hands it to the store with the step's save (<see cref="FlowInstance.Step"/>); stores that keep a history
/// (<see cref="IFlowStore.KeepsHistory"/>) write it in the same transaction, so the history never shows a step the
/// instance did not take. Read it with <see cref="FlowEngine.HistoryAsync"/>; the console draws it (docs/console.md).
/// </summary>
public sealed record FlowHistoryEntry
{
    /// <summary>The instance's revision this step saved (1 for the start): the entries' order and key.</summary>
    public long Revision { get; init; }

    /// <summary>When the step was saved (the engine's clock).</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>What moved the instance: <see cref="FlowStepRecord.Cause"/>'s words ("start", "event", "timer", "resume", "repair", "cancel", "suspend"...).</summary>
    public required string Cause { get; init; }

    /// <summary>The event's name, when an event moved it.</summary>
    public string? Event { get; init; }

    /// <summary>The event's id, when it had one.</summary>
    public string? EventId { get; init; }

    /// <summary>Who asked for the step, for the operator's actions (the console's user name), or null.</summary>
    public string? By { get; init; }

    /// <summary>The instance's status after the step.</summary>
    public FlowInstanceStatus Status { get; init; }

    /// <summary>The nodes it was at after the step (the wait, or the nodes a resume enters again).</summary>
    public IReadOnlyList<string> Nodes { get; init; } = [];

    /// <summary>The error code after the step, or null.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The node of that error, or null.</summary>
    public string? ErrorNode { get; init; }

    /// <summary>The error's message, or null.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>The nodes the step ran, in the order they finished (empty unless the engine's run options track nodes).</summary>
    public IReadOnlyList<FlowHistoryNode> Ran { get; init; } = [];

    /// <summary>The entry as compact JSON (what the SQL stores keep in their history table), written without reflection.</summary>
    public string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("revision", Revision);
            json.WriteString("time", Time);
            json.WriteString("cause", Cause);
            if (Event is not null) json.WriteString("event", Event);
            if (EventId is not null) json.WriteString("eventId", EventId);
            if (By is not null) json.WriteString("by", By);
            json.WriteNumber("status", (int)Status);
            json.WriteStartArray("nodes");
            foreach (var node in Nodes) json.WriteStringValue(node);
            json.WriteEndArray();
            if (ErrorCode is not null) json.WriteString("errorCode", ErrorCode);
            if (ErrorNode is not null) json.WriteString("errorNode", ErrorNode);
            if (ErrorMessage is not null) json.WriteString("errorMessage", ErrorMessage);
            if (Ran.Count > 0)
            {
                json.WriteStartArray("ran");
                foreach (var ran in Ran)
                {
                    json.WriteStartArray();
                    json.WriteStringValue(ran.NodeId);
                    json.WriteStringValue(ran.Outcome);
                    json.WriteNumberValue(Math.Round(ran.Duration.TotalMilliseconds, 3));
                    json.WriteEndArray();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Reads what <see cref="ToJson"/> wrote. A text that is not such JSON gives an entry with cause "unreadable" and the
    /// reason as its error message, instead of throwing: one damaged row does not hide the rest of a history.
    /// </summary>
    public static FlowHistoryEntry Parse(string json, long revision)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var ran = new List<FlowHistoryNode>();
            if (root.TryGetProperty("ran", out var nodes))
            {
                foreach (var node in nodes.EnumerateArray())
                    ran.Add(new FlowHistoryNode(node[0].GetString()!, node[1].GetString()!, TimeSpan.FromMilliseconds(node[2].GetDouble())));
            }
            return new FlowHistoryEntry
            {
                Revision = root.GetProperty("revision").GetInt64(),
                Time = root.GetProperty("time").GetDateTimeOffset(),
                Cause = root.GetProperty("cause").GetString()!,
                Event = Text(root, "event"),
                EventId = Text(root, "eventId"),
                By = Text(root, "by"),
                Status = (FlowInstanceStatus)root.GetProperty("status").GetInt32(),
                Nodes = [.. root.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()!)],
                ErrorCode = Text(root, "errorCode"),
                ErrorNode = Text(root, "errorNode"),
                ErrorMessage = Text(root, "errorMessage"),
                Ran = ran,
            };
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or IndexOutOfRangeException)
        {
            return new FlowHistoryEntry
            {
                Revision = revision,
                Cause = "unreadable",
                ErrorCode = FlowErrorCodes.InstanceUnreadable,
                ErrorMessage = $"history entry {revision.ToString(CultureInfo.InvariantCulture)} cannot be read: {exception.Message}",
            };
        }

        static string? Text(JsonElement root, string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>The entry for a step: the instance as saved, the cause, and the trace of the step when it has one.</summary>
    internal static FlowHistoryEntry Of(FlowInstance instance, long revision, string cause, FlowEvent? flowEvent, FlowTrace? trace, string? by)
    {
        var ran = Array.Empty<FlowHistoryNode>();
        if (trace is not null)
        {
            var nodes = trace.Nodes;
            ran = new FlowHistoryNode[nodes.Count];
            for (var i = 0; i < ran.Length; i++) ran[i] = new FlowHistoryNode(nodes[i].NodeId, nodes[i].Outcome, nodes[i].Duration);
        }
        return new FlowHistoryEntry
        {
            Revision = revision,
            Time = instance.Updated,
            Cause = cause,
            Event = flowEvent?.Name,
            EventId = flowEvent?.Id,
            By = by,
            Status = instance.Status,
            Nodes = instance.Nodes,
            ErrorCode = instance.ErrorCode,
            ErrorNode = instance.ErrorNode,
            ErrorMessage = instance.ErrorMessage,
            Ran = ran,
        };
    }
}

/// <summary>A node a step ran: its id, its outcome ("success", "failed", "skipped", "waiting"...) and how long it took.</summary>
public readonly record struct FlowHistoryNode(string NodeId, string Outcome, TimeSpan Duration);
