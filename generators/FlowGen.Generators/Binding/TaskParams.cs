using System.Globalization;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Emit;
using FlowGen.Generators.Frontends.Documents;
using FlowGen.Generators.Frontends.Json;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Binding;

/// <summary>
/// Kstry's node-level task settings, bound at build time: <c>task-params</c>, a JSON object that gives task
/// parameters by name a constant (<c>"a": 11</c>) or a bus value (<c>"reqId": "@req.id"</c>), and <c>task-property</c>,
/// a text that a <c>[FromTaskProperty]</c> parameter receives. Constants are converted to the parameter's type here,
/// so a value that does not fit is a build error at the setting, never a run-time conversion failure.
/// </summary>
internal static class TaskParams
{
    public const string ParamsProperty = "task-params";
    public const string PropertyProperty = "task-property";

    /// <summary>
    /// The node's task-params by parameter name, or null without any. A value that is not a JSON object, a key with a
    /// Kstry converter (<c>name[t:...]</c>) or a key no parameter has is FG0602 at the setting.
    /// </summary>
    public static Dictionary<string, DocNode>? Read(FlowNode node, IEnumerable<ParameterModel> parameters, List<DiagnosticInfo> diagnostics)
    {
        if (node.FindProperty(ParamsProperty) is not { } property) return null;
        var text = property.Value;
        DocNode? root = null;
        var problems = new List<DiagnosticInfo>();
        if (JsonSyntax.FirstError(text, 64) is { } error)
        {
            Report(node, property, diagnostics, $"it is not valid JSON ({error.Message} at character {(error.Offset + 1).ToString(CultureInfo.InvariantCulture)}); write a JSON object such as {{\"count\": 2, \"id\": \"@req.id\"}}");
            return new Dictionary<string, DocNode>(StringComparer.Ordinal);
        }
        root = DocumentParser.Parse(new DocumentText(node.Location.FilePath, SourceText.From(text)), "json", problems, default);
        if (root is not DocMapping mapping)
        {
            Report(node, property, diagnostics, "it is not a JSON object; write one such as {\"count\": 2, \"id\": \"@req.id\"}");
            return new Dictionary<string, DocNode>(StringComparer.Ordinal);
        }
        var names = new HashSet<string>(parameters.Select(p => p.Name), StringComparer.Ordinal);
        var result = new Dictionary<string, DocNode>(StringComparer.Ordinal);
        foreach (var entry in mapping.Entries)
        {
            var key = entry.Key.Name;
            if (key.IndexOf('[') >= 0)
                Report(node, property, diagnostics, $"the key '{key}' names a Kstry type converter, which FlowGen does not run; the value is converted to the parameter's type at build time, so write '{key.Substring(0, key.IndexOf('['))}' and convert in the method if needed");
            else if (!names.Contains(key))
                Report(node, property, diagnostics, $"the task has no parameter named '{key}' (its parameters: {(names.Count == 0 ? "none" : string.Join(", ", names.OrderBy(n => n, StringComparer.Ordinal)))})", DiagnosticSeverity.Warning);
            else
                result[key] = entry.Value;
        }
        return result;
    }

    /// <summary>
    /// The parameter as task-params gives it: a bus read (a copy of the parameter with that source, bound by the bus
    /// checks as any), or a constant converted to its type; null (after FG0602) for a value that cannot be.
    /// </summary>
    public static ParameterModel? Rebind(ParameterModel parameter, DocNode value, FlowNode node, TypeTable types, List<DiagnosticInfo> diagnostics)
    {
        var property = node.FindProperty(ParamsProperty)!;
        if (value is not DocScalar scalar)
        {
            Report(node, property, diagnostics, $"the value of '{parameter.Name}' is {value.Kind}; FlowGen takes a constant or a bus path (\"@req.x\", \"@sta.x\", \"@var.x\", \"@res.x\") per parameter: for an object filled from the bus, mark the parameter [FromBus]");
            return null;
        }
        if (scalar.IsQuoted && scalar.Value.StartsWith("@", StringComparison.Ordinal))
        {
            var path = scalar.Value.Substring(1);
            var dot = path.IndexOf('.');
            var scope = dot < 0 ? path : path.Substring(0, dot);
            var rest = dot < 0 ? null : path.Substring(dot + 1);
            ParameterModel? bound = scope switch
            {
                "req" when rest is null => parameter with { Source = ParameterSource.Request, Path = null },
                "req" => parameter with { Source = ParameterSource.RequestPath, Path = rest },
                "sta" when rest is not null => parameter with { Source = ParameterSource.State, Path = rest },
                "var" when rest is not null => parameter with { Source = ParameterSource.Var, Path = rest },
                "res" => parameter with { Source = ParameterSource.Result, Path = rest },
                _ => null,
            };
            if (bound is null)
                Report(node, property, diagnostics, $"the value of '{parameter.Name}', '{scalar.Value}', is not a bus path FlowGen reads: write @req, @req.x, @sta.x, @var.x or @res.x (a JSONPath such as @$.var.x[0] is not supported)");
            return bound;
        }
        if (Constant(scalar.Value, scalar.IsNull, parameter, types, out var why) is { } code)
            return parameter with { Source = ParameterSource.Constant, Path = code };
        Report(node, property, diagnostics, $"the value of '{parameter.Name}' {why}");
        return null;
    }

