using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;

namespace FlowGen.Generators.Model;

// The flow IR. Every type here must be cacheable as a Roslyn incremental value: immutable, pointwise
// equality, no ISymbol, SyntaxNode, Compilation or Location inside (see ModelPurityTests).

internal enum NodeKind
{
    StartEvent,
    EndEvent,
    ServiceTask,
    ExclusiveGateway,
    ParallelGateway,
    InclusiveGateway,

    /// <summary>An embedded subprocess node of a graph: runs its definition (same id) in place.</summary>
    SubProcess,

    /// <summary>A call activity: runs the subprocess its calledElement names, from this file or another.</summary>
    CallActivity,

    /// <summary>Made when a subprocess is expanded into its caller: where the subprocess's branches end.</summary>
    SubprocessExit,

    /// <summary>
    /// Durable flows: waits for an event (BPMN receiveTask or message intermediateCatchEvent, a receive arm). Settings:
    /// <c>event</c> (the event name), <c>key</c> (the correlation path on the event), <c>to</c> (the bus value it writes).
    /// </summary>
    MessageCatch,

    /// <summary>Durable flows: waits for a time (BPMN timer intermediateCatchEvent, sleep, a receive's after). Setting: <c>duration</c>.</summary>
    TimerCatch,

    /// <summary>
    /// Durable flows: waits for the first of its targets (message and timer catches) to happen (BPMN eventBasedGateway,
    /// a receive action). A flow from it may carry a condition over the event.
    /// </summary>
    EventGateway,
}

/// <summary>A setting of a node (BPMN camunda:property / zeebe:property), with where it was written.</summary>
internal sealed record NodeProperty(string Name, string Value, LocationInfo Location);

