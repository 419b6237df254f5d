using System.Globalization;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit;

/// <summary>
/// Writes one flow as a state machine whose states are the flow's nodes. Each node is a method: a task calls
/// its C# method and moves on; a fork starts its branches and awaits them (I/O overlaps, no thread per
/// branch); a join counts arrivals and the last one continues. Branches a choice does not take are skipped
/// explicitly, so a join always learns about every incoming branch (dead-path elimination).
/// </summary>
internal sealed partial class FlowEmitter
{
    private const string Vt = "global::System.Threading.Tasks.ValueTask";
    private readonly BoundFlow _flow;
    private readonly Dictionary<string, BoundNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

    // HTTP tasks' requests (constant arguments) as static fields, built once: argument text -> field name.
    private readonly Dictionary<string, string> _hoisted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _indexes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _leadsToJoin = new(StringComparer.Ordinal);
    private readonly HashSet<string> _skippable = new(StringComparer.Ordinal);
    // Catch nodes under an event gateway -> the gateway; the skips of their sibling arms, once worked out.
    private readonly Dictionary<string, List<BoundNode>> _armGateways = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _armSiblings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _scopeIndexes = new(StringComparer.Ordinal);
    // Value-type bus fields that a nullable parameter reads where they may not be written yet: "state.<field>" of each,
    // which keeps a <field>_written flag (set by every write, saved with a durable instance) so that the read gives null.
    private readonly HashSet<string> _flagged = new(StringComparer.Ordinal);
    private readonly SourceWriter _w = new();

    // True while writing a node method that returns the next node's ValueTask instead of awaiting it.
    private bool _tail;

    /// <summary>How a node method leaves early: <c>return;</c> in an async method, <c>return default;</c> in a tail one.</summary>
    private string Return => _tail ? "return default;" : "return;";

    private FlowEmitter(BoundFlow flow)
    {
        _flow = flow;
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < flow.Nodes.Count; i++)
        {
            var node = flow.Nodes[i];
            _nodes[node.Node.Id] = node;
            _indexes[node.Node.Id] = i;
            var name = CSharpText.Identifier(node.Node.Id);
            var unique = name;
            for (var n = 2; !used.Add(unique); n++) unique = name + "_" + n.ToString(CultureInfo.InvariantCulture);
            _names[node.Node.Id] = unique;
        }

        // Subprocesses with a timeout or strict-mode=false get a scope each, in node order.
        foreach (var node in flow.Nodes.Where(n => IsSubprocess(n.Node)))
        {
            var timeout = SettingsChecks.TryMilliseconds(node.Node.GetProperty("timeout"), out var ms) && ms > 0;
            if (timeout || SettingsChecks.IsFalse(node.Node.GetProperty("strict-mode"))) _scopeIndexes[node.Node.Id] = _scopeIndexes.Count;
        }

        // The reads BusChecks wrote as "(state.<field>_written ? ... : null)": one pass over the arguments, not one per field.
        var valueFields = new HashSet<string>(flow.Fields.Where(f => f.IsValueType).Select(f => "state." + f.FieldName), StringComparer.Ordinal);
        const string Flag = BusChecks.WrittenSuffix + " ? ";
        foreach (var argument in flow.Nodes.SelectMany(n => new[] { n.Call, n.Fallback }).OfType<BoundCall>().SelectMany(c => c.Arguments)
                     .Concat(flow.Nodes.SelectMany(n => n.Assignments.Select(a => a.Code))))
        {
            for (var at = argument.IndexOf(Flag, StringComparison.Ordinal); at >= 0; at = argument.IndexOf(Flag, at + Flag.Length, StringComparison.Ordinal))
            {
                var start = argument.LastIndexOf("(state.", at, StringComparison.Ordinal);
                if (start < 0) continue;
                var target = argument.Substring(start + 1, at - start - 1);
                if (valueFields.Contains(target)) _flagged.Add(target);
            }
        }

        foreach (var gateway in flow.Nodes.Where(n => n.Node.Kind == NodeKind.EventGateway))
        {
            foreach (var arm in gateway.Outgoing)
            {
                if (!_armGateways.TryGetValue(arm.Edge.TargetId, out var gateways)) _armGateways[arm.Edge.TargetId] = gateways = [];
                gateways.Add(gateway);
            }
        }

