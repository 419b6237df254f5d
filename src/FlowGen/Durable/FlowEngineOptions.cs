using System.Text.Json.Serialization.Metadata;

namespace FlowGen.Durable;

/// <summary>What a task failure does to a durable instance.</summary>
public enum FlowFailurePolicy
{
    /// <summary>The instance fails (status Failed) with the task's error.</summary>
    Fail,

    /// <summary>The instance is suspended with the error, to be resumed (the failed node runs again) or cancelled.</summary>
    Suspend,
}

/// <summary>Settings of a <see cref="FlowEngine"/>.</summary>
public sealed class FlowEngineOptions
{
    /// <summary>The clock of timers (a FakeTimeProvider in tests and simulations).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>
    /// The application's source-generated JSON contexts (<c>[JsonSerializable]</c>), which must list every request,
    /// bus value and event type of its durable flows. FlowGen's own context (primitives, strings, dates) comes first.
    /// </summary>
    public IList<IJsonTypeInfoResolver> JsonContexts { get; } = new List<IJsonTypeInfoResolver>();

    /// <summary>
    /// How many mailboxes instances are spread over (by flow and key): events for one instance go through one mailbox,
    /// in arrival order, one at a time; different mailboxes run in parallel. Default: twice the processor count.
    /// </summary>
    public int Partitions { get; set; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>
    /// How much work (events, timers, operations) the mailboxes hold in all before <see cref="FlowEngine.PublishAsync"/>
    /// waits for them to take half of it (back-pressure: a source faster than the instances slows down instead of
    /// filling memory). Default 16,384.
    /// </summary>
    public int MaxQueuedWork { get; set; } = 16_384;

    /// <summary>The run options of every step (tracking, roles, variables...), or null.</summary>
    public FlowRunOptions? RunOptions { get; set; }

    /// <summary>What a task failure does when the flow file does not say (<c>on-failure</c>). Default: fail.</summary>
    public FlowFailurePolicy FailurePolicy { get; set; } = FlowFailurePolicy.Fail;

    /// <summary>
    /// Keep every instance's history (<see cref="FlowEngine.HistoryAsync"/>: each step's cause, event, position, error and,
    /// when <see cref="RunOptions"/> track nodes, the nodes it ran), written by the store with each save, when the
    /// store keeps one (<see cref="IFlowStore.KeepsHistory"/>). Default: true.
    /// </summary>
    public bool History { get; set; } = true;

    /// <summary>Called after every step an instance takes (start, event, timer, resume, cancel), from its mailbox.</summary>
    public Action<FlowStepRecord>? OnStep { get; set; }

    /// <summary>
    /// Called when a mailbox cannot finish a piece of work (a store that is down, a state that cannot be read), with
    /// what it was; and at start-up for each flow id whose unfinished instances no registered build runs (a
    /// <see cref="FlowInstanceFaultException"/> with <see cref="FlowErrorCodes.UnknownFlow"/>).
    /// </summary>
    public Action<Exception, string>? OnError { get; set; }

    /// <summary>
    /// Called, from the instance's mailbox, when an event is parked: not applied because the instance of its flow and
    /// key cannot take it safely (<see cref="FlowParkedEvent"/>). The hosted engine logs it as an error.
    /// </summary>
    public Action<FlowParkedEvent>? OnParked { get; set; }

    /// <summary>How many parked events <see cref="FlowEngine.ParkedEvents"/> keeps (the newest). Default 1,000; every one is counted.</summary>
    public int MaxParkedEvents { get; set; } = 1000;

    /// <summary>
    /// Where instances' work goes instead of this engine's mailboxes, or null (the default: the mailboxes). FlowGen.Orleans
    /// sets it to send each flow and key's work to its grain on the cluster, which runs it with
    /// <see cref="FlowEngine.RunWorkAsync"/>. Needs a durable store shared by every engine (docs/cluster.md).
    /// </summary>
    public IFlowWorkDispatcher? Dispatcher { get; set; }

    /// <summary>How many due timers one <see cref="FlowEngine.FireDueTimersAsync"/> round takes from the store at a time.</summary>
    public int TimerBatch { get; set; } = 1000;
}

/// <summary>One step an instance took, for observers (<see cref="FlowEngineOptions.OnStep"/>).</summary>
/// <param name="Instance">The instance as saved after the step.</param>
/// <param name="Cause">What moved it: "start", "event", "timer", "resume", "repair", "cancel", "suspend", "version", "unreadable" (its state) or "damaged" (its row).</param>
/// <param name="Event">The event, when an event moved it.</param>
/// <param name="Step">The step's outcome (null for cancel, suspend by hand and a version mismatch).</param>
public sealed record FlowStepRecord(FlowInstance Instance, string Cause, FlowEvent? Event, DurableStep? Step);

/// <summary>What became of a published event.</summary>
public enum FlowPublishResult
{
    /// <summary>Committed to the inbox and routed to the flows that take it.</summary>
    Accepted,

