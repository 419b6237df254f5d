namespace FlowGen.Durable;

/// <summary>Where a durable instance is.</summary>
public enum FlowInstanceStatus
{
    /// <summary>Waiting for an event or a timer.</summary>
    Waiting = 0,

    /// <summary>Stopped by a failure (with the suspend policy), by a task, by hand or by a version mismatch; resume or cancel it.</summary>
    Suspended = 1,

    /// <summary>Reached its end.</summary>
    Completed = 2,

    /// <summary>Failed (with the fail policy).</summary>
    Failed = 3,

    /// <summary>Cancelled by hand.</summary>
    Cancelled = 4,
}

/// <summary>
/// A persisted instance of a durable flow: what the store keeps between steps. <see cref="State"/> is the generated
/// state machine's JSON (request, bus values, join counters, the wait it is in); the other fields are what the
/// engine routes and lists by.
/// </summary>
public sealed class FlowInstance
{
    /// <summary>The instance id (unique in the store).</summary>
    public required string Id { get; init; }

    /// <summary>The flow id.</summary>
    public required string FlowId { get; init; }

    /// <summary>The correlation key (domain id): events with this key go to this instance.</summary>
    public required string Key { get; init; }

    /// <summary>The <c>FlowVersion</c> of the build that saved it.</summary>
    public required string Version { get; set; }

    /// <summary>Where it is.</summary>
    public FlowInstanceStatus Status { get; set; }

    /// <summary>The node ids it is at: the wait it waits in, or the nodes a resume enters again.</summary>
    public string[] Nodes { get; set; } = [];

    /// <summary>The event names its wait takes (empty when it does not wait for an event).</summary>
    public string[] Events { get; set; } = [];

    /// <summary>When its wait's timer is due, or null.</summary>
    public DateTimeOffset? DueAt { get; set; }

    /// <summary>The generated state machine's state, as UTF-8 JSON.</summary>
    public byte[] State { get; set; } = [];

    /// <summary>The error code of a failed or suspended instance.</summary>
    public string? ErrorCode { get; set; }

    /// <summary>The node of that error.</summary>
    public string? ErrorNode { get; set; }

    /// <summary>The error's message.</summary>
    public string? ErrorMessage { get; set; }

    /// <summary>Counts the instance's saves: a save must name the revision it read (optimistic concurrency).</summary>
    public long Revision { get; set; }

    /// <summary>The inbox sequence of the last event applied to it: a replayed event at or below it is not applied twice.</summary>
    public long LastSequence { get; set; }

    /// <summary>When it started.</summary>
    public DateTimeOffset Created { get; init; }

    /// <summary>When it was last saved.</summary>
    public DateTimeOffset Updated { get; set; }

    /// <summary>
    /// The history entry of the step being saved, set by the engine before <see cref="IFlowStore.SaveAsync"/> when the store
    /// keeps a history (<see cref="IFlowStore.KeepsHistory"/>): the store writes it with the save, atomically. Null
    /// otherwise, and never read back from a store.
    /// </summary>
    public FlowHistoryEntry? Step { get; set; }

    /// <summary>True while it can still go on (waiting or suspended).</summary>
    public bool IsActive => Status is FlowInstanceStatus.Waiting or FlowInstanceStatus.Suspended;

    /// <summary>
    /// Set by the store that read the instance when a column of its row could not be read (code
    /// <see cref="FlowErrorCodes.InstanceUnreadable"/>; the message names the column and quotes what it holds). The
    /// fields that column fills are then empty. Null for a row read cleanly. Never stored.
    /// </summary>
    public FlowError? ReadError { get; set; }

