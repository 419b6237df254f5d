using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// Publish nodes (docs/events.md): the event a [FlowEvent] type built from the node's inputs, in YAML and in BPMN (a
// sendTask whose message names the event); an unknown event is FG0309, a member that does not fit FG0416.
public sealed class PublishDiagnosticTests
{
    private const string Components = """
        using FlowGen;
        namespace Shop;
        public sealed record Req(string Id, int Count);
        [FlowEvent("order-paid")] public sealed record OrderPaid(string OrderId, int Total);
        [Flow("f")] public sealed partial class F : IFlow<Req, string>;
        """;

    private static string Yaml(string with, string name = "order-paid")
        => "flow: f\nsteps:\n  - { id: Pay, type: publish, event: " + name + ", with: " + with + " }\n";

    [Fact]
    public void A_publish_step_builds_its_event_and_posts_it()
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", Yaml("{ orderId: \"req.id\", total: \"req.count * 2\" }")));

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("state.Publish(\"order-paid\", new global::Shop.OrderPaid(OrderId: state.Request.Id, Total: state.Request.Count * 2));", run.Source("Shop.F.g.cs")!, StringComparison.Ordinal);
    }

    [Fact]
    public void A_send_task_in_bpmn_publishes_its_messages_event()
    {
        var bpmn = Bpmn.Process(string.Join("\n",
            """<startEvent id="f" />""",
            """
            <sendTask id="Pay" messageRef="M1">
              <extensionElements><c:properties>
                <c:property name="input:event.orderId" value="req.id" />
                <c:property name="input:event.total" value="req.count" />
              </c:properties></extensionElements>
            </sendTask>
            """,
            """<endEvent id="e" />""",
            Bpmn.Flow("a", "f", "Pay"), Bpmn.Flow("b", "Pay", "e"))).Replace("</definitions>", """<message id="M1" name="order-paid" /></definitions>""");

        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.bpmn", bpmn));

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("state.Publish(\"order-paid\", new global::Shop.OrderPaid(OrderId: state.Request.Id, Total: state.Request.Count));", run.Source("Shop.F.g.cs")!, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_event_is_FG0309_and_a_missing_member_FG0416()
    {
        var unknown = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", Yaml("{ orderId: \"req.id\" }", "order-payd")));
        var missing = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", Yaml("{ orderId: \"req.id\" }")));

        Assert.Contains("(events: order-paid)", unknown.Single("FG0309").GetMessage(), StringComparison.Ordinal);
        Assert.Contains("it does not give 'Total' (int)", missing.Single("FG0416").GetMessage(), StringComparison.Ordinal);
    }
}
