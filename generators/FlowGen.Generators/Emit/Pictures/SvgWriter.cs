using System.Globalization;
using System.Text;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit.Pictures;

/// <summary>
/// A flow's picture as SVG (the generated class's <c>Svg</c> constant; docs/pictures.md), laid out here with no browser
/// or tool: nodes in layers by their distance from the start, ordered in a layer by where their predecessors stand,
/// one shape per kind as in the Mermaid picture, flows as arrows (labelled with their condition), flows back up as
/// curves. Every text from the flow file goes through <see cref="Text"/>, the one escaping function for SVG text.
/// </summary>
internal static class SvgWriter
{
    private const int Width = 170;
    private const int Height = 46;
    private const int LayerGap = 64;
    private const int Gap = 34;
    private const int Margin = 24;
    private const int MaxLine = 24;

    public static string Write(BoundFlow flow)
    {
        var nodes = flow.Nodes.Where(n => n.Node.Kind != NodeKind.SubprocessExit).ToList();
        var index = nodes.Select((n, i) => (n.Node.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
        // A subflow's end stands for nothing a reader needs: its flows go from the subflow node itself.
        string Visible(string id) => id.EndsWith(SubprocessExpander.ExitSuffix, StringComparison.Ordinal) ? id.Substring(0, id.Length - SubprocessExpander.ExitSuffix.Length) : id;
        var edges = new List<(int From, int To, BoundBranch Branch)>();
        foreach (var node in flow.Nodes)
        {
            foreach (var branch in node.Outgoing)
            {
                if (index.TryGetValue(Visible(node.Node.Id), out var from) && index.TryGetValue(Visible(branch.Edge.TargetId), out var to) && from != to)
                    edges.Add((from, to, branch));
            }
        }

        // Adjacency, so that the layout stays linear in the flow's size (a flow may have thousands of nodes).
        var outgoing = Enumerable.Range(0, nodes.Count).Select(_ => new List<int>()).ToArray();
        var incoming = Enumerable.Range(0, nodes.Count).Select(_ => new List<int>()).ToArray();
        foreach (var (from, to, _) in edges)
        {
            outgoing[from].Add(to);
            incoming[to].Add(from);
        }

        // Layers: the distance from the start along the flows (breadth first), so that every node has one.
        var layer = Enumerable.Repeat(-1, nodes.Count).ToArray();
        var queue = new Queue<int>();
        var start = index.TryGetValue(flow.Flow.FlowId, out var s) ? s : 0;
        layer[start] = 0;
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var at = queue.Dequeue();
            foreach (var next in outgoing[at].Where(n => layer[n] < 0))
            {
                layer[next] = layer[at] + 1;
                queue.Enqueue(next);
            }
        }
        var unreached = layer.Max() + 1;
        for (var i = 0; i < layer.Length; i++) if (layer[i] < 0) layer[i] = unreached;

        // Order in a layer: by the mean position of the predecessors in the layer above (their emission order first).
        var layers = layer.Select((l, i) => (l, i)).GroupBy(p => p.l).OrderBy(g => g.Key).Select(g => g.Select(p => p.i).ToList()).ToList();
        var position = new double[nodes.Count];
        foreach (var row in layers)
        {
            var keyed = row.Select(i =>
            {
                var above = incoming[i].Where(from => layer[from] == layer[i] - 1).Select(from => position[from]).ToList();
                return (Node: i, Key: above.Count == 0 ? i : above.Average());
            }).OrderBy(p => p.Key).ThenBy(p => p.Node).ToList();
            for (var k = 0; k < keyed.Count; k++) position[keyed[k].Node] = k;
        }

        var widest = layers.Max(r => r.Count);
        var canvasWidth = Margin * 2 + widest * Width + (widest - 1) * Gap + 120; // room on the right for flows back up
        var canvasHeight = Margin * 2 + layers.Count * Height + (layers.Count - 1) * LayerGap;
        var x = new double[nodes.Count];
        var y = new double[nodes.Count];
        foreach (var row in layers)
        {
            var rowWidth = row.Count * Width + (row.Count - 1) * Gap;
            var left = Margin + ((widest * Width + (widest - 1) * Gap) - rowWidth) / 2.0;
            foreach (var i in row)
            {
                x[i] = left + position[i] * (Width + Gap);
                y[i] = Margin + layer[i] * (Height + LayerGap);
            }
        }

        var svg = new StringBuilder();
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").Append(N(canvasWidth)).Append(' ').Append(N(canvasHeight))
            .Append("\" width=\"").Append(N(canvasWidth)).Append("\" height=\"").Append(N(canvasHeight)).Append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<title>").Append(Text(flow.Flow.FlowId)).Append("</title>\n");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n");
        foreach (var (from, to, branch) in edges)
        {
            var (x1, y1) = (x[from] + Width / 2.0, y[from] + Height);
            var (x2, y2) = (x[to] + Width / 2.0, y[to]);
            var dashed = branch.IsBackEdge ? " stroke-dasharray=\"5,4\"" : "";
            string path;
            double lx, ly;
            if (layer[to] > layer[from])
            {
                path = $"M{N(x1)},{N(y1)} L{N(x2)},{N(y2)}";
                (lx, ly) = ((x1 + x2) / 2 + 4, (y1 + y2) / 2);
            }
            else
            {
                // A flow back up (a loop, a wait's way round): a curve out to the right of both nodes.
                var side = Math.Max(x[from], x[to]) + Width + 60;
                (x1, y1) = (x[from] + Width, y[from] + Height / 2.0);
                (x2, y2) = (x[to] + Width, y[to] + Height / 2.0);
                path = $"M{N(x1)},{N(y1)} C{N(side)},{N(y1)} {N(side)},{N(y2)} {N(x2)},{N(y2)}";
                (lx, ly) = (side - 20, (y1 + y2) / 2);
            }
            svg.Append("<path d=\"").Append(path).Append("\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.4\" marker-end=\"url(#arrow)\"").Append(dashed).Append("/>\n");
            if (Label(branch) is { } label)
                svg.Append("<text x=\"").Append(N(lx)).Append("\" y=\"").Append(N(ly)).Append("\" fill=\"#7a4b00\" font-size=\"11\">").Append(Text(PictureText.OneLine(label, 40))).Append("</text>\n");
        }
        // Each node's group is n<i>, i its index in the flow's node table (FlowTrace.ToSvg colours a run's nodes by it).
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < flow.Nodes.Count; i++) table[flow.Nodes[i].Node.Id] = i;
        for (var i = 0; i < nodes.Count; i++) svg.Append(Shape(nodes[i], x[i], y[i], "n" + table[nodes[i].Node.Id].ToString(CultureInfo.InvariantCulture)));
        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>A node's shape at (x, y): a box of Width by Height holds it; its label inside.</summary>
    private static string Shape(BoundNode bound, double x, double y, string id)
    {
        var node = bound.Node;
        var (cx, cy) = (x + Width / 2.0, y + Height / 2.0);
        var label = PictureText.Label(node);
        var sb = new StringBuilder("<g id=\"").Append(id).Append("\">");
        // The id (and name): the same in every form of the flow, as the rest of the generated code is.
        sb.Append("<title>").Append(Text(node.Name is { Length: > 0 } name ? $"{node.Id} ({FlowNode.OneLine(name)})" : node.Id)).Append("</title>");
        string Lines(string text, string color = "#222") => TextLines(text, cx, cy, color);
        switch (node.Kind)
        {
            case NodeKind.StartEvent:
                sb.Append($"<circle cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"20\" fill=\"#e8f5e9\" stroke=\"#2e7d32\" stroke-width=\"2\"/>");
                sb.Append(TextLines(node.Id, cx, y + Height + 12, "#2e7d32"));
                break;
            case NodeKind.EndEvent:
                var fail = node.GetProperty("error-code");
                var color = fail is null ? "#333" : "#c62828";
                sb.Append($"<circle cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"20\" fill=\"{(fail is null ? "#fafafa" : "#ffebee")}\" stroke=\"{color}\" stroke-width=\"3\"/>");
                sb.Append(TextLines(fail is null ? label : "fail " + fail, cx, y + Height + 12, color));
                break;
            case NodeKind.ExclusiveGateway or NodeKind.ParallelGateway or NodeKind.InclusiveGateway:
                var mark = node.Kind switch { NodeKind.ExclusiveGateway => "x", NodeKind.ParallelGateway => "+", _ => "o" };
                sb.Append($"<polygon points=\"{N(cx)},{N(y)} {N(cx + 26)},{N(cy)} {N(cx)},{N(y + Height)} {N(cx - 26)},{N(cy)}\" fill=\"#fff7d6\" stroke=\"#b58900\" stroke-width=\"1.5\"/>");
                sb.Append($"<text x=\"{N(cx)}\" y=\"{N(cy + 5)}\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\" fill=\"#b58900\">{mark}</text>");
                if (bound.Call is not null || node.Name is not null) sb.Append(TextLines(label, cx + 60, cy, "#7a5c00"));
                break;
            case NodeKind.EventGateway:
                sb.Append($"<polygon points=\"{N(x + 20)},{N(y)} {N(x + Width - 20)},{N(y)} {N(x + Width)},{N(cy)} {N(x + Width - 20)},{N(y + Height)} {N(x + 20)},{N(y + Height)} {N(x)},{N(cy)}\" fill=\"#e6f0ff\" stroke=\"#268bd2\" stroke-width=\"1.5\"/>");
                sb.Append(Lines("wait: " + label, "#0b4f8a"));
                break;
            case NodeKind.MessageCatch or NodeKind.TimerCatch:
                var what = node.Kind == NodeKind.MessageCatch ? "on " + (node.GetProperty("event") ?? label) : "timer " + (node.GetProperty("duration") ?? node.GetProperty("date") ?? "");
                sb.Append($"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{Width}\" height=\"{Height}\" rx=\"22\" fill=\"#e6f0ff\" stroke=\"#268bd2\" stroke-width=\"1.5\" stroke-dasharray=\"4,3\"/>");
                sb.Append(Lines(what, "#0b4f8a"));
                break;
            case NodeKind.SubProcess or NodeKind.CallActivity:
                var title = PictureText.SubflowTitle(bound);
                sb.Append($"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{Width}\" height=\"{Height}\" rx=\"6\" fill=\"#f3f0ff\" stroke=\"#5e35b1\" stroke-width=\"1.5\"/>");
                sb.Append($"<rect x=\"{N(x + 3)}\" y=\"{N(y + 3)}\" width=\"{Width - 6}\" height=\"{Height - 6}\" rx=\"4\" fill=\"none\" stroke=\"#5e35b1\" stroke-width=\"1\"/>");
                sb.Append(Lines(title, "#311b92"));
                break;
            default:
                if (bound.Call is null && node.Assignments.Count > 0)
                {
                    sb.Append($"<polygon points=\"{N(x + 12)},{N(y)} {N(x + Width)},{N(y)} {N(x + Width - 12)},{N(y + Height)} {N(x)},{N(y + Height)}\" fill=\"#eef7ee\" stroke=\"#859900\" stroke-width=\"1.5\"/>");
                    sb.Append(Lines(label + ": " + string.Join(", ", node.Assignments.Select(a => a.Target)), "#3d4a00"));
                }
                else
                {
                    sb.Append($"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{Width}\" height=\"{Height}\" rx=\"8\" fill=\"#ffffff\" stroke=\"#444\" stroke-width=\"1.5\"/>");
                    sb.Append(Lines(label));
                }
                break;
        }
        return sb.Append("</g>\n").ToString();
    }

    /// <summary>A label in at most two centred lines of <see cref="MaxLine"/> characters.</summary>
    private static string TextLines(string text, double cx, double cy, string color)
    {
        var one = PictureText.OneLine(text, MaxLine * 2);
        var split = one.Length > MaxLine && char.IsHighSurrogate(one[MaxLine - 1]) ? MaxLine - 1 : MaxLine;
        var lines = one.Length <= MaxLine ? [one] : new[] { one.Substring(0, split), one.Substring(split) };
        var sb = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
        {
            var ly = cy + 4 + (i - (lines.Length - 1) / 2.0) * 14;
            sb.Append($"<text x=\"{N(cx)}\" y=\"{N(ly)}\" text-anchor=\"middle\" fill=\"{color}\">").Append(Text(lines[i])).Append("</text>");
        }
        return sb.ToString();
    }

    private static string? Label(BoundBranch branch)
    {
        if (branch.Edge.IsDefault) return "default";
        if (branch.Edge.Condition is not { } condition) return null;
        var text = condition.Text.Trim();
        return text.StartsWith("@failed(", StringComparison.Ordinal) ? "on error" : text;
    }

    /// <summary>
    /// Flow-file text as SVG (XML) character data: &amp;, &lt;, &gt; and quotes as entities; what generated text must not
    /// hold (<see cref="CSharpText.IsUnsafeAt"/>) and what XML cannot as spaces.
    /// </summary>
    public static string Text(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            // What generated text must not hold (controls, line terminators, bidi controls, lone surrogates), and what XML cannot.
            if (CSharpText.IsUnsafeAt(text, i) || c is '\ufffe' or '\uffff')
            {
                sb.Append(' ');
                continue;
            }
            sb.Append(c switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;", '\'' => "&apos;", _ => c.ToString() });
        }
        return sb.ToString();
    }

    private static string N(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);
}
