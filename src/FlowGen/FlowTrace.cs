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

    /// <summary>The request id of the run.</summary>
    public string? RequestId { get; internal set; }

    /// <summary>The structural version of the flow that ran (its generated <c>FlowVersion</c>).</summary>
    public string? FlowVersion { get; internal set; }

    // The flow that ran: its nodes and its picture, for ToMermaid.
    internal FlowDescriptor? Flow { get; set; }

    /// <summary>
    /// The run drawn on its flow's SVG picture (the generated <c>Svg</c> constant): the nodes it recorded coloured by
    /// outcome as in <see cref="ToMermaid"/>, their tooltips ending with how long they took (docs/pictures.md).
    /// </summary>
    /// <exception cref="InvalidOperationException">The trace does not come from a generated flow's run.</exception>
    public string ToSvg()
    {
        var flow = Flow ?? throw new InvalidOperationException($"trace of flow '{FlowId}' has no picture: only the trace of a generated flow's run can be drawn");
        return FlowPictures.Svg(flow, Marks());
    }

    /// <summary>
    /// The run drawn on its flow's picture (the generated <c>Mermaid</c> constant): nodes that ran, failed, were skipped,
    /// ignored (or timed out and went on), or where a durable run stopped to wait get classes of their own colour, and each node's label ends with how long it took (docs/pictures.md).
    /// Nodes without an entry (gateways, or the branches a choice did not take) keep the flow's colours.
    /// </summary>
    /// <exception cref="InvalidOperationException">The trace does not come from a generated flow's run.</exception>
    public string ToMermaid()
    {
        var flow = Flow ?? throw new InvalidOperationException($"trace of flow '{FlowId}' has no picture: only the trace of a generated flow's run can be drawn");
        return FlowPictures.Mermaid(flow, Marks());
    }

    // Each node's total time, last outcome and count (a node in a loop or a foreach body runs several times).
    private IReadOnlyList<FlowNodeMark> Marks() => FlowPictures.Marks(Nodes.Select(n => (n.NodeId, n.Outcome, n.Duration)));

    /// <summary>
    /// The trace as JSON (written with Utf8JsonWriter: no reflection). Inputs and outputs are written as their
    /// ToString() text, so that any value can be shown.
    /// </summary>
    public string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("flowId", FlowId);
            if (FlowVersion is not null) json.WriteString("flowVersion", FlowVersion);
            if (RequestId is not null) json.WriteString("requestId", RequestId);
            json.WriteNumber("durationMs", Math.Round(Duration.TotalMilliseconds, 3));
            json.WriteStartArray("nodes");
            foreach (var node in Nodes.OrderBy(n => n.Start))
            {
                json.WriteStartObject();
                json.WriteString("nodeId", node.NodeId);
                if (node.NodeName is not null) json.WriteString("nodeName", node.NodeName);
                if (node.Service is not null) json.WriteString("service", node.Service);
                json.WriteNumber("startMs", Math.Round(node.Start.TotalMilliseconds, 3));
                json.WriteNumber("durationMs", Math.Round(node.Duration.TotalMilliseconds, 3));
                json.WriteString("outcome", node.Outcome);
                json.WriteNumber("thread", node.ThreadId);
                WriteValues(json, "inputs", node.Inputs);
                WriteValues(json, "outputs", node.Outputs);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValues(System.Text.Json.Utf8JsonWriter json, string name, IReadOnlyList<KeyValuePair<string, object?>>? values)
    {
        if (values is null) return;
        json.WriteStartObject(name);
        foreach (var (key, value) in values)
        {
            if (value is null) json.WriteNull(key);
            else json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
        }
        json.WriteEndObject();
    }

    internal void Add(NodeTrace node)
    {
        lock (_lock) _nodes.Add(node);
    }

    /// <summary>A compact timeline: one line per node with its start offset, duration and outcome.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"flow {FlowId}{(FlowVersion is null ? "" : " (version " + FlowVersion + ")")}: {Duration.TotalMilliseconds:F1} ms").AppendLine();
        foreach (var node in Nodes.OrderBy(n => n.Start))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"  +{node.Start.TotalMilliseconds,7:F1} ms {node.Duration.TotalMilliseconds,7:F1} ms  {node.Outcome,-7} {node.NodeId}{(node.NodeName is null ? "" : " (" + node.NodeName + ")")}{(node.Service is null ? "" : " [" + node.Service + "]")}").AppendLine();
            if (node.Inputs is { Count: > 0 } inputs) text.Append("      in:  ").AppendJoin(", ", inputs.Select(p => $"{p.Key}={Show(p.Value)}")).AppendLine();
            if (node.Outputs is { Count: > 0 } outputs) text.Append("      out: ").AppendJoin(", ", outputs.Select(p => $"{p.Key}={Show(p.Value)}")).AppendLine();
        }
        return text.ToString();
    }

    private static string Show(object? value) => value is null ? "null" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}

/// <summary>One node of a run: when it started (from the run's start), how long it took, and how it ended.</summary>
public sealed record NodeTrace(string NodeId, string? NodeName, TimeSpan Start, TimeSpan Duration, string Outcome, int ThreadId)
{
    /// <summary>The service the node called (<c>component/task</c>), with tracking mode Service and up.</summary>
    public string? Service { get; init; }

    /// <summary>The task's arguments taken from the bus, by parameter name, with tracking mode ServiceDetail and up.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>>? Inputs { get; init; }

    /// <summary>The bus values the task wrote (sta.x, var.y, res), with tracking mode ServiceDetail and up.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>>? Outputs { get; init; }
}
