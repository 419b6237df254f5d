using System.Globalization;
using System.Text.RegularExpressions;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Frontends.Documents;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Frontends.Dialects;

/// <summary>
/// Playwell workflows (<c>*.playwell.yml</c>), read unchanged into the IR as durable flows: the <c>activity</c>'s trigger
/// (an event and its condition, context_vars), <c>domain_id_strategy</c> (the correlation key), and actions of the types
/// case, receive, sleep and any other type as a task, with their ctrl (call, finish, fail; resultOk, resultFailed,
/// resultTimeout) and context_vars (sets). See docs/dialects/playwell.md.
/// </summary>
internal sealed class PlaywellReader
{
    public static readonly string[] Extensions = [".playwell.yml", ".playwell.yaml"];

    private static readonly string[] ActivityKeys = ["name", "display_name", "description", "domain_id_strategy", "config", "trigger", "actions"];
    private static readonly string[] ActionKeys = ["name", "type", "args", "ctrl", "await"];
    private static readonly string[] EntryKeys = ["when", "then", "default", "after", "context_vars"];
    private static readonly string[] NotYet = ["concurrent", "delete_var", "update_var"];
    private static readonly Regex Command = new(@"^\s*(?:(?<verb>call)\s*\(\s*[""'](?<a>[^""']+)[""']\s*\)|(?<verb>finish)\s*\(\s*\)|(?<verb>fail)\s*\(\s*(?:[""'](?<a>[^""']*)[""'])?\s*\))\s*$", RegexOptions.CultureInvariant);

    private readonly DocumentText _source;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly FlowDocumentReader _documents;
    private readonly List<FlowNode> _nodes = [];
    private readonly List<FlowEdge> _edges = [];
    private readonly List<ErrorRoutes.Route> _routes = [];
    private readonly HashSet<string> _actions = new(StringComparer.Ordinal);
    private readonly List<string> _foreaches = [];
    private string _flowId = "";
    private string? _keyAttribute;
    private string? _end;

    private PlaywellReader(DocumentText source, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        _source = source;
        _diagnostics = diagnostics;
        _documents = FlowDocumentReader.For(source, diagnostics, cancellationToken);
    }

