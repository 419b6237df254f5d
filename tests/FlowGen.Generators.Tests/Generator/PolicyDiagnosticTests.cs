using Microsoft.CodeAnalysis;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// A task timeout cancels the attempt's token; a method that takes no token cannot be stopped by it (FG0604).
public sealed class PolicyDiagnosticTests
{
    private const string WithTokenTask = Components + """

        [FlowGen.FlowComponent("io")]
        public sealed class Io
        {
            [FlowGen.FlowTask("fetch"), FlowGen.ToState("total")]
            public System.Threading.Tasks.Task<int> Fetch(System.Threading.CancellationToken cancellationToken) => System.Threading.Tasks.Task.FromResult(1);
        }
        """;

    private static GeneratorHarness.Run Check(string step) => GeneratorHarness.RunGenerator(WithTokenTask, new InMemoryText("/flows/f.flow.yaml", $$"""
        flow: f
        steps:
          - {{step}}
          - { id: t2, task-component: calc, task-service: end }
        """));

    [Fact]
    public void A_timeout_on_a_method_without_a_token_is_FG0604_and_left_out()
    {
        var run = Check("{ id: t1, task-component: calc, task-service: begin, timeout: 500, retry: 2 }");

        var d = Assert.Single(run.WithId("FG0604"));
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal(3, d.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Contains("task 't1' has a timeout of 500 ms, but Calc.Begin takes no CancellationToken", d.GetMessage());
        Assert.Empty(run.CompileErrors);
        var code = run.Source("Demo.DemoFlow.g.cs")!;
        Assert.Contains("global::FlowGen.FlowPolicies.Create(0, 2, 0,", code); // the retries stay, the timeout does not
    }

    [Fact]
    public void A_timeout_alone_on_a_method_without_a_token_leaves_a_plain_call()
    {
        var run = Check("{ id: t1, task-component: calc, task-service: begin, timeout: 500 }");

        Assert.Single(run.WithId("FG0604"));
        Assert.DoesNotContain("s_policy_", run.Source("Demo.DemoFlow.g.cs")!);
    }

    [Fact]
    public void A_timeout_on_a_method_that_takes_the_token_is_applied()
    {
        var run = Check("{ id: t1, task-component: io, task-service: fetch, timeout: 500 }");

        Assert.Empty(run.WithId("FG0604"));
        Assert.Contains("global::FlowGen.FlowPolicies.Create(500, 0, 0,", run.Source("Demo.DemoFlow.g.cs")!);
    }
}
