using System.Threading.Channels;

namespace FlowGen.Durable;

// The engine's mailboxes (work spread by flow and key, one piece at a time per mailbox, with back-pressure) and the
// work items they run: deliveries, timers and operations. The steps they run are in FlowEngine.Steps.cs.
public sealed partial class FlowEngine
{
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
        if (_options.Dispatcher is { } dispatcher)
        {
            _ = DispatchAsync(dispatcher, work);
            return pending > _options.MaxQueuedWork ? WaitForRoom() : default;
        }
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

    private async Task<FlowInstance> Run(OperationWork work)
    {
        await EnqueueAsync(work).ConfigureAwait(false);
        return await work.Completion.Task.ConfigureAwait(false);
    }

    private async Task<FlowInstance> OnInstance(string instanceId, FlowWorkKind kind, string? reason, string? by, CancellationToken cancellationToken)
    {
        EnsureStarted();
        var found = await _store.GetAsync(instanceId, cancellationToken).ConfigureAwait(false)
            ?? throw new FlowInstanceStateException($"there is no instance '{instanceId}' to {Verb(kind)}");
        return await Run(new InstanceOperation(found.FlowId, found.Key, kind, instanceId, reason, by, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>An event delivered in its mailbox (or grain), tried again when someone else saved the instance first.</summary>
    private async Task<Outcome> DeliverWithRetriesAsync(IDurableFlow flow, string key, FlowEvent flowEvent, bool mayDefer = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await DeliverAsync(flow, key, flowEvent, mayDefer).ConfigureAwait(false);
            }
            catch (FlowConcurrencyException) when (attempt < 5)
            {
                Interlocked.Increment(ref Counters.Conflicts);
            }
        }
    }

    /// <summary>
    /// Work sent to the dispatcher instead of a mailbox: it runs wherever the dispatcher runs it (the grain of its flow and
    /// key), and what came of it finishes the work here (an event's inbox mark, a timer's slot, an operation's caller).
    /// </summary>
    private async Task DispatchAsync(IFlowWorkDispatcher dispatcher, Work work)
    {
        try
        {
            var result = await dispatcher.DispatchAsync(work.ToWork(this)).ConfigureAwait(false);
            await work.CompleteAsync(this, result).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            work.DispatchFailed(this, exception);
            _options.OnError?.Invoke(exception, work.ToString()!);
        }
        finally
        {
            Done();
        }
    }

    // ---- Work items ----

    private abstract class Work(string flowId, string key)
    {
        public string FlowId { get; } = flowId;

        public string Key { get; } = key;

        public abstract Task RunAsync(FlowEngine engine);

        public virtual void Fail(Exception exception) { }

        /// <summary>The work as data, for the dispatcher.</summary>
        public abstract FlowWork ToWork(FlowEngine engine);

        /// <summary>What came back from the dispatcher finishes the work here.</summary>
        public abstract Task CompleteAsync(FlowEngine engine, FlowWorkResult result);

        /// <summary>The dispatcher could not run it.</summary>
        public abstract void DispatchFailed(FlowEngine engine, Exception exception);
    }

    /// <summary>
    /// Counts an event's deliveries; when all are done the event is marked processed (and counted dropped if none took
    /// it), unless a delivery parked it: a parked event stays pending in the inbox, so that a restart routes it again.
    /// </summary>
    private sealed class EventTracker(FlowEngine engine, long sequence, bool awaited = false)
    {
        // Only with a dispatcher, whose publishers wait for their events to be applied: the mailboxes' path allocates none.
        private readonly TaskCompletionSource? _applied = awaited ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        private int _open = 1;
        private int _taken;
        private int _parked;

        public void Add() => Interlocked.Increment(ref _open);

        public void Routed() => Finish(Outcome.Dropped);

        /// <summary>Ends when every delivery has finished (with a dispatcher); complete at once otherwise.</summary>
        public Task Applied => _applied?.Task ?? Task.CompletedTask;

        public void Finish(Outcome outcome)
        {
            if (outcome == Outcome.Taken) Volatile.Write(ref _taken, 1);
            if (outcome is Outcome.Parked or Outcome.Deferred) Volatile.Write(ref _parked, 1);
            if (Interlocked.Decrement(ref _open) != 0) return;
            _applied?.TrySetResult();
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
                outcome = await engine.DeliverWithRetriesAsync(flow, Key, flowEvent).ConfigureAwait(false);
            }
            finally
            {
                tracker.Finish(outcome);
            }
        }

        public override FlowWork ToWork(FlowEngine engine) => new()
        {
            Kind = FlowWorkKind.Event,
            FlowId = FlowId,
            Key = Key,
            EventName = flowEvent.Name,
            Payload = flowEvent.PayloadJson ?? FlowStateJson.WritePayload(flowEvent.Payload, engine._eventTypes[flowEvent.Name], engine.Json),
            EventId = flowEvent.Id,
            EventTime = flowEvent.Time,
            Sequence = flowEvent.Sequence,
        };

        public override Task CompleteAsync(FlowEngine engine, FlowWorkResult result)
        {
            // Parked or deferred: the event stays pending in the inbox, to be routed again.
            tracker.Finish(result.Status switch { FlowWorkStatus.Taken => Outcome.Taken, FlowWorkStatus.Dropped => Outcome.Dropped, _ => Outcome.Parked });
            return Task.CompletedTask;
        }

        // Not run: the event stays pending in the inbox (as a parked one does), to be routed again.
        public override void DispatchFailed(FlowEngine engine, Exception exception) => tracker.Finish(Outcome.Parked);

        public override string ToString() => $"event {flowEvent} for {FlowId}/{Key}";
    }

