using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis.CSharp;

namespace FlowGen.Generators.Emit;

/// <summary>
/// Writes a flow's request validator: plain if statements over the request's members, one block per schema
/// field, adding a <c>FlowFieldError</c> for every rule that fails (the list is made on the first failure only).
/// </summary>
internal static class RequestValidatorEmitter
{
    public const string MethodName = "CheckRequest";

    public static bool NeedsRequestSetter(BoundRequestSchema schema) => schema.Fields.Any(f => f.DefaultVia == "with");

    public static void Write(SourceWriter w, BoundRequestSchema schema)
    {
        w.Line($"// The request schema of {CSharpText.Comment(schema.FileName)} (line {schema.Line}), checked when the start node runs:");
        w.Line("// defaults fill missing values, then every failing field is listed in one FLOW_VALIDATION_FAILED error.");
        w.Open($"private static global::System.Collections.Generic.List<global::FlowGen.FlowFieldError>? {MethodName}(State state)");
        w.Line("global::System.Collections.Generic.List<global::FlowGen.FlowFieldError>? errors = null;");
        w.Line("var request = state.Request;");
        foreach (var field in schema.Fields) WriteField(w, field, "request", topLevel: true);
        if (NeedsRequestSetter(schema)) w.Line("state.Request = request;");
        w.Line("return errors;");
        w.Close();
        w.Line();
    }

    private static void WriteField(SourceWriter w, BoundRequestField field, string owner, bool topLevel)
    {
        var rules = field.Field;
        var access = $"{owner}.{field.Member}";
        w.Line($"// {CSharpText.Comment(field.Path)}: {CSharpText.Comment(Describe(field))}");
        if (field.DefaultCode is { } value)
        {
            var store = field.DefaultVia == "with" && topLevel ? $"{owner} = {owner} with {{ {field.Member} = {value} }};" : $"{access} = {value};";
            w.Line($"if ({access} is null) {store}");
        }

        var checks = Checks(field).ToList();
        if (!field.CanBeNull)
        {
            if (checks.Count == 0 && field.Fields.Count == 0) return;
            var local = Local(field.Path);
            w.Line($"var {local} = {access};");
            WriteChecks(w, field, local, checks);
            return;
        }

        var required = rules.Required ? $"global::FlowGen.FlowValidation.Add(ref errors, {CSharpText.StringLiteral(field.Path)}, \"required\", \"is required\");" : null;
        if (checks.Count == 0 && field.Fields.Count == 0)
        {
            if (required is not null) w.Line($"if ({access} is null) {required}");
            return;
        }
        var name = Local(field.Path);
        w.Open($"if ({access} is {{ }} {name})");
        WriteChecks(w, field, name, checks);
        w.Close();
        if (required is not null)
        {
            w.Line("else");
            w.Line($"    {required}");
        }
    }

    private static void WriteChecks(SourceWriter w, BoundRequestField field, string value, List<(string Condition, string Rule, string Message)> checks)
    {
        foreach (var (condition, rule, message) in checks)
        {
            w.Line($"if ({condition.Replace("$", value)})");
            w.Line($"    global::FlowGen.FlowValidation.Add(ref errors, {CSharpText.StringLiteral(field.Path)}, \"{rule}\", {message.Replace("$", value)});");
        }
        foreach (var child in field.Fields) WriteField(w, child, value, topLevel: false);
    }

    /// <summary>(condition over $, rule, message expression over $) for each rule of the field.</summary>
    private static IEnumerable<(string, string, string)> Checks(BoundRequestField field)
    {
        var rules = field.Field;
        var unit = rules.Type == "string" ? "characters" : "items";
        if (field.LengthMember is { } length)
        {
            if (rules.MinLength is { } min)
                yield return ($"$.{length} < {min}", "minLen", $"\"must have at least {min} {unit} (it has \" + global::FlowGen.FlowValidation.Text($.{length}) + \")\"");
            if (rules.MaxLength is { } max)
                yield return ($"$.{length} > {max}", "maxLen", $"\"must have at most {max} {unit} (it has \" + global::FlowGen.FlowValidation.Text($.{length}) + \")\"");
        }
        if (field.MinCode is { } minValue)
            yield return ($"$ < {minValue}", "min", $"\"must be at least {rules.Min} (it is \" + global::FlowGen.FlowValidation.Text($) + \")\"");
        if (field.MaxCode is { } maxValue)
            yield return ($"$ > {maxValue}", "max", $"\"must be at most {rules.Max} (it is \" + global::FlowGen.FlowValidation.Text($) + \")\"");
        if (field.EnumCodes.Count > 0)
        {
            var shown = rules.Type == "string" ? "$" : "global::FlowGen.FlowValidation.Text($)";
            yield return ($"$ is not ({string.Join(" or ", field.EnumCodes)})", "enum",
                $"{CSharpText.StringLiteral("must be one of " + string.Join(", ", rules.Enum) + " (it is ")} + {shown} + \")\"");
        }
    }

    private static string Describe(BoundRequestField field)
    {
        var f = field.Field;
        var parts = new List<string> { f.Type };
        if (f.Required) parts.Add("required");
        if (f.Default is not null) parts.Add("default " + f.Default);
        if (f.MinLength is not null) parts.Add("minLen " + f.MinLength);
        if (f.MaxLength is not null) parts.Add("maxLen " + f.MaxLength);
        if (f.Min is not null) parts.Add("min " + f.Min);
        if (f.Max is not null) parts.Add("max " + f.Max);
        if (f.Enum.Count > 0) parts.Add("one of " + string.Join(", ", f.Enum));
        return string.Join(", ", parts);
    }

    /// <summary>A local for a field's value: its path in camel case (address.city -> addressCity), never a keyword.</summary>
    private static string Local(string path)
    {
        var chars = new System.Text.StringBuilder();
        var upper = false;
        foreach (var c in path)
        {
            if (!char.IsLetterOrDigit(c)) { upper = chars.Length > 0; continue; }
            chars.Append(upper ? char.ToUpperInvariant(c) : chars.Length == 0 ? char.ToLowerInvariant(c) : c);
            upper = false;
        }
        var name = chars.Length == 0 || char.IsDigit(chars[0]) ? "field" + chars : chars.ToString();
        return SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || name is "request" or "errors" or "state" ? name + "Value" : name;
    }
}
