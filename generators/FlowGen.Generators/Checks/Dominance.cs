using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>
/// Which nodes every run passes before another (dominators), and which choices can keep a run from a node: the
/// joins' checks (FG0104, FG0204) and the bus checks (what has certainly run before a join) ask both.
/// </summary>
internal static class Dominance
{
    /// <summary>Immediate dominators of the nodes reachable from a start event (Cooper, Harvey, Kennedy).</summary>
    public static Dictionary<string, string?> Dominators(GraphIndex index, string start)
    {
        var postOrder = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(string Node, int Edge)>();
        stack.Push((start, 0));
        seen.Add(start);
        while (stack.Count > 0)
        {
            var (node, edge) = stack.Pop();
            var outgoing = index.Outgoing[node];
            if (edge < outgoing.Count)
            {
                stack.Push((node, edge + 1));
                var next = outgoing[edge].TargetId;
                if (seen.Add(next)) stack.Push((next, 0));
            }
            else
            {
                postOrder.Add(node);
            }
        }

        var number = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < postOrder.Count; i++) number[postOrder[i]] = i;
        var idom = new Dictionary<string, string?>(StringComparer.Ordinal) { [start] = start };
        var changed = true;
        while (changed)
        {
            changed = false;
            for (var i = postOrder.Count - 1; i >= 0; i--)
            {
                var node = postOrder[i];
                if (node == start) continue;
                string? newIdom = null;
                foreach (var pred in index.Incoming[node].Select(e => e.SourceId))
                {
                    if (!idom.ContainsKey(pred)) continue;
                    newIdom = newIdom is null ? pred : Intersect(pred, newIdom);
                }
                if (newIdom is not null && (!idom.TryGetValue(node, out var old) || old != newIdom))
                {
                    idom[node] = newIdom;
                    changed = true;
                }
            }
        }

        string Intersect(string a, string b)
        {
            while (a != b)
            {
                while (number[a] < number[b]) a = idom[a]!;
                while (number[b] < number[a]) b = idom[b]!;
            }
            return a;
        }

        idom[start] = null;
        return idom;
    }

    /// <summary>
    /// Whether some choice made after a node can keep a run from ever reaching another node: exclusive
    /// gateways pick one branch, conditional flows may be skipped, every other node takes all its flows.
    /// </summary>
    public sealed class Avoidance(GraphIndex index)
    {
        private readonly Dictionary<(string, string), string?> _memo = new();

        /// <summary>The choice node through which a run from <paramref name="from"/> can avoid <paramref name="target"/>, or null.</summary>
        public string? ChoiceAvoiding(string from, string target) => Avoid(from, target, new HashSet<string>(StringComparer.Ordinal));

        private string? Avoid(string from, string target, HashSet<string> path)
        {
            if (from == target) return null;
            if (_memo.TryGetValue((from, target), out var known)) return known;
            if (!path.Add(from)) return null; // a cycle: reported elsewhere
            string? result;
            var node = index.Nodes[from];
            var outgoing = index.Outgoing[from];
            if (outgoing.Count == 0)
            {
                // The branch ends without reaching the target, unless it ends the run with an error (then no join waits).
                result = node.Kind == NodeKind.EndEvent && node.GetProperty("error-code") is not null ? null : from;
            }
            else if (node.Kind is NodeKind.ExclusiveGateway or NodeKind.EventGateway && outgoing.Count > 1)
            {
                // One alternative is taken (an event gateway's: the first event or time): the run avoids the target
                // when some alternative does.
                result = outgoing.Any(e => Avoid(e.TargetId, target, path) is not null) ? from : null;
            }
            else
            {
                result = null;
                string? via = null;
                var all = true;
                foreach (var e in outgoing)
                {
                    if (index.IsChoice(e)) { via ??= from; continue; }
                    var inner = Avoid(e.TargetId, target, path);
                    if (inner is null) { all = false; break; }
                    via ??= inner;
                }
                if (all) result = via;
            }
            path.Remove(from);
            _memo[(from, target)] = result;
            return result;
        }
    }

    /// <summary>True when every path from the start to <paramref name="node"/> passes <paramref name="dominator"/> (given the immediate dominators).</summary>
    public static bool Dominates(Dictionary<string, string?> dominators, string dominator, string node)
    {
        for (string? n = node; n is not null; n = dominators.TryGetValue(n, out var up) ? up : null)
        {
            if (n == dominator) return true;
        }
        return false;
    }
}
