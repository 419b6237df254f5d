using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// Fire-and-forget subflows (await: false, docs/subprocesses.md#fire-and-forget-subflows): the run goes on at once, so
// nothing after the subflow reads what its body writes (FG0401), and a foreach cannot be one (FG0602).
public sealed class DetachedDiagnosticTests
{
    private const string Types = """
        using FlowGen;
        namespace Shop;
        public sealed record Req(int Count, int[] Ids);
        [FlowComponent("mail")]
        public sealed class Mail
        {
            [FlowTask("send"), ToVar("receipt")] public string Send(Req request) => "r";
            [FlowTask("read")] public void Read([FromVar("receipt")] string receipt) { }
            [FlowTask("noop")] public void Noop() { }
        }
        """;

    private const string Flow = """

        [Flow("f")] public sealed partial class F : IFlow<Req, string>;
        """;

    private static string Graph(string after) => $$"""
        flow: f
        graph:
          nodes:
            - type: start
            - id: Notify
              type: subflow
              await: false
              steps:
                - { id: Send, task-component: mail, task-service: send }
            - { id: After, task-component: mail, task-service: {{after}} }
            - { id: End, type: end }
          connections:
            - { from: f, to: Notify }
            - { from: Notify, to: After }
            - { from: After, to: End }
        """;

    [Fact]
    public void A_fire_and_forget_subflow_compiles_to_a_detached_start_on_a_copy_of_the_bus()
    {
        var run = GeneratorHarness.RunGenerator(Types + Flow, new InMemoryText("/flows/f.flow.yaml", Graph("noop")));

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("global::FlowGen.FlowSteps.Detach(state, static parent => parent.ForItem(global::System.Threading.CancellationToken.None, detached: true), Body_Notify);",
            run.Source("Shop.F.g.cs")!, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_the_detached_body_writes_is_not_there_for_the_nodes_after_it()
    {
        var run = GeneratorHarness.RunGenerator(Types + Flow, new InMemoryText("/flows/f.flow.yaml", Graph("read")));

        Assert.Contains("receipt", run.Single("FG0401").GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void FireAndForget_in_the_fluent_form_is_await_false()
    {
        var run = GeneratorHarness.RunGenerator(Types + """

            [Flow("f")]
            public sealed partial class F : IFlow<Req, string>
            {
                [FlowDefinition]
                private static void Define(FlowBuilder<Req> flow) => flow
                    .ForEach(bus => bus.Request.Ids, b => b.Task<Mail>(m => m.Noop), id: "Each").FireAndForget();
            }
            """);

        var d = run.Single("FG0602");
        Assert.Contains("await='false'", d.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("put the fire-and-forget subflow inside the foreach's body", d.GetMessage(), StringComparison.Ordinal);
    }
}