/// <summary>One node of a flow graph.</summary>
/// <param name="Element">The element's tag as written (serviceTask, task, parallelGateway, ...), for messages.</param>
internal sealed record FlowNode(
    string Id,
    string? Name,
    NodeKind Kind,
    string Element,
    EquatableArray<NodeProperty> Properties,
    LocationInfo Location)
{
    /// <summary>True for an element FlowGen reads but does not compile yet (already reported as FG0003).</summary>
    public bool IsUnsupported { get; init; }

    /// <summary>Where a BPMN file's diagram (BPMN DI) draws the node, or null: the SVG picture then keeps the modeler's layout.</summary>
    public DiagramBounds? Bounds { get; init; }

    /// <summary>In a flow with its subprocesses expanded: the id of the subprocess node this node runs inside, or null.</summary>
    public string? Scope { get; init; }

    /// <summary>
    /// The node's <c>set</c> assignments, in the order written: bus values written from expressions once the node has
    /// done its work (after its task's own writes), before the flows out of it are taken.
    /// </summary>
    public EquatableArray<FlowAssignment> Assignments { get; init; } = EquatableArray<FlowAssignment>.Empty;

    /// <summary>
    /// The task's inputs: a parameter given by an expression (target <c>order</c>) or built member by member
    /// (<c>order.id</c>, <c>order.total</c>) from expressions over the bus, evaluated when the task is called.
    /// </summary>
    public EquatableArray<FlowAssignment> Inputs { get; init; } = EquatableArray<FlowAssignment>.Empty;

    public string? GetProperty(string name)
    {
        foreach (var p in Properties)
        {
            if (string.Equals(p.Name, name, StringComparison.Ordinal)) return p.Value;
        }
        return null;
    }

    public NodeProperty? FindProperty(string name)
    {
        foreach (var p in Properties)
        {
            if (string.Equals(p.Name, name, StringComparison.Ordinal)) return p;
        }
        return null;
    }

    /// <summary>How messages name this node: <c>serviceTask 'Activity_1' (Load SKU)</c>.</summary>
    public string Describe() => Name is { Length: > 0 } name
        ? $"{Element} '{Id}' ({OneLine(name)})"
        : $"{Element} '{Id}'";

    internal static string OneLine(string text) => string.Join(" ", text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}

/// <summary>One assignment of a node's <c>set</c>: the bus value written (<c>var.total</c>) and the expression that gives it.</summary>
/// <param name="Target">The written path as the flow file spells it.</param>
/// <param name="TargetLocation">Where the target is written (a YAML key, a BPMN property's name).</param>
/// <param name="Value">The expression, with where each of its characters sits in the file.</param>
internal sealed record FlowAssignment(string Target, LocationInfo TargetLocation, ConditionSource Value);

/// <summary>
/// A condition as written in the flow file: the decoded text, its parse, and where each decoded character
/// sits in the file (so that an error at column 7 of the expression lands at the right file column).
/// </summary>
/// <param name="CharOffsets">File offset of each character of <see cref="Text"/>, plus one entry for the end.</param>
/// <param name="CharLines">Zero-based file line of each entry of <see cref="CharOffsets"/>.</param>
/// <param name="CharColumns">Zero-based file column of each entry of <see cref="CharOffsets"/>.</param>
internal sealed record ConditionSource(
    string Text,
    ParsedCondition Parsed,
    LocationInfo Location,
    EquatableArray<int> CharOffsets,
    EquatableArray<int> CharLines,
    EquatableArray<int> CharColumns)
{
    /// <summary>The file location of characters [start, start+length) of the condition text.</summary>
    public LocationInfo Span(int start, int length)
    {
        if (CharOffsets.Count == 0) return Location;
        var last = CharOffsets.Count - 1;
        var s = Math.Max(0, Math.Min(start, last));
        var e = Math.Max(s, Math.Min(start + Math.Max(length, 0), last));
        return new LocationInfo(Location.FilePath, CharOffsets[s], CharOffsets[e] - CharOffsets[s], CharLines[s], CharColumns[s], CharLines[e], CharColumns[e]);
    }
}

/// <summary>A sequence flow.</summary>
internal sealed record FlowEdge(
    string Id,
    string? Name,
    string SourceId,
    string TargetId,
    ConditionSource? Condition,
    bool IsDefault,
    LocationInfo Location)
{
    /// <summary>The bends a BPMN file's diagram (BPMN DI) draws the flow through: x0, y0, x1, y1, ...; empty when it has none.</summary>
    public EquatableArray<double> Waypoints { get; init; } = EquatableArray<double>.Empty;
}

/// <summary>A BPMN DI shape's bounds (dc:Bounds), in the diagram's own units.</summary>
internal sealed record DiagramBounds(double X, double Y, double Width, double Height);

/// <summary>
/// A process (or, later, a subprocess) graph: nodes, edges and the start events that each begin a flow.
/// Structural diagnostics are computed per graph, once, from the file text alone.
/// </summary>
internal sealed record FlowGraph(
    string ProcessId,
    string FilePath,
    EquatableArray<FlowNode> Nodes,
    EquatableArray<FlowEdge> Edges,
    LocationInfo Location)
{
    /// <summary>True when the process holds subProcess definitions that call activities name (a library of subprocesses).</summary>
    public bool DefinesSubprocesses { get; init; }

    /// <summary>For a subprocess body: the subProcess element's name.</summary>
    public string? Name { get; init; }

    /// <summary>For a subprocess body: the subProcess element's properties (strict-mode, timeout).</summary>
    public EquatableArray<NodeProperty> Properties { get; init; } = EquatableArray<NodeProperty>.Empty;

    /// <summary>How the flow file names an edge's ends, for messages: sourceRef/targetRef in BPMN, from/to in JSON and YAML.</summary>
    public string SourceKey { get; init; } = "sourceRef";

    /// <inheritdoc cref="SourceKey"/>
    public string TargetKey { get; init; } = "targetRef";

    /// <summary>The request schema written in the flow file (JSON and YAML flows), validated before the first node runs.</summary>
    public RequestSchema? RequestSchema { get; init; }

    public FlowNode? FindNode(string id)
    {
        foreach (var n in Nodes)
        {
            if (string.Equals(n.Id, id, StringComparison.Ordinal)) return n;
        }
        return null;
    }
}

/// <summary>
/// One flow: a start event of a graph and everything reachable from it. The graph is shared by every start
/// event of its process; <see cref="HasErrors"/> is true when an error diagnostic touches this flow.
/// </summary>
internal sealed record FlowDefinition(string FlowId, string FileName, FlowGraph Graph, EquatableArray<string> NodeIds, bool HasErrors)
{
    /// <summary>
    /// Nodes of this flow on a cycle the structure checks already reported (FG0105, FG0106): the bus checks, which look at
    /// loops again once subprocesses are expanded, do not report the same loop a second time.
    /// </summary>
    public EquatableArray<string> ReportedLoopNodes { get; init; } = EquatableArray<string>.Empty;
}

/// <summary>
/// A subProcess element's body: its own graph with one start event. Called by call activities (Kstry keeps
/// subprocess ids in one namespace across files) and run in place where the subProcess is connected.
/// </summary>
internal sealed record SubprocessDefinition(string Id, string? Name, FlowGraph Graph, bool HasErrors, LocationInfo Location);

/// <summary>What a flow file turns into: its flows, its subprocesses and the diagnostics of its text and structure.</summary>
internal sealed record FlowFile(string Path, EquatableArray<FlowDefinition> Flows, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public EquatableArray<SubprocessDefinition> Subprocesses { get; init; } = EquatableArray<SubprocessDefinition>.Empty;
}

/// <summary>
/// A request schema (ps-go's FieldValidate): the fields of the request a flow checks before it runs. Checked
/// against the request type at build time; compiled into a validator that lists every failing field.
/// </summary>
internal sealed record RequestSchema(EquatableArray<SchemaField> Fields, LocationInfo Location);

/// <summary>One field of a request schema.</summary>
/// <param name="Name">The field name as written (matched to a C# property ignoring case).</param>
/// <param name="Type">string, integer, number, boolean, object or array.</param>
/// <param name="Default">The default value's text (assigned when the field is null), or null.</param>
/// <param name="Min">For numbers: the smallest allowed value, as written.</param>
/// <param name="Max">For numbers: the largest allowed value, as written.</param>
/// <param name="MinLength">For strings and arrays: the fewest characters or items.</param>
/// <param name="MaxLength">For strings and arrays: the most characters or items.</param>
/// <param name="Enum">The allowed values (as written), or empty.</param>
/// <param name="Fields">For objects: the nested fields.</param>
internal sealed record SchemaField(
    string Name,
    string Type,
    bool Required,
    string? Default,
    string? Min,
    string? Max,
    int? MinLength,
    int? MaxLength,
    EquatableArray<string> Enum,
    EquatableArray<SchemaField> Fields,
    LocationInfo Location);