    /// <summary>The C# expression of a constant for a parameter of this type, or null with the reason.</summary>
    public static string? Constant(string value, bool isNull, ParameterModel parameter, TypeTable types, out string why)
    {
        why = "";
        var type = parameter.Type.TrimEnd('?');
        var text = value.Trim();
        if (isNull)
        {
            if (parameter.IsNullable || !(types.Find(type)?.IsValueType ?? IsNumeric(type) || type == "bool")) return parameter.IsNullable ? "null" : "null!";
            why = $"is null, but the parameter is a {type}; make it {type}? or give a value";
            return null;
        }
        switch (type)
        {
            case "string":
                return CSharpText.StringLiteral(value);
            case "bool":
                if (text is "true" or "false") return text;
                why = $"is '{value}', not true or false, for a bool parameter";
                return null;
        }
        if (IsNumeric(type))
        {
            if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && Fits(number, type))
                return Numeric(number, type);
            why = $"is '{value}', which is not a {type}";
            return null;
        }
        why = $"is a constant, but the parameter is a {Short(parameter.Type)}; constants fill string, bool and number parameters (give other types with a bus path, @sta.x)";
        return null;
    }

    /// <summary>A [FromTaskProperty] parameter: the node's task-property, converted to the parameter's type.</summary>
    public static string? TaskProperty(ParameterModel parameter, FlowNode node, string method, TypeTable types, List<DiagnosticInfo> diagnostics)
    {
        if (node.FindProperty(PropertyProperty) is not { } property)
        {
            if (parameter.IsNullable) return "null";
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MissingValue, node.Location, parameter.Label, method, node.Describe(),
                "it is marked [FromTaskProperty], but the node has no task-property setting; add one, or make the parameter nullable"));
            return null;
        }
        if (Constant(property.Value, false, parameter, types, out var why) is { } code) return code;
        diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, property.Location, node.Describe(), property.Name, property.Value,
            $"the task-property for parameter '{parameter.Label}' of {method} {why}").WithSeverity(DiagnosticSeverity.Error));
        return null;
    }

    private static bool IsNumeric(string type) => type is "int" or "long" or "short" or "byte" or "sbyte" or "uint" or "ulong" or "ushort" or "double" or "float" or "decimal";

    private static bool Fits(decimal value, string type) => type switch
    {
        "int" => value == decimal.Truncate(value) && value >= int.MinValue && value <= int.MaxValue,
        "long" => value == decimal.Truncate(value) && value >= long.MinValue && value <= long.MaxValue,
        "short" => value == decimal.Truncate(value) && value >= short.MinValue && value <= short.MaxValue,
        "byte" => value == decimal.Truncate(value) && value >= byte.MinValue && value <= byte.MaxValue,
        "sbyte" => value == decimal.Truncate(value) && value >= sbyte.MinValue && value <= sbyte.MaxValue,
        "uint" => value == decimal.Truncate(value) && value >= uint.MinValue && value <= uint.MaxValue,
        "ulong" => value == decimal.Truncate(value) && value >= ulong.MinValue && value <= ulong.MaxValue,
        "ushort" => value == decimal.Truncate(value) && value >= ushort.MinValue && value <= ushort.MaxValue,
        _ => true,
    };

    private static string Numeric(decimal value, string type)
    {
        var text = value.ToString(CultureInfo.InvariantCulture);
        return type switch
        {
            "int" => text,
            "long" => text + "L",
            "uint" => text + "U",
            "ulong" => text + "UL",
            "decimal" => text + "m",
            "double" => text + "d",
            "float" => text + "f",
            _ => $"({type}){text}",
        };
    }

    private static string Short(string type) => type.Replace("global::", "");

    private static void Report(FlowNode node, NodeProperty property, List<DiagnosticInfo> diagnostics, string problem, DiagnosticSeverity severity = DiagnosticSeverity.Error)
        => diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, property.Location, node.Describe(), property.Name, property.Value, problem).WithSeverity(severity));
}
