using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FlowGen.Generators.Checks;

/// <summary>Gateway rules (02xx): joins that can never complete, choices that may match nothing, misplaced conditions.</summary>
internal static class GatewayChecks
{
    public static void Check(GraphIndex index, List<DiagnosticInfo> diagnostics, HashSet<string> errorElements)
    {
        foreach (var node in index.Graph.Nodes)
        {
            if (node.IsUnsupported || !index.Nodes.ContainsKey(node.Id)) continue;
            var outgoing = index.Outgoing[node.Id];

            foreach (var edge in outgoing)
            {
                if (node.Kind == NodeKind.ParallelGateway && edge.Condition is not null)
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.ConditionIgnored, edge.Condition.Location, edge.Id, node.Id));
                if (edge.IsDefault && node.Kind is NodeKind.ParallelGateway)
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidDefaultFlow, edge.Location, $"sequence flow '{edge.Id}'",
                        $"a {node.Element} takes every outgoing flow, so a default flow means nothing here; remove the default marker"));
                else if (edge.IsDefault && edge.Condition is not null)
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidDefaultFlow, edge.Condition.Location, $"sequence flow '{edge.Id}'",
                        "it is a default flow and also has a condition; a default flow is taken exactly when no other condition is true, so its condition is ignored; remove it"));
            }

            if (node.Kind == NodeKind.ExclusiveGateway) CheckUnconditional(node, outgoing, diagnostics);

            var choosing = node.Kind is NodeKind.ExclusiveGateway or NodeKind.InclusiveGateway
                || (node.Kind is NodeKind.ServiceTask or NodeKind.StartEvent && outgoing.Count > 0 && outgoing.All(e => e.Condition is not null || e.IsDefault));
            if (choosing && outgoing.Count > 0 && MayMatchNothing(outgoing))
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.ConditionsMayAllBeFalse, node.Location, node.Describe()));
        }

        // Strict parallel joins: every incoming branch must arrive whenever the join is reached.
        List<List<string>>? loops = null;
        foreach (var start in index.Graph.Nodes.Where(n => n.Kind == NodeKind.StartEvent && !n.IsUnsupported && index.Nodes.ContainsKey(n.Id)))
        {
            var dominators = Dominance.Dominators(index, start.Id);
            foreach (var loop in loops ??= index.Cycles(throughWaits: false)) CheckLoopEntries(index, loop, dominators, diagnostics, errorElements);
            foreach (var join in dominators.Keys.Select(id => index.Nodes[id]))
            {
                if (join.Kind != NodeKind.ParallelGateway || index.Incoming[join.Id].Count < 2) continue;
                if (SettingsChecks.IsFalse(join.GetProperty("strict-mode"))) continue;
                var dominator = dominators[join.Id];
                if (dominator is null) continue;
                var avoid = new Dominance.Avoidance(index);
                foreach (var edge in index.Incoming[join.Id])
                {
                    var choice = index.IsChoice(edge) ? edge.SourceId : avoid.ChoiceAvoiding(dominator, edge.SourceId);
                    if (choice is null) continue;
                    var d = DiagnosticInfo.Create(FlowDiagnostics.JoinMayNeverComplete, join.Location, join.Id,
                        index.Incoming[join.Id].Count.ToString(System.Globalization.CultureInfo.InvariantCulture), edge.Id, index.Nodes[choice].Describe())
                        .WithAdditional(edge.Location);
                    if (!diagnostics.Contains(d)) diagnostics.Add(d);
                    errorElements.Add(join.Id);
                    break;
                }
            }
        }
    }

    /// <summary>
    /// An exclusive gateway takes the first flow, in its order (Kstry's O1:, O2: ... first, then document order), whose
    /// condition is true; a flow without a condition is true. A second such flow can never be taken: FG0208 at it.
    /// </summary>
    private static void CheckUnconditional(FlowNode node, List<FlowEdge> outgoing, List<DiagnosticInfo> diagnostics)
    {
        FlowEdge? first = null;
        foreach (var edge in outgoing.Where(e => !e.IsDefault).Select((e, i) => (Edge: e, Index: i))
            .OrderBy(e => e.Edge.Condition?.Parsed.Order ?? int.MaxValue).ThenBy(e => e.Index).Select(e => e.Edge))
        {
            if (edge.Condition is not null && !GraphIndex.IsLiteralTrue(edge.Condition)) continue;
            if (first is null) first = edge;
            else diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.SeveralUnconditionalFlows, edge.Condition?.Location ?? edge.Location, edge.Id, node.Id, first.Id));
        }
    }

    /// <summary>
    /// False when one outgoing flow is always taken: a default flow, a flow without condition or with
    /// <c>true</c>, or two conditions that are each other's negation (<c>a &lt; 1</c> / <c>a &gt;= 1</c>).
    /// </summary>
    private static bool MayMatchNothing(List<FlowEdge> outgoing)
    {
        if (outgoing.Any(e => e.IsDefault || e.Condition is null || GraphIndex.IsLiteralTrue(e.Condition))) return false;
        var roots = outgoing.Select(e => e.Condition!.Parsed.Root).Where(r => r is not null).Select(r => r!).ToList();
        for (var i = 0; i < roots.Count; i++)
        {
            for (var j = i + 1; j < roots.Count; j++)
            {
                if (ExpressionShapes.AreComplementary(roots[i], roots[j])) return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A loop has no joins: only alternatives may enter it. When a fork (a parallel or inclusive gateway, a task with
    /// several flows out) between the entries' common dominator and the entries can take two of them in one run, the
    /// loop would run once per branch at the same time: FG0104 at the first node entered.
    /// </summary>
    private static void CheckLoopEntries(GraphIndex index, List<string> loop, Dictionary<string, string?> dominators, List<DiagnosticInfo> diagnostics, HashSet<string> errorElements)
    {
        var members = new HashSet<string>(loop, StringComparer.Ordinal);
        var entries = loop.SelectMany(id => index.Incoming[id]).Where(e => !members.Contains(e.SourceId) && dominators.ContainsKey(e.SourceId)).ToList();
        if (entries.Count < 2) return;

        // The last node every path to every entry passes: walk the first source's dominators up until one dominates all.
        var chain = new List<string>();
        for (string? n = entries[0].SourceId; n is not null; n = dominators.TryGetValue(n, out var up) ? up : null) chain.Add(n);
        var common = chain.FirstOrDefault(c => entries.All(e => Dominance.Dominates(dominators, c, e.SourceId)));
        if (common is null) return;

        // The nodes between it and the entries, found backwards from the entries.
        var region = new HashSet<string>(StringComparer.Ordinal) { common };
        var queue = new Queue<string>(entries.Select(e => e.SourceId).Where(region.Add));
        while (queue.Count > 0)
        {
            foreach (var edge in index.Incoming[queue.Dequeue()])
            {
                if (!members.Contains(edge.SourceId) && dominators.ContainsKey(edge.SourceId) && region.Add(edge.SourceId)) queue.Enqueue(edge.SourceId);
            }
        }
        var entryIds = new HashSet<string>(entries.Select(e => e.Id), StringComparer.Ordinal);
        foreach (var id in region.OrderBy(id => index.Nodes[id].Location.Start))
        {
            var node = index.Nodes[id];
            if (node.Kind is NodeKind.ExclusiveGateway or NodeKind.EventGateway) continue; // one way only
            var onward = index.Outgoing[id].Count(e => region.Contains(e.TargetId) || entryIds.Contains(e.Id));
            if (onward < 2) continue;
            var first = index.Nodes[entries.OrderBy(e => index.Nodes[e.TargetId].Location.Start).First().TargetId];
            var d = DiagnosticInfo.Create(FlowDiagnostics.SeveralIncoming, first.Location, first.Describe(),
                entries.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Join(", ", entries.Select(e => e.Id)), node.Describe());
            if (!diagnostics.Contains(d)) diagnostics.Add(d);
            errorElements.Add(first.Id);
            return;
        }
    }
}
