using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit.Pictures;

/// <summary>
/// A flow's picture as a Mermaid flowchart (the generated class's <c>Mermaid</c> constant; docs/pictures.md): one shape
/// per kind of node (tasks, sets, gateways by kind, waits, timers, ends and fail ends), subflows as subgraphs (a foreach
/// or fire-and-forget one says so), conditions on the edges, loops dashed. Every text from the flow file goes through
/// <see cref="Text"/>, the one escaping function for Mermaid labels, so a name can never become Mermaid syntax.
/// </summary>
internal static class MermaidWriter
{
    private const int MaxLabel = 60;

    public static string Write(BoundFlow flow)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < flow.Nodes.Count; i++) ids[flow.Nodes[i].Node.Id] = "n" + i.ToString(CultureInfo.InvariantCulture);
        var byScope = flow.Nodes.GroupBy(n => n.Node.Scope ?? "").ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var sb = new StringBuilder();
        sb.Append("flowchart TD\n");
        WriteScope("", 1);
        foreach (var node in flow.Nodes)
        {
            foreach (var branch in node.Outgoing)
            {
                if (!ids.TryGetValue(branch.Edge.TargetId, out var target)) continue;
                var arrow = branch.IsBackEdge ? "-.->" : "-->";
                var label = EdgeLabel(branch);
                sb.Append("  ").Append(ids[node.Node.Id]).Append(' ').Append(arrow);
                if (label is not null) sb.Append("|\"").Append(label).Append("\"|");
                sb.Append(' ').Append(target).Append('\n');
            }
        }
        sb.Append("  classDef gateway fill:#fff7d6,stroke:#b58900\n");
        sb.Append("  classDef wait fill:#e6f0ff,stroke:#268bd2\n");
        sb.Append("  classDef fail fill:#fde2e1,stroke:#dc322f\n");
        sb.Append("  classDef set fill:#eef7ee,stroke:#859900\n");
        return sb.ToString();

        void WriteScope(string scope, int depth)
        {
            if (!byScope.TryGetValue(scope, out var nodes)) return;
            var indent = new string(' ', depth * 2);
            foreach (var node in nodes)
            {
                var id = ids[node.Node.Id];
                if (node.Node.Kind is NodeKind.SubProcess or NodeKind.CallActivity)
                {
                    // The subflow node is its entry: drawn inside a subgraph with its body and its end.
                    sb.Append(indent).Append("subgraph ").Append(id).Append("_body[\"").Append(Text(PictureText.SubflowTitle(node))).Append("\"]\n");
                    sb.Append(indent).Append("  ").Append(id).Append("([\"").Append(Text(PictureText.Label(node.Node))).Append("\"])\n");
                    WriteScope(node.Node.Id, depth + 1);
                    if (ids.TryGetValue(node.Node.Id + SubprocessExpander.ExitSuffix, out var exit))
                        sb.Append(indent).Append("  ").Append(exit).Append("((\"end\"))\n");
                    sb.Append(indent).Append("end\n");
                    continue;
                }
                if (node.Node.Kind == NodeKind.SubprocessExit) continue; // drawn in its subgraph
                sb.Append(indent).Append(Shape(node, id)).Append('\n');
            }
        }
    }

    /// <summary>A node's shape by kind: a rectangle for a task, a rhombus for a gateway (x, +, o), a hexagon for an event gateway, ...</summary>
    private static string Shape(BoundNode bound, string id)
    {
        var node = bound.Node;
        var label = Text(PictureText.Label(node));
        var gatewayClass = $"\n  class {id} gateway";
        return node.Kind switch
        {
            NodeKind.StartEvent => $"{id}((\"{label}\"))",
            NodeKind.EndEvent when node.GetProperty("error-code") is { } code => $"{id}(((\"{Text("fail " + code)}\")))\n  class {id} fail",
            NodeKind.EndEvent => $"{id}(((\"{label}\")))",
            NodeKind.ExclusiveGateway => $"{id}{{\"{Text(GatewayLabel(bound, "x"))}\"}}{gatewayClass}",
            NodeKind.ParallelGateway => $"{id}{{\"{Text(GatewayLabel(bound, "+"))}\"}}{gatewayClass}",
            NodeKind.InclusiveGateway => $"{id}{{\"{Text(GatewayLabel(bound, "o"))}\"}}{gatewayClass}",
            NodeKind.EventGateway => $"{id}{{{{\"{Text("wait: " + PictureText.Label(node))}\"}}}}\n  class {id} wait",
            NodeKind.MessageCatch => $"{id}>\"{Text("on " + (node.GetProperty("event") ?? PictureText.Label(node)))}\"]\n  class {id} wait",
            NodeKind.TimerCatch => $"{id}([\"{Text("timer " + (node.GetProperty("duration") ?? node.GetProperty("date") ?? ""))}\"])\n  class {id} wait",
            _ when bound.Call is null && node.Assignments.Count > 0 => $"{id}[/\"{Text(PictureText.Label(node) + ": " + string.Join(", ", node.Assignments.Select(a => a.Target)))}\"/]\n  class {id} set",
            _ => $"{id}[\"{label}\"]",
        };
    }

    private static string GatewayLabel(BoundNode bound, string symbol)
        => bound.Call is null && bound.Node.Name is null ? symbol : symbol + " " + PictureText.Label(bound.Node);

    private static readonly Regex ErrorRoute = new(@"^@failed\('[^']*'\)(?:\s*&&\s*var\.error\.code\s*==\s*'(?<code>[^']*)')?$", RegexOptions.CultureInvariant);

    /// <summary>An edge's label: its condition (an error route as "on error"), "default", or null.</summary>
    private static string? EdgeLabel(BoundBranch branch)
    {
        if (branch.Edge.IsDefault) return "default";
        if (branch.Edge.Condition is not { } condition) return null;
        var match = ErrorRoute.Match(condition.Text.Trim());
        if (match.Success) return match.Groups["code"].Success ? Text("on error " + match.Groups["code"].Value) : "on error";
        return Text(condition.Text);
    }

    /// <summary>
    /// Flow-file text as a Mermaid label inside double quotes: one line of at most 60 characters (<see cref="PictureText.OneLine"/>),
    /// every character that Mermaid reads as syntax or markup written as its entity code (<c>#quot;</c>, <c>#lt;</c>, <c>#35;</c>, ...).
    /// </summary>
    public static string Text(string text)
    {
        var trimmed = PictureText.OneLine(text, MaxLabel);
        var sb = new StringBuilder(trimmed.Length + 8);
        foreach (var c in trimmed)
        {
            switch (c)
            {
                case '"': sb.Append("#quot;"); break;
                case '#': sb.Append("#35;"); break;
                case '<': sb.Append("#lt;"); break;
                case '>': sb.Append("#gt;"); break;
                case '&': sb.Append("#amp;"); break;
                case '|': sb.Append("#124;"); break;
                case '`': sb.Append("#96;"); break;
                case '[': sb.Append("#91;"); break;
                case ']': sb.Append("#93;"); break;
                case '{': sb.Append("#123;"); break;
                case '}': sb.Append("#125;"); break;
                case ';': sb.Append("#59;"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}