    public static (EquatableArray<FlowGraph> Graphs, EquatableArray<FlowGraph> Subprocesses, EquatableArray<DiagnosticInfo> Diagnostics) Read(string path, SourceText text, FlowLimits limits, CancellationToken cancellationToken)
    {
        var source = new DocumentText(path, text, limits);
        var diagnostics = new List<DiagnosticInfo>();
        var root = DocumentParser.Parse(source, "YAML", diagnostics, cancellationToken);
        var reader = new PlaywellReader(source, diagnostics, cancellationToken);
        if (root is not DocMapping top || top["activity"] is not DocMapping activity)
        {
            reader._documents.Shape(root?.Location ?? source.Span(0, 0), "A Playwell workflow file holds one 'activity'", "write Playwell's activity: { name: ..., trigger: ..., actions: [...] }");
            return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
        }
        var graph = reader.ReadActivity(activity);
        return (graph is null ? EquatableArray<FlowGraph>.Empty : new[] { graph }.ToEquatableArray(), EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
    }

    private FlowGraph? ReadActivity(DocMapping activity)
    {
        _documents.CheckKeys(activity, ActivityKeys, "'activity'");
        if (_documents.Text(activity, "name") is not { Length: > 0 } flowId)
        {
            _documents.Shape(activity.Location, "The activity has no 'name'", "give it a name: it is the flow id that [Flow(\"id\")] names");
            return null;
        }
        _flowId = flowId;
        _keyAttribute = _documents.Text(activity, "domain_id_strategy");
        if (activity["config"] is not null) _documents.Warn(activity.KeyOf("config")!.Location, "'config' of the activity is read but not applied", "Playwell's engine settings have no FlowGen meaning; remove it");

        // The trigger: the event that starts an instance, its condition and the values it sets.
        var start = new List<NodeProperty>();
        var startLocation = activity.KeyOf("trigger")?.Location ?? activity.Location;
        var startSets = new List<FlowAssignment>();
        if (activity["trigger"] is DocMapping trigger)
        {
            _documents.CheckKeys(trigger, ["type", "args", "context_vars"], "'trigger'");
            var condition = (trigger["args"] as DocMapping)?["condition"] as DocScalar;
            if (condition is null)
            {
                _documents.Shape(trigger.Location, "The trigger has no args.condition", "say which event starts an instance: condition: eventTypeIs(\"user_behavior\")");
                return null;
            }
            if (Translate(condition, new PlaywellExpressions.Scope("event")) is not { } when) return null;
            if (when.EventTypes.Count != 1)
            {
                _documents.Shape(condition.Location, $"The trigger's condition names {when.EventTypes.Count} event types", "name the one event that starts an instance with eventTypeIs(\"...\")");
                return null;
            }
            start.Add(new NodeProperty("event", when.EventTypes[0], condition.Location));
            if (PlaywellExpressions.WithoutTrueParts(when.Text) is { } rest) start.Add(new NodeProperty("trigger-when", rest, condition.Location));
            startSets.AddRange(ContextVars(trigger["context_vars"], new PlaywellExpressions.Scope("req")));
        }
        else
        {
            _documents.Shape(activity.Location, "The activity has no trigger", "add trigger: { type: event, args: { condition: eventTypeIs(\"...\") } }");
            return null;
        }
        if (_keyAttribute is not null) start.Add(new NodeProperty("key", "req." + PlaywellExpressions.Member(_keyAttribute), activity["domain_id_strategy"]!.Location));
        _nodes.Add(new FlowNode(flowId, _documents.Text(activity, "display_name"), NodeKind.StartEvent, "trigger", start.ToEquatableArray(), startLocation) { Assignments = startSets.ToEquatableArray() });

        var actions = (activity["actions"] as DocSequence)?.Items.OfType<DocMapping>().ToList() ?? [];
        if (actions.Count == 0)
        {
            _documents.Shape(activity.Location, "The activity has no actions", "list its actions: actions: [ { name: ..., type: ..., ctrl: finish() } ]");
            return null;
        }
        foreach (var action in actions)
        {
            if (_documents.Text(action, "name") is { } name) _actions.Add(name);
        }
        var first = _documents.Text(actions[0], "name");
        if (first is not null) _edges.Add(Edge(flowId, first, actions[0].Location, null));
        for (var i = 0; i < actions.Count; i++)
        {
            ReadAction(actions[i], i + 1 < actions.Count ? _documents.Text(actions[i + 1], "name") : null);
        }
        ErrorRoutes.LowerAll(_nodes, _edges, _routes, _source.Limits, (list, why) =>
            _documents.Shape(list[0].Location, $"The failure ctrl of action '{list[0].TaskId}' cannot be made", why));
        StartForeaches(flowId, activity.Location);
        return new FlowGraph(flowId, _source.Path, _nodes.ToEquatableArray(), _edges.ToEquatableArray(), activity.Location) { SourceKey = "from", TargetKey = "to" };
    }

    private void ReadAction(DocMapping action, string? next)
    {
        _documents.CheckKeys(action, ActionKeys, "an action");
        var name = _documents.Text(action, "name");
        if (name is null)
        {
            _documents.Shape(action.Location, "An action has no 'name'", "give every action a name: call(\"name\") goes to it");
            return;
        }
        // Without a type, Playwell finds the action's type by its name (its manual, Unit 3).
        var type = _documents.Text(action, "type") ?? name;
        var args = action["args"];
        if (NotYet.Contains(type))
        {
            _documents.Shape(action.KeyOf("type")!.Location, $"Action '{name}' has type '{type}', which FlowGen does not read yet",
                "write it as a FlowGen action, or a C# [FlowTask] of that name");
            _nodes.Add(new FlowNode(name, null, NodeKind.ServiceTask, type, EquatableArray<NodeProperty>.Empty, action.Location) { IsUnsupported = true });
            return;
        }
        switch (type)
        {
            case "case":
                _nodes.Add(new FlowNode(name, null, NodeKind.ExclusiveGateway, "case", EquatableArray<NodeProperty>.Empty, action.Location));
                Entries(name, args, action, defaultScope: new PlaywellExpressions.Scope("event"), isCase: true);
                return;
            case "receive":
                _nodes.Add(new FlowNode(name, null, NodeKind.EventGateway, "receive", EquatableArray<NodeProperty>.Empty, action.Location));
                ReadReceive(name, args, action);
                return;
            case "foreach":
                ReadForeach(name, args, action);
                return;
            case "send":
                if (!ReadSend(name, args, action)) return;
                break;
            case "compute":
            {
                // A list of { name: expression }, computed in order into context vars: a node that only sets.
                var sets = new List<FlowAssignment>();
                foreach (var item in (args as DocSequence)?.Items ?? [])
                    sets.AddRange(ContextVars(item, new PlaywellExpressions.Scope("event")));
                if (sets.Count == 0)
                {
                    _documents.Shape((args ?? action).Location, $"Compute action '{name}' computes nothing", "list the values: args: [ { total: $(\"price\") * $(\"count\") } ]");
                    return;
                }
                _nodes.Add(new FlowNode(name, null, NodeKind.ServiceTask, "compute", EquatableArray<NodeProperty>.Empty, action.Location) { Assignments = sets.ToEquatableArray() });
                break;
            }
            case "clock":
            {
                // Sleeps until a time: a timer whose date is a DateTimeOffset on the bus ($("due") or eventAttr at the trigger).
                var time = (args as DocMapping)?["time"] as DocScalar;
                var date = time is null ? null : Translate(time, new PlaywellExpressions.Scope("event"))?.Text.Trim();
                if (date is null || !Regex.IsMatch(date, @"^(var|sta|req)\.[A-Za-z_][\w.]*$"))
                {
                    if (date is not null || time is null)
                        _documents.Shape((time ?? args ?? action).Location, $"Clock action '{name}' has no time FlowGen reads",
                            "write args: { time: $(\"due\") }, a context var holding a DateTimeOffset (compute it in a C# [FlowTask] or take it from the trigger event)");
                    return;
                }
                _nodes.Add(new FlowNode(name, null, NodeKind.TimerCatch, "clock", new[] { new NodeProperty("date", date, time!.Location) }.ToEquatableArray(), action.Location));
                break;
            }
            case "sleep":
            {
                var time = (args as DocMapping)?["time"] as DocScalar;
                var duration = time is null ? null : Translate(time, new PlaywellExpressions.Scope("event"))?.Text;
                if (duration is null || !Regex.IsMatch(duration, @"^\d+(ms|s|m|h|d)$"))
                {
                    _documents.Shape((time ?? args ?? action).Location, $"Sleep action '{name}' has no time FlowGen reads", "write args: { time: timestamp(\"1 hours\") }");
                    return;
                }
                _nodes.Add(new FlowNode(name, null, NodeKind.TimerCatch, "sleep", new[] { new NodeProperty("duration", duration, time!.Location) }.ToEquatableArray(), action.Location));
                break;
            }
            default:
            {
                // Any other type is a task of that name (debug, stdout, a service): args by name are its parameters, each
                // a constant (task-params) or an expression over the bus (an input, docs/assignments.md#task-inputs).
                var properties = new List<NodeProperty> { new("task-service", type, action.KeyOf("type")?.Location ?? action.Location) };
                var inputs = new List<FlowAssignment>();
                if (args is DocMapping named && named.Entries.Count > 0)
                {
                    var parameters = new List<string>();
                    foreach (var entry in named.Entries)
                    {
                        if (entry.Value is not DocScalar value || Translate(value, new PlaywellExpressions.Scope("event")) is not { } translated) continue;
                        var text = translated.Text.Trim();
                        var literal = text.Length >= 2 && text[0] == '\'' && text[text.Length - 1] == '\'' && text.IndexOf('\'', 1) == text.Length - 1 ? text.Substring(1, text.Length - 2) : null;
                        if (literal is not null) parameters.Add(Binding.HttpTasks.JsonString(entry.Key.Name) + ": " + Binding.HttpTasks.JsonString(literal));
                        else inputs.Add(new FlowAssignment(entry.Key.Name, entry.Key.Location, _source.Expression(translated.Text, translated.Offsets)));
                    }
                    if (parameters.Count > 0) properties.Add(new NodeProperty(Binding.TaskParams.ParamsProperty, "{" + string.Join(", ", parameters) + "}", named.Location));
                }
                else if (args is not null && args is not DocScalar { IsNull: true })
                {
                    _documents.Warn(action.KeyOf("args")!.Location, $"The args of action '{name}' are not by name", "write args as a mapping of the task's parameter names to values (a list or a single value is not passed)");
                }
                if (UsesResultVar(action)) properties.Add(new NodeProperty("output", name, action.KeyOf("name")!.Location));
                _nodes.Add(new FlowNode(name, null, NodeKind.ServiceTask, type, properties.ToEquatableArray(), action.Location) { Inputs = inputs.ToEquatableArray() });
                break;
            }
        }
        // Where the action goes after: its ctrl, or the next action (the last one finishes).
        var mark = _edges.Count;
        var ctrl = action["ctrl"];
        if (ctrl is null) _edges.Add(Edge(name, next ?? Finish(action.Location), action.Location, null));
        else if (ctrl is DocScalar single)
        {
            if (Target(single) is { } target) _edges.Add(Edge(name, target, single.Location, null));
        }
        else Entries(name, ctrl, action, new PlaywellExpressions.Scope("event", "sta." + name), isCase: false);
        // A send of several messages is a chain of publish nodes: its ctrl leaves the last one.
        if (_sendTail.TryGetValue(name, out var tail))
        {
            for (var i = mark; i < _edges.Count; i++)
            {
                if (_edges[i].SourceId == name) _edges[i] = _edges[i] with { SourceId = tail };
            }
        }
    }

    // A send action of several messages: its name -> the id of its last publish node.
    private readonly Dictionary<string, string> _sendTail = new(StringComparer.Ordinal);

    /// <summary>
    /// Playwell's send (<c>args: { service, messages: [ { type: str("t"), attributes: { k: expr } } ] }</c>): each message is a
    /// publish node of the event <c>t</c> (a <c>[FlowEvent("t")]</c> type), its attributes the event's members. The engine
    /// takes the events with the step (docs/events.md); <c>service</c> is not used: the engine is the one service.
    /// </summary>
    private bool ReadSend(string name, DocNode? args, DocMapping action)
    {
        var messages = ((args as DocMapping)?["messages"] as DocSequence)?.Items.OfType<DocMapping>().ToList() ?? [];
        if (messages.Count == 0)
        {
            _documents.Shape((args ?? action).Location, $"Send action '{name}' has no messages", "list them: args: { service: str(\"playwell_activity\"), messages: [ { type: str(\"event name\"), attributes: { k: $(\"v\") } } ] }");
            return false;
        }
        string? previous = null;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            _documents.CheckKeys(message, ["type", "attributes"], $"a message of send action '{name}'");
            var type = message["type"] is DocScalar t ? Translate(t, new PlaywellExpressions.Scope("event"))?.Text.Trim() : null;
            if (type is null || type.Length < 2 || type[0] != '\'' || type[type.Length - 1] != '\'')
            {
                if (type is not null || message["type"] is null)
                    _documents.Shape((message["type"] ?? message).Location, $"A message of send action '{name}' has no type FlowGen reads", "write type: str(\"event name\")");
                return false;
            }
            var id = i == 0 ? name : name + "." + (i + 1).ToString(CultureInfo.InvariantCulture);
            var inputs = new List<FlowAssignment>();
            foreach (var attribute in (message["attributes"] as DocMapping)?.Entries ?? [])
            {
                if (attribute.Value is DocScalar { IsNull: false } value && Translate(value, new PlaywellExpressions.Scope("event")) is { } translated)
                    inputs.Add(new FlowAssignment("event." + PlaywellExpressions.Member(attribute.Key.Name), attribute.Key.Location, _source.Expression(translated.Text, translated.Offsets)));
            }
            _nodes.Add(new FlowNode(id, null, NodeKind.ServiceTask, "send", new[] { new NodeProperty(Checks.TaskInputs.PublishSetting, type.Substring(1, type.Length - 2), message["type"]!.Location) }.ToEquatableArray(), message.Location)
            {
                Inputs = inputs.ToEquatableArray(),
            });
            if (previous is not null) _edges.Add(Edge(previous, id, message.Location, null));
            previous = id;
        }
        if (previous != name) _sendTail[name] = previous!;
        return true;
    }

