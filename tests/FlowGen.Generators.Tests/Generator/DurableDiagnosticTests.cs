using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// Durable flows: waits in YAML and BPMN compile, and each mistake is its FG diagnostic at the place it is written.
public sealed class DurableDiagnosticTests
{
    private const string Components = """
        using FlowGen;
        namespace Shop;
        [FlowEvent("viewed")] public sealed record Viewed(string UserId, string ProductId, int Count);
        [FlowEvent("ordered")] public sealed record Ordered(string UserId, decimal Total);
        [FlowEvent("paid")] public sealed record Paid(string OrderId, System.DateTimeOffset At);
        [FlowEvent("blob")] public sealed record Blob(byte[] Data);
        public sealed record Order(string OrderId, string UserId);
        public sealed record Done(string Text);
        [FlowComponent("shop")]
        public sealed class Tasks
        {
            [FlowTask("count"), ToState("views")] public int Count([FromState("views")] int? views) => (views ?? 0) + 1;
            [FlowTask("ship")] public void Ship(Order request, [FromState("payment")] Paid payment) { }
            [FlowTask("use-view")] public void UseView([FromState("last")] Ordered last) { }
        }
        [Flow("watch")] public sealed partial class WatchFlow : IFlow<Viewed, Done>;
        [Flow("order")] public sealed partial class OrderFlow : IFlow<Order, Done>;
        """;

