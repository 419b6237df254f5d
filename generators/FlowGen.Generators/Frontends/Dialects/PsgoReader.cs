using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Frontends.Documents;
using FlowGen.Generators.Frontends.Json;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Frontends.Dialects;

/// <summary>
/// ps-go rules (<c>*.psgo.json</c>), read unchanged into the IR: <c>request</c> (its body, query and header field rules are
/// the request schema), <c>components</c> (layers of concurrent api and script components), <c>response</c> (a template of
/// the result, with <c>defaultBody</c> for what is missing). The flow id is the file's name. See docs/dialects/ps-go.md.
/// </summary>
internal sealed class PsgoReader
{
    public const string Extension = ".psgo.json";

    private static readonly string[] TopKeys = ["record", "suspend", "request", "components", "response"];
    private static readonly string[] RequestKeys = ["type", "body", "query", "header"];
    private static readonly string[] ResponseKeys = ["type", "body", "defaultBody", "header"];
    private static readonly string[] ComponentKeys =
    [
        "name", "desc", "type", "url", "input", "condition", "outputName", "timeout", "retryMaxCount", "method", "header",
        "responseCondition", "outputData", "errMsg", "ignoreError",
        // read, not applied (FG0007 says so): caching, certificates, other data types
        "isCache", "retryMaxWait", "contentType", "auth", "responseType", "dataType", "tls",
    ];

    private static readonly Regex Placeholder = new(@"\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}", RegexOptions.CultureInvariant);

    private readonly DocumentText _source;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly FlowDocumentReader _documents;
    // outputName -> the bus path its later placeholders read ({user.id} is sta.user.id, or sta.user.data.id with outputData {data}).
    private readonly Dictionary<string, string> _outputs = new(StringComparer.Ordinal);

    private PsgoReader(DocumentText source, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        _source = source;
        _diagnostics = diagnostics;
        _documents = FlowDocumentReader.For(source, diagnostics, cancellationToken);
    }

