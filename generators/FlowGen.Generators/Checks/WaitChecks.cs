using System.Globalization;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>
/// Durable flows: binds each wait to its event type ([FlowEvent]), checks where waits stand (FG0111, FG0112), the
/// correlation keys (FG0411), the trigger (FG0412), and compiles the conditions over events. A receive's <c>to</c>
/// makes it a producer of a bus value like a task, so the typed bus checks what reads it downstream.
/// </summary>
internal static class WaitChecks
{
    private static readonly string[] KeyTypes = ["string", "int", "long", "short", "uint", "ulong", "global::System.Guid"];

    /// <summary>True when the flow has waits or a trigger: it runs under a FlowEngine.</summary>
    public static bool IsDurable(FlowDefinition flow, GraphIndex index)
        => flow.NodeIds.Any(id => GraphIndex.IsWait(index.Nodes[id])) || index.Nodes[flow.FlowId].GetProperty("event") is not null;

    /// <summary>The bus values receives write (<c>to: sta.viewed</c>): producers like a task's outputs, typed by their event.</summary>
    public static void AddProducers(FlowDefinition flow, GraphIndex index, EquatableArray<EventModel> events, List<BusChecks.Producer> producers, List<DiagnosticInfo> diagnostics)
    {
        foreach (var id in flow.NodeIds)
        {
            var node = index.Nodes[id];
            if (node.Kind != NodeKind.MessageCatch || node.FindProperty("to") is not { } to) continue;
            if (Event(node, events) is not { } model) continue;
            var text = to.Value.Trim();
            var scope = BusScope.State;
            if (text.StartsWith("sta.", StringComparison.Ordinal)) text = text.Substring(4);
            else if (text.StartsWith("var.", StringComparison.Ordinal)) { scope = BusScope.Var; text = text.Substring(4); }
            if (text.Length == 0 || text.Contains('.'))
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, to.Location, node.Describe(), "to", to.Value,
                    "it must name one bus value, such as sta.viewed or var.lastOrder").WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
                continue;
            }
            producers.Add(new BusChecks.Producer(id, node, new OutputModel(scope, text, model.TypeFullName, false, null)));
        }
    }

    public static BoundDurable? Bind(
        FlowDefinition flow,
        GraphIndex index,
        FlowClassModel flowClass,
        TypeTable types,
        EquatableArray<EventModel> events,
        List<BusChecks.Producer> producers,
        Ancestry ancestors,
        List<DiagnosticInfo> diagnostics)
    {
        var start = index.Nodes[flow.FlowId];
        if (!IsDurable(flow, index))
        {
            // The durable settings of a flow with no wait and no trigger would do nothing: say so (on-failure: suspend
            // saves a failed request/response run, docs/suspend.md).
            foreach (var name in new[] { "key", "continues" })
            {
                if (start.FindProperty(name) is { } unused)
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, unused.Location, start.Describe(), name, unused.Value,
                        "it applies to durable flows only (a flow with a receive, a timer or a trigger), and this flow has none, so it does nothing; remove it"));
            }
            return null;
        }
        var inFlow = new HashSet<string>(flow.NodeIds, StringComparer.Ordinal);

        CheckPlaces(flow, index, diagnostics);

        // The instance key: a path on the request (for a triggered flow, the request is the trigger event).
        string? keyCode = null;
        string? keyMember = null;
        if (start.FindProperty("key") is { } key)
        {
            // A triggered flow's request is its trigger event: its key may read it as event.<member> too (a BPMN
            // message start's correlationKey).
            var keyRoots = new Dictionary<string, BusValue> { ["req"] = new("state.Request", flowClass.RequestType, false) };
            if (start.GetProperty("event") is not null) keyRoots["event"] = keyRoots["req"];
            keyCode = Key(key, start, keyRoots, flowClass, types, diagnostics, "the flow's key reads the request (req.<member>)");
            keyMember = LastMember(key.Value);
        }

        // The trigger: its event type is the request type.
        string? trigger = null;
        string? triggerCondition = null;
        var keys = new Dictionary<string, BoundEventKey>(StringComparer.Ordinal);
        // How each event's key was written (for messages).
        var keyTexts = new Dictionary<string, string>(StringComparer.Ordinal);
        if (start.FindProperty("event") is { } triggerProperty)
        {
            trigger = triggerProperty.Value.Trim();
            if (Find(trigger, events) is not { } model)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnknownEvent, triggerProperty.Location, start.Describe(), trigger, Known(events)));
            }
            else
            {
                if (model.TypeFullName != flowClass.RequestType)
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TriggerType, triggerProperty.Location, flowClass.ClassName, flow.FlowId, trigger, Short(model.TypeFullName), Short(flowClass.RequestType)));
                // The trigger event's key is the flow's key, read from the event as the request.
                keys[trigger] = new BoundEventKey(trigger, model.TypeFullName, keyCode?.Replace("state.Request", "e"));
                if (start.GetProperty("key") is { } written) keyTexts[trigger] = written.Trim();
                if (start.FindProperty("trigger-when") is { } when)
                {
                    var roots = new Dictionary<string, BusValue> { ["req"] = new("e", model.TypeFullName, false), ["event"] = new("e", model.TypeFullName, false) };
                    triggerCondition = Condition(when.Value, when.Location, $"the trigger of flow '{flow.FlowId}'", roots, flowClass, types, [], diagnostics);
                }
            }
            if (keyCode is null)
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.CorrelationKey, triggerProperty.Location, $"flow '{flow.FlowId}' starts on event '{trigger}'",
                    "it has no key, so later events cannot find its instances", "Add the flow's key, such as key: req.userId (YAML and JSON: at the top; BPMN: the start event's key property)"));
        }

        var waits = new List<BoundWait>();
        foreach (var id in flow.NodeIds)
        {
            var node = index.Nodes[id];
            if (!GraphIndex.IsWait(node) || !index.StopsRun(node)) continue;
            var arms = new List<BoundArm>();
            if (node.Kind == NodeKind.EventGateway)
            {
                foreach (var edge in index.Outgoing[id])
                {
                    var target = index.Nodes[edge.TargetId];
                    if (target.Kind is not (NodeKind.MessageCatch or NodeKind.TimerCatch))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.EventGatewayTarget, edge.Location, node.Describe(), target.Describe()));
                        continue;
                    }
                    if (Arm(target, edge, target.Id, flow, flowClass, types, events, producers, ancestors, keys, keyTexts, keyMember, diagnostics) is { } arm) arms.Add(arm);
                }
            }
            else
            {
                var next = index.Outgoing[id].FirstOrDefault(e => inFlow.Contains(e.TargetId));
                if (next is null) continue; // a dead end, reported by the structure checks
                // The instance continues at the one node after the wait: a second flow, or a condition, would be dropped.
                var outgoing = index.Outgoing[id];
                if (outgoing.Count > 1 || next.Condition is not null || next.IsDefault)
                {
                    var flows = string.Join(", ", outgoing.Take(4).Select(e => $"'{e.Id}'" + (e.Condition is not null ? " (with a condition)" : e.IsDefault ? " (the default)" : "")));
                    var at = outgoing.Count > 1 ? outgoing[1] : next;
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.WaitOutgoing, at.Condition?.Location ?? at.Location, node.Describe(),
                        (outgoing.Count == 1 ? "the flow " : outgoing.Count.ToString(CultureInfo.InvariantCulture) + " flows: ") + flows));
                    continue;
                }
                if (Arm(node, null, next.TargetId, flow, flowClass, types, events, producers, ancestors, keys, keyTexts, keyMember, diagnostics) is { } arm) arms.Add(arm);
            }
            waits.Add(new BoundWait(id, arms.ToEquatableArray()));
        }

        if (keyCode is null && keys.Values.Any(k => k.Name != trigger))
        {
            // From the keys, not the bound arms: an arm whose condition does not compile is not bound, but still waits.
            var first = keys.Values.First(k => k.Name != trigger).Name;
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.CorrelationKey, start.Location, $"flow '{flow.FlowId}' waits for event '{first}'",
                "it has no key, so an event cannot find the instance that waits for it", "Add the flow's key, such as key: req.orderId (YAML and JSON: at the top; BPMN: the start event's key property)"));
        }

        var policy = SettingsChecks.ParseFailurePolicy(start.GetProperty("on-failure")) ?? "";
        return new BoundDurable(keyCode, trigger, triggerCondition, policy, keys.Values.OrderBy(k => k.Name, StringComparer.Ordinal).ToEquatableArray(), waits.ToEquatableArray())
        {
            Continues = start.GetProperty("continues")?.Trim() is { Length: > 0 } continued ? continued : null,
        };
    }

    private static BoundArm? Arm(
        FlowNode catchNode, FlowEdge? fromGateway, string continueAt, FlowDefinition flow, FlowClassModel flowClass, TypeTable types, EquatableArray<EventModel> events,
        List<BusChecks.Producer> producers, Ancestry ancestors, Dictionary<string, BoundEventKey> keys, Dictionary<string, string> keyTexts, string? keyMember, List<DiagnosticInfo> diagnostics)
    {
        var upstream = producers.Where(p => ancestors[catchNode.Id].Contains(p.NodeId) && p.NodeId != catchNode.Id).ToList();
        if (catchNode.Kind == NodeKind.TimerCatch)
        {
            if (fromGateway?.Condition is { } timerCondition)
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, timerCondition.Location, catchNode.Describe(), "when", timerCondition.Text,
                    "a timer comes when its time does, so a condition on the flow to it is never read; remove it").WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
            if (catchNode.FindProperty("date") is { } date)
            {
                if (DateTimeOffset.TryParse(date.Value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var literal))
                    return new BoundArm(catchNode.Id, null, null, null, null, 0, $"new global::System.DateTimeOffset({literal.UtcTicks.ToString(CultureInfo.InvariantCulture)}L, global::System.TimeSpan.Zero)", continueAt);
                var code = DateCode(date, catchNode, flowClass, types, upstream, diagnostics);
                return code is null ? null : new BoundArm(catchNode.Id, null, null, null, null, 0, code, continueAt);
            }
            if (!SettingsChecks.TryDuration(catchNode.GetProperty("duration"), out var duration) || duration <= TimeSpan.Zero)
            {
                if (catchNode.FindProperty("duration") is null)
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, catchNode.Location, catchNode.Describe(), "duration", "",
                        "a timer needs duration (PT10M, 2d, 30s) or date (an ISO date, or a bus value of type DateTimeOffset)").WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
                return null; // an invalid value is reported by the settings checks
            }
            return new BoundArm(catchNode.Id, null, null, null, null, duration.Ticks, null, continueAt);
        }

        if (catchNode.FindProperty("event") is not { } eventProperty)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, catchNode.Location, catchNode.Describe(), "event", "",
                "a receive needs the name of the event it waits for (YAML/JSON: event: order-paid; BPMN: a message with that name)").WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
            return null;
        }
        var name = eventProperty.Value.Trim();
        if (Find(name, events) is not { } model)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnknownEvent, eventProperty.Location, catchNode.Describe(), name, Known(events)));
            return null;
        }
        var eventValue = new BusValue("e", model.TypeFullName, false);
        var eventRoots = new Dictionary<string, BusValue> { ["event"] = eventValue };

        // The key the event is routed by: the receive's own key path, else the flow key's member on the event.
        string? keyCode;
        string? keyText = null;
        if (catchNode.FindProperty("key") is { } key)
        {
            keyText = key.Value.Trim();
            keyCode = Key(key, catchNode, eventRoots, flowClass, types, diagnostics, "a receive's key reads the event (event.<member>)");
        }
        else if (keyMember is not null && types.Find(model.TypeFullName)?.Properties.FirstOrDefault(p => string.Equals(p.Name, keyMember, StringComparison.OrdinalIgnoreCase)) is { } member)
        {
            keyText = "event." + member.Name;
            keyCode = Key(new NodeProperty("key", keyText, eventProperty.Location), catchNode, eventRoots, flowClass, types, diagnostics, "");
        }
        else
        {
            if (keyMember is not null)
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.CorrelationKey, eventProperty.Location, catchNode.Describe(),
                    $"event '{name}' ({Short(model.TypeFullName)}) has no member {keyMember} to match the flow's key", "Say which member of the event holds the key, such as key: event.customerId"));
            keyCode = null;
        }
        if (keys.TryGetValue(name, out var existing))
        {
            if (keyCode is not null && existing.KeyCode is not null && existing.KeyCode != keyCode)
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.CorrelationKey, catchNode.FindProperty("key")?.Location ?? eventProperty.Location, catchNode.Describe(),
                    $"event '{name}' is routed by {(keyTexts.TryGetValue(name, out var before) ? before : "another key")} elsewhere in this flow, and by {keyText} here", "One event is routed to instances of a flow by one key: use the same key path for every wait on it"));
        }
        else
        {
            keys[name] = new BoundEventKey(name, model.TypeFullName, keyCode);
            if (keyText is not null) keyTexts[name] = keyText;
        }

        string? condition = null;
        if (fromGateway?.Condition is { } when)
        {
            // Over the event and the bus before the wait; errors at their column.
            condition = BusChecks.CompileCondition(when, fromGateway, flowClass, types, upstream, diagnostics, eventRoots);
            if (condition is null) return null;
        }

        string? toField = null;
        if (catchNode.FindProperty("to") is not null && producers.FirstOrDefault(p => p.NodeId == catchNode.Id) is { } producer)
            toField = "state." + BusChecks.FieldName(producer.Output.Scope, CanonicalName(producers, producer.Output));
        return new BoundArm(catchNode.Id, name, model.TypeFullName, condition, toField, 0, null, continueAt);
    }

    /// <summary>
    /// FG0111: an instance waits at one place at a time. A wait may stand in one branch of a fork (the other branches
    /// run on to the join in the same step, and the join's counts are saved with the instance), but not in two
    /// branches of one fork, and not inside a subprocess.
    /// </summary>
    private static void CheckPlaces(FlowDefinition flow, GraphIndex index, List<DiagnosticInfo> diagnostics)
    {
        var waits = flow.NodeIds.Select(id => index.Nodes[id]).Where(GraphIndex.IsWait).ToList();
        if (waits.Count == 0) return;
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var wait in waits.Where(w => w.Scope is not null))
        {
            reported.Add(wait.Id);
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.WaitNotOnMainPath, wait.Location, wait.Describe(), $"subprocess '{wait.Scope}'"));
        }
        foreach (var id in flow.NodeIds)
        {
            var fork = index.Nodes[id];
            if (fork.Kind is not (NodeKind.ParallelGateway or NodeKind.InclusiveGateway) || index.Outgoing[id].Count < 2) continue;
            // The joins where this fork's branches meet again (not a join inside one branch, which its own fork meets).
            var reach = index.Outgoing[id].Select(e => new HashSet<string>(index.ReachableFrom(e.TargetId), StringComparer.Ordinal)).ToList();
            bool Meets(string node) => reach.Count(r => r.Contains(node)) > 1;
            // The waits each branch reaches before they meet; the first branch that waits may, any other may not.
            FlowNode? first = null;
            foreach (var branch in index.Outgoing[id])
            {
                var branchWaits = WaitsBeforeJoin(index, branch.TargetId, Meets);
                if (branchWaits.Count == 0) continue;
                if (first is null)
                {
                    first = branchWaits[0];
                    continue;
                }
                foreach (var wait in branchWaits.Where(w => reported.Add(w.Id)))
                {
                    var where = wait.Id == first.Id
                        ? $"two branches of {fork.Describe()}, which meet there without a join"
                        : $"a branch of {fork.Describe()} while another branch waits at {first.Describe()}";
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.WaitNotOnMainPath, wait.Location, wait.Describe(), where));
                }
            }
            CheckPartialJoins(index, fork, reach, reported, diagnostics);
        }
    }

    /// <summary>
    /// Branches that some of the fork's branches join but not all (one branch ends on its own, the others meet): what
    /// follows such a join runs while the lone branch may still wait. Branches are grouped by the joins they meet at; a
    /// wait reachable from one group before the join of every branch stands beside the waits of another group (the
    /// random-flow test's seed 30951: one branch waited at an event gateway, the other two met and went on to another).
    /// </summary>
    private static void CheckPartialJoins(GraphIndex index, FlowNode fork, List<HashSet<string>> reach, HashSet<string> reported, List<DiagnosticInfo> diagnostics)
    {
        var branches = index.Outgoing[fork.Id];
        var group = Enumerable.Range(0, branches.Count).ToArray();
        int Find(int i) => group[i] == i ? i : group[i] = Find(group[i]);
        for (var i = 0; i < branches.Count; i++)
        {
            for (var j = i + 1; j < branches.Count; j++)
            {
                if (reach[i].Any(id => reach[j].Contains(id) && GraphIndex.Joins(index.Nodes[id]) && index.Incoming[id].Count > 1)) group[Find(j)] = Find(i);
            }
        }
        if (Enumerable.Range(0, branches.Count).Select(Find).Distinct().Count() < 2) return;
        // The waits of each group up to a node every branch reaches (the fork's own join, if it has one).
        bool JoinsAll(string id) => reach.All(r => r.Contains(id));
        FlowNode? first = null;
        foreach (var members in Enumerable.Range(0, branches.Count).GroupBy(Find))
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var waits = members.SelectMany(i => WaitsBeforeJoin(index, branches[i].TargetId, JoinsAll)).Where(w => seen.Add(w.Id)).ToList();
            if (waits.Count == 0) continue;
            if (first is null)
            {
                first = waits[0];
                continue;
            }
            foreach (var wait in waits.Where(w => reported.Add(w.Id)))
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.WaitNotOnMainPath, wait.Location, wait.Describe(),
                    $"a branch of {fork.Describe()} while another branch waits at {first.Describe()}"));
            }
        }
    }

    /// <summary>The waits on a fork's branch, from its first node up to a join where the fork's branches meet, in the order reached.</summary>
    private static List<FlowNode> WaitsBeforeJoin(GraphIndex index, string from, Func<string, bool> branchesMeet)
    {
        var found = new List<FlowNode>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(from);
        while (queue.Count > 0)
        {
            var next = index.Nodes[queue.Dequeue()];
            if (!seen.Add(next.Id)) continue;
            // A join where the branches meet: a parallel or inclusive gateway, or a node that joins as Kstry does (an
            // exclusive gateway, a task): what comes after it is on the main path again.
            if (GraphIndex.Joins(next) && index.Incoming[next.Id].Count > 1 && branchesMeet(next.Id)) continue;
            if (GraphIndex.IsWait(next)) found.Add(next);
            foreach (var edge in index.Outgoing[next.Id]) queue.Enqueue(edge.TargetId);
        }
        return found;
    }

    private static string? Key(NodeProperty key, FlowNode node, Dictionary<string, BusValue> roots, FlowClassModel flowClass, TypeTable types, List<DiagnosticInfo> diagnostics, string hint)
    {
        var parsed = ExpressionParser.Parse(key.Value.Trim());
        if (parsed.Root is PathExpr rooted && parsed.Errors.IsEmpty && !roots.ContainsKey(rooted.Root))
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.CorrelationKey, key.Location, node.Describe(),
                $"the key '{key.Value}' starts with {rooted.Root}., but it can read only {string.Join(" or ", roots.Keys.Select(r => r + "."))}", hint.Length == 0 ? "Fix the path" : "Fix the path: " + hint));
            return null;
        }
        if (parsed.Root is not PathExpr path || !parsed.Errors.IsEmpty)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.CorrelationKey, key.Location, node.Describe(), $"the key '{key.Value}' is not a path", "Write a path such as " + (roots.ContainsKey("event") ? "event.userId" : "req.userId")));
            return null;
        }
        var compiled = ExpressionCompiler.CompileValue(path, new BusChecks.Resolver(flowClass, types, [], roots));
        if (compiled.Code is null || compiled.Type is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.CorrelationKey, key.Location, node.Describe(),
                $"the key '{key.Value}' cannot be read: {compiled.Errors.FirstOrDefault()?.Message ?? "it does not resolve"}", hint.Length == 0 ? "Fix the path" : "Fix the path: " + hint));
            return null;
        }
        if (!KeyTypes.Contains(compiled.Type.TrimEnd('?')))
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.CorrelationKey, key.Location, node.Describe(),
                $"the key '{key.Value}' is {Short(compiled.Type)}", "A correlation key is a string, a whole number or a Guid: point the path at such a member"));
            return null;
        }
        return $"global::FlowGen.Durable.FlowKeys.Format({compiled.Code})";
    }

    private static string? DateCode(NodeProperty date, FlowNode node, FlowClassModel flowClass, TypeTable types, List<BusChecks.Producer> upstream, List<DiagnosticInfo> diagnostics)
    {
        var parsed = ExpressionParser.Parse(date.Value.Trim());
        var compiled = parsed.Root is PathExpr path && parsed.Errors.IsEmpty ? ExpressionCompiler.CompileValue(path, new BusChecks.Resolver(flowClass, types, upstream)) : null;
        if (compiled?.Code is null || compiled.Type?.TrimEnd('?') is not ("global::System.DateTimeOffset" or "global::System.DateTime"))
        {
            var why = compiled?.Code is null ? compiled?.Errors.FirstOrDefault()?.Message ?? "it is neither an ISO date nor a path" : $"it is {Short(compiled.Type!)}";
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, date.Location, node.Describe(), "date", date.Value,
                $"{why}; write an ISO date (2026-12-24T18:00:00Z) or the path of a DateTimeOffset on the bus (sta.expiresAt)").WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
            return null;
        }
        // A DateTimeOffset as it is; a DateTime (or a null) through FlowKeys.Date, which reads an unspecified kind as UTC.
        return compiled.Type == "global::System.DateTimeOffset" ? compiled.Code : $"global::FlowGen.Durable.FlowKeys.Date({compiled.Code})";
    }

    /// <summary>A condition written as a setting (a trigger's when): errors land on the setting.</summary>
    private static string? Condition(string text, LocationInfo location, string where, Dictionary<string, BusValue> roots, FlowClassModel flowClass, TypeTable types, List<BusChecks.Producer> available, List<DiagnosticInfo> diagnostics)
    {
        var parsed = ExpressionParser.Parse(text);
        var errors = parsed.Errors;
        if (errors.IsEmpty && parsed.Root is { } root)
        {
            var compiled = ExpressionCompiler.CompileCondition(root, new BusChecks.Resolver(flowClass, types, available, roots));
            if (compiled.Errors.IsEmpty && compiled.Code is not null) return compiled.Code;
            errors = compiled.Errors;
        }
        foreach (var error in errors.IsEmpty ? [new ExpressionError("FG0501", 0, text.Length, "the condition is empty")] : errors.ToList())
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.All.FirstOrDefault(d => d.Id == error.Id) ?? FlowDiagnostics.ExpressionSyntax, location, "Condition", DiagnosticInfo.Quote(text), where, error.Message));
        return null;
    }

    private static EventModel? Event(FlowNode node, EquatableArray<EventModel> events)
        => node.GetProperty("event") is { } name ? Find(name.Trim(), events) : null;

    private static EventModel? Find(string name, EquatableArray<EventModel> events) => events.FirstOrDefault(e => e.Name == name);

    private static string Known(EquatableArray<EventModel> events)
        => events.Count == 0 ? " (none is)" : " (known events: " + string.Join(", ", events.Select(e => e.Name).Distinct().Take(12)) + ")";

    private static string? LastMember(string path)
    {
        var text = path.Trim();
        var dot = text.LastIndexOf('.');
        return dot < 0 || dot == text.Length - 1 ? null : text.Substring(dot + 1);
    }

    private static string CanonicalName(List<BusChecks.Producer> producers, OutputModel output)
        => producers.First(p => p.Output.Scope == output.Scope && string.Equals(p.Output.Name, output.Name, StringComparison.OrdinalIgnoreCase)).Output.Name;

    private static string Short(string type) => type.Replace("global::", "");
}
