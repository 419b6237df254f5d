namespace FlowGen.Generators.Checks;

/// <summary>
/// The nodes upstream of a node (those with a path to it), found by a walk back from it when first asked for and
/// kept. The bus checks ask at the nodes that read values (tasks, conditions, waits), not at every node.
/// </summary>
internal sealed class Ancestry(GraphIndex index, string start)
{
    /// <summary>
    /// True when every path from the flow's start to <paramref name="target"/> passes one of <paramref name="through"/>:
    /// then one of them has run whenever the target runs (whichever exclusive branch was taken), though no single one
    /// must have. A walk from the start that may not enter those nodes.
    /// </summary>
    public bool EveryPathPasses(string target, IEnumerable<string> through)
    {
        var blocked = new HashSet<string>(through, StringComparer.Ordinal);
        blocked.Remove(target); // a task that reads what it writes (round a loop) does not write it before itself
        if (blocked.Contains(start)) return true;
        var seen = new HashSet<string>(StringComparer.Ordinal) { start };
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            if (current == target) return false;
            if (!index.Outgoing.TryGetValue(current, out var edges)) continue;
            foreach (var edge in edges)
            {
                if (!blocked.Contains(edge.TargetId) && seen.Add(edge.TargetId)) queue.Enqueue(edge.TargetId);
            }
        }
        return true;
    }

    private readonly Dictionary<string, HashSet<string>> _known = new(StringComparer.Ordinal);

    public HashSet<string> this[string id]
    {
        get
        {
            if (_known.TryGetValue(id, out var found)) return found;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var queue = new Queue<string>();
            queue.Enqueue(id);
            while (queue.Count > 0)
            {
                foreach (var edge in index.Incoming[queue.Dequeue()])
                {
                    if (seen.Add(edge.SourceId)) queue.Enqueue(edge.SourceId);
                }
            }
            _known[id] = seen;
            return seen;
        }
    }
}