    /// <summary>
    /// Playwell's foreach (<c>args: { items, continue, eof }</c>): each time the run comes to the action it takes the next
    /// item into <c>$name.ele</c> (var.name_ele) and its index into <c>$name.idx</c> (var.name_idx) and goes to
    /// <c>continue</c>, whose actions come back with call("name"); after the last item it goes to <c>eof</c>. Lowered to an
    /// exclusive gateway with sets: <c>var.name_idx = var.name_next</c>, <c>var.name_next = var.name_idx + 1</c>; the flow
    /// to <c>continue</c> (when the index is inside the list) sets the item, the default flow to <c>eof</c> resets the count.
    /// A set node <c>name.start</c> on the ways into the action from outside its loop starts the count at 0.
    /// </summary>
    private void ReadForeach(string name, DocNode? args, DocMapping action)
    {
        var parts = args as DocMapping;
        var items = parts?["items"] as DocScalar;
        var next = parts?["continue"] as DocScalar;
        var eof = parts?["eof"] as DocScalar;
        if (items is null || next is null || eof is null)
        {
            _documents.Shape((args ?? action).Location, $"Foreach action '{name}' needs items, continue and eof",
                "write args: { items: $(\"list\"), continue: call(\"action per item\"), eof: call(\"action after\") }");
            return;
        }
        _documents.CheckKeys(parts!, ["items", "continue", "eof"], $"the args of foreach action '{name}'");
        if (Translate(items, new PlaywellExpressions.Scope("event")) is not { } list) return;
        var each = Target(next);
        var after = Target(eof);
        if (each is null || after is null) return;
        var v = "var." + PlaywellExpressions.VarName(name);
        ConditionSource Expression(string text, LocationInfo at) => ErrorRoutes.Condition(text, at, _source.Limits);
        var at = action.KeyOf("name")!.Location;
        _nodes.Add(new FlowNode(name, null, NodeKind.ExclusiveGateway, "foreach", EquatableArray<NodeProperty>.Empty, action.Location)
        {
            Assignments = new[]
            {
                new FlowAssignment(v + "_idx", at, Expression(v + "_next", at)),
                new FlowAssignment(v + "_next", at, Expression(v + "_idx + 1", at)),
            }.ToEquatableArray(),
        });
        var item = name + ".item";
        _nodes.Add(new FlowNode(item, null, NodeKind.ServiceTask, "foreach item", EquatableArray<NodeProperty>.Empty, items.Location)
        {
            Assignments = new[] { new FlowAssignment(v + "_ele", items.Location, Expression($"@item({list.Text}, {v}_idx)", items.Location)) }.ToEquatableArray(),
        });
        _edges.Add(Edge(name, item, items.Location, Expression($"{v}_idx < @size({list.Text})", items.Location)));
        _edges.Add(Edge(item, each, next.Location, null));
        var done = name + ".eof";
        _nodes.Add(new FlowNode(done, null, NodeKind.ServiceTask, "foreach eof", EquatableArray<NodeProperty>.Empty, eof.Location)
        {
            Assignments = new[] { new FlowAssignment(v + "_next", eof.Location, Expression("0", eof.Location)) }.ToEquatableArray(),
        });
        _edges.Add(Edge(name, done, eof.Location, null) with { IsDefault = true });
        _edges.Add(Edge(done, after, eof.Location, null));
        _foreaches.Add(name);
    }

