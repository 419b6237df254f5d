using System.Globalization;
using System.Text;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Frontends.Documents;
using FlowGen.Generators.Frontends.Json;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Frontends.Dialects;

/// <summary>
/// rulego rule chains (<c>*.rulechain.json</c>), read unchanged into the IR: <c>ruleChain</c> (its id is the flow id; a
/// chain with <c>root: false</c> is a sub-chain that <c>flow</c> nodes call), <c>metadata.nodes</c> and
/// <c>metadata.connections</c> with their relation types. Script nodes are translated into FlowGen's expressions
/// (<see cref="JsSubset"/>); node types FlowGen has no built-in for are tasks of that name. See docs/dialects/rulego.md.
/// </summary>
internal sealed class RulegoReader
{
    public const string Extension = ".rulechain.json";

    private static readonly string[] TopKeys = ["ruleChain", "metadata"];
    private static readonly string[] ChainKeys = ["id", "name", "root", "debugMode", "additionalInfo", "configuration", "disabled"];
    private static readonly string[] MetadataKeys = ["firstNodeIndex", "nodes", "connections", "endpoints", "ruleChainConnections"];
    private static readonly string[] NodeKeys = ["id", "type", "name", "debugMode", "configuration", "additionalInfo"];
    private static readonly string[] ConnectionKeys = ["fromId", "toId", "type", "label"];

    /// <summary>Node types of rulego that FlowGen does not run, and what to write instead.</summary>
    private static readonly Dictionary<string, string> Unsupported = new(StringComparer.Ordinal)
    {
        ["jsSwitch"] = "its script returns relation names at run time; write a 'switch' node with cases, or a C# [FlowTask] whose result a switch reads",
        ["for"] = "iterate with a FlowGen flow's foreach (docs/iteration.md#a-body-per-item-foreach), or a C# [FlowTask] over the list",
        ["groupAction"] = "connect the nodes with Success relations from one node (they run together)",
        ["iterator"] = "iterate with a FlowGen flow's ite-source (docs/iteration.md)",
        ["luaFilter"] = "write the condition as a jsFilter or exprFilter in the JavaScript subset, or a C# [FlowTask]",
        ["luaTransform"] = "write the assignments as a jsTransform in the JavaScript subset, or a C# [FlowTask]",
    };

    private readonly DocumentText _source;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly CancellationToken _cancellationToken;
    private readonly HashSet<string> _msgWrites = new(StringComparer.Ordinal);

    private readonly FlowDocumentReader _documents;

    private RulegoReader(DocumentText source, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        _source = source;
        _diagnostics = diagnostics;
        _cancellationToken = cancellationToken;
        _documents = FlowDocumentReader.For(source, diagnostics, cancellationToken);
    }

