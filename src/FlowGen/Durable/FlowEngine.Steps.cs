using System.Text.Json;

namespace FlowGen.Durable;

// The steps an instance takes (an event delivered, a timer fired, a step applied and saved, the suspends the engine
// makes itself) and the inbox marks: the step logic every way of running instances shares.
public sealed partial class FlowEngine
{
    // ---- Steps ----

    private enum Outcome { Dropped, Taken, Parked, Deferred }

    private async Task<Outcome> DeliverAsync(IDurableFlow flow, string key, FlowEvent flowEvent, bool mayDefer = false)
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
                // Sent by a dispatcher that may try another engine (a cluster upgraded one silo at a time): left as it is.
                if (mayDefer) return Outcome.Deferred;
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

    /// <summary>Fires a due timer; false when it was deferred (an instance of a version this engine has no build of, and <paramref name="mayDefer"/>).</summary>
    private async Task<bool> FireAsync(string instanceId, DateTimeOffset due, DateTimeOffset now, bool mayDefer = false)
    {
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var instance = await _store.GetAsync(instanceId).ConfigureAwait(false);
                // Moved on since the timer was read (an event came first, or it was suspended): nothing to fire.
                if (instance is not { Status: FlowInstanceStatus.Waiting } || instance.DueAt != due || due > now) return true;
                if (instance.Unreadable is { } unreadable)
                {
                    // Suspended, which also takes it out of the due timers (else it would come first in every round).
                    await SuspendDamagedAsync(instance, unreadable).ConfigureAwait(false);
                    return true;
                }
                if (BuildFor(instance) is not { } build)
                {
                    if (mayDefer) return false;
                    await SuspendForVersionAsync(instance).ConfigureAwait(false);
                    return true;
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
                        return true;
                    }
                    if (!step.Accepted) return true;
                    Interlocked.Increment(ref Counters.TimersFired);
                    await ApplyAsync(instance, build, step, 0, "timer", null).ConfigureAwait(false);
                    return true;
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
        // A few marks are not left waiting for more: written within a second (else a quiet engine's last events stay
        // pending until it drains or stops, and a cluster's sweep routes them again).
        else if (Interlocked.Exchange(ref _flushScheduled, 1) == 0) _ = FlushSoonAsync();
    }

    private async Task FlushSoonAsync()
    {
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        Volatile.Write(ref _flushScheduled, 0);
        await FlushProcessedAsync(CancellationToken.None).ConfigureAwait(false);
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
}
