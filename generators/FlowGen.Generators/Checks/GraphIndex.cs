using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>Adjacency of a flow graph (edges whose ends exist), in document order. Built once per check run.</summary>
internal sealed class GraphIndex
{
    public GraphIndex(FlowGraph graph)
    {
        Graph = graph;
        foreach (var node in graph.Nodes)
        {
            Nodes[node.Id] = node;
            Outgoing[node.Id] = [];
            Incoming[node.Id] = [];
        }
        foreach (var edge in graph.Edges)
        {
            if (!Nodes.ContainsKey(edge.SourceId) || !Nodes.ContainsKey(edge.TargetId)) continue;
            Outgoing[edge.SourceId].Add(edge);
            Incoming[edge.TargetId].Add(edge);
        }
    }

    public FlowGraph Graph { get; }

    public Dictionary<string, FlowNode> Nodes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<FlowEdge>> Outgoing { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<FlowEdge>> Incoming { get; } = new(StringComparer.Ordinal);

    public static bool IsGateway(FlowNode node) => node.Kind is NodeKind.ExclusiveGateway or NodeKind.ParallelGateway or NodeKind.InclusiveGateway;

    /// <summary>
    /// The node kinds that join several incoming flows as an inclusive gateway would (Kstry's implicit join: it waits
    /// for the branches that can still arrive, and runs once). Inside a loop only alternatives meet, and pass through.
    /// </summary>
    public static bool ImplicitlyJoins(FlowNode node) => node.Kind is NodeKind.ServiceTask or NodeKind.SubProcess or NodeKind.CallActivity or NodeKind.ExclusiveGateway;

    /// <summary>
    /// Nodes that wait for their incoming branches when several flows enter them outside a loop: parallel and inclusive
    /// gateways, and as Kstry does (an inclusive join it puts in front), exclusive gateways, tasks, subprocesses and
    /// call activities. An event gateway passes each flow on.
    /// </summary>
    public static bool Joins(FlowNode node) => node.Kind is NodeKind.ParallelGateway or NodeKind.InclusiveGateway || ImplicitlyJoins(node);

    /// <summary>A wait of a durable flow: a message or timer catch, or an event gateway.</summary>
    public static bool IsWait(FlowNode node) => node.Kind is NodeKind.MessageCatch or NodeKind.TimerCatch or NodeKind.EventGateway;

    /// <summary>
    /// A node where a durable run stops and persists: an event gateway, or a catch that is not one of an event
    /// gateway's targets (those are the gateway's arms: the run waits at the gateway for all of them).
    /// </summary>
    public bool StopsRun(FlowNode node)
        => node.Kind == NodeKind.EventGateway
           || (node.Kind is NodeKind.MessageCatch or NodeKind.TimerCatch && !Incoming[node.Id].Any(e => Nodes[e.SourceId].Kind == NodeKind.EventGateway));

    /// <summary>
    /// True when every cycle through the edge passes a wait: a durable loop, where each time round is a step of its
    /// own (the run stops at the wait), so it needs none of the in-memory loop machinery.
    /// </summary>
    public bool OnlyDurableCycles(FlowEdge edge)
    {
        // Is the edge's source reachable from its target without passing a wait?
        var seen = new HashSet<string>(StringComparer.Ordinal) { edge.TargetId };
        var queue = new Queue<string>();
        if (IsWait(Nodes[edge.TargetId])) return true;
        queue.Enqueue(edge.TargetId);
        while (queue.Count > 0)
        {
            var id = queue.Dequeue();
            if (id == edge.SourceId) return false;
            foreach (var next in Outgoing[id])
            {
                if (IsWait(Nodes[next.TargetId]))
                {
                    continue;
                }
                if (seen.Add(next.TargetId)) queue.Enqueue(next.TargetId);
            }
        }
        return true;
    }

    /// <summary>Nodes reachable from <paramref name="from"/> (inclusive), in discovery order.</summary>
    public List<string> ReachableFrom(string from)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { from };
        var order = new List<string> { from };
        for (var i = 0; i < order.Count; i++)
        {
            foreach (var edge in Outgoing[order[i]])
            {
                if (seen.Add(edge.TargetId)) order.Add(edge.TargetId);
            }
        }
        return order;
    }

    /// <summary>
    /// True when the flow may skip this edge even though its source ran: an alternative of an exclusive
    /// gateway, a conditional flow (not of a parallel gateway), or a default flow.
    /// </summary>
    public bool IsChoice(FlowEdge edge)
    {
        var source = Nodes[edge.SourceId];
        if (source.Kind == NodeKind.ParallelGateway) return false;
        if (source.Kind == NodeKind.ExclusiveGateway) return Outgoing[source.Id].Count > 1;
        // An event gateway takes the arm whose event or time comes first.
        if (source.Kind == NodeKind.EventGateway) return Outgoing[source.Id].Count > 1 || edge.Condition is not null;
        if (edge.IsDefault) return true;
        return edge.Condition is { } c && !IsLiteralTrue(c);
    }

    public static bool IsLiteralTrue(ConditionSource condition)
        => condition.Parsed.Root is Expressions.LiteralExpr { Kind: Expressions.LiteralKind.Boolean, Value: "true" };

    /// <summary>Strongly connected components with a cycle (Tarjan), each in document order.</summary>
    /// <param name="throughWaits">
    /// False to leave out the flows into waits of a durable flow: what is left are the loops a run goes round within one
    /// step (a flow back through a wait is a new step each time, not a loop to drive).
    /// </param>
    public List<List<string>> Cycles(bool throughWaits = true)
    {
        var index = 0;
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var indices = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<List<string>>();
        var order = Graph.Nodes.Select(n => n.Id).Where(Nodes.ContainsKey).Distinct().ToList();
        var position = order.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);

        // Iterative Tarjan, so that a long chain cannot overflow the generator's stack.
        foreach (var root in order)
        {
            if (indices.ContainsKey(root)) continue;
            var work = new Stack<(string Node, int EdgeIndex)>();
            work.Push((root, 0));
            indices[root] = low[root] = index++;
            stack.Push(root);
            onStack.Add(root);
            while (work.Count > 0)
            {
                var (node, edgeIndex) = work.Pop();
                var outgoing = Outgoing[node];
                if (edgeIndex < outgoing.Count)
                {
                    work.Push((node, edgeIndex + 1));
                    var next = outgoing[edgeIndex].TargetId;
                    if (!throughWaits && IsWait(Nodes[next])) continue;
                    if (!indices.ContainsKey(next))
                    {
                        indices[next] = low[next] = index++;
                        stack.Push(next);
                        onStack.Add(next);
                        work.Push((next, 0));
                    }
                    else if (onStack.Contains(next))
                    {
                        low[node] = Math.Min(low[node], indices[next]);
                    }
                    continue;
                }

                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[node]);
                }

                if (low[node] == indices[node])
                {
                    var component = new List<string>();
                    string member;
                    do
                    {
                        member = stack.Pop();
                        onStack.Remove(member);
                        component.Add(member);
                    }
                    while (member != node);
                    var selfLoop = component.Count == 1 && Outgoing[node].Any(e => e.TargetId == node && (throughWaits || !IsWait(Nodes[node])));
                    if (component.Count > 1 || selfLoop)
                    {
                        component.Sort((a, b) => position[a].CompareTo(position[b]));
                        result.Add(component);
                    }
                }
            }
        }
        return result;
    }
}
