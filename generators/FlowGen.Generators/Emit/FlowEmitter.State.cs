using System.Globalization;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit;

/// <summary>The class shell: the constructor, the node table and descriptor, and the run state with its typed bus fields.</summary>
internal sealed partial class FlowEmitter
{
    private void WriteConstructor()
    {
        foreach (var component in _flow.Components)
            _w.Line($"private readonly {component.Type} {component.FieldName};");
        if (_flow.Components.Count > 0) _w.Line();
        _w.Line("private readonly global::FlowGen.FlowInterceptors? _interceptors;");
        _w.Line("// Used when a run passes no options: the application's defaults (e.g. a FlowRunOptions registered in DI).");
        _w.Line("private readonly global::FlowGen.FlowRunOptions? _defaultOptions;");
        _w.Line();
        _w.Line("/// <summary>Creates the flow with the components it calls and the interceptors around its nodes (from DI, or fakes in tests).</summary>");
        var parameters = string.Join(", ", _flow.Components.Select(c => $"{c.Type} {c.ParameterName}")
            .Append("global::System.Collections.Generic.IEnumerable<global::FlowGen.IFlowInterceptor>? interceptors = null")
            .Append("global::FlowGen.FlowRunOptions? defaultOptions = null"));
        _w.Open($"public {Class.ClassName}({parameters})");
        foreach (var component in _flow.Components)
            _w.Line($"{component.FieldName} = {component.ParameterName} ?? throw new global::System.ArgumentNullException(nameof({component.ParameterName}));");
        _w.Line("_interceptors = global::FlowGen.FlowInterceptors.Create(interceptors, s_flow, s_interceptionScopes, s_subprocessNodes);");
        _w.Line("_defaultOptions = defaultOptions;");
        _w.Close();
        _w.Line();
    }