    private sealed class TimerWork(string flowId, string key, string instanceId, DateTimeOffset due, DateTimeOffset now) : Work(flowId, key)
    {
        public override Task RunAsync(FlowEngine engine) => engine.FireAsync(instanceId, due, now);

        public override FlowWork ToWork(FlowEngine engine)
            => new() { Kind = FlowWorkKind.Timer, FlowId = FlowId, Key = Key, InstanceId = instanceId, Due = due, Now = now };

        public override Task CompleteAsync(FlowEngine engine, FlowWorkResult result)
        {
            engine._timersInFlight.TryRemove(instanceId, out _);
            return Task.CompletedTask;
        }

        // Not fired: the next round of due timers finds it again.
        public override void DispatchFailed(FlowEngine engine, Exception exception) => engine._timersInFlight.TryRemove(instanceId, out _);

        public override string ToString() => $"timer of {FlowId}/{Key} ({instanceId}) due {due:O}";
    }

    /// <summary>An operation a caller awaits: its instance, or the exception that refused it.</summary>
    private abstract class OperationWork(string flowId, string key) : Work(flowId, key)
    {
        public TaskCompletionSource<FlowInstance> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Fail(Exception exception) => Completion.TrySetException(exception);

        public override void DispatchFailed(FlowEngine engine, Exception exception) => Completion.TrySetException(exception);

        public override async Task CompleteAsync(FlowEngine engine, FlowWorkResult result)
        {
            switch (result.Status)
            {
                case FlowWorkStatus.Done:
                    var instance = await engine._store.GetAsync(result.InstanceId ?? "").ConfigureAwait(false);
                    if (instance is null) Completion.TrySetException(new FlowInstanceStateException($"instance '{result.InstanceId}' of {FlowId}/{Key} was not found after the operation"));
                    else Completion.TrySetResult(instance);
                    break;
                case FlowWorkStatus.Fault:
                    Completion.TrySetException(new FlowInstanceFaultException(new FlowError(result.ErrorCode ?? FlowErrorCodes.InstanceUnreadable, FlowId, null, null, result.Message ?? "")));
                    break;
                case FlowWorkStatus.Conflict:
                    Completion.TrySetException(new FlowConcurrencyException(result.InstanceId ?? "", 0));
                    break;
                default:
                    Completion.TrySetException(new FlowInstanceStateException(result.Message ?? $"the operation on {FlowId}/{Key} was refused"));
                    break;
            }
        }
    }

    private sealed class InstanceOperation(string flowId, string key, FlowWorkKind kind, string instanceId, string? reason, string? by, CancellationToken cancellationToken)
        : OperationWork(flowId, key)
    {
        public override async Task RunAsync(FlowEngine engine)
            => Completion.TrySetResult(await engine.OperateAsync(kind, instanceId, reason, by, cancellationToken).ConfigureAwait(false));

        public override FlowWork ToWork(FlowEngine engine)
            => new() { Kind = kind, FlowId = FlowId, Key = Key, InstanceId = instanceId, Reason = reason, By = by };

        public override string ToString() => $"{Verb(kind)} of {instanceId} ({FlowId}/{Key})";
    }

    private sealed class StartWork(IDurableFlow flow, string key, object request, CancellationToken cancellationToken) : OperationWork(flow.Id, key)
    {
        public override async Task RunAsync(FlowEngine engine)
            => Completion.TrySetResult(await engine.StartFromRequestAsync(flow, Key, request, cancellationToken).ConfigureAwait(false));

        public override FlowWork ToWork(FlowEngine engine)
            => new() { Kind = FlowWorkKind.Start, FlowId = FlowId, Key = Key, Payload = FlowStateJson.WritePayload(request, flow.RequestType, engine.Json) };

        public override string ToString() => $"start of {FlowId}/{Key}";
    }
}
