using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// Camunda BPMN as Camunda users write it (issue 22): multi-instance is FlowGen's iteration, Zeebe's retries and
// Camunda 7's failedJobRetryTimeCycle are the retry policy, and what FlowGen cannot run (Java delegates, external
// tasks, JUEL or FEEL conditions) is one FG error that says what to write instead, never dropped silently.
public sealed class CamundaDialectTests
{
    private const string Types = """
        using FlowGen;
        namespace Demo;
        public sealed record Req(int Total, bool Vip, int[] Items);
        [FlowComponent("shop")]
        public sealed class Shop
        {
            [FlowTask("ship"), ToVar("shipped")] public int Ship([FromItem] int item) => item;
            [FlowTask("pack"), ToVar("packed")] public int Pack(Req request) => request.Total;
            [FlowTask("charge"), ToResult] public string Charge(Req request) => "charged";
        }
        [Flow("order")] public sealed partial class OrderFlow : IFlow<Req, string>;
        """;

    private static string File(string ship, string condition = "req.total &gt; 0") => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
          <bpmn:process id="p" isExecutable="true">
            <bpmn:startEvent id="order" />
        {ship}
            <bpmn:exclusiveGateway id="Check" default="skip" />
            <bpmn:serviceTask id="Charge"><bpmn:extensionElements><camunda:properties><camunda:property name="task-component" value="shop" /><camunda:property name="task-service" value="charge" /></camunda:properties></bpmn:extensionElements></bpmn:serviceTask>
            <bpmn:endEvent id="End" />
            <bpmn:sequenceFlow id="f1" sourceRef="order" targetRef="Ship" />
            <bpmn:sequenceFlow id="f2" sourceRef="Ship" targetRef="Check" />
            <bpmn:sequenceFlow id="pay" sourceRef="Check" targetRef="Charge"><bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
            <bpmn:sequenceFlow id="skip" sourceRef="Check" targetRef="Charge" />
            <bpmn:sequenceFlow id="f3" sourceRef="Charge" targetRef="End" />
          </bpmn:process>
        </bpmn:definitions>
        """;

    private const string Properties = """<camunda:properties><camunda:property name="task-component" value="shop" /><camunda:property name="task-service" value="ship" /></camunda:properties>""";

    [Theory]
    // Parallel (Camunda's default): up to the run's iteration parallelism at once; sequential: one at a time.
    [InlineData("", "global::FlowGen.IterationStrategy.All, state.IterationParallelism(0),")]
    [InlineData("isSequential=\"true\" ", "global::FlowGen.IterationStrategy.All, 1,")]
    public void A_multi_instance_task_iterates_its_collection_in_parallel_unless_sequential(string sequential, string expected)
    {
        var run = GeneratorHarness.RunGenerator(Types, new InMemoryText("/flows/order.bpmn", File($"""
                <bpmn:serviceTask id="Ship">
                  <bpmn:extensionElements>{Properties}</bpmn:extensionElements>
                  <bpmn:multiInstanceLoopCharacteristics {sequential}camunda:collection="${"{"}req.items{"}"}" camunda:elementVariable="item" />
                </bpmn:serviceTask>
            """)));

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        var code = run.Source("Demo.OrderFlow.g.cs")!;
        Assert.Contains("FlowIteration.RunAsync", code, StringComparison.Ordinal);
        Assert.Contains(expected, code, StringComparison.Ordinal);
    }

    [Theory]
    // retries="3" is three attempts in all: two retries.
    [InlineData("""<zeebe:taskDefinition type="pack" retries="3" />""", "Policy of Ship: no timeout, 2 retries")]
    [InlineData("""<camunda:failedJobRetryTimeCycle>R3/PT10S</camunda:failedJobRetryTimeCycle>""", "Policy of Ship: no timeout, 3 retries (constant, 10000 ms)")]
    public void Zeebe_retries_and_a_camunda_7_retry_time_cycle_are_the_tasks_retry_policy(string extension, string policy)
    {
        var run = GeneratorHarness.RunGenerator(Types, new InMemoryText("/flows/order.bpmn", File($"""
                <bpmn:serviceTask id="Ship">
                  <bpmn:extensionElements><camunda:properties><camunda:property name="task-component" value="shop" /><camunda:property name="task-service" value="pack" /></camunda:properties>{extension}</bpmn:extensionElements>
                </bpmn:serviceTask>
            """)));

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains(policy, run.Source("Demo.OrderFlow.g.cs")!, StringComparison.Ordinal);
    }

    [Fact]
    public void A_collection_over_process_variables_a_cardinality_and_a_completion_condition_are_errors_that_say_what_to_write()
    {
        var run = GeneratorHarness.RunGenerator(Types, new InMemoryText("/flows/order.bpmn", File($"""
                <bpmn:serviceTask id="Ship">
                  <bpmn:extensionElements>{Properties}</bpmn:extensionElements>
                  <bpmn:multiInstanceLoopCharacteristics camunda:collection="${"{"}orders{"}"}">
                    <bpmn:loopCardinality>5</bpmn:loopCardinality>
                    <bpmn:completionCondition>${"{"}nrOfCompletedInstances == 1{"}"}</bpmn:completionCondition>
                  </bpmn:multiInstanceLoopCharacteristics>
                </bpmn:serviceTask>
            """)));

        Assert.Contains("write camunda:collection=\"sta.orders\"", run.Single("FG0602").GetMessage(), StringComparison.Ordinal);
        Assert.Equal(DiagnosticSeverity.Error, run.Single("FG0602").Severity);
        var unsupported = run.WithId("FG0003").Select(d => d.GetMessage()).ToList();
        Assert.Contains(unsupported, m => m.Contains("loopCardinality", StringComparison.Ordinal) && m.Contains("ite-source", StringComparison.Ordinal));
        Assert.Contains(unsupported, m => m.Contains("completionCondition", StringComparison.Ordinal) && m.Contains("ite-strategy any", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""camunda:type="external" camunda:topic="shipping" """, "an external task, topic 'shipping'")]
    [InlineData("""camunda:class="com.shop.ShipDelegate" """, "camunda:class=\"com.shop.ShipDelegate\"")]
    [InlineData("""camunda:delegateExpression="${shipDelegate}" """, "camunda:delegateExpression")]
    public void A_java_delegate_or_an_external_task_is_one_FG0003_that_names_it_and_no_other_error(string attributes, string named)
    {
        var run = GeneratorHarness.RunGenerator(Types, new InMemoryText("/flows/order.bpmn", File($"""<bpmn:serviceTask id="Ship" {attributes}/>""")));

        var error = Assert.Single(run.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("FG0003", error.Id);
        Assert.Contains(named, error.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("[FlowTask] method", error.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("${total &gt;= 100 and vip}", "a JUEL expression (Camunda 7)", "var.total >= 100 && var.vip")]
    [InlineData("#{status eq 'paid'}", "a JUEL expression (Camunda 7)", "var.status == 'paid'")]
    [InlineData("= total &gt;= 100 and vip", "a FEEL expression (Camunda 8)", "var.total >= 100 && var.vip")]
    [InlineData("= status = \"paid\" or vip", "a FEEL expression (Camunda 8)", "var.status == \"paid\" || var.vip")]
    public void A_JUEL_or_FEEL_condition_is_one_FG0501_that_shows_it_rewritten(string condition, string dialect, string rewritten)
    {
        var run = GeneratorHarness.RunGenerator(Types, new InMemoryText("/flows/order.bpmn",
            File($"""<bpmn:serviceTask id="Ship"><bpmn:extensionElements>{Properties}</bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics camunda:collection="req.items" /></bpmn:serviceTask>""", condition)));

        var error = Assert.Single(run.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("FG0501", error.Id);
        Assert.Contains(dialect, error.GetMessage(), StringComparison.Ordinal);
        Assert.Contains($"write '{rewritten}'", error.GetMessage(), StringComparison.Ordinal);
    }
}
