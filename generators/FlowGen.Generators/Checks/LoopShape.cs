using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>
/// Loops FlowGen runs: a cycle of tasks and exclusive gateways that the run leaves through one flow of an
/// exclusive gateway. Each time round, one token goes through the loop, so its nodes need no join counts;
/// the flow that goes back to the loop's first node (a back edge) restarts it without deepening the stack.
/// </summary>
internal static class LoopShape
{
    /// <summary>The rule a loop keeps, as FG0106 states it.</summary>
    public const string Rule = "A loop may hold tasks and exclusive gateways, and must leave through one flow of an exclusive gateway";

    /// <summary>The rule a loop through a wait keeps, as FG0106 states it.</summary>
    public const string RuleThroughWait = "A loop through a wait may hold tasks, exclusive gateways and waits, and may leave from any of them, but nothing on it may fork or join";

    /// <summary>Why a cycle cannot run as a loop, or null when it can.</summary>
    public static string? Unsupported(GraphIndex index, HashSet<string> members)
    {
        foreach (var id in members)
        {
            var node = index.Nodes[id];
            if (node.Kind is NodeKind.ParallelGateway or NodeKind.InclusiveGateway)
                return $"{node.Describe()} would fork or join inside the loop";
            var outgoing = index.Outgoing[id];
            if (node.Kind != NodeKind.ExclusiveGateway && (outgoing.Count > 1 || outgoing.Any(e => e.Condition is not null || e.IsDefault)))
                return $"{node.Describe()} has conditional or several outgoing flows inside the loop (use an exclusive gateway)";
        }
        var exits = members.SelectMany(id => index.Outgoing[id]).Where(e => !members.Contains(e.TargetId)).ToList();
        if (exits.Count != 1)
            return $"it has {exits.Count} flows leaving it ({string.Join(", ", exits.Select(e => e.Id))})";
        if (index.Nodes[exits[0].SourceId].Kind != NodeKind.ExclusiveGateway)
            return $"it is left by '{exits[0].Id}', which does not leave an exclusive gateway";
        return null;
    }

    /// <summary>
    /// Why a cycle through a wait of a durable flow (each time round a step of its own) cannot run, or null when it can:
    /// it may have several exits and choices at tasks' gateways, but nothing on it may fork or join, since the join
    /// counts of one round would meet the branches of the next.
    /// </summary>
    public static string? UnsupportedThroughWait(GraphIndex index, HashSet<string> members)
    {
        foreach (var id in members)
        {
            var node = index.Nodes[id];
            if (node.Kind is NodeKind.ParallelGateway or NodeKind.InclusiveGateway)
                return $"{node.Describe()} would fork or join inside the loop";
            if (node.Kind is not (NodeKind.ExclusiveGateway or NodeKind.EventGateway) && index.Outgoing[id].Count > 1)
                return $"{node.Describe()} has several outgoing flows inside the loop, so it would fork (use an exclusive gateway)";
        }
        return null;
    }

    /// <summary>The flows that go back to a node already on the path from the start (depth-first): the back edges.</summary>
    public static HashSet<string> BackEdges(GraphIndex index, string start)
    {
        var back = new HashSet<string>(StringComparer.Ordinal);
        var onPath = new HashSet<string>(StringComparer.Ordinal) { start };
        var done = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(string Node, int Edge)>();
        stack.Push((start, 0));
        while (stack.Count > 0)
        {
            var (node, edge) = stack.Pop();
            var outgoing = index.Outgoing[node];
            if (edge >= outgoing.Count)
            {
                onPath.Remove(node);
                done.Add(node);
                continue;
            }
            stack.Push((node, edge + 1));
            var next = outgoing[edge];
            if (onPath.Contains(next.TargetId)) back.Add(next.Id);
            else if (!done.Contains(next.TargetId) && onPath.Add(next.TargetId)) stack.Push((next.TargetId, 0));
        }
        return back;
    }
}
