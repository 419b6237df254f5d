using System.Globalization;
using System.Text;

namespace FlowGen;

/// <summary>What a run recorded when <see cref="FlowRunOptions.Tracking"/> asked for it.</summary>
public sealed class FlowTrace(string flowId)
{
    private readonly List<NodeTrace> _nodes = [];
    private readonly Lock _lock = new();

    /// <summary>The flow id.</summary>
    public string FlowId { get; } = flowId;

    /// <summary>The whole run's duration.</summary>
    public TimeSpan Duration { get; internal set; }

    /// <summary>The nodes in the order they finished.</summary>
    public IReadOnlyList<NodeTrace> Nodes
    {
        get
        {
            lock (_lock) return _nodes.ToArray();
        }
    }

    internal void Add(NodeTrace node)
    {
        lock (_lock) _nodes.Add(node);
    }

    /// <summary>A compact timeline: one line per node with its start offset, duration and outcome.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"flow {FlowId}: {Duration.TotalMilliseconds:F1} ms").AppendLine();
        foreach (var node in Nodes.OrderBy(n => n.Start))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"  +{node.Start.TotalMilliseconds,7:F1} ms {node.Duration.TotalMilliseconds,7:F1} ms  {node.Outcome,-7} {node.NodeId}{(node.NodeName is null ? "" : " (" + node.NodeName + ")")}").AppendLine();
        }
        return text.ToString();
    }
}

/// <summary>One node of a run: when it started (from the run's start), how long it took, and how it ended.</summary>
public sealed record NodeTrace(string NodeId, string? NodeName, TimeSpan Start, TimeSpan Duration, string Outcome, int ThreadId);
