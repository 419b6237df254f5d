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
    private readonly Dictionary<string, int> _scopeIndexes = new(StringComparer.Ordinal);
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
    private static bool IsJoin(BoundNode node) => (GraphIndex.IsGateway(node.Node) || node.Node.Kind == NodeKind.ServiceTask) && node.IncomingCount > 1;

    private static bool IsSubprocess(FlowNode node) => node.Kind is NodeKind.SubProcess or NodeKind.CallActivity;

    /// <summary>The managed scope (timeout or strict-mode=false) a node runs in, or -1.</summary>
    private int ScopeOf(FlowNode node)
    {
        for (var entry = node.Scope; entry is not null; entry = _nodes[entry].Node.Scope)
        {
            if (_scopeIndexes.TryGetValue(entry, out var scope)) return scope;
        }
        return -1;
    }

    /// <summary>The scope ids an interceptor may name for a node: the flow id, then the subprocess ids around it.</summary>
    private string InterceptionScopes(BoundNode bound)
    {
        if (bound.Call is null && !IsSubprocess(bound.Node)) return "null";
        var ids = new List<string>();
        if (IsSubprocess(bound.Node)) ids.Add(SubprocessId(bound.Node));
        for (var entry = bound.Node.Scope; entry is not null; entry = _nodes[entry].Node.Scope) ids.Add(SubprocessId(_nodes[entry].Node));
        ids.Add(_flow.Flow.FlowId);
        ids.Reverse();
        return $"new[] {{ {string.Join(", ", ids.Select(CSharpText.StringLiteral))} }}";
    }

    /// <summary>A subprocess node's subprocess id: what a call activity calls, or an embedded subProcess's own id.</summary>
    private static string SubprocessId(FlowNode node)
        => node.Kind == NodeKind.CallActivity ? node.GetProperty("called-element") ?? node.Id : node.Id.Substring(node.Id.LastIndexOf('/') + 1);

    /// <summary>The outermost subprocess node around a node, or the node itself: where a resumed run re-enters.</summary>
    private string OutermostSubprocess(FlowNode node)
    {
        var id = node.Id;
        for (var entry = node.Scope; entry is not null; entry = _nodes[entry].Node.Scope) id = entry;
        return id;
    }

    /// <summary>The run's token, or the token of the subprocess scope the node runs in.</summary>
    private string TokenFor(FlowNode node) => ScopeOf(node) is var scope and >= 0
        ? $"state.ScopeToken({scope.ToString(CultureInfo.InvariantCulture)})"
        : "state.CancellationToken";

    /// <summary>
    /// A subprocess node runs the subprocess's body and waits for all of its branches (the body's end events end
    /// them), then the caller goes on from the subprocess's end. A timeout or strict-mode=false gives the body a scope.
    /// </summary>
    private void WriteSubprocess(BoundNode bound, string index)
    {
        var exit = bound.Node.Id + Binding.SubprocessExpander.ExitSuffix;
        var name = _names[bound.Node.Id];
        WriteIntercepted(index, $"static async (flow, state) => {{ await flow.Body_{name}(state).ConfigureAwait(false); return state.Error is null; }}",
            $"await Body_{name}(state).ConfigureAwait(false);", guard: "if (state.Error is not null) return;");
        _w.Line($"await {RunName(exit)}(state).ConfigureAwait(false);");
    }

    /// <summary>
    /// Calls a node's body directly, or inside the interceptors registered for it (one null check when there
    /// are none).
    /// </summary>
    private void WriteIntercepted(string index, string intercepted, string direct, string guard)
    {
        _w.Open($"if (_interceptors?.For({index}) is {{ }} interceptors)");
        _w.Line($"if (!await interceptors.RunAsync(this, state, {index}, {intercepted}).ConfigureAwait(false)) return;");
        _w.Close();
        _w.Open("else");
        _w.Line(direct);
        if (guard.Length > 0) _w.Line(guard);
        _w.Close();
    }

    /// <summary>The body of a subprocess node: its scope (timeout, strict-mode=false) and its branches.</summary>
    private void WriteSubprocessBody(BoundNode bound, string index)
    {
        OpenAsyncMethod($"Body_{_names[bound.Node.Id]}(State state)");
        if (_scopeIndexes.TryGetValue(bound.Node.Id, out var scope))
        {
            var s = scope.ToString(CultureInfo.InvariantCulture);
            _w.Line($"// {(SettingsChecks.IsFalse(bound.Node.GetProperty("strict-mode")) ? "strict-mode=false: a failure inside ends the subprocess only" : "the subprocess runs in a scope")}" +
                (SettingsChecks.TryMilliseconds(bound.Node.GetProperty("timeout"), out var ms) && ms > 0 ? $"; it may take {ms.ToString(CultureInfo.InvariantCulture)} ms" : "") + ".");
            _w.Line($"var started = state.TaskStarting({index});");
            _w.Line($"state.EnterScope({s});");
            WriteOutgoing(bound, index);
            _w.Line($"state.ExitScope({s}, started);");
        }
        else
        {
            WriteOutgoing(bound, index);
        }
        _w.Close();
        _w.Line();
    }

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
        WriteConstructor();
        WriteNodeTable();
        WriteState();
        WriteEntryPoints();
        if (_flow.RequestSchema is { } schema) RequestValidatorEmitter.Write(_w, schema);
        WriteHttpRequests();
        if (_flow.Durable is { } durable) WriteDurable(durable);
        _w.Line($"// ---- The nodes of {CSharpText.Comment(_flow.Flow.FileName)}, one method per state. ----");
        _w.Line("// A node whose work finishes synchronously returns the next node's call; one that awaits is an async method.");
        foreach (var node in _flow.Nodes)
        {
            _w.Line();
            WriteNode(node);
        }
        _w.Close();
        if (Class.Namespace is not null) _w.Close();
        return _w.ToString();
    }

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
        _w.Line("private static readonly global::FlowGen.FlowDescriptor s_flow = new(");
        _w.Line("    FlowId,");
        _w.Line("    version: FlowVersion,");
        _w.Line($"    nodeIds: new[] {{ {string.Join(", ", _flow.Nodes.Select(n => CSharpText.StringLiteral(n.Node.Id)))} }},");
        _w.Line($"    nodeNames: new string?[] {{ {string.Join(", ", _flow.Nodes.Select(n => CSharpText.StringLiteral(n.Node.Name is null ? null : Model.FlowNode.OneLine(n.Node.Name))))} }},");
        _w.Line($"    cancelsBranches: {(cancelsBranches ? "true" : "false")},");
        _w.Line($"    defaultTimeout: {flowTimeout},");
        var inv = CultureInfo.InvariantCulture;
        var settings = new List<string> { $"loopLimit: {loopLimit}" };
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
        static bool Takes(BoundCall? call) => call is not null && call.Arguments.Any(a => a is "state.CancellationToken" or "state");
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
            _w.Line($"/// <summary>{field.Scope}.{CSharpText.XmlDoc(field.BusName)}, written by {CSharpText.XmlDoc(string.Join(", ", writers))}.</summary>");
            _w.Line($"public {field.Type}{(field.IsValueType ? "" : "?")} {field.FieldName};");
        }
        foreach (var header in _flow.Nodes.Where(n => n.Loop is { IsHeader: true }))
        {
            var name = _names[header.Node.Id];
            _w.Line();
            _w.Line($"// Loop at {CSharpText.Comment(header.Node.Id)}: another round asked for, and whether its driver is running.");
            _w.Line($"internal bool {name}_repeat;");
            _w.Line($"internal bool {name}_driving;");
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
        _w.Line("/// <summary>The node that failed, where <see cref=\"ResumeAsync\"/> continues, or null.</summary>");
        _w.Line("public Node? FailedAt => FailedNodeIndex < 0 ? null : (Node)FailedNodeIndex;");
        _w.Line();
        _w.Line("/// <summary>Clears a finished run (request, bus, join counters) so that this state can hold the next one.</summary>");
        _w.Open("internal void Clear()");
        _w.Line("Request = default!;");
        _w.Line("Result = default!;");
        foreach (var field in _flow.Fields)
            _w.Line($"{field.FieldName} = default!;");
        foreach (var header in _flow.Nodes.Where(n => n.Loop is { IsHeader: true }))
        {
            var name = _names[header.Node.Id];
            _w.Line($"{name}_repeat = false;");
            _w.Line($"{name}_driving = false;");
        }
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

    private void WriteEntryPoints()
    {
        var result = $"global::FlowGen.FlowResult<{Class.ResultType}>";
        var start = _flow.Nodes.First(n => n.Node.Id == _flow.Flow.FlowId);
        var startNode = $"Node.{_names[start.Node.Id]}";
        _w.Line("// A finished, cleared state per thread for the next RunAsync(request) on that thread: a run that finishes");
        _w.Line("// synchronously allocates nothing, and one that finished on another thread leaves its state there.");
        _w.Line("[global::System.ThreadStatic] private static State? t_spare;");
        _w.Line();
        _w.Line("/// <inheritdoc />");
        _w.Open($"public {Vt}<{result}> RunAsync({Class.RequestType} request, global::FlowGen.FlowRunOptions? options = null, global::System.Threading.CancellationToken cancellationToken = default)");
        _w.Line("var state = t_spare;");
        _w.Open("if (state is null)");
        _w.Line("state = new State(request);");
        _w.Close();
        _w.Open("else");
        _w.Line("t_spare = null;");
        _w.Line("state.Request = request;");
        _w.Close();
        _w.Line($"return RunFromAsync(state, {startNode}, options, cancellationToken, recycle: true);");
        _w.Close();
        _w.Line();
        _w.Line("/// <summary>Runs the flow with a state made by the caller (to keep it for <see cref=\"ResumeAsync\"/>).</summary>");
        _w.Line($"public {Vt}<{result}> RunAsync(State state, global::FlowGen.FlowRunOptions? options = null, global::System.Threading.CancellationToken cancellationToken = default)");
        _w.Line($"    => RunFromAsync(state, {startNode}, options, cancellationToken, recycle: false);");
        _w.Line();
        _w.Line("/// <summary>");
        _w.Line("/// Continues a failed run where it stopped (the failed node and the branches the failure stopped), with the");
        _w.Line("/// bus values and join counts it had: tasks that completed are not run again.");
        _w.Line("/// </summary>");
        _w.Open($"public {Vt}<{result}> ResumeAsync(State state, global::FlowGen.FlowRunOptions? options = null, global::System.Threading.CancellationToken cancellationToken = default)");
        _w.Line("var caller = global::FlowGen.FlowTelemetry.CallerSpan();");
        _w.Line($"if (state.BeginRun(global::FlowGen.FlowRunOptions.Combine(options, _defaultOptions), cancellationToken, resume: true) is {{ }} refused) return new({result}.Failure(refused));");
        _w.Line("var resumed = ResumeFromAsync(state);");
        _w.Line("// The run's span is current inside the run only: the caller gets its own back.");
        _w.Line("global::FlowGen.FlowTelemetry.ReturnSpan(caller);");
        _w.Line("return resumed;");
        _w.Close();
        _w.Line();
        _w.Line("// recycle: the state is the flow's own (RunAsync(request)), to be cleared and kept for a next run once this one ended.");
        _w.Open($"private {Vt}<{result}> RunFromAsync(State state, Node start, global::FlowGen.FlowRunOptions? options, global::System.Threading.CancellationToken cancellationToken, bool recycle)");
        _w.Line("var caller = global::FlowGen.FlowTelemetry.CallerSpan();");
        _w.Line($"if (state.BeginRun(global::FlowGen.FlowRunOptions.Combine(options, _defaultOptions), cancellationToken, resume: false) is {{ }} refused) return new({result}.Failure(refused));");
        _w.Line("var running = Enter(state, start);");
        _w.Open("if (!running.IsCompletedSuccessfully)");
        _w.Line("// Not finished: the run goes on with its span current; the caller gets its own back (the run's span would");
        _w.Line("// otherwise stay current in the caller's code after the run ends on another thread).");
        _w.Line("global::FlowGen.FlowTelemetry.ReturnSpan(caller);");
        _w.Line("return FinishAsync(state, running, recycle);");
        _w.Close();
        _w.Line("running.GetAwaiter().GetResult();");
        _w.Line("return new(End(state, recycle));");
        _w.Close();
        _w.Line();
        _w.Open($"private static async {Vt}<{result}> FinishAsync(State state, {Vt} running, bool recycle)");
        _w.Line("await running.ConfigureAwait(false);");
        _w.Line("return End(state, recycle);");
        _w.Close();
        _w.Line();
        _w.Open($"private static {result} End(State state, bool recycle)");
        _w.Line("var result = state.EndRun(state.Result);");
        _w.Open("if (recycle && t_spare is null)");
        _w.Line("// Finished: nothing holds the state any more (the result and trace are objects of their own).");
        _w.Line("state.Clear();");
        _w.Line("t_spare = state;");
        _w.Close();
        _w.Line("return result;");
        _w.Close();
        _w.Line();
        _w.Open($"private async {Vt}<{result}> ResumeFromAsync(State state)");
        _w.Line("var nodes = state.TakeResumeNodes();");
        _w.Line($"var running = new {Vt}[nodes.Length];");
        _w.Line("for (var i = 0; i < nodes.Length; i++) running[i] = Enter(state, (Node)nodes[i]);");
        _w.Line("foreach (var branch in running) await branch.ConfigureAwait(false);");
        _w.Line("return state.EndRun(state.Result);");
        _w.Close();
        _w.Line();
        _w.Line("/// <summary>Enters a state: the dispatch that restores a run at any node.</summary>");
        _w.Line($"private {Vt} Enter(State state, Node node) => node switch");
        _w.Line("{");
        foreach (var node in _flow.Nodes)
            _w.Line(node.Loop is { IsHeader: true }
                ? $"    Node.{_names[node.Node.Id]} => Loop_{_names[node.Node.Id]}(state, again: false),"
                : $"    Node.{_names[node.Node.Id]} => {RunName(node.Node.Id)}(state),");
        _w.Line("    _ => throw new global::System.ArgumentOutOfRangeException(nameof(node)),");
        _w.Line("};");
        _w.Line();
    }

    /// <summary>Opens an async node method: one that awaits within its body.</summary>
    private void OpenAsyncMethod(string signature, bool returnsBool = false)
        => _w.Open($"private async {Vt}{(returnsBool ? "<bool>" : "")} {signature}");

    private string RunName(string id) => "Run_" + _names[id];

    private string SkipName(string id) => "Skip_" + _names[id];

    private string ArriveName(string id) => "Arrive_" + _names[id];

    private void WriteNode(BoundNode bound)
    {
        var node = bound.Node;
        var name = _names[node.Id];
        var index = $"(int)Node.{name}";
        var loc = $"{CSharpText.Comment(_flow.Flow.FileName)} line {(node.Location.StartLine + 1).ToString(CultureInfo.InvariantCulture)}";
        _w.Line($"// {CSharpText.Comment(node.Describe())}, {loc}{(bound.Call is { } c ? ": " + CSharpText.Comment(c.ComponentName + "/" + c.TaskName) : "")}");
        if (_flow.Durable?.Waits.FirstOrDefault(w => w.NodeId == node.Id) is { } wait)
        {
            WriteWait(wait, index);
            WriteSkip(bound);
            return;
        }

        if (IsJoin(bound)) WriteArrive(bound, index);
        if (bound.Loop is { IsHeader: true }) WriteLoopDriver(bound, index);
        WritePolicyMembers(bound);

        if (node.Kind == NodeKind.EndEvent || (bound.Call is null && bound.Outgoing.Count == 0))
        {
            _w.Line($"private {Vt} {RunName(node.Id)}(State state)");
            _w.Line("{");
            if (node.Kind == NodeKind.EndEvent && node.GetProperty("error-code") is { } code)
            {
                // An error end: reaching it ends the run with this error (BPMN error end event, fail("code")).
                var message = node.GetProperty("error-message") ?? $"the flow ended at {node.Describe()}";
                _w.Line($"    if (state.CanRun({index})) state.Fail({index}, {CSharpText.StringLiteral(code)}, {CSharpText.StringLiteral(message)});");
            }
            else
            {
                // An end event: the branch is done.
                _w.Line($"    state.CanRun({index});");
            }
            _w.Line("    return default;");
            _w.Line("}");
            return;
        }

        if (bound.Call is { } taskCall)
        {
            // The call itself, apart from the routing, so that interceptors can wrap it. A synchronous method
            // gets a synchronous wrapper: no state machine.
            if (IsSyncCall(bound)) _w.Open($"private bool Task_{name}(State state)");
            else if (GoesOnItself(bound))
            {
                // andThen: the task goes on to the next node itself, so that a branch waiting on it keeps one
                // state machine, not two (false inside interceptors, which go on after their own hooks).
                OpenAsyncMethod($"Task_{name}(State state, bool andThen)", returnsBool: true);
            }
            else OpenAsyncMethod($"Task_{name}(State state)", returnsBool: true);
            WriteCall(bound, taskCall, index);
            if (GoesOnItself(bound)) _w.Line($"if (andThen) await {Go(bound.Outgoing[0], "true", OpenAsync(bound))}.ConfigureAwait(false);");
            _w.Line("return true;");
            _w.Close();
            _w.Line();
        }
        if (IsSubprocess(node)) WriteSubprocessBody(bound, index);

        if (CanTail(bound))
        {
            WriteTailNode(bound, index);
        }
        else
        {
            WriteAsyncNode(bound, index);
        }

        WriteSkip(bound);
    }

    /// <summary>For a node a run may not take, with a join after it: the method that tells the joins it was not taken.</summary>
    private void WriteSkip(BoundNode bound)
    {
        var node = bound.Node;
        if (_skippable.Contains(node.Id) && LeadsToJoin(node.Id))
        {
            _w.Line();
            _w.Line($"// {CSharpText.Comment(node.Id)} is not taken on this run: tell the joins after it.");
            var skips = IsSubprocess(bound.Node)
                ? new List<string> { Skip(bound.Node.Id + Binding.SubprocessExpander.ExitSuffix) }.Where(s => s != "default").ToList()
                : bound.Loop is { } loop
                ? new List<string> { Skip(loop.ExitTargetId) }.Where(s => s != "default").ToList()
                : bound.Outgoing.Where(b => !b.IsBackEdge).Select(b => Skip(b.Edge.TargetId)).Where(s => s != "default").ToList();
            if (skips.Count <= 1)
            {
                _w.Line($"private {Vt} {SkipName(node.Id)}(State state) => {(skips.Count == 0 ? "default" : skips[0])};");
            }
            else
            {
                OpenAsyncMethod($"{SkipName(node.Id)}(State state)");
                foreach (var skip in skips)
                    _w.Line($"await {skip}.ConfigureAwait(false);");
                _w.Close();
            }
        }
    }

    /// <summary>A node that awaits within its body: a fork, a subprocess, a choice that tells joins about skipped branches.</summary>
    private void WriteAsyncNode(BoundNode bound, string index)
    {
        var node = bound.Node;
        var name = _names[node.Id];
        OpenAsyncMethod($"{RunName(node.Id)}(State state)");
        _w.Line($"if (!state.CanRun({index})) return;");
        WriteValidation(bound, index);
        if (bound.Call is not null)
        {
            WriteIntercepted(index, TaskLambda(bound), IsSyncCall(bound) ? $"if (!Task_{name}(state)) return;" : $"if (!await Task_{name}(state).ConfigureAwait(false)) return;", guard: "");
        }
        else if (bound.IsSkipped)
        {
            _w.Line("// allow-absent=true and no method has this task: the node is passed through.");
        }
        if (node.Kind is NodeKind.SubProcess or NodeKind.CallActivity)
            WriteSubprocess(bound, index);
        else
            WriteOutgoing(bound, index);
        _w.Close();
    }

    /// <summary>The validation of the request, at the flow's start.</summary>
    private void WriteValidation(BoundNode bound, string index)
    {
        if (bound.Node.Id != _flow.Flow.FlowId || _flow.RequestSchema is null) return;
        _w.Open($"if ({RequestValidatorEmitter.MethodName}(state) is {{ }} invalid)");
        _w.Line($"state.FailValidation({index}, invalid);");
        _w.Line(Return);
        _w.Close();
    }

    /// <summary>
    /// True when a node's method can end by returning the next node's call instead of awaiting it: its own work
    /// is synchronous (or a single step followed by one flow), so a run of such nodes has no async state machine.
    /// </summary>
    private bool CanTail(BoundNode bound)
    {
        if (IsSubprocess(bound.Node)) return false;
        var single = bound.Outgoing.Count == 1 && bound.Node.Kind != NodeKind.ExclusiveGateway
            && bound.Outgoing[0].ConditionCode is null && (bound.Node.Kind == NodeKind.ParallelGateway || !bound.Outgoing[0].Edge.IsDefault);
        if (bound.Call is not null) return single;
        if (bound.Node.Kind == NodeKind.ExclusiveGateway) return !ExclusiveNeedsSkips(bound);
        return bound.Outgoing.Count > 0; // a pass-through, or a fork that starts its branches and returns them together
    }

    /// <summary>A task whose method and fallback are synchronous, with no iteration and no Polly pipeline.</summary>
    private static bool IsSyncCall(BoundNode bound)
        => bound.Call is { } call && IsSync(call) && bound.Iteration is null && bound.Policy is not { NeedsPipeline: true }
           && (bound.Fallback is null || IsSync(bound.Fallback));

    private static bool IsSync(BoundCall call) => call.ReturnKind is ReturnKind.Value or ReturnKind.Void;

    /// <summary>The task as interceptors call it: a lambda returning the task's success.</summary>
    private string TaskLambda(BoundNode bound)
    {
        var name = _names[bound.Node.Id];
        return IsSyncCall(bound)
            ? $"static (flow, state) => new {Vt}<bool>(flow.Task_{name}(state))"
            : GoesOnItself(bound)
            ? $"static (flow, state) => flow.Task_{name}(state, andThen: false)"
            : $"static (flow, state) => flow.Task_{name}(state)";
    }

    /// <summary>An async task with one flow out, written as a tail node: its Task_ method goes on to the next node.</summary>
    private bool GoesOnItself(BoundNode bound) => bound.Call is not null && !IsSyncCall(bound) && CanTail(bound);

    /// <summary>A node whose work is synchronous, or one step then one flow: it returns the next node's call.</summary>
    private void WriteTailNode(BoundNode bound, string index)
    {
        var node = bound.Node;
        var name = _names[node.Id];
        _tail = true;
        _w.Open($"private {Vt} {RunName(node.Id)}(State state)");
        _w.Line($"if (!state.CanRun({index})) return default;");
        WriteValidation(bound, index);
        if (bound.IsSkipped) _w.Line("// allow-absent=true and no method has this task: the node is passed through.");
        if (node.Kind == NodeKind.ExclusiveGateway)
        {
            WriteExclusive(bound, index);
        }
        else if (bound.Call is not null)
        {
            // Inside interceptors, the next node runs once they report success: at once when they finished synchronously.
            var next = Go(bound.Outgoing[0], "true", OpenAsync(bound));
            // The same call from the static continuation, made on its flow parameter (Go writes it unqualified).
            var then = OpenAsync(bound) ? Offload($"flow.{Go(bound.Outgoing[0], "true", false)}") : $"flow.{next}";
            _w.Open($"if (_interceptors?.For({index}) is {{ }} interceptors)");
            _w.Line($"var intercepted = interceptors.RunAsync(this, state, {index}, {TaskLambda(bound)});");
            _w.Line($"return global::FlowGen.FlowSteps.Then(intercepted, this, state, static (flow, state) => {then});");
            _w.Close();
            if (IsSyncCall(bound))
            {
                _w.Line($"if (!Task_{name}(state)) return default;");
                _w.Line($"return {next};");
            }
            else
            {
                _w.Line($"return global::FlowGen.FlowSteps.Done(Task_{name}(state, andThen: true));");
            }
        }
        else
        {
            WriteOutgoing(bound, index);
        }
        _w.Close();
        _tail = false;
    }

    /// <summary>
    /// A loop's first node is entered through a driver: a flow back to it asks for another round instead of
    /// calling it again, so a long loop does not deepen the stack. Every round counts against the loop limit.
    /// </summary>
    private void WriteLoopDriver(BoundNode header, string index)
    {
        var name = _names[header.Node.Id];
        OpenAsyncMethod($"Loop_{name}(State state, bool again)");
        _w.Line($"state.{name}_driving = true;");
        _w.Open("try");
        _w.Line($"if (!again) await {RunName(header.Node.Id)}(state).ConfigureAwait(false);");
        _w.Open($"while (state.{name}_repeat)");
        _w.Line($"state.{name}_repeat = false;");
        _w.Line($"if (!state.LoopIteration({index})) return;");
        _w.Line($"await {RunName(header.Node.Id)}(state).ConfigureAwait(false);");
        _w.Close();
        _w.Close();
        _w.Open("finally");
        _w.Line($"state.{name}_driving = false;");
        _w.Close();
        _w.Close();
        _w.Line();
        _w.Line($"// A flow back to {CSharpText.Comment(header.Node.Id)}: one more round (started here when resuming inside the loop).");
        _w.Open($"private {Vt} Repeat_{name}(State state)");
        _w.Line($"state.{name}_repeat = true;");
        _w.Line($"return state.{name}_driving ? default : Loop_{name}(state, again: true);");
        _w.Close();
        _w.Line();
    }

    private void WriteArrive(BoundNode join, string index)
    {
        var name = _names[join.Node.Id];
        _w.Open($"private {Vt} {ArriveName(join.Node.Id)}(State state, bool live)");
        _w.Line($"if (live) global::System.Threading.Interlocked.Increment(ref state.{name}_live);");
        if (join.Node.Kind is not (NodeKind.ParallelGateway or NodeKind.InclusiveGateway))
        {
            _w.Line("// A merge passes every live branch on; it is skipped only when every branch was.");
            _w.Line($"var remaining = global::System.Threading.Interlocked.Decrement(ref state.{name}_pending);");
            _w.Line($"if (live) return {RunName(join.Node.Id)}(state);");
            _w.Line($"return remaining == 0 && global::System.Threading.Volatile.Read(ref state.{name}_live) == 0 ? {SkipOrDefault(join.Node.Id)} : default;");
            _w.Close();
            _w.Line();
            return;
        }
        _w.Line($"if (global::System.Threading.Interlocked.Decrement(ref state.{name}_pending) != 0) return default;");
        _w.Line($"var arrived = global::System.Threading.Volatile.Read(ref state.{name}_live);");
        _w.Line($"if (arrived == 0) return {SkipOrDefault(join.Node.Id)};");
        var strict = join.Node.Kind == NodeKind.ParallelGateway && !SettingsChecks.IsFalse(join.Node.GetProperty("strict-mode"));
        if (strict)
        {
            _w.Open($"if (arrived != {join.IncomingCount.ToString(CultureInfo.InvariantCulture)})");
            _w.Line($"state.Fail({index}, global::FlowGen.FlowErrorCodes.JoinIncomplete, \"the parallel join was reached by \" + arrived + \" of {join.IncomingCount.ToString(CultureInfo.InvariantCulture)} branches (set strict-mode=false to continue with the branches that ran)\");");
            _w.Line("return default;");
            _w.Close();
        }
        _w.Line($"return {RunName(join.Node.Id)}(state);");
        _w.Close();
        _w.Line();
    }

    private void WriteCall(BoundNode bound, BoundCall call, string index)
    {
        _w.Line($"var started = state.TaskStarting({index});");
        var policy = bound.Policy;
        if (policy is null && bound.Fallback is null)
        {
            // No policy: a plain call, paying nothing for the feature.
            _w.Open("try");
            WriteCallBody(bound, call);
            _w.Close();
            _w.Open("catch (global::System.Exception exception)");
            _w.Line($"state.TaskFailed({index}, started, exception);");
            _w.Line("return false;");
            _w.Close();
            WriteDetails(call, index);
            _w.Line($"state.TaskCompleted({index}, started);");
            return;
        }

        var name = _names[bound.Node.Id];
        _w.Line("global::System.Exception? failure = null;");
        if (bound.Fallback is not null) _w.Line("var byFallback = false;");
        _w.Open("try");
        if (policy is { NeedsPipeline: true })
        {
            // Timeout per attempt, retries around the attempts: the pipeline is built once, in s_policy_<node>.
            var execute = $"s_policy_{name}.ExecuteAsync(static (run, cancellationToken) => run.Flow.Call_{name}(run.State, cancellationToken), (Flow: this, State: state), {TokenFor(bound.Node)})";
            WriteInvocation(call, execute, awaitAlways: true);
        }
        else
        {
            WriteCallBody(bound, call);
        }
        _w.Close();
        _w.Open("catch (global::System.Exception exception)");
        _w.Line("failure = exception;");
        _w.Close();
        if (bound.Fallback is { } fallback)
        {
            _w.Open("if (failure is not null && !state.IsRunCancellation(failure))");
            _w.Line($"// task-demotion: {CSharpText.Comment(fallback.ComponentName)}/{CSharpText.Comment(fallback.TaskName)} stands in, its value written where the task's would have been.");
            _w.Open("try");
            WriteInvocation(fallback, Invocation(fallback, TokenFor(bound.Node)));
            _w.Line("failure = null;");
            _w.Line("byFallback = true;");
            _w.Close();
            _w.Open("catch (global::System.Exception exception)");
            _w.Line("failure = exception;");
            _w.Close();
            _w.Close();
        }
        _w.Open("if (failure is not null)");
        if (policy is { IgnoreFailure: true })
        {
            _w.Line("// strict-mode=false: the failure is recorded and the run goes on without this task's values.");
            _w.Line($"if (!state.TaskIgnored({index}, started, failure)) return false;");
        }
        else if (policy is { ContinueOnTimeout: true })
        {
            _w.Line("// on-timeout=continue (a timer boundary event): after a timeout the run goes on, and @timedOut says so; other failures fail it.");
            _w.Line($"if (!state.TaskTimeoutIgnored({index}, started, failure)) return false;");
        }
        else
        {
            _w.Line($"state.TaskFailed({index}, started, failure);");
            _w.Line("return false;");
        }
        _w.Close();
        _w.Open("else");
        WriteDetails(call, index);
        _w.Line(bound.Fallback is not null ? $"state.TaskCompleted({index}, started, byFallback);" : $"state.TaskCompleted({index}, started);");
        _w.Close();
    }

    /// <summary>Tracking ServiceDetail: the task's inputs from the bus and the bus values it wrote, boxed only when asked for.</summary>
    private void WriteDetails(BoundCall call, string index)
    {
        const string Pair = "global::System.Collections.Generic.KeyValuePair<string, object?>";
        var inputs = call.Arguments.Select((argument, i) => (Argument: argument, Name: i < call.ParameterNames.Count ? call.ParameterNames[i] : "arg" + i.ToString(CultureInfo.InvariantCulture)))
            .Where(a => a.Argument.StartsWith("state.", StringComparison.Ordinal) && a.Argument != "state.CancellationToken")
            .Select(a => $"new({CSharpText.StringLiteral(a.Name)}, {a.Argument})");
        var outputs = call.Assignments.Select(a => a.Target).Distinct()
            .Select(target => $"new({CSharpText.StringLiteral(BusName(target))}, {target})");
        static string Array(IEnumerable<string> items) => items.Any() ? $"new {Pair}[] {{ {string.Join(", ", items)} }}" : $"global::System.Array.Empty<{Pair}>()";
        _w.Line($"if (state.TracksDetails) state.TaskDetails({index}, {Array(inputs)}, {Array(outputs)});");
    }

    /// <summary>How traces name a bus field: sta.total, var.count, res.</summary>
    private string BusName(string target)
    {
        if (target == "state.Result") return "res";
        var field = _flow.Fields.FirstOrDefault(f => "state." + f.FieldName == target);
        return field is null ? target : field.Scope + "." + field.BusName;
    }

    /// <summary>The task's call, or for an iterated task the call per item, and the bus writes after it.</summary>
    private void WriteCallBody(BoundNode bound, BoundCall call)
    {
        if (bound.Iteration is not { } iteration)
        {
            WriteInvocation(call, Invocation(call, TokenFor(bound.Node)));
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        var perItem = Invocation(call, "cancellationToken");
        var result = call.ValueType ?? "bool";
        var lambda = call.ReturnKind switch
        {
            ReturnKind.ValueTaskOfT => $"(item, cancellationToken) => {perItem}",
            ReturnKind.TaskOfT or ReturnKind.Value => $"(item, cancellationToken) => new {Vt}<{result}>({perItem})",
            ReturnKind.Void => $"(item, cancellationToken) => {{ {perItem}; return new {Vt}<bool>(true); }}",
            _ => $"async (item, cancellationToken) => {{ await {perItem}.ConfigureAwait(false); return true; }}",
        };
        var parallelism = iteration.Parallelism switch
        {
            0 => "1",
            -1 => "state.IterationParallelism(0)",
            var n => $"state.IterationParallelism({n.ToString(inv)})",
        };
        _w.Line($"// Iterates over {CSharpText.Comment(iteration.SourceText)}: strategy {iteration.Strategy.ToLowerInvariant()}, " +
            (iteration.Parallelism == 0 ? "one item at a time." : "several items at a time (ite-async); results keep the items' order."));
        _w.Line($"var results = await global::FlowGen.FlowIteration.RunAsync<{iteration.ItemType}, {result}>(");
        _w.Line($"    state, {_indexes[bound.Node.Id].ToString(inv)}, {iteration.SourceCode}, global::FlowGen.IterationStrategy.{iteration.Strategy}, {parallelism},");
        _w.Line($"    {lambda},");
        _w.Line($"    {TokenFor(bound.Node)}).ConfigureAwait(false);");
        if (call.ValueType is null || call.Assignments.Count == 0) return;
        _w.Line(iteration.Strategy == "Any" ? "var value = results[0]; // the first item that succeeded" : "var value = results;");
        foreach (var assignment in call.Assignments)
            _w.Line($"{assignment.Target} = value;");
    }

    private string Invocation(BoundCall call, string token)
        => CallText(call, string.Join(", ", call.Arguments.Select(a => a == "state.CancellationToken" ? token : Hoisted(a))));

    /// <summary>
    /// The call; with abilities, the first one the run's role holds, else the plain method: a conditional
    /// expression, or for methods that return nothing an if/else statement (without its last semicolon).
    /// </summary>
    private static string CallText(BoundCall call, string arguments)
    {
        if (call.ReturnKind == ReturnKind.Void && call.Abilities.Count > 0)
        {
            var statement = new System.Text.StringBuilder();
            foreach (var ability in call.Abilities)
            {
                statement.Append($"if (state.HasPermission({CSharpText.StringLiteral(ability.Permission)}) || state.HasPermission({CSharpText.StringLiteral(ability.ComponentPermission)})) ")
                    .Append($"{call.Receiver}.{ability.MethodName}({arguments}); else ");
            }
            return statement.Append($"{call.Receiver}.{call.MethodName}({arguments})").ToString();
        }
        var text = $"{call.Receiver}.{call.MethodName}({arguments})";
        for (var i = call.Abilities.Count - 1; i >= 0; i--)
        {
            var ability = call.Abilities[i];
            text = $"state.HasPermission({CSharpText.StringLiteral(ability.Permission)}) || state.HasPermission({CSharpText.StringLiteral(ability.ComponentPermission)})"
                + $" ? {call.Receiver}.{ability.MethodName}({arguments}) : {text}";
        }
        return call.Abilities.Count == 0 ? text : "(" + text + ")";
    }

    private string Hoisted(string argument) => _hoisted.TryGetValue(argument, out var field) ? field : argument;

    /// <summary>Each HTTP task's request, as its flow file declares it: built once per flow class.</summary>
    private void WriteHttpRequests()
    {
        foreach (var node in _flow.Nodes)
        {
            if (node.Call is not { FirstArgumentIsConstant: true } call) continue;
            var field = "s_http_" + _names[node.Node.Id];
            _hoisted[call.Arguments[0]] = field;
            _w.Line($"// HTTP task {CSharpText.Comment(node.Node.Id)}: {CSharpText.Comment(node.Node.GetProperty("http-method") ?? "GET")} {CSharpText.Comment(node.Node.GetProperty("http-url") ?? "")}");
            _w.Line($"private static readonly global::FlowGen.FlowHttpSpec {field} = {call.Arguments[0]};");
            _w.Line();
        }
    }

    /// <summary>Calls the method (awaiting it when it is async) and writes its value to the bus.</summary>
    private void WriteInvocation(BoundCall call, string invocation, bool awaitAlways = false)
    {
        var hasValue = call.ReturnKind is ReturnKind.Value or ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT;
        var awaited = awaitAlways || call.ReturnKind is ReturnKind.Task or ReturnKind.TaskOfT or ReturnKind.ValueTask or ReturnKind.ValueTaskOfT;
        var expression = awaited ? $"await {invocation}.ConfigureAwait(false)" : invocation;
        var usesValue = hasValue && call.Assignments.Count > 0;
        _w.Line(usesValue ? $"var value = {expression};" : $"{expression};");
        if (usesValue && call.Assignments.Any(a => a.Property is not null) && call.ValueType is { } valueType && !IsValueType(valueType))
        {
            _w.Line("if (value is null) throw new global::System.InvalidOperationException(" +
                CSharpText.StringLiteral($"{call.MethodName} returned null, so the bus values it writes from the result's properties cannot be read.") + ");");
        }
        foreach (var assignment in call.Assignments)
            _w.Line($"{assignment.Target} = value{(assignment.Property is null ? "" : "." + assignment.Property)};");
    }

    /// <summary>The pipeline and the call it wraps, for a task with a timeout or retries.</summary>
    private void WritePolicyMembers(BoundNode bound)
    {
        if (bound.Call is not { } call || bound.Policy is not { NeedsPipeline: true } policy) return;
        var name = _names[bound.Node.Id];
        var inv = CultureInfo.InvariantCulture;
        _w.Line($"// Policy of {CSharpText.Comment(bound.Node.Id)}: " +
            (policy.TimeoutMilliseconds > 0 ? $"{policy.TimeoutMilliseconds.ToString(inv)} ms per attempt" : "no timeout") + ", " +
            (policy.Retries > 0 ? $"{policy.Retries.ToString(inv)} {(policy.Retries == 1 ? "retry" : "retries")} ({policy.Backoff.ToLowerInvariant()}, {policy.RetryDelayMilliseconds.ToString(inv)} ms)" : "no retries") + ".");
        _w.Line($"private static readonly global::Polly.ResiliencePipeline s_policy_{name} = global::FlowGen.FlowPolicies.Create({policy.TimeoutMilliseconds.ToString(inv)}, {policy.Retries.ToString(inv)}, {policy.RetryDelayMilliseconds.ToString(inv)}, global::FlowGen.RetryBackoff.{policy.Backoff});");
        _w.Line();
        // The pipeline's token replaces the run's, so that a timed-out attempt is cancelled.
        var arguments = string.Join(", ", call.Arguments.Select(a => a == "state.CancellationToken" ? "cancellationToken" : Hoisted(a)));
        var invocation = CallText(call, arguments);
        var signature = $"private {Vt}{(call.ValueType is { } vt && call.ReturnKind is ReturnKind.Value or ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT ? $"<{vt}>" : "")} Call_{name}(State state, global::System.Threading.CancellationToken cancellationToken)";
        switch (call.ReturnKind)
        {
            case ReturnKind.ValueTask or ReturnKind.ValueTaskOfT:
                _w.Line($"{signature} => {invocation};");
                break;
            case ReturnKind.Task:
                _w.Line($"{signature} => new {Vt}({invocation});");
                break;
            case ReturnKind.TaskOfT or ReturnKind.Value:
                _w.Line($"{signature} => new {Vt}<{call.ValueType}>({invocation});");
                break;
            default:
                _w.Open(signature);
                _w.Line($"{invocation};");
                _w.Line("return default;");
                _w.Close();
                break;
        }
        _w.Line();
    }

    private void WriteOutgoing(BoundNode bound, string index)
    {
        var branches = bound.Outgoing;
        if (branches.Count == 0) return;
        var kind = bound.Node.Kind;
        if (kind == NodeKind.ExclusiveGateway)
        {
            WriteExclusive(bound, index);
            return;
        }

        // A parallel gateway takes every flow (its conditions and default marker are reported as ignored).
        var conditional = kind != NodeKind.ParallelGateway && branches.Any(b => b.ConditionCode is not null || b.Edge.IsDefault);
        if (branches.Count == 1 && !conditional)
        {
            var next = Go(branches[0], "true", OpenAsync(bound));
            _w.Line(_tail ? $"return {next};" : $"await {next}.ConfigureAwait(false);");
            return;
        }

        // A fork: decide every branch first, then start them all and await them together. A flow without a
        // condition is always taken: it is started as such (its target need not be skippable), and a default flow
        // beside it is never taken.
        var defaultIndex = conditional ? IndexOfDefault(branches) : -1;
        bool Always(int i) => !branches[i].Edge.IsDefault && branches[i].ConditionCode is null;
        string Take(int i) => !conditional || Always(i) ? "true"
            : i == defaultIndex && Enumerable.Range(0, branches.Count).Any(Always) ? "false"
            : $"take{i.ToString(CultureInfo.InvariantCulture)}";
        var decided = Enumerable.Range(0, branches.Count).Where(i => Take(i).StartsWith("take", StringComparison.Ordinal)).ToList();
        if (decided.Count > 0)
        {
            _w.Line("bool " + string.Join(", ", decided.Select(Take)) + ";");
            _w.Open("try");
            foreach (var i in decided)
            {
                if (i != defaultIndex) WriteConditionAssignment(Take(i), branches[i]);
            }
            if (defaultIndex >= 0 && decided.Contains(defaultIndex))
            {
                var others = string.Join(" || ", decided.Where(i => i != defaultIndex).Select(Take));
                _w.Line($"{Take(defaultIndex)} = !({(others.Length == 0 ? "false" : others)}); // default flow {CSharpText.Comment(branches[defaultIndex].Edge.Id)}");
            }
            _w.Close();
            WriteConditionCatch(index);
            if (defaultIndex < 0 && branches.All(b => b.ConditionCode is not null))
            {
                // Every flow out of this node is conditional: when none is true the run cannot go on.
                var any = string.Join(" || ", Enumerable.Range(0, branches.Count).Select(i => $"take{i.ToString(CultureInfo.InvariantCulture)}"));
                _w.Open($"if (!({any}))");
                _w.Line($"state.Fail({index}, global::FlowGen.FlowErrorCodes.NoMatchingBranch, \"no condition of the outgoing flows is true and there is no default flow\");");
                _w.Line(Return);
                _w.Close();
            }
        }

        for (var i = 0; i < branches.Count; i++)
        {
            var take = Take(i);
            _w.Line($"// branch {CSharpText.Comment(branches[i].Edge.Id)} -> {CSharpText.Comment(branches[i].Edge.TargetId)}");
            _w.Line($"var branch{i.ToString(CultureInfo.InvariantCulture)} = {Go(branches[i], take, OpenAsync(bound))};");
        }
        if (_tail)
        {
            // Done at once when every branch finished synchronously; else one continuation awaits them.
            var all = string.Join(", ", Enumerable.Range(0, branches.Count).Select(i => "branch" + i.ToString(CultureInfo.InvariantCulture)));
            _w.Line(branches.Count == 1 ? "return branch0;"
                : branches.Count <= 4 ? $"return global::FlowGen.FlowSteps.WhenAll({all});"
                : $"return global::FlowGen.FlowSteps.WhenAll(new[] {{ {all} }});");
            return;
        }
        for (var i = 0; i < branches.Count; i++)
            _w.Line($"await branch{i.ToString(CultureInfo.InvariantCulture)}.ConfigureAwait(false);");
    }

    private void WriteExclusive(BoundNode bound, string index)
    {
        var branches = bound.Outgoing;
        if (branches.Count == 1 && branches[0].ConditionCode is null)
        {
            _w.Line(_tail ? $"return {Go(branches[0], "true", false)};" : $"await {Go(branches[0], "true", false)}.ConfigureAwait(false);");
            return;
        }

        // Conditions in Kstry order (O1:, O2: ...) where given, else document order; the default flow last.
        var order = Enumerable.Range(0, branches.Count)
            .Where(i => !branches[i].Edge.IsDefault)
            .OrderBy(i => branches[i].Edge.Condition?.Parsed.Order ?? int.MaxValue)
            .ThenBy(i => i)
            .ToList();
        // The first flow without a condition is taken when no condition before it is true: it ends the chain as its
        // else, and the flows after it (FG0208) and the default flow are never taken.
        var cut = order.FindIndex(i => IsAlways(branches[i]));
        var always = cut >= 0 ? order[cut] : -1;
        if (cut >= 0) order.RemoveRange(cut, order.Count - cut);
        var defaultIndex = IndexOfDefault(branches);
        _w.Line("int chosen;");
        _w.Open("try");
        var first = true;
        foreach (var i in order)
        {
            var branch = branches[i];
            _w.Line($"// {CSharpText.Comment(branch.Edge.Id)}: {CSharpText.Comment(branch.Edge.Condition!.Text)}");
            WriteLineMapped(branch, $"{(first ? "" : "else ")}if ({branch.ConditionCode}) chosen = {i.ToString(CultureInfo.InvariantCulture)};");
            first = false;
        }
        var fallback = always >= 0 ? $"chosen = {always.ToString(CultureInfo.InvariantCulture)}; // {CSharpText.Comment(branches[always].Edge.Id)}: no condition"
            : defaultIndex >= 0 ? $"chosen = {defaultIndex.ToString(CultureInfo.InvariantCulture)}; // default flow {CSharpText.Comment(branches[defaultIndex].Edge.Id)}"
            : "chosen = -1;";
        _w.Line(first ? fallback : "else " + fallback);
        _w.Close();
        WriteConditionCatch(index);
        if (defaultIndex < 0 && always < 0)
        {
            _w.Open("if (chosen < 0)");
            _w.Line($"state.Fail({index}, global::FlowGen.FlowErrorCodes.NoMatchingBranch, \"no condition of the exclusive gateway is true and it has no default flow\");");
            _w.Line(Return);
            _w.Close();
        }
        for (var i = 0; i < branches.Count; i++)
        {
            if (NeedsSkip(bound, i))
                _w.Line($"if (chosen != {i.ToString(CultureInfo.InvariantCulture)}) await {Go(branches[i], "false", false)}.ConfigureAwait(false);");
        }
        if (_tail)
        {
            _w.Line("return chosen switch");
            _w.Line("{");
            for (var i = 0; i < branches.Count; i++)
                _w.Line($"    {i.ToString(CultureInfo.InvariantCulture)} => {Go(branches[i], "true", false)},");
            _w.Line("    _ => default,");
            _w.Line("};");
            return;
        }
        _w.Line("switch (chosen)");
        _w.Line("{");
        for (var i = 0; i < branches.Count; i++)
        {
            _w.Line($"    case {i.ToString(CultureInfo.InvariantCulture)}: await {Go(branches[i], "true", false)}.ConfigureAwait(false); break;");
        }
        _w.Line("}");
    }

    /// <summary>
    /// True when a choice must tell the joins after its branch <paramref name="i"/> that it was not taken.
    /// Inside a loop nothing is skipped: going round again keeps the exit for later, and leaving the loop needs
    /// no news for the loop's own nodes (one token runs through a loop, without joins).
    /// </summary>
    private bool NeedsSkip(BoundNode bound, int i)
    {
        var branch = bound.Outgoing[i];
        if (bound.Loop is not null || branch.IsBackEdge) return false;
        return LeadsToJoin(branch.Edge.TargetId) || IsJoin(_nodes[branch.Edge.TargetId]);
    }

    private bool ExclusiveNeedsSkips(BoundNode bound)
    {
        for (var i = 0; i < bound.Outgoing.Count; i++)
        {
            if (NeedsSkip(bound, i)) return true;
        }
        return false;
    }

    /// <summary>A flow an exclusive gateway takes whenever it comes to it: no condition, or the literal <c>true</c>.</summary>
    private static bool IsAlways(BoundBranch branch)
        => !branch.Edge.IsDefault && (branch.ConditionCode is null || branch.Edge.Condition is { } c && GraphIndex.IsLiteralTrue(c));

    /// <summary>A fork's decision for one conditional flow (a flow without a condition needs none: it is always taken).</summary>
    private void WriteConditionAssignment(string variable, BoundBranch branch)
    {
        _w.Line($"// {CSharpText.Comment(branch.Edge.Id)}: {CSharpText.Comment(branch.Edge.Condition!.Text)}");
        WriteLineMapped(branch, $"{variable} = {branch.ConditionCode};");
    }

    /// <summary>Writes a line whose code comes from a flow-file condition, mapped back to that line with #line.</summary>
    private void WriteLineMapped(BoundBranch branch, string line)
    {
        if (branch.Edge.Condition is { } condition)
        {
            _w.MappedLine(line, condition.Location);
        }
        else
        {
            _w.Line(line);
        }
    }

    private void WriteConditionCatch(string index)
    {
        _w.Open("catch (global::System.Exception exception)");
        _w.Line($"state.Fail({index}, global::FlowGen.FlowErrorCodes.ConditionFailed, \"a condition threw \" + exception.GetType().Name + \": \" + exception.Message, exception);");
        _w.Line(Return);
        _w.Close();
    }

    private static int IndexOfDefault(EquatableArray<BoundBranch> branches)
    {
        for (var i = 0; i < branches.Count; i++)
        {
            if (branches[i].Edge.IsDefault) return i;
        }
        return -1;
    }

    private static bool OpenAsync(BoundNode node) => GraphIndex.IsGateway(node.Node) && Checks.SettingsChecks.IsTrue(node.Node.GetProperty("open-async"));

    /// <summary>The call that moves a token (live) or a skip (not live) along a flow.</summary>
    private string Go(BoundBranch branch, string live, bool offload)
    {
        if (!branch.IsBackEdge) return Go(branch.Edge.TargetId, live, offload);
        // Back to the start of a loop: go round again (a skip never goes back).
        var repeat = $"Repeat_{_names[branch.Edge.TargetId]}(state)";
        return live switch { "true" => repeat, "false" => "default", _ => $"({live} ? {repeat} : default)" };
    }

    /// <summary>The call that moves a token (live) or a skip (not live) along a flow into its target.</summary>
    private string Go(string target, string live, bool offload)
    {
        var node = _nodes[target];
        string call;
        if (node.Loop is { IsHeader: true } && live == "true") call = $"Loop_{_names[target]}(state, again: false)";
        else if (node.Loop is { IsHeader: true } && live != "false") call = $"({live} ? Loop_{_names[target]}(state, again: false) : {Skip(target)})";
        else if (IsJoin(node)) call = $"{ArriveName(target)}(state, {live})";
        else if (live == "true") call = $"{RunName(target)}(state)";
        else if (live == "false") call = Skip(target);
        else call = LeadsToJoin(target) ? $"({live} ? {RunName(target)}(state) : {SkipName(target)}(state))" : $"({live} ? {RunName(target)}(state) : default)";
        return offload ? Offload(call) : call;
    }

    /// <summary>open-async: the branch starts on the thread pool, so CPU-bound sync tasks run in parallel too.</summary>
    private static string Offload(string call) => $"new {Vt}(global::System.Threading.Tasks.Task.Run(() => {call}.AsTask()))";

    private string Skip(string target)
    {
        var node = _nodes[target];
        if (IsJoin(node)) return $"{ArriveName(target)}(state, false)";
        return LeadsToJoin(target) ? $"{SkipName(target)}(state)" : "default";
    }

    private string SkipOrDefault(string id) => LeadsToJoin(id) ? $"{SkipName(id)}(state)" : "default";

    /// <summary>
    /// True when a join lies after this node, so skipping it must be passed on. A depth-first walk with a stack of its
    /// own, not recursion: a chain of thousands of nodes must not overflow the compiler's stack. A node counts as
    /// leading to no join while it is being walked, which ends the walk round a cycle.
    /// </summary>
    private bool LeadsToJoin(string id)
    {
        if (_leadsToJoin.TryGetValue(id, out var known)) return known;
        _leadsToJoin[id] = false;
        var stack = new Stack<(string Id, int Next)>();
        stack.Push((id, 0));
        while (stack.Count > 0)
        {
            var (current, next) = stack.Pop();
            var successors = JoinSuccessors(current);
            var result = false;
            var descended = false;
            for (var i = next; i < successors.Count; i++)
            {
                var target = successors[i];
                if (IsJoin(_nodes[target])) { result = true; break; }
                if (_leadsToJoin.TryGetValue(target, out var value))
                {
                    if (value) { result = true; break; }
                    continue;
                }
                // Walk the successor first, then look at it again from here.
                _leadsToJoin[target] = false;
                stack.Push((current, i));
                stack.Push((target, 0));
                descended = true;
                break;
            }
            if (!descended) _leadsToJoin[current] = result;
        }
        return _leadsToJoin[id];
    }

    /// <summary>Where a skip of this node goes on: a skipped loop to the loop's exit, a skipped subprocess to its end.</summary>
    private List<string> JoinSuccessors(string id)
    {
        var node = _nodes[id];
        if (node.Node.Kind == NodeKind.EndEvent) return [];
        if (IsSubprocess(node.Node)) return [node.Node.Id + Binding.SubprocessExpander.ExitSuffix];
        if (node.Loop is { } loop) return [loop.ExitTargetId];
        return node.Outgoing.Where(b => !b.IsBackEdge).Select(b => b.Edge.TargetId).ToList();
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