    private void WriteNodeTable()
    {
        _w.Line("/// <summary>The states of this flow's state machine: one per node of the flow.</summary>");
        _w.Open("public enum Node");
        foreach (var node in _flow.Nodes)
        {
            _w.Line($"/// <summary>{CSharpText.XmlDoc(node.Node.Describe())}</summary>");
            _w.Line($"{_names[node.Node.Id]} = {_indexes[node.Node.Id].ToString(CultureInfo.InvariantCulture)},");
        }
        _w.Close();
        _w.Line();
        var start = _nodes[_flow.Flow.FlowId].Node;
        var hasForks = _flow.Nodes.Any(n => n.Outgoing.Count > 1 && n.Node.Kind != NodeKind.ExclusiveGateway);
        var cancelsBranches = hasForks && _flow.Nodes.Any(WatchesRunToken);
        var flowTimeout = Checks.SettingsChecks.TryMilliseconds(start.GetProperty("flow-timeout"), out var ms) && ms > 0
            ? $"global::System.TimeSpan.FromMilliseconds({ms.ToString(CultureInfo.InvariantCulture)})" : "null";
        var loopLimit = Checks.SettingsChecks.TryMilliseconds(start.GetProperty("loop-limit"), out var limit)
            ? limit.ToString(CultureInfo.InvariantCulture) : "global::FlowGen.FlowDescriptor.StandardLoopLimit";
        _w.Line("/// <summary>What the runtime knows of this flow: its nodes, version and pictures (the flow catalog and the console read it).</summary>");
        _w.Line("internal static global::FlowGen.FlowDescriptor Descriptor => s_flow;");
        _w.Line();
        _w.Line("private static readonly global::FlowGen.FlowDescriptor s_flow = new(");
        _w.Line("    FlowId,");
        _w.Line("    version: FlowVersion,");
        _w.Line($"    nodeIds: new[] {{ {string.Join(", ", _flow.Nodes.Select(n => CSharpText.StringLiteral(n.Node.Id)))} }},");
        _w.Line($"    nodeNames: new string?[] {{ {string.Join(", ", _flow.Nodes.Select(n => CSharpText.StringLiteral(n.Node.Name is null ? null : Model.FlowNode.OneLine(n.Node.Name))))} }},");
        _w.Line($"    cancelsBranches: {(cancelsBranches ? "true" : "false")},");
        _w.Line($"    defaultTimeout: {flowTimeout},");
        var inv = CultureInfo.InvariantCulture;
        var settings = new List<string> { $"loopLimit: {loopLimit}", "mermaid: static () => Mermaid", "svg: static () => Svg" };
        if (_scopeIndexes.Count > 0)
        {
            var scopes = _scopeIndexes.OrderBy(p => p.Value).Select(p =>
            {
                var entry = _nodes[p.Key].Node;
                var timeout = SettingsChecks.TryMilliseconds(entry.GetProperty("timeout"), out var t) && t > 0 ? t : 0;
                return $"new({_indexes[p.Key].ToString(inv)}, {ScopeOf(entry).ToString(inv)}, {timeout.ToString(inv)}, {(SettingsChecks.IsFalse(entry.GetProperty("strict-mode")) ? "true" : "false")})";
            });
            settings.Add($"scopes: new global::FlowGen.FlowScope[] {{ {string.Join(", ", scopes)} }}");
            settings.Add($"nodeScopes: new[] {{ {string.Join(", ", _flow.Nodes.Select(n => ScopeOf(n.Node).ToString(inv)))} }}");
        }
        settings.Add($"services: new string?[] {{ {string.Join(", ", _flow.Nodes.Select(n => n.Call is { } c ? CSharpText.StringLiteral(c.ComponentName + "/" + c.TaskName) : "null"))} }}");
        if (_flow.Nodes.Any(n => n.Node.Scope is not null))
            settings.Add($"resumeAt: new[] {{ {string.Join(", ", _flow.Nodes.Select(n => _indexes[OutermostSubprocess(n.Node)].ToString(inv)))} }}");
        for (var i = 0; i < settings.Count; i++)
            _w.Line($"    {settings[i]}{(i == settings.Count - 1 ? ");" : ",")}");
        _w.Line();
        _w.Line("// What interceptors can match at each node: the flow id, then the subprocesses it runs in (null: not interceptable).");
        _w.Line($"private static readonly string[]?[] s_interceptionScopes = {{ {string.Join(", ", _flow.Nodes.Select(InterceptionScopes))} }};");
        _w.Line($"private static readonly bool[] s_subprocessNodes = {{ {string.Join(", ", _flow.Nodes.Select(n => IsSubprocess(n.Node) ? "true" : "false"))} }};");
        _w.Line();
    }

    /// <summary>
    /// True when a node can see the run's token while it runs: a task taking a CancellationToken or the FlowContext,
    /// a policy (its attempts are cancelled through the token), an iteration, a subprocess scope.
    /// </summary>
    private bool WatchesRunToken(BoundNode node)
    {
        static bool Takes(BoundCall? call) => call is not null && call.Arguments.Any(a => a is "state.CancellationToken" or BusChecks.ContextArgument);
        return Takes(node.Call) || Takes(node.Fallback) || node.Policy is { NeedsPipeline: true } || node.Iteration is not null
            || _scopeIndexes.ContainsKey(node.Node.Id);
    }

    private void WriteState()
    {
        var resultIsValue = IsValueType(Class.ResultType);
        _w.Line("/// <summary>");
        _w.Line("/// The state of one run: the request, the typed bus and the join counters. It can be kept after a failed");
        _w.Line("/// run and passed to <see cref=\"ResumeAsync\"/> to continue at the node that failed.");
        _w.Line("/// </summary>");
        _w.Open("public sealed class State : global::FlowGen.FlowContext");
        _w.Line("/// <summary>Creates the state of a new run.</summary>");
        _w.Open($"public State({Class.RequestType} request) : base(s_flow)");
        _w.Line("Request = request;");
        _w.Close();
        _w.Line();
        if (SeedParameters() is { Count: > 0 } seeds)
        {
            _w.Line("/// <summary>Creates the state of a new run whose bus starts with the caller's values (null: none of that scope).</summary>");
            _w.Open($"public State({Class.RequestType} request, {string.Join(", ", seeds.Select(p => $"{p.Type}? {p.ParameterName}"))}) : base(s_flow)");
            _w.Line("Request = request;");
            _w.Line($"Seed({string.Join(", ", seeds.Select(p => p.ParameterName))});");
            _w.Close();
            _w.Line();
        }
        _w.Line("/// <summary>req: the request.</summary>");
        _w.Line($"public {Class.RequestType} Request {{ get; internal set; }}");
        _w.Line();
        _w.Line("/// <summary>res: the result.</summary>");
        _w.Line($"public {Class.ResultType}{(resultIsValue ? "" : "?")} Result;");
        foreach (var field in _flow.Fields)
        {
            var writers = _flow.Nodes.Where(n => n.Call?.Assignments.Any(a => a.Target == "state." + field.FieldName) == true).Select(n => n.Node.Id)
                .Concat(_flow.Durable?.Waits.SelectMany(w => w.Arms).Where(a => a.ToField == "state." + field.FieldName).Select(a => a.NodeId) ?? []);
            _w.Line();
            var seeded = field.SeedProperty is { } property ? $"seeded by the caller ({Short(field.Scope == "var" ? Class.VarsType! : Class.StatesType!)}.{property})" : null;
            var written = writers.Any() ? "written by " + string.Join(", ", writers) : null;
            _w.Line($"/// <summary>{field.Scope}.{CSharpText.XmlDoc(field.BusName)}, {CSharpText.XmlDoc(string.Join(", ", new[] { seeded, written }.Where(t => t is not null)))}.</summary>");
            _w.Line($"public {field.Type}{(field.IsValueType ? "" : "?")} {field.FieldName};");
            if (_flagged.Contains("state." + field.FieldName))
            {
                _w.Line($"// Whether {CSharpText.Comment(field.FieldName)} was written: a nullable parameter that reads it gets null until then.");
                _w.Line($"internal bool {field.FieldName}{BusChecks.WrittenSuffix};");
            }
        }
        foreach (var header in _flow.Nodes.Where(n => n.Loop is { IsHeader: true }))
        {
            var name = _names[header.Node.Id];
            _w.Line();
            _w.Line($"// Loop at {CSharpText.Comment(header.Node.Id)}: another round asked for, and whether its driver is running.");
            _w.Line($"internal bool {name}_repeat;");
            _w.Line($"internal bool {name}_driving;");
        }
        foreach (var each in _flow.Nodes.Where(n => n.Foreach is { Parallelism: <= 1 }))
        {
            _w.Line();
            _w.Line($"// Foreach {CSharpText.Comment(each.Node.Id)}: the item a resumed run starts again at (the one that failed).");
            _w.Line($"internal int {_names[each.Node.Id]}_next;");
        }
        foreach (var join in _flow.Nodes.Where(IsJoin))
        {
            var name = _names[join.Node.Id];
            _w.Line();
            _w.Line($"// Join {CSharpText.Comment(join.Node.Id)}: branches still to arrive, and how many arrived live.");
            _w.Line($"internal int {name}_pending = {join.IncomingCount.ToString(CultureInfo.InvariantCulture)};");
            _w.Line($"internal int {name}_live;");
        }
        _w.Line();
        WriteSeed();
        if (_flow.Nodes.Any(n => n.Foreach is { Parallelism: > 1 } || SettingsChecks.IsDetached(n.Node))) WriteForItem();
        _w.Line("/// <summary>The node that failed, where <see cref=\"ResumeAsync\"/> continues, or null.</summary>");
        _w.Line("public Node? FailedAt => FailedNodeIndex < 0 ? null : (Node)FailedNodeIndex;");
        _w.Line();
        _w.Line("/// <summary>Clears a finished run (request, bus, join counters) so that this state can hold the next one.</summary>");
        _w.Open("internal void Clear()");
        _w.Line("Request = default!;");
        _w.Line("Result = default!;");
        foreach (var field in _flow.Fields)
        {
            _w.Line($"{field.FieldName} = default!;");
            if (_flagged.Contains("state." + field.FieldName)) _w.Line($"{field.FieldName}{BusChecks.WrittenSuffix} = false;");
        }
        foreach (var header in _flow.Nodes.Where(n => n.Loop is { IsHeader: true }))
        {
            var name = _names[header.Node.Id];
            _w.Line($"{name}_repeat = false;");
            _w.Line($"{name}_driving = false;");
        }
        foreach (var each in _flow.Nodes.Where(n => n.Foreach is { Parallelism: <= 1 }))
            _w.Line($"{_names[each.Node.Id]}_next = 0;");
        foreach (var join in _flow.Nodes.Where(IsJoin))
        {
            var name = _names[join.Node.Id];
            _w.Line($"{name}_pending = {join.IncomingCount.ToString(CultureInfo.InvariantCulture)};");
            _w.Line($"{name}_live = 0;");
        }
        _w.Line("ClearRun();");
        _w.Close();
        _w.Close();
        _w.Line();
    }

    /// <summary>State.ForItem: a new state for one item of a parallel foreach, holding a copy of this run's bus.</summary>
    private void WriteForItem()
    {
        _w.Line("/// <summary>A state for one item of a parallel foreach (or a fire-and-forget subflow): a copy of this run's bus, the run's options and trace, and a token of its own.</summary>");
        _w.Open("internal State ForItem(global::System.Threading.CancellationToken cancellationToken, bool detached = false)");
        _w.Line("var item = new State(Request) { Result = Result };");
        foreach (var field in _flow.Fields)
        {
            _w.Line($"item.{field.FieldName} = {field.FieldName};");
            if (_flagged.Contains("state." + field.FieldName)) _w.Line($"item.{field.FieldName}{BusChecks.WrittenSuffix} = {field.FieldName}{BusChecks.WrittenSuffix};");
        }
        _w.Line("item.BeginItemOf(this, cancellationToken, detached);");
        _w.Line("return item;");
        _w.Close();
        _w.Line();
    }

    /// <summary>The parameters that seed a run's bus: <c>vars</c> for [Flow(Vars = ...)], <c>states</c> for [Flow(States = ...)].</summary>
    private List<(string Type, string ParameterName)> SeedParameters()
    {
        var seeds = new List<(string Type, string ParameterName)>();
        if (Class.VarsType is { } vars) seeds.Add((vars, "vars"));
        if (Class.StatesType is { } states) seeds.Add((states, "states"));
        return seeds;
    }

    /// <summary>State.Seed: copies each property of the caller's seed objects to its bus field, before the run starts.</summary>
    private void WriteSeed()
    {
        var seeds = SeedParameters();
        if (seeds.Count == 0) return;
        _w.Line("/// <summary>Writes the caller's values to the bus: each property of a seed object to its var or sta value.</summary>");
        _w.Open($"internal void Seed({string.Join(", ", seeds.Select(p => $"{p.Type}? {p.ParameterName}"))})");
        foreach (var (type, name) in seeds)
        {
            var scope = name == "vars" ? "var" : "sta";
            var fields = _flow.Fields.Where(f => f.Scope == scope && f.SeedProperty is not null).ToList();
            if (fields.Count == 0) continue;
            _w.Open($"if ({name} is {{ }} {scope}Seed)");
            foreach (var field in fields)
                _w.Line($"{field.FieldName} = {scope}Seed.{MemberName(field.SeedProperty!)};");
            _w.Close();
        }
        _w.Close();
        _w.Line();
    }

    /// <summary>A C# member name as written in source: a reserved keyword gets its '@'.</summary>
    private static string MemberName(string name)
        => Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;
}
