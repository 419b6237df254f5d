using System.Globalization;
using System.Text;
using FlowGen.Durable;

namespace FlowGen;

/// <summary>How a node is drawn on a picture of a run: its last outcome, its total time and how many times it ran.</summary>
/// <param name="NodeId">The node's id.</param>
/// <param name="Outcome">"success", "fallback", "failed", "timed out", "ignored", "skipped" or "waiting".</param>
/// <param name="Total">The time it took, all runs together.</param>
/// <param name="Times">How many times it ran (a node in a loop or a foreach body runs several times); 0 for a node marked without running (where an instance waits or stopped).</param>
public readonly record struct FlowNodeMark(string NodeId, string Outcome, TimeSpan Total, int Times);

/// <summary>
/// Runs drawn on their flow's build-time pictures (the generated <c>Mermaid</c> and <c>Svg</c>): a
/// <see cref="FlowTrace"/> (<see cref="FlowTrace.ToSvg"/>) or a durable instance with its history
/// (<see cref="Marks(FlowInstance, IEnumerable{FlowHistoryEntry})"/>). The pictures themselves are never parsed
/// from text the run supplies: only classes and the time notes (digits) are added to them (docs/pictures.md).
/// </summary>
public static class FlowPictures
{
    /// <summary>The colour of each outcome class, for the SVG (a style block) and the legend of the console.</summary>
    public const string SvgStyle =
        ".ran > rect, .ran > polygon, .ran > circle { fill: #d8f3dc; stroke: #2d6a4f; stroke-width: 3px }"
        + " .fellback > rect, .fellback > polygon, .fellback > circle { fill: #eadcff; stroke: #6f42c1; stroke-width: 3px }"
        + " .failed > rect, .failed > polygon, .failed > circle { fill: #ffccd5; stroke: #c9184a; stroke-width: 4px }"
        + " .skipped > rect, .skipped > polygon, .skipped > circle { fill: #eeeeee; stroke: #999999; stroke-dasharray: 4 }"
        + " .ignored > rect, .ignored > polygon, .ignored > circle { fill: #fff3b0; stroke: #e09f3e; stroke-width: 3px }"
        + " .waiting > rect, .waiting > polygon, .waiting > circle { fill: #cfe2ff; stroke: #0a58ca; stroke-width: 4px }";

    /// <summary>Each node's total time, last outcome and count, from the nodes a run recorded in the order they finished.</summary>
    public static IReadOnlyList<FlowNodeMark> Marks(IEnumerable<(string NodeId, string Outcome, TimeSpan Duration)> ran)
    {
        var order = new List<string>();
        var byNode = new Dictionary<string, FlowNodeMark>(StringComparer.Ordinal);
        foreach (var (nodeId, outcome, duration) in ran)
        {
            if (byNode.TryGetValue(nodeId, out var seen)) byNode[nodeId] = new FlowNodeMark(nodeId, outcome, seen.Total + duration, seen.Times + 1);
            else
            {
                order.Add(nodeId);
                byNode[nodeId] = new FlowNodeMark(nodeId, outcome, duration, 1);
            }
        }
        return order.Select(id => byNode[id]).ToArray();
    }

