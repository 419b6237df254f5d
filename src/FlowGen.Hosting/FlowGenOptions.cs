using Microsoft.Extensions.DependencyInjection;

namespace FlowGen.Hosting;

/// <summary>
/// FlowGen's settings for an application, bound from configuration (section "FlowGen" by default). They become
/// the default <see cref="FlowRunOptions"/> of every flow resolved from DI; a run's own options still win.
/// </summary>
public sealed class FlowGenOptions
{
    /// <summary>The configuration section <c>AddFlowGen(configuration)</c> reads.</summary>
    public const string SectionName = "FlowGen";

    /// <summary>The run timeout when neither the caller nor the flow file gives one (<c>"00:00:03"</c>).</summary>
    public TimeSpan? DefaultTimeout { get; set; }

    /// <summary>What runs record into <see cref="FlowResult{T}.Trace"/> (None or Node).</summary>
    public TrackingMode Tracking { get; set; }

    /// <summary>A span per task, not only per run, when a listener subscribes to the ActivitySource "FlowGen".</summary>
    public bool TraceTasks { get; set; }

    /// <summary>How many items an ite-async task runs at once when the flow file does not say.</summary>
    public int? MaxIterationParallelism { get; set; }

    /// <summary>How often a run may go round loops when the flow file does not say.</summary>
    public int? MaxLoopIterations { get; set; }

    /// <summary>The lifetime of the generated flow classes (Transient by default: they hold no run state).</summary>
    public ServiceLifetime FlowLifetime { get; set; } = ServiceLifetime.Transient;

    /// <summary>The lifetime of [FlowComponent] classes FlowGen registers (Singleton by default). Components you register yourself keep yours.</summary>
    public ServiceLifetime ComponentLifetime { get; set; } = ServiceLifetime.Singleton;

    /// <summary>Log every task's start, end and failure through ILogger, inside a scope with the flow, node and request id.</summary>
    public bool LogTasks { get; set; } = true;

    /// <summary>The default run options these settings make, with the variables tasks read.</summary>
    public FlowRunOptions ToRunOptions(IFlowVariableSource? variables = null) => new()
    {
        Variables = variables,
        Timeout = DefaultTimeout,
        Tracking = Tracking,
        TraceTasks = TraceTasks,
        MaxIterationParallelism = MaxIterationParallelism,
        MaxLoopIterations = MaxLoopIterations,
    };
}
