namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>
/// Shrinks a failing random flow: tries one simplification at a time (a node with one flow in and one out bypassed, a
/// flow removed with what it alone reached, a condition dropped, a gateway's service, open-async, a task's reads,
/// async or static dropped) and keeps each that still fails the same way, until none does or the budget is spent.
/// </summary>
internal static class FlowShrinker
{
    private const int MaxChecks = 250;

    public static FlowVerdict Shrink(FlowVerdict failure)
    {
        var current = failure;
        var checks = 0;
        var progress = true;
        while (progress && checks < MaxChecks)
        {
            progress = false;
            foreach (var candidate in Candidates(current.Flow))
            {
                if (++checks > MaxChecks) break;
                var verdict = FlowChecker.Check([candidate]).Single();
                if (verdict.ProblemKind != failure.ProblemKind) continue;
                current = verdict;
                progress = true;
                break;
            }
        }
        return current;
    }

    /// <summary>Every one-step simplification of the flow, the biggest first.</summary>
    private static IEnumerable<RandomFlow> Candidates(RandomFlow flow)
    {
        foreach (var (index, _) in Graphs(flow))
        {
            var graph = Graphs(flow)[index].Graph;
            foreach (var node in graph.Nodes.Where(n => n.Kind != GraphNodeKind.Start && graph.Incoming(n.Id).Count() == 1 && graph.Outgoing(n.Id).Count() == 1))
            {
                yield return Edit(flow, index, g =>
                {
                    var incoming = g.Incoming(node.Id).Single();
                    var outgoing = g.Outgoing(node.Id).Single();
                    incoming.To = outgoing.To;
                    g.Edges.Remove(outgoing);
                    g.Nodes.RemoveAll(n => n.Id == node.Id);
                });
            }
            for (var e = graph.Edges.Count - 1; e >= 0; e--)
            {
                var edge = e;
                yield return Edit(flow, index, g => g.Edges.RemoveAt(edge));
            }
            for (var e = 0; e < graph.Edges.Count; e++)
            {
                var edge = e;
                if (graph.Edges[e].When is not null) yield return Edit(flow, index, g => g.Edges[edge].When = null);
                if (graph.Edges[e].IsDefault) yield return Edit(flow, index, g => g.Edges[edge].IsDefault = false);
            }
            for (var n = 0; n < graph.Nodes.Count; n++)
            {
                var node = graph.Nodes[n];
                var at = n;
                if (node.Task is not null && node.Kind != GraphNodeKind.Task) yield return Edit(flow, index, g => g.Nodes[at].Task = null);
                if (node.OpenAsync) yield return Edit(flow, index, g => g.Nodes[at].OpenAsync = false);
                if (node.IteAsync) yield return Edit(flow, index, g => g.Nodes[at].IteAsync = false);
                if (node.Task is { } task)
                {
                    if (task.ReadsVars.Count > 0) yield return Edit(flow, index, g => g.Nodes[at].Task = task with { ReadsVars = [] });
                    if (task.Async) yield return Edit(flow, index, g => g.Nodes[at].Task = task with { Async = false });
                    if (task.Static) yield return Edit(flow, index, g => g.Nodes[at].Task = task with { Static = false });
                    if (task.ToResult) yield return Edit(flow, index, g => g.Nodes[at].Task = task with { ToResult = false });
                }
            }
        }
        if (flow.LoopLimit is not null)
        {
            var copy = flow.Clone();
            copy.LoopLimit = null;
            yield return copy;
        }
    }

    /// <summary>The flow's graphs in a fixed order (main, subflow definitions, embedded bodies), so an index finds the same graph in a clone.</summary>
    private static List<(int Index, FlowGraph Graph)> Graphs(RandomFlow flow)
        => flow.Main.AllGraphs().Concat(flow.Subflows.OrderBy(s => s.Key, StringComparer.Ordinal).SelectMany(s => s.Value.AllGraphs())).Select((g, i) => (i, g)).ToList();

    private static RandomFlow Edit(RandomFlow flow, int index, Action<FlowGraph> change)
    {
        var copy = flow.Clone();
        var graph = Graphs(copy)[index].Graph;
        change(graph);
        Prune(graph);
        foreach (var unused in copy.Subflows.Keys.Where(name => !copy.AllGraphs().Any(g => g.Nodes.Any(n => n.Calls == name))).ToList())
            copy.Subflows.Remove(unused);
        return copy;
    }

    /// <summary>Drops the nodes the start no longer reaches, with their flows.</summary>
    private static void Prune(FlowGraph graph)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal) { graph.StartId };
        var stack = new Stack<string>([graph.StartId]);
        while (stack.Count > 0)
        {
            foreach (var edge in graph.Outgoing(stack.Pop()))
            {
                if (reached.Add(edge.To)) stack.Push(edge.To);
            }
        }
        graph.Nodes.RemoveAll(n => !reached.Contains(n.Id));
        graph.Edges.RemoveAll(e => !reached.Contains(e.From) || !reached.Contains(e.To));
    }
}
