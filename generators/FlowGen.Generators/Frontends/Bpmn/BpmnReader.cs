using System.Xml;
using System.Xml.Linq;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Frontends.Bpmn;

/// <summary>
/// Reads a BPMN 2.0 file (Camunda Modeler 4/5, Camunda 7 or 8 extensions) into flow graphs. Depends on the
/// file text only. Reports syntax problems and unsupported elements; structure is checked by Checks/.
/// </summary>
internal static class BpmnReader
{
    public static (EquatableArray<FlowGraph> Graphs, EquatableArray<DiagnosticInfo> Diagnostics) Read(string path, SourceText text, CancellationToken cancellationToken)
    {
        var (graphs, _, diagnostics) = ReadAll(path, text, FlowLimits.Default, cancellationToken);
        return (graphs, diagnostics);
    }

    /// <summary>The processes of a file, the bodies of its subProcess elements (graphs of their own), and the diagnostics.</summary>
    public static (EquatableArray<FlowGraph> Graphs, EquatableArray<FlowGraph> Subprocesses, EquatableArray<DiagnosticInfo> Diagnostics) ReadAll(string path, SourceText text, FlowLimits limits, CancellationToken cancellationToken)
    {
        var subprocesses = new List<FlowGraph>();
        var diagnostics = new List<DiagnosticInfo>();
        var map = new XmlTextMap(path, text, limits);
        XDocument document;
        var content = text.ToString();
        try
        {
            // First a streaming pass that stops at the first element nested deeper than the limit (a file of 100,000
            // unclosed or nested elements is refused at once), then the tree. Neither reads a DTD, an entity or
            // another file: a DOCTYPE is FG0001.
            if (TooDeep(content, limits, cancellationToken) is { } deep)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.NestedTooDeep, map.At(deep.Line, deep.Column), "This BPMN element",
                    Math.Min(limits.MaxNesting, Expressions.ExpressionParser.HardMaxDepth).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
            }
            using var reader = XmlReader.Create(new StringReader(content), SafeSettings(limits));
            document = XDocument.Load(reader, LoadOptions.SetLineInfo | LoadOptions.PreserveWhitespace);
        }
        catch (XmlException ex)
        {
            // A prohibited DTD is reported at its <!DOCTYPE, wherever the reader stopped.
            var doctype = ex.Message.IndexOf("DTD", StringComparison.Ordinal) >= 0 ? content.IndexOf("<!DOCTYPE", StringComparison.OrdinalIgnoreCase) : -1;
            var location = doctype >= 0 ? map.Span(doctype, doctype + "<!DOCTYPE".Length) : map.At(ex.LineNumber, ex.LinePosition);
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MalformedXml, location, TrimXmlMessage(ex.Message)));
            return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
        }

        var root = document.Root!;
        if (root.Name.Namespace.NamespaceName != BpmnNames.Model || root.Name.LocalName != "definitions")
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.NotBpmn, map.StartTag(root), root.Name.ToString()));
            return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, diagnostics.ToEquatableArray());
        }

        var ids = new Dictionary<string, LocationInfo>(StringComparer.Ordinal);
        var graphs = new List<FlowGraph>();
        foreach (var process in root.Elements(XName.Get("process", BpmnNames.Model)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            graphs.Add(ReadProcess(process, map, ids, diagnostics, subprocesses, cancellationToken));
        }

        // The modeler's diagram (BPMN DI), when the file has one: where each element is drawn, for the SVG picture.
        var (shapes, flows) = ReadDiagram(root);
        if (shapes.Count > 0)
        {
            for (var i = 0; i < graphs.Count; i++) graphs[i] = WithDiagram(graphs[i], shapes, flows);
            for (var i = 0; i < subprocesses.Count; i++) subprocesses[i] = WithDiagram(subprocesses[i], shapes, flows);
        }

        return (graphs.ToEquatableArray(), subprocesses.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    /// <summary>
    /// The bounds of every BPMNShape and the waypoints of every BPMNEdge, by the element id they draw. A shape or edge
    /// with a coordinate that is not a finite number is left out (the picture then lays the flow out itself).
    /// </summary>
    private static (Dictionary<string, DiagramBounds> Shapes, Dictionary<string, double[]> Flows) ReadDiagram(XElement root)
    {
        var shapes = new Dictionary<string, DiagramBounds>(StringComparer.Ordinal);
        var flows = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var diagram in root.Elements(XName.Get("BPMNDiagram", BpmnNames.Diagram)))
        {
            foreach (var element in diagram.Descendants())
            {
                if (element.Name.Namespace.NamespaceName != BpmnNames.Diagram || element.Attribute("bpmnElement")?.Value is not { Length: > 0 } id) continue;
                if (element.Name.LocalName == "BPMNShape" && element.Element(XName.Get("Bounds", BpmnNames.Bounds)) is { } bounds
                    && Number(bounds, "x") is { } x && Number(bounds, "y") is { } y && Number(bounds, "width") is { } width && Number(bounds, "height") is { } height)
                {
                    shapes[id] = new DiagramBounds(x, y, width, height);
                }
                else if (element.Name.LocalName == "BPMNEdge")
                {
                    var points = new List<double>();
                    foreach (var point in element.Elements(XName.Get("waypoint", BpmnNames.Waypoint)))
                    {
                        if (Number(point, "x") is not { } px || Number(point, "y") is not { } py)
                        {
                            points.Clear();
                            break;
                        }
                        points.Add(px);
                        points.Add(py);
                    }
                    if (points.Count >= 4) flows[id] = points.ToArray();
                }
            }
        }
        return (shapes, flows);

        static double? Number(XElement element, string name)
            => double.TryParse(element.Attribute(name)?.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
               && !double.IsNaN(value) && !double.IsInfinity(value) && Math.Abs(value) < 1e7 ? value : null;
    }

    private static FlowGraph WithDiagram(FlowGraph graph, Dictionary<string, DiagramBounds> shapes, Dictionary<string, double[]> flows)
        => graph with
        {
            Nodes = graph.Nodes.Select(n => shapes.TryGetValue(n.Id, out var bounds) ? n with { Bounds = bounds } : n).ToEquatableArray(),
            Edges = graph.Edges.Select(e => flows.TryGetValue(e.Id, out var points) ? e with { Waypoints = points.ToEquatableArray() } : e).ToEquatableArray(),
        };

    /// <summary>
    /// How flow files are read: no DTD (a DOCTYPE is an error, so no entity is ever expanded and no external file or
    /// URL is ever opened), no resolver, and no more characters than the file-size limit.
    /// </summary>
    internal static XmlReaderSettings SafeSettings(FlowLimits limits) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 0,
        MaxCharactersInDocument = limits.MaxFileSize,
        IgnoreWhitespace = false,
    };

    /// <summary>The line and column of the first element nested deeper than the limit, or null.</summary>
    private static (int Line, int Column)? TooDeep(string content, FlowLimits limits, CancellationToken cancellationToken)
    {
        var limit = Math.Min(limits.MaxNesting, Expressions.ExpressionParser.HardMaxDepth);
        using var reader = XmlReader.Create(new StringReader(content), SafeSettings(limits));
        var info = (IXmlLineInfo)reader;
        var count = 0;
        while (reader.Read())
        {
            if ((++count & 0xFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (reader.NodeType == XmlNodeType.Element && reader.Depth >= limit) return (info.LineNumber, info.LinePosition);
        }
        return null;
    }

    private static FlowGraph ReadProcess(XElement process, XmlTextMap map, Dictionary<string, LocationInfo> ids, List<DiagnosticInfo> diagnostics, List<FlowGraph> subprocesses, CancellationToken cancellationToken)
    {
        // Elements that sequence flows of this scope connect: a subProcess among them runs in place.
        var connected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var flow in process.Elements(XName.Get("sequenceFlow", BpmnNames.Model)))
        {
            if (flow.Attribute("sourceRef")?.Value is { } source) connected.Add(source);
            if (flow.Attribute("targetRef")?.Value is { } target) connected.Add(target);
        }
        var nodes = new List<FlowNode>();
        var edges = new List<FlowEdge>();
        var definesSubprocesses = false;
        var defaults = new HashSet<string>(StringComparer.Ordinal);
        var boundaries = new List<Boundary>();
        var processLocation = map.StartTag(process);
        var processId = RegisterId(process, map, ids, diagnostics) ?? "";

        // First pass: which sequence flows are some node's default.
        foreach (var element in process.Elements())
        {
            if (element.Attribute("default")?.Value is { Length: > 0 } defaultFlow) defaults.Add(defaultFlow);
        }

        foreach (var element in process.Elements())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (element.Name.Namespace.NamespaceName != BpmnNames.Model) continue;
            var local = element.Name.LocalName;
            if (BpmnNames.IgnoredChildren.Contains(local)) continue;
            // A subProcess's multi-instance is read with the subProcess node (a foreach), not as a node of its body.
            if (local == "multiInstanceLoopCharacteristics" && process.Name.LocalName == "subProcess") continue;

            var location = map.StartTag(element);
            if (BpmnNames.NotYetSupported.TryGetValue(local, out var hint))
            {
                var id = RegisterId(element, map, ids, diagnostics);
                // Nested elements of a subprocess keep their ids unique in the file too.
                foreach (var nested in element.Descendants().Where(d => d.Name.Namespace.NamespaceName == BpmnNames.Model && d.Attribute("id") is not null))
                    RegisterId(nested, map, ids, diagnostics);
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedElement, location, Describe(local, id, element.Attribute("name")?.Value), hint));
                if (id is not null) nodes.Add(new FlowNode(id, element.Attribute("name")?.Value, NodeKind.ServiceTask, local, EquatableArray<NodeProperty>.Empty, location) { IsUnsupported = true });
                continue;
            }

            if (local == "subProcess")
            {
                var body = ReadProcess(element, map, ids, diagnostics, subprocesses, cancellationToken) with
                {
                    Name = element.Attribute("name")?.Value,
                    Properties = ReadProperties(element, map),
                };
                var id = body.ProcessId;
                if (id.Length == 0) continue;
                subprocesses.Add(body);
                // Connected: a node of this graph. Unconnected: a definition that call activities name (Kstry's use).
                if (connected.Contains(id))
                {
                    var properties = ReadProperties(element, map).ToList();
                    CamundaDialect.ReadSubprocess(element, Describe(local, id, element.Attribute("name")?.Value), properties, map, diagnostics);
                    nodes.Add(new FlowNode(id, element.Attribute("name")?.Value, NodeKind.SubProcess, local, properties.ToEquatableArray(), location) { Assignments = ReadAssignments(element, map) });
                }
                else
                    definesSubprocesses = true;
                continue;
            }

            if (local == "callActivity")
            {
                var id = RegisterId(element, map, ids, diagnostics);
                if (id is null) continue;
                var properties = ReadProperties(element, map).ToList();
                CamundaDialect.Read(element, Describe(local, id, element.Attribute("name")?.Value), properties, map, diagnostics);
                var called = element.Attribute("calledElement")?.Value
                    ?? element.Elements().FirstOrDefault(e => e.Name.LocalName == "extensionElements")?.Elements()
                        .FirstOrDefault(e => e.Name.NamespaceName == BpmnNames.Zeebe && e.Name.LocalName == "calledElement")?.Attribute("processId")?.Value;
                properties.Insert(0, new NodeProperty("called-element", called ?? "", location));
                nodes.Add(new FlowNode(id, element.Attribute("name")?.Value, NodeKind.CallActivity, local, properties.ToEquatableArray(), location) { Assignments = ReadAssignments(element, map) });
                continue;
            }

            if (local == "boundaryEvent")
            {
                var id = RegisterId(element, map, ids, diagnostics);
                if (id is null) continue;
                if (ReadBoundary(element, id, map, diagnostics) is { } boundary)
                {
                    boundaries.Add(boundary);
                    // Where the timer's path leaves from: an exclusive gateway after the task (see LowerBoundaries).
                    nodes.Add(new FlowNode(id, element.Attribute("name")?.Value, NodeKind.ExclusiveGateway, local, EquatableArray<NodeProperty>.Empty, location));
                }
                else
                {
                    nodes.Add(new FlowNode(id, element.Attribute("name")?.Value, NodeKind.ServiceTask, local, EquatableArray<NodeProperty>.Empty, location) { IsUnsupported = true });
                }
                continue;
            }

            if (local == "sequenceFlow")
            {
                var id = RegisterId(element, map, ids, diagnostics);
                if (id is null) continue;
                edges.Add(ReadSequenceFlow(element, id, defaults.Contains(id), map, location));
                continue;
            }

            NodeKind? kind = local switch
            {
                "startEvent" => NodeKind.StartEvent,
                "endEvent" => NodeKind.EndEvent,
                "serviceTask" or "task" => NodeKind.ServiceTask,
                // Publishes an event (docs/events.md): a send task, or a message throw event.
                "sendTask" or "intermediateThrowEvent" => NodeKind.ServiceTask,
                "exclusiveGateway" => NodeKind.ExclusiveGateway,
                "parallelGateway" => NodeKind.ParallelGateway,
                "inclusiveGateway" => NodeKind.InclusiveGateway,
                // Durable flows: waits for a message or a time.
                "receiveTask" => NodeKind.MessageCatch,
                "intermediateCatchEvent" => NodeKind.MessageCatch, // a timer definition makes it a TimerCatch below
                "eventBasedGateway" => NodeKind.EventGateway,
                _ => null,
            };

            var nodeId = RegisterId(element, map, ids, diagnostics);
            if (kind is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedElement, location, Describe(local, nodeId, element.Attribute("name")?.Value), ""));
                if (nodeId is not null) nodes.Add(new FlowNode(nodeId, element.Attribute("name")?.Value, NodeKind.ServiceTask, local, EquatableArray<NodeProperty>.Empty, location) { IsUnsupported = true });
                continue;
            }

            // Events with a definition (timer, message, error, terminate...) are not plain start/end events.
            var eventDefinition = element.Elements().FirstOrDefault(e => e.Name.Namespace.NamespaceName == BpmnNames.Model && e.Name.LocalName.EndsWith("EventDefinition", StringComparison.Ordinal));
            var nodeProperties = ReadProperties(element, map);
            var cannotRun = false;
            if (local is "serviceTask" or "task")
            {
                var withDialect = nodeProperties.ToList();
                cannotRun = CamundaDialect.Read(element, Describe(local, nodeId, element.Attribute("name")?.Value), withDialect, map, diagnostics);
                nodeProperties = withDialect.ToEquatableArray();
            }
            if (eventDefinition is not null && local == "endEvent" && eventDefinition.Name.LocalName == "errorEventDefinition")
            {
                // An error end event: the run ends with the error's code (errorCode, else its name, else its id, else the end event's id).
                var errorRef = eventDefinition.Attribute("errorRef")?.Value;
                var error = errorRef is null ? null : element.Document!.Root!.Elements(XName.Get("error", BpmnNames.Model)).FirstOrDefault(e => e.Attribute("id")?.Value == errorRef);
                // Without an error (Camunda Modeler before one is picked) the end still fails the run: its code is the end event's id.
                var code = error?.Attribute("errorCode")?.Value is { Length: > 0 } c ? c : error?.Attribute("name")?.Value is { Length: > 0 } n ? n : errorRef ?? nodeId;
                var list = nodeProperties.ToList();
                if (code is { Length: > 0 } && list.All(p => p.Name != "error-code")) list.Add(new NodeProperty("error-code", code, map.StartTag(eventDefinition)));
                if (error?.Attribute("name")?.Value is { Length: > 0 } errorName && list.All(p => p.Name != "error-message")) list.Add(new NodeProperty("error-message", errorName, map.StartTag(eventDefinition)));
                nodeProperties = list.ToEquatableArray();
                eventDefinition = null;
            }
            if (local == "sendTask" || (local == "intermediateThrowEvent" && eventDefinition?.Name.LocalName == "messageEventDefinition"))
            {
                // A publish: the message's name is the event, input:event.<member> properties its members.
                var published = WithMessage(local == "sendTask" ? element : eventDefinition!, EquatableArray<NodeProperty>.Empty, map, location);
                var list = nodeProperties.ToList();
                if (published.FirstOrDefault(p => p.Name == "event") is { } name) list.Add(new NodeProperty(Checks.TaskInputs.PublishSetting, name.Value, name.Location));
                else diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedElement, location, Describe(local, nodeId, element.Attribute("name")?.Value),
                    " without a message (give it a bpmn:message whose name is the event it publishes)"));
                nodeProperties = list.ToEquatableArray();
                eventDefinition = null;
            }
            else if (local == "intermediateThrowEvent")
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedElement, location, Describe(local, nodeId, element.Attribute("name")?.Value),
                    " without a message definition (a throw event publishes a message: give it a messageEventDefinition)"));
                if (nodeId is not null) nodes.Add(new FlowNode(nodeId, element.Attribute("name")?.Value, NodeKind.ServiceTask, local, EquatableArray<NodeProperty>.Empty, location) { IsUnsupported = true });
                continue;
            }
            else if (local == "receiveTask" || (eventDefinition?.Name.LocalName == "messageEventDefinition" && local is "intermediateCatchEvent" or "startEvent"))
            {
                // A message wait (or a start on a message: a triggered flow): the message's name is the event name.
                nodeProperties = WithMessage(local == "receiveTask" ? element : eventDefinition!, nodeProperties, map, location);
                eventDefinition = null;
            }
            else if (eventDefinition?.Name.LocalName == "timerEventDefinition" && local == "intermediateCatchEvent")
            {
                kind = NodeKind.TimerCatch;
                nodeProperties = WithTimer(eventDefinition, nodeProperties, map);
                eventDefinition = null;
            }
            else if (local == "intermediateCatchEvent" && eventDefinition is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedElement, location,
                    Describe(local, nodeId, element.Attribute("name")?.Value), " without a message or timer definition (give it one: a catch event waits for a message or a time)"));
                if (nodeId is not null) nodes.Add(new FlowNode(nodeId, element.Attribute("name")?.Value, NodeKind.ServiceTask, local, EquatableArray<NodeProperty>.Empty, location) { IsUnsupported = true });
                continue;
            }
            if (eventDefinition is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedElement, map.StartTag(eventDefinition),
                    $"{eventDefinition.Name.LocalName} on {local} '{nodeId}'", local switch
                    {
                        "intermediateCatchEvent" => " (a catch event waits for a message or a timer)",
                        "startEvent" => " (a start event is plain, or starts on a message)",
                        "endEvent" => " (an end event is plain, or ends with an error)",
                        _ => $" (a {local} takes no event definition)",
                    }));
                // An unsupported catch is not a wait: it must not make the flow durable.
                kind = NodeKind.ServiceTask;
            }

            if (nodeId is null) continue;
            nodes.Add(new FlowNode(nodeId, element.Attribute("name")?.Value, kind.Value, local, nodeProperties, location)
            {
                IsUnsupported = eventDefinition is not null || cannotRun,
                Assignments = ReadAssignments(element, map),
                Inputs = ReadAssignments(element, map, InputPrefix),
            });
        }

        LowerBoundaries(boundaries, nodes, edges, map, diagnostics);
        return new FlowGraph(processId, map.Path, nodes.ToEquatableArray(), edges.ToEquatableArray(), processLocation) { DefinesSubprocesses = definesSubprocesses };
    }

    private static FlowEdge ReadSequenceFlow(XElement element, string id, bool isDefault, XmlTextMap map, LocationInfo location)
    {
        ConditionSource? condition = null;
        var conditionElement = element.Element(XName.Get("conditionExpression", BpmnNames.Model));
        if (conditionElement is not null)
        {
            var (raw, offsets) = map.Content(conditionElement);
            // Trim surrounding whitespace, and Camunda 8's FEEL marker '=' that starts an expression.
            var start = 0;
            var end = raw.Length;
            while (start < end && char.IsWhiteSpace(raw[start])) start++;
            while (end > start && char.IsWhiteSpace(raw[end - 1])) end--;
            var feel = start < end && raw[start] == '=' && (start + 1 == end || raw[start + 1] != '=');
            if (feel) start++;
            var conditionText = raw.Substring(start, end - start);
            var charOffsets = new int[conditionText.Length + 1];
            Array.Copy(offsets, start, charOffsets, 0, conditionText.Length + 1);
            var parts = map.Locate(charOffsets);
            var conditionLocation = conditionText.Length == 0 ? map.StartTag(conditionElement) : map.Span(charOffsets[0], charOffsets[conditionText.Length]);
            var parsed = ExpressionParser.Parse(conditionText, map.Limits);
            // JUEL (${...}) or FEEL that FlowGen's language does not read: one error that shows the condition rewritten.
            if (CamundaDialect.ForeignCondition(conditionText, feel, parsed.Errors.IsEmpty) is { } foreign)
                parsed = new ParsedCondition(conditionText, null, null, new[] { new ExpressionError("FG0501", 0, conditionText.Length, foreign) }.ToEquatableArray());
            condition = new ConditionSource(
                conditionText,
                parsed,
                conditionLocation,
                charOffsets.ToEquatableArray(),
                parts.Lines.ToEquatableArray(),
                parts.Columns.ToEquatableArray());
        }

        return new FlowEdge(
            id,
            element.Attribute("name")?.Value,
            element.Attribute("sourceRef")?.Value ?? "",
            element.Attribute("targetRef")?.Value ?? "",
            condition,
            isDefault,
            location);
    }

    /// <summary>A timer boundary event on a task: its id, the task, the timeout and where its duration is written.</summary>
    private sealed record Boundary(string Id, string TaskId, int Milliseconds, LocationInfo DurationLocation, LocationInfo Location)
    {
        /// <summary>An error boundary event (an error route): it has no timeout.</summary>
        public bool IsError { get; init; }

        /// <summary>For an error boundary: the errorCode of the error it names, or null to catch every error.</summary>
        public string? ErrorCode { get; init; }
    }

    /// <summary>
    /// An interrupting timer boundary event with a timeDuration (Camunda's "the task took too long: go this way").
    /// Anything else on a boundary (an error, a message, a non-interrupting timer, a date or cycle) is FG0003.
    /// </summary>
    private static Boundary? ReadBoundary(XElement element, string id, XmlTextMap map, List<DiagnosticInfo> diagnostics)
    {
        var location = map.StartTag(element);
        var attached = element.Attribute("attachedToRef")?.Value;
        var definition = element.Elements().FirstOrDefault(e => e.Name.Namespace.NamespaceName == BpmnNames.Model && e.Name.LocalName.EndsWith("EventDefinition", StringComparison.Ordinal));
        string? why = null;
        XElement? duration = null;
        if (definition?.Name.LocalName == "errorEventDefinition" && !string.IsNullOrEmpty(attached))
        {
            // An error boundary event: the task's failure goes its way (an error route); with an errorCode, only failures with that code.
            var errorRef = definition.Attribute("errorRef")?.Value;
            var error = errorRef is null ? null : element.Document!.Root!.Elements(XName.Get("error", BpmnNames.Model)).FirstOrDefault(e => e.Attribute("id")?.Value == errorRef);
            var code = error?.Attribute("errorCode")?.Value is { Length: > 0 } c ? c : null;
            return new Boundary(id, attached!, 0, map.StartTag(definition), location) { IsError = true, ErrorCode = code };
        }
        if (definition?.Name.LocalName != "timerEventDefinition")
            why = $" with {(definition is null ? "no event definition" : "a " + definition.Name.LocalName)} (only timer and error boundary events are supported)";
        else if (string.Equals(element.Attribute("cancelActivity")?.Value, "false", StringComparison.Ordinal))
            why = " that does not interrupt the task (cancelActivity=\"false\"; only interrupting timer boundary events are supported)";
        else if ((duration = definition.Element(XName.Get("timeDuration", BpmnNames.Model))) is null)
            why = " without a timeDuration (a boundary timer says how long the task may take: give it a duration)";
        else if (string.IsNullOrEmpty(attached))
            why = " without attachedToRef";
        if (why is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedElement, location, Describe("boundaryEvent", id, element.Attribute("name")?.Value), why));
            return null;
        }
        var text = duration!.Value.Trim().TrimStart('=').Trim();
        if (!Checks.SettingsChecks.TryDuration(text, out var span) || span <= TimeSpan.Zero || span.TotalMilliseconds > 86_400_000)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, map.StartTag(duration), Describe("boundaryEvent", id, element.Attribute("name")?.Value), "timeDuration", text,
                "a boundary timer's duration must be an ISO 8601 duration (PT30S, PT5M) from 1 ms to one day; fix the value").WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
            return null;
        }
        return new Boundary(id, attached!, (int)Math.Max(1, span.TotalMilliseconds), map.StartTag(duration), location);
    }

    /// <summary>
    /// A timer boundary event B on task T becomes: T with the timeout and on-timeout=continue, then an exclusive gateway
    /// B whose flow to the timer's path is taken when @timedOut('T'), and whose default flow is T's own.
    /// </summary>
    private static void LowerBoundaries(List<Boundary> boundaries, List<FlowNode> nodes, List<FlowEdge> edges, XmlTextMap map, List<DiagnosticInfo> diagnostics)
    {
        // Each boundary's gateway goes before those lowered earlier on the same task, so the one lowered last is asked
        // first: error boundaries that take every code are lowered first, so that those naming a code are asked before them.
        foreach (var boundary in boundaries.OrderBy(b => b.IsError && b.ErrorCode is not null ? 1 : 0))
        {
            var taskIndex = nodes.FindIndex(n => n.Id == boundary.TaskId);
            var task = taskIndex < 0 ? null : nodes[taskIndex];
            var ownFlows = edges.Where(e => e.SourceId == boundary.TaskId).ToList();
            var timerFlows = edges.Where(e => e.SourceId == boundary.Id).ToList();
            string? why = null;
            if (task is null || task.Kind != NodeKind.ServiceTask || task.IsUnsupported) why = $"it is attached to '{boundary.TaskId}', which is not a service task of this process";
            else if (ownFlows.Count != 1) why = $"its task '{boundary.TaskId}' has {ownFlows.Count} outgoing sequence flows; a task with a boundary timer must have exactly one (put a gateway after it)";
            else if (timerFlows.Count != 1) why = $"it has {timerFlows.Count} outgoing sequence flows; give it exactly one";
            else if (!boundary.IsError && (task.FindProperty("timeout") is not null || task.FindProperty("on-timeout") is not null)) why = $"its task '{boundary.TaskId}' has a timeout property too; keep one of the two";
            else if (boundary.IsError && Checks.SettingsChecks.IsFalse(task.GetProperty("strict-mode"))) why = $"its task '{boundary.TaskId}' has strict-mode=false, which goes on after a failure; keep one of the two";
            if (why is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedElement, boundary.Location, $"boundaryEvent '{boundary.Id}'", " here: " + why));
                var gateway = nodes.FindIndex(n => n.Id == boundary.Id);
                nodes[gateway] = nodes[gateway] with { IsUnsupported = true };
                continue;
            }
            string text;
            if (boundary.IsError)
            {
                // Every error boundary of the task counts: error-codes only when each of them names a code.
                var codes = boundaries.Where(b => b.IsError && b.TaskId == boundary.TaskId).Select(b => b.ErrorCode).ToList();
                nodes[taskIndex] = task! with { Properties = ErrorRoutes.WithCatch(task, codes, boundary.DurationLocation) };
                text = ErrorRoutes.ConditionText(boundary.TaskId, boundary.ErrorCode);
            }
            else
            {
                var properties = task!.Properties.ToList();
                properties.Add(new NodeProperty("timeout", boundary.Milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), boundary.DurationLocation));
                properties.Add(new NodeProperty("on-timeout", "continue", boundary.DurationLocation));
                nodes[taskIndex] = task with { Properties = properties.ToEquatableArray() };
                text = $"@timedOut('{boundary.TaskId}')";
            }

            // T -> B; B -> the boundary's path when T timed out (or failed into it); B -> T's own path by default.
            var own = ownFlows[0];
            edges[edges.IndexOf(own)] = own with { SourceId = boundary.Id, IsDefault = true, Condition = null };
            var condition = ErrorRoutes.Condition(text, boundary.Location, map.Limits);
            var timer = timerFlows[0];
            edges[edges.IndexOf(timer)] = timer with { Condition = condition, IsDefault = false };
            edges.Add(new FlowEdge(boundary.TaskId + "->" + boundary.Id, null, boundary.TaskId, boundary.Id, null, false, boundary.Location));
        }
    }

    /// <summary>
    /// The event a message wait (or message start) takes: the name of the message its messageRef names (else the
    /// reference itself), and the correlation path from a zeebe:subscription correlationKey (<c>=orderId</c> reads
    /// the event's orderId). camunda:properties event and key win.
    /// </summary>
    private static EquatableArray<NodeProperty> WithMessage(XElement holder, EquatableArray<NodeProperty> properties, XmlTextMap map, LocationInfo location)
    {
        var list = properties.ToList();
        var messageRef = holder.Attribute("messageRef")?.Value;
        var message = messageRef is null ? null : holder.Document!.Root!.Elements(XName.Get("message", BpmnNames.Model)).FirstOrDefault(m => m.Attribute("id")?.Value == messageRef);
        var name = message?.Attribute("name")?.Value is { Length: > 0 } n ? n : messageRef;
        var at = message is null ? location : map.StartTag(message);
        if (name is not null && list.All(p => p.Name != "event")) list.Add(new NodeProperty("event", name, at));
        var subscription = message?.Element(XName.Get("extensionElements", BpmnNames.Model))?.Elements()
            .FirstOrDefault(e => e.Name.NamespaceName == BpmnNames.Zeebe && e.Name.LocalName == "subscription");
        if (subscription?.Attribute("correlationKey")?.Value is { Length: > 0 } key && list.All(p => p.Name != "key"))
        {
            key = key.TrimStart('=').Trim();
            list.Add(new NodeProperty("key", key.StartsWith("event.", StringComparison.Ordinal) ? key : "event." + key, map.StartTag(subscription)));
        }
        return list.ToEquatableArray();
    }

    /// <summary>A timer catch's wait: timeDuration (ISO 8601, PT10M) becomes <c>duration</c>, timeDate <c>date</c>.</summary>
    private static EquatableArray<NodeProperty> WithTimer(XElement definition, EquatableArray<NodeProperty> properties, XmlTextMap map)
    {
        var list = properties.ToList();
        foreach (var (element, setting) in new[] { ("timeDuration", "duration"), ("timeDate", "date") })
        {
            var value = definition.Element(XName.Get(element, BpmnNames.Model));
            if (value is null || list.Any(p => p.Name == setting)) continue;
            list.Add(new NodeProperty(setting, value.Value.Trim().TrimStart('=').Trim(), map.StartTag(value)));
        }
        if (definition.Element(XName.Get("timeCycle", BpmnNames.Model)) is { } cycle && list.All(p => p.Name is not ("duration" or "date")))
            list.Add(new NodeProperty("time-cycle", cycle.Value.Trim().TrimStart('=').Trim(), map.StartTag(cycle)));
        return list.ToEquatableArray();
    }

    /// <summary>camunda:properties and zeebe:properties, in document order; zeebe:taskDefinition's type is task-service.</summary>
    private static EquatableArray<NodeProperty> ReadProperties(XElement element, XmlTextMap map)
    {
        var extensions = element.Element(XName.Get("extensionElements", BpmnNames.Model));
        if (extensions is null) return EquatableArray<NodeProperty>.Empty;
        var properties = new List<NodeProperty>();
        foreach (var container in extensions.Elements())
        {
            var ns = container.Name.NamespaceName;
            if (ns != BpmnNames.Camunda && ns != BpmnNames.Zeebe) continue;
            if (container.Name.LocalName == "properties")
            {
                foreach (var property in container.Elements(XName.Get("property", ns)))
                {
                    var name = property.Attribute("name")?.Value;
                    if (string.IsNullOrEmpty(name) || name!.StartsWith(SetPrefix, StringComparison.Ordinal) || name.StartsWith(InputPrefix, StringComparison.Ordinal)) continue; // an assignment or input (ReadAssignments)
                    properties.Add(new NodeProperty(name!, property.Attribute("value")?.Value ?? "", map.StartTag(property)));
                }
            }
            else if (ns == BpmnNames.Zeebe && container.Name.LocalName == "taskDefinition" && container.Attribute("type")?.Value is { Length: > 0 } type)
            {
                properties.Add(new NodeProperty("task-service", type, map.StartTag(container)));
            }
        }
        return properties.ToEquatableArray();
    }

    /// <summary>The prefix of a property that is an assignment: <c>set:var.total</c> with the expression as its value.</summary>
    internal const string SetPrefix = "set:";

    /// <summary>The prefix of a property that is a task input: <c>input:order.id</c> (or <c>input:priority</c>) with the expression as its value.</summary>
    internal const string InputPrefix = "input:";

    /// <summary>
    /// The element's assignments: camunda:/zeebe:properties named <c>set:&lt;bus value&gt;</c> (<c>set:var.total</c>) whose
    /// value is the expression, in document order, each character of it mapped to its place in the file.
    /// </summary>
    private static EquatableArray<FlowAssignment> ReadAssignments(XElement element, XmlTextMap map, string prefix = SetPrefix)
    {
        var extensions = element.Element(XName.Get("extensionElements", BpmnNames.Model));
        if (extensions is null) return EquatableArray<FlowAssignment>.Empty;
        var assignments = new List<FlowAssignment>();
        foreach (var container in extensions.Elements().Where(c => c.Name.LocalName == "properties" && c.Name.NamespaceName is BpmnNames.Camunda or BpmnNames.Zeebe))
        {
            foreach (var property in container.Elements(XName.Get("property", container.Name.NamespaceName)))
            {
                var name = property.Attribute("name")?.Value;
                if (name is null || !name.StartsWith(prefix, StringComparison.Ordinal)) continue;
                var tag = map.StartTag(property);
                var (text, offsets) = map.AttributeContent(property, "value") ?? ("", new[] { tag.Start + tag.Length - 1 });
                // Surrounding white space is not part of the expression.
                var start = 0;
                var end = text.Length;
                while (start < end && char.IsWhiteSpace(text[start])) start++;
                while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
                var trimmed = text.Substring(start, end - start);
                var charOffsets = new int[trimmed.Length + 1];
                Array.Copy(offsets, start, charOffsets, 0, trimmed.Length + 1);
                var parts = map.Locate(charOffsets);
                var location = trimmed.Length == 0 ? tag : map.Span(charOffsets[0], charOffsets[trimmed.Length]);
                var value = new ConditionSource(trimmed, ExpressionParser.Parse(trimmed, map.Limits), location,
                    charOffsets.ToEquatableArray(), parts.Lines.ToEquatableArray(), parts.Columns.ToEquatableArray());
                assignments.Add(new FlowAssignment(name.Substring(prefix.Length).Trim(), tag, value));
            }
        }
        return assignments.ToEquatableArray();
    }

    private static string? RegisterId(XElement element, XmlTextMap map, Dictionary<string, LocationInfo> ids, List<DiagnosticInfo> diagnostics)
    {
        var id = element.Attribute("id")?.Value;
        var location = map.StartTag(element);
        if (string.IsNullOrEmpty(id))
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MissingId, location, element.Name.LocalName));
            return null;
        }
        if (ids.TryGetValue(id!, out var first))
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.DuplicateId, location, id!, $"line {location.StartLine + 1}", $"line {first.StartLine + 1}").WithAdditional(first));
            return null;
        }
        ids.Add(id!, location);
        return id;
    }

    private static string Describe(string element, string? id, string? name)
        => id is null ? element : name is { Length: > 0 } ? $"{element} '{id}' ({FlowNode.OneLine(name)})" : $"{element} '{id}'";

    private static string TrimXmlMessage(string message)
    {
        // XmlReader's own words about a prohibited DTD tell the reader to turn DTD processing on: say what to do instead.
        if (message.IndexOf("DTD", StringComparison.Ordinal) >= 0)
            return "the file has a DOCTYPE (a DTD), which a flow file may not have: FlowGen never reads a DTD, expands its entities or opens the files it names. Remove the <!DOCTYPE ...> declaration (BPMN files never need one)";
        var index = message.IndexOf(" Line ", StringComparison.Ordinal);
        return (index > 0 ? message.Substring(0, index) : message).TrimEnd('.', ' ');
    }
}
