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
        var picture = new StringBuilder(flow.Svg ?? throw new InvalidOperationException($"flow '{FlowId}' was compiled without a picture"));
        foreach (var (nodeId, (total, outcome, times)) in Totals())
        {
            var index = Array.IndexOf(flow.NodeIds, nodeId);
            if (index < 0) continue;
            var group = "<g id=\"n" + index.ToString(CultureInfo.InvariantCulture) + "\">";
            var text = picture.ToString();
            var at = text.IndexOf(group, StringComparison.Ordinal);
            if (at < 0) continue;
            var titleEnd = text.IndexOf("</title>", at, StringComparison.Ordinal);
            if (titleEnd > 0) picture.Insert(titleEnd, Note(total, times));
            picture.Insert(at + group.Length - 1, " class=\"" + Style(outcome) + "\"");
        }
        var svg = picture.ToString();
        var open = svg.IndexOf('>') + 1;
        return svg.Substring(0, open) + "\n<style>"
            + ".ran > rect, .ran > polygon, .ran > circle { fill: #d8f3dc; stroke: #2d6a4f; stroke-width: 3px }"
            + " .failed > rect, .failed > polygon, .failed > circle { fill: #ffccd5; stroke: #c9184a; stroke-width: 4px }"
            + " .skipped > rect, .skipped > polygon, .skipped > circle { fill: #eeeeee; stroke: #999999; stroke-dasharray: 4 }"
            + " .ignored > rect, .ignored > polygon, .ignored > circle { fill: #fff3b0; stroke: #e09f3e; stroke-width: 3px }"
            + " .waiting > rect, .waiting > polygon, .waiting > circle { fill: #cfe2ff; stroke: #0a58ca; stroke-width: 4px }</style>"
            + svg.Substring(open);
    }

    // Each node's total time, last outcome and count (a node in a loop or a foreach body runs several times).
    private Dictionary<string, (TimeSpan Total, string Outcome, int Times)> Totals()
    {
        var byNode = new Dictionary<string, (TimeSpan Total, string Outcome, int Times)>(StringComparer.Ordinal);
        foreach (var node in Nodes)
        {
            byNode.TryGetValue(node.NodeId, out var seen);
            byNode[node.NodeId] = (seen.Total + node.Duration, node.Outcome, seen.Times + 1);
        }
        return byNode;
    }

    private static string Note(TimeSpan total, int times)
        => " · " + total.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture) + " ms" + (times > 1 ? " ×" + times.ToString(CultureInfo.InvariantCulture) : "");

    private static string Style(string outcome)
        => outcome switch { "success" or "fallback" => "ran", "skipped" => "skipped", "ignored" or "timed out" => "ignored", "waiting" => "waiting", _ => "failed" };

    /// <summary>
    /// The run drawn on its flow's picture (the generated <c>Mermaid</c> constant): nodes that ran, failed, were skipped,
    /// ignored (or timed out and went on), or where a durable run stopped to wait get classes of their own colour, and each node's label ends with how long it took (docs/pictures.md).
    /// Nodes without an entry (gateways, or the branches a choice did not take) keep the flow's colours.
    /// </summary>
    /// <exception cref="InvalidOperationException">The trace does not come from a generated flow's run.</exception>
    public string ToMermaid()
    {
        var flow = Flow ?? throw new InvalidOperationException($"trace of flow '{FlowId}' has no picture: only the trace of a generated flow's run can be drawn");
        var picture = flow.Mermaid ?? throw new InvalidOperationException($"flow '{FlowId}' was compiled without a picture");
        var lines = picture.Split('\n').ToList();
        var classes = new StringBuilder();
        var byNode = Totals();
        foreach (var (nodeId, (total, outcome, times)) in byNode)
        {
            var index = Array.IndexOf(flow.NodeIds, nodeId);
            if (index < 0) continue;
            var id = "n" + index.ToString(CultureInfo.InvariantCulture);
            var note = Note(total, times);
            // The node's own line: "  n3[\"Label\"]" (any shape); the note goes before the label's closing quote.
            var at = lines.FindIndex(l => l.TrimStart().StartsWith(id, StringComparison.Ordinal) && l.TrimStart().Length > id.Length && l.TrimStart()[id.Length] is '(' or '[' or '{' or '>');
            if (at >= 0)
            {
                var line = lines[at];
                var open = line.IndexOf('"');
                var close = open < 0 ? -1 : line.IndexOf('"', open + 1);
                if (close > 0) lines[at] = line.Substring(0, close) + note + line.Substring(close);
            }
            var style = Style(outcome);
            classes.Append("  class ").Append(id).Append(' ').Append(style).Append('\n');
        }
        var text = new StringBuilder(string.Join("\n", lines).TrimEnd('\n')).Append('\n');
        text.Append("  classDef ran fill:#d8f3dc,stroke:#2d6a4f,stroke-width:2px\n");
        text.Append("  classDef failed fill:#ffccd5,stroke:#c9184a,stroke-width:3px\n");
        text.Append("  classDef skipped fill:#eeeeee,stroke:#999999,stroke-dasharray:4\n");
        text.Append("  classDef ignored fill:#fff3b0,stroke:#e09f3e,stroke-width:2px\n");
        text.Append("  classDef waiting fill:#cfe2ff,stroke:#0a58ca,stroke-width:3px\n");
        return text.Append(classes).ToString();
    }

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