    /// <summary>The ways into each foreach from outside its loop go through a set node that starts its count at 0.</summary>
    private void StartForeaches(string flowId, LocationInfo location)
    {
        if (_foreaches.Count == 0) return;
        var index = new Checks.GraphIndex(new FlowGraph(flowId, _source.Path, _nodes.ToEquatableArray(), _edges.ToEquatableArray(), location));
        var back = Checks.LoopShape.BackEdges(index, flowId);
        foreach (var name in _foreaches)
        {
            var node = _nodes.First(n => n.Id == name);
            var start = name + ".start";
            _nodes.Add(new FlowNode(start, null, NodeKind.ServiceTask, "foreach start", EquatableArray<NodeProperty>.Empty, node.Location)
            {
                Assignments = new[] { new FlowAssignment("var." + PlaywellExpressions.VarName(name) + "_next", node.Location, ErrorRoutes.Condition("0", node.Location, _source.Limits)) }.ToEquatableArray(),
            });
            for (var i = 0; i < _edges.Count; i++)
            {
                if (_edges[i].TargetId == name && !back.Contains(_edges[i].Id)) _edges[i] = _edges[i] with { TargetId = start };
            }
            _edges.Add(Edge(start, name, node.Location, null));
        }
    }

    /// <summary>A case's args or an action's ctrl: when/then/context_vars entries and a default.</summary>
    private void Entries(string name, DocNode? list, DocMapping action, PlaywellExpressions.Scope defaultScope, bool isCase)
    {
        var entries = (list as DocSequence)?.Items.OfType<DocMapping>().ToList() ?? [];
        if (entries.Count == 0)
        {
            _documents.Shape((list ?? action).Location, $"Action '{name}' has no {(isCase ? "cases" : "ctrl entries")}", "list them: - when: <condition> / then: call(\"...\"), and - default: call(\"...\")");
            return;
        }
        var gateway = isCase ? name : null;
        foreach (var (entry, index) in entries.Select((e, i) => (e, i)))
        {
            _documents.CheckKeys(entry, EntryKeys, $"an entry of action '{name}'");
            var isDefault = entry["default"] is not null;
            var commandNode = (isDefault ? entry["default"] : entry["then"]) as DocScalar;
            if (commandNode is null || Target(commandNode) is not { } target)
            {
                if (commandNode is null) _documents.Shape(entry.Location, $"An entry of action '{name}' has no 'then'", "say where it goes: then: call(\"...\") or finish()");
                continue;
            }
            target = WithVars(name + "." + (index + 1).ToString(CultureInfo.InvariantCulture), entry["context_vars"], defaultScope, target, entry.Location);
            if (isDefault)
            {
                gateway ??= Gateway(name, action);
                _edges.Add(Edge(gateway, target, entry.Location, null) with { IsDefault = true });
                continue;
            }
            if (entry["when"] is not DocScalar when || Translate(when, defaultScope) is not { } condition) continue;
            switch (condition.ResultTest)
            {
                case "resultFailed":
                    _routes.Add(new ErrorRoutes.Route(name, target, null, null, when.Location));
                    continue;
                case "resultTimeout":
                    _routes.Add(new ErrorRoutes.Route(name, target, FlowErrorCodesTimeout, null, when.Location));
                    continue;
                case "resultOk" when PlaywellExpressions.WithoutTrueParts(condition.Text) is null:
                    // The action succeeded: its own flow (a default where other conditions are tested).
                    gateway ??= Gateway(name, action);
                    _edges.Add(Edge(gateway, target, entry.Location, null) with { IsDefault = true });
                    continue;
            }
            gateway ??= Gateway(name, action);
            _edges.Add(Edge(gateway, target, entry.Location, _source.Expression(condition.Text, condition.Offsets)));
        }
    }

