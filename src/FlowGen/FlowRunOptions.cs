namespace FlowGen;

/// <summary>Per-run settings.</summary>
public sealed class FlowRunOptions
{
    /// <summary>Shared default: no timeout, no tracking.</summary>
    public static readonly FlowRunOptions Default = new();

    /// <summary>
    /// A run's options over the flow's defaults (from DI): what the run sets wins, what it leaves unset (null, or
    /// <see cref="TrackingMode.None"/>, or false) comes from the defaults. Allocates only when both are given and
    /// the defaults fill something in.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static FlowRunOptions? Combine(FlowRunOptions? run, FlowRunOptions? defaults)
        => run is null || defaults is null || ReferenceEquals(run, defaults) ? run ?? defaults : CombineBoth(run, defaults);

    private static FlowRunOptions CombineBoth(FlowRunOptions run, FlowRunOptions defaults)
    {
        var fills = (run.Timeout is null && defaults.Timeout is not null)
            || (run.MaxLoopIterations is null && defaults.MaxLoopIterations is not null)
            || (run.MaxIterationParallelism is null && defaults.MaxIterationParallelism is not null)
            || (run.Tracking == TrackingMode.None && defaults.Tracking != TrackingMode.None)
            || (!run.TraceTasks && defaults.TraceTasks)
            || (run.TraceCompleted is null && defaults.TraceCompleted is not null)
            || (run.DetachedFailed is null && defaults.DetachedFailed is not null)
            || (run.Suspensions is null && defaults.Suspensions is not null)
            || (run.Events is null && defaults.Events is not null)
            || (run.Variables is null && defaults.Variables is not null)
            || (run.Roles is null && defaults.Roles is not null)
            || (run.BusinessId is null && defaults.BusinessId is not null);
        if (!fills) return run;
        return new FlowRunOptions
        {
            Timeout = run.Timeout ?? defaults.Timeout,
            MaxLoopIterations = run.MaxLoopIterations ?? defaults.MaxLoopIterations,
            MaxIterationParallelism = run.MaxIterationParallelism ?? defaults.MaxIterationParallelism,
            Tracking = run.Tracking != TrackingMode.None ? run.Tracking : defaults.Tracking,
            TraceTasks = run.TraceTasks || defaults.TraceTasks,
            TraceCompleted = run.TraceCompleted ?? defaults.TraceCompleted,
            DetachedFailed = run.DetachedFailed ?? defaults.DetachedFailed,
            Suspensions = run.Suspensions ?? defaults.Suspensions,
            Events = run.Events ?? defaults.Events,
            Variables = run.Variables ?? defaults.Variables,
            Role = run.Role,
            Roles = run.Roles ?? defaults.Roles,
            BusinessId = run.BusinessId ?? defaults.BusinessId,
            RequestId = run.RequestId,
        };
    }

    /// <summary>
    /// The longest the whole run may take; null for the flow's own default (the <c>flow-timeout</c> property of
    /// its start event), or no limit.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// How often the run may go round loops in all (a safeguard against a loop that never ends); null for the
    /// flow's own default (the <c>loop-limit</c> property of its start event), or 10,000.
    /// </summary>
    public int? MaxLoopIterations { get; init; }

    /// <summary>How many items an ite-async task runs at once; null for the flow file's ite-parallelism, or 8.</summary>
    public int? MaxIterationParallelism { get; init; }

    /// <summary>What the run records into <see cref="FlowResult{T}.Trace"/>.</summary>
    public TrackingMode Tracking { get; init; }

    /// <summary>
    /// When a listener subscribes to the ActivitySource "FlowGen" (<see cref="FlowTelemetry"/>): also a span per
    /// task under the run's span. Off by default: one span per run.
    /// </summary>
    public bool TraceTasks { get; init; }

    /// <summary>Called with the run's trace when a tracked run ends (success or failure), for a trace store or a log.</summary>
    public Action<FlowTrace>? TraceCompleted { get; init; }

    /// <summary>
    /// Called when a fire-and-forget subflow (<c>await: false</c>) of the run fails: its error, which does not fail the
    /// run (the run may have ended by then). Also counted as <c>flowgen.detached.failures</c>. Called on the thread pool.
    /// </summary>
    public Action<FlowError>? DetachedFailed { get; init; }

    /// <summary>
    /// Where a request/response flow with <c>on-failure: suspend</c> saves a failed run (ps-go's suspend): its state goes
    /// to this store, <see cref="FlowError.SuspendedId"/> names it, and the generated <c>ResumeSuspendedAsync(id)</c>
    /// continues it later, from any process with the same store. Null: failed runs are not saved.
    /// </summary>
    public Durable.FlowSuspensions? Suspensions { get; init; }

    /// <summary>
    /// Where a request/response run posts the events its publish nodes make (docs/events.md): a
    /// <see cref="Durable.FlowEventChannel"/> (the hosted durable engine reads it), or your own sink. A run that publishes
    /// without one fails at the publish node. Durable runs hand their events to the engine instead.
    /// </summary>
    public Durable.IFlowEventSink? Events { get; init; }

    /// <summary>An id for this run, for logs and traces; a new one is made when null.</summary>
    public string? RequestId { get; init; }

    /// <summary>Where tasks' <see cref="FlowVariables"/> parameters read from (FlowGen.Hosting sets configuration), or null for none.</summary>
    public IFlowVariableSource? Variables { get; init; }

    /// <summary>The run's role (Kstry's RBAC); when null, <see cref="Roles"/> finds one by flow id and business id.</summary>
    public FlowRole? Role { get; init; }

    /// <summary>Where a run without <see cref="Role"/> finds its role, or null for none.</summary>
    public IFlowRoleSource? Roles { get; init; }

    /// <summary>The business id of the run (Kstry's business id), if any.</summary>
    public string? BusinessId { get; init; }
}

/// <summary>How much of a run is recorded.</summary>
public enum TrackingMode
{
    /// <summary>Nothing is recorded; costs nothing.</summary>
    None = 0,

    /// <summary>Every node that calls a method: its start, duration, outcome and thread, in the order they finished.</summary>
    Node = 1,

    /// <summary>As <see cref="Node"/>, and the service each node called (<c>component/task</c>).</summary>
    Service = 2,

    /// <summary>As <see cref="Service"/>, and each task's inputs (its arguments from the bus) and outputs (the bus values it wrote).</summary>
    ServiceDetail = 3,

    /// <summary>Everything FlowGen records: as <see cref="ServiceDetail"/> today.</summary>
    All = 4,
}