    public static (EquatableArray<FlowGraph> Graphs, EquatableArray<FlowGraph> Subprocesses, EquatableArray<DiagnosticInfo> Diagnostics) Read(string path, SourceText text, FlowLimits limits, CancellationToken cancellationToken)
    {
        var source = new DocumentText(path, text, limits);
        var diagnostics = new List<DiagnosticInfo>();
        if (JsonFlowReader.StrictJsonError(source, "write strict JSON (RFC 8259), as rulego does") is { } error)
        {
            diagnostics.Add(error);
            return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
        }
        var root = DocumentParser.Parse(source, "JSON", diagnostics, cancellationToken);
        var reader = new RulegoReader(source, diagnostics, cancellationToken);
        if (root is not DocMapping top)
        {
            reader.Shape(root?.Location ?? source.Span(0, 0), "A rule chain file holds one object", "write rulego's { \"ruleChain\": { \"id\": ... }, \"metadata\": { \"nodes\": [...], \"connections\": [...] } }");
            return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
        }
        var graph = reader.ReadChain(top, out var isRoot);
        if (graph is null) return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
        return isRoot
            ? (new[] { graph }.ToEquatableArray(), EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray())
            : (EquatableArray<FlowGraph>.Empty, new[] { graph }.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    private FlowGraph? ReadChain(DocMapping top, out bool isRoot)
    {
        isRoot = true;
        CheckKeys(top, TopKeys, "the rule chain file");
        if (top["ruleChain"] is not DocMapping chain)
        {
            Shape(top.Location, "The file has no 'ruleChain' object", "add \"ruleChain\": { \"id\": \"<chain id>\" }: its id is the flow id that [Flow(\"id\")] names");
            return null;
        }
        CheckKeys(chain, ChainKeys, "'ruleChain'");
        if (Text(chain, "id") is not { Length: > 0 } chainId)
        {
            Shape(chain.Location, "'ruleChain' has no 'id'", "give the chain an id: it is the flow id that [Flow(\"id\")] names");
            return null;
        }
        isRoot = !string.Equals(Text(chain, "root"), "false", StringComparison.OrdinalIgnoreCase);
        if (top["metadata"] is not DocMapping metadata)
        {
            Shape(top.Location, "The file has no 'metadata' object", "add \"metadata\": { \"nodes\": [...], \"connections\": [...] }");
            return null;
        }
        CheckKeys(metadata, MetadataKeys, "'metadata'");
        var nodeItems = metadata["nodes"] is DocSequence n ? n.Items.OfType<DocMapping>().ToList() : [];
        if (nodeItems.Count == 0)
        {
            Shape(metadata.Location, "'metadata' has no nodes", "list the chain's nodes in \"nodes\": [ { \"id\": \"s1\", \"type\": \"jsFilter\", ... } ]");
            return null;
        }

        // What transforms write to msg: later reads of those fields read what the transform wrote.
        foreach (var item in nodeItems.Where(i => Text(i, "type") == "jsTransform"))
        {
            if ((item["configuration"] as DocMapping)?["jsScript"] is DocScalar { IsNull: false } script) _msgWrites.UnionWith(JsSubset.MsgWrites(script.Value));
        }

        var nodes = new List<FlowNode>();
        var edges = new List<FlowEdge>();
        var kinds = new Dictionary<string, (string Type, DocMapping Node)>(StringComparer.Ordinal);
        var conditions = new Dictionary<string, List<(string Relation, ConditionSource Condition)>>(StringComparer.Ordinal);
        var startId = chainId;
        var ids = new HashSet<string>(StringComparer.Ordinal) { startId };
        nodes.Add(new FlowNode(startId, Text(chain, "name"), NodeKind.StartEvent, "ruleChain", EquatableArray<NodeProperty>.Empty, chain.Location));
        foreach (var item in nodeItems)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            CheckKeys(item, NodeKeys, "a rule node");
            var id = Text(item, "id");
            var type = Text(item, "type");
            if (id is null || type is null)
            {
                Shape(item.Location, $"A rule node has no '{(id is null ? "id" : "type")}'", "give every node an id unique in the chain and a type");
                continue;
            }
            if (!ids.Add(id))
            {
                _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.DuplicateId, item.KeyOf("id")!.Location, id, "here", "before"));
                continue;
            }
            var node = ReadNode(item, id, type, conditions);
            // A node that could not be read (its error reported) stays as a placeholder, so that its relations report nothing more.
            nodes.Add(node ?? new FlowNode(id, Text(item, "name"), NodeKind.ServiceTask, type, EquatableArray<NodeProperty>.Empty, item.Location) { IsUnsupported = true });
            kinds[id] = (node is null ? "unsupported" : type, item);
        }