    private const string FlowErrorCodesTimeout = "FLOW_TASK_TIMEOUT";

    /// <summary>The choice after an action's work: a gateway <c>&lt;name&gt;.ctrl</c> the action goes to.</summary>
    private string Gateway(string name, DocMapping action)
    {
        var id = name + ".ctrl";
        _nodes.Add(new FlowNode(id, null, NodeKind.ExclusiveGateway, "ctrl", EquatableArray<NodeProperty>.Empty, action.KeyOf("ctrl")?.Location ?? action.Location));
        _edges.Add(Edge(name, id, action.Location, null));
        return id;
    }

    private void ReadReceive(string name, DocNode? args, DocMapping action)
    {
        var entries = (args as DocSequence)?.Items.OfType<DocMapping>().ToList() ?? [];
        if (entries.Count == 0)
        {
            _documents.Shape((args ?? action).Location, $"Receive action '{name}' lists nothing to wait for", "list the events (when: eventTypeIs(\"...\")) and times (after: timestamp(\"1 days\"))");
            return;
        }
        foreach (var (entry, index) in entries.Select((e, i) => (e, i)))
        {
            _documents.CheckKeys(entry, EntryKeys, $"an entry of receive action '{name}'");
            var arm = name + "." + (index + 1).ToString(CultureInfo.InvariantCulture);
            var then = entry["then"] as DocScalar;
            var target = then is null ? null : Target(then);
            if (target is null)
            {
                if (then is null) _documents.Shape(entry.Location, $"An entry of receive action '{name}' has no 'then'", "say where it goes: then: call(\"...\")");
                continue;
            }
            if (entry["after"] is DocScalar after)
            {
                var duration = Translate(after, new PlaywellExpressions.Scope("event"))?.Text;
                if (duration is null || !Regex.IsMatch(duration, @"^\d+(ms|s|m|h|d)$"))
                {
                    _documents.Shape(after.Location, $"'after' of receive action '{name}' is not a time FlowGen reads", "write after: timestamp(\"10 seconds\")");
                    continue;
                }
                _nodes.Add(new FlowNode(arm, null, NodeKind.TimerCatch, "after", new[] { new NodeProperty("duration", duration, after.Location) }.ToEquatableArray(), entry.Location));
                _edges.Add(Edge(name, arm, entry.Location, null));
                _edges.Add(Edge(arm, WithVars(arm + ".vars", entry["context_vars"], new PlaywellExpressions.Scope("event"), target, entry.Location), entry.Location, null));
                continue;
            }
            if (entry["when"] is not DocScalar when || Translate(when, new PlaywellExpressions.Scope("event")) is not { } condition) continue;
            if (condition.EventTypes.Count != 1)
            {
                _documents.Shape(when.Location, $"An entry of receive action '{name}' names {condition.EventTypes.Count} event types", "name the event it waits for with eventTypeIs(\"...\")");
                continue;
            }
            // The event is written to sta.<arm> so that the entry's context_vars can read it after the wait.
            var to = "sta." + Regex.Replace(arm, @"[^A-Za-z0-9_]", "_");
            var properties = new List<NodeProperty> { new("event", condition.EventTypes[0], when.Location), new("to", to, when.Location) };
            if (_keyAttribute is not null) properties.Add(new NodeProperty("key", "event." + PlaywellExpressions.Member(_keyAttribute), when.Location));
            _nodes.Add(new FlowNode(arm, null, NodeKind.MessageCatch, "on", properties.ToEquatableArray(), entry.Location));
            _edges.Add(Edge(name, arm, entry.Location, PlaywellExpressions.WithoutTrueParts(condition.Text) is null ? null : _source.Expression(condition.Text, condition.Offsets)));
            _edges.Add(Edge(arm, WithVars(arm + ".vars", entry["context_vars"], new PlaywellExpressions.Scope(to), target, entry.Location), entry.Location, null));
        }
    }

