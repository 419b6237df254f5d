using System.Globalization;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit;

/// <summary>The node methods: one per state, a task calls its method and moves on; skips tell the joins after a node not taken.</summary>
internal sealed partial class FlowEmitter
{
    private void WriteNode(BoundNode bound)
    {
        var node = bound.Node;
        var name = _names[node.Id];
        var index = $"(int)Node.{name}";
        _w.Line(NodeComment(bound));
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
            _w.Open($"private {Vt} {RunName(node.Id)}(State state)");
            WriteEndBody(bound, index);
            _w.Close();
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
        if (bound.Foreach is { } each) WriteForeach(bound, each, index);

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

    /// <summary>The comment above a node's code: the element, its line in the flow file, and the task it calls.</summary>
    private string NodeComment(BoundNode bound)
    {
        var loc = $"{CSharpText.Comment(_flow.Flow.FileName)} line {(bound.Node.Location.StartLine + 1).ToString(CultureInfo.InvariantCulture)}";
        return $"// {CSharpText.Comment(bound.Node.Describe())}, {loc}{(bound.Call is { } c ? ": " + CSharpText.Comment(c.ComponentName + "/" + c.TaskName) : "")}";
    }

    /// <summary>An end event's body: the branch is done; an error end (BPMN error end event, fail("code")) ends the run with its error.</summary>
    private void WriteEndBody(BoundNode bound, string index)
    {
        var node = bound.Node;
        var set = SetCall(bound) is { } call ? " && " + call : "";
        if (node.Kind == NodeKind.EndEvent && node.GetProperty("error-code") is { } code)
        {
            var message = node.GetProperty("error-message") ?? $"the flow ended at {node.Describe()}";
            _w.Line($"if (state.CanRun({index}){set}) state.Fail({index}, {CSharpText.StringLiteral(code)}, {CSharpText.StringLiteral(message)});");
        }
        else if (set.Length > 0)
        {
            _w.Line($"if (state.CanRun({index})) {SetCall(bound)};");
        }
        else
        {
            _w.Line($"state.CanRun({index});");
        }
        _w.Line("return default;");
    }

    /// <summary>For a node a run may not take, with a join after it: the method that tells the joins it was not taken.</summary>
    private void WriteSkip(BoundNode bound)
    {
        var node = bound.Node;
        if (HasSkip(node.Id))
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

    /// <summary>
    /// For a catch node under an event gateway (the node a continuation enters when its event or time comes): the skips
    /// of the gateway's other arms that a join lies after. Without them a join after the arms would wait for an arm
    /// that was not taken.
    /// </summary>
    private List<string> SiblingArmSkips(BoundNode bound)
    {
        if (_armSiblings.TryGetValue(bound.Node.Id, out var known)) return known;
        var skips = new List<string>();
        foreach (var gateway in _armGateways.TryGetValue(bound.Node.Id, out var gateways) ? gateways : [])
        {
            foreach (var sibling in gateway.Outgoing.Where(b => b.Edge.TargetId != bound.Node.Id))
            {
                var skip = Skip(sibling.Edge.TargetId);
                if (skip != "default" && !skips.Contains(skip)) skips.Add(skip);
            }
        }
        _armSiblings[bound.Node.Id] = skips;
        return skips;
    }

    /// <summary>A node that awaits within its body: a fork, a subprocess, a choice that tells joins about skipped branches.</summary>
    private void WriteAsyncNode(BoundNode bound, string index)
    {
        var node = bound.Node;
        var name = _names[node.Id];
        OpenAsyncMethod($"{RunName(node.Id)}(State state)");
        _w.Line($"if (!state.CanRun({index})) return;");
        WriteValidation(bound, index);
        if (bound.Call is null) WriteSet(bound, "return;");
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
        var siblings = SiblingArmSkips(bound);
        if (siblings.Count > 0)
        {
            // After this arm's own branch, so that an error it ends in (a fail end) is the run's error, not a join's.
            _w.Line("// This arm of the event gateway was taken: the joins after the other arms learn that those will not come.");
            foreach (var skip in siblings) _w.Line($"await {skip}.ConfigureAwait(false);");
        }
        _w.Close();
    }

    /// <summary>The validation of the request, at the flow's start.</summary>
    private void WriteValidation(BoundNode bound, string index)
    {
        if (bound.Node.Id != _flow.Flow.FlowId) return;
        if (_flow.RequestSchema is not null)
        {
            _w.Open($"if ({RequestValidatorEmitter.MethodName}(state) is {{ }} invalid)");
            _w.Line($"state.FailValidation({index}, invalid);");
            _w.Line(Return);
            _w.Close();
        }
        if (AnnotationValidatorEmitter.Needed(_flow.Class))
        {
            _w.Open($"if ({AnnotationValidatorEmitter.MethodName}(state) is {{ }} annotated)");
            _w.Line($"state.FailValidation({index}, annotated);");
            _w.Line(Return);
            _w.Close();
        }
    }

    /// <summary>
    /// True when a node's method can end by returning the next node's call instead of awaiting it: its own work
    /// is synchronous (or a single step followed by one flow), so a run of such nodes has no async state machine.
    /// </summary>
    private bool CanTail(BoundNode bound)
    {
        if (IsSubprocess(bound.Node) || SiblingArmSkips(bound).Count > 0) return false;
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
        WriteFusedDispatch(bound);
        _w.Line($"if (!state.CanRun({index})) return default;");
        WriteValidation(bound, index);
        if (bound.IsSkipped) _w.Line("// allow-absent=true and no method has this task: the node is passed through.");
        if (bound.Call is null) WriteSet(bound, "return default;");
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
}
