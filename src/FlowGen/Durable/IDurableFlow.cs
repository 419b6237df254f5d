using System.ComponentModel;
using System.Text.Json;

namespace FlowGen.Durable;

/// <summary>
/// A flow with waits (receives, timers, event gateways), implemented by generated code: the same state machine as
/// <see cref="IFlow{TRequest,TResult}"/>, whose state the <see cref="FlowEngine"/> persists between steps. Users
/// register such flows with the engine; they do not call these members themselves.
/// </summary>
public interface IDurableFlow
{
    /// <summary>The flow id.</summary>
    string Id { get; }

    /// <summary>The flow's structural version (the generated <c>FlowVersion</c>).</summary>
    string Version { get; }

    /// <summary>The event names the flow takes (its trigger and its waits), with their C# types.</summary>
    IReadOnlyDictionary<string, Type> Events { get; }

    /// <summary>
    /// For an older build kept beside the current one (the flow file's <c>continues</c>): the flow id whose instances of
    /// this build's version it continues. The engine then uses it for those instances only; it starts none itself.
    /// </summary>
    string? Continues { get; }

    /// <summary>The event that starts an instance (a triggered flow), or null when instances start from a request.</summary>
    string? Trigger { get; }

    /// <summary>The request type (for a triggered flow: the trigger event's type).</summary>
    Type RequestType { get; }

    /// <summary>What a task failure does to an instance, as the flow file says (<c>on-failure</c>), or null for the engine's default.</summary>
    FlowFailurePolicy? FailurePolicy { get; }

    /// <summary>
    /// The correlation key of an event for this flow (its key path read from the event), or null when the flow does
    /// not take this event or the path reads null.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    string? KeyOf(FlowEvent flowEvent);

    /// <summary>True when the event starts an instance: it is the trigger event and the trigger's condition holds.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    bool Starts(FlowEvent flowEvent);

    /// <summary>The correlation key of a request (the flow's key path read from it), or null.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    string? KeyOfRequest(object request);

    /// <summary>Runs a new instance from its request until it waits, ends, fails or is suspended.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    ValueTask<DurableStep> StartAsync(object request, DurableStepContext context);

    /// <summary>
    /// Continues a persisted instance with an event, its timer, or a resume. <see cref="DurableStep.Accepted"/> is
    /// false when the instance's wait does not take the signal (the state is then unchanged).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    ValueTask<DurableStep> ContinueAsync(ReadOnlyMemory<byte> state, DurableSignal signal, DurableStepContext context);
}

/// <summary>What continues a waiting or suspended instance.</summary>
public enum DurableSignalKind
{
    /// <summary>An event its wait may take.</summary>
    Event,

    /// <summary>Its wait's timer is due.</summary>
    Timer,

    /// <summary>A resume by hand (or after a repair): the failed or stopped nodes run again.</summary>
    Resume,
}

/// <summary>What continues an instance: an event, a due timer, or a resume.</summary>
public readonly record struct DurableSignal(DurableSignalKind Kind, FlowEvent? Event = null)
{
    /// <summary>An event.</summary>
    public static DurableSignal For(FlowEvent flowEvent) => new(DurableSignalKind.Event, flowEvent);

    /// <summary>The wait's timer.</summary>
    public static DurableSignal Timer => new(DurableSignalKind.Timer);

    /// <summary>A resume.</summary>
    public static DurableSignal Resume => new(DurableSignalKind.Resume);
}

/// <summary>What a step of a durable flow runs with.</summary>
public sealed class DurableStepContext
{
    /// <summary>The JSON options the state is written and read with (their resolver must know every bus, request and event type).</summary>
    public required JsonSerializerOptions Json { get; init; }

    /// <summary>The clock timers are set by.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The run options of each step (tracking, roles, variables, ...), or null.</summary>
    public FlowRunOptions? Options { get; init; }

    /// <summary>Cancels the step.</summary>
    public CancellationToken CancellationToken { get; init; }
}

/// <summary>The outcome of one step of a durable instance.</summary>
public sealed class DurableStep
{
    /// <summary>A signal the instance's wait does not take: nothing ran, nothing changes.</summary>
    public static readonly DurableStep NotAccepted = new() { Accepted = false, Status = FlowInstanceStatus.Waiting };

    /// <summary>False when the wait did not take the signal.</summary>
    public bool Accepted { get; init; } = true;

    /// <summary>Where the instance is after the step (Waiting, Completed, Failed or Suspended).</summary>
    public FlowInstanceStatus Status { get; init; }

    /// <summary>The state to persist, as UTF-8 JSON.</summary>
    public byte[] State { get; init; } = [];

    /// <summary>The node ids it is at: the wait node, or the nodes a resume enters again.</summary>
    public string[] Nodes { get; init; } = [];

    /// <summary>The event names its wait takes.</summary>
    public string[] Events { get; init; } = [];

    /// <summary>When its wait's timer is due.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>The error of a failed or suspended step.</summary>
    public FlowError? Error { get; init; }

    /// <summary>The flow's result (res) when it completed.</summary>
    public object? Result { get; init; }

    /// <summary>
    /// The events the step published (publish nodes, Playwell's send), in order: the engine takes them into its inbox,
    /// with ids made from the instance and its revision, before it saves the step, so that a step run again after a
    /// crash publishes none twice.
    /// </summary>
    public IReadOnlyList<FlowEvent> Published { get; init; } = [];

    /// <summary>The step's trace when the run options asked for tracking.</summary>
    public FlowTrace? Trace { get; init; }

    /// <summary>The catch node that took the event or the timer (the arm of the wait), or null for a start or a resume.</summary>
    public string? Caught { get; init; }
}