        // Nodes a run may not take: after a choice (an exclusive alternative, a conditional or default flow).
        var queue = new Queue<string>();
        foreach (var node in flow.Nodes)
        {
            foreach (var branch in node.Outgoing)
            {
                // An event gateway's arms are alternatives too: the event or time that comes first is taken.
                var choice = node.Node.Kind != NodeKind.ParallelGateway
                    && (branch.ConditionCode is not null || branch.Edge.IsDefault || (node.Node.Kind is NodeKind.ExclusiveGateway or NodeKind.EventGateway && node.Outgoing.Count > 1));
                if (choice && _skippable.Add(branch.Edge.TargetId)) queue.Enqueue(branch.Edge.TargetId);
            }
        }
        while (queue.Count > 0)
        {
            foreach (var branch in _nodes[queue.Dequeue()].Outgoing)
            {
                if (_skippable.Add(branch.Edge.TargetId)) queue.Enqueue(branch.Edge.TargetId);
            }
        }
    }

    public static string Emit(BoundFlow flow) => new FlowEmitter(flow).Write();

    private FlowClassModel Class => _flow.Class;

    /// <summary>A node that counts arrivals: a gateway, or a task merging alternative branches, with several incoming flows.</summary>
    /// <summary>
    /// A node that counts its incoming branches: a gateway, or a task, subprocess or call activity with several
    /// incoming flows (Kstry's implicit join: it waits for the branches that can still arrive and runs once).
    /// </summary>
    private static bool IsJoin(BoundNode node) => (GraphIndex.IsGateway(node.Node) || GraphIndex.ImplicitlyJoins(node.Node)) && node.IncomingCount > 1;

    private static bool IsSubprocess(FlowNode node) => node.Kind is NodeKind.SubProcess or NodeKind.CallActivity;

    private string Write()
    {
        _w.Line("// <auto-generated/>");
        _w.Line($"// Flow '{CSharpText.Comment(_flow.Flow.FlowId)}' from {CSharpText.Comment(_flow.Flow.FileName)}, compiled by FlowGen.");
        _w.Line(_flow.Flow.FileName.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)
            ? "// Do not edit: change the [FlowDefinition] method and build again."
            : "// Do not edit: change the flow file and build again.");
        _w.Line("#nullable enable");
        _w.Line("#pragma warning disable CS1591 // generated members are documented in the flow file");
        _w.Line();
        if (Class.Namespace is not null) _w.Open($"namespace {Class.Namespace}");

        _w.Line("/// <summary>");
        _w.Line($"/// Runs flow <c>{CSharpText.XmlDoc(_flow.Flow.FlowId)}</c> from <c>{CSharpText.XmlDoc(_flow.Flow.FileName)}</c>: {_flow.Nodes.Count} nodes.");
        _w.Line("/// </summary>");
        _w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"FlowGen\", \"0.1.0\")]");
        _w.Open($"partial class {Class.ClassName} : global::FlowGen.IFlow<{Class.RequestType}, {Class.ResultType}>{(_flow.Durable is null ? "" : ", global::FlowGen.Durable.IDurableFlow")}");
        _w.Line("/// <summary>The flow id, as written in the flow file.</summary>");
        _w.Line($"public const string FlowId = {CSharpText.StringLiteral(_flow.Flow.FlowId)};");
        _w.Line();
        _w.Line("/// <summary>");
        _w.Line("/// The flow's structural version: a hash of what it does (nodes, flows, conditions, tasks, settings, types),");
        _w.Line("/// unchanged by names, comments and layout. Traces and spans carry it.");
        _w.Line("/// </summary>");
        _w.Line($"public const string FlowVersion = {CSharpText.StringLiteral(FlowGen.Generators.Emit.FlowVersion.Compute(_flow))};");
        _w.Line();
        _w.Line("/// <summary>");
        _w.Line("/// The flow as a Mermaid flowchart: paste it into a Markdown <c>```mermaid</c> block, or render it with any Mermaid");
        _w.Line("/// tool. Tasks, sets, gateways, waits, timers, ends and subflows have shapes of their own; conditions label the flows.");
        _w.Line("/// </summary>");
        _w.Line($"public const string Mermaid = {CSharpText.StringLiteral(Pictures.MermaidWriter.Write(_flow))};");
        _w.Line();
        _w.Line("/// <summary>The flow as an SVG picture, laid out at build time: open it in a browser or put it in a page.</summary>");
        _w.Line($"public const string Svg = {CSharpText.StringLiteral(Pictures.SvgWriter.Write(_flow))};");
        _w.Line();
        WriteConstructor();
        WriteNodeTable();
        WriteState();
        WriteEntryPoints();
        if (_flow.RequestSchema is { } schema) RequestValidatorEmitter.Write(_w, schema);
        if (AnnotationValidatorEmitter.Needed(_flow.Class)) AnnotationValidatorEmitter.Write(_w, _flow.Class);
        WriteHttpRequests();
        if (_flow.Durable is { } durable) WriteDurable(durable);
        FindStretches();
        WriteStretches();
        _w.Line($"// ---- The nodes of {CSharpText.Comment(_flow.Flow.FileName)}, one method per state. ----");
        _w.Line("// A node whose work finishes synchronously returns the next node's call; one that awaits is an async method.");
        foreach (var node in _flow.Nodes)
        {
            _w.Line();
            WriteNode(node);
            WriteSetMethod(node);
        }
        _w.Close();
        if (Class.Namespace is not null) _w.Close();
        return _w.ToString();
    }

    private bool IsValueType(string type)
    {
        if (type.EndsWith("?", StringComparison.Ordinal)) return true;
        return type switch
        {
            "bool" or "byte" or "sbyte" or "short" or "ushort" or "int" or "uint" or "long" or "ulong" or "float" or "double" or "decimal" or "char" => true,
            _ => _flow.TypeIsValue(type),
        };
    }
}
