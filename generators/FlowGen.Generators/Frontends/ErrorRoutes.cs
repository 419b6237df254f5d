using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Frontends;

/// <summary>
/// Error routes in every form (a BPMN error boundary event, a connection with <c>error</c>, an action's <c>on-error</c>),
/// lowered into what the flow already runs: the task gets <c>on-error=continue</c> (and <c>error-codes</c> when every route
/// names codes), and an exclusive gateway after it takes each route when <c>@failed('task')</c> (and
/// <c>var.error.code == 'CODE'</c>), else the task's own flow. See docs/error-routes.md.
/// </summary>
internal static class ErrorRoutes
{
    /// <summary>The condition of a route: the task failed into it, with this code when one is named.</summary>
    public static string ConditionText(string taskId, string? code)
        => code is null ? $"@failed({Quote(taskId)})" : $"@failed({Quote(taskId)}) && var.error.code == {Quote(code)}";

    /// <summary>A condition FlowGen wrote, reported (should it fail) at the route's place in the file.</summary>
    public static ConditionSource Condition(string text, LocationInfo at, FlowLimits limits)
    {
        var offsets = Enumerable.Repeat(at.Start, text.Length + 1).ToArray();
        return new ConditionSource(text, ExpressionParser.Parse(text, limits), at, offsets.ToEquatableArray(),
            Enumerable.Repeat(at.StartLine, offsets.Length).ToEquatableArray(), Enumerable.Repeat(at.StartColumn, offsets.Length).ToEquatableArray());
    }

    /// <summary>The task's settings with its routes' catch: on-error=continue, and error-codes unless a route takes every code.</summary>
    public static EquatableArray<NodeProperty> WithCatch(FlowNode task, IReadOnlyCollection<string?> codes, LocationInfo at)
    {
        var properties = task.Properties.Where(p => p.Name is not ("on-error" or "error-codes")).ToList();
        properties.Add(new NodeProperty("on-error", "continue", at));
        if (codes.All(c => c is not null))
            properties.Add(new NodeProperty("error-codes", string.Join(",", codes.Distinct(StringComparer.Ordinal)), at));
        return properties.ToEquatableArray();
    }

    /// <summary>One route of a task: the node its failure goes to, the code it takes (null: any), its flow's id and place.</summary>
    public sealed record Route(string TaskId, string TargetId, string? Code, string? EdgeId, LocationInfo Location);

    /// <summary>
    /// Lowers the routes of one task: a gateway <c>&lt;task&gt;.error</c> after it, whose flows are the routes (those with a
    /// code first, in the order written) and, as its default, the task's own flow. Returns why it cannot, or null.
    /// </summary>
    public static string? Lower(List<FlowNode> nodes, List<FlowEdge> edges, List<Route> routes, FlowLimits limits)
    {
        var taskId = routes[0].TaskId;
        var index = nodes.FindIndex(n => n.Id == taskId);
        if (index < 0 || nodes[index].Kind != NodeKind.ServiceTask || nodes[index].IsUnsupported)
            return $"'{taskId}' is not a task: an error route leaves a task";
        var task = nodes[index];
        if (Checks.SettingsChecks.IsFalse(task.GetProperty("strict-mode")))
            return $"'{taskId}' has strict-mode=false (ignore-error), which goes on after a failure: keep the error route or that setting, not both";
        if (routes.Count(r => r.Code is null) > 1)
            return $"'{taskId}' has {routes.Count(r => r.Code is null)} error routes that take every error: the first would take them all; keep one";
        var own = edges.Where(e => e.SourceId == taskId).ToList();
        if (own.Count > 1)
            return $"'{taskId}' has {own.Count} flows out besides its error route; a task with an error route has one (put a gateway after it)";

        var at = routes[0].Location;
        nodes[index] = task with { Properties = WithCatch(task, routes.Select(r => r.Code).ToList(), at) };
        var gateway = taskId + ".error";
        nodes.Add(new FlowNode(gateway, null, NodeKind.ExclusiveGateway, "error route", EquatableArray<NodeProperty>.Empty, at));
        edges.Add(new FlowEdge(taskId + "->" + gateway, null, taskId, gateway, null, false, at));
        foreach (var route in routes.Where(r => r.Code is not null).Concat(routes.Where(r => r.Code is null)))
        {
            edges.Add(new FlowEdge(route.EdgeId ?? gateway + "->" + route.TargetId, null, gateway, route.TargetId,
                Condition(ConditionText(taskId, route.Code), route.Location, limits), false, route.Location));
        }
        if (own.Count == 1)
        {
            // The task's own flow leaves from the gateway, taken when the task did not fail into a route.
            edges[edges.IndexOf(own[0])] = own[0] with { SourceId = gateway, IsDefault = true, Condition = null };
        }
        else
        {
            // No flow of its own: when the task succeeds, its branch ends.
            var end = taskId + ".done";
            nodes.Add(new FlowNode(end, null, NodeKind.EndEvent, "end", EquatableArray<NodeProperty>.Empty, at));
            edges.Add(new FlowEdge(gateway + "->" + end, null, gateway, end, null, true, at));
        }
        return null;
    }

    /// <summary>Lowers the routes of every task; <paramref name="report"/> gets a task's routes and why they cannot be made.</summary>
    public static void LowerAll(List<FlowNode> nodes, List<FlowEdge> edges, IEnumerable<Route> routes, FlowLimits limits, Action<List<Route>, string> report)
    {
        foreach (var group in routes.GroupBy(r => r.TaskId, StringComparer.Ordinal))
        {
            var list = group.ToList();
            if (Lower(nodes, edges, list, limits) is { } why) report(list, why);
        }
    }

    private static string Quote(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n").Replace("\r", "\\r") + "'";
}