    public static (EquatableArray<FlowGraph> Graphs, EquatableArray<FlowGraph> Subprocesses, EquatableArray<DiagnosticInfo> Diagnostics) Read(string path, SourceText text, FlowLimits limits, CancellationToken cancellationToken)
    {
        var source = new DocumentText(path, text, limits);
        var diagnostics = new List<DiagnosticInfo>();
        if (JsonFlowReader.StrictJsonError(source, "write strict JSON (RFC 8259), as ps-go does") is { } error)
        {
            diagnostics.Add(error);
            return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
        }
        var root = DocumentParser.Parse(source, "JSON", diagnostics, cancellationToken);
        var reader = new PsgoReader(source, diagnostics, cancellationToken);
        var flowId = System.IO.Path.GetFileName(path);
        flowId = flowId.Substring(0, flowId.Length - Extension.Length);
        if (root is not DocMapping top)
        {
            reader._documents.Shape(root?.Location ?? source.Span(0, 0), "A ps-go rule file holds one object", "write ps-go's { \"request\": {...}, \"components\": [[...]], \"response\": {...} }");
            return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
        }
        var graph = reader.ReadRule(top, flowId);
        return (graph is null ? EquatableArray<FlowGraph>.Empty : new[] { graph }.ToEquatableArray(), EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
    }

    private FlowGraph? ReadRule(DocMapping top, string flowId)
    {
        _documents.CheckKeys(top, TopKeys, "the ps-go rule file");
        // suspend: true is on-failure: suspend: a failed run is saved (FlowRunOptions.Suspensions) for a later recover.
        var startProperties = string.Equals(_documents.Text(top, "suspend"), "true", StringComparison.OrdinalIgnoreCase)
            ? new[] { new NodeProperty("on-failure", "suspend", top.KeyOf("suspend")!.Location) }.ToEquatableArray()
            : EquatableArray<NodeProperty>.Empty;

        RequestSchema? schema = null;
        if (top["request"] is DocMapping request)
        {
            _documents.CheckKeys(request, RequestKeys, "'request'");
            // The request type carries the body's, the query's and the header's fields: one schema of them all.
            var fields = new List<SchemaField>();
            foreach (var part in new[] { "body", "query", "header" })
            {
                if (request[part] is { } rules && SchemaReader.Read(rules, _documents) is { } read) fields.AddRange(read.Fields);
            }
            schema = new RequestSchema(fields.ToEquatableArray(), request.Location);
        }

        var nodes = new List<FlowNode> { new(flowId, null, NodeKind.StartEvent, "start", startProperties, top.KeyOf("components")?.Location ?? top.Location) };
        var edges = new List<FlowEdge>();
        var previous = flowId;
        var layers = top["components"] as DocSequence;
        if (layers is null)
        {
            _documents.Shape(top.Location, "The rule has no 'components'", "list the layers of components: \"components\": [[ { \"name\": \"...\", \"type\": \"api\", ... } ]]");
            return null;
        }
        var ids = new HashSet<string>(StringComparer.Ordinal) { flowId };
        for (var i = 0; i < layers.Items.Count; i++)
        {
            var layer = layers.Items[i] as DocSequence;
            var components = layer?.Items.OfType<DocMapping>().ToList() ?? [];
            if (components.Count == 0)
            {
                _documents.Shape(layers.Items[i].Location, $"Layer {i + 1} of 'components' holds no component", "write each layer as a list of components: [ { \"name\": ..., \"type\": \"api\" } ]");
                continue;
            }
            var layerName = "layer-" + (i + 1).ToString(CultureInfo.InvariantCulture);
            var branches = new List<(string Entry, string Exit)>();
            // Outputs become readable after their layer: a component reads what the layers before it wrote.
            var written = new List<(string Name, string Path)>();
            foreach (var component in components)
            {
                if (ReadComponent(component, ids, nodes, edges, written) is { } branch) branches.Add(branch);
            }
            foreach (var (name, path) in written) _outputs[name] = path;
            if (branches.Count == 0) continue;
            if (branches.Count == 1)
            {
                edges.Add(Edge(previous, branches[0].Entry, layer!.Location));
                previous = branches[0].Exit;
                continue;
            }
            // The components of one layer run together; the next layer starts when all have ended.
            var fork = flowId + "." + layerName + ".fork";
            var join = flowId + "." + layerName + ".join";
            nodes.Add(new FlowNode(fork, null, NodeKind.ParallelGateway, "layer", EquatableArray<NodeProperty>.Empty, layer!.Location));
            nodes.Add(new FlowNode(join, null, NodeKind.ParallelGateway, "layer", EquatableArray<NodeProperty>.Empty, layer.Location));
            edges.Add(Edge(previous, fork, layer.Location));
            foreach (var (entry, exit) in branches)
            {
                edges.Add(Edge(fork, entry, layer.Location));
                edges.Add(Edge(exit, join, layer.Location));
            }
            previous = join;
        }

        var end = new FlowNode(flowId + ".end", null, NodeKind.EndEvent, "response", EquatableArray<NodeProperty>.Empty, top.KeyOf("response")?.Location ?? layers.Location);
        if (top["response"] is DocMapping response) end = end with { Assignments = ReadResponse(response).ToEquatableArray() };
        nodes.Add(end);
        edges.Add(Edge(previous, end.Id, layers.Location));
        return new FlowGraph(flowId, _source.Path, nodes.ToEquatableArray(), edges.ToEquatableArray(), top.Location) { RequestSchema = schema, SourceKey = "from", TargetKey = "to" };
    }

    /// <summary>One component: an HTTP task (api) or a [FlowTask] (script), guarded by its condition; (entry, exit) of its branch.</summary>
    private (string Entry, string Exit)? ReadComponent(DocMapping component, HashSet<string> ids, List<FlowNode> nodes, List<FlowEdge> edges, List<(string Name, string Path)> written)
    {
        _documents.CheckKeys(component, ComponentKeys, "a component");
        foreach (var key in new[] { "isCache", "retryMaxWait", "contentType", "auth", "responseType", "dataType", "tls", "errMsg" })
        {
            if (component[key] is not null)
                _documents.Warn(component.KeyOf(key)!.Location, $"'{key}' of a component is read but not applied", key == "responseType" || key == "dataType" ? "FlowGen's HTTP tasks send and read JSON" : "remove it, or set the HTTP client up in C# (AddHttpClient)");
        }
        var name = _documents.Text(component, "name");
        if (name is null)
        {
            _documents.Shape(component.Location, "A component has no 'name'", "give every component a name unique in the rule");
            return null;
        }
        if (!ids.Add(name))
        {
            _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.DuplicateId, component.KeyOf("name")!.Location, name, "here", "before"));
            return null;
        }
        var type = _documents.Text(component, "type") ?? "api";
        var at = component.KeyOf("name")!.Location;
        var properties = new List<NodeProperty>();
        var outputName = _documents.Text(component, "outputName");
        if (type == "api")
        {
            var url = _documents.Text(component, "url");
            if (url is null)
            {
                _documents.Shape(component.Location, $"Component '{name}' has no 'url'", "give the api's url");
                return null;
            }
            var method = (_documents.Text(component, "method") ?? "get").ToUpperInvariant();
            var input = component["input"] as DocMapping;
            var query = new StringBuilder();
            string? body = null;
            if (input is { Entries.Count: > 0 })
            {
                if (method is "GET" or "DELETE")
                {
                    // GET sends the input as the query string.
                    foreach (var entry in input.Entries)
                        query.Append(query.Length == 0 && !url.Contains('?') ? '?' : '&').Append(Uri.EscapeDataString(entry.Key.Name)).Append('=').Append(Placeholders(Raw(entry.Value)));
                }
                else
                {
                    // Other methods send it as a JSON body: each value a placeholder (its JSON) or a literal.
                    body = "{" + string.Join(", ", input.Entries.Select(e => Binding.HttpTasks.JsonString(e.Key.Name) + ": " + BodyValue(e.Value))) + "}";
                }
            }
            // A placeholder that starts the URL is its base address: inserted as it is, not escaped.
            var address = Placeholders(url);
            if (address.StartsWith("{", StringComparison.Ordinal) && !address.StartsWith("{+", StringComparison.Ordinal)) address = "{+" + address.Substring(1);
            properties.Add(new NodeProperty("http-url", address + query, component["url"]!.Location));
            properties.Add(new NodeProperty("http-method", method, component["method"]?.Location ?? at));
            if (body is not null) properties.Add(new NodeProperty("http-body", body, component["input"]!.Location));
            if (component["header"] is DocMapping headers && headers.Entries.Count > 0)
                properties.Add(new NodeProperty("http-headers", string.Join("; ", headers.Entries.Select(h => h.Key.Name + ": " + Placeholders(Raw(h.Value)))), headers.Location));
            if (_documents.Text(component, "responseCondition") is { } check)
                properties.Add(new NodeProperty("http-check", Placeholder.Replace(check, m => m.Groups[1].Value), component["responseCondition"]!.Location));
            if (outputName is not null)
            {
                properties.Add(new NodeProperty("http-output", outputName, component["outputName"]!.Location));
                var data = _documents.Text(component, "outputData") is { } od && Placeholder.Match(od.Trim()) is { Success: true } m && m.Value == od.Trim() ? "." + m.Groups[1].Value : "";
                written.Add((outputName, "sta." + outputName + data));
            }
        }
        else if (type == "script")
        {
            // A script is a JavaScript function in ps-go: in FlowGen it is a C# [FlowTask] named like the component.
            properties.Add(new NodeProperty("task-service", name, component["type"]!.Location));
            if (component["input"] is DocMapping scriptInput && scriptInput.Entries.Count > 0)
                properties.Add(new NodeProperty(Binding.TaskParams.ParamsProperty, "{" + string.Join(", ", scriptInput.Entries.Select(e => Binding.HttpTasks.JsonString(e.Key.Name) + ": " + ParamValue(e.Value))) + "}", scriptInput.Location));
            if (outputName is not null)
            {
                properties.Add(new NodeProperty("output", outputName, component["outputName"]!.Location));
                written.Add((outputName, "sta." + outputName));
            }
        }
        else
        {
            _documents.Shape(component.KeyOf("type")!.Location, $"Component '{name}' has type '{type}'", "a ps-go component is an api or a script");
            return null;
        }
        if (_documents.Text(component, "timeout") is { } seconds && int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0)
            properties.Add(new NodeProperty("timeout", (s * 1000).ToString(CultureInfo.InvariantCulture), component["timeout"]!.Location));
        if (_documents.Text(component, "retryMaxCount") is { } retries)
            properties.Add(new NodeProperty("retry", retries, component["retryMaxCount"]!.Location));
        if (string.Equals(_documents.Text(component, "ignoreError"), "true", StringComparison.OrdinalIgnoreCase))
            properties.Add(new NodeProperty("strict-mode", "false", component["ignoreError"]!.Location));
        nodes.Add(new FlowNode(name, _documents.Text(component, "desc"), NodeKind.ServiceTask, type, properties.ToEquatableArray(), component.Location));

