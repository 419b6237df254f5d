using System.Globalization;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit;

/// <summary>Gateways and joins: the flows out of a node, exclusive choices, conditions mapped to the flow file, join arrivals and the skips that reach them.</summary>
internal sealed partial class FlowEmitter
{
    private void WriteArrive(BoundNode join, string index)
    {
        var name = _names[join.Node.Id];
        _w.Open($"private {Vt} {ArriveName(join.Node.Id)}(State state, bool live)");
        _w.Line($"if (live) global::System.Threading.Interlocked.Increment(ref state.{name}_live);");
        if (!GraphIndex.Joins(join.Node) || join.Loop is not null)
        {
            // Inside a loop only alternatives meet (nothing forks in a loop) and nothing is skipped, so a merge there
            // passes each branch on; so does an event gateway that several flows enter.
            _w.Line("// A merge passes every live branch on; it is skipped only when every branch was.");
            _w.Line($"var remaining = global::System.Threading.Interlocked.Decrement(ref state.{name}_pending);");
            _w.Line($"if (live) return {RunName(join.Node.Id)}(state);");
            _w.Line($"return remaining == 0 && global::System.Threading.Volatile.Read(ref state.{name}_live) == 0 ? {SkipOrDefault(join.Node.Id)} : default;");
            _w.Close();
            _w.Line();
            return;
        }
        if (join.Node.Kind is not (NodeKind.ParallelGateway or NodeKind.InclusiveGateway))
            _w.Line($"// {join.IncomingCount.ToString(CultureInfo.InvariantCulture)} incoming flows (Kstry's implicit join): it joins them as an inclusive gateway would, waiting for the branches that can still arrive, then goes on once.");
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
            // literal: a C# string literal made by CSharpText.
            string Taken(Func<BoundBranch, string> literal) => "new string?[] { " + string.Join(", ", Enumerable.Range(0, branches.Count).Select(i => Take(i) switch
            {
                "true" => literal(branches[i]),
                "false" => "null",
                var take => $"{take} ? {literal(branches[i])} : null",
            })) + " }";
            _w.Line($"if (state.HasSpan) state.Decided({index}, {Taken(b => CSharpText.StringLiteral(b.Edge.Id))}, {Taken(b => CSharpText.StringLiteral(b.Edge.TargetId))});");
        }

        var started = new List<string>();
        for (var i = 0; i < branches.Count; i++)
        {
            var take = Take(i);
            var call = Go(branches[i], take, OpenAsync(bound));
            _w.Line($"// branch {CSharpText.Comment(branches[i].Edge.Id)} -> {CSharpText.Comment(branches[i].Edge.TargetId)}{(call == "default" ? ": never taken, and no join after it waits for it" : "")}");
            if (call == "default") continue;
            var name = "branch" + i.ToString(CultureInfo.InvariantCulture);
            _w.Line($"var {name} = {call};");
            started.Add(name);
        }
        if (_tail)
        {
            // Done at once when every branch finished synchronously; else one continuation awaits them.
            var all = string.Join(", ", started);
            _w.Line(started.Count == 0 ? "return default;"
                : started.Count == 1 ? $"return {started[0]};"
                : started.Count <= 4 ? $"return global::FlowGen.FlowSteps.WhenAll({all});"
                : $"return global::FlowGen.FlowSteps.WhenAll(new[] {{ {all} }});");
            return;
        }
        foreach (var name in started)
            _w.Line($"await {name}.ConfigureAwait(false);");
    }

    /// <param name="fused">In a fused stretch: the statement that goes on to a target inside the stretch (a goto), or null for a target outside it.</param>
    private void WriteExclusive(BoundNode bound, string index, Func<string, string?>? fused = null)
    {
        var branches = bound.Outgoing;
        // In a fused stretch: a goto to a block of the stretch, else a return of the target's node method.
        string Fused(int i) => fused!(branches[i].Edge.TargetId) ?? $"return {Go(branches[i], "true", false)};";
        if (branches.Count == 1 && branches[0].ConditionCode is null)
        {
            _w.Line(fused is not null ? Fused(0) : _tail ? $"return {Go(branches[0], "true", false)};" : $"await {Go(branches[0], "true", false)}.ConfigureAwait(false);");
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
        // literal: a C# string literal made by CSharpText.
        string Chosen(Func<BoundBranch, string> literal)
            => "chosen switch { " + string.Join(", ", Enumerable.Range(0, branches.Count).Select(i => $"{i.ToString(CultureInfo.InvariantCulture)} => {literal(branches[i])}")) + ", _ => \"\" }";
        _w.Line($"if (state.HasSpan) state.Decided({index}, {Chosen(b => CSharpText.StringLiteral(b.Edge.Id))}, {Chosen(b => CSharpText.StringLiteral(b.Edge.TargetId))});");
        for (var i = 0; i < branches.Count; i++)
        {
            if (NeedsSkip(bound, i))
                _w.Line($"if (chosen != {i.ToString(CultureInfo.InvariantCulture)}) await {Go(branches[i], "false", false)}.ConfigureAwait(false);");
        }
        if (fused is not null)
        {
            _w.Line("switch (chosen)");
            _w.Line("{");
            for (var i = 0; i < branches.Count; i++)
                _w.Line($"    case {i.ToString(CultureInfo.InvariantCulture)}: {Fused(i)}");
            _w.Line("    default: return default;");
            _w.Line("}");
            return;
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
        return offload && call != "default" ? Offload(call) : call;
    }

    /// <summary>open-async: the branch starts on the thread pool, so CPU-bound sync tasks run in parallel too.</summary>
    private static string Offload(string call) => $"new {Vt}(global::System.Threading.Tasks.Task.Run(() => {call}.AsTask()))";

    private string Skip(string target)
    {
        var node = _nodes[target];
        if (IsJoin(node)) return $"{ArriveName(target)}(state, false)";
        return HasSkip(target) ? $"{SkipName(target)}(state)" : "default";
    }

    private string SkipOrDefault(string id) => HasSkip(id) ? $"{SkipName(id)}(state)" : "default";

    /// <summary>
    /// True when the node has a Skip_ method (WriteSkip's condition): a run may not take it and a join lies after it. A join
    /// that no choice comes before is never skipped, so its arrival must not call a Skip_ that was not written.
    /// </summary>
    private bool HasSkip(string id) => _skippable.Contains(id) && LeadsToJoin(id);

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
}
