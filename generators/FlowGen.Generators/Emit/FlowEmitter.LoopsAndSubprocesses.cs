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