    /// <summary>
    /// A durable instance drawn from its history: every node its steps ran (when the engine's run options track
    /// nodes), then where it is: the nodes it waits at ("waiting"), or for a suspended or failed instance the node of
    /// its error ("failed"; its nodes when the error names none).
    /// </summary>
    public static IReadOnlyList<FlowNodeMark> Marks(FlowInstance instance, IEnumerable<FlowHistoryEntry> history)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var marks = Marks((history ?? []).SelectMany(h => h.Ran).Select(r => (r.NodeId, r.Outcome, r.Duration))).ToList();
        // A wait a step stopped at and a later step went on from: passed, not waiting.
        for (var i = 0; i < marks.Count; i++)
        {
            if (marks[i].Outcome == "waiting" && (instance.Status != FlowInstanceStatus.Waiting || Array.IndexOf(instance.Nodes, marks[i].NodeId) < 0))
                marks[i] = marks[i] with { Outcome = "success" };
        }
        void Mark(string nodeId, string outcome)
        {
            var at = marks.FindIndex(m => m.NodeId == nodeId);
            if (at >= 0) marks[at] = marks[at] with { Outcome = outcome };
            else marks.Add(new FlowNodeMark(nodeId, outcome, TimeSpan.Zero, 0));
        }
        switch (instance.Status)
        {
            case FlowInstanceStatus.Waiting:
                foreach (var node in instance.Nodes) Mark(node, "waiting");
                break;
            case FlowInstanceStatus.Suspended or FlowInstanceStatus.Failed:
                if (instance.ErrorNode is { } errorNode) Mark(errorNode, "failed");
                else foreach (var node in instance.Nodes) Mark(node, "failed");
                break;
        }
        return marks;
    }

    /// <summary>
    /// The marks drawn on the flow's SVG picture: each marked node's group gets the class of its outcome, and its
    /// tooltip ends with its time (and count).
    /// </summary>
    /// <exception cref="InvalidOperationException">The flow was compiled without a picture.</exception>
    public static string Svg(FlowDescriptor flow, IEnumerable<FlowNodeMark> marks)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var picture = new StringBuilder(flow.Svg ?? throw new InvalidOperationException($"flow '{flow.FlowId}' was compiled without a picture"));
        foreach (var mark in marks)
        {
            var index = Array.IndexOf(flow.NodeIds, mark.NodeId);
            if (index < 0) continue;
            var group = "<g id=\"n" + index.ToString(CultureInfo.InvariantCulture) + "\">";
            var text = picture.ToString();
            var at = text.IndexOf(group, StringComparison.Ordinal);
            if (at < 0) continue;
            var titleEnd = text.IndexOf("</title>", at, StringComparison.Ordinal);
            if (titleEnd > 0) picture.Insert(titleEnd, Note(mark));
            picture.Insert(at + group.Length - 1, " class=\"" + Style(mark.Outcome) + "\"");
        }
        var svg = picture.ToString();
        var open = svg.IndexOf('>') + 1;
        return svg.Substring(0, open) + "\n<style>" + SvgStyle + "</style>" + svg.Substring(open);
    }

    /// <summary>
    /// The marks drawn on the flow's Mermaid picture: each marked node gets a class of its outcome's colour, and its label
    /// ends with its time (and count). Nodes without a mark keep the flow's colours.
    /// </summary>
    /// <exception cref="InvalidOperationException">The flow was compiled without a picture.</exception>
    public static string Mermaid(FlowDescriptor flow, IEnumerable<FlowNodeMark> marks)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var picture = flow.Mermaid ?? throw new InvalidOperationException($"flow '{flow.FlowId}' was compiled without a picture");
        var lines = picture.Split('\n').ToList();
        var classes = new StringBuilder();
        foreach (var mark in marks)
        {
            var index = Array.IndexOf(flow.NodeIds, mark.NodeId);
            if (index < 0) continue;
            var id = "n" + index.ToString(CultureInfo.InvariantCulture);
            // The node's own line: "  n3[\"Label\"]" (any shape); the note goes before the label's closing quote.
            var at = lines.FindIndex(l => l.TrimStart().StartsWith(id, StringComparison.Ordinal) && l.TrimStart().Length > id.Length && l.TrimStart()[id.Length] is '(' or '[' or '{' or '>');
            if (at >= 0)
            {
                var line = lines[at];
                var open = line.IndexOf('"');
                var close = open < 0 ? -1 : line.IndexOf('"', open + 1);
                if (close > 0) lines[at] = line.Substring(0, close) + Note(mark) + line.Substring(close);
            }
            classes.Append("  class ").Append(id).Append(' ').Append(Style(mark.Outcome)).Append('\n');
        }
        var text = new StringBuilder(string.Join("\n", lines).TrimEnd('\n')).Append('\n');
        text.Append("  classDef ran fill:#d8f3dc,stroke:#2d6a4f,stroke-width:2px\n");
        text.Append("  classDef fellback fill:#eadcff,stroke:#6f42c1,stroke-width:2px\n");
        text.Append("  classDef failed fill:#ffccd5,stroke:#c9184a,stroke-width:3px\n");
        text.Append("  classDef skipped fill:#eeeeee,stroke:#999999,stroke-dasharray:4\n");
        text.Append("  classDef ignored fill:#fff3b0,stroke:#e09f3e,stroke-width:2px\n");
        text.Append("  classDef waiting fill:#cfe2ff,stroke:#0a58ca,stroke-width:3px\n");
        return text.Append(classes).ToString();
    }

    // A node marked without running (where an instance waits or stopped) gets no time.
    private static string Note(FlowNodeMark mark)
        => mark.Times == 0 ? "" : " · " + mark.Total.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture) + " ms"
            + (mark.Times > 1 ? " ×" + mark.Times.ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>The class of an outcome: ran, fellback (its fallback ran instead), failed, skipped, ignored or waiting.</summary>
    public static string Style(string outcome)
        => outcome switch { "success" => "ran", "fallback" => "fellback", "skipped" => "skipped", "ignored" or "timed out" => "ignored", "waiting" => "waiting", _ => "failed" };
}
