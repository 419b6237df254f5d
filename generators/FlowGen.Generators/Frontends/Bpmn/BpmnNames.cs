namespace FlowGen.Generators.Frontends.Bpmn;

/// <summary>XML namespaces FlowGen reads, matched by URI (never by prefix: a file may bind any prefix).</summary>
internal static class BpmnNames
{
    public const string Model = "http://www.omg.org/spec/BPMN/20100524/MODEL";
    public const string Diagram = "http://www.omg.org/spec/BPMN/20100524/DI";
    public const string Bounds = "http://www.omg.org/spec/DD/20100524/DC";
    public const string Waypoint = "http://www.omg.org/spec/DD/20100524/DI";
    public const string Camunda = "http://camunda.org/schema/1.0/bpmn";
    public const string Zeebe = "http://camunda.org/schema/zeebe/1.0";

    /// <summary>Children of a process that describe or draw a flow but do not change what it does: skipped.</summary>
    public static readonly HashSet<string> IgnoredChildren = new(StringComparer.Ordinal)
    {
        // documentation and diagram-only artefacts: they do not change what a flow does
        "documentation", "extensionElements", "textAnnotation", "association", "group", "laneSet",
        "incoming", "outgoing", "text", "category", "dataObject", "dataObjectReference",
        "dataStoreReference", "dataInputAssociation", "dataOutputAssociation", "ioSpecification", "property",
    };

    /// <summary>Elements of the BPMN model that FlowGen knows but does not support yet, with a hint.</summary>
    public static readonly Dictionary<string, string> NotYetSupported = new(StringComparer.Ordinal)
    {
        ["adHocSubProcess"] = "",
        ["transaction"] = "",
        ["userTask"] = " (FlowGen runs service flows without people in the loop)",
        ["manualTask"] = "",
        ["scriptTask"] = " (FlowGen calls C# methods instead of scripts: use a serviceTask bound to a [FlowTask] method)",
        ["businessRuleTask"] = "",
        ["complexGateway"] = "",
    };
}