    // The C# declares a class for each of the two flows, and each test compiles one flow file: the other class's
    // FG0702 (its flow is not in this compilation) is left out.
    private static GeneratorHarness.Run Check(string path, string text)
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText(path, text));
        return run with { Diagnostics = run.Diagnostics.Where(d => d.Id != "FG0702").ToImmutableArray() };
    }

    private static Diagnostic Single(GeneratorHarness.Run run, string id) => run.Single(id);

    /// <summary>Compile errors of the generated code (the other flow class of Components has no flow file in a test: its missing RunAsync is expected).</summary>
    private static IEnumerable<Diagnostic> GeneratedErrors(GeneratorHarness.Run run) => run.CompileErrors.Where(e => e.Id != "CS0535");

    private static int Line(Diagnostic d) => d.Location.GetLineSpan().StartLinePosition.Line + 1;

    private static string Watch(string receive, string top = "key: req.userId") => $$"""
        flow: watch
        trigger: { event: viewed }
        {{top}}
        actions:
          - name: Count
            task-component: shop
            task-service: count
          - name: Wait
            type: receive
            receive:
        {{receive}}
        """;

    [Fact]
    public void A_valid_durable_yaml_flow_compiles_without_diagnostics()
    {
        var run = Check("/f/watch.flow.yaml", Watch("""
                  - { event: viewed, when: event.count > 1, then: call("Count") }
                  - { event: ordered, then: finish() }
                  - { after: 3d, then: finish() }
            """));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(GeneratedErrors(run));
    }

    [Fact]
    public void A_flow_without_a_key_whose_only_event_arm_has_a_bad_condition_gets_both_diagnostics_not_an_internal_error()
    {
        // Regression: the missing-key message was taken from the bound arms, and an arm whose condition fails is not bound.
        var run = Check("/f/watch.flow.yaml", Watch("""
                  - { event: ordered, when: event.userId.length > 3, then: finish() }
                  - { after: 3d, then: finish() }
            """, top: "# no key"));
        Assert.Empty(run.WithId("FG9001"));
        Single(run, "FG0502");
        Assert.Contains(run.WithId("FG0411"), d => d.GetMessage().Contains("waits for event 'ordered'"));
    }

    [Fact]
    public void An_unknown_event_is_FG0309_at_its_name()
    {
        var run = Check("/f/watch.flow.yaml", Watch("""
                  - { event: reviewed, then: finish() }
            """));
        var d = Single(run, "FG0309");
        Assert.Equal(11, Line(d));
        Assert.Contains("'reviewed'", d.GetMessage());
        Assert.Contains("[FlowEvent(\"reviewed\")]", d.GetMessage());
    }

    [Fact]
    public void A_condition_over_the_event_is_type_checked_at_its_column()
    {
        var run = Check("/f/watch.flow.yaml", Watch("""
                  - { event: ordered, when: event.totl > 0, then: finish() }
            """));
        var d = Single(run, "FG0502");
        Assert.Equal(11, Line(d));
        Assert.Contains("totl", d.GetMessage());
    }

    [Fact]
    public void A_flow_that_receives_events_without_a_key_is_FG0411()
    {
        var run = Check("/f/watch.flow.yaml", Watch("""
                  - { event: ordered, then: finish() }
            """, top: "name: no key"));
        Assert.NotEmpty(run.WithId("FG0411"));
        Assert.All(run.WithId("FG0411"), d => Assert.Contains("no key", d.GetMessage()));
    }

    [Fact]
    public void A_key_of_the_wrong_type_or_path_is_FG0411_at_the_key()
    {
        var wrongType = Check("/f/watch.flow.yaml", Watch("""
                  - { event: blob, key: event.data, then: finish() }
            """));
        var d = Single(wrongType, "FG0411");
        Assert.Contains("a string, a whole number or a Guid", d.GetMessage());
        Assert.Equal(11, Line(d));

        var wrongPath = Check("/f/watch.flow.yaml", Watch("""
                  - { event: ordered, key: event.customer, then: finish() }
            """));
        Assert.Contains("cannot be read", Single(wrongPath, "FG0411").GetMessage());
    }

    [Fact]
    public void A_trigger_event_of_another_type_than_the_request_is_FG0412()
    {
        var run = Check("/f/order.flow.yaml", """
            flow: order
            trigger: { event: viewed }
            key: req.orderId
            actions:
              - { name: Wait, type: sleep, duration: 1h }
            """);
        var d = Single(run, "FG0412");
        Assert.Equal(2, Line(d));
        Assert.Contains("IFlow<Shop.Viewed, ...>", d.GetMessage());
    }

    [Fact]
    public void A_receive_writes_its_event_to_the_bus_typed_as_the_event()
    {
        var run = Check("/f/watch.flow.yaml", """
            flow: watch
            trigger: { event: viewed }
            key: req.userId
            actions:
              - name: Wait
                type: receive
                receive:
                  - { event: viewed, to: sta.last }
              - { name: Use, task-component: shop, task-service: use-view }
            """);
        // UseView wants an Ordered from sta.last, which the receive writes as a Viewed.
        var d = Single(run, "FG0402");
        Assert.Contains("Viewed", d.GetMessage());
        Assert.Contains("Ordered", d.GetMessage());
    }

    [Fact]
    public void Waits_in_two_branches_of_one_fork_are_FG0111_at_the_second()
    {
        var run = Check("/f/order.flow.yaml", """
            flow: order
            key: req.orderId
            graph:
              nodes:
                - { type: start }
                - { id: Fork, type: parallel }
                - { id: Pay, type: receive, event: paid, key: event.orderId }
                - { id: Nap, type: timer, duration: 10m }
                - { id: Join, type: parallel }
                - { id: End, type: end }
              connections:
                - { from: order, to: Fork }
                - { from: Fork, to: Pay }
                - { from: Fork, to: Nap }
                - { from: Pay, to: Join }
                - { from: Nap, to: Join }
                - { from: Join, to: End }
            """);
        var d = Single(run, "FG0111");
        Assert.Contains("timer 'Nap' waits inside a branch of parallel 'Fork' while another branch waits at receive 'Pay'", d.GetMessage());
        Assert.Equal(8, Line(d)); // the Nap node's line
    }

    [Fact]
    public void A_wait_in_one_branch_of_a_fork_compiles()
    {
        var run = Check("/f/order.flow.yaml", """
            flow: order
            key: req.orderId
            graph:
              nodes:
                - { type: start }
                - { id: Fork, type: parallel }
                - { id: Pay, type: event-gateway }
                - { id: Paid, type: receive, event: paid, key: event.orderId }
                - { id: Late, type: timer, duration: 3d }
                - { id: Either, type: exclusive }
                - { id: Count, task-component: shop, task-service: count }
                - { id: Join, type: parallel }
                - { id: End, type: end }
              connections:
                - { from: order, to: Fork }
                - { from: Fork, to: Pay }
                - { from: Fork, to: Count }
                - { from: Pay, to: Paid }
                - { from: Pay, to: Late }
                - { from: Paid, to: Either }
                - { from: Late, to: Either }
                - { from: Either, to: Join }
                - { from: Count, to: Join }
                - { from: Join, to: End }
            """);
        Assert.Empty(run.WithId("FG0111"));
        Assert.True(!run.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error), string.Join("\n", run.Diagnostics));
        Assert.True(!GeneratedErrors(run).Any(), string.Join("\n", GeneratedErrors(run)));
    }

    [Fact]
    public void Waits_in_nested_forks_count_for_the_outer_fork_too()
    {
        // One wait per inner branch would be two places at once, and so would a wait beside an inner fork that waits.
        var run = Check("/f/order.flow.yaml", """
            flow: order
            key: req.orderId
            graph:
              nodes:
                - { type: start }
                - { id: Outer, type: parallel }
                - { id: Pay, type: receive, event: paid, key: event.orderId }
                - { id: Inner, type: parallel }
                - { id: Nap, type: timer, duration: 10m }
                - { id: Ship, task-component: shop, task-service: ship }
                - { id: InnerJoin, type: parallel }
                - { id: OuterJoin, type: parallel }
                - { id: End, type: end }
              connections:
                - { from: order, to: Outer }
                - { from: Outer, to: Pay }
                - { from: Outer, to: Inner }
                - { from: Inner, to: Nap }
                - { from: Inner, to: Ship }
                - { from: Nap, to: InnerJoin }
                - { from: Ship, to: InnerJoin }
                - { from: InnerJoin, to: OuterJoin }
                - { from: Pay, to: OuterJoin }
                - { from: OuterJoin, to: End }
            """);
        var d = Single(run, "FG0111");
        Assert.Contains("timer 'Nap' waits inside a branch of parallel 'Outer'", d.GetMessage());
    }

    [Fact]
    public void A_wait_after_a_join_inside_a_branch_still_counts_for_that_branch()
    {
        // The branch's own inner fork and join come before its wait: the wait is still on the branch, beside Pay.
        var run = Check("/f/order.flow.yaml", """
            flow: order
            key: req.orderId
            graph:
              nodes:
                - { type: start }
                - { id: Outer, type: parallel }
                - { id: Pay, type: receive, event: paid, key: event.orderId }
                - { id: Inner, type: parallel }
                - { id: Left, task-component: shop, task-service: count }
                - { id: Right, task-component: shop, task-service: count }
                - { id: InnerJoin, type: parallel }
                - { id: Nap, type: timer, duration: 10m }
                - { id: OuterJoin, type: parallel }
                - { id: End, type: end }
              connections:
                - { from: order, to: Outer }
                - { from: Outer, to: Pay }
                - { from: Outer, to: Inner }
                - { from: Inner, to: Left }
                - { from: Inner, to: Right }
                - { from: Left, to: InnerJoin }
                - { from: Right, to: InnerJoin }
                - { from: InnerJoin, to: Nap }
                - { from: Nap, to: OuterJoin }
                - { from: Pay, to: OuterJoin }
                - { from: OuterJoin, to: End }
            """);
        var d = Single(run, "FG0111");
        Assert.Contains("timer 'Nap' waits inside a branch of parallel 'Outer' while another branch waits at receive 'Pay'", d.GetMessage());
    }

    [Fact]
    public void An_event_gateway_must_lead_to_receives_and_timers_FG0112()
    {
        var run = Check("/f/order.flow.yaml", """
            flow: order
            key: req.orderId
            graph:
              nodes:
                - { type: start }
                - { id: Either, type: event-gateway }
                - { id: Pay, type: receive, event: paid, key: event.orderId }
                - { id: Ship, task-component: shop, task-service: ship }
                - { id: End, type: end }
              connections:
                - { from: order, to: Either }
                - { from: Either, to: Pay }
                - { from: Either, to: Ship }
                - { from: Pay, to: End }
                - { from: Ship, to: End }
            """);
        var d = Single(run, "FG0112");
        Assert.Equal(13, Line(d));
    }

    [Fact]
    public void Durable_settings_on_a_flow_without_waits_are_reported_as_doing_nothing()
    {
        var run = Check("/f/order.flow.yaml", """
            flow: order
            key: req.orderId
            actions:
              - { name: Ship, task-component: shop, task-service: ship }
            """);
        var d = Single(run, "FG0602");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal(2, Line(d));
        Assert.Contains("applies to durable flows only", d.GetMessage());
    }

    [Fact]
    public void Only_interrupting_timer_boundary_events_on_tasks_are_read_the_others_are_FG0003()
    {
        string WithBoundary(string boundary) => Process(string.Join("\n",
            """<startEvent id="order" />""", Task("Ship", "shop", "ship"), boundary,
            """<endEvent id="End" />""", """<endEvent id="Late" />""",
            Flow("a", "order", "Ship"), Flow("b", "Ship", "End"), Flow("c", "B", "Late")));
        var message = Check("/f/b1.bpmn", WithBoundary("""<boundaryEvent id="B" attachedToRef="Ship"><messageEventDefinition /></boundaryEvent>"""));
        Assert.Contains("only timer and error boundary events", Single(message, "FG0003").GetMessage());
        var lingering = Check("/f/b2.bpmn", WithBoundary("""<boundaryEvent id="B" attachedToRef="Ship" cancelActivity="false"><timerEventDefinition><timeDuration>PT1S</timeDuration></timerEventDefinition></boundaryEvent>"""));
        Assert.Contains("only interrupting", Single(lingering, "FG0003").GetMessage());
        var timer = Check("/f/b3.bpmn", WithBoundary("""<boundaryEvent id="B" attachedToRef="Ship"><timerEventDefinition><timeDuration>PT1S</timeDuration></timerEventDefinition></boundaryEvent>"""));
        Assert.DoesNotContain(timer.Diagnostics, d => d.Id == "FG0003");
        // Ship takes no CancellationToken: the boundary's timeout could never stop it.
        Assert.Single(timer.WithId("FG0604"));
    }

    [Fact]
    public void A_bad_duration_is_an_error_at_the_setting()
    {
        var run = Check("/f/order.flow.yaml", """
            flow: order
            actions:
              - { name: Wait, type: sleep, duration: two days }
            """);
        var d = Single(run, "FG0602");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains("ISO 8601", d.GetMessage());
    }

    [Fact]
    public void A_bpmn_flow_with_a_message_start_receive_task_timer_and_event_gateway_compiles()
    {
        var body = string.Join("\n",
            """<startEvent id="order"><messageEventDefinition messageRef="Msg_order" /></startEvent>""",
            """<receiveTask id="WaitPay" name="Wait for payment" messageRef="Msg_paid"><extensionElements><c:properties><c:property name="to" value="sta.payment" /></c:properties></extensionElements></receiveTask>""",
            Task("Ship", "shop", "ship"),
            """<eventBasedGateway id="Either" />""",
            """<intermediateCatchEvent id="Again"><messageEventDefinition messageRef="Msg_paid" /></intermediateCatchEvent>""",
            """<intermediateCatchEvent id="Later"><timerEventDefinition><timeDuration>PT10M</timeDuration></timerEventDefinition></intermediateCatchEvent>""",
            """<endEvent id="End" />""", """<endEvent id="End2" />""",
            Flow("a", "order", "WaitPay"), Flow("b", "WaitPay", "Ship"), Flow("c", "Ship", "Either"),
            Flow("d", "Either", "Again"), Flow("e", "Either", "Later"), Flow("f", "Again", "End"), Flow("g", "Later", "End2"));
        var bpmn = Header.Replace("xmlns:c=", "xmlns:zeebe=\"http://camunda.org/schema/zeebe/1.0\" xmlns:c=") + "\n" + body + "\n</process>\n"
            + "<message id=\"Msg_order\" name=\"order-placed\" />\n"
            + "<message id=\"Msg_paid\" name=\"paid\"><extensionElements><zeebe:subscription correlationKey=\"=orderId\" /></extensionElements></message>\n"
            + "</definitions>";
        var run = Check("/f/order.bpmn", bpmn);
        // The start's message names no [FlowEvent] type: FG0309 at the message; the rest binds.
        var unknown = Single(run, "FG0309");
        Assert.Contains("order-placed", unknown.GetMessage());
        Assert.DoesNotContain(run.Diagnostics, d => d.Id != "FG0309" && d.Id != "FG0411" && d.Severity == DiagnosticSeverity.Error);

        // With a plain start that names the key, the same flow compiles cleanly.
        var valid = bpmn.Replace("""<startEvent id="order"><messageEventDefinition messageRef="Msg_order" /></startEvent>""",
            """<startEvent id="order"><extensionElements><c:properties><c:property name="key" value="req.orderId" /></c:properties></extensionElements></startEvent>""");
        var clean = Check("/f/order.bpmn", valid);
        Assert.Empty(clean.Diagnostics);
        Assert.Empty(GeneratedErrors(clean));
        var source = clean.Source("Shop.OrderFlow.g.cs")!;
        Assert.Contains("case Node.WaitPay: return Continue_WaitPay(state, signal, out caught);", source);
        Assert.Contains("case Node.Either: return Continue_Either(state, signal, out caught);", source);
        Assert.Contains("global::FlowGen.Durable.FlowKeys.Format(e.OrderId)", source);
    }
}
