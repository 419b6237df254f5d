using System.Text.RegularExpressions;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>
/// A node's <c>set</c> (04xx, 05xx): each assignment's expression compiled over the bus values written before it, the
/// written name typed (by the tasks that also write it, else by the expression), and added to the bus as a producer
/// so that later tasks, conditions and assignments read it with the usual checks. See docs/assignments.md.
/// </summary>
internal static class AssignmentChecks
{
    private static readonly Regex Target = new(@"^(sta|var)\.([A-Za-z_][A-Za-z0-9_\-]*)$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Compiles the assignments of the flow's nodes and adds what they write to <paramref name="producers"/>. Nodes are
    /// taken so that a node's ancestors come first: an assignment reads what an earlier node's assignment wrote.
    /// </summary>
    /// <returns>The compiled assignments of each node that has any.</returns>
    public static Dictionary<string, EquatableArray<BoundAssignment>> Bind(
        FlowDefinition flow, GraphIndex index, FlowClassModel flowClass, TypeTable types, List<BusChecks.Producer> producers, Ancestry ancestors,
        List<DiagnosticInfo> diagnostics)
    {
        var bound = new Dictionary<string, EquatableArray<BoundAssignment>>(StringComparer.Ordinal);
        var withSets = flow.NodeIds.Select((id, order) => (Node: index.Nodes[id], Order: order))
            .Where(n => n.Node.Assignments.Count > 0 && !n.Node.IsUnsupported)
            .OrderBy(n => ancestors[n.Node.Id].Count).ThenBy(n => n.Order)
            .Select(n => n.Node)
            .ToList();
        if (withSets.Count == 0) return bound;

        // The types the flow's tasks, seeds and receives give bus names: an assignment writes a value of that type.
        var declared = producers.Where(p => p.Output.Scope != BusScope.Result).ToList();
        // The names some set of the flow writes, as written (var.count): a set may read one through coalesce before it is written.
        var setTargets = new HashSet<string>(withSets.SelectMany(n => n.Assignments).Select(a => a.Target.Trim()), StringComparer.OrdinalIgnoreCase);
        foreach (var node in withSets)
        {
            if (GraphIndex.IsWait(node) || node.Kind == NodeKind.EventGateway)
            {
                var first = node.Assignments[0];
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.BadAssignment, first.TargetLocation, node.Describe(), first.Target,
                    "a wait writes its event to the bus when the event comes, and sets nothing itself",
                    "Move 'set' to the node after the wait; it can read what the wait wrote."));
                continue;
            }
            var compiled = new List<BoundAssignment>();
            foreach (var assignment in node.Assignments.Where(a => !ResultTemplates.IsResultTarget(a.Target)))
            {
                if (Bind(node, assignment, flowClass, types, producers, declared, ancestors, setTargets, diagnostics) is { } one) compiled.Add(one);
            }
            // The result template last: it reads what the node's other assignments wrote.
            var template = node.Assignments.Where(a => ResultTemplates.IsResultTarget(a.Target)).ToList();
            if (template.Count > 0)
            {
                var available = producers.Where(p => p.NodeId == node.Id || ancestors[node.Id].Contains(p.NodeId)).ToList();
                if (ResultTemplates.Bind(node, template, flowClass, types, available, diagnostics) is { } result) compiled.Add(result);
            }
            if (compiled.Count > 0) bound[node.Id] = compiled.ToEquatableArray();
        }
        return bound;
    }

    private static BoundAssignment? Bind(
        FlowNode node, FlowAssignment assignment, FlowClassModel flowClass, TypeTable types, List<BusChecks.Producer> producers,
        List<BusChecks.Producer> declared, Ancestry ancestors, HashSet<string> setTargets, List<DiagnosticInfo> diagnostics)
    {
        var targetText = assignment.Target.Trim();
        var match = Target.Match(targetText);
        if (!match.Success)
        {
            var root = targetText.Split('.')[0];
            var why = root switch
            {
                "req" => "req is the request: a flow reads it and never writes it",
                "sta" or "var" => "a bus name is one name of letters, digits, '_' and '-' (a value's members are not written one by one)",
                _ => "only var.<name> and sta.<name> can be set",
            };
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.BadAssignment, assignment.TargetLocation, node.Describe(), targetText, why,
                "Write the bus value as var.<name> (a value that may change) or sta.<name> (written once)."));
            return null;
        }
        var scope = match.Groups[1].Value == "sta" ? BusScope.State : BusScope.Var;
        var name = match.Groups[2].Value;
        var busName = match.Groups[1].Value + "." + name;
        var where = $"the set of {busName} on {node.Describe()}";

        // What the node's assignment reads: what ran before it, the node's own task, and the assignments before this one.
        var available = producers.Where(p => p.NodeId == node.Id || ancestors[node.Id].Contains(p.NodeId)).ToList();
        var value = assignment.Value;
        // Values a set reads before anything writes them on the way to it (a counter round a loop, coalesce(var.count, 0) + 1,
        // or a value a later set of the loop writes): each read through coalesce takes the type of its default and reads null
        // until it is first written. A name no set of the flow writes stays unknown (FG0502: a typo is not a counter).
        if (value.Parsed.Root is { } read)
        {
            foreach (var (readScope, readName, fallback) in Defaults(read))
            {
                var readBus = readScope == "sta" ? BusScope.State : BusScope.Var;
                if (available.Any(p => p.Output.Scope == readBus && string.Equals(p.Output.Name, readName, StringComparison.OrdinalIgnoreCase))) continue;
                if (!setTargets.Contains(readScope + "." + readName)) continue;
                if (Compile(value with { Parsed = value.Parsed with { Root = fallback } }, where, flowClass, types, available, diagnostics) is not { Type: { } readType }) return null;
                available.Add(new BusChecks.Producer(node.Id, node, new OutputModel(readBus, readName, readType.TrimEnd('?'), true, null)) { Assigned = true, SelfRead = true });
            }
            if (Reads(read, match.Groups[1].Value, name) && !available.Any(p => p.Output.Scope == scope && string.Equals(p.Output.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.BadAssignment, value.Location, node.Describe(), busName,
                    $"the value reads {busName} itself, which nothing writes before this set",
                    $"Give its first value: coalesce({busName}, 0) (or the default you want), or set it before."));
                return null;
            }
        }
        if (Compile(value, where, flowClass, types, available, diagnostics) is not { } compiled) return null;
        var type = compiled.Type!;
        var code = compiled.Code!;
        // A name a task (or seed, or receive) writes has its type: the value must fit it. Else the name takes the value's type.
        var owner = declared.FirstOrDefault(p => p.Output.Scope == scope && string.Equals(p.Output.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? producers.FirstOrDefault(p => p.Output.Scope == scope && string.Equals(p.Output.Name, name, StringComparison.OrdinalIgnoreCase));
        var fieldType = type;
        if (owner is not null)
        {
            fieldType = owner.Output.Type;
            if (!BusChecks.Assignable(type, fieldType, types) && !FitsNullable(type, fieldType, owner, types))
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.BadAssignment, value.Location, node.Describe(), busName,
                    $"the value is {Short(type)} ({value.Text}) while {owner.Describe()} writes {busName} as {Short(fieldType)}",
                    $"Give it a value of type {Short(fieldType)}, or set another name.").WithAdditional(owner.Node.Location));
                return null;
            }
            if (type.EndsWith("?", StringComparison.Ordinal) && !fieldType.EndsWith("?", StringComparison.Ordinal) && ExpressionTypes.Describe(types, fieldType).Type.IsValueType)
            {
                // An int? into an int: a null fails the run naming the expression (FLOW_ASSIGNMENT_FAILED), never a bare cast.
                code = $"global::FlowGen.FlowFunctions.Value<{type.TrimEnd('?')}>({code}, {Emit.CSharpText.StringLiteral(value.Text)})";
                type = type.TrimEnd('?');
            }
            if (type != fieldType && ExpressionTypes.Describe(types, fieldType).Type.IsValueType) code = $"({fieldType})({code})";
        }
        var nullable = fieldType.EndsWith("?", StringComparison.Ordinal);
        var producer = new BusChecks.Producer(node.Id, node, new OutputModel(scope, owner?.Output.Name ?? name, fieldType, nullable, null)) { Assigned = true };
        producers.Add(producer);
        var canonical = producers.First(p => p.Output.Scope == scope && string.Equals(p.Output.Name, name, StringComparison.OrdinalIgnoreCase)).Output.Name;
        return new BoundAssignment("state." + BusChecks.FieldName(scope, canonical), busName, code, value.Text, value.Location);
    }

    /// <summary>True when the expression reads <c>root.name</c> (the assignment's own target).</summary>
    private static bool Reads(Expr expression, string root, string name) => expression switch
    {
        PathExpr path => path.Root == root && path.Segments.Count > 0 && string.Equals(path.Segments[0].Name, name, StringComparison.OrdinalIgnoreCase),
        UnaryExpr unary => Reads(unary.Operand, root, name),
        BinaryExpr binary => Reads(binary.Left, root, name) || Reads(binary.Right, root, name),
        ConditionalExpr conditional => Reads(conditional.Condition, root, name) || Reads(conditional.WhenTrue, root, name) || Reads(conditional.WhenFalse, root, name),
        CallExpr call => call.Arguments.Any(a => Reads(a, root, name)),
        _ => false,
    };

    /// <summary>Every <c>coalesce(var.name, default)</c> (or <c>sta.name</c>) of the expression: the name read and its default.</summary>
    private static IEnumerable<(string Scope, string Name, Expr Default)> Defaults(Expr expression)
    {
        switch (expression)
        {
            case CallExpr { Function: "coalesce", Arguments.Count: 2 } call when call.Arguments[0] is PathExpr { Root: "var" or "sta", Segments.Count: 1 } path:
                yield return (path.Root, path.Segments[0].Name, call.Arguments[1]);
                foreach (var inner in Defaults(call.Arguments[1])) yield return inner;
                break;
            case CallExpr call:
                foreach (var argument in call.Arguments)
                    foreach (var inner in Defaults(argument)) yield return inner;
                break;
            case UnaryExpr unary:
                foreach (var inner in Defaults(unary.Operand)) yield return inner;
                break;
            case BinaryExpr binary:
                foreach (var inner in Defaults(binary.Left).Concat(Defaults(binary.Right))) yield return inner;
                break;
            case ConditionalExpr conditional:
                foreach (var inner in Defaults(conditional.Condition).Concat(Defaults(conditional.WhenTrue)).Concat(Defaults(conditional.WhenFalse))) yield return inner;
                break;
        }
    }

    /// <summary>
    /// An assignment's (or a template member's) expression, compiled over <paramref name="available"/>; its errors are
    /// reported at their column, named by <paramref name="where"/>. Null when it does not compile.
    /// </summary>
    internal static CompiledExpression? Compile(ConditionSource value, string where, FlowClassModel flowClass, TypeTable types, List<BusChecks.Producer> available, List<DiagnosticInfo> diagnostics)
    {
        var errors = value.Parsed.Errors;
        CompiledExpression? compiled = null;
        if (errors.IsEmpty && value.Parsed.Root is { } expression)
        {
            compiled = ExpressionCompiler.CompileValue(expression, new BusChecks.Resolver(flowClass, types, available));
            errors = compiled.Errors;
        }
        if (errors.IsEmpty && compiled?.Code is null)
            errors = new[] { new ExpressionError("FG0501", 0, value.Text.Length, "the expression is empty") }.ToEquatableArray();
        if (errors.IsEmpty) return compiled;
        foreach (var error in errors)
        {
            var descriptor = FlowDiagnostics.All.FirstOrDefault(d => d.Id == error.Id) ?? FlowDiagnostics.ExpressionSyntax;
            diagnostics.Add(DiagnosticInfo.Create(descriptor, value.Span(error.Start, error.Length), "Expression", DiagnosticInfo.Quote(value.Text), where, error.Message));
        }
        return null;
    }

    /// <summary>A value type written where the name holds its nullable form (an int into an int?), or a reference into its nullable annotation.</summary>
    private static bool FitsNullable(string type, string fieldType, BusChecks.Producer owner, TypeTable types)
        => fieldType == type + "?" || (owner.Output.IsNullable && !ExpressionTypes.Describe(types, type).Type.IsValueType && fieldType.TrimEnd('?') == type.TrimEnd('?'));

    internal static string Short(string type) => type.Replace("global::", "");
}
