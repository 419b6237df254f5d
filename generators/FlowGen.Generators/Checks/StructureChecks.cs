using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FlowGen.Generators.Checks;

/// <summary>
/// Checks that need only the flow file: structure (01xx), reachability and gateways (02xx) and settings
/// (06xx). Every front end's graphs pass through here, so BPMN, JSON and YAML flows obey one set of rules.
/// </summary>
internal static class StructureChecks
{
    public static FlowFile Check(string path, EquatableArray<FlowGraph> graphs, EquatableArray<DiagnosticInfo> syntax, CancellationToken cancellationToken)
        => Check(path, graphs, EquatableArray<FlowGraph>.Empty, syntax, cancellationToken);

    public static FlowFile Check(string path, EquatableArray<FlowGraph> graphs, EquatableArray<FlowGraph> subprocessBodies, EquatableArray<DiagnosticInfo> syntax, CancellationToken cancellationToken, FlowLimits? limits = null)
    {
        limits ??= FlowLimits.Default;
        var diagnostics = new List<DiagnosticInfo>(syntax);
        var fileLevelError = syntax.Any(d => d.Severity == DiagnosticSeverity.Error && d.Id is "FG0001" or "FG0002" or "FG0004" or "FG0005" or "FG0006" or "FG0007" or "FG0102" or "FG0103" or "FG0710" or "FG0711" or "FG0712" or "FG0713");
        var flows = new List<FlowDefinition>();
        var subprocesses = new List<SubprocessDefinition>();
        var fileName = System.IO.Path.GetFileName(path);
        // A process's start events each begin a flow; a subprocess body is checked the same way and kept for its callers.
        var all = graphs.Concat(subprocessBodies).ToList();
        for (var g = 0; g < all.Count; g++)
        {
            var graph = all[g];
            var isSubprocess = g >= graphs.Count;
            cancellationToken.ThrowIfCancellationRequested();
            if (graph.Nodes.Count > limits.MaxNodes)
            {
                // Too large to check in bounded time: one error, and its flows stay uncompiled (marked as having errors).
                var starts0 = graph.Nodes.Where(n => n.Kind == NodeKind.StartEvent).ToList();
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TooManyNodes, (starts0.FirstOrDefault() ?? graph.Nodes[0]).Location,
                    (isSubprocess ? "Subprocess '" : "Process '") + graph.ProcessId + "'", graph.Nodes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    limits.MaxNodes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                if (isSubprocess) subprocesses.Add(new SubprocessDefinition(graph.ProcessId, graph.Name, graph, true, graph.Location));
                else foreach (var start in starts0) flows.Add(new FlowDefinition(start.Id, fileName, graph, new[] { start.Id }.ToEquatableArray(), true));
                continue;
            }
            var index = new GraphIndex(graph);
            var errorElements = new HashSet<string>(StringComparer.Ordinal);
            var loopNodes = new HashSet<string>(StringComparer.Ordinal);
            void Error(DiagnosticInfo d, params string[] elements)
            {
                diagnostics.Add(d);
                if (d.Severity == DiagnosticSeverity.Error) foreach (var e in elements) errorElements.Add(e);
            }

            foreach (var node in graph.Nodes)
            {
                if (node.IsUnsupported) errorElements.Add(node.Id);
            }

            foreach (var edge in graph.Edges)
            {
                if (!index.Nodes.ContainsKey(edge.SourceId))
                    Error(DiagnosticInfo.Create(FlowDiagnostics.DanglingFlow, edge.Location, edge.Id, graph.SourceKey, edge.SourceId), edge.TargetId);
                if (!index.Nodes.ContainsKey(edge.TargetId))
                    Error(DiagnosticInfo.Create(FlowDiagnostics.DanglingFlow, edge.Location, edge.Id, graph.TargetKey, edge.TargetId), edge.SourceId);
            }

            // The same connection written twice (a pasted line) would run its target twice or make a choice ambiguous.
            var connections = new Dictionary<(string, string), FlowEdge>();
            foreach (var edge in graph.Edges)
            {
                // An exclusive gateway may lead to one node under two different conditions (or a condition and its
                // default): that is an 'or'. Anything else twice is a mistake.
                if (connections.TryGetValue((edge.SourceId, edge.TargetId), out var first)
                    && !(index.Nodes.TryGetValue(edge.SourceId, out var source) && source.Kind == NodeKind.ExclusiveGateway
                         && (edge.IsDefault || first.IsDefault || !string.Equals(edge.Condition?.Text?.Trim(), first.Condition?.Text?.Trim(), StringComparison.Ordinal))))
                {
                    Error(DiagnosticInfo.Create(FlowDiagnostics.DuplicateConnection, edge.Location, Describe(edge, graph), "'" + edge.SourceId + "'", "'" + edge.TargetId + "'",
                        DescribeFirst(first, graph) + " at line " + (first.Location.StartLine + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)), edge.SourceId, edge.TargetId);
                }
                else connections[(edge.SourceId, edge.TargetId)] = edge;
            }

            var starts = graph.Nodes.Where(n => n.Kind == NodeKind.StartEvent && !n.IsUnsupported).ToList();
            if (starts.Count == 0 && !graph.Nodes.Any(n => n.Kind == NodeKind.StartEvent) && !(graph.DefinesSubprocesses && graph.Nodes.Count == 0))
                Error(DiagnosticInfo.Create(FlowDiagnostics.NoStartEvent, graph.Location, graph.ProcessId), graph.ProcessId);
            if (isSubprocess && starts.Count > 1)
                Error(DiagnosticInfo.Create(FlowDiagnostics.SubprocessStarts, starts[1].Location, graph.ProcessId, starts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)), graph.ProcessId);

            foreach (var node in graph.Nodes)
            {
                if (node.IsUnsupported) continue;
                var incoming = index.Incoming[node.Id];
                var outgoing = index.Outgoing[node.Id];
                if (node.Kind == NodeKind.StartEvent && incoming.Count > 0)
                    Error(DiagnosticInfo.Create(FlowDiagnostics.StartWithIncoming, node.Location, node.Id), node.Id);
                if (node.Kind == NodeKind.EndEvent && outgoing.Count > 0)
                    Error(DiagnosticInfo.Create(FlowDiagnostics.EndWithOutgoing, node.Location, node.Id), node.Id);
                if (node.Kind != NodeKind.EndEvent && outgoing.Count == 0)
                    Error(DiagnosticInfo.Create(FlowDiagnostics.DeadEnd, node.Location, node.Describe()), node.Id);
            }

            // Unreachable nodes.
            var reachable = new HashSet<string>(StringComparer.Ordinal);
            foreach (var start in graph.Nodes.Where(n => n.Kind == NodeKind.StartEvent))
            {
                foreach (var id in index.ReachableFrom(start.Id)) reachable.Add(id);
            }
            foreach (var node in graph.Nodes)
            {
                if (!node.IsUnsupported && !reachable.Contains(node.Id))
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnreachableNode, node.Location, node.Describe()));
            }

            // Cycles: one that no choice can leave never ends; one with a way out is a loop.
            foreach (var cycle in index.Cycles())
            {
                var members = new HashSet<string>(cycle, StringComparer.Ordinal);
                var inner = cycle.SelectMany(id => index.Outgoing[id]).Where(e => members.Contains(e.TargetId)).ToList();
                var leaves = cycle.SelectMany(id => index.Outgoing[id]).Any(e => !members.Contains(e.TargetId));
                var canChoose = inner.Any(index.IsChoice);
                var first = index.Nodes[cycle[0]];
                var names = string.Join(" -> ", cycle.Take(8)) + (cycle.Count > 8 ? " -> ..." : "");
                // A cycle through a wait (a durable loop) stops at the wait each time round: it may have several exits and
                // choices, but it may not fork or join (the random-flow test found joins that one round left half counted).
                var durable = cycle.Any(id => GraphIndex.IsWait(index.Nodes[id]));
                if (!leaves || !canChoose)
                    Error(DiagnosticInfo.Create(FlowDiagnostics.CycleWithoutExit, first.Location, first.Describe(), names), cycle.ToArray());
                else if ((durable ? LoopShape.UnsupportedThroughWait(index, members) : LoopShape.Unsupported(index, members)) is { } why)
                    Error(DiagnosticInfo.Create(FlowDiagnostics.LoopNotSupported, first.Location, first.Describe(), names, why, durable ? LoopShape.RuleThroughWait : LoopShape.Rule), cycle.ToArray());
                else continue;
                loopNodes.UnionWith(cycle);
            }

            GatewayChecks.Check(index, diagnostics, errorElements);
            SettingsChecks.Check(graph, diagnostics, errorElements);

            if (isSubprocess)
            {
                var hasErrors = fileLevelError || errorElements.Count > 0 || starts.Count == 0;
                if (starts.Count == 1 && !index.ReachableFrom(starts[0].Id).Any(id => index.Nodes[id].Kind == NodeKind.EndEvent))
                {
                    Error(DiagnosticInfo.Create(FlowDiagnostics.EndNotReachable, starts[0].Location, graph.ProcessId), graph.ProcessId);
                    hasErrors = true;
                }
                subprocesses.Add(new SubprocessDefinition(graph.ProcessId, graph.Name, graph, hasErrors, graph.Location));
                continue;
            }

            foreach (var start in starts)
            {
                var flowNodes = index.ReachableFrom(start.Id);
                if (!flowNodes.Any(id => index.Nodes[id].Kind == NodeKind.EndEvent))
                    Error(DiagnosticInfo.Create(FlowDiagnostics.EndNotReachable, start.Location, start.Id), start.Id);
                var hasErrors = fileLevelError || flowNodes.Any(errorElements.Contains);
                flows.Add(new FlowDefinition(start.Id, fileName, graph, flowNodes.ToEquatableArray(), hasErrors)
                {
                    ReportedLoopNodes = flowNodes.Where(loopNodes.Contains).ToEquatableArray(),
                });
            }
        }

        return new FlowFile(path, flows.ToEquatableArray(), diagnostics.ToEquatableArray()) { Subprocesses = subprocesses.ToEquatableArray() };
    }

    // BPMN names a sequence flow by its id; JSON and YAML connections are named by their ends.
    private static string Describe(FlowEdge edge, FlowGraph graph)
        => graph.SourceKey == "sourceRef" ? "Sequence flow '" + edge.Id + "'" : "This connection";

    private static string DescribeFirst(FlowEdge edge, FlowGraph graph)
        => graph.SourceKey == "sourceRef" ? "sequence flow '" + edge.Id + "'" : "the connection";
}
