using FlowGen.Generators.Binding;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Emit;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>
/// A result template (FG0415): the flow's result built at an end node from expressions, either as a whole
/// (<c>res: "sta.page"</c>) or member by member (<c>res.total: "var.total"</c>), the members matched by name onto the
/// result type's constructor parameters and settable properties at build time. See docs/assignments.md.
/// </summary>
internal static class ResultTemplates
{
    /// <summary>True for <c>res</c> and <c>res.&lt;member&gt;</c>.</summary>
    public static bool IsResultTarget(string target)
    {
        var t = target.Trim();
        return t == "res" || t.StartsWith("res.", StringComparison.Ordinal);
    }

    public static BoundAssignment? Bind(FlowNode node, List<FlowAssignment> template, FlowClassModel flowClass, TypeTable types, List<BusChecks.Producer> available, List<DiagnosticInfo> diagnostics)
    {
        var resultType = flowClass.ResultType;
        var display = AssignmentChecks.Short(resultType);
        var first = template[0];
        if (node.Kind != NodeKind.EndEvent || node.GetProperty("error-code") is not null || node.Scope is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.BadAssignment, first.TargetLocation, node.Describe(), first.Target.Trim(),
                "the result is built when the run ends: a result template belongs on an end node of the flow (not a fail node, not inside a subflow)",
                "Move it to an end node, or use the flow file's 'result', which every end node of the flow takes."));
            return null;
        }

        var whole = template.FirstOrDefault(a => a.Target.Trim() == "res");
        if (whole is not null && template.Count > 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.ResultTemplate, whole.TargetLocation, node.Describe(), display,
                "it gives both the whole result (res) and members of it (res.<member>)", "Give the whole result, or its members."));
            return null;
        }
        if (whole is not null)
        {
            if (AssignmentChecks.Compile(whole.Value, $"the result of {node.Describe()}", flowClass, types, available, diagnostics) is not { } value) return null;
            if (!BusChecks.Assignable(value.Type!, resultType, types))
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.ResultTemplate, whole.Value.Location, node.Describe(), display,
                    $"the value is {AssignmentChecks.Short(value.Type!)} ({whole.Value.Text})", $"Give it a value of type {display}."));
                return null;
            }
            return new BoundAssignment("state.Result", "res", Converted(value, resultType, types), whole.Value.Text, whole.Value.Location);
        }

        // Member by member: each compiled, then matched onto a constructor and settable properties.
        var members = new List<Member>();
        var failed = false;
        foreach (var assignment in template)
        {
            var name = assignment.Target.Trim().Substring(4);
            if (name.Length == 0 || name.Contains('.'))
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.ResultTemplate, assignment.TargetLocation, node.Describe(), display,
                    $"'{assignment.Target.Trim()}' is not one member of the result", "Write res.<member>: each member of the result once, by its name."));
                failed = true;
                continue;
            }
            if (members.Any(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.ResultTemplate, assignment.TargetLocation, node.Describe(), display,
                    $"it gives the member '{name}' twice", "Give each member once."));
                failed = true;
                continue;
            }
            var value = AssignmentChecks.Compile(assignment.Value, $"the result member res.{name} of {node.Describe()}", flowClass, types, available, diagnostics);
            if (value is null) failed = true;
            else members.Add(new Member(name, assignment, value));
        }
        if (failed) return null;

        if (resultType == JsonObjectType)
        {
            // A JSON result (ps-go's response body): each member a property of a new JsonObject, in the order written.
            var properties = members.Select(m => $"[{CSharpText.StringLiteral(m.Name)}] = global::FlowGen.FlowFunctions.ToJson({m.Value.Code})");
            var json = "new global::System.Text.Json.Nodes.JsonObject { " + string.Join(", ", properties) + " }";
            return new BoundAssignment("state.Result", "res", json, string.Join(", ", members.Select(m => $"{m.Name}: {m.Source.Value.Text}")), first.Value.Location);
        }

        var target = new Target(display, "res.", (why, fix, at) => DiagnosticInfo.Create(FlowDiagnostics.ResultTemplate, at, node.Describe(), display, why, fix));
        if (BuildObject(resultType, members, first.TargetLocation, target, types, diagnostics) is not { } creation) return null;
        var text = string.Join(", ", members.Select(m => $"{m.Name}: {m.Source.Value.Text}"));
        return new BoundAssignment("state.Result", "res", creation, text, first.Value.Location);
    }

    /// <summary>What a template builds, for messages: the type's name, how a member is written (<c>res.</c>), and its diagnostic.</summary>
    internal sealed record Target(string Display, string Prefix, Func<string, string, LocationInfo, DiagnosticInfo> Problem);

    /// <summary>A member of a template: its name, where it is written, and its compiled value.</summary>
    internal sealed record Member(string Name, FlowAssignment Source, CompiledExpression Value);

    /// <summary>
    /// An object of <paramref name="type"/> built from members by name: the constructor whose parameters the members
    /// give (the one that takes the most), then settable or init properties; every problem reported through
    /// <paramref name="target"/>. The C# creation expression, or null.
    /// </summary>
    internal static string? BuildObject(string type, List<Member> members, LocationInfo at, Target target, TypeTable types, List<DiagnosticInfo> diagnostics)
    {
        var display = target.Display;
        var failed = false;
        var shape = types.Find(type);
        if (shape is null || shape.Category != TypeCategory.Other)
        {
            diagnostics.Add(target.Problem($"{display} has no members to give", $"Give the whole value instead: one expression of type {display}.", at));
            return null;
        }
        // The constructor: every parameter without a default given by a member; of those, the one that takes the most members.
        ConstructorShape? chosen = null;
        var bestCount = -1;
        foreach (var constructor in shape.Constructors)
        {
            if (constructor.Parameters.Any(p => !p.HasDefault && !members.Any(m => Same(m.Name, p.Name)))) continue;
            var taken = constructor.Parameters.Count(p => members.Any(m => Same(m.Name, p.Name)));
            if (taken > bestCount || (taken == bestCount && constructor.Parameters.Count < chosen!.Parameters.Count))
            {
                chosen = constructor;
                bestCount = taken;
            }
        }
        if (chosen is null)
        {
            // Name what the nearest constructor still needs.
            var nearest = shape.Constructors.OrderBy(c => c.Parameters.Count(p => !p.HasDefault && !members.Any(m => Same(m.Name, p.Name)))).FirstOrDefault();
            var why = nearest is null
                ? $"{display} has no public constructor"
                : "it does not give " + string.Join(", ", nearest.Parameters.Where(p => !p.HasDefault && !members.Any(m => Same(m.Name, p.Name)))
                    .Select(p => $"'{p.Name}' ({AssignmentChecks.Short(p.Type)})")) + $", which {display}'s constructor needs";
            diagnostics.Add(target.Problem(why, $"Give every constructor parameter a member ({target.Prefix}<name>), or give the whole value.", at));
            return null;
        }

        var arguments = new List<string>();
        var initializers = new List<string>();
        foreach (var parameter in chosen.Parameters)
        {
            if (members.FirstOrDefault(m => Same(m.Name, parameter.Name)) is not { } member)
            {
                arguments.Add("default!");
                continue;
            }
            var code = MemberValue(member, parameter.Type, parameter.IsNullable, $"constructor parameter '{parameter.Name}'", target, types, diagnostics);
            if (code is null) failed = true;
            arguments.Add($"{Identifier(parameter.Name)}: {code}");
        }
        // Named arguments: a parameter left to its default is left out rather than passed 'default!'.
        arguments = chosen.Parameters.Select((p, i) => (p, a: arguments[i])).Where(x => x.a != "default!").Select(x => x.a).ToList();
        foreach (var member in members.Where(m => !chosen.Parameters.Any(p => Same(p.Name, m.Name))))
        {
            var property = shape.Properties.FirstOrDefault(p => p.Name == member.Name)
                ?? (shape.Properties.Where(p => Same(p.Name, member.Name)).ToList() is { Count: 1 } single ? single[0] : null);
            if (property is null)
            {
                diagnostics.Add(target.Problem($"{display} has no member '{member.Name}' (it has: {string.Join(", ", shape.Properties.Take(12).Select(p => p.Name))})", "Fix the member's name, or remove it.", member.Source.TargetLocation));
                failed = true;
                continue;
            }
            if (property.Setter is null)
            {
                diagnostics.Add(target.Problem($"{display}.{property.Name} is read-only and no constructor of {display} takes it with the members given", "Give the constructor's parameters, or make the property settable (set or init).", member.Source.TargetLocation));
                failed = true;
                continue;
            }
            var code = MemberValue(member, property.Type, property.IsNullable, $"property '{property.Name}'", target, types, diagnostics);
            if (code is null) failed = true;
            initializers.Add($"{Identifier(property.Name)} = {code}");
        }
        foreach (var required in shape.Properties.Where(p => p.IsRequired && !members.Any(m => Same(m.Name, p.Name))))
        {
            diagnostics.Add(target.Problem($"it does not give '{required.Name}', which {display} declares required", $"Add {target.Prefix}{required.Name}.", at));
            failed = true;
        }
        if (failed) return null;

        var creation = $"new {type}({string.Join(", ", arguments)})";
        if (initializers.Count > 0) creation += " { " + string.Join(", ", initializers) + " }";
        return creation;
    }

    /// <summary>One member's value for a parameter or property of <paramref name="type"/>, or null (reported) when it does not fit.</summary>
    private static string? MemberValue(Member member, string type, bool nullable, string what, Target target, TypeTable types, List<DiagnosticInfo> diagnostics)
    {
        var display = target.Display;
        var valueType = member.Value.Type!;
        var wanted = nullable && ExpressionTypes.Describe(types, type).Type.IsValueType && !type.EndsWith("?", StringComparison.Ordinal) ? type + "?" : type;
        if (!BusChecks.Assignable(valueType, wanted, types))
        {
            diagnostics.Add(target.Problem($"{target.Prefix}{member.Name} is {AssignmentChecks.Short(valueType)} ({member.Source.Value.Text}), but {display}'s {what} is {AssignmentChecks.Short(wanted)}",
                $"Give {target.Prefix}{member.Name} a value of type {AssignmentChecks.Short(wanted)}.", member.Source.Value.Location));
            return null;
        }
        var code = Converted(member.Value, wanted, types);
        // A value that may be null, for a member declared not null: the run fails rather than build an object that breaks its own type.
        if (!nullable && !ExpressionTypes.Describe(types, type).Type.IsValueType)
        {
            code = member.Value.MayBeNull
                ? $"({code} ?? throw new global::System.InvalidOperationException({CSharpText.StringLiteral($"{target.Prefix}{member.Name} is null, but {ExpressionTypes.ShortName(display)}'s {what} is not nullable")}))"
                // Not null by the expression's rules (upper of a non-null text), though the helper's C# signature says string?.
                : Forgiven(code);
        }
        return code;
    }

    /// <summary>
    /// <c>code!</c>: a value the expression's rules know is not null, though a helper's C# signature says it may be. A
    /// member chain or call takes the <c>!</c> directly (<c>(state.Request.Name)!</c> would read as a cast).
    /// </summary>
    internal static string Forgiven(string code)
        => !code.Contains("global::FlowGen.FlowFunctions.") ? code // a member declared not null, a literal: C# knows already
            : code.EndsWith(")", StringComparison.Ordinal) || System.Text.RegularExpressions.Regex.IsMatch(code, @"^[\w.:@]+$") ? code + "!" : "(" + code + ")!";

    internal static string Converted(CompiledExpression value, string target, TypeTable types)
        => value.Type != target && ExpressionTypes.Describe(types, target).Type.IsValueType ? $"({target})({value.Code})" : value.Code!;

    private const string JsonObjectType = "global::System.Text.Json.Nodes.JsonObject";

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static string Identifier(string name) => ExpressionTypes.Identifier(name);
}
