using Microsoft.CodeAnalysis;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// Gateway shapes the checks accept must emit C# with no error and no warning (issue 14). The runtime behaviour of
// the same shapes is tested in tests/FlowGen.Tests (GatewayShapeTests, Flows/gateway-shapes.bpmn).
public sealed class GatewayEmitTests
{
    private static GeneratorHarness.Run Check(string body) => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/demo.bpmn", Process(body)));

    /// <summary>No FG diagnostic but the <paramref name="allowed"/> ones, and C# with no error and no warning.</summary>
    private static void AssertClean(GeneratorHarness.Run run, params string[] allowed)
    {
        var fg = run.Diagnostics.Where(d => !allowed.Contains(d.Id)).ToList();
        Assert.True(fg.Count == 0, string.Join("\n", fg));
        var problems = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(5)) + "\n" + run.Source("Demo.DemoFlow.g.cs"));
    }

    private static string Gateway(string kind, string id, string properties = "", string? defaultFlow = null)
        => $"""<{kind}Gateway id="{id}"{(defaultFlow is null ? "" : $" default=\"{defaultFlow}\"")}>{(properties.Length == 0 ? "" : $"<extensionElements><c:properties>{properties}</c:properties></extensionElements>")}</{kind}Gateway>""";

    private static string Property(string name, string value) => $"""<c:property name="{name}" value="{value}" />""";

    /// <summary>
    /// Every split and join kind, each outgoing flow plain, conditional or default, with and without a service and
    /// open-async on the gateways: whatever the checks accept (no FG error) compiles with no C# error or warning.
    /// </summary>
    [Fact]
    public void Every_accepted_split_and_join_shape_compiles_cleanly()
    {
        var kinds = new[] { "exclusive", "inclusive", "parallel" };
        var flowKinds = new[] { "plain", "condition", "default" };
        var failures = new List<string>();
        foreach (var split in kinds)
        foreach (var join in kinds)
        foreach (var first in flowKinds)
        foreach (var second in flowKinds)
        foreach (var service in new[] { false, true })
        {
            if (first == "default" && second == "default") continue;
            var properties = service ? Property("task-component", "calc") + Property("task-service", "noop") + Property("open-async", "true") : "";
            string Out(string id, string target, string how) => how == "condition" ? Flow(id, "g", target, $"req.count &gt; {id.Length}") : Flow(id, "g", target);
            var defaultFlow = first == "default" ? "f2" : second == "default" ? "f3" : null;
            var run = Check(string.Join("\n",
                """<startEvent id="f" />""", Task("b", "calc", "begin"), Gateway(split, "g", split == "exclusive" ? "" : properties, defaultFlow), Task("t", "calc", "noop"), Task("a", "calc", "noop"),
                Gateway(join, "m", join == "exclusive" ? "" : properties), Task("z", "calc", "end"), """<endEvent id="e" />""",
                Flow("f0", "f", "b"), Flow("f1", "b", "g"), Out("f2", "t", first), Out("f3", "a", second),
                Flow("f4", "t", "m"), Flow("f5", "a", "m"), Flow("f6", "m", "z"), Flow("f7", "z", "e")));
            if (run.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) continue;
            var problems = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
            if (problems.Count > 0) failures.Add($"{split} ({first}, {second}) -> {join}{(service ? ", service and open-async" : "")}: {problems[0]}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Inclusive_gateway_with_an_unconditional_and_a_conditional_flow_compiles_cleanly()
    {
        var run = Check(string.Join("\n",
            """<startEvent id="f" />""", Task("b", "calc", "begin"), Gateway("inclusive", "g"), Task("t", "calc", "noop"), Task("a", "calc", "noop"),
            Gateway("inclusive", "m"), Task("z", "calc", "end"), """<endEvent id="e" />""",
            Flow("f0", "f", "b"), Flow("f1", "b", "g"), Flow("f2", "g", "t"), Flow("f3", "g", "a", "req.count &gt;= 0"),
            Flow("f4", "t", "m"), Flow("f5", "a", "m"), Flow("f6", "m", "z"), Flow("f7", "z", "e")));
        AssertClean(run);
    }

    [Theory]
    [InlineData("inclusive")]
    [InlineData("exclusive")]
    public void Gateway_with_an_unconditional_flow_and_a_default_flow_compiles_cleanly(string kind)
    {
        // No condition at all: the flow without one is always taken, the default flow never.
        var run = Check(string.Join("\n",
            """<startEvent id="f" />""", Task("b", "calc", "begin"), Gateway(kind, "g", defaultFlow: "f3"), Task("t", "calc", "noop"), Task("a", "calc", "noop"),
            Gateway("inclusive", "m"), Task("z", "calc", "end"), """<endEvent id="e" />""",
            Flow("f0", "f", "b"), Flow("f1", "b", "g"), Flow("f2", "g", "t"), Flow("f3", "g", "a"),
            Flow("f4", "t", "m"), Flow("f5", "a", "m"), Flow("f6", "m", "z"), Flow("f7", "z", "e")));
        AssertClean(run);
    }

    [Theory]
    [InlineData("inclusive", "inclusive")]
    [InlineData("inclusive", "parallel")]
    [InlineData("parallel", "inclusive")]
    [InlineData("exclusive", "exclusive")]
    [InlineData("exclusive", "inclusive")]
    public void Gateway_whose_flows_have_no_conditions_compiles_cleanly(string split, string join)
    {
        var run = Check(string.Join("\n",
            """<startEvent id="f" />""", Task("b", "calc", "begin"), Gateway(split, "g"), Task("t", "calc", "noop"), Task("a", "calc", "noop"),
            Gateway(join, "m"), Task("z", "calc", "end"), """<endEvent id="e" />""",
            Flow("f0", "f", "b"), Flow("f1", "b", "g"), Flow("f2", "g", "t"), Flow("f3", "g", "a"),
            Flow("f4", "t", "m"), Flow("f5", "a", "m"), Flow("f6", "m", "z"), Flow("f7", "z", "e")));
        // Two unconditional flows out of an exclusive gateway are FG0208 (the second is never taken).
        AssertClean(run, split == "exclusive" ? ["FG0208", "FG0204"] : []);
    }

    [Theory]
    [InlineData("parallel")]
    [InlineData("inclusive")]
    public void Gateway_that_calls_a_service_with_open_async_compiles_cleanly(string kind)
    {
        var service = Property("task-component", "calc") + Property("task-service", "noop") + Property("open-async", "true");
        // A fork that calls a service, and a join that calls a service and goes on along one flow.
        var run = Check(string.Join("\n",
            """<startEvent id="f" />""", Task("b", "calc", "begin"), Gateway(kind, "g", service), Task("t", "calc", "noop"), Task("a", "calc", "noop"),
            Gateway(kind, "m", service), Task("z", "calc", "end"), """<endEvent id="e" />""",
            Flow("f0", "f", "b"), Flow("f1", "b", "g"), Flow("f2", "g", "t"), Flow("f3", "g", "a"),
            Flow("f4", "t", "m"), Flow("f5", "a", "m"), Flow("f6", "m", "z"), Flow("f7", "z", "e")));
        AssertClean(run);
    }

    [Fact]
    public void Gateway_that_calls_an_async_service_with_open_async_compiles_cleanly()
    {
        const string components = Components + """

            [FlowComponent("slow")]
            public sealed class Slow
            {
                [FlowTask("wait")] public System.Threading.Tasks.Task WaitAsync() => System.Threading.Tasks.Task.Delay(1);
            }
            """;
        var service = Property("task-component", "slow") + Property("task-service", "wait") + Property("open-async", "true");
        var run = GeneratorHarness.RunGenerator(components, new InMemoryText("/flows/demo.bpmn", Process(string.Join("\n",
            """<startEvent id="f" />""", Task("b", "calc", "begin"), Gateway("parallel", "g", service), Task("t", "calc", "noop"), Task("a", "calc", "noop"),
            Gateway("parallel", "m", service), Task("z", "calc", "end"), """<endEvent id="e" />""",
            Flow("f0", "f", "b"), Flow("f1", "b", "g"), Flow("f2", "g", "t"), Flow("f3", "g", "a"),
            Flow("f4", "t", "m"), Flow("f5", "a", "m"), Flow("f6", "m", "z"), Flow("f7", "z", "e")))));
        AssertClean(run);
    }

    [Fact]
    public void Exclusive_gateway_with_two_unconditional_flows_is_FG0208_at_the_second_and_compiles_cleanly()
    {
        var body = string.Join("\n",
            """<startEvent id="f" />""", Task("b", "calc", "begin"), Gateway("exclusive", "g"), Task("t", "calc", "end"), Task("a", "calc", "end"),
            Task("c", "calc", "end"), """<endEvent id="e" />""",
            Flow("f0", "f", "b"), Flow("f1", "b", "g"), Flow("f2", "g", "c", "req.count &gt; 5"), Flow("f3", "g", "t"), Flow("f4", "g", "a"),
            Flow("f5", "t", "e"), Flow("f6", "a", "e"), Flow("f7", "c", "e"));
        var run = Check(body);
        var d = run.Single("FG0208");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("'f4'", d.GetMessage());
        Assert.Contains("'f3'", d.GetMessage());
        Assert.Equal(GeneratorHarness.Find(Process(body), "<sequenceFlow id=\"f4\"").Line, GeneratorHarness.Position(d).Line);
        AssertClean(run, "FG0208");
        var source = run.Source("Demo.DemoFlow.g.cs")!;
        Assert.DoesNotContain("if (true)", source);
    }

    [Fact]
    public void Exclusive_gateway_with_one_unconditional_flow_is_not_FG0208()
    {
        var run = Check(string.Join("\n",
            """<startEvent id="f" />""", Task("b", "calc", "begin"), Gateway("exclusive", "g"), Task("t", "calc", "end"), Task("a", "calc", "end"),
            """<endEvent id="e" />""",
            Flow("f0", "f", "b"), Flow("f1", "b", "g"), Flow("f2", "g", "a", "req.count &gt; 5"), Flow("f3", "g", "t"),
            Flow("f5", "t", "e"), Flow("f6", "a", "e")));
        AssertClean(run);
        Assert.DoesNotContain("if (true)", run.Source("Demo.DemoFlow.g.cs"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Exclusive_gateway_with_two_flows_to_the_same_node_compiles_cleanly(bool conditionAndDefault)
    {
        // A condition and the default flow to one node, or two conditions to one node: legal (FG0113 allows them).
        var run = Check(string.Join("\n",
            """<startEvent id="f" />""", Task("b", "calc", "begin"), Gateway("exclusive", "g", defaultFlow: conditionAndDefault ? "f3" : "f4"),
            Task("t", "calc", "end"), Task("a", "calc", "end"), """<endEvent id="e" />""",
            Flow("f0", "f", "b"), Flow("f1", "b", "g"), Flow("f2", "g", "t", "req.count &gt; 5"),
            conditionAndDefault ? Flow("f3", "g", "t") : Flow("f3", "g", "t", "req.count &lt; 0"),
            conditionAndDefault ? Flow("f4", "g", "a", "req.count == 3") : Flow("f4", "g", "a"), Flow("f5", "t", "e"), Flow("f6", "a", "e")));
        AssertClean(run);
    }
}
