using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;

namespace FlowGen.Durable;

/// <summary>
/// Runs durable flows: starts instances (from a request, or from an event that triggers a flow), routes events to
/// the instances that wait for them by correlation key, fires due timers, and persists every step in an
/// <see cref="IFlowStore"/>. Instances are spread over mailboxes by flow and key: the events of one instance are
/// taken in arrival order, one at a time. An event no instance takes is dropped and counted (Playwell's rule); an
/// event whose id was taken before is a duplicated delivery, dropped and counted. An event for an instance the engine
/// cannot work with (a row it cannot read, a status it does not know, an unfinished instance of a flow it does not run)
/// is parked: kept, counted and reported, never applied to the instance nor allowed to start another over it.
/// </summary>
/// <remarks>
/// Events are committed to the store's inbox before <see cref="PublishAsync"/> returns (so before the caller
/// acknowledges them to their source), and a step's effects on an instance are one atomic save with optimistic
/// concurrency. After a crash, <see cref="StartAsync"/> routes again the inbox events not yet applied everywhere;
/// an instance that applied one already (its <see cref="FlowInstance.LastSequence"/>) does not apply it twice.
/// </remarks>
public sealed partial class FlowEngine : IAsyncDisposable
{
    private readonly IFlowStore _store;
    private readonly FlowEngineOptions _options;
    private readonly DurableStepContext _context;
    private readonly Dictionary<string, IDurableFlow> _flows = new(StringComparer.Ordinal);
    private readonly Dictionary<(string FlowId, string Version), IDurableFlow> _builds = new();
    private readonly Dictionary<string, IDurableFlow[]> _byEvent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Type> _eventTypes = new(StringComparer.Ordinal);
    private readonly Channel<Work>[] _mailboxes;
    private readonly Task[] _workers;
    private readonly ConcurrentDictionary<string, byte> _timersInFlight = new(StringComparer.Ordinal);
    private readonly List<long> _processed = [];
    private readonly object _gate = new();
    private readonly LinkedList<FlowParkedEvent> _parked = new();
    private HashSet<string> _unknownFlows = new(StringComparer.Ordinal);
    private TaskCompletionSource? _idle;
    private TaskCompletionSource? _room;
    private int _pending;
    private int _started;
    private readonly bool _history;
    private int _flushScheduled;

    /// <param name="flows">The durable flows (generated classes implementing <see cref="IDurableFlow"/>), one build per flow id.</param>
    /// <param name="store">Where instances and the inbox live.</param>
    /// <param name="options">Settings; the defaults when null.</param>
    public FlowEngine(IEnumerable<IDurableFlow> flows, IFlowStore store, FlowEngineOptions? options = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? new FlowEngineOptions();
        _history = _options.History && _store.KeepsHistory;
        if (_options.Dispatcher is not null && !_store.IsDurable)
            throw new ArgumentException("a dispatcher runs instances' work on other engines, which must share the store: give the engine a durable store (SQLite or PostgreSQL), not an in-memory one", nameof(options));
        Json = FlowStateJson.Options([.. _options.JsonContexts]);
        _context = new DurableStepContext { Json = Json, Clock = _options.Clock, Options = _options.RunOptions };
        foreach (var flow in flows ?? throw new ArgumentNullException(nameof(flows)))
        {
            if (flow.Continues is { } continued)
            {
                // An older build kept beside the current one: it runs the instances of its version, and starts none.
                _builds[(continued, flow.Version)] = flow;
                foreach (var (name, type) in flow.Events) _eventTypes.TryAdd(name, type);
                continue;
            }
            if (!_flows.TryAdd(flow.Id, flow))
                throw new ArgumentException($"flow '{flow.Id}' is registered twice; to keep instances of an older build running, register it with ContinueVersion", nameof(flows));
            _builds[(flow.Id, flow.Version)] = flow;
            foreach (var (name, type) in flow.Events)
            {
                if (_eventTypes.TryGetValue(name, out var known) && known != type)
                    throw new ArgumentException($"event '{name}' is a {known.Name} for one flow and a {type.Name} for flow '{flow.Id}': an event name has one type", nameof(flows));
                _eventTypes[name] = type;
            }
        }
        foreach (var group in _flows.Values.SelectMany(f => f.Events.Keys.Select(name => (name, f))).GroupBy(p => p.name, StringComparer.Ordinal))
            _byEvent[group.Key] = group.Select(p => p.f).ToArray();
        _mailboxes = new Channel<Work>[Math.Max(1, _options.Partitions)];
        for (var i = 0; i < _mailboxes.Length; i++)
            _mailboxes[i] = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
        _workers = new Task[_mailboxes.Length];
    }

