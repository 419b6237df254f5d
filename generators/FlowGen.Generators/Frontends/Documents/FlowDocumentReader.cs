using System.Globalization;
using System.Text.RegularExpressions;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Frontends.Documents;

/// <summary>
/// Reads a JSON or YAML flow document into the same graphs the BPMN front end makes. Three forms, one per
/// file: <c>graph</c> (nodes and connections, like a BPMN process), <c>steps</c> (layers of concurrent tasks,
/// ps-go's components) and <c>actions</c> (named actions with case/when/then, Playwell's actions). Steps and
/// actions are lowered to plain gateways and edges here, so every later stage sees one IR. Node settings use
/// the names of design.md under the same spelling in every form.
/// </summary>
internal sealed class FlowDocumentReader
{
    internal static readonly string[] TopKeys = ["$schema", "flow", "name", "description", "request", "graph", "steps", "actions", "subflows", "flow-timeout", "loop-limit", "trigger", "key", "on-failure", "continues", "result"];
    internal static readonly string[] FormKeys = ["graph", "steps", "actions"];
    internal static readonly string[] NodeTypes = ["start", "end", "task", "set", "iteration", "exclusive", "parallel", "inclusive", "subflow", "foreach", "publish", "fail", "receive", "timer", "event-gateway"];
    internal static readonly string[] ConnectionKeys = ["id", "name", "from", "to", "when", "default", "error"];
    internal static readonly string[] SubflowKeys = ["name", "description", "graph", "steps", "actions", "strict-mode", "timeout"];
    // call("action") | finish() | fail("CODE") | fail("CODE", "message"); texts in double or single quotes.
    private static readonly Regex Command = new(
        @"^\s*(?:(?<verb>call)\s*\(\s*(?:""(?<a>[^""]*)""|'(?<a>[^']*)')\s*\)|(?<verb>finish)\s*\(\s*\)|(?<verb>fail)\s*\(\s*(?:""(?<a>[^""]*)""|'(?<a>[^']*)')\s*(?:,\s*(?:""(?<b>[^""]*)""|'(?<b>[^']*)')\s*)?\))\s*$",
        RegexOptions.CultureInvariant);

    private readonly DocumentText _source;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly Dictionary<string, LocationInfo> _ids = new(StringComparer.Ordinal);
    private readonly List<FlowGraph> _subprocesses = [];
    private readonly CancellationToken _cancellationToken;

    /// <summary>A reader for a dialect's front end that shares this reader's parts (the request schema, settings, shape errors).</summary>
    internal static FlowDocumentReader For(DocumentText source, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        => new(source, diagnostics, cancellationToken);

    private FlowDocumentReader(DocumentText source, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        _source = source;
        _diagnostics = diagnostics;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The flows of a document, the bodies of its subflows, and the diagnostics of its text and shape.</summary>
    public static (EquatableArray<FlowGraph> Graphs, EquatableArray<FlowGraph> Subprocesses, EquatableArray<DiagnosticInfo> Diagnostics) Read(
        DocumentText source, string dialect, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (dialect == "JSON" && FirstSignificant(source.Content) is { } first && source.Content[first] != '{')
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MalformedDocument, source.Span(first, first + 1), dialect,
                "a JSON flow file holds one object", "start the file with '{' (or name it *.flow.yaml to write YAML)"));
            return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
        }