    /// <summary>
    /// Why the engine cannot work with the instance as it was read: <see cref="ReadError"/>, or a status that is none of
    /// <see cref="FlowInstanceStatus"/>'s (code <see cref="FlowErrorCodes.InstanceUnreadable"/>); null when it can.
    /// </summary>
    public FlowError? Unreadable => ReadError ?? (Status is >= FlowInstanceStatus.Waiting and <= FlowInstanceStatus.Cancelled
        ? null
        : new FlowError(FlowErrorCodes.InstanceUnreadable, FlowId, null, null,
            $"instance '{Id}' ({FlowId}/{Key}) has the status {(int)Status}, which is none of 0 Waiting, 1 Suspended, 2 Completed, 3 Failed, 4 Cancelled"));

    /// <summary>
    /// For stores: records that a column of the instance's row could not be read (the first such column is kept in
    /// <see cref="ReadError"/>), instead of throwing: the engine then parks what would continue the instance, and
    /// lists still list it.
    /// </summary>
    /// <param name="column">The column's name.</param>
    /// <param name="value">What it holds (quoted in the message, the first 100 characters).</param>
    /// <param name="problem">What is wrong with it: "which is not a JSON array of strings".</param>
    /// <param name="exception">The exception reading it threw, if any.</param>
    public void MarkUnreadable(string column, object? value, string problem, Exception? exception = null)
    {
        if (ReadError is not null) return;
        var text = value switch
        {
            null or DBNull => "NULL",
            byte[] bytes => $"{bytes.Length} bytes",
            _ => Quote(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
        };
        ReadError = new FlowError(FlowErrorCodes.InstanceUnreadable, FlowId, null, null,
            $"the column '{column}' of instance '{Id}' ({FlowId}/{Key}) holds {text}, {problem}", exception);

        static string Quote(string text) => "'" + (text.Length <= 100 ? text : text.Substring(0, 100) + "...") + "'";
    }

    /// <summary>Takes every changeable field of another copy of this instance (stores that keep objects update them in place).</summary>
    public void CopyFrom(FlowInstance other)
    {
        Version = other.Version;
        Status = other.Status;
        Nodes = other.Nodes;
        Events = other.Events;
        DueAt = other.DueAt;
        State = other.State;
        ErrorCode = other.ErrorCode;
        ErrorNode = other.ErrorNode;
        ErrorMessage = other.ErrorMessage;
        Revision = other.Revision;
        LastSequence = other.LastSequence;
        Updated = other.Updated;
    }

    /// <summary>A copy (stores hand out copies, so that an engine's edits never change what is stored until it is saved).</summary>
    public FlowInstance Clone() => (FlowInstance)MemberwiseClone();

    /// <inheritdoc />
    public override string ToString()
    {
        var at = Nodes.Length == 0 ? "" : " at " + string.Join(", ", Nodes);
        var error = Unreadable is { } unreadable ? $" ({unreadable.Code}: {unreadable.Message})" : ErrorCode is null ? "" : $" ({ErrorCode}: {ErrorMessage})";
        return $"{FlowId}/{Key} [{Id}] {Status}{at}{error}, revision {Revision}";
    }
}

/// <summary>Which instances <see cref="IFlowStore.QueryAsync"/> returns.</summary>
public sealed class FlowInstanceQuery
{
    /// <summary>Only instances with this status, or any.</summary>
    public FlowInstanceStatus? Status { get; init; }

    /// <summary>Only instances of this flow, or any.</summary>
    public string? FlowId { get; init; }

    /// <summary>Only instances with this correlation key, or any.</summary>
    public string? Key { get; init; }

    /// <summary>Only waiting instances whose timer is due at or before this time.</summary>
    public DateTimeOffset? DueBy { get; init; }

    /// <summary>At most this many (oldest first).</summary>
    public int Limit { get; init; } = 1000;
}

/// <summary>A save named a revision the store no longer holds: someone else saved the instance first.</summary>
public sealed class FlowConcurrencyException(string instanceId, long expectedRevision)
    : Exception($"instance '{instanceId}' was saved by someone else since revision {expectedRevision} was read; read it again and retry")
{
    /// <summary>The instance.</summary>
    public string InstanceId { get; } = instanceId;

    /// <summary>The revision the failed save expected.</summary>
    public long ExpectedRevision { get; } = expectedRevision;
}
