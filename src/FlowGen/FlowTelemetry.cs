using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FlowGen;

/// <summary>
/// FlowGen's OpenTelemetry-compatible signals: the ActivitySource "FlowGen" (a span per run, and per task when
/// <see cref="FlowRunOptions.TraceTasks"/> is set) and the Meter "FlowGen" (runs, run duration, failures by code).
/// With no listener attached, a run checks two flags and records nothing.
/// </summary>
public static class FlowTelemetry
{
    /// <summary>The name of the ActivitySource and of the Meter: subscribe to it (AddSource("FlowGen"), AddMeter("FlowGen")).</summary>
    public const string Name = "FlowGen";

    /// <summary>Spans: "flow {id}" for a run, "task {node id}" for a task.</summary>
    public static readonly ActivitySource Source = new(Name, "0.1.0");

    /// <summary>The meter of <see cref="Runs"/>, <see cref="RunDuration"/> and <see cref="Failures"/>.</summary>
    public static readonly Meter Meter = new(Name, "0.1.0");

    /// <summary>flowgen.runs: finished runs, tagged flowgen.flow.id and flowgen.outcome (success or failure).</summary>
    public static readonly Counter<long> Runs = Meter.CreateCounter<long>("flowgen.runs", "{run}", "Finished flow runs.");

    /// <summary>flowgen.run.duration: how long runs took, in milliseconds, tagged flowgen.flow.id and flowgen.outcome.</summary>
    public static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>("flowgen.run.duration", "ms", "Duration of flow runs.");

    /// <summary>flowgen.failures: failed runs, tagged flowgen.flow.id, flowgen.error.code and flowgen.node.id.</summary>
    public static readonly Counter<long> Failures = Meter.CreateCounter<long>("flowgen.failures", "{run}", "Failed flow runs by error code.");

    /// <summary>flowgen.detached.failures: fire-and-forget subflows (await: false) that failed, tagged flowgen.flow.id, flowgen.error.code and flowgen.node.id.</summary>
    public static readonly Counter<long> DetachedFailures = Meter.CreateCounter<long>("flowgen.detached.failures", "{subflow}", "Failed fire-and-forget subflows by error code.");

    /// <summary>Tag names used on spans and measurements.</summary>
    public static class Tags
    {
        public const string FlowId = "flowgen.flow.id";
        public const string FlowVersion = "flowgen.flow.version";
        public const string RequestId = "flowgen.request.id";
        public const string BusinessId = "flowgen.business.id";
        public const string NodeId = "flowgen.node.id";
        public const string NodeName = "flowgen.node.name";
        public const string Outcome = "flowgen.outcome";
        public const string ErrorCode = "flowgen.error.code";

        /// <summary>On a gateway's event: the flows it took (their ids, comma-separated), and the nodes they go to.</summary>
        public const string FlowsTaken = "flowgen.flows.taken";
        public const string TakenTo = "flowgen.flows.to";
    }

    internal static bool MetricsEnabled
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        get => Runs.Enabled || RunDuration.Enabled || Failures.Enabled;
    }

    /// <summary>
    /// The caller's current span, read by a generated entry point before it starts the run's span (null, and nothing
    /// read, when nobody listens to the source).
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public static Activity? CallerSpan() => Source.HasListeners() ? Activity.Current : null;

    /// <summary>
    /// Gives the caller its current span back when a generated entry point returns a run that goes on without it: the
    /// run's span is current inside the run only, so it never leaks into the caller's code (whose next span would
    /// otherwise become a child of a run that has already ended). Reads nothing of the run's state, which may belong to
    /// another run by then.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public static void ReturnSpan(Activity? caller)
    {
        if (Source.HasListeners() && Activity.Current != caller) Activity.Current = caller;
    }

    internal static void RecordDetachedFailure(string flowId, FlowError error)
    {
        if (DetachedFailures.Enabled)
            DetachedFailures.Add(1, new KeyValuePair<string, object?>(Tags.FlowId, flowId), new KeyValuePair<string, object?>(Tags.ErrorCode, error.Code),
                new KeyValuePair<string, object?>(Tags.NodeId, error.NodeId));
    }

    internal static void RecordRun(string flowId, TimeSpan duration, FlowError? error)
    {
        var outcome = new KeyValuePair<string, object?>(Tags.Outcome, error is null ? "success" : "failure");
        var flow = new KeyValuePair<string, object?>(Tags.FlowId, flowId);
        if (Runs.Enabled) Runs.Add(1, flow, outcome);
        if (RunDuration.Enabled) RunDuration.Record(duration.TotalMilliseconds, flow, outcome);
        if (error is not null && Failures.Enabled)
            Failures.Add(1, flow, new KeyValuePair<string, object?>(Tags.ErrorCode, error.Code), new KeyValuePair<string, object?>(Tags.NodeId, error.NodeId));
    }
}
