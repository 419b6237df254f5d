using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>
/// Writes a random flow as a graph-form flow document (docs/flow-documents.md): JSON, or YAML (block style at the top,
/// each node and connection a flow-style mapping), with its subflows under <c>subflows</c>.
/// </summary>
internal static class FlowDocumentWriter
{
    public static string Write(RandomFlow flow)
    {
        if (flow.Bpmn) return BpmnFlowWriter.Write(flow);
        var nodes = flow.Main.Nodes.Select(n => Node(flow, n)).ToList();
        var connections = flow.Main.Edges.Select(Connection).ToList();
        var subflows = flow.Subflows.Select(s => $"{S(s.Key)}: {{ \"graph\": {Graph(flow, s.Value)} }}").ToList();
        if (!flow.Yaml)
        {
            var text = new StringBuilder();
            text.Append("{\n  \"flow\": ").Append(S(flow.Id));
            if (flow.Durable) text.Append(",\n  \"key\": \"req.key\"");
            text.Append(",\n  \"graph\": {\n    \"nodes\": [\n      ")
                .Append(string.Join(",\n      ", nodes)).Append("\n    ],\n    \"connections\": [\n      ")
                .Append(string.Join(",\n      ", connections)).Append("\n    ]\n  }");
            if (subflows.Count > 0) text.Append(",\n  \"subflows\": {\n    ").Append(string.Join(",\n    ", subflows)).Append("\n  }");
            return text.Append("\n}\n").ToString();
        }
        var yaml = new StringBuilder();
        yaml.Append("flow: ").Append(S(flow.Id)).Append('\n');
        if (flow.Durable) yaml.Append("key: req.key\n");
        yaml.Append("graph:\n  nodes:\n");
        foreach (var node in nodes) yaml.Append("    - ").Append(node).Append('\n');
        yaml.Append("  connections:\n");
        foreach (var connection in connections) yaml.Append("    - ").Append(connection).Append('\n');
        if (subflows.Count > 0)
        {
            yaml.Append("subflows:\n");
            foreach (var subflow in subflows) yaml.Append("  ").Append(subflow).Append('\n');
        }
        return yaml.ToString();
    }

    private static string S(string text) => JsonSerializer.Serialize(text);

    private static string Graph(RandomFlow flow, FlowGraph graph)
        => $"{{ \"nodes\": [ {string.Join(", ", graph.Nodes.Select(n => Node(flow, n)))} ], \"connections\": [ {string.Join(", ", graph.Edges.Select(Connection))} ] }}";

    private static string Node(RandomFlow flow, GraphNode node)
    {
        var fields = new List<string> { $"\"id\": {S(node.Id)}" };
        fields.Add("\"type\": " + S(node.Kind switch
        {
            GraphNodeKind.Start => "start",
            GraphNodeKind.End => "end",
            GraphNodeKind.Fail => "fail",
            GraphNodeKind.Task => node.Task?.Formula == TaskFormula.Iterate ? "iteration" : "task",
            GraphNodeKind.Exclusive => "exclusive",
            GraphNodeKind.Parallel => "parallel",
            GraphNodeKind.Inclusive => "inclusive",
            GraphNodeKind.Receive => "receive",
            GraphNodeKind.Timer => "timer",
            GraphNodeKind.EventGateway => "event-gateway",
            _ => "subflow",
        }));
        if (node.Kind == GraphNodeKind.Start && node.Id == flow.Id && flow.LoopLimit is { } limit)
            fields.Add("\"loop-limit\": " + limit.ToString(CultureInfo.InvariantCulture));
        if (node.Task is { } task)
        {
            fields.Add($"\"task-component\": {S(flow.ComponentName)}");
            fields.Add($"\"task-service\": {S(task.Service)}");
            if (task.Formula == TaskFormula.Iterate)
            {
                fields.Add("\"ite-source\": \"req.items\"");
                if (node.IteAsync) fields.Add("\"ite-async\": true");
                if (node.IteStrategy is { } strategy) fields.Add($"\"ite-strategy\": {S(strategy)}");
            }
        }
        if (node.OpenAsync) fields.Add("\"open-async\": true");
        if (node.FailCode is { } code) fields.Add($"\"code\": {S(code)}");
        if (node.Calls is { } calls) fields.Add($"\"call\": {S(calls)}");
        if (node.Event is { } name) fields.Add($"\"event\": {S(name)}");
        if (node.Duration is { } duration) fields.Add($"\"duration\": {S(duration)}");
        if (node.Body is { } body) fields.Add("\"graph\": " + Graph(flow, body));
        if (node.ExtraSetting is { } extra) fields.Add($"{S(extra.Name)}: {S(extra.Value)}");
        return "{ " + string.Join(", ", fields) + " }";
    }

    private static string Connection(GraphEdge edge)
    {
        var text = $"{{ \"from\": {S(edge.From)}, \"to\": {S(edge.To)}";
        if (edge.When is { } when) text += ", \"when\": " + S(when.Text);
        if (edge.IsDefault) text += ", \"default\": true";
        return text + " }";
    }
}
