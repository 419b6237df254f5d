using System.Globalization;
using System.Security;
using System.Text;

namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>
/// Writes a random flow as a BPMN 2.0 file, as Camunda Modeler saves Kstry's flows (docs/bpmn.md): the flow's process,
/// tasks and gateways with camunda properties, conditions as conditionExpression, default flows as the default
/// attribute, embedded subflows as subProcess, and the called subflows as a library process of unconnected subProcesses.
/// </summary>
internal static class BpmnFlowWriter
{
    public static string Write(RandomFlow flow)
    {
        var text = new StringBuilder();
        text.Append("""<?xml version="1.0" encoding="UTF-8"?>""").Append('\n');
        text.Append("""<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" """)
            .Append("""xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_Random" targetNamespace="http://bpmn.io/schema/bpmn">""").Append('\n');
        // The events a receive waits for are the names of bpmn:message elements (docs/bpmn.md, messages and events).
        if (flow.Durable)
        {
            foreach (var name in TestComponents.Events) text.Append($"  <bpmn:message id=\"{A(MessageId(flow, name))}\" name=\"{A(name)}\" />\n");
        }
        text.Append($"  <bpmn:process id=\"{A("Process_" + flow.Id)}\" isExecutable=\"true\">\n");
        var edges = 0;
        Graph(text, flow, flow.Main, "    ", ref edges);
        text.Append("  </bpmn:process>\n");
        if (flow.Subflows.Count > 0)
        {
            text.Append($"  <bpmn:process id=\"{A("Library_" + flow.Id)}\" isExecutable=\"true\">\n");
            foreach (var (name, body) in flow.Subflows)
            {
                text.Append($"    <bpmn:subProcess id=\"{A(name)}\">\n");
                Graph(text, flow, body, "      ", ref edges);
                text.Append("    </bpmn:subProcess>\n");
            }
            text.Append("  </bpmn:process>\n");
        }
        return text.Append("</bpmn:definitions>\n").ToString();
    }

    private static void Graph(StringBuilder text, RandomFlow flow, FlowGraph graph, string indent, ref int edges)
    {
        // Edge ids first, so that a node can name its default flow.
        var ids = new Dictionary<GraphEdge, string>();
        foreach (var edge in graph.Edges) ids[edge] = "e" + (edges++).ToString(CultureInfo.InvariantCulture) + "_" + flow.Id;
        foreach (var node in graph.Nodes) Node(text, flow, graph, node, ids, indent, ref edges);
        foreach (var edge in graph.Edges)
        {
            var open = $"{indent}<bpmn:sequenceFlow id=\"{A(ids[edge])}\" sourceRef=\"{A(edge.From)}\" targetRef=\"{A(edge.To)}\"";
            if (edge.When is { } when && !edge.IsDefault)
                text.Append(open).Append(">\n").Append($"{indent}  <bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">{SecurityElement.Escape(when.Text)}</bpmn:conditionExpression>\n")
                    .Append($"{indent}</bpmn:sequenceFlow>\n");
            else text.Append(open).Append(" />\n");
        }
    }

    private static void Node(StringBuilder text, RandomFlow flow, FlowGraph graph, GraphNode node, Dictionary<GraphEdge, string> ids, string indent, ref int edges)
    {
        var properties = new List<(string Name, string Value)>();
        if (node.Kind == GraphNodeKind.Start && node.Id == flow.Id && flow.LoopLimit is { } limit) properties.Add(("loop-limit", limit.ToString(CultureInfo.InvariantCulture)));
        if (node.Kind == GraphNodeKind.Start && node.Id == flow.Id && flow.Durable) properties.Add(("key", "req.key"));
        if (node.Task is { } task)
        {
            properties.Add(("task-component", flow.ComponentName));
            properties.Add(("task-service", task.Service));
            if (task.Formula == TaskFormula.Iterate)
            {
                properties.Add(("ite-source", "req.items"));
                if (node.IteAsync) properties.Add(("ite-async", "true"));
                if (node.IteStrategy is { } strategy) properties.Add(("ite-strategy", strategy));
            }
        }
        if (node.OpenAsync) properties.Add(("open-async", "true"));
        if (node.FailCode is { } code) properties.Add(("error-code", code));
        if (node.ExtraSetting is { } extra) properties.Add(extra);
        var element = node.Kind switch
        {
            GraphNodeKind.Start => "startEvent",
            GraphNodeKind.End or GraphNodeKind.Fail => "endEvent",
            GraphNodeKind.Task => "serviceTask",
            GraphNodeKind.Exclusive => "exclusiveGateway",
            GraphNodeKind.Parallel => "parallelGateway",
            GraphNodeKind.Inclusive => "inclusiveGateway",
            GraphNodeKind.Call => "callActivity",
            GraphNodeKind.Receive or GraphNodeKind.Timer => "intermediateCatchEvent",
            GraphNodeKind.EventGateway => "eventBasedGateway",
            _ => "subProcess",
        };
        var attributes = $" id=\"{A(node.Id)}\"";
        if (node.Calls is { } called) attributes += $" calledElement=\"{A(called)}\"";
        if (graph.Outgoing(node.Id).FirstOrDefault(e => e.IsDefault) is { } fallback) attributes += $" default=\"{A(ids[fallback])}\"";
        var inner = new StringBuilder();
        if (properties.Count > 0)
        {
            inner.Append($"{indent}  <bpmn:extensionElements><camunda:properties>");
            foreach (var (name, value) in properties) inner.Append($"<camunda:property name=\"{A(name)}\" value=\"{A(value)}\" />");
            inner.Append("</camunda:properties></bpmn:extensionElements>\n");
        }
        if (node.Kind == GraphNodeKind.Fail) inner.Append($"{indent}  <bpmn:errorEventDefinition />\n");
        if (node.Event is { } message) inner.Append($"{indent}  <bpmn:messageEventDefinition messageRef=\"{A(MessageId(flow, message))}\" />\n");
        if (node.Duration is { } duration)
            inner.Append($"{indent}  <bpmn:timerEventDefinition><bpmn:timeDuration xsi:type=\"bpmn:tFormalExpression\">{A(duration)}</bpmn:timeDuration></bpmn:timerEventDefinition>\n");
        if (node.Body is { } body) Graph(inner, flow, body, indent + "  ", ref edges);
        text.Append(inner.Length == 0 ? $"{indent}<bpmn:{element}{attributes} />\n" : $"{indent}<bpmn:{element}{attributes}>\n{inner}{indent}</bpmn:{element}>\n");
    }

    private static string A(string value) => SecurityElement.Escape(value);

    private static string MessageId(RandomFlow flow, string name) => "Message_" + name + "_" + flow.Id;
}
