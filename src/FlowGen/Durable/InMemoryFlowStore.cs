using System.Collections.Concurrent;

namespace FlowGen.Durable;

/// <summary>
/// Keeps instances in memory: for tests, for flows that need not survive a restart, and for the scale benchmark
/// (a million waiting instances). Same contract as the persistent stores, optimistic concurrency included.
/// </summary>
/// <remarks>
/// The engine's mailboxes work in parallel, so the store has no lock over all instances: an instance is read and
/// written under the lock of its stripe (by flow and key, which also keeps "one active instance per key" atomic), and
/// the timer index has a lock of its own, held only for a hash lookup per step.
/// </remarks>
public sealed class InMemoryFlowStore : IFlowStore
{
    private readonly ConcurrentDictionary<string, FlowInstance> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string FlowId, string Key), FlowInstance> _latest = new();
    private readonly object[] _stripes;
    private readonly TimerIndex _timers = new();
    private readonly ConcurrentDictionary<string, byte> _eventIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Queue<FlowHistoryEntry>> _history = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>Creates an empty store.</summary>
    public InMemoryFlowStore()
    {
        _stripes = new object[64];
        for (var i = 0; i < _stripes.Length; i++) _stripes[i] = new object();
    }

    /// <summary>False: nothing here outlives the process.</summary>
    public bool IsDurable => false;

    /// <summary>How many instances the store holds (every status).</summary>
    public int Count => _byId.Count;

    /// <summary>When true (the default), a completed, failed or cancelled instance is forgotten once a newer one of its key exists.</summary>
    public bool KeepFinished { get; init; } = true;

    /// <summary>
    /// How many history entries the store keeps per instance (the newest); 0, the default, keeps none, so that a million
    /// instances in memory carry no history (<see cref="IFlowStore.KeepsHistory"/>).
    /// </summary>
    public int HistoryLength { get; init; }

    /// <inheritdoc />
    public bool KeepsHistory => HistoryLength > 0;

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<FlowHistoryEntry>> ReadHistoryAsync(string instanceId, int limit = 500, CancellationToken cancellationToken = default)
    {
        if (!_history.TryGetValue(instanceId, out var entries)) return new(Array.Empty<FlowHistoryEntry>());
        lock (entries) return new(entries.Skip(Math.Max(0, entries.Count - limit)).ToArray());
    }

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
        => new(_byId.TryGetValue(instanceId, out var stored) ? CopyOf(stored) : null);

    /// <inheritdoc />
    public ValueTask<FlowInstance?> FindLatestAsync(string flowId, string key, CancellationToken cancellationToken = default)
        => new(_latest.TryGetValue((flowId, key), out var stored) ? CopyOf(stored) : null);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<FlowInstance>> QueryAsync(FlowInstanceQuery query, CancellationToken cancellationToken = default)
    {
        var found = new List<FlowInstance>();
        if (query.DueBy is { } dueBy)
        {
            // Bucket by bucket in due order; each candidate is checked again under its own lock (it may have moved on).
            var after = long.MinValue;
            while (found.Count < query.Limit && _timers.NextDue(ref after, dueBy.UtcTicks) is { } candidates)
            {
                foreach (var (_, id) in candidates)
                {
                    if (found.Count >= query.Limit) break;
                    if (_byId.TryGetValue(id, out var stored) && MatchingCopy(stored, query) is { } copy) found.Add(copy);
                }
            }
            return new(found);
        }
        foreach (var stored in _byId.Values)
        {
            if (MatchingCopy(stored, query) is { } copy) found.Add(copy);
        }
        found.Sort(static (a, b) => a.Created.CompareTo(b.Created));
        if (found.Count > query.Limit) found.RemoveRange(query.Limit, found.Count - query.Limit);
        return new(found);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyCollection<string>> ListActiveFlowIdsAsync(CancellationToken cancellationToken = default)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stored in _byId.Values)
        {
            if (stored.Status is not (FlowInstanceStatus.Completed or FlowInstanceStatus.Failed or FlowInstanceStatus.Cancelled)) ids.Add(stored.FlowId);
        }
        return new(ids);
    }

    /// <inheritdoc />
    public ValueTask SaveAsync(FlowInstance instance, long expectedRevision, CancellationToken cancellationToken = default)
    {
        if (_byId.TryGetValue(instance.Id, out var stored)) Update(stored, instance, expectedRevision);
        else if (expectedRevision != 0) throw new FlowConcurrencyException(instance.Id, expectedRevision);
        else Insert(instance);
        instance.Revision = expectedRevision + 1;
        return default;
    }

    private void Insert(FlowInstance instance)
    {
        var key = (instance.FlowId, instance.Key);
        lock (StripeOf(instance))
        {
            if (_latest.TryGetValue(key, out var previous) && previous.IsActive) throw new FlowConcurrencyException(instance.Id, 0);
            // The store keeps a copy of its own (its state array too: the store writes into it).
            var stored = instance.Clone();
            stored.State = instance.State.ToArray();
            stored.Revision = 1;
            // The id decides between two inserts of one id under different keys (different stripes).
            if (!_byId.TryAdd(stored.Id, stored)) throw new FlowConcurrencyException(instance.Id, 0);
            stored.Step = null;
            if (!KeepFinished && previous is not null)
            {
                _byId.TryRemove(previous.Id, out _);
                _history.TryRemove(previous.Id, out _);
            }
            Remember(instance);
            _latest[key] = stored;
            _timers.Move(stored.Id, null, TimerOf(stored));
        }
    }

    private void Update(FlowInstance stored, FlowInstance instance, long expectedRevision)
    {
        lock (StripeOf(stored))
        {
            if (stored.Revision != expectedRevision) throw new FlowConcurrencyException(instance.Id, expectedRevision);
            _timers.Move(stored.Id, TimerOf(stored), TimerOf(instance));
            // Written into the stored object, so that a million long-lived instances stay put in memory (a new object per
            // step would be promoted through the GC's generations on every step). A state of the same length is copied
            // into the stored array too, for the same reason; the step's own array dies young.
            var bytes = stored.State;
            stored.CopyFrom(instance);
            if (bytes.Length == instance.State.Length) instance.State.AsSpan().CopyTo(bytes);
            else bytes = instance.State.ToArray();
            // Never the caller's array: the store writes into its own.
            stored.State = bytes;
            stored.Revision = expectedRevision + 1;
            Remember(instance);
        }
    }

    /// <summary>Keeps the step's history entry (under the instance's stripe lock: with its save).</summary>
    private void Remember(FlowInstance instance)
    {
        if (HistoryLength <= 0 || instance.Step is not { } step) return;
        var entries = _history.GetOrAdd(instance.Id, static _ => new Queue<FlowHistoryEntry>());
        lock (entries)
        {
            entries.Enqueue(step);
            while (entries.Count > HistoryLength) entries.Dequeue();
        }
    }

    /// <summary>A copy for a reader, taken under the instance's lock: its state bytes too, since the stored array is updated in place.</summary>
    private FlowInstance CopyOf(FlowInstance stored)
    {
        lock (StripeOf(stored)) return Copy(stored);
    }

    private FlowInstance? MatchingCopy(FlowInstance stored, FlowInstanceQuery query)
    {
        lock (StripeOf(stored)) return Matches(stored, query) ? Copy(stored) : null;
    }

    private static FlowInstance Copy(FlowInstance stored)
    {
        var copy = stored.Clone();
        copy.State = stored.State.ToArray();
        return copy;
    }

    private object StripeOf(FlowInstance instance)
        => _stripes[(uint)HashCode.Combine(instance.FlowId, instance.Key) % (uint)_stripes.Length];

    /// <summary>The due time (UTC ticks) an instance is in the timer index with: a waiting instance's timer, else none.</summary>
    private static long? TimerOf(FlowInstance instance) => instance is { Status: FlowInstanceStatus.Waiting, DueAt: { } due } ? due.UtcTicks : null;

    private static bool Matches(FlowInstance instance, FlowInstanceQuery query)
        => (query.Status is not { } status || instance.Status == status)
           && (query.FlowId is not { } flowId || instance.FlowId == flowId)
           && (query.Key is not { } key || instance.Key == key)
           && (query.DueBy is not { } dueBy || (instance.Status == FlowInstanceStatus.Waiting && instance.DueAt is { } due && due <= dueBy));

    /// <summary>
    /// Waiting instances by due time, in one-second buckets: a step moves its instance's timer with two hash lookups (a
    /// sorted tree would rebalance on every step), and due timers are read bucket by bucket, in time order.
    /// </summary>
    private sealed class TimerIndex
    {
        private const long BucketTicks = TimeSpan.TicksPerSecond;
        private readonly Dictionary<long, Dictionary<string, long>> _buckets = [];
        private readonly SortedSet<long> _order = [];
        private readonly object _gate = new();

        public void Move(string id, long? from, long? to)
        {
            if (from == to) return;
            lock (_gate)
            {
                if (from is { } old)
                {
                    var bucket = Floor(old);
                    if (_buckets.TryGetValue(bucket, out var entries) && entries.Remove(id) && entries.Count == 0)
                    {
                        _buckets.Remove(bucket);
                        _order.Remove(bucket);
                    }
                }
                if (to is { } due)
                {
                    var bucket = Floor(due);
                    if (!_buckets.TryGetValue(bucket, out var entries))
                    {
                        _buckets[bucket] = entries = new Dictionary<string, long>(StringComparer.Ordinal);
                        _order.Add(bucket);
                    }
                    entries[id] = due;
                }
            }
        }

        /// <summary>
        /// The timers due at or before <paramref name="dueBy"/> in the first bucket after <paramref name="after"/>, by
        /// due time then id (ordinal), and moves <paramref name="after"/> to that bucket; null when there is none.
        /// </summary>
        public List<(long Due, string Id)>? NextDue(ref long after, long dueBy)
        {
            lock (_gate)
            {
                var last = Floor(dueBy);
                if (after >= last) return null;
                foreach (var bucket in _order.GetViewBetween(after == long.MinValue ? long.MinValue : after + 1, last))
                {
                    after = bucket;
                    var due = new List<(long Due, string Id)>();
                    foreach (var (id, ticks) in _buckets[bucket])
                    {
                        if (ticks <= dueBy) due.Add((ticks, id));
                    }
                    if (due.Count == 0) continue;
                    due.Sort(static (x, y) => x.Due != y.Due ? x.Due.CompareTo(y.Due) : string.CompareOrdinal(x.Id, y.Id));
                    return due;
                }
                return null;
            }
        }

        private static long Floor(long ticks) => ticks >= 0 ? ticks / BucketTicks : (ticks - BucketTicks + 1) / BucketTicks;
    }
}
