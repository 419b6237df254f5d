using System.Globalization;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit;

/// <summary>The entry points: RunAsync, ResumeAsync and the dispatch that enters a run at any node.</summary>
internal sealed partial class FlowEmitter
{
    private void WriteEntryPoints()
    {
        var result = $"global::FlowGen.FlowResult<{Class.ResultType}>";
        var start = _flow.Nodes.First(n => n.Node.Id == _flow.Flow.FlowId);
        var startNode = $"Node.{_names[start.Node.Id]}";
        _w.Line("// A state per thread for RunAsync(request) on that thread: a run that finishes synchronously uses it and leaves");
        _w.Line("// it there cleared, so it allocates nothing; one that goes async takes it away, and leaves its state on the thread");
        _w.Line("// it finishes on.");
        _w.Line("[global::System.ThreadStatic] private static State? t_spare;");
        _w.Line();
        _w.Line("/// <inheritdoc />");
        _w.Line($"public {Vt}<{result}> RunAsync({Class.RequestType} request, global::FlowGen.FlowRunOptions? options = null, global::System.Threading.CancellationToken cancellationToken = default)");
        _w.Line($"    => RunFromAsync(Spare(request), {startNode}, options, cancellationToken, recycle: true);");
        _w.Line();
        _w.Line("// The thread's spare state for a new run, or a new state when the thread has none or its spare has started (a run of");
        _w.Line("// this flow started from inside another one on the same thread, or one a throwing TraceCompleted hook left behind).");
        _w.Open($"private static State Spare({Class.RequestType} request)");
        _w.Line("var state = t_spare;");
        _w.Open("if (state is null || state.HasStarted)");
        _w.Line("t_spare = null;");
        _w.Line("return new State(request);");
        _w.Close();
        _w.Line("state.Request = request;");
        _w.Line("return state;");
        _w.Close();
        _w.Line();
        if (SeedParameters() is { Count: > 0 } seeds)
        {
            // [Flow(Vars = ..., States = ...)]: the run's bus starts with the caller's values (Kstry's varScopeData/staScopeData).
            var first = true;
            var parameters = string.Join(", ", seeds.Select(p =>
            {
                var text = $"{p.Type}? {p.ParameterName}{(first ? "" : " = null")}";
                first = false;
                return text;
            }));
            _w.Line("/// <summary>Runs the flow with the bus seeded by the caller: each property of <paramref name=\"" + seeds[0].ParameterName + "\"/>" +
                (seeds.Count > 1 ? " and <paramref name=\"" + seeds[1].ParameterName + "\"/>" : "") + " is the var or sta value of its name.</summary>");
            _w.Open($"public {Vt}<{result}> RunAsync({Class.RequestType} request, {parameters}, global::FlowGen.FlowRunOptions? options = null, global::System.Threading.CancellationToken cancellationToken = default)");
            _w.Line("var state = Spare(request);");
            _w.Line($"state.Seed({string.Join(", ", seeds.Select(p => p.ParameterName))});");
            _w.Line($"return RunFromAsync(state, {startNode}, options, cancellationToken, recycle: true);");
            _w.Close();
            _w.Line();
        }
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
        _w.Line($"var running = start == {startNode} ? {RunName(_flow.Flow.FlowId)}(state) : Enter(state, start);");
        _w.Open("if (!running.IsCompletedSuccessfully)");
        _w.Line("// Not finished: the run goes on with its span current; the caller gets its own back (the run's span would");
        _w.Line("// otherwise stay current in the caller's code after the run ends on another thread).");
        _w.Line("global::FlowGen.FlowTelemetry.ReturnSpan(caller);");
        _w.Line("// The state is this run's until it ends, on whichever thread: it is no longer this thread's spare.");
        _w.Line("if (recycle && t_spare == state) t_spare = null;");
        _w.Line("return FinishAsync(state, running, recycle);");
        _w.Close();
        _w.Line("running.GetAwaiter().GetResult();");
        if (Suspendable) _w.Line("if (state.Error is not null && state.Options.Suspensions is { } suspensions) return SuspendAsync(state, suspensions, recycle);");
        _w.Line("return new(End(state, recycle));");
        _w.Close();
        _w.Line();
        _w.Open($"private static async {Vt}<{result}> FinishAsync(State state, {Vt} running, bool recycle)");
        _w.Line("await running.ConfigureAwait(false);");
        if (Suspendable) _w.Line("if (state.Error is not null && state.Options.Suspensions is { } suspensions) return await SuspendAsync(state, suspensions, recycle).ConfigureAwait(false);");
        _w.Line("return End(state, recycle);");
        _w.Close();
        _w.Line();
        _w.Open($"private static {result} End(State state, bool recycle)");
        _w.Line("var result = state.EndRun(state.Result);");
        _w.Open("if (recycle)");
        _w.Line("// Finished: nothing holds the state any more (the result and trace are objects of their own). It is cleared for");
        _w.Line("// the next run when it is the thread's spare (it finished synchronously) or the thread has none (it finished here).");
        _w.Line("var spare = t_spare;");
        _w.Open("if (spare == state)");
        _w.Line("state.Clear();");
        _w.Close();
        _w.Open("else if (spare is null)");
        _w.Line("state.Clear();");
        _w.Line("t_spare = state;");
        _w.Close();
        _w.Close();
        _w.Line("return result;");
        _w.Close();
        _w.Line();
        _w.Open($"private async {Vt}<{result}> ResumeFromAsync(State state)");
        _w.Line("var nodes = state.TakeResumeNodes();");
        _w.Line($"var running = new {Vt}[nodes.Length];");
        _w.Line("for (var i = 0; i < nodes.Length; i++) running[i] = Enter(state, (Node)nodes[i]);");
        _w.Line("foreach (var branch in running) await branch.ConfigureAwait(false);");
        if (Suspendable)
        {
            _w.Line("// A saved run that fails again is saved again under its id; one that reaches its end is marked done.");
            _w.Line("if (state.Error is not null && state.Options.Suspensions is { } suspensions) return await SuspendAsync(state, suspensions, recycle: false).ConfigureAwait(false);");
            _w.Line("var finished = state.EndRun(state.Result);");
            _w.Line("if (finished.IsSuccess && state.SuspendedId is { } id && state.Options.Suspensions is { } store) await store.CompleteAsync(id).ConfigureAwait(false);");
            _w.Line("return finished;");
        }
        else
        {
            _w.Line("return state.EndRun(state.Result);");
        }
        _w.Close();
        _w.Line();
        if (Suspendable) WriteSuspend(result);
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

    /// <summary>
    /// on-failure: suspend on a flow without waits: a failed run is saved to the run's FlowSuspensions and continued by
    /// id with ResumeSuspendedAsync (docs/suspend.md).
    /// </summary>
    private bool Suspendable => _flow.Durable is null
        && SettingsChecks.ParseFailurePolicy(_nodes[_flow.Flow.FlowId].Node.GetProperty("on-failure")) == "suspend";

    private void WriteSuspend(string result)
    {
        _w.Line("// ---- on-failure: suspend: a failed run is saved to FlowRunOptions.Suspensions, and continued by id later. ----");
        _w.Line();
        _w.Line("// Saves the failed run (its request, bus values, join counts and the nodes to enter again) before the state is cleared,");
        _w.Line("// and returns its error with the id it was saved under.");
        _w.Open($"private static async {Vt}<{result}> SuspendAsync(State state, {Durable}.FlowSuspensions suspensions, bool recycle)");
        _w.Line("var at = state.SuspendNodes();");
        _w.Line("var saved = Save(state, at, suspensions.Json);");
        _w.Line("var nodes = global::System.Array.ConvertAll(at, state.NodeIdAt);");
        _w.Line("var previous = state.SuspendedId;");
        _w.Line("var failed = End(state, recycle);");
        _w.Line("var id = await suspensions.SaveAsync(FlowId, FlowVersion, previous, nodes, saved, failed.Error!).ConfigureAwait(false);");
        _w.Line($"return {result}.Failure(failed.Error! with {{ SuspendedId = id }}, failed.Trace);");
        _w.Close();
        _w.Line();
        _w.Line("/// <summary>");
        _w.Line("/// Continues a failed run saved under <paramref name=\"id\"/> (<see cref=\"global::FlowGen.FlowError.SuspendedId\"/>), from the");
        _w.Line("/// run's <see cref=\"global::FlowGen.FlowRunOptions.Suspensions\"/> store, in this process or another: the failed and stopped");
        _w.Line("/// nodes run again with the bus values the run had. A run that fails again is saved again under the same id.");
        _w.Line("/// </summary>");
        _w.Open($"public async {Vt}<{result}> ResumeSuspendedAsync(string id, global::FlowGen.FlowRunOptions? options = null, global::System.Threading.CancellationToken cancellationToken = default)");
        _w.Line("var combined = global::FlowGen.FlowRunOptions.Combine(options, _defaultOptions);");
        _w.Open("if (combined?.Suspensions is not { } suspensions)");
        _w.Line($"return {result}.Failure(new global::FlowGen.FlowError(global::FlowGen.FlowErrorCodes.InvalidResume, FlowId, null, null, \"there is no store to load the run from: pass FlowRunOptions.Suspensions\"));");
        _w.Close();
        _w.Line("var (run, problem) = await suspensions.LoadAsync(id, FlowId, FlowVersion, cancellationToken).ConfigureAwait(false);");
        _w.Line($"if (problem is not null) return {result}.Failure(problem);");
        _w.Line("var state = new State(default!);");
        _w.Line("var at = Load(state, run!.State, suspensions.Json);");
        _w.Line("state.RestoreSuspended(id, at);");
        _w.Line("return await ResumeAsync(state, combined, cancellationToken).ConfigureAwait(false);");
        _w.Close();
        _w.Line();
        WriteSaveLoad("global::System.Text.Json.JsonSerializerOptions");
    }

    /// <summary>Opens an async node method: one that awaits within its body.</summary>
    private void OpenAsyncMethod(string signature, bool returnsBool = false)
        => _w.Open($"private async {Vt}{(returnsBool ? "<bool>" : "")} {signature}");

    private string RunName(string id) => "Run_" + _names[id];

    private string SkipName(string id) => "Skip_" + _names[id];

    private string ArriveName(string id) => "Arrive_" + _names[id];
}
