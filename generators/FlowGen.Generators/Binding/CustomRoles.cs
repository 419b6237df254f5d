using FlowGen.Generators.Model;

namespace FlowGen.Generators.Binding;

/// <summary>
/// Kstry's <c>custom-role</c>: a task's property that names another task (<c>component@service</c>) which changes the
/// run's role once the task has run. As Kstry does at load time, the named task becomes a node of its own right after
/// the task (<c>Task.custom-role</c>), and the task's outgoing flows leave from it, so that their role conditions see
/// the new role. It is an ordinary [FlowTask] method: it takes the <c>FlowContext</c> and sets <c>context.Role</c>.
/// </summary>
internal static class CustomRoles
{
    public const string Property = "custom-role";
    public const string Suffix = ".custom-role";

    public static FlowDefinition Expand(FlowDefinition flow)
    {
        var graph = flow.Graph;
        var inFlow = new HashSet<string>(flow.NodeIds, StringComparer.Ordinal);
        if (!graph.Nodes.Any(n => inFlow.Contains(n.Id) && n.Kind == NodeKind.ServiceTask && n.FindProperty(Property) is { Value.Length: > 0 })) return flow;

        var nodes = new List<FlowNode>(graph.Nodes.Count + 1);
        var moved = new Dictionary<string, string>(StringComparer.Ordinal); // task -> its custom-role node
        var added = new List<FlowEdge>();
        foreach (var node in graph.Nodes)
        {
            nodes.Add(node);
            if (!inFlow.Contains(node.Id) || node.Kind != NodeKind.ServiceTask || node.FindProperty(Property) is not { Value.Length: > 0 } property) continue;
            var (component, service) = Reference(property.Value);
            var id = node.Id + Suffix;
            var properties = new List<NodeProperty>();
            if (component is not null) properties.Add(new NodeProperty("task-component", component, property.Location));
            properties.Add(new NodeProperty("task-service", service, property.Location));
            nodes.Add(new FlowNode(id, $"custom role of {node.Name ?? node.Id}", NodeKind.ServiceTask, node.Element, properties.ToEquatableArray(), property.Location) { Scope = node.Scope });
            added.Add(new FlowEdge(id + ".flow", null, node.Id, id, null, false, property.Location));
            moved[node.Id] = id;
        }
        var edges = graph.Edges.Select(e => moved.TryGetValue(e.SourceId, out var from) ? e with { SourceId = from } : e).Concat(added).ToEquatableArray();
        var nodeIds = flow.NodeIds.SelectMany(id => moved.TryGetValue(id, out var role) ? new[] { id, role } : [id]).ToEquatableArray();
        return flow with { Graph = graph with { Nodes = nodes.ToEquatableArray(), Edges = edges }, NodeIds = nodeIds };
    }

    /// <summary><c>component@service</c> as Kstry writes it (<c>pr:</c> allowed), or a bare <c>service</c>.</summary>
    private static (string? Component, string Service) Reference(string value)
    {
        var reference = value.Trim();
        if (reference.StartsWith("pr:", StringComparison.Ordinal)) reference = reference.Substring(3);
        var at = reference.IndexOf('@');
        return at < 0 ? (null, reference) : (reference.Substring(0, at), reference.Substring(at + 1));
    }
}