    /// <summary>An entry's context_vars: a set node in front of its target (the target itself when there are none).</summary>
    private string WithVars(string id, DocNode? vars, PlaywellExpressions.Scope scope, string target, LocationInfo at)
    {
        var sets = ContextVars(vars, scope);
        if (sets.Count == 0) return target;
        _nodes.Add(new FlowNode(id, null, NodeKind.ServiceTask, "context_vars", EquatableArray<NodeProperty>.Empty, vars!.Location) { Assignments = sets.ToEquatableArray() });
        _edges.Add(Edge(id, target, at, null));
        return id;
    }

    private List<FlowAssignment> ContextVars(DocNode? vars, PlaywellExpressions.Scope scope)
    {
        var sets = new List<FlowAssignment>();
        if (vars is not DocMapping mapping) return sets;
        foreach (var entry in mapping.Entries)
        {
            if (entry.Value is DocScalar { IsNull: false } value && Translate(value, scope) is { } translated)
                sets.Add(new FlowAssignment("var." + entry.Key.Name, entry.Key.Location, _source.Expression(translated.Text, translated.Offsets)));
        }
        return sets;
    }

    /// <summary>A command: call("action"), finish() or fail("CODE"); the node it goes to.</summary>
    private string? Target(DocScalar command)
    {
        var match = Command.Match(command.Value);
        if (!match.Success)
        {
            _documents.Shape(command.Location, $"'{command.Value}' is not a command FlowGen reads", "write call(\"action\"), finish() or fail(\"CODE\")");
            return null;
        }
        switch (match.Groups["verb"].Value)
        {
            case "call":
                var action = match.Groups["a"].Value;
                if (_actions.Contains(action)) return action;
                _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.DanglingFlow, command.Location, $"call(\"{action}\")", "call", action));
                return null;
            case "finish":
                return Finish(command.Location);
            default:
                var code = match.Groups["a"].Success && match.Groups["a"].Value.Length > 0 ? match.Groups["a"].Value : "PLAYWELL_FAIL";
                var id = _flowId + ".fail." + code;
                if (!_nodes.Any(n => n.Id == id))
                    _nodes.Add(new FlowNode(id, null, NodeKind.EndEvent, "fail", new[] { new NodeProperty("error-code", code, command.Location) }.ToEquatableArray(), command.Location));
                return id;
        }
    }

    private string Finish(LocationInfo at)
    {
        if (_end is not null) return _end;
        _end = _flowId + ".finish";
        _nodes.Add(new FlowNode(_end, null, NodeKind.EndEvent, "finish", EquatableArray<NodeProperty>.Empty, at));
        return _end;
    }

    private bool UsesResultVar(DocMapping action)
        => action["ctrl"] is DocSequence entries && entries.Items.OfType<DocMapping>().Any(e => e["context_vars"] is DocMapping vars && vars.Entries.Any(v => v.Value is DocScalar s && s.Value.Contains("resultVar(")));

    private PlaywellExpressions.Translation? Translate(DocScalar value, PlaywellExpressions.Scope scope)
    {
        var offsets = value.CharOffsets();
        var (translation, problem) = PlaywellExpressions.Translate(value.Value, offsets, scope);
        if (problem is null) return translation;
        var start = offsets[Math.Min(problem.Start, offsets.Length - 1)];
        var end = offsets[Math.Min(problem.Start + problem.Length, offsets.Length - 1)];
        _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.ScriptNotTranslated, _source.Span(start, Math.Max(start + 1, end)), $"'{value.Value.Trim()}'", problem.Why,
            "compute the value in a C# [FlowTask] and read it with $(\"name\")"));
        return null;
    }

    private FlowEdge Edge(string from, string to, LocationInfo at, ConditionSource? condition)
    {
        var id = from + "->" + to;
        for (var n = 2; _edges.Any(e => e.Id == id); n++) id = from + "->" + to + "#" + n.ToString(CultureInfo.InvariantCulture);
        return new FlowEdge(id, null, from, to, condition, false, at);
    }
}
