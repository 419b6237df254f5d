using System.Collections.Concurrent;

namespace FlowGen.Durable;

/// <summary>
/// Keeps instances in memory: for tests, for flows that need not survive a restart, and for the scale benchmark
/// (a million waiting instances). Same contract as the persistent stores, optimistic concurrency included.
/// </summary>
public sealed class InMemoryFlowStore : IFlowStore
{
    private readonly ConcurrentDictionary<string, FlowInstance> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string FlowId, string Key), FlowInstance> _latest = new();
    // Waiting instances with a timer, by due time: the engine asks for due ones without scanning every instance.
    private readonly SortedSet<(DateTimeOffset Due, string Id)> _timers = new(TimerOrder.Instance);
    private readonly ConcurrentDictionary<string, byte> _eventIds = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private long _sequence;

    /// <summary>False: nothing here outlives the process.</summary>
    public bool IsDurable => false;

    /// <summary>How many instances the store holds (every status).</summary>
    public int Count => _byId.Count;

    /// <summary>When true (the default), a completed, failed or cancelled instance is forgotten once a newer one of its key exists.</summary>
    public bool KeepFinished { get; init; } = true;

    /// <inheritdoc />
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default) => default;

    /// <inheritdoc />
    public ValueTask<long?> AppendEventAsync(string? id, string name, byte[] payload, DateTimeOffset time, CancellationToken cancellationToken = default)
    {
        if (id is not null && !_eventIds.TryAdd(id, 0)) return new((long?)null);
        return new(Interlocked.Increment(ref _sequence));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredFlowEvent>> ReadPendingEventsAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
        => new((IReadOnlyList<StoredFlowEvent>)[]);

    /// <inheritdoc />
    public ValueTask MarkEventsProcessedAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken = default) => default;

    /// <inheritdoc />
    public ValueTask<FlowInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        // Copies are taken under the lock: saves update the stored objects in place.
        lock (_gate) return new(_byId.TryGetValue(instanceId, out var instance) ? Copy(instance) : null);
    }

    /// <inheritdoc />
    public ValueTask<FlowInstance?> FindLatestAsync(string flowId, string key, CancellationToken cancellationToken = default)
    {
        lock (_gate) return new(_latest.TryGetValue((flowId, key), out var instance) ? Copy(instance) : null);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<FlowInstance>> QueryAsync(FlowInstanceQuery query, CancellationToken cancellationToken = default)
    {
        var found = new List<FlowInstance>();
        if (query.DueBy is { } dueBy)
        {
            lock (_gate)
            {
                foreach (var (due, id) in _timers)
                {
                    if (due > dueBy || found.Count >= query.Limit) break;
                    if (_byId.TryGetValue(id, out var instance) && Matches(instance, query)) found.Add(Copy(instance));
                }
            }
            return new(found);
        }
        lock (_gate)
        {
            foreach (var instance in _byId.Values)
            {
                if (Matches(instance, query)) found.Add(Copy(instance));
            }
        }
        found.Sort(static (a, b) => a.Created.CompareTo(b.Created));
        if (found.Count > query.Limit) found.RemoveRange(query.Limit, found.Count - query.Limit);
        return new(found);
    }

    /// <summary>By due time, then by id (ordinal: a culture-aware comparison of ids would cost more than the rest).</summary>
    private sealed class TimerOrder : IComparer<(DateTimeOffset Due, string Id)>
    {
        public static readonly TimerOrder Instance = new();

        public int Compare((DateTimeOffset Due, string Id) x, (DateTimeOffset Due, string Id) y)
        {
            var due = x.Due.UtcTicks.CompareTo(y.Due.UtcTicks);
            return due != 0 ? due : string.CompareOrdinal(x.Id, y.Id);
        }
    }

    /// <summary>A copy for a reader: its state bytes too, since the stored array is updated in place.</summary>
    private static FlowInstance Copy(FlowInstance stored)
    {
        var copy = stored.Clone();
        copy.State = stored.State.ToArray();
        return copy;
    }

    private static bool Matches(FlowInstance instance, FlowInstanceQuery query)
        => (query.Status is not { } status || instance.Status == status)
           && (query.FlowId is not { } flowId || instance.FlowId == flowId)
           && (query.DueBy is not { } dueBy || (instance.Status == FlowInstanceStatus.Waiting && instance.DueAt is { } due && due <= dueBy));

    /// <inheritdoc />
    public ValueTask SaveAsync(FlowInstance instance, long expectedRevision, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _byId.TryGetValue(instance.Id, out var stored);
            if ((stored?.Revision ?? 0) != expectedRevision) throw new FlowConcurrencyException(instance.Id, expectedRevision);
            var key = (instance.FlowId, instance.Key);
            if (stored is null && _latest.TryGetValue(key, out var other) && other.IsActive) throw new FlowConcurrencyException(instance.Id, expectedRevision);
            var oldTimer = stored is { Status: FlowInstanceStatus.Waiting, DueAt: { } oldDue } ? (oldDue, stored.Id) : default;
            var newTimer = instance is { Status: FlowInstanceStatus.Waiting, DueAt: { } newDue } ? (newDue, instance.Id) : default;
            if (oldTimer != newTimer)
            {
                if (oldTimer.Id is not null) _timers.Remove(oldTimer);
                if (newTimer.Id is not null) _timers.Add(newTimer);
            }
            if (stored is null)
            {
                // A new instance: the store keeps a copy of its own (its state array too: the store writes into it).
                stored = Copy(instance);
                _byId[stored.Id] = stored;
                if (!KeepFinished && _latest.TryGetValue(key, out var previous) && previous.Id != stored.Id) _byId.TryRemove(previous.Id, out _);
                _latest[key] = stored;
            }
            else
            {
                // An update: written into the stored object, so that a million long-lived instances stay put in memory
                // (a new object per step would be promoted through the GC's generations on every step). A state of the
                // same length is copied into the stored array too, for the same reason; the step's own array dies young.
                var bytes = stored.State;
                stored.CopyFrom(instance);
                if (bytes.Length == instance.State.Length) instance.State.AsSpan().CopyTo(bytes);
                else bytes = instance.State.ToArray();
                // Never the caller's array: the store writes into its own.
                stored.State = bytes;
            }
            stored.Revision = expectedRevision + 1;
        }
        instance.Revision = expectedRevision + 1;
        return default;
    }
}