        if (component["condition"] is not DocScalar { IsNull: false } condition) return (name, name);
        // A component with a condition runs when it holds (ps-go's 准入条件): a choice before it, a merge after it.
        var guard = name + ".when";
        var merge = name + ".merge";
        nodes.Add(new FlowNode(guard, null, NodeKind.ExclusiveGateway, "condition", EquatableArray<NodeProperty>.Empty, condition.Location));
        nodes.Add(new FlowNode(merge, null, NodeKind.ExclusiveGateway, "condition", EquatableArray<NodeProperty>.Empty, condition.Location));
        edges.Add(new FlowEdge(guard + "->" + name, null, guard, name, Expression(condition), false, condition.Location));
        edges.Add(new FlowEdge(guard + "->" + merge, null, guard, merge, null, true, condition.Location));
        edges.Add(Edge(name, merge, condition.Location));
        return (guard, merge);
    }

    /// <summary>The response: its body's members as the result template, each with its defaultBody value for when it is missing.</summary>
    private List<FlowAssignment> ReadResponse(DocMapping response)
    {
        _documents.CheckKeys(response, ResponseKeys, "'response'");
        var template = new List<FlowAssignment>();
        var body = response["body"] as DocMapping;
        var defaults = response["defaultBody"] as DocMapping;
        var names = (body?.Entries.Select(e => e.Key) ?? []).Concat(defaults?.Entries.Select(e => e.Key).Where(k => body?[k.Name] is null) ?? []).ToList();
        foreach (var key in names)
        {
            var value = body?[key.Name];
            var fallback = defaults?[key.Name];
            if (value is DocMapping or DocSequence || fallback is DocMapping or DocSequence)
            {
                _documents.Shape((value ?? fallback)!.Location, $"Response member '{key.Name}' is an object or a list", "give each member of the response one value: a placeholder such as \"{user.id}\" or a literal");
                continue;
            }
            var text = value is DocScalar scalar ? ValueExpression(scalar) : null;
            var other = fallback is DocScalar f ? LiteralExpression(f) : null;
            var expression = (text, other) switch
            {
                ({ } t, { } d) => $"coalesce({t}, {d})",
                ({ } t, null) => t,
                (null, { } d) => d,
                _ => "null",
            };
            var where = (value ?? fallback)!.Location;
            template.Add(new FlowAssignment("res." + key.Name, key.Location, Synthetic(expression, where)));
        }
        return template;
    }

    /// <summary>A body value as an expression: one placeholder is its path; text with placeholders joins them; a literal is itself.</summary>
    private string ValueExpression(DocScalar value)
    {
        var text = value.Value.Trim();
        var whole = Placeholder.Match(text);
        if (whole.Success && whole.Value == text) return Path(whole.Groups[1].Value);
        if (!value.IsQuoted) return LiteralExpression(value);
        var parts = new List<string>();
        var last = 0;
        foreach (Match m in Placeholder.Matches(text))
        {
            if (m.Index > last) parts.Add(Quote(text.Substring(last, m.Index - last)));
            parts.Add("str(" + Path(m.Groups[1].Value) + ")");
            last = m.Index + m.Length;
        }
        if (last < text.Length) parts.Add(Quote(text.Substring(last)));
        return parts.Count == 0 ? "''" : string.Join(" + ", parts);
    }

    private static string LiteralExpression(DocScalar value)
        => value.IsNull ? "null" : !value.IsQuoted && (value.Value is "true" or "false" || decimal.TryParse(value.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) ? value.Value : Quote(value.Value);

    /// <summary>ps-go's placeholder path as a bus path: request.body.x (query, header) is req.x; an output name is its bus value.</summary>
    private string Path(string placeholder)
    {
        var parts = placeholder.Split('.');
        if (parts[0] == "request")
        {
            var rest = parts.Skip(parts.Length > 1 && parts[1] is "body" or "query" or "header" ? 2 : 1).ToList();
            return rest.Count == 0 ? "req" : "req." + string.Join(".", rest);
        }
        if (_outputs.TryGetValue(parts[0], out var root)) return string.Join(".", new[] { root }.Concat(parts.Skip(1)));
        return "var." + placeholder;
    }

    /// <summary>ps-go's {x.y} placeholders in a URL or header as FlowGen's {req.y} / {sta.x.y}.</summary>
    private string Placeholders(string text) => Placeholder.Replace(text, m => "{" + Path(m.Groups[1].Value) + "}");

    private string BodyValue(DocNode value)
        => value is DocScalar scalar && Placeholder.Match(scalar.Value.Trim()) is { Success: true } m && m.Value == scalar.Value.Trim()
            ? "{" + Path(m.Groups[1].Value) + "}"
            : value is DocScalar { IsQuoted: false } plain ? plain.Value : Binding.HttpTasks.JsonString(Raw(value));

    private string ParamValue(DocNode value)
        => value is DocScalar scalar && Placeholder.Match(scalar.Value.Trim()) is { Success: true } m && m.Value == scalar.Value.Trim()
            ? Binding.HttpTasks.JsonString("@" + Path(m.Groups[1].Value))
            : value is DocScalar { IsQuoted: false } plain ? plain.Value : Binding.HttpTasks.JsonString(Raw(value));

    private static string Raw(DocNode value) => value is DocScalar scalar ? scalar.Value : "";

    /// <summary>An expression FlowGen wrote from the file's text, reported (should it fail) at the value it came from.</summary>
    private ConditionSource Synthetic(string text, LocationInfo at)
        => ErrorRoutes.Condition(text, at, _source.Limits);

    /// <summary>A condition in ps-go's placeholder syntax ({request.body.phone} != '0000') as an expression, at its place in the file.</summary>
    private ConditionSource Expression(DocScalar condition) => Synthetic(Placeholder.Replace(condition.Value, m => Path(m.Groups[1].Value)), condition.Location);

    private static string Quote(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n").Replace("\r", "\\r") + "'";

    private static FlowEdge Edge(string from, string to, LocationInfo at) => new(from + "->" + to, null, from, to, null, false, at);
}
