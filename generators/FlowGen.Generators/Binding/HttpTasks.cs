using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Emit;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Binding;

/// <summary>
/// HTTP tasks (ps-go's api component): a task with <c>http-url</c> calls an HTTP service instead of a C# method.
/// It is bound as a call of the runtime's <c>FlowHttpClient.SendAsync</c>: the request (method, URL, headers,
/// body, accepted statuses, error message) is a constant built here, and each <c>{req.x}</c>, <c>{sta.y}</c> or
/// <c>{var.z}</c> placeholder of a template is a parameter bound from the bus like any task parameter, so the
/// bus checks (FG0401, FG0402, FG0403) apply to it. The JSON response goes to <c>http-output</c> as a JsonElement.
/// <c>http-max-response</c> caps the answer's size (the runtime's default when absent).
/// </summary>
internal static class HttpTasks
{
    public const string ClientType = "global::FlowGen.FlowHttpClient";
    public const string ResponseType = "global::System.Text.Json.JsonElement";
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
    private static readonly Regex Placeholder = new(@"\{(?<raw>\+?)(?<scope>req|sta|var)(?<path>(?:\.[A-Za-z_][A-Za-z0-9_\-]*(?:\[[0-9]{1,9}\])*)*)\}", RegexOptions.CultureInvariant);
    private static readonly Regex Check = new(@"^\s*(?<path>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*(?<op>==|!=)\s*(?<value>-?\d+(?:\.\d+)?|'[^']*'|""[^""]*""|true|false|null)\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex Statuses = new(@"^\s*\d{3}(\s*-\s*\d{3})?(\s*,\s*\d{3}(\s*-\s*\d{3})?)*\s*$", RegexOptions.CultureInvariant);

    public static bool IsHttp(FlowNode node) => node.FindProperty("http-url") is not null;

    /// <summary>The synthetic component and method an HTTP task calls, or null (with diagnostics) when its settings are wrong.</summary>
    public static (ComponentModel Component, TaskMethodModel Method)? Bind(FlowNode node, List<DiagnosticInfo> diagnostics)
    {
        var parameters = new List<ParameterModel>();
        var ok = true;

        var method = (node.GetProperty("http-method") ?? "GET").Trim().ToUpperInvariant();
        if (!Methods.Contains(method))
        {
            Invalid(node, "http-method", $"the method must be one of {string.Join(", ", Methods)}", diagnostics);
            ok = false;
        }
        var success = node.GetProperty("http-success");
        if (success is not null && !Statuses.IsMatch(success))
        {
            Invalid(node, "http-success", "write the accepted statuses as codes and ranges, such as 200-299,404", diagnostics);
            ok = false;
        }

        var check = "null";
        if (node.GetProperty("http-check") is { } checkText)
        {
            var match = Check.Match(checkText);
            if (!match.Success)
            {
                Invalid(node, "http-check", "write a check of the JSON response as path == value or path != value, such as code == 0 or status == 'ok'", diagnostics);
                ok = false;
            }
            else
            {
                // The expected value as the JSON text it must (or must not) be: 0, "ok", true, null.
                var value = match.Groups["value"].Value;
                var json = value[0] is '\'' or '"' ? JsonString(value.Substring(1, value.Length - 2)) : value;
                check = $"new({CSharpText.StringLiteral(checkText.Trim())}, new[] {{ {string.Join(", ", match.Groups["path"].Value.Split('.').Select(s => CSharpText.StringLiteral(s)))} }}, {CSharpText.StringLiteral(json)}, {(match.Groups["op"].Value == "==" ? "true" : "false")})";
            }
        }

        var url = Template(node.GetProperty("http-url")!, parameters);
        var headers = new List<string>();
        foreach (var header in (node.GetProperty("http-headers") ?? "").Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = header.IndexOf(':');
            if (colon <= 0)
            {
                Invalid(node, "http-headers", $"'{header.Trim()}' is not 'Name: value' (separate headers with ';')", diagnostics);
                ok = false;
                continue;
            }
            headers.Add($"new({CSharpText.StringLiteral(header.Substring(0, colon).Trim())}, {Template(header.Substring(colon + 1).Trim(), parameters)})");
        }
        var body = node.GetProperty("http-body") is { } bodyText ? Template(bodyText, parameters) : "null";
        if (!ok) return null;

        var spec = new StringBuilder($"new {ClientType.Replace("FlowHttpClient", "FlowHttpSpec")}({CSharpText.StringLiteral(method)}, {url}");
        spec.Append(headers.Count == 0 ? ", null" : $", new global::FlowGen.FlowHttpHeader[] {{ {string.Join(", ", headers)} }}");
        spec.Append($", {body}, {CSharpText.StringLiteral(success?.Trim())}, {CSharpText.StringLiteral(node.GetProperty("http-error"))}, {check}");
        // The answer size limit (checked by SettingsChecks, FG0602), and whether the answer goes to the bus: an empty
        // body is then an error at this task instead of a JsonElement that throws wherever it is read.
        if (Checks.SettingsChecks.TryByteSize(node.GetProperty("http-max-response"), out var maxResponse))
            spec.Append($", maxResponseBytes: {maxResponse.ToString(CultureInfo.InvariantCulture)}L");
        if (node.GetProperty("http-output") is { Length: > 0 } || node.FindProperty("output") is not null) spec.Append(", expectsValue: true");
        spec.Append(')');

        parameters.InsertRange(0,
        [
            new ParameterModel("request", "global::FlowGen.FlowHttpSpec", false, ParameterSource.Constant, spec.ToString()),
            new ParameterModel("cancellationToken", "global::System.Threading.CancellationToken", false, ParameterSource.CancellationToken, null),
        ]);
        var outputs = node.GetProperty("http-output") is { Length: > 0 } output
            ? new[] { new OutputModel(BusScope.State, output.Trim(), ResponseType, false, null) }.ToEquatableArray()
            : EquatableArray<OutputModel>.Empty;
        var task = new TaskMethodModel(node.Id, "SendAsync", false, ReturnKind.ValueTaskOfT, ResponseType, parameters.ToEquatableArray(), outputs, null);
        var response = new TypeShape(ResponseType, "JsonElement", TypeCategory.Other, true, false, null, null, EquatableArray<PropertyShape>.Empty);
        var component = new ComponentModel("http", ClientType, "FlowHttpClient", new[] { task }.ToEquatableArray(), new TypeTable(new[] { response }.ToEquatableArray()));
        return (component, task);
    }

    /// <summary>A template as C# (<c>new FlowHttpTemplate(literals, slots)</c>); its placeholders become parameters bound from the bus.</summary>
    private static string Template(string text, List<ParameterModel> parameters)
    {
        var literals = new List<string>();
        var slots = new List<int>();
        var last = 0;
        foreach (Match match in Placeholder.Matches(text))
        {
            literals.Add(text.Substring(last, match.Index - last));
            // Slot numbers count the values of the whole call; the two leading parameters are added after.
            // {+req.baseUrl}: inserted as it is (RFC 6570's reserved expansion); otherwise escaped (a negative slot marks raw).
            slots.Add(match.Groups["raw"].Length > 0 ? ~parameters.Count : parameters.Count);
            var path = match.Groups["path"].Value.TrimStart('.');
            var source = match.Groups["scope"].Value switch
            {
                "req" => path.Length == 0 ? ParameterSource.Request : ParameterSource.RequestPath,
                "sta" => ParameterSource.State,
                _ => ParameterSource.Var,
            };
            // Not nullable: a placeholder nothing fills is an error (FG0401), not a silent empty text.
            parameters.Add(new ParameterModel(match.Value, "object", false, source, path.Length == 0 ? null : path));
            last = match.Index + match.Length;
        }
        literals.Add(text.Substring(last));
        return $"new({string.Join(", ", "new[] { " + string.Join(", ", literals.Select(l => CSharpText.StringLiteral(l))) + " }", "new int[] { " + string.Join(", ", slots.Select(s => s.ToString(CultureInfo.InvariantCulture))) + " }")})";
    }

    /// <summary>A text as a JSON string literal (quotes, backslashes and control characters escaped).</summary>
    internal static string JsonString(string text)
    {
        var json = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c is '"' or '\\') json.Append('\\').Append(c);
            else if (c < ' ') json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else json.Append(c);
        }
        return json.Append('"').ToString();
    }

    private static void Invalid(FlowNode node, string name, string problem, List<DiagnosticInfo> diagnostics)
    {
        var property = node.FindProperty(name)!;
        diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, property.Location, node.Describe(), name, property.Value, problem + "; fix the value")
            .WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
    }
}
