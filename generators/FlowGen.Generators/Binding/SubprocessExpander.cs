using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Binding;

/// <summary>
/// Expands subprocesses into the flows that run them: an embedded subProcess runs its own body in place, a
/// callActivity the body its calledElement names (from any flow file). The body's nodes join the caller's graph
/// under the subprocess node's id (<c>Call/Inner</c>), so that one set of checks and one emitter serve both, and
/// a subprocess called twice is two sets of nodes. The subprocess node starts the body; a made node
/// <c>Call#end</c> continues the caller after it.
/// </summary>
internal static class SubprocessExpander
{
    public const string ExitSuffix = "#end";

    public static (FlowDefinition Flow, List<DiagnosticInfo> Diagnostics) Expand(FlowDefinition flow, EquatableArray<SubprocessDefinition> subprocesses)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var graph = flow.Graph;
        var inFlow = new HashSet<string>(flow.NodeIds, StringComparer.Ordinal);
        if (!graph.Nodes.Any(n => inFlow.Contains(n.Id) && n.Kind is NodeKind.SubProcess or NodeKind.CallActivity)) return (flow, diagnostics);

        var byId = new Dictionary<string, SubprocessDefinition>(StringComparer.Ordinal);
        foreach (var definition in subprocesses)
        {
            if (!byId.ContainsKey(definition.Id)) byId[definition.Id] = definition;
        }

        var nodes = new List<FlowNode>();
        var edges = new List<FlowEdge>();
        var hasErrors = flow.HasErrors;
        var stack = new List<string>();
        // Fire-and-forget subflows (await: false): the caller goes on from the subflow node straight to its end, and the
        // body's ends end there, so nothing after the subflow sees what the body writes (it runs on a copy of the bus).
        var detached = new HashSet<string>(StringComparer.Ordinal);

        void AddScope(IEnumerable<FlowNode> scopeNodes, IEnumerable<FlowEdge> scopeEdges, string prefix, string? scope, string? startId, string? entryId, string? exitId)
        {
            var exits = new Dictionary<string, string>(StringComparer.Ordinal); // subprocess node -> its exit
            foreach (var node in scopeNodes)
            {
                if (node.Id == startId) continue; // a body's start event is its subprocess node
                var id = prefix + node.Id;
                if (node.Kind is not (NodeKind.SubProcess or NodeKind.CallActivity))
                {
                    nodes.Add(node with { Id = id, Scope = scope });
                    if (node.Kind == NodeKind.EndEvent && exitId is not null && !detached.Contains(scope!))
                        edges.Add(new FlowEdge(id + ExitSuffix, null, id, exitId, null, false, node.Location));
                    continue;
                }

                var calledProperty = node.FindProperty("called-element");
                var called = node.Kind == NodeKind.SubProcess ? node.Id : calledProperty?.Value ?? "";
                // An embedded subProcess runs its own body: the definition of its id in its own file (ids are one namespace
                // for call activities, but two files may each embed a body of the same id).
                var definition = node.Kind == NodeKind.SubProcess
                    ? subprocesses.FirstOrDefault(d => d.Id == called && string.Equals(d.Graph.FilePath, node.Location.FilePath, StringComparison.Ordinal))
                    : null;
                if (definition is null && !byId.TryGetValue(called, out definition))
                {
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnknownCalledElement, calledProperty?.Location ?? node.Location, node.Describe(), called, Suggest(called, byId.Keys)));
                    hasErrors = true;
                    nodes.Add(node with { Id = id, Scope = scope });
                    continue;
                }
                if (stack.Contains(called))
                {
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.RecursiveCall, node.Location, node.Describe(), called,
                        string.Join(" -> ", stack.Append(called))));
                    hasErrors = true;
                    nodes.Add(node with { Id = id, Scope = scope });
                    continue;
                }
                hasErrors |= definition.HasErrors;

                // The subprocess node carries the body's settings (strict-mode, timeout); its own win.
                var properties = definition.Graph.Properties.Where(p => node.FindProperty(p.Name) is null).Concat(node.Properties).ToEquatableArray();
                nodes.Add(node with { Id = id, Scope = scope, Properties = properties, Name = node.Name ?? definition.Name });
                var exit = id + ExitSuffix;
                nodes.Add(new FlowNode(exit, node.Name ?? definition.Name, NodeKind.SubprocessExit, "end of " + node.Element, EquatableArray<NodeProperty>.Empty, node.Location) { Scope = scope });
                exits[node.Id] = exit;
                if (Checks.SettingsChecks.IsDetached(node))
                {
                    detached.Add(id);
                    edges.Add(new FlowEdge(id + "->" + exit, null, id, exit, null, false, node.Location));
                }

                var body = definition.Graph;
                var start = body.Nodes.FirstOrDefault(n => n.Kind == NodeKind.StartEvent);
                stack.Add(called);
                AddScope(body.Nodes, body.Edges, id + "/", id, start?.Id, id, exit);
                stack.RemoveAt(stack.Count - 1);
            }

            foreach (var edge in scopeEdges)
            {
                var source = edge.SourceId == startId ? entryId! : exits.TryGetValue(edge.SourceId, out var exitOf) ? exitOf : prefix + edge.SourceId;
                edges.Add(edge with { Id = prefix + edge.Id, SourceId = source, TargetId = prefix + edge.TargetId });
            }
        }

        AddScope(graph.Nodes.Where(n => inFlow.Contains(n.Id)), graph.Edges.Where(e => inFlow.Contains(e.SourceId)), "", null, null, null, null);

        var expanded = graph with { Nodes = nodes.ToEquatableArray(), Edges = edges.ToEquatableArray() };
        var index = new Checks.GraphIndex(expanded);
        var order = index.ReachableFrom(flow.FlowId);
        return (flow with { Graph = expanded, NodeIds = order.ToEquatableArray(), HasErrors = hasErrors }, diagnostics);
    }

    private static string Suggest(string called, IEnumerable<string> known)
    {
        var all = known.OrderBy(k => k, StringComparer.Ordinal).ToList();
        return all.Count == 0 ? " (the project has no subProcess)" : " (subprocesses: " + string.Join(", ", all.Take(10)) + (all.Count > 10 ? ", ..." : "") + ")";
    }
}
