using FlowGen.Generators.Binding;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>
/// A task's inputs (FG0416): a parameter given by an expression over the bus (<c>input: { priority: "req.vip ? 1 : 0" }</c>),
/// or an object built for it member by member (<c>input: { order: { id: req.id, total: "var.total" } }</c>, matched onto the
/// parameter type's constructor and settable properties as a result template is). Evaluated when the task is called,
/// over the values written before the node. See docs/assignments.md#task-inputs.
/// </summary>
internal static class TaskInputs
{
    /// <summary>The setting of a publish node: the name of the event it publishes (its members are the node's inputs <c>event.&lt;member&gt;</c>).</summary>
    public const string PublishSetting = "publish";

    /// <summary>
    /// A publish node's statement: the event named by its <c>publish</c> setting, a <c>[FlowEvent]</c> type built from its
    /// inputs (<c>event.&lt;member&gt;</c>, or <c>event</c> whole), posted with <c>state.Publish</c>. Null after a diagnostic.
    /// </summary>
    public static BoundAssignment? Publish(FlowNode node, EquatableArray<EventModel> events, FlowClassModel flowClass, TypeTable types,
        List<BusChecks.Producer> available, List<DiagnosticInfo> diagnostics)
    {
        var setting = node.FindProperty(PublishSetting)!;
        var name = setting.Value.Trim();
        var model = events.FirstOrDefault(e => e.Name == name);
        if (model is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnknownEvent, setting.Location, node.Describe(), name,
                events.Count == 0 ? "" : " (events: " + string.Join(", ", events.Select(e => e.Name).Distinct().Take(12)) + ")"));
            return null;
        }
        var parameter = new ParameterModel("event", model.TypeFullName, false, ParameterSource.Auto, null);
        // The event's members (event.<member>, or event for the whole): the inputs Argument builds it from.
        var inputs = new List<FlowAssignment>();
        foreach (var input in node.Inputs)
        {
            var target = input.Target.Trim();
            if (target == "event" || target.StartsWith("event.", StringComparison.Ordinal)) inputs.Add(input with { Target = target.Length == 5 ? "" : target.Substring(6) });
            else diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TaskInput, input.TargetLocation, node.Describe(), target, $"event '{name}'",
                "a publish node's inputs are the event's members (event.<member>)", "Write event.<member>, or remove it."));
        }
        if (inputs.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TaskInput, setting.Location, node.Describe(), "event", $"event '{name}'",
                $"it gives no member of {AssignmentChecks.Short(model.TypeFullName)}", "Give the event's members: with: { <member>: \"<expression>\" }."));
            return null;
        }
        if (Argument(node, parameter, inputs, $"event '{name}'", flowClass, types, available, diagnostics) is not { } code) return null;
        return new BoundAssignment("", "publish " + name, $"state.Publish({Emit.CSharpText.StringLiteral(name)}, {code})",
            string.Join(", ", inputs.Select(i => (i.Target.Length == 0 ? "" : i.Target + ": ") + i.Value.Text)), setting.Location) { IsStatement = true };
    }

    /// <summary>The node's inputs by parameter name; an input for no parameter of the method is FG0416.</summary>
    public static Dictionary<string, List<FlowAssignment>>? Group(FlowNode node, TaskMethodModel method, string methodName, List<DiagnosticInfo> diagnostics)
    {
        if (node.Inputs.Count == 0) return null;
        var groups = new Dictionary<string, List<FlowAssignment>>(StringComparer.Ordinal);
        foreach (var input in node.Inputs)
        {
            var target = input.Target.Trim();
            var dot = target.IndexOf('.');
            var name = dot < 0 ? target : target.Substring(0, dot);
            var parameter = method.Parameters.FirstOrDefault(p => p.Name == name) ?? method.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (parameter is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TaskInput, input.TargetLocation, node.Describe(), name, methodName,
                    $"{methodName} has no parameter '{name}' (its parameters: {(method.Parameters.Count == 0 ? "none" : string.Join(", ", method.Parameters.Select(p => p.Name)))})",
                    "Name one of its parameters, or remove the input."));
                continue;
            }
            if (!groups.TryGetValue(parameter.Name, out var list)) groups[parameter.Name] = list = [];
            list.Add(input with { Target = dot < 0 ? "" : target.Substring(dot + 1) });
        }
        return groups;
    }

    /// <summary>The C# argument for <paramref name="parameter"/> from its inputs, or null after an FG0416 (or an FG05xx in an expression).</summary>
    public static string? Argument(FlowNode node, ParameterModel parameter, List<FlowAssignment> inputs, string methodName, FlowClassModel flowClass, TypeTable types,
        List<BusChecks.Producer> available, List<DiagnosticInfo> diagnostics)
    {
        var display = AssignmentChecks.Short(parameter.Type.TrimEnd('?'));
        DiagnosticInfo Problem(string why, string fix, LocationInfo at) => DiagnosticInfo.Create(FlowDiagnostics.TaskInput, at, node.Describe(), parameter.Name, methodName, why, fix);
        var whole = inputs.FirstOrDefault(i => i.Target.Length == 0);
        if (whole is not null && inputs.Count > 1)
        {
            diagnostics.Add(Problem($"it gives both the whole value ({parameter.Name}) and members of it ({parameter.Name}.<member>)", "Give the whole value, or its members.", whole.TargetLocation));
            return null;
        }
        var where = $"the input {parameter.Name} of {node.Describe()}";
        if (whole is not null)
        {
            if (AssignmentChecks.Compile(whole.Value, where, flowClass, types, available, diagnostics) is not { } value) return null;
            var wanted = parameter.IsNullable && ExpressionTypes.Describe(types, parameter.Type).Type.IsValueType && !parameter.Type.EndsWith("?", StringComparison.Ordinal)
                ? parameter.Type + "?" : parameter.Type;
            if (!BusChecks.Assignable(value.Type!, wanted, types))
            {
                diagnostics.Add(Problem($"the value is {AssignmentChecks.Short(value.Type!)} ({whole.Value.Text}), but the parameter is {AssignmentChecks.Short(wanted)}",
                    $"Give it a value of type {AssignmentChecks.Short(wanted)}.", whole.Value.Location));
                return null;
            }
            var valueIsValue = ExpressionTypes.Describe(types, value.Type!).Type.IsValueType;
            if (value.Type!.EndsWith("?", StringComparison.Ordinal) && !wanted.EndsWith("?", StringComparison.Ordinal) && valueIsValue)
                return $"global::FlowGen.FlowFunctions.Value<{value.Type!.TrimEnd('?')}>({value.Code}, {Emit.CSharpText.StringLiteral(whole.Value.Text)})";
            var code = ResultTemplates.Converted(value, wanted, types);
            if (!parameter.IsNullable && !valueIsValue)
            {
                code = value.MayBeNull
                    ? $"({code} ?? throw new global::System.InvalidOperationException({Emit.CSharpText.StringLiteral($"the input {parameter.Name} ({whole.Value.Text}) is null, but parameter '{parameter.Name}' of {methodName} is not nullable")}))"
                    : ResultTemplates.Forgiven(code);
            }
            return code;
        }

        var members = new List<ResultTemplates.Member>();
        var failed = false;
        foreach (var input in inputs)
        {
            if (input.Target.Contains('.') || members.Any(m => string.Equals(m.Name, input.Target, StringComparison.OrdinalIgnoreCase)))
            {
                diagnostics.Add(Problem(input.Target.Contains('.') ? $"'{parameter.Name}.{input.Target}' is not one member of {display}" : $"it gives the member '{input.Target}' twice",
                    $"Write {parameter.Name}.<member>: each member once, by its name.", input.TargetLocation));
                failed = true;
                continue;
            }
            var value = AssignmentChecks.Compile(input.Value, $"the input {parameter.Name}.{input.Target} of {node.Describe()}", flowClass, types, available, diagnostics);
            if (value is null) failed = true;
            else members.Add(new ResultTemplates.Member(input.Target, input, value));
        }
        if (failed) return null;
        var target = new ResultTemplates.Target(display, parameter.Name + ".", (why, fix, at) => Problem(why, fix, at));
        return ResultTemplates.BuildObject(parameter.Type.TrimEnd('?'), members, inputs[0].TargetLocation, target, types, diagnostics);
    }
}
