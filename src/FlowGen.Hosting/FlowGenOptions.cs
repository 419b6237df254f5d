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

    /// <summary>
    /// The largest answer an HTTP task reads, in bytes, when its flow file does not say (<c>http-max-response</c>); null:
    /// <see cref="FlowHttpOptions.DefaultMaxResponseBytes"/> (4 MB). Becomes the registered <see cref="FlowHttpOptions"/>.
    /// </summary>
    public long? HttpMaxResponseBytes { get; set; }

    /// <summary>The lifetime of the generated flow classes (Transient by default: they hold no run state).</summary>
    public ServiceLifetime FlowLifetime { get; set; } = ServiceLifetime.Transient;

    /// <summary>The lifetime of [FlowComponent] classes FlowGen registers (Singleton by default). Components you register yourself keep yours.</summary>
    public ServiceLifetime ComponentLifetime { get; set; } = ServiceLifetime.Singleton;

    /// <summary>Log every task's start, end and failure through ILogger, inside a scope with the flow, node and request id.</summary>
    public bool LogTasks { get; set; } = true;

    /// <summary>
    /// Roles matched to runs by flow id and business id ("FlowGen:Roles"), as <see cref="FlowRoleTable"/> matches
    /// them. An <see cref="IFlowRoleSource"/> registered in DI is used instead when there is one.
    /// </summary>
    public List<FlowRoleOptions> Roles { get; set; } = [];

    /// <summary>The default run options these settings make, with the variables tasks read and the roles runs get.</summary>
    /// <param name="variables">Where tasks' variables come from.</param>
    /// <param name="roles">Where runs' roles come from; null: <see cref="Roles"/>.</param>
    /// <param name="suspensions">Where failed runs of flows with on-failure: suspend are saved (a FlowSuspensions registered in DI), or null.</param>
    /// <param name="events">Where runs post the events their publish nodes make (the durable engine's channel with AddDurableFlows), or null.</param>
    public FlowRunOptions ToRunOptions(IFlowVariableSource? variables = null, IFlowRoleSource? roles = null, FlowGen.Durable.FlowSuspensions? suspensions = null,
        FlowGen.Durable.IFlowEventSink? events = null) => new()
    {
        Suspensions = suspensions,
        Events = events,
        Variables = variables,
        Roles = roles ?? RoleTable(),
        Timeout = DefaultTimeout,
        Tracking = Tracking,
        TraceTasks = TraceTasks,
        MaxIterationParallelism = MaxIterationParallelism,
        MaxLoopIterations = MaxLoopIterations,
    };

    /// <summary>The <see cref="Roles"/> as a table, or null when there are none.</summary>
    public FlowRoleTable? RoleTable()
    {
        if (Roles.Count == 0) return null;
        var table = new FlowRoleTable();
        foreach (var role in Roles)
        {
            if (string.IsNullOrWhiteSpace(role.Name))
                throw new InvalidOperationException($"FlowGen:Roles has a role without a Name (flow '{role.Flow ?? "*"}', business '{role.Business ?? "*"}'): every role needs one, for traces and logs.");
            var malformed = role.Permissions.FirstOrDefault(p => !FlowRolePermission.IsWellFormed(p));
            if (malformed is not null)
                throw new InvalidOperationException($"FlowGen:Roles role '{role.Name}' has the permission '{malformed}', which is not r:service[@ability] or pr:component@service[@ability].");
            table.Add(new FlowRole(role.Name, role.Permissions), Blank(role.Flow), Blank(role.Business));
        }
        return table;

        static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) || value.Trim() == "*" ? null : value.Trim();
    }
}

/// <summary>One role of <see cref="FlowGenOptions.Roles"/>: who gets it (flow, business) and what it holds.</summary>
public sealed class FlowRoleOptions
{
    /// <summary>The role's name, for traces and logs.</summary>
    public string Name { get; set; } = "";

    /// <summary>The flow id whose runs get the role; empty or "*": every flow.</summary>
    public string? Flow { get; set; }

    /// <summary>The business id whose runs get the role; empty or "*": any.</summary>
    public string? Business { get; set; }

    /// <summary>The permissions, as Kstry writes them: <c>r:check-img@triple</c>, <c>pr:shop@vip</c>, <c>r:check-img@*</c>.</summary>
    public List<string> Permissions { get; set; } = [];
}
