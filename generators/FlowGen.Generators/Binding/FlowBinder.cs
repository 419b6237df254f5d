using FlowGen.Generators.Checks;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FlowGen.Generators.Binding;

/// <summary>
/// Binds one flow to C#: each service task to a [FlowTask] method (03xx), then hands the result to
/// <see cref="BusChecks"/> for the typed bus and conditions (04xx, 05xx).
/// </summary>
internal static class FlowBinder
{
    public static BoundFlow Bind(FlowDefinition flow, FlowClassModel flowClass, EquatableArray<ComponentModel> components, CancellationToken cancellationToken, EquatableArray<EventModel> events = default)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var index = new GraphIndex(flow.Graph);
        var resolved = new Dictionary<string, (ComponentModel Component, TaskMethodModel Method)>(StringComparer.Ordinal);
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        var fallbacks = new Dictionary<string, (ComponentModel Component, TaskMethodModel Method)>(StringComparer.Ordinal);
        var unbound = new HashSet<string>(StringComparer.Ordinal);

        foreach (var id in flow.NodeIds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var node = index.Nodes[id];
            if (node.IsUnsupported) continue;
            // Tasks call a method; a gateway does when it names a service (Kstry's service on a gateway).
            var namesService = node.FindProperty("task-service") is not null || node.FindProperty("task-component") is not null;
            if (node.Kind != NodeKind.ServiceTask && !(GraphIndex.IsGateway(node) && namesService)) continue;
            if (HttpTasks.IsHttp(node))
            {
                // An HTTP task calls the runtime's HTTP client, not a [FlowTask] method.
                if (HttpTasks.Bind(node, diagnostics) is { } http) resolved[id] = (http.Component, WithOutputSetting(node, http.Method, diagnostics));
                else unbound.Add(id);
                continue;
            }
            // A node that only sets bus values (type: set, a BPMN task with set: properties and no service) calls nothing.
            if (!namesService && (node.Assignments.Count > 0 || node.FindProperty(Checks.TaskInputs.PublishSetting) is not null)) continue;
            var allowAbsent = SettingsChecks.IsTrue(node.GetProperty("allow-absent"));
            var result = Resolve(node, components, out var problem);
            if (result is { } found)
            {
                if (found.Method.Problem is { } why)
                {
                    unbound.Add(id);
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedMethod, node.Location, node.Describe(), $"{found.Component.TypeName}.{found.Method.MethodName}", why));
                }
                else
                    resolved[id] = (found.Component, WithAbilities(node, found.Component, WithOutputSetting(node, found.Method, diagnostics), diagnostics));
                if (ResolveFallback(node, found.Method.Defaults.Demotion, components, diagnostics) is { } fallback) fallbacks[id] = fallback;
                continue;
            }

            if (allowAbsent && problem!.Id is "FG0301" or "FG0302")
            {
                skipped.Add(id);
                problem = problem! with { SeverityOverride = DiagnosticSeverity.Info };
            }
            else unbound.Add(id);
            diagnostics.Add(problem!);
        }

        return BusChecks.Check(flow, flowClass, index, resolved, skipped, fallbacks, diagnostics, cancellationToken, events, unbound);
    }

    /// <summary>
    /// The task's ability methods (Kstry's abilities): each must take what the plain method takes and return what it
    /// returns, so that the role can pick any of them at run time with the same bus reads and writes.
    /// </summary>
    private static TaskMethodModel WithAbilities(FlowNode node, ComponentModel component, TaskMethodModel method, List<DiagnosticInfo> diagnostics)
    {
        var abilities = new List<TaskMethodModel>();
        foreach (var ability in component.Tasks.Where(t => t.TaskName == method.TaskName && t.Ability is not null))
        {
            string? why = null;
            if (!ability.Parameters.Select(p => p.Type).SequenceEqual(method.Parameters.Select(p => p.Type)) || ability.ReturnKind != method.ReturnKind || ability.ValueType != method.ValueType)
                why = $"is the ability '{ability.Ability}' of {method.MethodName} but takes other parameters or returns another way (an ability takes what the plain method takes and returns the same type, sync or async alike)";
            if (why is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedMethod, node.Location, node.Describe(), $"{component.TypeName}.{ability.MethodName}", why));
                continue;
            }
            abilities.Add(ability);
        }
        return abilities.Count == 0 ? method : method with { Abilities = abilities.ToEquatableArray() };
    }

    /// <summary>
    /// The <c>output</c> setting (ps-go's output name): the task's whole value is also written to the sta value
    /// of that name, whatever the method's notices say.
    /// </summary>
    private static TaskMethodModel WithOutputSetting(FlowNode node, TaskMethodModel method, List<DiagnosticInfo> diagnostics)
    {
        if (node.FindProperty("output") is not { } output) return method;
        var name = output.Value.Trim();
        if (method.ValueType is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, output.Location, node.Describe(), "output", output.Value,
                $"the method {method.MethodName} returns no value to store; remove the setting"));
            return method;
        }
        if (method.Outputs.Any(o => o.Scope == BusScope.State && o.Name == name && o.Property is null)) return method;
        var outputs = method.Outputs.ToList();
        outputs.Add(new OutputModel(BusScope.State, name, method.ValueType, method.ValueIsNullable, null));
        return method with { Outputs = outputs.ToEquatableArray() };
    }

    /// <summary>
    /// The task-demotion (fallback) of a node: Kstry writes <c>pr:component@service</c>, or
    /// <c>pr:component@service@ability</c> for one ability of the service; <c>component@service[@ability]</c>,
    /// <c>r:service[@ability]</c> and a bare <c>service</c> (unique across components) work too. Without an ability
    /// the plain method stands in (and picks its ability by the run's role, as the task does).
    /// </summary>
    private static (ComponentModel Component, TaskMethodModel Method)? ResolveFallback(FlowNode node, string? fromAttribute, EquatableArray<ComponentModel> components, List<DiagnosticInfo> diagnostics)
    {
        // The node's property wins over the method's [FlowTask(Demotion = ...)]; a problem is reported at the node.
        var property = node.FindProperty("task-demotion") ?? node.FindProperty("demotion")
            ?? (fromAttribute is null ? null : new NodeProperty("task-demotion", fromAttribute, node.Location));
        if (property is null) return null;
        var reference = property.Value.Trim();
        string? component = null;
        string service;
        string? ability = null;
        if (reference.StartsWith("r:", StringComparison.Ordinal))
        {
            var parts = reference.Substring(2).Split(['@'], 2);
            service = parts[0];
            ability = parts.Length > 1 ? parts[1] : null;
        }
        else
        {
            if (reference.StartsWith("pr:", StringComparison.Ordinal)) reference = reference.Substring(3);
            var parts = reference.Split(['@'], 3);
            if (parts.Length == 1) service = parts[0];
            else (component, service, ability) = (parts[0], parts[1], parts.Length > 2 ? parts[2] : null);
        }
        var matches = components
            .Where(c => component is null || c.Name == component)
            .SelectMany(c => c.Tasks.Where(t => t.TaskName == service && t.Ability == ability).Select(t => (c, t)))
            .ToList();
        if (matches.Count == 1 && matches[0].t.Problem is null) return matches[0];
        var why = matches.Count switch
        {
            0 => component is not null && !components.Any(c => c.Name == component)
                ? $"no class has [FlowComponent(\"{component}\")]"
                : ability is not null && components.Any(c => (component is null || c.Name == component) && c.Tasks.Any(t => t.TaskName == service))
                    ? $"[FlowTask(\"{service}\")] has no method with Ability = \"{ability}\"{(component is null ? "" : $" in component '{component}'")}"
                : $"no method has [FlowTask(\"{service}\")]{(component is null ? "" : $" in component '{component}'")}",
            1 => $"{matches[0].c.TypeName}.{matches[0].t.MethodName} {matches[0].t.Problem}",
            _ => $"several components have it ({string.Join(", ", matches.Select(m => m.c.Name))}): write component@service",
        };
        diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnknownFallback, property.Location, node.Describe(), property.Value, why));
        return null;
    }

    private static (ComponentModel Component, TaskMethodModel Method)? Resolve(FlowNode node, EquatableArray<ComponentModel> components, out DiagnosticInfo? problem)
    {
        problem = null;
        var componentProperty = node.FindProperty("task-component");
        var serviceProperty = node.FindProperty("task-service");
        if (serviceProperty is null || serviceProperty.Value.Length == 0)
        {
            problem = DiagnosticInfo.Create(FlowDiagnostics.MissingTaskService, node.Location, node.Describe());
            return null;
        }

        var service = serviceProperty.Value;
        if (componentProperty is { Value.Length: > 0 })
        {
            var component = components.FirstOrDefault(c => c.Name == componentProperty.Value);
            if (component is null)
            {
                problem = DiagnosticInfo.Create(FlowDiagnostics.UnknownComponent, componentProperty.Location, node.Describe(), componentProperty.Value,
                    List(components.Select(c => c.Name)));
                return null;
            }
            var method = component.Tasks.FirstOrDefault(t => t.TaskName == service && t.Ability is null);
            if (method is null && component.Tasks.Any(t => t.TaskName == service))
            {
                problem = DiagnosticInfo.Create(FlowDiagnostics.UnknownTask, node.Location, node.Describe(), service,
                    $" without an Ability in component '{component.Name}' ({component.TypeName}; a run whose role holds none of its abilities needs one)",
                    string.Join(", ", component.Tasks.Where(t => t.TaskName == service).Select(t => $"{t.TaskName} (Ability = {t.Ability})")))
                    .WithAdditional(serviceProperty.Location);
                return null;
            }
            if (method is null)
            {
                problem = DiagnosticInfo.Create(FlowDiagnostics.UnknownTask, node.Location, node.Describe(), service,
                    $" in component '{component.Name}' ({component.TypeName})", List(component.Tasks.Select(t => t.TaskName)))
                    .WithAdditional(serviceProperty.Location);
                return null;
            }
            return (component, method);
        }

        var matches = components.SelectMany(c => c.Tasks.Where(t => t.TaskName == service && t.Ability is null).Select(t => (c, t))).ToList();
        if (matches.Count == 1) return matches[0];
        problem = matches.Count == 0
            ? DiagnosticInfo.Create(FlowDiagnostics.UnknownTask, node.Location, node.Describe(), service, " in any component",
                List(components.SelectMany(c => c.Tasks.Select(t => $"{c.Name}/{t.TaskName}")))).WithAdditional(serviceProperty.Location)
            : DiagnosticInfo.Create(FlowDiagnostics.AmbiguousTask, serviceProperty.Location, node.Describe(), service, List(matches.Select(m => m.c.Name)));
        return null;
    }

    private static string List(IEnumerable<string> names)
    {
        var all = names.Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (all.Count == 0) return "none";
        return string.Join(", ", all.Take(12)) + (all.Count > 12 ? ", ..." : "");
    }

    /// <summary>Binds and checks a flow; an internal failure becomes one FG9001 diagnostic, never an exception.</summary>
    public static BoundFlow BindSafely(FlowDefinition flow, FlowClassModel flowClass, EquatableArray<ComponentModel> components, EquatableArray<SubprocessDefinition> subprocesses, CancellationToken cancellationToken, EquatableArray<EventModel> events = default)
    {
        try
        {
            var (expanded, problems) = SubprocessExpander.Expand(flow, subprocesses);
            expanded = CustomRoles.Expand(expanded);
            var bound = Bind(expanded, flowClass, components, cancellationToken, events);
            var schemaProblems = new List<DiagnosticInfo>();
            var schema = RequestSchemaChecks.Bind(flow.Graph.RequestSchema, flow.FileName, flowClass, schemaProblems);
            return bound with
            {
                Diagnostics = problems.Concat(bound.Diagnostics).Concat(schemaProblems).ToEquatableArray(),
                RequestSchema = schema,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var diagnostic = DiagnosticInfo.Create(FlowDiagnostics.InternalError, flow.Graph.FindNode(flow.FlowId)?.Location, $"flow '{flow.FlowId}'", ex.GetType().Name + ": " + ex.Message);
            return new BoundFlow(flowClass, flow with { HasErrors = true }, EquatableArray<BoundNode>.Empty, EquatableArray<BusField>.Empty,
                EquatableArray<ComponentDependency>.Empty, EquatableArray<string>.Empty, new[] { diagnostic }.ToEquatableArray());
        }
    }
}
