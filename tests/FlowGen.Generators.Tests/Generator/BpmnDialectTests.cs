using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// What the BPMN front end accepts beyond Camunda 7 files: any prefix, Camunda 8 (zeebe) extensions,
// several processes and start events in one file, names with line breaks, bus writes from the returned type.
public sealed class BpmnDialectTests
{
    private const string Types = """
        using FlowGen;
        namespace Demo;
        public sealed record Req(int Count);
        public interface ISummary { }
        [ToState("summary")] public sealed class Summary : ISummary { [ToVar("size")] public int Size { get; init; } }
        [FlowComponent("calc")]
        public sealed class Calc
        {
            [FlowTask("summarize")] public Summary Summarize(Req request) => new() { Size = request.Count };
            [FlowTask("report"), ToResult] public string Report([FromState("summary")] ISummary summary, [FromVar("size")] long size) => $"{size}";
        }
        [Flow("first")] public sealed partial class FirstFlow : IFlow<Req, string>;
        [Flow("second")] public sealed partial class SecondFlow : IFlow<Req, string>;
        [Flow("third")] public sealed partial class ThirdFlow : IFlow<Req, string>;
        """;

    // Camunda 8 style: a default namespace for BPMN, the zeebe prefix renamed to z, FEEL's leading '='.
    private const string File = """
        <?xml version="1.0" encoding="UTF-8"?>
        <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:z="http://camunda.org/schema/zeebe/1.0" xmlns:m="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
          <process id="one">
            <startEvent id="first" />
            <startEvent id="second" />
            <serviceTask id="sum" name="Summarize&#10;the order"><extensionElements><z:taskDefinition type="summarize" /></extensionElements></serviceTask>
            <m:exclusiveGateway id="big" default="small" />
            <serviceTask id="report"><extensionElements><z:properties><z:property name="task-component" value="calc" /><z:property name="task-service" value="report" /></z:properties></extensionElements></serviceTask>
            <endEvent id="e" />
            <sequenceFlow id="a" sourceRef="first" targetRef="sum" />
            <sequenceFlow id="b" sourceRef="second" targetRef="sum" />
            <sequenceFlow id="c" sourceRef="sum" targetRef="big" />
            <sequenceFlow id="large" sourceRef="big" targetRef="report"><conditionExpression>= var.size &gt; 10</conditionExpression></sequenceFlow>
            <sequenceFlow id="small" sourceRef="big" targetRef="report" />
            <sequenceFlow id="f" sourceRef="report" targetRef="e" />
          </process>
          <process id="two">
            <startEvent id="third" />
            <serviceTask id="sum2"><extensionElements><z:taskDefinition type="summarize" /></extensionElements></serviceTask>
            <serviceTask id="report2"><extensionElements><z:taskDefinition type="report" /></extensionElements></serviceTask>
            <endEvent id="e2" />
            <sequenceFlow id="a2" sourceRef="third" targetRef="sum2" />
            <sequenceFlow id="b2" sourceRef="sum2" targetRef="report2" />
            <sequenceFlow id="c2" sourceRef="report2" targetRef="e2" />
          </process>
        </definitions>
        """;

    [Fact]
    public void Camunda_8_file_with_two_processes_and_three_start_events_compiles_three_flows()
    {
        var run = GeneratorHarness.RunGenerator(Types, new InMemoryText("/flows/c8.bpmn", File));

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        var first = run.Source("Demo.FirstFlow.g.cs")!;
        Assert.NotNull(run.Source("Demo.SecondFlow.g.cs"));
        Assert.NotNull(run.Source("Demo.ThirdFlow.g.cs"));
        Assert.Contains("serviceTask 'sum' (Summarize the order)", first);     // the name's line break
        Assert.Contains("state.Sta_summary = value;", first);                  // [ToState] on the returned type
        Assert.Contains("state.Var_size = value.Size;", first);                // [ToVar] on its property
        Assert.Contains("_calc.Report(state.Sta_summary!, state.Var_size)", first); // Summary to ISummary, int to long
        Assert.Contains("if (state.Var_size > 10) chosen = 0;", first);        // '=' of FEEL stripped
        Assert.Contains("#line 13 \"/flows/c8.bpmn\"", first);                 // the condition maps to its line
    }
}
