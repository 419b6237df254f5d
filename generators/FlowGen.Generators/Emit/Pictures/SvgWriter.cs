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

        // A BPMN file drawn in a modeler: its diagram's layout, scaled so that the picture's shapes do not overlap.
        if (Diagram.From(nodes, edges) is { } diagram) return WriteDiagram(flow, nodes, edges, diagram);

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

        var svg = Begin(flow, canvasWidth, canvasHeight);
        foreach (var (from, to, branch) in edges)
        {
            var (x1, y1) = (x[from] + Width / 2.0, y[from] + Height);
            var (x2, y2) = (x[to] + Width / 2.0, y[to]);
            var dashed = branch.IsBackEdge ? " stroke-dasharray=\"5,4\"" : "";
            string path;
            double lx, ly;
            var anchor = "start";
            if (layer[to] > layer[from])
            {
                path = $"M{N(x1)},{N(y1)} L{N(x2)},{N(y2)}";
                // The label beside the arrow, on its outer side: left of a flow going left, right of one going right.
                (lx, ly) = ((x1 + x2) / 2 + (x2 < x1 - 1 ? -6 : 6), (y1 + y2) / 2);
                anchor = x2 < x1 - 1 ? "end" : "start";
            }
            else if (layer[to] == layer[from] && Math.Abs(position[to] - position[from]) == 1)
            {
                // A flow to the node beside it (two ways that meet at one distance from the start): straight across,
                // from shape to shape.
                var rightward = x[to] > x[from];
                (x1, y1) = (x[from] + Width / 2.0 + (rightward ? HalfWidth(nodes[from]) : -HalfWidth(nodes[from])), y[from] + Height / 2.0);
                (x2, y2) = (x[to] + Width / 2.0 + (rightward ? -HalfWidth(nodes[to]) : HalfWidth(nodes[to])), y[to] + Height / 2.0);
                path = $"M{N(x1)},{N(y1)} L{N(x2)},{N(y2)}";
                (lx, ly) = ((x1 + x2) / 2 - 10, y1 - 6);
            }
            else if (layer[to] == layer[from])
            {
                // A flow to a node further along its row: a curve under the row, not through the nodes between.
                (x1, y1) = (x[from] + Width / 2.0, y[from] + Height / 2.0 + HalfHeight(nodes[from]));
                (x2, y2) = (x[to] + Width / 2.0, y[to] + Height / 2.0 + HalfHeight(nodes[to]));
                var under = y[from] + Height + LayerGap * 0.6;
                path = $"M{N(x1)},{N(y1)} C{N(x1)},{N(under)} {N(x2)},{N(under)} {N(x2)},{N(y2)}";
                (lx, ly) = ((x1 + x2) / 2, under - 4);
            }
            else
            {
                // A flow back up (a loop, a wait's way round): a curve out to the right of both nodes, from shape to shape.
                var side = Math.Max(x[from], x[to]) + Width + 60;
                (x1, y1) = (x[from] + Width / 2.0 + HalfWidth(nodes[from]), y[from] + Height / 2.0);
                (x2, y2) = (x[to] + Width / 2.0 + HalfWidth(nodes[to]), y[to] + Height / 2.0);
                path = $"M{N(x1)},{N(y1)} C{N(side)},{N(y1)} {N(side)},{N(y2)} {N(x2)},{N(y2)}";
                (lx, ly) = (side - 20, (y1 + y2) / 2);
            }
            Arrow(svg, path, dashed, branch, lx, ly, anchor);
        }
        return End(svg, flow, nodes, x, y);
    }

    /// <summary>The flow as its BPMN diagram draws it: each shape's centre and each flow's bends, scaled by <see cref="Diagram.Scale"/>.</summary>
    private static string WriteDiagram(BoundFlow flow, List<BoundNode> nodes, List<(int From, int To, BoundBranch Branch)> edges, Diagram diagram)
    {
        var x = new double[nodes.Count];
        var y = new double[nodes.Count];
        var (right, bottom) = (0.0, 0.0);
        for (var i = 0; i < nodes.Count; i++)
        {
            var bounds = diagram.Bounds[i];
            var (cx, cy) = diagram.Map(bounds.X + bounds.Width / 2, bounds.Y + bounds.Height / 2);
            (x[i], y[i]) = (cx - Width / 2.0, cy - Height / 2.0);
            right = Math.Max(right, x[i] + Width + (nodes[i].Node.Kind is NodeKind.ExclusiveGateway or NodeKind.ParallelGateway or NodeKind.InclusiveGateway ? 120 : 0));
            bottom = Math.Max(bottom, y[i] + Height + 20);
        }
        // An embedded subprocess drawn around its body (its diagram shape holds other nodes): a frame behind them.
        var frames = new (double X, double Y, double Width, double Height)?[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            if (diagram.Frame(i) is not { } frame) continue;
            var (fx, fy) = diagram.Map(frame.X, frame.Y);
            var (fx2, fy2) = diagram.Map(frame.X + frame.Width, frame.Y + frame.Height);
            // The frame's corners are mapped as points: shift them so the frame surrounds the body's (larger) shapes.
            frames[i] = (fx - Width / 2.0, fy - Height / 2.0, fx2 - fx + Width, fy2 - fy + Height);
            right = Math.Max(right, frames[i]!.Value.X + frames[i]!.Value.Width);
            bottom = Math.Max(bottom, frames[i]!.Value.Y + frames[i]!.Value.Height);
        }
        var svg = Begin(flow, right + Margin, bottom + Margin);
        var table = Table(flow);
        for (var i = 0; i < nodes.Count; i++)
        {
            if (frames[i] is not { } frame) continue;
            svg.Append("<g id=\"n").Append(table[nodes[i].Node.Id].ToString(CultureInfo.InvariantCulture)).Append("\"><title>")
                .Append(Text(nodes[i].Node.Name is { Length: > 0 } name ? $"{nodes[i].Node.Id} ({FlowNode.OneLine(name)})" : nodes[i].Node.Id)).Append("</title>")
                .Append($"<rect x=\"{N(frame.X)}\" y=\"{N(frame.Y)}\" width=\"{N(frame.Width)}\" height=\"{N(frame.Height)}\" rx=\"10\" fill=\"#f8f6ff\" stroke=\"#5e35b1\" stroke-width=\"1.5\"/>")
                .Append($"<text x=\"{N(frame.X + 10)}\" y=\"{N(frame.Y + 18)}\" fill=\"#311b92\">").Append(Text(PictureText.OneLine(PictureText.SubflowTitle(nodes[i]), 60))).Append("</text></g>\n");
        }
        foreach (var (from, to, branch) in edges)
        {
            // The diagram's bends between the two shapes; the ends cut where the line leaves and meets this picture's shapes.
            var points = new List<(double X, double Y)>();
            var waypoints = branch.Edge.Waypoints;
            for (var k = 2; k + 3 < waypoints.Count; k += 2) points.Add(diagram.Map(waypoints[k], waypoints[k + 1]));
            var (fromX, fromY) = (x[from] + Width / 2.0, y[from] + Height / 2.0);
            var (toX, toY) = (x[to] + Width / 2.0, y[to] + Height / 2.0);
            var first = points.Count > 0 ? points[0] : (X: toX, Y: toY);
            var last = points.Count > 0 ? points[points.Count - 1] : (X: fromX, Y: fromY);
            points.Insert(0, frames[from] is { } fromFrame ? FrameBorder(fromFrame, first.X, first.Y) : Border(nodes[from], fromX, fromY, first.X, first.Y));
            points.Add(frames[to] is { } toFrame ? FrameBorder(toFrame, last.X, last.Y) : Border(nodes[to], toX, toY, last.X, last.Y));
            var path = new StringBuilder();
            for (var k = 0; k < points.Count; k++) path.Append(k == 0 ? "M" : " L").Append(N(points[k].X)).Append(',').Append(N(points[k].Y));
            var middle = points.Count / 2;
            var (lx, ly) = ((points[middle - 1].X + points[middle].X) / 2 + 4, (points[middle - 1].Y + points[middle].Y) / 2 - 4);
            Arrow(svg, path.ToString(), branch.IsBackEdge ? " stroke-dasharray=\"5,4\"" : "", branch, lx, ly);
        }
        return End(svg, flow, nodes, x, y, skip: frames.Select(f => f is not null).ToArray());
    }

    /// <summary>The point of a frame's border nearest to (px, py): where a flow into or out of the framed subprocess meets it.</summary>
    private static (double X, double Y) FrameBorder((double X, double Y, double Width, double Height) frame, double px, double py)
    {
        var x = Math.Min(Math.Max(px, frame.X), frame.X + frame.Width);
        var y = Math.Min(Math.Max(py, frame.Y), frame.Y + frame.Height);
        if (x > frame.X && x < frame.X + frame.Width && y > frame.Y && y < frame.Y + frame.Height)
        {
            // Inside: out to the nearest side.
            var (left, rightSide, top, bottomSide) = (x - frame.X, frame.X + frame.Width - x, y - frame.Y, frame.Y + frame.Height - y);
            var least = Math.Min(Math.Min(left, rightSide), Math.Min(top, bottomSide));
            if (least == left) x = frame.X; else if (least == rightSide) x = frame.X + frame.Width; else if (least == top) y = frame.Y; else y = frame.Y + frame.Height;
        }
        return (x, y);
    }

    /// <summary>Half the width of the shape drawn in a node's box: a circle's radius, half a diamond, or half the box.</summary>
    private static double HalfWidth(BoundNode node) => node.Node.Kind switch
    {
        NodeKind.StartEvent or NodeKind.EndEvent => 20,
        NodeKind.ExclusiveGateway or NodeKind.ParallelGateway or NodeKind.InclusiveGateway => 26,
        _ => Width / 2.0,
    };

    private static double HalfHeight(BoundNode node) => node.Node.Kind is NodeKind.StartEvent or NodeKind.EndEvent ? 20 : Height / 2.0;

    /// <summary>Where a line from a shape's centre towards (tx, ty) leaves the shape (its circle, diamond or box).</summary>
    private static (double X, double Y) Border(BoundNode node, double cx, double cy, double tx, double ty)
    {
        var (dx, dy) = (tx - cx, ty - cy);
        if (Math.Abs(dx) < 1e-9 && Math.Abs(dy) < 1e-9) return (cx, cy);
        var (halfWidth, halfHeight) = node.Node.Kind switch
        {
            NodeKind.StartEvent or NodeKind.EndEvent => (20.0, 20.0),
            NodeKind.ExclusiveGateway or NodeKind.ParallelGateway or NodeKind.InclusiveGateway => (26.0, Height / 2.0),
            _ => (Width / 2.0, Height / 2.0),
        };
        var t = Math.Min(Math.Abs(dx) < 1e-9 ? double.MaxValue : halfWidth / Math.Abs(dx), Math.Abs(dy) < 1e-9 ? double.MaxValue : halfHeight / Math.Abs(dy));
        if (node.Node.Kind is NodeKind.StartEvent or NodeKind.EndEvent) t = 20.0 / Math.Sqrt(dx * dx + dy * dy);
        else if (node.Node.Kind is NodeKind.ExclusiveGateway or NodeKind.ParallelGateway or NodeKind.InclusiveGateway) t = 1.0 / (Math.Abs(dx) / halfWidth + Math.Abs(dy) / halfHeight);
        return (cx + dx * t, cy + dy * t);
    }

    private static StringBuilder Begin(BoundFlow flow, double canvasWidth, double canvasHeight)
    {
        var svg = new StringBuilder();
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").Append(N(canvasWidth)).Append(' ').Append(N(canvasHeight))
            .Append("\" width=\"").Append(N(canvasWidth)).Append("\" height=\"").Append(N(canvasHeight)).Append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<title>").Append(Text(flow.Flow.FlowId)).Append("</title>\n");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n");
        return svg;
    }

    private static void Arrow(StringBuilder svg, string path, string dashed, BoundBranch branch, double lx, double ly, string anchor = "start")
    {
        svg.Append("<path d=\"").Append(path).Append("\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.4\" marker-end=\"url(#arrow)\"").Append(dashed).Append("/>\n");
        if (Label(branch) is { } label)
            svg.Append("<text x=\"").Append(N(lx)).Append("\" y=\"").Append(N(ly)).Append(anchor == "end" ? "\" text-anchor=\"end" : "").Append("\" fill=\"#7a4b00\" font-size=\"11\">").Append(Text(PictureText.OneLine(label, 40))).Append("</text>\n");
    }

    private static string End(StringBuilder svg, BoundFlow flow, List<BoundNode> nodes, double[] x, double[] y, bool[]? skip = null)
    {
        // Each node's group is n<i>, i its index in the flow's node table (FlowTrace.ToSvg colours a run's nodes by it).
        var table = Table(flow);
        for (var i = 0; i < nodes.Count; i++)
        {
            if (skip?[i] != true) svg.Append(Shape(nodes[i], x[i], y[i], "n" + table[nodes[i].Node.Id].ToString(CultureInfo.InvariantCulture)));
        }
        return svg.Append("</svg>\n").ToString();
    }

    private static Dictionary<string, int> Table(BoundFlow flow)
    {
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < flow.Nodes.Count; i++) table[flow.Nodes[i].Node.Id] = i;
        return table;
    }

    /// <summary>
    /// A BPMN diagram's layout, when the nodes the picture draws have shapes in it: the diagram's coordinates moved to
    /// the margin and scaled up just enough that this picture's shapes (wider than a modeler's tasks) do not overlap.
    /// A node the diagram does not draw (one FlowGen adds: a custom role's call, a lowered boundary event) is placed
    /// below the node it follows.
    /// </summary>
    private sealed class Diagram(DiagramBounds[] bounds, bool[] frames, double left, double top, double scale)
    {
        public double Scale => scale;

        /// <summary>The bounds of node i when it is an embedded subprocess whose diagram shape holds other nodes, else null.</summary>
        public DiagramBounds? Frame(int i) => frames[i] ? bounds[i] : null;

        /// <summary>Each node's bounds in the diagram (given or placed).</summary>
        public DiagramBounds[] Bounds => bounds;

        public (double X, double Y) Map(double x, double y) => (Margin + Width / 2.0 + (x - left) * scale, Margin + Height / 2.0 + (y - top) * scale);

        public static Diagram? From(List<BoundNode> nodes, List<(int From, int To, BoundBranch Branch)> edges)
        {
            var drawn = nodes.Count(n => n.Node.Bounds is not null);
            if (nodes.Count == 0 || drawn * 2 < nodes.Count) return null;
            var bounds = nodes.Select(n => n.Node.Bounds).ToArray();
            var below = new int[nodes.Count];
            for (var pass = 0; pass < nodes.Count && bounds.Any(b => b is null); pass++)
            {
                var placed = false;
                foreach (var (from, to, _) in edges)
                {
                    if (bounds[to] is null && bounds[from] is { } source)
                    {
                        below[from]++;
                        bounds[to] = new DiagramBounds(source.X, source.Y + source.Height + 40 * below[from], source.Width, source.Height);
                        placed = true;
                    }
                    else if (bounds[from] is null && bounds[to] is { } target)
                    {
                        // A node no drawn node leads to (a start the diagram leaves out): left of the node it leads to.
                        bounds[from] = new DiagramBounds(target.X - target.Width - 60, target.Y, target.Width, target.Height);
                        placed = true;
                    }
                }
                if (!placed) return null; // a node the diagram does not draw and that no flow joins to a drawn one
            }
            // A subprocess called from several places is drawn once in the diagram but runs (and is drawn) once per call:
            // its copies would lie on top of each other, so such a flow is laid out by the picture itself.
            if (bounds.Distinct().Count() < bounds.Length) return null;
            var centres = bounds.Select(b => (X: b!.X + b.Width / 2, Y: b.Y + b.Height / 2)).ToArray();
            var frames = new bool[nodes.Count];
            for (var i = 0; i < nodes.Count; i++)
            {
                if (nodes[i].Node.Kind != NodeKind.SubProcess || bounds[i] is not { } box) continue;
                for (var j = 0; j < nodes.Count && !frames[i]; j++)
                    frames[i] = j != i && centres[j].X > box.X && centres[j].X < box.X + box.Width && centres[j].Y > box.Y && centres[j].Y < box.Y + box.Height;
            }
            // The scale: the closest two shapes side by side (or one above the other) get this picture's room between
            // them. Pairs are looked at in x order with a window, so a large flow stays near-linear.
            var scale = 1.0;
            var order = Enumerable.Range(0, centres.Length).OrderBy(i => centres[i].X).ToArray();
            for (var a = 0; a < order.Length; a++)
            {
                if (frames[order[a]]) continue;
                for (var b = a + 1; b < order.Length && b <= a + 12; b++)
                {
                    if (frames[order[b]]) continue;
                    var (dx, dy) = (Math.Abs(centres[order[b]].X - centres[order[a]].X), Math.Abs(centres[order[b]].Y - centres[order[a]].Y));
                    if (dy < Height && dx > 0) scale = Math.Max(scale, (Width + 16) / dx);
                    else if (dx < Width && dy > 0) scale = Math.Max(scale, (Height + 30) / dy);
                }
            }
            return new Diagram(bounds!, frames, centres.Min(c => c.X), centres.Min(c => c.Y), Math.Min(scale, 4));
        }
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
