namespace FlowGen.Durable;

/// <summary>
/// Where durable instances and the event inbox live. Implementations: <see cref="InMemoryFlowStore"/>, the SQLite
/// store (FlowGen.Persistence.Sqlite, the default) and the PostgreSQL store (FlowGen.Persistence.PostgreSql).
/// Every method is safe to call from several threads. An instance is written only by <see cref="SaveAsync"/>,
/// one row at a time and atomically, with optimistic concurrency.
/// </summary>
public interface IFlowStore
{
    /// <summary>
    /// False for a store that does not outlive the process (<see cref="InMemoryFlowStore"/>): the engine then keeps
    /// event payloads as objects instead of writing them as JSON, since there is nothing to recover after a restart.
    /// </summary>
    bool IsDurable { get; }

    /// <summary>Creates the tables if needed. Called once by the engine before anything else.</summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits an event to the inbox before it is acknowledged to its source. Returns its sequence (arrival order),
    /// or null when an event with the same non-null <paramref name="id"/> was taken already (a duplicated delivery).
    /// </summary>
    ValueTask<long?> AppendEventAsync(string? id, string name, byte[] payload, DateTimeOffset time, CancellationToken cancellationToken = default);

    /// <summary>Inbox events not yet marked processed, after <paramref name="afterSequence"/>, in arrival order.</summary>
    ValueTask<IReadOnlyList<StoredFlowEvent>> ReadPendingEventsAsync(long afterSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// The inbox event with this id when it is still pending (not marked processed), or null. An engine with a dispatcher
    /// routes such an event again when its source publishes it a second time. The default implementation finds none.
    /// </summary>
    ValueTask<StoredFlowEvent?> FindPendingEventAsync(string id, CancellationToken cancellationToken = default)
        => new((StoredFlowEvent?)null);

    /// <summary>Marks inbox events processed: applied to every instance they concern.</summary>
    ValueTask MarkEventsProcessedAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken = default);

    /// <summary>
    /// An instance by id, or null. A row whose columns cannot all be read is returned with
    /// <see cref="FlowInstance.ReadError"/> set (as are the rows of <see cref="FindLatestAsync"/> and
    /// <see cref="QueryAsync"/>): a store does not throw for one damaged row.
    /// </summary>
    ValueTask<FlowInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>The newest instance of a flow with a correlation key (active or not), or null.</summary>
    ValueTask<FlowInstance?> FindLatestAsync(string flowId, string key, CancellationToken cancellationToken = default);

    /// <summary>Instances matching a query, oldest first.</summary>
    ValueTask<IReadOnlyList<FlowInstance>> QueryAsync(FlowInstanceQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// The flow ids of the instances that are not finished (any status but Completed, Failed and Cancelled, unknown
    /// statuses included), each once. The engine reads them at start-up to find instances of flows it does not run.
    /// The default implementation queries waiting and suspended instances; the FlowGen stores ask their index instead.
    /// </summary>
    async ValueTask<IReadOnlyCollection<string>> ListActiveFlowIdsAsync(CancellationToken cancellationToken = default)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var status in new[] { FlowInstanceStatus.Waiting, FlowInstanceStatus.Suspended })
        {
            foreach (var instance in await QueryAsync(new FlowInstanceQuery { Status = status, Limit = int.MaxValue }, cancellationToken).ConfigureAwait(false))
                ids.Add(instance.FlowId);
        }
        return ids;
    }

    /// <summary>
    /// Saves an instance in one atomic write, if the store still holds <paramref name="expectedRevision"/> (0 for a
    /// new instance); the stored revision becomes <paramref name="expectedRevision"/> + 1 and so does
    /// <see cref="FlowInstance.Revision"/>. Throws <see cref="FlowConcurrencyException"/> otherwise, or when a new
    /// instance's flow and key already have an active instance.
    /// </summary>
    ValueTask SaveAsync(FlowInstance instance, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>
    /// True when <see cref="SaveAsync"/> writes <see cref="FlowInstance.Step"/> (when set) to the instance's history in
    /// the same atomic write, and <see cref="ReadHistoryAsync"/> reads it. The SQLite and PostgreSQL stores keep one; the
    /// in-memory store when asked (<see cref="InMemoryFlowStore.HistoryLength"/>). Default: false.
    /// </summary>
    bool KeepsHistory => false;

    /// <summary>
    /// An instance's history, oldest step first: the newest <paramref name="limit"/> entries. Empty when the store keeps
    /// none. An entry that cannot be read is returned with the cause "unreadable" and the reason as its error message.
    /// </summary>
    ValueTask<IReadOnlyList<FlowHistoryEntry>> ReadHistoryAsync(string instanceId, int limit = 500, CancellationToken cancellationToken = default)
        => new(Array.Empty<FlowHistoryEntry>());
}
