namespace FlowGen.Generators.Checks;

/// <summary>
/// The nodes upstream of a node (those with a path to it), found by a walk back from it when first asked for and
/// kept. The bus checks ask at the nodes that read values (tasks, conditions, waits), not at every node.
/// </summary>
internal sealed class Ancestry(GraphIndex index)
{
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
