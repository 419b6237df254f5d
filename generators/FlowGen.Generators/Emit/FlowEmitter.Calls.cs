using System.Globalization;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit;

/// <summary>Calls of task methods: arguments from the bus, results to the bus, policies (Polly), details for tracking, HTTP tasks.</summary>
internal sealed partial class FlowEmitter
{
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
            WriteSet(bound, "return false;");
            return;
        }

        var name = _names[bound.Node.Id];
        if (policy is { CatchErrors: true }) _w.Line($"state.ClearCaught({index}); // round a loop, @failed holds for this attempt only");
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
            // A role that holds two abilities is the caller's mistake: the fallback does not hide it.
            _w.Open(call.Abilities.Count > 0 ? "if (failure is not null and not global::FlowGen.FlowAbilityException && !state.IsRunCancellation(failure))"
                : "if (failure is not null && !state.IsRunCancellation(failure))");
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
        else if (policy is { CatchErrors: true })
        {
            var codes = policy.ErrorCodes.Count == 0 ? "" : ", new[] { " + string.Join(", ", policy.ErrorCodes.Select(CSharpText.StringLiteral)) + " }";
            _w.Line($"// on-error=continue (an error route): the failure goes along the route{(codes.Length == 0 ? "" : " when its code is one the route takes")}, its FlowError written to var.error.");
            _w.Line($"if (state.TaskErrorCaught({index}, started, failure{codes}) is not {{ }} caught) return false;");
            if (policy.ErrorField is { } field) _w.Line($"{field} = caught;");
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
        WriteSet(bound, "return false;");
        _w.Close();
    }

    /// <summary>Tracking ServiceDetail: the task's inputs from the bus and the bus values it wrote, boxed only when asked for.</summary>
    private void WriteDetails(BoundCall call, string index)
    {
        const string Pair = "global::System.Collections.Generic.KeyValuePair<string, object?>";
        var inputs = call.Arguments.Select((argument, i) => (Argument: argument, Name: i < call.ParameterNames.Count ? call.ParameterNames[i] : "arg" + i.ToString(CultureInfo.InvariantCulture)))
            // A bus read, or a nullable read of a value that may be unwritten ("(state.X_written ? ... : null)").
            .Where(a => a.Argument.StartsWith("state.", StringComparison.Ordinal) && a.Argument != "state.CancellationToken"
                || a.Argument.StartsWith("(state.", StringComparison.Ordinal) && a.Argument.Contains(BusChecks.WrittenSuffix + " ? "))
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
        {
            _w.Line($"{assignment.Target} = value;");
            WriteWrittenFlag(assignment.Target);
        }
    }

    private string Invocation(BoundCall call, string token)
        => CallText(call, string.Join(", ", call.Arguments.Select(a => a == "state.CancellationToken" ? token : Hoisted(a))));

    /// <summary>
    /// The call; with abilities, the one the run's role holds (two are an error, FLOW_ABILITY_AMBIGUOUS), else the
    /// plain method: a switch expression, or for methods that return nothing a switch statement.
    /// </summary>
    private static string CallText(BoundCall call, string arguments)
    {
        var plain = $"{call.Receiver}.{call.MethodName}({arguments})";
        if (call.Abilities.Count == 0) return plain;
        var choose = "state.ChooseAbility(" + string.Join(", ", call.Abilities.SelectMany(a => new[] { CSharpText.StringLiteral(a.Permission), CSharpText.StringLiteral(a.ComponentPermission) })) + ")";
        if (call.ReturnKind == ReturnKind.Void)
        {
            var statement = new System.Text.StringBuilder($"switch ({choose}) {{ ");
            for (var i = 0; i < call.Abilities.Count; i++)
                statement.Append($"case {i.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {call.Receiver}.{call.Abilities[i].MethodName}({arguments}); break; ");
            return statement.Append($"default: {plain}; break; }}").ToString();
        }
        var text = new System.Text.StringBuilder($"({choose} switch {{ ");
        for (var i = 0; i < call.Abilities.Count; i++)
            text.Append($"{i.ToString(System.Globalization.CultureInfo.InvariantCulture)} => {call.Receiver}.{call.Abilities[i].MethodName}({arguments}), ");
        return text.Append($"_ => {plain} }})").ToString();
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
        // A void task with abilities is a switch statement, which takes no semicolon.
        _w.Line(usesValue ? $"var value = {expression};" : expression.EndsWith("}", StringComparison.Ordinal) ? expression : $"{expression};");
        if (usesValue && call.Assignments.Any(a => a.Property is not null) && call.ValueType is { } valueType && !IsValueType(valueType))
        {
            _w.Line("if (value is null) throw new global::System.InvalidOperationException(" +
                CSharpText.StringLiteral($"{call.MethodName} returned null, so the bus values it writes from the result's properties cannot be read.") + ");");
        }
        foreach (var assignment in call.Assignments)
        {
            _w.Line($"{assignment.Target} = value{(assignment.Property is null ? "" : "." + assignment.Property)};");
            WriteWrittenFlag(assignment.Target);
        }
    }

    /// <summary>After a write to a field that a nullable parameter may read unwritten: its flag, so that the read is not null.</summary>
    private void WriteWrittenFlag(string target)
    {
        if (_flagged.Contains(target)) _w.Line($"{target}{BusChecks.WrittenSuffix} = true;");
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
}
