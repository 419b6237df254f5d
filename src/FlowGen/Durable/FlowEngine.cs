using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;

namespace FlowGen.Durable;

/// <summary>
/// Runs durable flows: starts instances (from a request, or from an event that triggers a flow), routes events to
/// the instances that wait for them by correlation key, fires due timers, and persists every step in an
/// <see cref="IFlowStore"/>. Instances are spread over mailboxes by flow and key: the events of one instance are
/// taken in arrival order, one at a time. An event no instance takes is dropped and counted (Playwell's rule); an
/// event whose id was taken before is a duplicated delivery, dropped and counted.
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
    private TaskCompletionSource? _idle;
    private TaskCompletionSource? _room;
    private int _pending;
    private int _started;

    /// <param name="flows">The durable flows (generated classes implementing <see cref="IDurableFlow"/>), one build per flow id.</param>
    /// <param name="store">Where instances and the inbox live.</param>
    /// <param name="options">Settings; the defaults when null.</param>
    public FlowEngine(IEnumerable<IDurableFlow> flows, IFlowStore store, FlowEngineOptions? options = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? new FlowEngineOptions();
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
        for (var i = 0; i < _mailboxes.Length; i++)
        {
            var reader = _mailboxes[i].Reader;
            _workers[i] = Task.Run(() => WorkAsync(reader), CancellationToken.None);
        }
        if (_store.IsDurable) await RecoverAsync(cancellationToken).ConfigureAwait(false);
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
                catch (Exception exception) when (exception is JsonException or FlowStateTypeException or NotSupportedException)
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
            if (latest is { IsActive: true })
                throw new FlowInstanceStateException($"flow '{flowId}' has an active instance with key '{key}' already ({latest.Id}, {latest.Status})");
            var instance = NewInstance(flow, key);
            var step = await flow.StartAsync(request, _context).ConfigureAwait(false);
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

    /// <summary>Suspended instances (with their error), oldest first: the repair list.</summary>
    public Task<IReadOnlyList<FlowInstance>> ListSuspendedAsync(string? flowId = null, int limit = 1000, CancellationToken cancellationToken = default)
        => _store.QueryAsync(new FlowInstanceQuery { Status = FlowInstanceStatus.Suspended, FlowId = flowId, Limit = limit }, cancellationToken).AsTask();

    /// <summary>An instance by id, or null.</summary>
    public Task<FlowInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default) => _store.GetAsync(instanceId, cancellationToken).AsTask();

    /// <summary>The newest instance of a flow with a key, or null.</summary>
    public Task<FlowInstance?> FindAsync(string flowId, string key, CancellationToken cancellationToken = default) => _store.FindLatestAsync(flowId, key, cancellationToken).AsTask();

    /// <summary>
    /// Resumes a suspended instance: the nodes it stopped at run again (a failed task is called again, with the bus
    /// values it had), typically after the cause was repaired. Throws <see cref="FlowInstanceStateException"/> when
    /// it is not suspended, or when no registered build can continue its version.
    /// </summary>
    public Task<FlowInstance> ResumeAsync(string instanceId, CancellationToken cancellationToken = default)
        => OnInstance(instanceId, "resume", async instance =>
        {
            if (instance.Status != FlowInstanceStatus.Suspended)
                throw new FlowInstanceStateException($"instance '{instance.Id}' of flow '{instance.FlowId}' is {instance.Status}, not Suspended: only a suspended instance resumes");
            var build = BuildFor(instance) ?? throw new FlowInstanceStateException(VersionMessage(instance));
            var step = await build.ContinueAsync(instance.State, DurableSignal.Resume, _context).ConfigureAwait(false);
            await ApplyAsync(instance, build, step, 0, "resume", null).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Cancels an active instance (waiting or suspended): it takes no more events or timers.</summary>
    public Task<FlowInstance> CancelAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
        => OnInstance(instanceId, "cancel", async instance =>
        {
            if (!instance.IsActive)
                throw new FlowInstanceStateException($"instance '{instance.Id}' of flow '{instance.FlowId}' is {instance.Status}: only a waiting or suspended instance can be cancelled");
            var expected = instance.Revision;
            instance.Status = FlowInstanceStatus.Cancelled;
            instance.DueAt = null;
            instance.Events = [];
            instance.ErrorCode = FlowErrorCodes.Cancelled;
            instance.ErrorMessage = reason is null ? "cancelled by hand" : "cancelled by hand: " + reason;
            instance.Updated = Clock.GetUtcNow();
            await _store.SaveAsync(instance, expected, cancellationToken).ConfigureAwait(false);
            _options.OnStep?.Invoke(new FlowStepRecord(instance, "cancel", null, null));
        }, cancellationToken);

    /// <summary>Suspends a waiting instance by hand: it takes no events or timers until it is resumed (its wait then begins again).</summary>
    public Task<FlowInstance> SuspendAsync(string instanceId, string reason, CancellationToken cancellationToken = default)
        => OnInstance(instanceId, "suspend", async instance =>
        {
            if (instance.Status != FlowInstanceStatus.Waiting)
                throw new FlowInstanceStateException($"instance '{instance.Id}' of flow '{instance.FlowId}' is {instance.Status}: only a waiting instance can be suspended");
            await SuspendWithAsync(instance, FlowErrorCodes.Suspended, "suspended by hand: " + reason, "suspend", cancellationToken).ConfigureAwait(false);
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

    private async Task<bool> DeliverAsync(IDurableFlow flow, string key, FlowEvent flowEvent)
    {
        var latest = await _store.FindLatestAsync(flow.Id, key).ConfigureAwait(false);
        // Applied before a restart (replayed from the inbox): not applied twice.
        if (latest is not null && flowEvent.Sequence > 0 && latest.LastSequence >= flowEvent.Sequence) return true;
        if (latest is { IsActive: true })
        {
            if (latest.Status != FlowInstanceStatus.Waiting || Array.IndexOf(latest.Events, flowEvent.Name) < 0) return false;
            // The flow that routed the event is the current build: it continues the instances of its own version.
            if ((string.Equals(latest.Version, flow.Version, StringComparison.Ordinal) ? flow : BuildFor(latest)) is not { } build)
            {
                await SuspendForVersionAsync(latest).ConfigureAwait(false);
                return false;
            }
            DurableStep step;
            try
            {
                step = await build.ContinueAsync(latest.State, DurableSignal.For(flowEvent), _context).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is JsonException or FlowStateTypeException or NotSupportedException)
            {
                await SuspendUnreadableAsync(latest, exception).ConfigureAwait(false);
                return false;
            }
            if (!step.Accepted) return false;
            Interlocked.Increment(ref Counters.Deliveries);
            await ApplyAsync(latest, build, step, flowEvent.Sequence, "event", flowEvent).ConfigureAwait(false);
            return true;
        }
        if (!flow.Starts(flowEvent)) return false;
        var instance = NewInstance(flow, key);
        var first = await flow.StartAsync(flowEvent.Payload, _context).ConfigureAwait(false);
        Interlocked.Increment(ref Counters.InstancesStarted);
        await ApplyAsync(instance, flow, first, flowEvent.Sequence, "start", flowEvent).ConfigureAwait(false);
        return true;
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
                    catch (Exception exception) when (exception is JsonException or FlowStateTypeException or NotSupportedException)
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

    private async Task ApplyAsync(FlowInstance instance, IDurableFlow build, DurableStep step, long sequence, string cause, FlowEvent? flowEvent)
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
        await _store.SaveAsync(instance, expected).ConfigureAwait(false);
        switch (status)
        {
            case FlowInstanceStatus.Completed: Interlocked.Increment(ref Counters.InstancesCompleted); break;
            case FlowInstanceStatus.Failed: Interlocked.Increment(ref Counters.InstancesFailed); break;
            case FlowInstanceStatus.Suspended: Interlocked.Increment(ref Counters.InstancesSuspended); break;
        }
        _options.OnStep?.Invoke(new FlowStepRecord(instance, cause, flowEvent, step));
    }

    /// <summary>
    /// Failures a repair can fix, which the suspend policy suspends: a task's exception or timeout, a condition that
    /// threw, a subprocess or run timeout, a loop limit. An error end event (<c>fail("CODE")</c>) is the flow's own
    /// outcome, and an invalid request stays invalid: those fail the instance whatever the policy.
    /// </summary>
    private static bool IsRepairable(FlowError? error) => error?.Code is FlowErrorCodes.TaskFailed or FlowErrorCodes.TaskTimedOut or FlowErrorCodes.IterationFailed
        or FlowErrorCodes.SubprocessTimedOut or FlowErrorCodes.FlowTimedOut or FlowErrorCodes.ConditionFailed or FlowErrorCodes.LoopLimit
        or FlowErrorCodes.JoinIncomplete or FlowErrorCodes.NoMatchingBranch;

    /// <summary>The build that continues an instance: the current one if its version matches, else one registered with ContinueVersion.</summary>
    private IDurableFlow? BuildFor(FlowInstance instance) => _builds.TryGetValue((instance.FlowId, instance.Version), out var build) ? build : null;

    private string VersionMessage(FlowInstance instance)
    {
        var current = _flows.TryGetValue(instance.FlowId, out var flow) ? $"this build of the flow is version {flow.Version}" : "no build of the flow is registered";
        return $"instance '{instance.Id}' ({instance.FlowId}/{instance.Key}) was saved by version {instance.Version} of flow '{instance.FlowId}', and {current}, which cannot continue it: its nodes and bus may differ. "
             + "Keep the old flow file beside the new one under another id and register its build with FlowEngine.ContinueVersion (docs/versions.md), then resume the instance; or cancel it";
    }

    private Task SuspendForVersionAsync(FlowInstance instance)
        => SuspendWithAsync(instance, FlowErrorCodes.VersionMismatch, VersionMessage(instance), "version", CancellationToken.None);

    private async Task SuspendUnreadableAsync(FlowInstance instance, Exception exception)
    {
        await SuspendWithAsync(instance, FlowErrorCodes.StateUnreadable, "the instance's state cannot be read or written: " + exception.Message, "unreadable", CancellationToken.None).ConfigureAwait(false);
        _options.OnError?.Invoke(exception, $"instance {instance.Id} suspended: its state cannot be read or written");
    }

    /// <summary>Suspends an instance where it is (its nodes stay, its timer goes) with an error, in one save.</summary>
    private async Task SuspendWithAsync(FlowInstance instance, string code, string message, string cause, CancellationToken cancellationToken)
    {
        var expected = instance.Revision;
        instance.Status = FlowInstanceStatus.Suspended;
        instance.DueAt = null;
        instance.ErrorCode = code;
        instance.ErrorNode = instance.Nodes.FirstOrDefault();
        instance.ErrorMessage = message;
        instance.Updated = Clock.GetUtcNow();
        await _store.SaveAsync(instance, expected, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref Counters.InstancesSuspended);
        _options.OnStep?.Invoke(new FlowStepRecord(instance, cause, null, null));
    }

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

    /// <summary>Counts an event's deliveries; when all are done the event is marked processed (and counted dropped if none took it).</summary>
    private sealed class EventTracker(FlowEngine engine, long sequence)
    {
        private int _open = 1;
        private int _taken;

        public void Add() => Interlocked.Increment(ref _open);

        public void Routed() => Finish(false);

        public void Finish(bool taken)
        {
            if (taken) Volatile.Write(ref _taken, 1);
            if (Interlocked.Decrement(ref _open) != 0) return;
            if (Volatile.Read(ref _taken) == 0) Interlocked.Increment(ref engine.Counters.EventsDropped);
            engine.MarkProcessed(sequence);
        }
    }

    private sealed class Delivery(IDurableFlow flow, string key, FlowEvent flowEvent, EventTracker tracker) : Work(flow.Id, key)
    {
        public override async Task RunAsync(FlowEngine engine)
        {
            var taken = false;
            try
            {
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        taken = await engine.DeliverAsync(flow, Key, flowEvent).ConfigureAwait(false);
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
                tracker.Finish(taken);
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