    /// <summary>The JSON options states and event payloads are written with.</summary>
    public JsonSerializerOptions Json { get; }

    /// <summary>The store.</summary>
    public IFlowStore Store => _store;

    /// <summary>The engine's counters.</summary>
    public FlowEngineCounters Counters { get; } = new();

    /// <summary>The clock timers run by.</summary>
    public TimeProvider Clock => _options.Clock;

    /// <summary>The flows the engine runs, by id.</summary>
    public IReadOnlyDictionary<string, IDurableFlow> Flows => _flows;

    /// <summary>
    /// Keeps instances saved by an older build of a flow running: <paramref name="build"/> is that build (the old
    /// flow file kept beside the new one under another flow id, see docs/versions.md). Instances of
    /// <paramref name="flowId"/> whose version is <c>build.Version</c> continue with it; new instances start with
    /// the current build.
    /// </summary>
    public void ContinueVersion(string flowId, IDurableFlow build)
    {
        if (Volatile.Read(ref _started) != 0) throw new InvalidOperationException("register older builds before the engine starts");
        _builds[(flowId, build.Version)] = build;
        foreach (var (name, type) in build.Events) _eventTypes.TryAdd(name, type);
    }

    /// <summary>
    /// Creates the store's tables, starts the mailboxes, and routes again the inbox events that were committed but not
    /// applied everywhere before the process stopped.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("the engine has started already");
        await _store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await FindUnknownFlowsAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < _mailboxes.Length; i++)
        {
            var reader = _mailboxes[i].Reader;
            _workers[i] = Task.Run(() => WorkAsync(reader), CancellationToken.None);
        }
        if (_store.IsDurable) await RecoverAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Flow ids the engine runs no build of, whose instances in the store are not finished: reported once here, and kept
    /// so that an event never starts a new instance over one of them (<see cref="DeliverAsync"/>).
    /// </summary>
    private async Task FindUnknownFlowsAsync(CancellationToken cancellationToken)
    {
        var known = new HashSet<string>(_flows.Keys, StringComparer.Ordinal);
        foreach (var (flowId, _) in _builds.Keys) known.Add(flowId);
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        foreach (var flowId in await _store.ListActiveFlowIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (known.Contains(flowId) || !unknown.Add(flowId)) continue;
            var error = new FlowError(FlowErrorCodes.UnknownFlow, flowId, null, null,
                $"the store holds unfinished instances of flow '{flowId}', which no registered build runs: they take no events, and an event never starts an instance of another flow "
                + "over one of them (it is parked). Register the flow (or keep its old build with ContinueVersion), or cancel those instances");
            _options.OnError?.Invoke(new FlowInstanceFaultException(error), $"instances of flow '{flowId}'");
        }
        _unknownFlows = unknown;
    }

    /// <summary>Flow ids whose unfinished instances are in the store but which no registered build runs (found at start-up).</summary>
    public IReadOnlyCollection<string> UnknownFlows => _unknownFlows;

    /// <summary>
    /// The newest events parked since the engine started (at most <see cref="FlowEngineOptions.MaxParkedEvents"/>),
    /// oldest first: events not applied because the instance of their flow and key could not take them safely.
    /// </summary>
    public IReadOnlyList<FlowParkedEvent> ParkedEvents
    {
        get
        {
            lock (_parked) return [.. _parked];
        }
    }

    private Task RecoverAsync(CancellationToken cancellationToken) => RoutePendingAsync(long.MaxValue, cancellationToken);

    /// <summary>
    /// Routes again the inbox events still pending (not applied everywhere) up to a sequence, oldest first: what a start
    /// does for all of them after a crash, and what FlowGen.Orleans does on every silo for events left pending by a silo
    /// that died while it routed them. An instance that applied one already skips it. Returns how many were routed.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public async Task<int> RoutePendingAsync(long upToSequence, CancellationToken cancellationToken = default)
    {
        long after = 0;
        var routed = 0;
        while (true)
        {
            var pending = await _store.ReadPendingEventsAsync(after, 1000, cancellationToken).ConfigureAwait(false);
            if (pending.Count == 0) return routed;
            foreach (var stored in pending)
            {
                if (stored.Sequence > upToSequence) return routed;
                after = stored.Sequence;
                await RouteStoredAsync(stored).ConfigureAwait(false);
                routed++;
            }
        }
    }

    /// <summary>An inbox event routed (again); the task ends when it has been applied (with a dispatcher) or handed to the mailboxes.</summary>
    private async ValueTask<Task> RouteStoredAsync(StoredFlowEvent stored)
    {
        if (!_eventTypes.TryGetValue(stored.Name, out var type))
        {
            // No flow takes this event any more: dropped, as it would be now.
            Interlocked.Increment(ref Counters.EventsDropped);
            MarkProcessed(stored.Sequence);
            return Task.CompletedTask;
        }
        object payload;
        try
        {
            payload = FlowStateJson.ReadPayload(stored.Payload, type, Json);
        }
        catch (Exception exception) when (IsStateError(exception))
        {
            _options.OnError?.Invoke(exception, $"inbox event {stored.Sequence} ({stored.Name}) cannot be read and is dropped");
            Interlocked.Increment(ref Counters.EventsDropped);
            MarkProcessed(stored.Sequence);
            return Task.CompletedTask;
        }
        return await RouteAsync(new FlowEvent(stored.Name, payload, stored.Id, stored.Time) { Sequence = stored.Sequence, PayloadJson = stored.Payload }).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes an event: commits it to the inbox (returning <see cref="FlowPublishResult.Duplicate"/> when its id was
    /// taken before), then routes it to the instances that wait for it and the flows it starts. The event is durable
    /// when this returns; its effects follow in the instances' mailboxes (<see cref="DrainAsync"/> waits for them).
    /// </summary>
    public async ValueTask<FlowPublishResult> PublishAsync(FlowEvent flowEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flowEvent);
        EnsureStarted();
        if (!_eventTypes.TryGetValue(flowEvent.Name, out var type))
        {
            Interlocked.Increment(ref Counters.EventsDropped);
            return FlowPublishResult.Dropped;
        }
        if (!type.IsInstanceOfType(flowEvent.Payload))
            throw new ArgumentException($"event '{flowEvent.Name}' carries a {type.Name}, not a {flowEvent.Payload.GetType().Name}", nameof(flowEvent));
        var payload = _store.IsDurable ? FlowStateJson.WritePayload(flowEvent.Payload, type, Json) : [];
        var sequence = await _store.AppendEventAsync(flowEvent.Id, flowEvent.Name, payload, flowEvent.Time ?? Clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (sequence is null)
        {
            Interlocked.Increment(ref Counters.EventsDuplicate);
            // A source that publishes again after a failure (its engine died before the event was applied) gets its
            // event applied before it goes on: with a dispatcher, the pending event is routed again and awaited.
            if (_options.Dispatcher is not null && flowEvent.Id is { } id
                && await _store.FindPendingEventAsync(id, cancellationToken).ConfigureAwait(false) is { } pending)
                await await RouteStoredAsync(pending).ConfigureAwait(false);
            return FlowPublishResult.Duplicate;
        }
        flowEvent.Sequence = sequence.Value;
        if (payload.Length > 0) flowEvent.PayloadJson = payload;
        Interlocked.Increment(ref Counters.EventsAccepted);
        var applied = await RouteAsync(flowEvent).ConfigureAwait(false);
        // With a dispatcher, the event is applied when this returns: a source that publishes one event after another
        // for a key gets them applied in that order, wherever they run.
        if (_options.Dispatcher is not null) await applied.ConfigureAwait(false);
        return FlowPublishResult.Accepted;
    }

    /// <summary>
    /// <see cref="PublishAsync"/> for an event whose payload is UTF-8 JSON (from another process: FlowGen.Orleans's event
    /// gateway, a message broker): read with the engine's JSON contexts into the event's type. An event no flow takes is
    /// dropped; a payload that cannot be read is an <see cref="ArgumentException"/> naming the event.
    /// </summary>
    public async ValueTask<FlowPublishResult> PublishJsonAsync(string name, byte[] payload, string? id = null, DateTimeOffset? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(payload);
        EnsureStarted();
        if (!_eventTypes.TryGetValue(name, out var type))
        {
            Interlocked.Increment(ref Counters.EventsDropped);
            return FlowPublishResult.Dropped;
        }
        object value;
        try
        {
            value = FlowStateJson.ReadPayload(payload, type, Json);
        }
        catch (Exception exception) when (IsStateError(exception))
        {
            throw new ArgumentException($"the payload of event '{name}' is not a {type.Name} in JSON: {exception.Message}", nameof(payload), exception);
        }
        return await PublishAsync(new FlowEvent(name, value, id, time), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<Task> RouteAsync(FlowEvent flowEvent)
    {
        var tracker = new EventTracker(this, flowEvent.Sequence, awaited: _options.Dispatcher is not null);
        if (_byEvent.TryGetValue(flowEvent.Name, out var flows))
        {
            foreach (var flow in flows)
            {
                if (flow.KeyOf(flowEvent) is not { } key) continue;
                tracker.Add();
                await EnqueueAsync(new Delivery(flow, key, flowEvent, tracker)).ConfigureAwait(false);
            }
        }
        tracker.Routed();
        return tracker.Applied;
    }

    /// <summary>
    /// Starts an instance of a flow from a request and runs it until it waits, ends, fails or suspends. Its key is
    /// the flow's key read from the request (or a new id when the flow has none). Throws
    /// <see cref="FlowInstanceStateException"/> when an active instance has that key already.
    /// </summary>
    public Task<FlowInstance> StartInstanceAsync(string flowId, object request, CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        if (!_flows.TryGetValue(flowId, out var flow)) throw new ArgumentException($"no durable flow '{flowId}' is registered", nameof(flowId));
        var key = flow.KeyOfRequest(request) ?? NewId();
        return Run(new StartWork(flow, key, request, cancellationToken));
    }

    /// <summary>
    /// Fires the timers due now (on <see cref="Clock"/>): each waiting instance whose timer is due takes its timer arm
    /// in its mailbox. Returns how many timers were handed to mailboxes. The hosted runner calls this periodically.
    /// </summary>
    public async Task<int> FireDueTimersAsync(CancellationToken cancellationToken = default)
    {
        EnsureStarted();
        var now = Clock.GetUtcNow();
        var due = await _store.QueryAsync(new FlowInstanceQuery { Status = FlowInstanceStatus.Waiting, DueBy = now, Limit = _options.TimerBatch }, cancellationToken).ConfigureAwait(false);
        var count = 0;
        foreach (var instance in due)
        {
            if (!_timersInFlight.TryAdd(instance.Id, 0)) continue;
            count++;
            await EnqueueAsync(new TimerWork(instance.FlowId, instance.Key, instance.Id, instance.DueAt!.Value, now)).ConfigureAwait(false);
        }
        return count;
    }

    /// <summary>
    /// Suspended instances (with their error), oldest first: the repair list. A row whose columns cannot all be read is
    /// listed too, with <see cref="FlowInstance.ReadError"/> set.
    /// </summary>
    public Task<IReadOnlyList<FlowInstance>> ListSuspendedAsync(string? flowId = null, int limit = 1000, CancellationToken cancellationToken = default)
        => _store.QueryAsync(new FlowInstanceQuery { Status = FlowInstanceStatus.Suspended, FlowId = flowId, Limit = limit }, cancellationToken).AsTask();

    /// <summary>An instance by id, or null.</summary>
    /// <exception cref="FlowInstanceFaultException">Its row cannot be read (<see cref="FlowErrorCodes.InstanceUnreadable"/>); the exception holds what could be read.</exception>
    public async Task<FlowInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default)
        => Readable(await _store.GetAsync(instanceId, cancellationToken).ConfigureAwait(false));

    /// <summary>The newest instance of a flow with a key, or null.</summary>
    /// <exception cref="FlowInstanceFaultException">Its row cannot be read (<see cref="FlowErrorCodes.InstanceUnreadable"/>); the exception holds what could be read.</exception>
    public async Task<FlowInstance?> FindAsync(string flowId, string key, CancellationToken cancellationToken = default)
        => Readable(await _store.FindLatestAsync(flowId, key, cancellationToken).ConfigureAwait(false));

    private static FlowInstance? Readable(FlowInstance? instance)
        => instance?.Unreadable is { } unreadable ? throw new FlowInstanceFaultException(unreadable, instance) : instance;

    /// <summary>
    /// Resumes a suspended instance: the nodes it stopped at run again (a failed task is called again, with the bus
    /// values it had), typically after the cause was repaired. Throws <see cref="FlowInstanceStateException"/> when
    /// it is not suspended, or when no registered build can continue its version.
    /// </summary>
    /// <exception cref="FlowInstanceFaultException">
    /// Its status cannot be read (<see cref="FlowErrorCodes.InstanceUnreadable"/>), its saved state cannot be read
    /// (<see cref="FlowErrorCodes.StateUnreadable"/>; the instance stays as it was), or no build of its flow is registered
    /// (<see cref="FlowErrorCodes.UnknownFlow"/>).
    /// </exception>
    public Task<FlowInstance> ResumeAsync(string instanceId, CancellationToken cancellationToken = default)
        => ResumeAsync(instanceId, by: null, cancellationToken);

    /// <summary>
    /// <see cref="ResumeAsync(string, CancellationToken)"/> on an operator's behalf: <paramref name="by"/> (a user name) is kept
    /// in the step's history entry (<see cref="FlowHistoryEntry.By"/>).
    /// </summary>
    public async Task<FlowInstance> ResumeAsync(string instanceId, string? by, CancellationToken cancellationToken = default)
    {
        var resumed = await OnInstance(instanceId, FlowWorkKind.Resume, null, by, cancellationToken);
        await DeliverParkedAsync(resumed.Id).ConfigureAwait(false);
        return resumed;
    }

    /// <summary>
    /// Repairs an instance that stopped at a failure: the nodes it failed at run again, with the bus values it had, as
    /// <see cref="ResumeAsync(string, CancellationToken)"/> does for a suspended one; and for a <em>failed</em> instance too
    /// (one whose flow fails on a task failure, the default policy), when its error is one a repair can fix (a task's
    /// exception or timeout, a condition or assignment that threw, a timeout, a loop limit: not an error end event,
    /// which is the flow's own outcome, nor an invalid request). Throws <see cref="FlowInstanceStateException"/> for any
    /// other instance, and <see cref="FlowConcurrencyException"/> when its flow and key have another active instance by now.
    /// </summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="by">Who repairs it (kept in the history), or null.</param>
    /// <param name="cancellationToken">Cancels the wait for the instance's mailbox.</param>
    public async Task<FlowInstance> RepairAsync(string instanceId, string? by = null, CancellationToken cancellationToken = default)
    {
        var repaired = await OnInstance(instanceId, FlowWorkKind.Repair, null, by, cancellationToken);
        await DeliverParkedAsync(repaired.Id).ConfigureAwait(false);
        return repaired;
    }

    /// <summary>
    /// The instance's history, oldest step first (at most <paramref name="limit"/>, the newest kept): empty when the store
    /// keeps none (<see cref="IFlowStore.KeepsHistory"/>) or <see cref="FlowEngineOptions.History"/> is off.
    /// </summary>
    public Task<IReadOnlyList<FlowHistoryEntry>> HistoryAsync(string instanceId, int limit = 500, CancellationToken cancellationToken = default)
        => _store.ReadHistoryAsync(instanceId, limit, cancellationToken).AsTask();

    /// <summary>
    /// Cancels an active instance (waiting or suspended, or in a status the engine does not know): it takes no more
    /// events or timers. The events parked because of it are delivered again, as if it had not been there.
    /// </summary>
    public Task<FlowInstance> CancelAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
        => CancelAsync(instanceId, reason, by: null, cancellationToken);

    /// <summary>
    /// <see cref="CancelAsync(string, string?, CancellationToken)"/> on an operator's behalf: <paramref name="by"/> is kept in the
    /// step's history entry.
    /// </summary>
    public async Task<FlowInstance> CancelAsync(string instanceId, string? reason, string? by, CancellationToken cancellationToken = default)
    {
        var cancelled = await OnInstance(instanceId, FlowWorkKind.Cancel, reason, by, cancellationToken);
        await DeliverParkedAsync(cancelled.Id).ConfigureAwait(false);
        return cancelled;
    }

    /// <summary>Suspends a waiting instance by hand: it takes no events or timers until it is resumed (its wait then begins again).</summary>
    public Task<FlowInstance> SuspendAsync(string instanceId, string reason, CancellationToken cancellationToken = default)
        => SuspendAsync(instanceId, reason, by: null, cancellationToken);

    /// <summary>
    /// <see cref="SuspendAsync(string, string, CancellationToken)"/> on an operator's behalf: <paramref name="by"/> is kept in the
    /// step's history entry.
    /// </summary>
    public Task<FlowInstance> SuspendAsync(string instanceId, string reason, string? by, CancellationToken cancellationToken = default)
        => OnInstance(instanceId, FlowWorkKind.Suspend, reason, by, cancellationToken);

    /// <summary>Waits until every event, timer and operation handed to the mailboxes so far has been taken, and the inbox marks are written.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        while (Volatile.Read(ref _pending) != 0)
        {
            Task idle;
            lock (_gate) idle = (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            // The last piece of work may have finished before the signal existed: look again (after a full fence).
            if (Interlocked.CompareExchange(ref _pending, 0, 0) == 0) Signal(ref _idle);
            await idle.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        await FlushProcessedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops taking work, lets the mailboxes finish what they hold, and writes the inbox marks.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _started) == 0) return;
        foreach (var mailbox in _mailboxes) mailbox.Writer.TryComplete();
        await Task.WhenAll(_workers.Where(w => w is not null)).ConfigureAwait(false);
        await FlushProcessedAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