    /// <summary>An event with the same id was taken before: a duplicated delivery, dropped.</summary>
    Duplicate,

    /// <summary>No registered flow takes events of this name: dropped (and counted).</summary>
    Dropped,
}

/// <summary>The engine's counters since it started (read with <see cref="FlowEngine.Counters"/>).</summary>
public sealed class FlowEngineCounters
{
    internal long EventsAccepted;
    internal long EventsDuplicate;
    internal long EventsDropped;
    internal long Deliveries;
    internal long InstancesStarted;
    internal long InstancesCompleted;
    internal long InstancesFailed;
    internal long InstancesSuspended;
    internal long TimersFired;
    internal long Conflicts;
    internal long EventsParked;

    /// <summary>Events committed to the inbox.</summary>
    public long Accepted => Interlocked.Read(ref EventsAccepted);

    /// <summary>Events dropped as duplicated deliveries (an id seen before).</summary>
    public long Duplicates => Interlocked.Read(ref EventsDuplicate);

    /// <summary>Events no instance took and no flow started on (Playwell's rule: dropped, and counted here).</summary>
    public long Dropped => Interlocked.Read(ref EventsDropped);

    /// <summary>Events an instance took.</summary>
    public long Delivered => Interlocked.Read(ref Deliveries);

    /// <summary>Instances started.</summary>
    public long Started => Interlocked.Read(ref InstancesStarted);

    /// <summary>Instances that reached their end.</summary>
    public long Completed => Interlocked.Read(ref InstancesCompleted);

    /// <summary>Instances that failed.</summary>
    public long Failed => Interlocked.Read(ref InstancesFailed);

    /// <summary>Instances suspended (by a failure, a task, by hand or a version mismatch).</summary>
    public long Suspended => Interlocked.Read(ref InstancesSuspended);

    /// <summary>Timers that fired.</summary>
    public long Timers => Interlocked.Read(ref TimersFired);

    /// <summary>Saves that lost an optimistic-concurrency race and were retried.</summary>
    public long ConcurrencyRetries => Interlocked.Read(ref Conflicts);

    /// <summary>
    /// Event deliveries parked: not applied because the instance of their flow and key could not take them safely
    /// (<see cref="FlowParkedEvent"/>). An event parked again after a restart is counted again.
    /// </summary>
    public long Parked => Interlocked.Read(ref EventsParked);

    /// <inheritdoc />
    public override string ToString()
        => $"accepted {Accepted}, duplicates {Duplicates}, dropped {Dropped}, delivered {Delivered}, started {Started}, completed {Completed}, failed {Failed}, suspended {Suspended}, timers {Timers}, parked {Parked}";
}

/// <summary>An operation on an instance that its state does not allow (resuming one that is not suspended, ...).</summary>
public sealed class FlowInstanceStateException(string message) : InvalidOperationException(message);
