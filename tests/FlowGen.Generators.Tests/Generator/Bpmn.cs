namespace FlowGen.Generators.Tests.Generator;

/// <summary>Small BPMN documents for diagnostic tests, one element per line so that line numbers are easy to assert.</summary>
internal static class Bpmn
{
    public const string Header = """
        <?xml version="1.0" encoding="UTF-8"?>
        <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:c="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d">
        <process id="p">
        """;

    public const string Footer = """
        </process>
        </definitions>
        """;

    /// <summary>Wraps process content; line 4 of the file is the first line of <paramref name="body"/>.</summary>
    public static string Process(string body) => Header + "\n" + body + "\n" + Footer;

    public static string Task(string id, string component, string service, string extra = "")
        => $"""<serviceTask id="{id}"><extensionElements><c:properties><c:property name="task-component" value="{component}" /><c:property name="task-service" value="{service}" />{extra}</c:properties></extensionElements></serviceTask>""";

    public static string Flow(string id, string source, string target, string? condition = null)
        => condition is null
            ? $"""<sequenceFlow id="{id}" sourceRef="{source}" targetRef="{target}" />"""
            : $"""<sequenceFlow id="{id}" sourceRef="{source}" targetRef="{target}"><conditionExpression xsi:type="tFormalExpression">{condition}</conditionExpression></sequenceFlow>""";

    public const string Components = """
        using FlowGen;
        namespace Demo;
        public sealed record Req(int Count, string Source);
        public sealed record Res(int Total);
        [FlowComponent("calc")]
        public sealed class Calc
        {
            [FlowTask("begin"), ToState("total")] public int Begin(Req request) => request.Count;
            [FlowTask("name"), ToState("name")] public string Name() => "x";
            [FlowTask("end"), ToResult] public Res End([FromState("total")] int total) => new(total);
            [FlowTask("needs-text")] public void NeedsText([FromState("total")] string total) { }
            [FlowTask("needs-missing")] public void NeedsMissing(int missing) { }
            [FlowTask("noop")] public void Noop() { }
        }
        [Flow("f")]
        public sealed partial class DemoFlow : IFlow<Req, Res>;
        """;
}
