using Xunit;

namespace FlowGen.Generators.Tests.Generator;

/// <summary>Subprocess ids are one namespace across flow files, as in Kstry: a second definition is FG0102.</summary>
public sealed class SubprocessIdTests
{
    private const string Components = """
        using FlowGen;
        namespace Subs;
        public sealed record Request(int A);
        public sealed record Result(int A);
        [FlowComponent("c")] public sealed class C { [FlowTask("t"), ToResult] public Result T(Request r) => new(r.A); }
        [Flow("main")] public sealed partial class Main : IFlow<Request, Result>;
        """;

    private static string Library(string process) => $"""
        <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn">
          <process id="{process}">
            <subProcess id="shared">
              <startEvent id="{process}-s" />
              <serviceTask id="{process}-t"><extensionElements><camunda:properties><camunda:property name="task-component" value="c" /><camunda:property name="task-service" value="t" /></camunda:properties></extensionElements></serviceTask>
              <endEvent id="{process}-e" />
              <sequenceFlow id="{process}-1" sourceRef="{process}-s" targetRef="{process}-t" />
              <sequenceFlow id="{process}-2" sourceRef="{process}-t" targetRef="{process}-e" />
            </subProcess>
          </process>
        </definitions>
        """;

    private const string Main = """
        <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
          <process id="p">
            <startEvent id="main" />
            <callActivity id="call" calledElement="shared" />
            <endEvent id="end" />
            <sequenceFlow id="f1" sourceRef="main" targetRef="call" />
            <sequenceFlow id="f2" sourceRef="call" targetRef="end" />
          </process>
        </definitions>
        """;

    [Fact]
    public void The_same_subprocess_id_in_two_files_is_FG0102_at_the_second()
    {
        var run = GeneratorHarness.RunGenerator(Components,
            new InMemoryText("flows/main.bpmn", Main), new InMemoryText("flows/lib-a.bpmn", Library("a")), new InMemoryText("flows/lib-b.bpmn", Library("b")));
        var error = run.Single("FG0102");
        Assert.Equal("flows/lib-b.bpmn", error.Location.GetLineSpan().Path);
        Assert.Contains("'shared'", error.GetMessage());
        Assert.Contains("lib-a.bpmn line 3 before", error.GetMessage());
        Assert.Equal("flows/lib-a.bpmn", Assert.Single(error.AdditionalLocations).GetLineSpan().Path);
    }

    [Fact]
    public void One_definition_is_no_error()
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/main.bpmn", Main), new InMemoryText("flows/lib-a.bpmn", Library("a")));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
    }
}
