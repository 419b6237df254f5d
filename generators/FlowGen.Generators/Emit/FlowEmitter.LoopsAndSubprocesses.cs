using System.Globalization;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit;

/// <summary>Loops through exclusive gateways (their drivers) and subprocesses (their bodies, scopes and interception).</summary>
internal sealed partial class FlowEmitter
{
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
        if (SettingsChecks.IsDetached(bound.Node))
        {
            _w.Line("// await: false: the subflow starts on a copy of the bus and the run goes on at once; its failure is reported, not the run's.");
            _w.Line($"global::FlowGen.FlowSteps.Detach(state, static parent => parent.ForItem(global::System.Threading.CancellationToken.None, detached: true), Body_{name});");
            _w.Line($"await {RunName(exit)}(state).ConfigureAwait(false);");
            return;
        }
        // A foreach runs the body once per item.
        var body = bound.Foreach is null ? "Body_" + name : "ForEach_" + name;
        WriteIntercepted(index, $"static async (flow, state) => {{ await flow.{body}(state).ConfigureAwait(false); return state.Error is null; }}",
            $"await {body}(state).ConfigureAwait(false);", guard: "if (state.Error is not null) return;");
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
        // A fire-and-forget subflow's node also leads straight to its end: that flow is the caller's, not the body's.
        var exit = bound.Node.Id + Binding.SubprocessExpander.ExitSuffix;
        if (SettingsChecks.IsDetached(bound.Node)) bound = bound with { Outgoing = bound.Outgoing.Where(b => b.Edge.TargetId != exit).ToEquatableArray() };
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

    /// <summary>
    /// A foreach: the subprocess's body once per item of the collection, with the item and its index on the bus. One
    /// item after another on the flow's own bus (a failed item is where a resumed run starts again), or up to n items
    /// at once, each on a copy of the bus (FlowIteration.ForEachAsync).
    /// </summary>
    private void WriteForeach(BoundNode bound, BoundForeach each, string index)
    {
        var name = _names[bound.Node.Id];
        var inv = CultureInfo.InvariantCulture;
        var line = (bound.Node.Location.StartLine + 1).ToString(inv);
        var items = $"global::FlowGen.FlowIteration.Items<{each.ItemType}>({each.SourceCode})";
        var item = $"var.{CSharpText.Comment(each.ItemName)}";
        var count = $"var.{CSharpText.Comment(each.IndexName)}";
        if (each.Parallelism > 1)
        {
            _w.Line($"// foreach {item} in {CSharpText.Comment(each.SourceText)} (line {line}): the body runs once per item, up to {each.Parallelism.ToString(inv)} items at once,");
            _w.Line($"// each on a copy of the bus with its {item} and {count}; the first item that fails fails the run.");
            OpenAsyncMethod($"ForEach_{name}(State state)");
            _w.Line($"var items = {items};");
            _w.Line($"await global::FlowGen.FlowIteration.ForEachAsync(state, {index}, items, state.IterationParallelism({each.Parallelism.ToString(inv)}), {TokenFor(bound.Node)},");
            _w.Line($"    static (parent, item, index, token) => {{ var copy = parent.ForItem(token); {Write(each.ItemField, "item", "copy")} {Write(each.IndexField, "index", "copy")} return copy; }},");
            _w.Line($"    Body_{name}).ConfigureAwait(false);");
            _w.Close();
            _w.Line();
            return;
        }
        _w.Line($"// foreach {item} in {CSharpText.Comment(each.SourceText)} (line {line}): the body runs once per item, one after another, with {item} and {count} on the bus.");
        OpenAsyncMethod($"ForEach_{name}(State state)");
        _w.Line($"var items = {items};");
        _w.Line($"// A resumed run starts again at the item that failed.");
        _w.Line($"var first = state.{name}_next;");
        _w.Line($"state.{name}_next = 0;");
        _w.Open("for (var index = first; index < items.Count; index++)");
        _w.Line(Write(each.ItemField, "items[index]", "state"));
        _w.Line(Write(each.IndexField, "index", "state"));
        var joins = _flow.Nodes.Where(n => IsJoin(n) && InScope(n.Node, bound.Node.Id)).ToList();
        foreach (var join in joins)
        {
            var joinName = _names[join.Node.Id];
            _w.Line($"state.{joinName}_pending = {join.IncomingCount.ToString(inv)}; state.{joinName}_live = 0; // the join {CSharpText.Comment(join.Node.Id)} counts again for each item");
        }
        _w.Line($"await Body_{name}(state).ConfigureAwait(false);");
        _w.Open("if (state.Error is not null)");
        _w.Line($"state.{name}_next = index;");
        _w.Line("return;");
        _w.Close();
        _w.Close();
        _w.Close();
        _w.Line();
    }

    /// <summary>A write of a foreach's item or index to its bus field (and its written flag, where a nullable reader needs one).</summary>
    private string Write(string field, string value, string state)
    {
        var target = state + field.Substring("state".Length);
        return _flagged.Contains(field) ? $"{target} = {value}; {target}{BusChecks.WrittenSuffix} = true;" : $"{target} = {value};";
    }

    /// <summary>True when a node runs inside the subprocess node <paramref name="scope"/> (at any depth).</summary>
    private bool InScope(FlowNode node, string scope)
    {
        for (var entry = node.Scope; entry is not null; entry = _nodes[entry].Node.Scope)
        {
            if (entry == scope) return true;
        }
        return false;
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
}
