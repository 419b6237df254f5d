namespace FlowGen.Durable;

// The operations on one instance (start from a request, resume, repair, cancel, suspend) as they run in the instance's
// mailbox, and RunWorkAsync: where work sent to another process (a dispatcher) runs the same steps.
public sealed partial class FlowEngine
{
    /// <summary>
    /// Runs a piece of an instance's work that another engine over the same store handed to its
    /// <see cref="FlowEngineOptions.Dispatcher"/> (FlowGen.Orleans calls it in the grain of the flow and key): the same
    /// steps its own mailboxes run. The caller runs the work of one flow and key one piece at a time. Refusals and
    /// faults come back as a <see cref="FlowWorkResult"/>, so that they can cross a process boundary.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public async Task<FlowWorkResult> RunWorkAsync(FlowWork work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        EnsureStarted();
        try
        {
            switch (work.Kind)
            {
                case FlowWorkKind.Event:
                {
                    if (!_flows.TryGetValue(work.FlowId, out var flow) || work.EventName is null || !_eventTypes.TryGetValue(work.EventName, out var type))
                        return new FlowWorkResult { Status = FlowWorkStatus.Dropped, Message = $"this engine runs no flow '{work.FlowId}' that takes '{work.EventName}'" };
                    object payload;
                    try
                    {
                        payload = FlowStateJson.ReadPayload(work.Payload ?? [], type, Json);
                    }
                    catch (Exception exception) when (IsStateError(exception))
                    {
                        _options.OnError?.Invoke(exception, $"event {work.EventName} #{work.Sequence} for {work.FlowId}/{work.Key} cannot be read");
                        return new FlowWorkResult { Status = FlowWorkStatus.Parked, Message = exception.Message };
                    }
                    var flowEvent = new FlowEvent(work.EventName, payload, work.EventId, work.EventTime) { Sequence = work.Sequence, PayloadJson = work.Payload };
                    var outcome = await DeliverWithRetriesAsync(flow, work.Key, flowEvent, work.MayDefer).ConfigureAwait(false);
                    return new FlowWorkResult
                    {
                        Status = outcome switch { Outcome.Taken => FlowWorkStatus.Taken, Outcome.Parked => FlowWorkStatus.Parked, Outcome.Deferred => FlowWorkStatus.Deferred, _ => FlowWorkStatus.Dropped },
                    };
                }
                case FlowWorkKind.Timer:
                    var fired = await FireAsync(work.InstanceId ?? "", work.Due, work.Now, work.MayDefer).ConfigureAwait(false);
                    return new FlowWorkResult { Status = fired ? FlowWorkStatus.Done : FlowWorkStatus.Deferred, InstanceId = work.InstanceId };
                case FlowWorkKind.Start:
                {
                    if (!_flows.TryGetValue(work.FlowId, out var flow))
                        return new FlowWorkResult { Status = FlowWorkStatus.Refused, Message = $"no durable flow '{work.FlowId}' is registered" };
                    var request = FlowStateJson.ReadPayload(work.Payload ?? [], flow.RequestType, Json);
                    var started = await StartFromRequestAsync(flow, work.Key, request, cancellationToken).ConfigureAwait(false);
                    return new FlowWorkResult { Status = FlowWorkStatus.Done, InstanceId = started.Id };
                }
                default:
                {
                    var instance = await OperateAsync(work.Kind, work.InstanceId ?? "", work.Reason, work.By, cancellationToken).ConfigureAwait(false);
                    return new FlowWorkResult { Status = FlowWorkStatus.Done, InstanceId = instance.Id };
                }
            }
        }
        catch (FlowInstanceStateException exception)
        {
            return new FlowWorkResult { Status = FlowWorkStatus.Refused, InstanceId = work.InstanceId, Message = exception.Message };
        }
        catch (FlowInstanceFaultException exception)
        {
            return new FlowWorkResult { Status = FlowWorkStatus.Fault, InstanceId = exception.Instance?.Id ?? work.InstanceId, ErrorCode = exception.Error.Code, Message = exception.Error.Message };
        }
        catch (FlowConcurrencyException exception)
        {
            return new FlowWorkResult { Status = FlowWorkStatus.Conflict, InstanceId = exception.InstanceId, Message = exception.Message };
        }
    }

    /// <summary>An operation on an instance, in its mailbox: read it again (an event may have moved it since), retry on a lost race.</summary>
    private async Task<FlowInstance> OperateAsync(FlowWorkKind kind, string instanceId, string? reason, string? by, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var instance = await _store.GetAsync(instanceId, cancellationToken).ConfigureAwait(false)
                ?? throw new FlowInstanceStateException($"there is no instance '{instanceId}' to {Verb(kind)}");
            try
            {
                var change = kind switch
                {
                    FlowWorkKind.Resume => ResumeStepAsync(instance, by, cancellationToken),
                    FlowWorkKind.Repair => RepairStepAsync(instance, by, cancellationToken),
                    FlowWorkKind.Cancel => CancelStepAsync(instance, reason, by, cancellationToken),
                    FlowWorkKind.Suspend => SuspendStepAsync(instance, reason ?? "", by, cancellationToken),
                    _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an operation on an instance"),
                };
                await change.ConfigureAwait(false);
                return instance;
            }
            catch (FlowConcurrencyException) when (attempt < 5)
            {
                Interlocked.Increment(ref Counters.Conflicts);
            }
        }
    }

    private static string Verb(FlowWorkKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>A new instance from a request, in its key's mailbox (or grain).</summary>
    private async Task<FlowInstance> StartFromRequestAsync(IDurableFlow flow, string key, object request, CancellationToken cancellationToken)
    {
        var flowId = flow.Id;
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
    }

    private Task ResumeStepAsync(FlowInstance instance, string? by, CancellationToken cancellationToken)
    {
        // A status it does not know, the engine does not change; unreadable nodes or events are written again from
        // the state by the step, so a suspended instance with such a row resumes.
        if (instance.Status is not (>= FlowInstanceStatus.Waiting and <= FlowInstanceStatus.Cancelled)) throw new FlowInstanceFaultException(instance.Unreadable!, instance);
        if (instance.Status != FlowInstanceStatus.Suspended)
            throw new FlowInstanceStateException($"instance '{instance.Id}' of flow '{instance.FlowId}' is {instance.Status}, not Suspended: only a suspended instance resumes");
        return RunAgainAsync(instance, "resume", by);
    }

    private Task RepairStepAsync(FlowInstance instance, string? by, CancellationToken cancellationToken)
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
        return RunAgainAsync(instance, "repair", by);
    }

    /// <summary>Resume and repair: the nodes the instance stopped at run again, with the bus values it had.</summary>
    private async Task RunAgainAsync(FlowInstance instance, string cause, string? by)
    {
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
        await ApplyAsync(instance, build, step, 0, cause, null, by).ConfigureAwait(false);
    }

    private async Task CancelStepAsync(FlowInstance instance, string? reason, string? by, CancellationToken cancellationToken)
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
    }

    private async Task SuspendStepAsync(FlowInstance instance, string reason, string? by, CancellationToken cancellationToken)
    {
        if (instance.Unreadable is { } unreadable) throw new FlowInstanceFaultException(unreadable, instance);
        if (instance.Status != FlowInstanceStatus.Waiting)
            throw new FlowInstanceStateException($"instance '{instance.Id}' of flow '{instance.FlowId}' is {instance.Status}: only a waiting instance can be suspended");
        await SuspendWithAsync(instance, FlowErrorCodes.Suspended, "suspended by hand: " + reason, "suspend", cancellationToken, by).ConfigureAwait(false);
    }
}