        // The first node: firstNodeIndex, else the first of the list.
        var first = int.TryParse(Text(metadata, "firstNodeIndex"), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < nodeItems.Count ? index : 0;
        if (Text(nodeItems[first], "id") is { } firstId && kinds.ContainsKey(firstId)) edges.Add(new FlowEdge(startId + "->" + firstId, null, startId, firstId, null, false, chain.Location));

        var routes = new List<ErrorRoutes.Route>();
        var connections = metadata["connections"] is DocSequence c ? c.Items.OfType<DocMapping>().ToList() : [];
        foreach (var connection in connections)
        {
            CheckKeys(connection, ConnectionKeys, "a connection");
            var from = Text(connection, "fromId");
            var to = Text(connection, "toId");
            var relation = Text(connection, "type") ?? "Success";
            if (from is null || to is null)
            {
                Shape(connection.Location, "A connection has no 'fromId' or 'toId'", "name the node the relation leaves and the node it enters");
                continue;
            }
            foreach (var (end, key) in new[] { (from, "fromId"), (to, "toId") })
            {
                if (!kinds.ContainsKey(end)) _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.DanglingFlow, connection.KeyOf(key)!.Location, $"{from}->{to}", key, end));
            }
            if (!kinds.TryGetValue(from, out var source) || !kinds.ContainsKey(to)) continue;
            var edgeId = UniqueEdge(edges, $"{from}->{to}:{relation}");
            var at = connection.KeyOf("type")?.Location ?? connection.Location;
            switch (source.Type)
            {
                case "jsFilter" or "exprFilter":
                    if (relation == "True" && conditions.TryGetValue(from, out var filter)) edges.Add(new FlowEdge(edgeId, relation, from, to, filter[0].Condition, false, at));
                    else if (relation == "False") edges.Add(new FlowEdge(edgeId, relation, from, to, null, true, at));
                    else if (relation == "Failure") Warn(at, $"The Failure relation of {source.Type} '{from}' is never taken", "a FlowGen condition that throws fails the run (FLOW_CONDITION_FAILED); remove the relation");
                    else if (relation != "True") Shape(at, $"A {source.Type} has no relation '{relation}'", "a filter's relations are True and False");
                    break;
                case "switch":
                    if (relation == "Default") edges.Add(new FlowEdge(edgeId, relation, from, to, null, true, at));
                    else if (conditions.TryGetValue(from, out var cases) && cases.FirstOrDefault(x => x.Relation == relation) is { Condition: { } condition }) edges.Add(new FlowEdge(edgeId, relation, from, to, condition, false, at));
                    else if (relation == "Failure") Warn(at, $"The Failure relation of switch '{from}' is never taken", "a FlowGen condition that throws fails the run (FLOW_CONDITION_FAILED); remove the relation");
                    else Shape(at, $"Switch '{from}' has no case whose then is '{relation}'", "name a case's 'then', or Default");
                    break;
                default:
                    if (relation == "Success") edges.Add(new FlowEdge(edgeId, relation, from, to, null, false, at));
                    else if (relation == "Failure" && source.Type is "jsTransform" or "flow")
                        Warn(at, $"The Failure relation of {source.Type} '{from}' is not taken", source.Type == "flow"
                            ? "a failure inside a sub-chain fails the run; route failures inside the sub-chain"
                            : "a transform's expression that throws fails the run (FLOW_ASSIGNMENT_FAILED); remove the relation");
                    else if (relation == "Failure") routes.Add(new ErrorRoutes.Route(from, to, null, edgeId, at));
                    else Shape(at, $"Node '{from}' ({source.Type}) has no relation '{relation}'", "its relations are Success and Failure");
                    break;
            }
        }

        // A filter or switch with no False/Default relation drops the message: its branch ends there.
        foreach (var pair in kinds)
        {
            var (id, type, item) = (pair.Key, pair.Value.Type, pair.Value.Node);
            if (type is "jsFilter" or "exprFilter" or "switch" && !edges.Any(e => e.SourceId == id && e.IsDefault))
            {
                var end = id + ".dropped";
                nodes.Add(new FlowNode(end, null, NodeKind.EndEvent, "end", EquatableArray<NodeProperty>.Empty, item.Location));
                edges.Add(new FlowEdge(id + "->" + end, type == "switch" ? "Default" : "False", id, end, null, true, item.Location));
            }
        }
        ErrorRoutes.LowerAll(nodes, edges, routes, _source.Limits, (list, why) =>
            Shape(list[0].Location, $"The Failure relation of '{list[0].TaskId}' cannot be made", why));
        // Every node no relation leaves ends its branch (rulego's message stops there).
        var endId = chainId + ".end";
        var ends = nodes.Where(node => node.Kind != NodeKind.EndEvent && !edges.Any(e => e.SourceId == node.Id)).Select(node => node.Id).ToList();
        if (ends.Count > 0)
        {
            nodes.Add(new FlowNode(endId, null, NodeKind.EndEvent, "end", EquatableArray<NodeProperty>.Empty, top.Location));
            foreach (var id in ends) edges.Add(new FlowEdge(id + "->" + endId, null, id, endId, null, false, top.Location));
        }
        return new FlowGraph(chainId, _source.Path, nodes.ToEquatableArray(), edges.ToEquatableArray(), chain.Location)
        {
            SourceKey = "fromId",
            TargetKey = "toId",
        };
    }

    private FlowNode? ReadNode(DocMapping item, string id, string type, Dictionary<string, List<(string Relation, ConditionSource Condition)>> conditions)
    {
        var name = Text(item, "name");
        var configuration = item["configuration"] as DocMapping;
        var location = item.Location;
        if (Unsupported.TryGetValue(type, out var instead))
        {
            Shape(item.KeyOf("type")!.Location, $"Rule node '{id}' has type '{type}', which FlowGen does not run", instead);
            return null;
        }
        switch (type)
        {
            case "jsFilter":
            case "exprFilter":
            {
                var key = type == "jsFilter" ? "jsScript" : "expr";
                if (configuration?[key] is not DocScalar { IsNull: false } script)
                {
                    Shape(location, $"{type} '{id}' has no configuration.{key}", type == "jsFilter" ? "write the filter as \"jsScript\": \"return msg.temperature > 50;\"" : "write the filter as \"expr\": \"msg.temperature > 50\"");
                    return null;
                }
                var offsets = script.CharOffsets();
                var (piece, problem) = type == "jsFilter" ? JsSubset.Filter(script.Value, offsets) : JsSubset.Expression(script.Value, 0, script.Value.Length, offsets);
                if (problem is not null)
                {
                    Untranslatable(id, type, script, offsets, problem);
                    return null;
                }
                conditions[id] = [("True", _source.Expression(piece!.Text, piece!.Offsets))];
                return new FlowNode(id, name, NodeKind.ExclusiveGateway, type, EquatableArray<NodeProperty>.Empty, location);
            }
            case "switch":
            {
                var cases = new List<(string, ConditionSource)>();
                foreach (var entry in (configuration?["cases"] as DocSequence)?.Items.OfType<DocMapping>() ?? [])
                {
                    if (entry["case"] is not DocScalar { IsNull: false } expression || Text(entry, "then") is not { } then)
                    {
                        Shape(entry.Location, $"A case of switch '{id}' has no 'case' or 'then'", "write { \"case\": \"msg.temperature >= 20\", \"then\": \"Hot\" }");
                        continue;
                    }
                    var offsets = expression.CharOffsets();
                    var (piece, problem) = JsSubset.Expression(expression.Value, 0, expression.Value.Length, offsets);
                    if (problem is not null) Untranslatable(id, type, expression, offsets, problem);
                    else cases.Add((then, _source.Expression(piece!.Text, piece!.Offsets)));
                }
                conditions[id] = cases;
                return new FlowNode(id, name, NodeKind.ExclusiveGateway, type, EquatableArray<NodeProperty>.Empty, location);
            }
            case "jsTransform":
            {
                if (configuration?["jsScript"] is not DocScalar { IsNull: false } script)
                {
                    Shape(location, $"jsTransform '{id}' has no configuration.jsScript", "write the transform as \"jsScript\": \"metadata['k'] = msg.v; return {'msg':msg,'metadata':metadata,'msgType':msgType};\"");
                    return null;
                }
                var offsets = script.CharOffsets();
                var (assignments, problem) = JsSubset.Transform(script.Value, offsets);
                if (problem is not null)
                {
                    Untranslatable(id, type, script, offsets, problem);
                    return null;
                }
                return new FlowNode(id, name, NodeKind.ServiceTask, type, EquatableArray<NodeProperty>.Empty, location)
                {
                    Assignments = assignments!.Select(a => new FlowAssignment(a.Target, _source.Span(a.TargetOffset, a.TargetOffset + 1), _source.Expression(a.Value.Text, a.Value.Offsets))).ToEquatableArray(),
                };
            }
            case "fork":
                // The Success relations out of it run together.
                return new FlowNode(id, name, NodeKind.ParallelGateway, type, EquatableArray<NodeProperty>.Empty, location);
            case "join":
            {
                // Waits for the branches that reach it; a branch a filter dropped does not fail it (strict-mode=false), as
                // rulego's join merges the messages that came. Its timeout is a subflow's in FlowGen.
                if (configuration?["timeout"] is { } timeout)
                    Warn(configuration.KeyOf("timeout")!.Location, $"The timeout of join '{id}' is not applied",
                        "a join waits for the branches that can still arrive; to give up after a time, put the fork and the join in a sub-chain run with a timeout (docs/subprocesses.md#a-join-with-a-timeout)");
                return new FlowNode(id, name, NodeKind.ParallelGateway, type, new[] { new NodeProperty("strict-mode", "false", location) }.ToEquatableArray(), location);
            }
            case "flow":
            {
                if (Text(configuration, "targetId") is not { Length: > 0 } target)
                {
                    Shape(location, $"flow node '{id}' has no configuration.targetId", "name the sub-chain it runs: \"configuration\": { \"targetId\": \"<chain id>\" }");
                    return null;
                }
                return new FlowNode(id, name, NodeKind.CallActivity, type, new[] { new NodeProperty("called-element", target, configuration!["targetId"]!.Location) }.ToEquatableArray(), location);
            }
            case "restApiCall":
            {
                var properties = new List<NodeProperty>();
                if (Text(configuration, "restEndpointUrlPattern") is not { Length: > 0 } url)
                {
                    Shape(location, $"restApiCall '{id}' has no configuration.restEndpointUrlPattern", "give the URL to call");
                    return null;
                }
                properties.Add(new NodeProperty("http-url", Placeholders(url), configuration!["restEndpointUrlPattern"]!.Location));
                properties.Add(new NodeProperty("http-method", Text(configuration, "requestMethod") ?? "POST", configuration.Location));
                if (configuration["headers"] is DocMapping headers && headers.Entries.Count > 0)
                    properties.Add(new NodeProperty("http-headers", string.Join("; ", headers.Entries.Select(h => h.Key.Name + ": " + Placeholders((h.Value as DocScalar)?.Value ?? ""))), headers.Location));
                // rulego sends the message as the body and puts the answer in its place: the answer is sta.<node id>.
                properties.Add(new NodeProperty("http-output", id, item.KeyOf("type")!.Location));
                return new FlowNode(id, name, NodeKind.ServiceTask, type, properties.ToEquatableArray(), location);
            }
            default:
            {
                // A node type FlowGen has no built-in for: a [FlowTask] of that name (component/task names both); its
                // configuration is the task's task-property.
                var at = item.KeyOf("type")!.Location;
                var slash = type.IndexOf('/');
                var properties = slash > 0 && slash == type.LastIndexOf('/')
                    ? new List<NodeProperty> { new("task-component", type.Substring(0, slash), at), new("task-service", type.Substring(slash + 1), at) }
                    : new List<NodeProperty> { new("task-service", type, at) };
                if (configuration is { Entries.Count: > 0 })
                    properties.Add(new NodeProperty(Binding.TaskParams.PropertyProperty, RawJson(configuration.Location.Start), configuration.Location));
                return new FlowNode(id, name, NodeKind.ServiceTask, type, properties.ToEquatableArray(), location);
            }
        }
    }

    /// <summary>rulego's ${metadata.k} and ${msg.k} placeholders as FlowGen's {var.k} and {req.k}.</summary>
    private string Placeholders(string text)
        => System.Text.RegularExpressions.Regex.Replace(text, @"\$\{\s*(msg|metadata)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}",
            m => "{" + (_msgWrites.Contains(m.Groups[2].Value) ? "var." : "req.") + m.Groups[2].Value + "}");

    private void Untranslatable(string id, string type, DocScalar script, int[] offsets, JsSubset.Problem problem)
    {
        var start = offsets[Math.Min(problem.Start, offsets.Length - 1)];
        var end = offsets[Math.Min(problem.Start + problem.Length, offsets.Length - 1)];
        _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.ScriptNotTranslated, _source.Span(start, Math.Max(start + 1, end)), $"{type} '{id}'", problem.Why,
            type == "jsTransform"
                ? $"write the transform as a C# [FlowTask(\"{id}\")] method that returns the values ([ToVar]) and give the node type \"{id}\""
                : $"write the condition as a C# [FlowTask] that returns a bool ([ToVar(\"{id}\")]) and a switch or filter on var.{id}"));
    }

    /// <summary>The JSON text of the object that starts at <paramref name="start"/>, as the file writes it.</summary>
    private string RawJson(int start)
    {
        var text = _source.Content;
        var depth = 0;
        var inString = false;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') inString = true;
            else if (c is '{' or '[') depth++;
            else if (c is '}' or ']' && --depth == 0) return text.Substring(start, i - start + 1);
        }
        return text.Substring(start);
    }

    private static string UniqueEdge(List<FlowEdge> edges, string id)
    {
        var candidate = id;
        for (var n = 2; edges.Any(e => e.Id == candidate); n++) candidate = id + "#" + n.ToString(CultureInfo.InvariantCulture);
        return candidate;
    }

    private static string? Text(DocMapping? mapping, string key) => mapping?[key] is DocScalar { IsNull: false } scalar ? scalar.Value : null;

    private void CheckKeys(DocMapping mapping, string[] known, string where)
    {
        foreach (var entry in mapping.Entries)
        {
            if (known.Contains(entry.Key.Name)) continue;
            _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnknownKey, entry.Key.Location, entry.Key.Name, where, "", string.Join(", ", known)));
        }
    }

    private void Shape(LocationInfo location, string problem, string fix) => _documents.Shape(location, problem, fix);

    private void Warn(LocationInfo location, string problem, string fix) => _documents.Warn(location, problem, fix);
}
