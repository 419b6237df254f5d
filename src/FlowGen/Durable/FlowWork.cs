using System.ComponentModel;

namespace FlowGen.Durable;

/// <summary>What a piece of an instance's work is (<see cref="FlowWork"/>).</summary>
public enum FlowWorkKind
{
    /// <summary>An event for the instance of a flow and key (it may start one).</summary>
    Event,

    /// <summary>An instance's timer, due at <see cref="FlowWork.Due"/>.</summary>
    Timer,

    /// <summary>A new instance from a request (<see cref="FlowEngine.StartInstanceAsync"/>).</summary>
    Start,

    /// <summary><see cref="FlowEngine.ResumeAsync(string, string?, CancellationToken)"/>.</summary>
    Resume,

    /// <summary><see cref="FlowEngine.RepairAsync"/>.</summary>
    Repair,

    /// <summary><see cref="FlowEngine.CancelAsync(string, string?, string?, CancellationToken)"/>.</summary>
    Cancel,

    /// <summary><see cref="FlowEngine.SuspendAsync(string, string, string?, CancellationToken)"/>.</summary>
    Suspend,
}

/// <summary>
/// A piece of an instance's work as data: what a <see cref="FlowEngine"/> with a <see cref="FlowEngineOptions.Dispatcher"/>
/// hands to it instead of its own mailboxes, so that another process (the grain of the flow and key on an Orleans
/// cluster, FlowGen.Orleans) runs it with <see cref="FlowEngine.RunWorkAsync"/>: the same step logic, one place.
/// Payloads travel as the JSON the inbox keeps.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record FlowWork
{
    /// <summary>What it is.</summary>
    public required FlowWorkKind Kind { get; init; }

    /// <summary>The flow.</summary>
    public required string FlowId { get; init; }

    /// <summary>The correlation key: work of one flow and key runs one piece at a time.</summary>
    public required string Key { get; init; }

    /// <summary>The event's name (<see cref="FlowWorkKind.Event"/>).</summary>
    public string? EventName { get; init; }

    /// <summary>The event's payload, or the request (<see cref="FlowWorkKind.Start"/>), as UTF-8 JSON.</summary>
    public byte[]? Payload { get; init; }

    /// <summary>The event's id.</summary>
    public string? EventId { get; init; }

    /// <summary>The event's time.</summary>
    public DateTimeOffset? EventTime { get; init; }

    /// <summary>The event's inbox sequence.</summary>
    public long Sequence { get; init; }

    /// <summary>The instance (timers and operations).</summary>
    public string? InstanceId { get; init; }

    /// <summary>The timer's due time.</summary>
    public DateTimeOffset Due { get; init; }

    /// <summary>When the timer was found due.</summary>
    public DateTimeOffset Now { get; init; }

    /// <summary>An operation's reason (suspend, cancel).</summary>
    public string? Reason { get; init; }

    /// <summary>Who asked for an operation.</summary>
    public string? By { get; init; }

    /// <summary>
    /// True when the dispatcher can send the work to another engine: an event or timer for an instance saved by a build this
    /// engine does not have then comes back <see cref="FlowWorkStatus.Deferred"/>, with the instance left as it is, instead
    /// of suspending it (a cluster upgraded one silo at a time: another silo may have the build). The dispatcher's last try
    /// sends false, and the instance is suspended as on the embedded engine.
    /// </summary>
    public bool MayDefer { get; init; }
}

/// <summary>What came of a <see cref="FlowWork"/>: data, so that it can come back from another process.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record FlowWorkResult
{
    /// <summary>How it ended.</summary>
    public required FlowWorkStatus Status { get; init; }

    /// <summary>The instance an operation or a start worked on.</summary>
    public string? InstanceId { get; init; }

    /// <summary>For <see cref="FlowWorkStatus.Fault"/>: the error code.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The message of a refusal or a fault.</summary>
    public string? Message { get; init; }
}

/// <summary>How a <see cref="FlowWork"/> ended.</summary>
public enum FlowWorkStatus
{
    /// <summary>Done (an operation or start; a timer, whether or not it still applied).</summary>
    Done,

    /// <summary>An event some instance took (or started one with).</summary>
    Taken,

    /// <summary>An event no instance took.</summary>
    Dropped,

    /// <summary>An event kept back: the instance of its flow and key cannot take it safely.</summary>
    Parked,

    /// <summary>An operation refused by the instance's state (<see cref="FlowInstanceStateException"/>).</summary>
    Refused,

    /// <summary>An operation on an instance the engine cannot work with (<see cref="FlowInstanceFaultException"/>).</summary>
    Fault,

    /// <summary>Someone else saved the instance first, every try (<see cref="FlowConcurrencyException"/>).</summary>
    Conflict,

    /// <summary>Not run: the instance was saved by a build this engine does not have (<see cref="FlowWork.MayDefer"/>); nothing changed.</summary>
    Deferred,
}

/// <summary>
/// Where a <see cref="FlowEngine"/> sends its instances' work instead of its own mailboxes (<see cref="FlowEngineOptions.Dispatcher"/>):
/// a dispatcher runs the work of one flow and key one piece at a time, in the order given, by calling
/// <see cref="FlowEngine.RunWorkAsync"/> on some engine over the same store. FlowGen.Orleans's dispatcher sends it to the
/// grain of the flow and key.
/// </summary>
public interface IFlowWorkDispatcher
{
    /// <summary>Runs the work and returns what came of it; throws only when it could not be run (the engine reports it).</summary>
    Task<FlowWorkResult> DispatchAsync(FlowWork work, CancellationToken cancellationToken = default);
}
