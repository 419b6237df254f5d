using System.ComponentModel;

namespace FlowGen;

/// <summary>
/// What a generated flow tells the runtime about itself, once, in a static field: its id, its nodes, and the
/// defaults its flow file sets. Generated code creates it; users read it through <see cref="FlowContext"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FlowDescriptor(
    string flowId,
    string[] nodeIds,
    string?[] nodeNames,
    bool cancelsBranches = false,
    TimeSpan? defaultTimeout = null,
    int loopLimit = FlowDescriptor.StandardLoopLimit,
    FlowScope[]? scopes = null,
    int[]? nodeScopes = null,
    int[]? resumeAt = null,
    string?[]? services = null,
    string? version = null,
    Func<string>? mermaid = null,
    Func<string>? svg = null)
{
    // The pictures are read only when a trace is drawn: their literals are not loaded when the flow is first used.
    private readonly Func<string>? _mermaid = mermaid;
    private readonly Func<string>? _svg = svg;

    /// <summary>The flow's picture as SVG (the generated <c>Svg</c>; its node group n<i>i</i> is <see cref="NodeIds"/>[i]), or null.</summary>
    public string? Svg => _svg?.Invoke();

    /// <summary>The flow's picture as a Mermaid flowchart (the generated <c>Mermaid</c>; its node n<i>i</i> is <see cref="NodeIds"/>[i]), or null.</summary>
    public string? Mermaid => _mermaid?.Invoke();

    /// <summary>The flow's structural version (the generated <c>FlowVersion</c>), or null.</summary>
    public string? Version { get; } = version;

    /// <summary>For each node, the service it calls as <c>component/task</c>, or null (for tracking mode Service and up).</summary>
    public string?[]? Services { get; } = services;

    /// <summary>Subprocesses with a timeout or strict-mode=false: each runs in a scope of its own.</summary>
    public FlowScope[] Scopes { get; } = scopes ?? [];

    /// <summary>For each node, the innermost such scope it runs in, or -1.</summary>
    public int[]? NodeScopes { get; } = nodeScopes;

    /// <summary>For each node, the node a resumed run re-enters for it: the outermost subprocess around it, or itself.</summary>
    public int[]? ResumeAt { get; } = resumeAt;

    /// <summary>The loop limit when neither the flow file nor the run options set one.</summary>
    public const int StandardLoopLimit = 10_000;

    /// <summary>The flow id.</summary>
    public string FlowId { get; } = flowId;

    // Durable flows: one-element arrays of node ids, made once per node (an instance's position after each step).
    internal string[]?[]? SingleNodeIds;

    /// <summary>Node ids, indexed like the generated <c>Node</c> enum.</summary>
    public string[] NodeIds { get; } = nodeIds;

    /// <summary>Node names (null where the node has none), same order.</summary>
    public string?[] NodeNames { get; } = nodeNames;

    /// <summary>
    /// True when branches run together and a task can watch the run's token: the run then gets a token of its own,
    /// which a failure cancels to stop the other branches' tasks in flight. Without it, the other branches still
    /// stop at their next node.
    /// </summary>
    public bool CancelsBranches { get; } = cancelsBranches;

    /// <summary>The flow file's default run timeout (the start event's <c>flow-timeout</c>), or null.</summary>
    public TimeSpan? DefaultTimeout { get; } = defaultTimeout;

    /// <summary>True when a run with default options needs no token of its own (no branches to cancel, no flow timeout).</summary>
    internal bool PassesCallerToken { get; } = !cancelsBranches && defaultTimeout is null;

    /// <summary>The flow file's loop limit (the start event's <c>loop-limit</c>), or <see cref="StandardLoopLimit"/>.</summary>
    public int LoopLimit { get; } = loopLimit;
}