        var root = DocumentParser.Parse(source, dialect, diagnostics, cancellationToken);
        var reader = new FlowDocumentReader(source, diagnostics, cancellationToken);
        var graphs = new List<FlowGraph>();
        if (root is null)
        {
            if (diagnostics.Count == 0)
                reader.Shape(source.Span(0, 0), "The flow file is empty", "write a flow: 'flow' with its id and one of 'graph', 'steps' or 'actions'");
        }
        else if (root is not DocMapping top)
        {
            reader.Shape(root.Location, $"A flow file holds a mapping of keys, not {root.Kind}", "start with 'flow: <id>' and one of 'graph', 'steps' or 'actions'");
        }
        else
        {
            reader.ReadTop(top, graphs);
        }
        return (graphs.ToEquatableArray(), reader._subprocesses.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    private static int? FirstSignificant(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i]) && text[i] != '\uFEFF') return i;
        }
        return null;
    }

    // ---- the top level ----

    private void ReadTop(DocMapping top, List<FlowGraph> graphs)
    {
        CheckKeys(top, TopKeys, "the flow file");
        var flowId = Text(top, "flow");
        var flowKey = top.KeyOf("flow");
        // A file of subflows only is a library (as a BPMN file of subProcess definitions is).
        var isLibrary = top["subflows"] is not null && !top.Entries.Any(e => FormKeys.Contains(e.Key.Name));
        var form = isLibrary ? null : OneForm(top, "the flow file", top.Location);
        var schema = top["request"] is { } request ? SchemaReader.Read(request, this) : null;

        if (top["subflows"] is { } subflows)
        {
            if (subflows is DocMapping bodies)
            {
                foreach (var entry in bodies.Entries) ReadSubflow(entry.Key, entry.Value);
            }
            else
            {
                Shape(subflows.Location, $"'subflows' holds {subflows.Kind}", "write a mapping from each subflow's id to its body ('graph', 'steps' or 'actions')");
            }
        }

        if (form is null) return;
        var startProperties = new List<NodeProperty>();
        foreach (var key in new[] { "flow-timeout", "loop-limit", "key", "on-failure", "continues" })
        {
            if (Setting(top, key) is { } property) startProperties.Add(property);
        }
        if (top["trigger"] is { } trigger) ReadTrigger(trigger, startProperties);

        if (form.Value.Key.Name != "graph" && flowId is null)
        {
            Shape(form.Value.Key.Location, $"A '{form.Value.Key.Name}' flow needs an id", "add 'flow: <id>' at the top of the file; the id names the flow for its [Flow(\"id\")] class");
            return;
        }

        var start = new StartInfo(flowId, Text(top, "name"), startProperties, flowKey?.Location ?? form.Value.Key.Location);
        var graph = ReadBody(form.Value.Key, form.Value.Value, flowId ?? System.IO.Path.GetFileName(_source.Path), start, isSubflow: false);
        if (top["result"] is not null && ResultTemplate(top) is { Count: > 0 } template)
        {
            // The flow's result template: every end node of the flow builds the result with it (not fail nodes).
            graph = graph with
            {
                Nodes = graph.Nodes.Select(n => n.Kind == NodeKind.EndEvent && n.GetProperty("error-code") is null
                    ? n with { Assignments = n.Assignments.Concat(template).ToEquatableArray() }
                    : n).ToEquatableArray(),
            };
        }
        graphs.Add(graph with { RequestSchema = schema });
    }

    /// <summary>
    /// A triggered flow (Playwell's trigger): <c>trigger: { event: name, when: condition }</c> becomes the start
    /// event's <c>event</c> and <c>trigger-when</c> settings.
    /// </summary>
    private void ReadTrigger(DocNode trigger, List<NodeProperty> startProperties)
    {
        if (trigger is not DocMapping mapping)
        {
            Shape(trigger.Location, $"'trigger' holds {trigger.Kind}", "write a mapping: trigger: { event: <event name>, when: <condition over event> }");
            return;
        }
        CheckKeys(mapping, ["event", "when"], "'trigger'");
        if (RequiredText(mapping, "event", "'trigger'", "name the event that starts an instance, such as event: product-viewed") is null) return;
        startProperties.Add(Setting(mapping, "event")!);
        if (mapping["when"] is not null && Setting(mapping, "when") is { } when) startProperties.Add(when with { Name = "trigger-when" });
    }

    private void ReadSubflow(DocKey key, DocNode value)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (value is not DocMapping body)
        {
            Shape(value.Location, $"Subflow '{key.Name}' holds {value.Kind}", "write a mapping with one of 'graph', 'steps' or 'actions'");
            return;
        }
        CheckKeys(body, SubflowKeys, $"subflow '{key.Name}'");
        if (!Register(key.Name, key.Location)) return;
        var form = OneForm(body, $"subflow '{key.Name}'", key.Location);
        if (form is null) return;
        var start = new StartInfo(null, null, [], key.Location);
        var graph = ReadBody(form.Value.Key, form.Value.Value, key.Name, start, isSubflow: true);
        var properties = new List<NodeProperty>();
        foreach (var name in new[] { "strict-mode", "timeout" })
        {
            if (Setting(body, name) is { } property) properties.Add(property);
        }
        _subprocesses.Add(graph with { Name = Text(body, "name"), Properties = properties.ToEquatableArray(), Location = key.Location });
    }

    private KeyValuePair<DocKey, DocNode>? OneForm(DocMapping mapping, string what, LocationInfo location)
    {
        var forms = mapping.Entries.Where(e => FormKeys.Contains(e.Key.Name)).ToList();
        if (forms.Count == 1) return forms[0];
        if (forms.Count == 0)
            Shape(location, $"{Capitalize(what)} has no body", "add one of 'graph' (nodes and connections), 'steps' (layers of concurrent tasks) or 'actions' (named actions with case/when/then)");
        else
            Shape(forms[1].Key.Location, $"{Capitalize(what)} has both '{forms[0].Key.Name}' and '{forms[1].Key.Name}'", "keep one form per flow; put the other in a flow of its own or under 'subflows'");
        return null;
    }

    /// <summary>The start of a flow being read: the flow id (null for a subflow body), its name and settings.</summary>
    private sealed record StartInfo(string? FlowId, string? Name, List<NodeProperty> Properties, LocationInfo Location);

    private FlowGraph ReadBody(DocKey formKey, DocNode body, string processId, StartInfo start, bool isSubflow)
    {
        var builder = new GraphBuilder(processId, formKey.Location, _source.Path);
        switch (formKey.Name)
        {
            case "graph":
                ReadGraph(body, builder, start, isSubflow);
                break;
            case "steps":
                ReadSteps(body, builder, StartNode(builder, start, isSubflow));
                break;
            default:
                ReadActions(body, builder, StartNode(builder, start, isSubflow));
                break;
        }
        return builder.Build();
    }

    private string StartNode(GraphBuilder builder, StartInfo start, bool isSubflow)
    {
        var id = isSubflow ? builder.ProcessId + ".start" : start.FlowId!;
        if (Register(id, start.Location))
            builder.Nodes.Add(new FlowNode(id, start.Name, NodeKind.StartEvent, "start", start.Properties.ToEquatableArray(), start.Location));
        return id;
    }

    // ---- graph: nodes and connections ----

    private void ReadGraph(DocNode body, GraphBuilder builder, StartInfo start, bool isSubflow)
    {
        if (body is not DocMapping graph)
        {
            Shape(body.Location, $"'graph' holds {body.Kind}", "write a mapping with 'nodes' and 'connections'");
            return;
        }
        CheckKeys(graph, ["nodes", "connections"], "'graph'");
        var startCount = 0;
        foreach (var item in List(graph, "nodes", "'graph'", required: true))
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (item is not DocMapping node)
            {
                Shape(item.Location, $"A node of 'nodes' is {item.Kind}", "write each node as a mapping with 'id' and 'type'");
                continue;
            }
            if (Text(node, "type") == "start") startCount++;
            ReadGraphNode(node, builder, start, isSubflow, startCount);
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var routes = new List<ErrorRoutes.Route>();
        foreach (var item in List(graph, "connections", "'graph'", required: true))
        {
            if (item is not DocMapping connection)
            {
                Shape(item.Location, $"A connection is {item.Kind}", "write each connection as a mapping with 'from' and 'to'");
                continue;
            }
            CheckKeys(connection, ConnectionKeys, "a connection");
            var from = RequiredText(connection, "from", "a connection", "name the node the connection leaves");
            var to = RequiredText(connection, "to", "a connection", "name the node the connection enters");
            if (from is null || to is null) continue;
            var id = Text(connection, "id");
            if (id is null)
            {
                var baseId = from + "->" + to;
                seen[baseId] = seen.TryGetValue(baseId, out var count) ? count + 1 : 1;
                id = seen[baseId] == 1 ? baseId : baseId + "#" + seen[baseId].ToString(CultureInfo.InvariantCulture);
            }
            else if (!Register(id, connection.KeyOf("id")!.Location))
            {
                continue;
            }
            var isDefault = Boolean(connection, "default") ?? false;
            var condition = Condition(connection, "when");
            if (isDefault && condition is not null)
                Shape(connection.KeyOf("when")!.Location, $"Connection '{id}' is the default and has a condition", "a default connection is taken when no condition holds: remove 'when' or 'default'");
            if (connection["error"] is { } error)
            {
                // An error route: taken when the task 'from' fails (error: true), or fails with this code (error: CODE).
                if (condition is not null || isDefault)
                    Shape(connection.KeyOf("error")!.Location, $"Error route '{id}' has {(isDefault ? "'default'" : "'when'")}", "an error route is taken when its task fails: remove 'when' and 'default' from it");
                var text = (error as DocScalar)?.Value.Trim() ?? "";
                if (!string.Equals(text, "false", StringComparison.OrdinalIgnoreCase))
                {
                    var code = text.Length == 0 || string.Equals(text, "true", StringComparison.OrdinalIgnoreCase) ? null : text;
                    routes.Add(new ErrorRoutes.Route(from, to, code, connection["id"] is null ? null : id, connection.KeyOf("error")!.Location));
                    continue;
                }
            }
            builder.Edges.Add(new FlowEdge(id, Text(connection, "name"), from, to, isDefault ? null : condition, isDefault, connection.Location));
        }
        LowerRoutes(routes, builder);
    }

    /// <summary>Each task's error routes, lowered into a gateway after the task (FG0006 when a task cannot have them).</summary>
    private void LowerRoutes(List<ErrorRoutes.Route> routes, GraphBuilder builder)
    {
        ErrorRoutes.LowerAll(builder.Nodes, builder.Edges, routes, _source.Limits, (list, why) =>
            Shape(list[0].Location, $"Error route from '{list[0].TaskId}' cannot be made: {why}", "an error route leaves a task that has one flow of its own (or none)"));
    }

    private void ReadGraphNode(DocMapping node, GraphBuilder builder, StartInfo start, bool isSubflow, int startCount)
    {
        var type = Text(node, "type") ?? "task";
        if (!NodeTypes.Contains(type))
        {
            Shape(node.KeyOf("type")!.Location, $"Node type '{type}' is not known", $"use one of {string.Join(", ", NodeTypes)}");
            return;
        }

        var structural = new List<string> { "id", "type", "name", "description", SetKey, InputKey };
        var id = Text(node, "id");
        if (type == "start" && !isSubflow)
        {
            // The start node's id is the flow id (Kstry's convention, as in BPMN): 'flow' gives it when 'id' is absent.
            if (id is null) id = start.FlowId;
            else if (start.FlowId is not null && id != start.FlowId && startCount == 1)
                Shape(node.KeyOf("id")!.Location, $"Start node '{id}' differs from the flow id '{start.FlowId}'", "a start node's id is its flow's id: remove 'id' from the start node or make the two equal");
        }
        else if (type == "start" && id is null)
        {
            id = builder.ProcessId + ".start";
        }
        if (id is null)
        {
            Shape(node.Location, $"A node of type '{type}' has no id", "give it an 'id' unique in the file; connections name it");
            return;
        }
        var idLocation = node.KeyOf("id")?.Location ?? node.Location;
        if (!Register(id, idLocation)) return;

        var properties = new List<NodeProperty>();
        NodeKind kind;
        switch (type)
        {
            case "start":
                kind = NodeKind.StartEvent;
                if (!isSubflow) properties.AddRange(start.Properties);
                if (!isSubflow && node["name"] is null && start.Name is { } flowName)
                {
                    builder.Nodes.Add(new FlowNode(id, flowName, kind, type, properties.ToEquatableArray(), node.Location));
                    return;
                }
                break;
            case "end":
                kind = NodeKind.EndEvent;
                break;
            case "fail":
                kind = NodeKind.EndEvent;
                structural.AddRange(["code", "message"]);
                var code = RequiredText(node, "code", $"fail node '{id}'", "write the error code the run ends with, such as code: INVALID_PHONE");
                if (code is not null) properties.Add(new NodeProperty("error-code", code, Span(node, "code")));
                if (Text(node, "message") is { } message) properties.Add(new NodeProperty("error-message", message, Span(node, "message")));
                break;
            case "exclusive":
                kind = NodeKind.ExclusiveGateway;
                break;
            case "parallel":
                kind = NodeKind.ParallelGateway;
                break;
            case "inclusive":
                kind = NodeKind.InclusiveGateway;
                break;
            case "subflow" or "foreach":
                structural.AddRange(["call", "graph", "steps", "actions", .. ForeachKeys]);
                if (type == "foreach") ReadForeachKeys(node, id, properties);
                if (Subflow(node, id, type, properties) is not { } subflow) return;
                kind = subflow;
                break;
            case "receive":
                kind = NodeKind.MessageCatch;
                if (node["event"] is null)
                    Shape(node.Location, $"Receive node '{id}' has no 'event'", "name the event it waits for, such as event: order-paid");
                break;
            case "timer":
                kind = NodeKind.TimerCatch;
                if ((node["duration"] is null) == (node["date"] is null))
                    Shape(node.Location, node["duration"] is null ? $"Timer node '{id}' has neither 'duration' nor 'date'" : $"Timer node '{id}' has both 'duration' and 'date'",
                        "give it one: duration: 2d (or PT10M, 30s, 500ms), or date: an ISO date or the path of a DateTimeOffset on the bus (sta.expiresAt)");
                break;
            case "event-gateway":
                kind = NodeKind.EventGateway;
                break;
            case "publish":
                structural.AddRange(PublishKeys);
                kind = NodeKind.ServiceTask;
                ReadPublish(node, id, properties);
                break;
            case "set":
                // Only assignments: a node that writes bus values and goes on (no task).
                kind = NodeKind.ServiceTask;
                if (node[SetKey] is null) Shape(node.Location, $"Set node '{id}' has no 'set'", SetHelp);
                break;
            default: // task, iteration
                kind = NodeKind.ServiceTask;
                if (type == "iteration" && node["ite-source"] is null)
                    Shape(node.Location, $"Iteration node '{id}' has no 'ite-source'", "add 'ite-source: <path of a collection on the bus>', such as ite-source: sta.skus");
                break;
        }

        foreach (var entry in node.Entries)
        {
            if (structural.Contains(entry.Key.Name)) continue;
            if (Setting(node, entry.Key.Name) is { } property) properties.Add(property);
        }
        builder.Nodes.Add(new FlowNode(id, Text(node, "name"), kind, type, properties.ToEquatableArray(), node.Location) { Assignments = Assignments(node), Inputs = type == "publish" ? PublishInputs(node) : Inputs(node) });
    }

    /// <summary>
    /// What a subflow or foreach node runs: the subflow its <c>call</c> names (a call activity), or its inline body (an
    /// embedded subprocess whose body is a graph of its own with the node's id, run in place). Null after an FG0006.
    /// </summary>
    private NodeKind? Subflow(DocMapping node, string id, string type, List<NodeProperty> properties)
    {
        var what = type == "foreach" ? "Foreach" : "Subflow node";
        var inlineBodies = node.Entries.Where(e => FormKeys.Contains(e.Key.Name)).ToList();
        if (inlineBodies.Count + (node["call"] is null ? 0 : 1) > 1)
        {
            Shape(node.Location, $"{what} '{id}' has {string.Join(" and ", inlineBodies.Select(e => "'" + e.Key.Name + "'").Concat(node["call"] is null ? [] : new[] { "'call'" }))}",
                "give it either 'call: <subflow id>' or one inline body");
            return null;
        }
        if (Text(node, "call") is { } called)
        {
            properties.Add(new NodeProperty("called-element", called, Span(node, "call")));
            return NodeKind.CallActivity;
        }
        if (inlineBodies.FirstOrDefault() is { Key: not null } inline)
        {
            var body = ReadBody(inline.Key, inline.Value, id, new StartInfo(null, null, [], inline.Key.Location), isSubflow: true);
            _subprocesses.Add(body with { Name = Text(node, "name") ?? Text(node, "description"), Location = node.Location });
            return NodeKind.SubProcess;
        }
        Shape(node.Location, $"{what} '{id}' names nothing to run", "add 'call: <subflow id>' or an inline 'graph', 'steps' or 'actions'");
        return null;
    }

    /// <summary>The keys of a foreach (besides the settings): its item's and index's names and how many items run at once.</summary>
    internal static readonly string[] ForeachKeys = ["item", "index", "parallel"];

    /// <summary>A foreach's <c>item</c>, <c>index</c> and <c>parallel</c>, as the settings foreach-item, foreach-index and foreach-parallel.</summary>
    private void ReadForeachKeys(DocMapping node, string id, List<NodeProperty> properties)
    {
        if (node[ForeachChecks.Source] is null)
            Shape(node.Location, $"Foreach '{id}' has no 'foreach'", "name the collection its body runs once per item for, such as foreach: req.orders");
        foreach (var (key, setting) in new[] { ("item", ForeachChecks.Item), ("index", ForeachChecks.Index), ("parallel", ForeachChecks.Parallel) })
        {
            if (Setting(node, key) is { } property) properties.Add(property with { Name = setting });
        }
    }

    /// <summary>True for a key of a step or action that its foreach or publish type reads (not a setting).</summary>
    private static bool IsForeachKey(DocMapping task, string key)
        => (task["type"] is DocScalar { Value: "foreach" } && (ForeachKeys.Contains(key) || FormKeys.Contains(key)))
            || (task["type"] is DocScalar { Value: "publish" } && PublishKeys.Contains(key));

    /// <summary>The keys of a publish node: the event's name and its members.</summary>
    internal static readonly string[] PublishKeys = ["event", "with"];

    /// <summary>A publish node's <c>event</c>: the setting publish (FG0006 without it).</summary>
    private void ReadPublish(DocMapping node, string id, List<NodeProperty> properties)
    {
        if (Text(node, "event") is { Length: > 0 } name) properties.Add(new NodeProperty(Checks.TaskInputs.PublishSetting, name, Span(node, "event")));
        else Shape(node.Location, $"Publish '{id}' has no 'event'", "name the event it publishes, such as event: order-paid, a [FlowEvent(\"order-paid\")] type");
    }

    /// <summary>A publish node's <c>with</c>: the event's members (inputs event.&lt;member&gt;), or one expression for the whole event.</summary>
    private EquatableArray<FlowAssignment> PublishInputs(DocMapping node)
    {
        var value = node["with"];
        if (value is null || value is DocScalar { IsNull: true }) return EquatableArray<FlowAssignment>.Empty;
        if (value is DocScalar && Condition(node, "with") is { } whole) return new[] { new FlowAssignment("event", node.KeyOf("with")!.Location, whole) }.ToEquatableArray();
        if (value is not DocMapping members)
        {
            Shape(value.Location, $"'with' holds {value.Kind}", "give the event's members: with: { orderId: \"req.id\", total: \"var.total\" }");
            return EquatableArray<FlowAssignment>.Empty;
        }
        var inputs = new List<FlowAssignment>();
        foreach (var member in members.Entries)
        {
            if (member.Value is DocScalar { IsNull: false } && Condition(members, member.Key.Name) is { } expression)
                inputs.Add(new FlowAssignment("event." + member.Key.Name, member.Key.Location, expression));
            else if (member.Value is not DocScalar { IsNull: false })
                Shape(member.Value.Location, $"Member '{member.Key.Name}' of 'with' holds {member.Value.Kind}", "give it one expression");
        }
        return inputs.ToEquatableArray();
    }

    // ---- steps: layers of concurrent tasks ----

    internal static readonly string[] StepStructural = ["id", "name", "description", "when", "ignore-error", "type", "call", SetKey, InputKey];

    /// <summary>
    /// What a step or an action runs: a task (the default), an iteration (a task with ite-source) or a subflow
    /// (<c>type: subflow</c> with <c>call: id</c>), as the graph form's node types.
    /// </summary>
    private (NodeKind Kind, string Element)? TaskKind(DocMapping task, string id, List<NodeProperty> properties, bool allowWaits = false)
    {
        var type = Text(task, "type") ?? "task";
        switch (type)
        {
            case "task" or "iteration" when task["call"] is not null:
                Shape(task.KeyOf("call")!.Location, $"'{id}' has 'call' but type {type}", "'call' names the subflow of a type: subflow step; write type: subflow, or remove 'call'");
                return null;
            case "task":
                return (NodeKind.ServiceTask, "task");
            case "set":
                if (task[SetKey] is null) Shape(task.Location, $"Set '{id}' has no 'set'", SetHelp);
                return (NodeKind.ServiceTask, "set");
            case "iteration":
                if (task["ite-source"] is null)
                    Shape(task.Location, $"Iteration '{id}' has no 'ite-source'", "add 'ite-source: <path of a collection on the bus>', such as ite-source: sta.skus");
                return (NodeKind.ServiceTask, "iteration");
            case "foreach":
                ReadForeachKeys(task, id, properties);
                return Subflow(task, id, type, properties) is { } subflow ? (subflow, "foreach") : null;
            case "publish":
                ReadPublish(task, id, properties);
                return (NodeKind.ServiceTask, "publish");
            case "subflow":
                var called = RequiredText(task, "call", $"subflow '{id}'", "add 'call: <subflow id>'");
                if (called is null) return null;
                properties.Add(new NodeProperty("called-element", called, Span(task, "call")));
                return (NodeKind.CallActivity, "subflow");
            case "receive" when allowWaits:
                if (task["receive"] is null)
                    Shape(task.Location, $"Receive action '{id}' has no 'receive'", "list what it waits for: receive: [ { event: <name>, then: call(\"action\") }, { after: 2d, then: finish() } ]");
                return (NodeKind.EventGateway, "receive");
            case "sleep" when allowWaits:
                if (task["duration"] is null)
                    Shape(task.Location, $"Sleep action '{id}' has no 'duration'", "say how long it waits, such as duration: 1h (or PT1H, 30s, 500ms)");
                return (NodeKind.TimerCatch, "sleep");
            case "case" when allowWaits:
                // Playwell's case action: only a choice, no task (an exclusive gateway; with task-service, Kstry's gateway with a service).
                if (task["case"] is null)
                    Shape(task.Location, $"Case action '{id}' has no 'case'", "list where it goes: case: [ { when: <condition>, then: call(\"action\") }, { default: finish() } ]");
                return (NodeKind.ExclusiveGateway, "case");
            default:
                Shape(task.KeyOf("type")!.Location, $"'{id}' has type '{type}'",
                    type is "receive" or "sleep" or "case" ? $"{type} is an action: write it in the actions form" : allowWaits ? "use task, set, iteration, subflow, foreach, case, receive or sleep" : "use task, set, iteration, subflow or foreach");
                return null;
        }
    }

    private void ReadSteps(DocNode body, GraphBuilder builder, string startId)
    {
        if (body is not DocSequence layers)
        {
            Shape(body.Location, $"'steps' holds {body.Kind}", "write a list of layers; each layer is a task or a list of tasks that run together");
            return;
        }
        var previous = startId;
        for (var i = 0; i < layers.Items.Count; i++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var layer = layers.Items[i];
            var tasks = layer switch
            {
                DocMapping single => [single],
                DocSequence list => list.Items,
                _ => [],
            };
            var layerName = "layer-" + (i + 1).ToString(CultureInfo.InvariantCulture);
            if (tasks.Count == 0)
            {
                Shape(layer.Location, $"Step {layerName} is {(layer is DocSequence ? "an empty list" : layer.Kind)}", "write a task (a mapping with 'id' and 'task-service') or a list of tasks");
                continue;
            }

            var branches = new List<(string Entry, string Exit)>();
            foreach (var task in tasks)
            {
                if (task is not DocMapping mapping)
                {
                    Shape(task.Location, $"A task of step {layerName} is {task.Kind}", "write each task as a mapping with 'id' and 'task-service'");
                    continue;
                }
                if (ReadStepTask(mapping, builder, layerName) is { } branch) branches.Add(branch);
            }
            if (branches.Count == 0) continue;

            if (branches.Count == 1)
            {
                builder.Connect(previous, branches[0].Entry, layer.Location);
                previous = branches[0].Exit;
                continue;
            }

            // Tasks of one layer run together; the next layer starts when all have finished.
            var fork = builder.Synthetic(layerName + ".fork", NodeKind.ParallelGateway, "parallel", layer.Location, this);
            var join = builder.Synthetic(layerName + ".join", NodeKind.ParallelGateway, "parallel", layer.Location, this);
            builder.Connect(previous, fork, layer.Location);
            foreach (var (entry, exit) in branches)
            {
                builder.Connect(fork, entry, layer.Location);
                builder.Connect(exit, join, layer.Location);
            }
            previous = join;
        }
        var end = builder.Synthetic(builder.ProcessId + ".end", NodeKind.EndEvent, "end", layers.Location, this);
        builder.Connect(previous, end, layers.Location);
    }

    /// <summary>A step's task, guarded by its condition when it has one: (the node a layer enters, the node it leaves).</summary>
    private (string Entry, string Exit)? ReadStepTask(DocMapping task, GraphBuilder builder, string layerName)
    {
        var id = RequiredText(task, "id", $"a task of step {layerName}", "give the task an 'id' unique in the file");
        if (id is null || !Register(id, task.KeyOf("id")!.Location)) return null;
        var properties = new List<NodeProperty>();
        if (TaskKind(task, id, properties) is not { } kind) return null;
        foreach (var entry in task.Entries)
        {
            if (StepStructural.Contains(entry.Key.Name) || IsForeachKey(task, entry.Key.Name)) continue;
            if (Setting(task, entry.Key.Name) is { } property) properties.Add(property);
        }
        // ps-go's ignore-error: a failure is recorded and the layer goes on (strict-mode=false).
        if (Boolean(task, "ignore-error") is { } ignore)
            properties.Add(new NodeProperty("strict-mode", ignore ? "false" : "true", Span(task, "ignore-error")));
        builder.Nodes.Add(new FlowNode(id, Text(task, "name"), kind.Kind, kind.Element, properties.ToEquatableArray(), task.Location) { Assignments = Assignments(task), Inputs = kind.Element == "publish" ? PublishInputs(task) : Inputs(task) });

        if (Condition(task, "when") is not { } condition) return (id, id);
        // A task with a condition runs only when it holds: a choice before it, and a merge after it.
        var whenKey = task.KeyOf("when")!.Location;
        var guard = builder.Synthetic(id + ".when", NodeKind.ExclusiveGateway, "exclusive", whenKey, this);
        var merge = builder.Synthetic(id + ".merge", NodeKind.ExclusiveGateway, "exclusive", whenKey, this);
        builder.Edges.Add(new FlowEdge(guard + "->" + id, null, guard, id, condition, false, whenKey));
        builder.Edges.Add(new FlowEdge(guard + "->" + merge, null, guard, merge, null, true, whenKey));
        builder.Connect(id, merge, whenKey);
        return (guard, merge);
    }

    // ---- actions: named actions with case/when/then ----

    internal static readonly string[] ActionStructural = ["name", "description", "type", "call", "case", "receive", SetKey, "on-error", InputKey];

    /// <summary>The keys of one entry of a receive action's list.</summary>
    internal static readonly string[] ReceiveKeys = ["event", "key", "to", "when", "after", "then"];

    private void ReadActions(DocNode body, GraphBuilder builder, string startId)
    {
        if (body is not DocSequence actions || actions.Items.Count == 0)
        {
            Shape(body.Location, $"'actions' holds {(body is DocSequence ? "an empty list" : body.Kind)}", "write a list of actions, each with a 'name' and the task it runs");
            return;
        }

        var names = new List<(string Name, DocMapping Action)>();
        foreach (var item in actions.Items)
        {
            if (item is not DocMapping action)
            {
                Shape(item.Location, $"An action is {item.Kind}", "write each action as a mapping with 'name' and 'task-service'");
                continue;
            }
            var name = RequiredText(action, "name", "an action", "give the action a 'name' unique in the file; call(\"name\") goes to it");
            if (name is null || !Register(name, action.KeyOf("name")!.Location)) continue;
            var properties = new List<NodeProperty>();
            if (TaskKind(action, name, properties, allowWaits: true) is not { } kind) continue;
            foreach (var entry in action.Entries)
            {
                if (ActionStructural.Contains(entry.Key.Name) || IsForeachKey(action, entry.Key.Name)) continue;
                if (Setting(action, entry.Key.Name) is { } property) properties.Add(property);
            }
            builder.Nodes.Add(new FlowNode(name, Text(action, "description"), kind.Kind, kind.Kind == NodeKind.ServiceTask ? "action" : kind.Element, properties.ToEquatableArray(), action.Location)
            {
                Assignments = Assignments(action),
                Inputs = kind.Element == "publish" ? PublishInputs(action) : Inputs(action),
            });
            if (kind.Kind == NodeKind.EventGateway && action["case"] is { } misplaced)
                Shape(action.KeyOf("case")!.Location, $"Receive action '{name}' has 'case'", "a receive goes where the entry that happened says: write 'then' on each entry of 'receive'");
            names.Add((name, action));
        }
        if (names.Count == 0) return;

        builder.Connect(startId, names[0].Name, actions.Location);
        string? finish = null;
        var fails = new Dictionary<string, string>(StringComparer.Ordinal);
        string Finish(LocationInfo location) => finish ??= builder.Synthetic(builder.ProcessId + ".finish", NodeKind.EndEvent, "finish", location, this);

        var routes = new List<ErrorRoutes.Route>();
        for (var i = 0; i < names.Count; i++)
        {
            var (name, action) = names[i];
            if (action["on-error"] is { } onError)
            {
                // on-error: call("action") | finish() | fail("CODE"): where the action's failure goes (an error route).
                if (Text(action, "on-error") is { } text && text.Trim() is "fail" or "continue")
                    Shape(onError.Location, $"'on-error' of action '{name}' is '{text.Trim()}'", "in the actions form on-error says where a failure goes: call(\"action\"), finish() or fail(\"CODE\")");
                else if (Target(action, "on-error", name, names, Finish, fails, builder) is { } target)
                    routes.Add(new ErrorRoutes.Route(name, target, null, null, action.KeyOf("on-error")!.Location));
            }
            if (builder.Nodes.First(n => n.Id == name).Kind == NodeKind.EventGateway)
            {
                ReadReceive(action, name, i + 1 < names.Count ? names[i + 1].Name : null, names, Finish, fails, builder);
                continue;
            }
            if (action["case"] is not { } cases)
            {
                // Without case: on to the next action, and the last one finishes.
                builder.Connect(name, i + 1 < names.Count ? names[i + 1].Name : Finish(action.Location), action.Location);
                continue;
            }
            if (cases is not DocSequence list || list.Items.Count == 0)
            {
                Shape(cases.Location, $"'case' of action '{name}' holds {(cases is DocSequence ? "an empty list" : cases.Kind)}",
                    "write a list of 'when: <condition>' + 'then: <command>' entries, ending with 'default: <command>'");
                continue;
            }

            // A case action is the choice itself; a task's case is a gateway after the task (none for a lone default).
            var isCase = builder.Nodes.First(n => n.Id == name).Kind == NodeKind.ExclusiveGateway;
            var choice = isCase || list.Items.Count == 1 && list.Items[0] is DocMapping only && only["default"] is not null
                ? name
                : builder.Synthetic(name + ".case", NodeKind.ExclusiveGateway, "case", cases.Location, this);
            if (choice != name) builder.Connect(name, choice, cases.Location);
            foreach (var item in list.Items)
            {
                if (item is not DocMapping entry)
                {
                    Shape(item.Location, $"An entry of 'case' of action '{name}' is {item.Kind}", "write 'when: <condition>' with 'then: <command>', or 'default: <command>'");
                    continue;
                }
                CheckKeys(entry, ["when", "then", "default"], $"a case of action '{name}'");
                var isDefault = entry["default"] is not null;
                if (isDefault && (entry["when"] is not null || entry["then"] is not null))
                {
                    Shape(entry.KeyOf("default")!.Location, $"A case of action '{name}' has 'default' and 'when'/'then'", "write the default as an entry of its own: - default: <command>");
                    continue;
                }
                if (isDefault && list.Items.TakeWhile(i => i != item).Any(i => i is DocMapping m && m["default"] is not null))
                {
                    Shape(entry.KeyOf("default")!.Location, $"Action '{name}' has a second 'default' case", "keep one default; it is taken when no 'when' holds");
                    continue;
                }
                var commandKey = isDefault ? "default" : "then";
                var condition = isDefault ? null : Condition(entry, "when");
                if (!isDefault && condition is null)
                {
                    Shape(entry.Location, $"A case of action '{name}' has no 'when'", "write 'when: <condition>' with 'then: <command>', or 'default: <command>' for the case that holds otherwise");
                    continue;
                }
                var target = Target(entry, commandKey, name, names, Finish, fails, builder);
                if (target is null) continue;
                var edgeId = builder.UniqueEdgeId(choice + "->" + target);
                builder.Edges.Add(new FlowEdge(edgeId, null, choice, target, condition, isDefault && (choice != name || isCase), entry.Location));
            }
        }
        LowerRoutes(routes, builder);

        // An action several cases go to: a merge in front of it (only gateways may join flows).
        foreach (var (name, action) in names)
        {
            var incoming = builder.Edges.Where(e => e.TargetId == name).ToList();
            if (incoming.Count < 2) continue;
            var merge = builder.Synthetic(name + ".in", NodeKind.ExclusiveGateway, "merge", action.Location, this);
            foreach (var edge in incoming)
            {
                builder.Edges[builder.Edges.IndexOf(edge)] = edge with { TargetId = merge };
            }
            builder.Connect(merge, name, action.Location);
        }
    }

    /// <summary>
    /// A receive action (Playwell's receive): an event gateway whose entries each wait for an event (with an optional
    /// condition over it) or a time (<c>after</c>), and go where their <c>then</c> says (else to the next action).
    /// </summary>
    private void ReadReceive(DocMapping action, string name, string? next, List<(string Name, DocMapping Action)> names, Func<LocationInfo, string> finish, Dictionary<string, string> fails, GraphBuilder builder)
    {
        var entries = List(action, "receive", $"receive action '{name}'", required: false);
        if (entries.Count == 0)
        {
            if (action["receive"] is DocSequence) Shape(action["receive"]!.Location, $"'receive' of action '{name}' is an empty list", "list at least one event or time to wait for");
            return;
        }
        var timers = 0;
        foreach (var item in entries)
        {
            if (item is not DocMapping entry)
            {
                Shape(item.Location, $"An entry of 'receive' of action '{name}' is {item.Kind}", "write { event: <name>, then: <command> } or { after: <duration>, then: <command> }");
                continue;
            }
            CheckKeys(entry, ReceiveKeys, $"an entry of 'receive' of action '{name}'");
            var isTimer = entry["after"] is not null;
            if (isTimer == (entry["event"] is not null))
            {
                Shape(entry.Location, $"An entry of 'receive' of action '{name}' has {(isTimer ? "both 'event' and 'after'" : "neither 'event' nor 'after'")}",
                    "write one entry per event ({ event: <name>, then: <command> }) and one per time ({ after: 2d, then: <command> })");
                continue;
            }
            string arm;
            var properties = new List<NodeProperty>();
            if (isTimer)
            {
                foreach (var key in new[] { "key", "to", "when" })
                {
                    if (entry[key] is not null) Shape(entry.KeyOf(key)!.Location, $"The 'after' entry of action '{name}' has '{key}'", $"'{key}' belongs to an event entry; a time entry has 'after' and 'then'");
                }
                arm = builder.Synthetic(UniqueArm(builder, name + ".after" + (timers++ == 0 ? "" : "#" + timers.ToString(CultureInfo.InvariantCulture))), NodeKind.TimerCatch, "after", entry.Location, this, [new NodeProperty("duration", Text(entry, "after") ?? "", Span(entry, "after"))]);
            }
            else
            {
                var eventName = RequiredText(entry, "event", $"an entry of 'receive' of action '{name}'", "name the event, such as event: order-paid");
                if (eventName is null) continue;
                foreach (var key in new[] { "event", "key", "to" })
                {
                    if (Setting(entry, key) is { } property) properties.Add(property);
                }
                arm = builder.Synthetic(UniqueArm(builder, name + "." + eventName), NodeKind.MessageCatch, "on", entry.Location, this, properties);
            }
            builder.Edges.Add(new FlowEdge(builder.UniqueEdgeId(name + "->" + arm), null, name, arm, isTimer ? null : Condition(entry, "when"), false, entry.Location));
            var target = entry["then"] is null ? next ?? finish(entry.Location) : Target(entry, "then", name, names, finish, fails, builder);
            if (target is not null) builder.Connect(arm, target, entry.Location);
        }
    }

    private static string UniqueArm(GraphBuilder builder, string id)
    {
        var candidate = id;
        for (var n = 2; builder.Nodes.Any(x => x.Id == candidate); n++) candidate = id + "#" + n.ToString(CultureInfo.InvariantCulture);
        return candidate;
    }

    /// <summary>The node a case command leads to: call("action"), finish() or fail("code"[, "message"]).</summary>
    private string? Target(DocMapping entry, string key, string action, List<(string Name, DocMapping Action)> names, Func<LocationInfo, string> finish, Dictionary<string, string> fails, GraphBuilder builder)
    {
        var text = RequiredText(entry, key, $"a case of action '{action}'", "write call(\"action\"), finish() or fail(\"CODE\")");
        if (text is null) return null;
        var location = entry[key]!.Location;
        var match = Command.Match(text);
        if (!match.Success)
        {
            Shape(location, $"'{text}' is not a command", "write call(\"action\"), finish() or fail(\"CODE\", \"message\")");
            return null;
        }
        var argument = match.Groups["a"].Success ? match.Groups["a"].Value : null;
        switch (match.Groups["verb"].Value)
        {
            case "call":
                if (argument is null)
                {
                    Shape(location, "call() needs the name of an action", $"call one of: {string.Join(", ", names.Select(n => n.Name))}");
                    return null;
                }
                if (!names.Any(n => n.Name == argument))
                {
                    // The same mistake as a graph connection to a missing node, so the same id (FG0103).
                    _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.DanglingFlow, location, $"{action}.case->{argument}", "call", argument));
                    return null;
                }
                return argument;
            case "finish":
                return finish(location);
            default:
                if (argument is not { Length: > 0 })
                {
                    Shape(location, "fail() needs an error code", "write fail(\"CODE\") or fail(\"CODE\", \"message\")");
                    return null;
                }
                var message = match.Groups["b"].Success ? match.Groups["b"].Value : null;
                var failKey = argument + "\n" + message;
                if (fails.TryGetValue(failKey, out var existing)) return existing;
                var properties = new List<NodeProperty> { new("error-code", argument, location) };
                if (message is not null) properties.Add(new NodeProperty("error-message", message, location));
                // One end per code (and message): fail("A") twice is one node; a second message gets a node of its own.
                var id = builder.ProcessId + ".fail." + argument;
                if (fails.Values.Contains(id)) id += "." + (fails.Count + 1).ToString(CultureInfo.InvariantCulture);
                if (Register(id, location)) builder.Nodes.Add(new FlowNode(id, null, NodeKind.EndEvent, "fail", properties.ToEquatableArray(), location));
                return fails[failKey] = id;
        }
    }

    // ---- values ----

    internal string? Text(DocMapping mapping, string key)
    {
        var value = mapping[key];
        if (value is null || value is DocScalar { IsNull: true }) return null;
        if (value is DocScalar scalar) return scalar.Value;
        Shape(value.Location, $"'{key}' holds {value.Kind}", $"write a single value for '{key}'");
        return null;
    }

    private string? RequiredText(DocMapping mapping, string key, string what, string fix)
    {
        var text = Text(mapping, key);
        if (text is { Length: > 0 }) return text;
        if (mapping[key] is null or DocScalar) Shape(mapping.KeyOf(key)?.Location ?? mapping.Location, $"{Capitalize(what)} has no '{key}'", fix);
        return null;
    }

    internal bool? Boolean(DocMapping mapping, string key)
    {
        var text = Text(mapping, key);
        if (text is null) return null;
        if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase)) return true;
        if (string.Equals(text, "false", StringComparison.OrdinalIgnoreCase)) return false;
        Shape(mapping[key]!.Location, $"'{key}' is '{text}'", "write true or false");
        return null;
    }

    private IReadOnlyList<DocNode> List(DocMapping mapping, string key, string where, bool required)
    {
        var value = mapping[key];
        if (value is DocSequence list) return list.Items;
        if (value is null || value is DocScalar { IsNull: true })
        {
            if (required) Shape(mapping.Location, $"{Capitalize(where)} has no '{key}'", $"add '{key}' with a list");
            return [];
        }
        Shape(value.Location, $"'{key}' holds {value.Kind}", $"write '{key}' as a list");
        return [];
    }

    /// <summary>The key of a node's assignments.</summary>
    internal const string SetKey = "set";

    /// <summary>A task's inputs: its parameters given by expressions, or objects built member by member (docs/assignments.md#task-inputs).</summary>
    internal const string InputKey = "input";

    private const string SetHelp = "write the bus values it sets and the expressions that give them, such as set: { var.total: \"sta.price * req.count\", var.notified: false }";

    /// <summary>
    /// A node's <c>set</c>: bus values (<c>var.total</c>, <c>sta.label</c>) and the expressions that give them, in the
    /// order written. Each value is an expression (a text is quoted inside it: <c>var.kind: "'gold'"</c>).
    /// </summary>
    private EquatableArray<FlowAssignment> Assignments(DocMapping mapping)
    {
        var value = mapping[SetKey];
        if (value is null || value is DocScalar { IsNull: true }) return EquatableArray<FlowAssignment>.Empty;
        if (value is not DocMapping entries)
        {
            Shape(value.Location, $"'set' holds {value.Kind}", SetHelp);
            return EquatableArray<FlowAssignment>.Empty;
        }
        var assignments = new List<FlowAssignment>();
        foreach (var entry in entries.Entries)
        {
            if (entry.Value is not DocScalar { IsNull: false })
            {
                Shape(entry.Value is DocScalar ? entry.Key.Location : entry.Value.Location, $"'{entry.Key.Name}' in 'set' holds {(entry.Value is DocScalar ? "nothing" : entry.Value.Kind)}",
                    "give it one expression, such as \"sta.price * req.count\"; a text is quoted inside the expression: \"'gold'\"");
                continue;
            }
            if (Condition(entries, entry.Key.Name) is { } expression) assignments.Add(new FlowAssignment(entry.Key.Name, entry.Key.Location, expression));
        }
        return assignments.ToEquatableArray();
    }

    /// <summary>
    /// A task's <c>input</c>: each parameter given one expression (<c>priority: "req.vip ? 1 : 0"</c>), or a mapping of its
    /// members to expressions (<c>order: { id: req.id, total: var.total }</c>), read as inputs <c>priority</c>, <c>order.id</c>, ...
    /// </summary>
    private EquatableArray<FlowAssignment> Inputs(DocMapping mapping)
    {
        var value = mapping[InputKey];
        if (value is null || value is DocScalar { IsNull: true }) return EquatableArray<FlowAssignment>.Empty;
        const string Help = "write input: { <parameter>: \"<expression>\" } or input: { <parameter>: { <member>: \"<expression>\" } }";
        if (value is not DocMapping parameters)
        {
            Shape(value.Location, $"'input' holds {value.Kind}", Help);
            return EquatableArray<FlowAssignment>.Empty;
        }
        var inputs = new List<FlowAssignment>();
        foreach (var entry in parameters.Entries)
        {
            if (entry.Value is DocMapping members)
            {
                foreach (var member in members.Entries)
                {
                    if (member.Value is DocScalar { IsNull: false } && Condition(members, member.Key.Name) is { } expression)
                        inputs.Add(new FlowAssignment(entry.Key.Name + "." + member.Key.Name, member.Key.Location, expression));
                    else if (member.Value is not DocScalar { IsNull: false })
                        Shape(member.Value.Location, $"Member '{member.Key.Name}' of input '{entry.Key.Name}' holds {member.Value.Kind}", Help);
                }
                continue;
            }
            if (entry.Value is DocScalar { IsNull: false } && Condition(parameters, entry.Key.Name) is { } whole)
                inputs.Add(new FlowAssignment(entry.Key.Name, entry.Key.Location, whole));
            else if (entry.Value is not DocScalar { IsNull: false })
                Shape(entry.Value.Location, $"Input '{entry.Key.Name}' holds {entry.Value.Kind}", Help);
        }
        return inputs.ToEquatableArray();
    }

    /// <summary>
    /// The top level's <c>result</c>: one expression for the whole result (<c>result: "sta.page"</c>), or a mapping of the
    /// result's members to expressions, read as the assignments <c>res</c> / <c>res.&lt;member&gt;</c>.
    /// </summary>
    private List<FlowAssignment> ResultTemplate(DocMapping top)
    {
        var value = top["result"]!;
        var template = new List<FlowAssignment>();
        if (value is DocScalar { IsNull: true }) return template;
        if (value is DocMapping members)
        {
            foreach (var entry in members.Entries)
            {
                if (entry.Value is not DocScalar { IsNull: false })
                {
                    Shape(entry.Value is DocScalar ? entry.Key.Location : entry.Value.Location, $"Member '{entry.Key.Name}' of 'result' holds {(entry.Value is DocScalar ? "nothing" : entry.Value.Kind)}",
                        "give it one expression, such as \"var.total\"; a text is quoted inside the expression: \"'ok'\"");
                    continue;
                }
                if (Condition(members, entry.Key.Name) is { } expression) template.Add(new FlowAssignment("res." + entry.Key.Name, entry.Key.Location, expression));
            }
            return template;
        }
        if (value is DocScalar && Condition(top, "result") is { } whole) template.Add(new FlowAssignment("res", top.KeyOf("result")!.Location, whole));
        else if (value is not DocScalar) Shape(value.Location, $"'result' holds {value.Kind}", "write the result's members and their expressions (result: { total: \"var.total\" }), or one expression for the whole result");
        return template;
    }

    /// <summary>A node setting: a single value, kept as text like a BPMN property (checked by SettingsChecks).</summary>
    private NodeProperty? Setting(DocMapping mapping, string key)
    {
        var value = mapping[key];
        if (value is null) return null;
        if (value is not DocScalar scalar)
        {
            Shape(value.Location, $"Setting '{key}' holds {value.Kind}", "node settings take a single value (text, number or boolean)");
            return null;
        }
        return new NodeProperty(key, scalar.Value, Span(mapping, key));
    }

    /// <summary>From a key to the end of its value: where a setting is written.</summary>
    private LocationInfo Span(DocMapping mapping, string key)
    {
        var keyLocation = mapping.KeyOf(key)!.Location;
        var value = mapping[key]!.Location;
        return _source.Span(keyLocation.Start, Math.Max(keyLocation.Start + keyLocation.Length, value.Start + value.Length));
    }

    private ConditionSource? Condition(DocMapping mapping, string key)
    {
        var value = mapping[key];
        if (value is null || value is DocScalar { IsNull: true }) return null;
        if (value is not DocScalar scalar)
        {
            Shape(value.Location, $"Condition '{key}' holds {value.Kind}", "write the condition as one text, such as when: \"sta.age >= 18\"");
            return null;
        }
        // A condition written as a plain YAML boolean (when: true) reads as the text 'true'.
        var offsets = scalar.CharOffsets();
        var (lines, columns) = _source.Locate(offsets);
        return new ConditionSource(scalar.Value, ExpressionParser.Parse(scalar.Value, _source.Limits), scalar.Location,
            offsets.ToEquatableArray(), lines.ToEquatableArray(), columns.ToEquatableArray());
    }

    internal void CheckKeys(DocMapping mapping, string[] known, string where)
    {
        foreach (var entry in mapping.Entries)
        {
            if (known.Contains(entry.Key.Name)) continue;
            var suggestion = known.FirstOrDefault(k => Close(k, entry.Key.Name));
            var diagnostic = DiagnosticInfo.Create(FlowDiagnostics.UnknownKey, entry.Key.Location, entry.Key.Name, where,
                suggestion is null ? "" : $" (did you mean '{suggestion}'?)", string.Join(", ", known));
            // A near miss of a known key ('whn' for 'when') is a mistake whose silent effect is another flow (a
            // connection without its condition, a rule dropped): an error, so the file compiles into nothing.
            _diagnostics.Add(suggestion is null ? diagnostic : diagnostic.WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        }
    }

    private static bool Close(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.OrdinalIgnoreCase)) return true;
        if (Math.Abs(a.Length - b.Length) > 2) return false;
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        for (var j = 1; j <= b.Length; j++)
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1));
        return d[a.Length, b.Length] <= 2;
    }

    internal void Shape(LocationInfo location, string problem, string fix)
        => _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.DocumentShape, location, problem, Capitalize(fix)));

    /// <summary>A shape that is read but not applied: FG0006 as a warning (the file still compiles).</summary>
    internal void Warn(LocationInfo location, string problem, string fix)
        => _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.DocumentShape, location, problem, Capitalize(fix)).WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));

    /// <summary>Ids are unique within a file (FG0102), as in BPMN.</summary>
    internal bool Register(string id, LocationInfo location)
    {
        if (_ids.TryGetValue(id, out var first))
        {
            _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.DuplicateId, location, id, $"line {location.StartLine + 1}", $"line {first.StartLine + 1}").WithAdditional(first));
            return false;
        }
        _ids.Add(id, location);
        return true;
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);

    /// <summary>The nodes and edges of one graph while it is being read.</summary>
    private sealed class GraphBuilder(string processId, LocationInfo location, string path)
    {
        private readonly HashSet<string> _edgeIds = new(StringComparer.Ordinal);

        public string ProcessId { get; } = processId;

        public List<FlowNode> Nodes { get; } = [];

        public List<FlowEdge> Edges { get; } = [];

        public string UniqueEdgeId(string id)
        {
            var candidate = id;
            for (var n = 2; !_edgeIds.Add(candidate); n++) candidate = id + "#" + n.ToString(CultureInfo.InvariantCulture);
            return candidate;
        }

        public void Connect(string from, string to, LocationInfo at)
            => Edges.Add(new FlowEdge(UniqueEdgeId(from + "->" + to), null, from, to, null, false, at));

        /// <summary>A node the lowering adds (a fork, a join, a guard, the end); its place is the construct it comes from.</summary>
        public string Synthetic(string id, NodeKind kind, string element, LocationInfo at, FlowDocumentReader reader, List<NodeProperty>? properties = null)
        {
            reader.Register(id, at);
            Nodes.Add(new FlowNode(id, null, kind, element, properties is null ? EquatableArray<NodeProperty>.Empty : properties.ToEquatableArray(), at));
            return id;
        }

        public FlowGraph Build() => new(ProcessId, path, Nodes.ToEquatableArray(), Edges.ToEquatableArray(), location)
        {
            SourceKey = "from",
            TargetKey = "to",
        };
    }
}
