using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// Error routes (docs/error-routes.md): a connection with 'error', an action's on-error, a BPMN error boundary event.
// A route that cannot be made is FG0006 at the route (FG0003 at a BPMN boundary), and a route's nodes read var.error.
public sealed class ErrorRouteDiagnosticTests
{
    private const string Components = """
        using FlowGen;
        namespace Shop;
        public sealed record Req(int Amount);
        [FlowComponent("pay")]
        public sealed class Pay
        {
            [FlowTask("charge")] public void Charge(Req request) { }
            [FlowTask("refund"), ToResult] public string Refund(FlowError error) => error.Code;
            [FlowTask("log")] public void Log([FromVar("error")] FlowError? error) { }
        }
        [Flow("f")] public sealed partial class F : IFlow<Req, string>;
        """;

    private static GeneratorHarness.Run Graph(string nodes, string connections) => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml",
        "flow: f\ngraph:\n  nodes:\n    - type: start\n" + nodes + "    - { id: e, type: end }\n  connections:\n    - { from: f, to: c }\n" + connections));

    private const string Charge = "    - { id: c, task-component: pay, task-service: charge }\n    - { id: r, task-component: pay, task-service: refund }\n";

    [Fact]
    public void A_route_compiles_and_its_handler_reads_the_error()
    {
        var run = Graph(Charge, "    - { from: c, to: e }\n    - { from: c, to: r, error: true }\n    - { from: r, to: e }\n");

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        var code = run.Source("Shop.F.g.cs")!;
        Assert.Contains("if (state.TaskErrorCaught((int)Node.c, started, failure) is not { } caught) return false;", code);
        Assert.Contains("_pay.Refund(state.Var_error!)", code);
    }

    [Theory]
    [InlineData("    - { from: c, to: e }\n    - { from: c, to: r, error: true, when: \"req.amount > 1\" }\n    - { from: r, to: e }\n", "Error route 'c->r' has 'when'")]
    [InlineData("    - { from: c, to: e }\n    - { from: c, to: r, error: true }\n    - { from: c, to: e, error: true }\n    - { from: r, to: e }\n", "2 error routes that take every error")]
    [InlineData("    - { from: c, to: e, when: \"req.amount > 1\" }\n    - { from: c, to: r }\n    - { from: c, to: r, id: x, error: true }\n    - { from: r, to: e }\n", "2 flows out besides its error route")]
    [InlineData("    - { from: c, to: e }\n    - { from: f, to: r, error: true }\n    - { from: r, to: e }\n", "'f' is not a task: an error route leaves a task")]
    public void A_route_that_cannot_be_made_is_FG0006_at_the_route(string connections, string message)
    {
        var run = Graph(Charge, connections);

        Assert.Contains(message, run.Single("FG0006").GetMessage());
    }

    [Fact]
    public void A_reader_of_var_error_before_any_route_is_FG0401()
    {
        var run = Graph("    - { id: c, task-component: pay, task-service: charge }\n    - { id: r, task-component: pay, task-service: refund }\n",
            "    - { from: c, to: r }\n    - { from: r, to: e }\n");

        Assert.Contains("error", run.Single("FG0401").GetMessage());
    }

    [Fact]
    public void A_bpmn_error_boundary_with_an_error_code_catches_that_code()
    {
        var bpmn = Bpmn.Process(string.Join("\n",
            """<startEvent id="f" />""",
            Bpmn.Task("c", "pay", "charge"),
            """<boundaryEvent id="b" attachedToRef="c"><errorEventDefinition errorRef="err" /></boundaryEvent>""",
            Bpmn.Task("r", "pay", "refund"),
            """<endEvent id="e" />""",
            Bpmn.Flow("a", "f", "c"), Bpmn.Flow("s", "c", "e"), Bpmn.Flow("t", "b", "r"), Bpmn.Flow("u", "r", "e"))).Replace("</definitions>", """<error id="err" errorCode="DECLINED" /></definitions>""");

        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.bpmn", bpmn));

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        var code = run.Source("Shop.F.g.cs")!;
        Assert.Contains("state.TaskErrorCaught((int)Node.c, started, failure, new[] { \"DECLINED\" })", code);
        Assert.Contains("state.Failed(\"c\") && state.Var_error?.Code == \"DECLINED\"", code);
    }
}
