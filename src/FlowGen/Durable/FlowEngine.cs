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
public sealed class FlowEngine : IAsyncDisposable
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

    /// <param name="flows">The durable flows (generated classes implementing <see cref="IDurableFlow"/>), one build per flow id.</param>
    /// <param name="store">Where instances and the inbox live.</param>
    /// <param name="options">Settings; the defaults when null.</param>
    public FlowEngine(IEnumerable<IDurableFlow> flows, IFlowStore store, FlowEngineOptions? options = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? new FlowEngineOptions();
        _history = _options.History && _store.KeepsHistory;
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

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            var pending = await _store.ReadPendingEventsAsync(after, 1000, cancellationToken).ConfigureAwait(false);
            if (pending.Count == 0) break;
            foreach (var stored in pending)
            {
                after = stored.Sequence;
                if (!_eventTypes.TryGetValue(stored.Name, out var type))
                {
                    // No flow takes this event any more: dropped, as it would be now.
                    Interlocked.Increment(ref Counters.EventsDropped);
                    MarkProcessed(stored.Sequence);
                    continue;
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
                    continue;
                }
                await RouteAsync(new FlowEvent(stored.Name, payload, stored.Id, stored.Time) { Sequence = stored.Sequence }).ConfigureAwait(false);
            }
        }
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
            return FlowPublishResult.Duplicate;
        }
        flowEvent.Sequence = sequence.Value;
        Interlocked.Increment(ref Counters.EventsAccepted);
        await RouteAsync(flowEvent).ConfigureAwait(false);
        return FlowPublishResult.Accepted;
    }

    private async ValueTask RouteAsync(FlowEvent flowEvent)
    {
        var tracker = new EventTracker(this, flowEvent.Sequence);
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
        return Run(flowId, key, async () =>
        {
            var latest = await _store.FindLatestAsync(flowId, key, cancellationToken).ConfigureAwait(false);
            if (latest is not null && !IsFinished(latest) && latest.Unreadable is { } unreadable)
                throw new FlowInstanceFaultException(unreadable, latest);
            if (latest is { IsActive: true })
                throw new FlowInstanceStateException($"flow '{flowId}' has an active instance with key '{key}' already ({latest.Id}, {latest.Status})");
            if (await UnknownFlowInstanceAsync(key).ConfigureAwait(false) is { } blocker)
                throw new FlowInstanceFaultException(UnknownFlowError(flow, key, blocker), blocker);
            var instance = NewInstance(flow, key);
            DurableStep step;
            try
            {
                step = await flow.StartAsync(request, _context).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsStateError(exception))
            {
                throw new FlowInstanceFaultException(NewStateError(flow, key, exception), null, exception);
            }
            Interlocked.Increment(ref Counters.InstancesStarted);
            await ApplyAsync(instance, flow, step, 0, "start", null).ConfigureAwait(false);
            return instance;
        });
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
        var resumed = await OnInstance(instanceId, "resume", async instance =>
        {
            // A status it does not know, the engine does not change; unreadable nodes or events are written again from
            // the state by the step, so a suspended instance with such a row resumes.
            if (instance.Status is not (>= FlowInstanceStatus.Waiting and <= FlowInstanceStatus.Cancelled)) throw new FlowInstanceFaultException(instance.Unreadable!, instance);
            if (instance.Status != FlowInstanceStatus.Suspended)
                throw new FlowInstanceStateException($"instance '{instance.Id}' of flow '{instance.FlowId}' is {instance.Status}, not Suspended: only a suspended instance resumes");
            if (BuildFor(instance) is not { } build)
            {
                if (!IsKnownFlow(instance.FlowId))
                    throw new FlowInstanceFaultException(new FlowError(FlowErrorCodes.UnknownFlow, instance.FlowId, null, null, VersionMessage(instance)), instance);
                throw new FlowInstanceStateException(VersionMessage(instance));
            }
            DurableStep step;
            try
            {
                step = await build.ContinueAsync(instance.State, DurableSignal.Resume, _context).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsStateError(exception))
            {
                throw new FlowInstanceFaultException(StateError(instance, exception), instance, exception);
            }
            await ApplyAsync(instance, build, step, 0, "resume", null, by).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
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
        var repaired = await OnInstance(instanceId, "repair", async instance =>
        {
            if (instance.Status is not (>= FlowInstanceStatus.Waiting and <= FlowInstanceStatus.Cancelled)) throw new FlowInstanceFaultException(instance.Unreadable!, instance);
            var repairable = instance.Status == FlowInstanceStatus.Suspended
                || (instance.Status == FlowInstanceStatus.Failed && IsRepairable(instance.ErrorCode) && instance.Nodes.Length > 0);
            if (!repairable)
            {
                var why = instance.Status == FlowInstanceStatus.Failed
                    ? $"failed with {instance.ErrorCode}, which a repair cannot change (an error end event or an invalid request is the flow's own outcome)"
                    : $"is {instance.Status}";
                throw new FlowInstanceStateException($"instance '{instance.Id}' of flow '{instance.FlowId}' {why}: only a suspended instance, or one failed by a task, a condition, an assignment, a timeout or a loop limit, is repaired");
            }
            if (BuildFor(instance) is not { } build)
            {
                if (!IsKnownFlow(instance.FlowId))
                    throw new FlowInstanceFaultException(new FlowError(FlowErrorCodes.UnknownFlow, instance.FlowId, null, null, VersionMessage(instance)), instance);
                throw new FlowInstanceStateException(VersionMessage(instance));
            }
            DurableStep step;
            try
            {
                step = await build.ContinueAsync(instance.State, DurableSignal.Resume, _context).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsStateError(exception))
            {
                throw new FlowInstanceFaultException(StateError(instance, exception), instance, exception);
            }
            await ApplyAsync(instance, build, step, 0, "repair", null, by).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
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
        var cancelled = await OnInstance(instanceId, "cancel", async instance =>
        {
            // An instance whose status the engine does not know can be cancelled: that is how an operator gives up on it.
            if (IsFinished(instance))
                throw new FlowInstanceStateException($"instance '{instance.Id}' of flow '{instance.FlowId}' is {instance.Status}: only a waiting or suspended instance can be cancelled");
            var expected = instance.Revision;
            instance.Status = FlowInstanceStatus.Cancelled;
            instance.DueAt = null;
            instance.Events = [];
            instance.ErrorCode = FlowErrorCodes.Cancelled;
            instance.ErrorMessage = reason is null ? "cancelled by hand" : "cancelled by hand: " + reason;
            instance.Updated = Clock.GetUtcNow();
            Record(instance, expected, "cancel", null, null, by);
            await _store.SaveAsync(instance, expected, cancellationToken).ConfigureAwait(false);
            instance.ReadError = null;
            _options.OnStep?.Invoke(new FlowStepRecord(instance, "cancel", null, null));
        }, cancellationToken).ConfigureAwait(false);
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
        => OnInstance(instanceId, "suspend", async instance =>
        {
            if (instance.Unreadable is { } unreadable) throw new FlowInstanceFaultException(unreadable, instance);
            if (instance.Status != FlowInstanceStatus.Waiting)
                throw new FlowInstanceStateException($"instance '{instance.Id}' of flow '{instance.FlowId}' is {instance.Status}: only a waiting instance can be suspended");
            await SuspendWithAsync(instance, FlowErrorCodes.Suspended, "suspended by hand: " + reason, "suspend", cancellationToken, by).ConfigureAwait(false);
        }, cancellationToken);

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

    // ---- Mailboxes ----

    /// <summary>
    /// Hands work to its instance's mailbox. Past <see cref="FlowEngineOptions.MaxQueuedWork"/> pieces of work in all,
    /// the caller waits until the mailboxes have taken half of it (back-pressure), so a source faster than the
    /// instances slows down instead of filling memory.
    /// </summary>
    /// <remarks>
    /// The count of queued work is one interlocked number, not a lock: every publisher and every mailbox touches it
    /// for every event. The idle and room signals exist only while someone waits for them.
    /// </remarks>
    private ValueTask EnqueueAsync(Work work)
    {
        var pending = Interlocked.Increment(ref _pending);
        var writer = _mailboxes[(int)((uint)HashCode.Combine(work.FlowId, work.Key) % (uint)_mailboxes.Length)].Writer;
        if (!writer.TryWrite(work))
        {
            Done();
            work.Fail(new ObjectDisposedException(nameof(FlowEngine), "the engine is stopping"));
            return default;
        }
        return pending > _options.MaxQueuedWork ? WaitForRoom() : default;
    }

    private ValueTask WaitForRoom()
    {
        Task room;
        lock (_gate) room = (_room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        // The mailboxes may have taken half of their work before the signal existed: look again (after a full fence).
        if (Interlocked.CompareExchange(ref _pending, 0, 0) <= _options.MaxQueuedWork / 2) Signal(ref _room);
        return new ValueTask(room);
    }

    private void Done()
    {
        // A full fence (the decrement) before reading the signals: a waiter either sees this count or is signalled.
        var pending = Interlocked.Decrement(ref _pending);
        if (pending == 0 && Volatile.Read(ref _idle) is not null) Signal(ref _idle);
        if (pending <= _options.MaxQueuedWork / 2 && Volatile.Read(ref _room) is not null) Signal(ref _room);
    }

    private void Signal(ref TaskCompletionSource? signal)
    {
        TaskCompletionSource? taken;
        lock (_gate)
        {
            taken = signal;
            signal = null;
        }
        taken?.TrySetResult();
    }

    private async Task WorkAsync(ChannelReader<Work> reader)
    {
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var work))
            {
                try
                {
                    await work.RunAsync(this).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    work.Fail(exception);
                    _options.OnError?.Invoke(exception, work.ToString()!);
                }
                finally
                {
                    Done();
                }
            }
        }
    }

    private async Task<FlowInstance> Run(string flowId, string key, Func<Task<FlowInstance>> operation)
    {
        var work = new Operation(flowId, key, operation);
        await EnqueueAsync(work).ConfigureAwait(false);
        return await work.Completion.Task.ConfigureAwait(false);
    }

    private async Task<FlowInstance> OnInstance(string instanceId, string what, Func<FlowInstance, Task> change, CancellationToken cancellationToken)
    {
        EnsureStarted();
        var found = await _store.GetAsync(instanceId, cancellationToken).ConfigureAwait(false)
            ?? throw new FlowInstanceStateException($"there is no instance '{instanceId}' to {what}");
        return await Run(found.FlowId, found.Key, async () =>
        {
            // In the instance's mailbox: read it again (an event may have moved it since), retry on a lost race.
            for (var attempt = 0; ; attempt++)
            {
                var instance = await _store.GetAsync(instanceId, cancellationToken).ConfigureAwait(false)
                    ?? throw new FlowInstanceStateException($"there is no instance '{instanceId}' to {what}");
                try
                {
                    await change(instance).ConfigureAwait(false);
                    return instance;
                }
                catch (FlowConcurrencyException) when (attempt < 5)
                {
                    Interlocked.Increment(ref Counters.Conflicts);
                }
            }
        }).ConfigureAwait(false);
    }

    // ---- Steps ----

    private enum Outcome { Dropped, Taken, Parked }

    private async Task<Outcome> DeliverAsync(IDurableFlow flow, string key, FlowEvent flowEvent)
    {
        var latest = await _store.FindLatestAsync(flow.Id, key).ConfigureAwait(false);
        // Applied before a restart (replayed from the inbox): not applied twice.
        if (latest is not null && flowEvent.Sequence > 0 && latest.LastSequence >= flowEvent.Sequence) return Outcome.Taken;
        // A row the engine cannot read (or whose status it does not know) is neither continued nor replaced: the event
        // is parked, and the instance suspended for repair. A finished instance is out of the way whatever its columns.
        if (latest is not null && !IsFinished(latest) && latest.Unreadable is { } unreadable)
        {
            await SuspendDamagedAsync(latest, unreadable).ConfigureAwait(false);
            Park(flowEvent, flow.Id, key, latest.Id, unreadable);
            return Outcome.Parked;
        }
        if (latest is { IsActive: true })
        {
            if (latest.Status != FlowInstanceStatus.Waiting || Array.IndexOf(latest.Events, flowEvent.Name) < 0) return Outcome.Dropped;
            // The flow that routed the event is the current build: it continues the instances of its own version.
            if ((string.Equals(latest.Version, flow.Version, StringComparison.Ordinal) ? flow : BuildFor(latest)) is not { } build)
            {
                await SuspendForVersionAsync(latest).ConfigureAwait(false);
                return Outcome.Dropped;
            }
            DurableStep step;
            try
            {
                step = await build.ContinueAsync(latest.State, DurableSignal.For(flowEvent), _context).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsStateError(exception))
            {
                await SuspendUnreadableAsync(latest, exception).ConfigureAwait(false);
                return Outcome.Dropped;
            }
            if (!step.Accepted) return Outcome.Dropped;
            Interlocked.Increment(ref Counters.Deliveries);
            await ApplyAsync(latest, build, step, flowEvent.Sequence, "event", flowEvent).ConfigureAwait(false);
            return Outcome.Taken;
        }
        if (!flow.Starts(flowEvent)) return Outcome.Dropped;
        if (await UnknownFlowInstanceAsync(key).ConfigureAwait(false) is { } blocker)
        {
            Park(flowEvent, flow.Id, key, blocker.Id, UnknownFlowError(flow, key, blocker));
            return Outcome.Parked;
        }
        var instance = NewInstance(flow, key);
        DurableStep first;
        try
        {
            first = await flow.StartAsync(flowEvent.Payload, _context).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsStateError(exception))
        {
            // Nothing is saved: the event is kept, to start the instance once the JSON options know its types.
            Park(flowEvent, flow.Id, key, null, NewStateError(flow, key, exception));
            return Outcome.Parked;
        }
        Interlocked.Increment(ref Counters.InstancesStarted);
        await ApplyAsync(instance, flow, first, flowEvent.Sequence, "start", flowEvent).ConfigureAwait(false);
        return Outcome.Taken;
    }

    /// <summary>The newest unfinished instance with this key of a flow the engine does not run (found at start-up), or null.</summary>
    private async Task<FlowInstance?> UnknownFlowInstanceAsync(string key)
    {
        foreach (var flowId in _unknownFlows)
        {
            if (await _store.FindLatestAsync(flowId, key).ConfigureAwait(false) is { } other && !IsFinished(other)) return other;
        }
        return null;
    }

    private static FlowError UnknownFlowError(IDurableFlow flow, string key, FlowInstance blocker)
        => new(FlowErrorCodes.UnknownFlow, blocker.FlowId, null, null,
            $"the key '{key}' has an unfinished instance '{blocker.Id}' ({StatusText(blocker)}) of flow '{blocker.FlowId}', which no registered build runs: "
            + $"no instance of flow '{flow.Id}' is started over it. Register the flow '{blocker.FlowId}' (or keep its old build with ContinueVersion), or cancel the instance");

    private static FlowError StateError(FlowInstance instance, Exception exception)
        => new(FlowErrorCodes.StateUnreadable, instance.FlowId, instance.Nodes.FirstOrDefault(), null,
            $"the saved state of instance '{instance.Id}' ({instance.FlowId}/{instance.Key}) cannot be read or written: {exception.Message}", exception);

    private static FlowError NewStateError(IDurableFlow flow, string key, Exception exception)
        => new(FlowErrorCodes.StateUnreadable, flow.Id, null, null,
            $"the state of a new instance of flow '{flow.Id}' with key '{key}' cannot be written: {exception.Message}", exception);

    private static bool IsStateError(Exception exception) => exception is JsonException or FlowStateTypeException or NotSupportedException;

    private static string StatusText(FlowInstance instance)
        => instance.Status is >= FlowInstanceStatus.Waiting and <= FlowInstanceStatus.Cancelled ? instance.Status.ToString() : "status " + ((int)instance.Status).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Completed, failed or cancelled: never continued again. An unknown status is not finished.</summary>
    private static bool IsFinished(FlowInstance instance) => instance.Status is FlowInstanceStatus.Completed or FlowInstanceStatus.Failed or FlowInstanceStatus.Cancelled;

    private bool IsKnownFlow(string flowId) => _flows.ContainsKey(flowId) || _builds.Keys.Any(b => b.FlowId == flowId);

    /// <summary>Keeps an event the engine could not apply safely: counted, listed, reported; its inbox mark is not written.</summary>
    private void Park(FlowEvent flowEvent, string flowId, string key, string? instanceId, FlowError error)
    {
        var parked = new FlowParkedEvent(flowEvent, flowId, key, instanceId, error, Clock.GetUtcNow());
        Interlocked.Increment(ref Counters.EventsParked);
        lock (_parked)
        {
            _parked.AddLast(parked);
            while (_parked.Count > Math.Max(0, _options.MaxParkedEvents)) _parked.RemoveFirst();
        }
        _options.OnParked?.Invoke(parked);
    }

    /// <summary>
    /// After a resume or a cancel of an instance that was in the way: the events parked because of it are delivered
    /// again, in arrival order, each to the flow and key it was parked for.
    /// </summary>
    private async Task DeliverParkedAsync(string instanceId)
    {
        List<FlowParkedEvent> again;
        lock (_parked)
        {
            again = [.. _parked.Where(p => p.InstanceId == instanceId)];
            foreach (var parked in again) _parked.Remove(parked);
        }
        foreach (var parked in again.OrderBy(p => p.Event.Sequence))
        {
            if (!_flows.TryGetValue(parked.FlowId, out var flow)) continue;
            var tracker = new EventTracker(this, parked.Event.Sequence);
            tracker.Add();
            await EnqueueAsync(new Delivery(flow, parked.Key, parked.Event, tracker)).ConfigureAwait(false);
            tracker.Routed();
        }
    }

    private async Task FireAsync(string instanceId, DateTimeOffset due, DateTimeOffset now)
    {
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var instance = await _store.GetAsync(instanceId).ConfigureAwait(false);
                // Moved on since the timer was read (an event came first, or it was suspended): nothing to fire.
                if (instance is not { Status: FlowInstanceStatus.Waiting } || instance.DueAt != due || due > now) return;
                if (instance.Unreadable is { } unreadable)
                {
                    // Suspended, which also takes it out of the due timers (else it would come first in every round).
                    await SuspendDamagedAsync(instance, unreadable).ConfigureAwait(false);
                    return;
                }
                if (BuildFor(instance) is not { } build)
                {
                    await SuspendForVersionAsync(instance).ConfigureAwait(false);
                    return;
                }
                try
                {
                    DurableStep step;
                    try
                    {
                        step = await build.ContinueAsync(instance.State, DurableSignal.Timer, _context).ConfigureAwait(false);
                    }
                    catch (Exception exception) when (IsStateError(exception))
                    {
                        await SuspendUnreadableAsync(instance, exception).ConfigureAwait(false);
                        return;
                    }
                    if (!step.Accepted) return;
                    Interlocked.Increment(ref Counters.TimersFired);
                    await ApplyAsync(instance, build, step, 0, "timer", null).ConfigureAwait(false);
                    return;
                }
                catch (FlowConcurrencyException) when (attempt < 5)
                {
                    Interlocked.Increment(ref Counters.Conflicts);
                }
            }
        }
        finally
        {
            _timersInFlight.TryRemove(instanceId, out _);
        }
    }

    private async Task ApplyAsync(FlowInstance instance, IDurableFlow build, DurableStep step, long sequence, string cause, FlowEvent? flowEvent, string? by = null)
    {
        var expected = instance.Revision;
        var status = step.Status;
        if (status == FlowInstanceStatus.Failed && IsRepairable(step.Error) && (build.FailurePolicy ?? _options.FailurePolicy) == FlowFailurePolicy.Suspend)
            status = FlowInstanceStatus.Suspended;
        instance.Version = build.Version;
        instance.Status = status;
        instance.Nodes = step.Nodes;
        instance.Events = step.Events;
        instance.DueAt = step.DueAt;
        instance.State = step.State;
        instance.ErrorCode = step.Error?.Code;
        instance.ErrorNode = step.Error?.NodeId;
        instance.ErrorMessage = step.Error?.Message;
        if (sequence > instance.LastSequence) instance.LastSequence = sequence;
        instance.Updated = Clock.GetUtcNow();
        // The events the step published go into the inbox first, with ids made from the instance and the revision this
        // save makes: a step run again after a crash before its save publishes the same ids, which the inbox drops.
        for (var i = 0; i < step.Published.Count; i++)
        {
            var published = step.Published[i];
            var id = instance.Id + "/" + (expected + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await PublishAsync(new FlowEvent(published.Name, published.Payload, id, published.Time)).ConfigureAwait(false);
        }
        Record(instance, expected, cause, flowEvent, step.Trace, by);
        await _store.SaveAsync(instance, expected).ConfigureAwait(false);
        // Every column was written again from the step: a row that could not all be read before can be now.
        instance.ReadError = null;
        switch (status)
        {
            case FlowInstanceStatus.Completed: Interlocked.Increment(ref Counters.InstancesCompleted); break;
            case FlowInstanceStatus.Failed: Interlocked.Increment(ref Counters.InstancesFailed); break;
            case FlowInstanceStatus.Suspended: Interlocked.Increment(ref Counters.InstancesSuspended); break;
        }
        _options.OnStep?.Invoke(new FlowStepRecord(instance, cause, flowEvent, step));
    }

    /// <summary>
    /// Failures a repair can fix, which the suspend policy suspends: a task's exception or timeout (an HTTP task's
    /// answer too large or empty too), a condition or an assignment that threw, a subprocess or run timeout, a loop limit. An error end
    /// event (<c>fail("CODE")</c>) is the flow's own outcome, and an invalid request stays invalid: those fail the
    /// instance whatever the policy.
    /// </summary>
    private static bool IsRepairable(FlowError? error) => IsRepairable(error?.Code);

    private static bool IsRepairable(string? code) => code is FlowErrorCodes.TaskFailed or FlowErrorCodes.TaskTimedOut or FlowErrorCodes.IterationFailed
        or FlowErrorCodes.SubprocessTimedOut or FlowErrorCodes.FlowTimedOut or FlowErrorCodes.ConditionFailed or FlowErrorCodes.AssignmentFailed or FlowErrorCodes.LoopLimit
        or FlowErrorCodes.JoinIncomplete or FlowErrorCodes.NoMatchingBranch or FlowErrorCodes.HttpResponseTooLarge or FlowErrorCodes.HttpEmptyResponse;

    /// <summary>The build that continues an instance: the current one if its version matches, else one registered with ContinueVersion.</summary>
    private IDurableFlow? BuildFor(FlowInstance instance) => _builds.TryGetValue((instance.FlowId, instance.Version), out var build) ? build : null;

    private string VersionMessage(FlowInstance instance)
    {
        var current = _flows.TryGetValue(instance.FlowId, out var flow) ? $"this build of the flow is version {flow.Version}" : "no build of the flow is registered";
        return $"instance '{instance.Id}' ({instance.FlowId}/{instance.Key}) was saved by version {instance.Version} of flow '{instance.FlowId}', and {current}, which cannot continue it: its nodes and bus may differ. "
             + "Keep the old flow file beside the new one under another id and register its build with FlowEngine.ContinueVersion (docs/versions.md), then resume the instance; or cancel it";
    }

    private Task SuspendForVersionAsync(FlowInstance instance)
        => SuspendWithAsync(instance, IsKnownFlow(instance.FlowId) ? FlowErrorCodes.VersionMismatch : FlowErrorCodes.UnknownFlow, VersionMessage(instance), "version", CancellationToken.None);

    /// <summary>
    /// Suspends an instance whose row cannot be read, so that nothing continues it and it is on the repair list: its
    /// error says what could not be read (and what it was before); its unreadable columns are written empty (a resume
    /// writes them again from the state). When even that save fails (another instance of its key is active, a race, the
    /// store), it stays as it is, and the failure goes to OnError: the caller parks what it brought all the same.
    /// </summary>
    private async Task SuspendDamagedAsync(FlowInstance instance, FlowError unreadable)
    {
        var before = instance.ErrorCode is null ? "" : $"; before, it had the error {instance.ErrorCode}: {instance.ErrorMessage}";
        var message = $"{unreadable.Message}; it was {StatusText(instance)}{before}. "
            + "Suspended so that nothing continues it or starts over it: repair the cause, then resume it (its nodes and events are written again from its state) or cancel it";
        try
        {
            await SuspendWithAsync(instance, FlowErrorCodes.InstanceUnreadable, message, "damaged", CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Another instance of its key is active, a race, or the store failed: what it brought is parked all the same.
            _options.OnError?.Invoke(exception, $"instance {instance.Id} cannot be read and could not be suspended");
            return;
        }
        _options.OnError?.Invoke(new FlowInstanceFaultException(unreadable, instance), $"instance {instance.Id} suspended: its row cannot be read");
    }

    private async Task SuspendUnreadableAsync(FlowInstance instance, Exception exception)
    {
        await SuspendWithAsync(instance, FlowErrorCodes.StateUnreadable, "the instance's state cannot be read or written: " + exception.Message, "unreadable", CancellationToken.None).ConfigureAwait(false);
        _options.OnError?.Invoke(exception, $"instance {instance.Id} suspended: its state cannot be read or written");
    }

    /// <summary>Suspends an instance where it is (its nodes stay, its timer goes) with an error, in one save.</summary>
    private async Task SuspendWithAsync(FlowInstance instance, string code, string message, string cause, CancellationToken cancellationToken, string? by = null)
    {
        var expected = instance.Revision;
        instance.Status = FlowInstanceStatus.Suspended;
        instance.DueAt = null;
        instance.ErrorCode = code;
        instance.ErrorNode = instance.Nodes.FirstOrDefault();
        instance.ErrorMessage = message;
        instance.Updated = Clock.GetUtcNow();
        Record(instance, expected, cause, null, null, by);
        await _store.SaveAsync(instance, expected, cancellationToken).ConfigureAwait(false);
        instance.ReadError = null;
        Interlocked.Increment(ref Counters.InstancesSuspended);
        _options.OnStep?.Invoke(new FlowStepRecord(instance, cause, null, null));
    }

    /// <summary>Hands the step's history entry to the store with its save (when the store keeps a history).</summary>
    private void Record(FlowInstance instance, long expected, string cause, FlowEvent? flowEvent, FlowTrace? trace, string? by)
        => instance.Step = _history ? FlowHistoryEntry.Of(instance, expected + 1, cause, flowEvent, trace, by) : null;

    private FlowInstance NewInstance(IDurableFlow flow, string key)
    {
        var now = Clock.GetUtcNow();
        return new FlowInstance { Id = NewId(), FlowId = flow.Id, Key = key, Version = flow.Version, Created = now, Updated = now };
    }

    // Instance ids: 16 hex digits of a process-random prefix and a counter (unique per store in practice, cheap to make).
    private static readonly long s_idBase = Random.Shared.NextInt64();
    private static long s_idCounter;

    private static string NewId() => unchecked((ulong)s_idBase + (ulong)Interlocked.Increment(ref s_idCounter) * 0x9E3779B97F4A7C15UL).ToString("x16");

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _started) == 0) throw new InvalidOperationException("start the engine first (FlowEngine.StartAsync, or the hosted runner of FlowGen.Hosting)");
    }

    // ---- Inbox marks ----

    private void MarkProcessed(long sequence)
    {
        if (!_store.IsDurable || sequence <= 0) return;
        var flush = false;
        lock (_processed)
        {
            _processed.Add(sequence);
            flush = _processed.Count >= 256;
        }
        if (flush) _ = FlushProcessedAsync(CancellationToken.None);
    }

    private async Task FlushProcessedAsync(CancellationToken cancellationToken)
    {
        long[] batch;
        lock (_processed)
        {
            if (_processed.Count == 0) return;
            batch = [.. _processed];
            _processed.Clear();
        }
        try
        {
            await _store.MarkEventsProcessedAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Unmarked events are routed again after a restart, where instances skip what they applied: nothing is lost.
            _options.OnError?.Invoke(exception, "inbox marks could not be written");
        }
    }

    // ---- Work items ----

    private abstract class Work(string flowId, string key)
    {
        public string FlowId { get; } = flowId;

        public string Key { get; } = key;

        public abstract Task RunAsync(FlowEngine engine);

        public virtual void Fail(Exception exception) { }
    }

    /// <summary>
    /// Counts an event's deliveries; when all are done the event is marked processed (and counted dropped if none took
    /// it), unless a delivery parked it: a parked event stays pending in the inbox, so that a restart routes it again.
    /// </summary>
    private sealed class EventTracker(FlowEngine engine, long sequence)
    {
        private int _open = 1;
        private int _taken;
        private int _parked;

        public void Add() => Interlocked.Increment(ref _open);

        public void Routed() => Finish(Outcome.Dropped);

        public void Finish(Outcome outcome)
        {
            if (outcome == Outcome.Taken) Volatile.Write(ref _taken, 1);
            if (outcome == Outcome.Parked) Volatile.Write(ref _parked, 1);
            if (Interlocked.Decrement(ref _open) != 0) return;
            if (Volatile.Read(ref _parked) != 0) return;
            if (Volatile.Read(ref _taken) == 0) Interlocked.Increment(ref engine.Counters.EventsDropped);
            engine.MarkProcessed(sequence);
        }
    }

    private sealed class Delivery(IDurableFlow flow, string key, FlowEvent flowEvent, EventTracker tracker) : Work(flow.Id, key)
    {
        public override async Task RunAsync(FlowEngine engine)
        {
            var outcome = Outcome.Dropped;
            try
            {
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        outcome = await engine.DeliverAsync(flow, Key, flowEvent).ConfigureAwait(false);
                        break;
                    }
                    catch (FlowConcurrencyException) when (attempt < 5)
                    {
                        Interlocked.Increment(ref engine.Counters.Conflicts);
                    }
                }
            }
            finally
            {
                tracker.Finish(outcome);
            }
        }

        public override string ToString() => $"event {flowEvent} for {FlowId}/{Key}";
    }

    private sealed class TimerWork(string flowId, string key, string instanceId, DateTimeOffset due, DateTimeOffset now) : Work(flowId, key)
    {
        public override Task RunAsync(FlowEngine engine) => engine.FireAsync(instanceId, due, now);

        public override string ToString() => $"timer of {FlowId}/{Key} ({instanceId}) due {due:O}";
    }

    private sealed class Operation(string flowId, string key, Func<Task<FlowInstance>> operation) : Work(flowId, key)
    {
        public TaskCompletionSource<FlowInstance> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task RunAsync(FlowEngine engine) => Completion.TrySetResult(await operation().ConfigureAwait(false));

        public override void Fail(Exception exception) => Completion.TrySetException(exception);

        public override string ToString() => $"operation on {FlowId}/{Key}";
    }
}
