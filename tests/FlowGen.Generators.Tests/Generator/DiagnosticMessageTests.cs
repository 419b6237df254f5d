using Microsoft.CodeAnalysis;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// Issue 14, item 8: diagnostics that pointed at the wrong thing, named the wrong type or said one mistake four times.
// Each test asserts the exact place and the exact message.
public sealed class DiagnosticMessageTests
{
    private const string PriceComponents = """
        using FlowGen;
        namespace Shop;
        public sealed class Order { public decimal Total { get; init; } public decimal? Discount { get; init; } }
        public sealed record Req(decimal Price, Order? Order);
        public sealed record Res(int Done);
        [FlowComponent("shop")]
        public sealed class ShopTasks
        {
            [FlowTask("quote"), ToState("price")] public decimal Quote(Req request) => request.Price;
            [FlowTask("finish"), ToResult] public Res Finish() => new(1);
        }
        [Flow("f")]
        public sealed partial class ShopFlow : IFlow<Req, Res>;
        """;

    private static (int Line, int Column) Position(Location location)
    {
        var start = location.GetLineSpan().StartLinePosition;
        return (start.Line + 1, start.Character + 1);
    }

    // ---- FG0302 at the task, the task-service property as the additional location ----

    [Fact]
    public void FG0302_is_at_the_serviceTask_element_with_the_task_service_property_as_additional_location()
    {
        var text = Process(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calc", "nope"), """<endEvent id="e" />""", Flow("a", "f", "t1"), Flow("b", "t1", "e")));
        var d = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/demo.bpmn", text)).Single("FG0302");

        Assert.Equal("/flows/demo.bpmn", d.Location.GetLineSpan().Path);
        Assert.Equal((5, 1), Position(d.Location)); // <serviceTask id="t1"> starts line 5
        Assert.StartsWith("<serviceTask id=\"t1\">", text.Split('\n')[4][(Position(d.Location).Column - 1)..], StringComparison.Ordinal);
        var property = Assert.Single(d.AdditionalLocations);
        Assert.Equal(GeneratorHarness.Find(text, """<c:property name="task-service" value="nope" />"""), Position(property));
        Assert.Equal(
            "serviceTask 't1' uses task-service 'nope' in component 'calc' (Calc), but no method has [FlowTask(\"nope\")] there. "
            + "Known tasks: begin, end, name, needs-missing, needs-text, noop. Add the method or fix the name (or set allow-absent=true to skip the task).",
            d.GetMessage());
    }

    [Fact]
    public void FG0302_without_a_component_is_at_the_yaml_node_with_the_task_service_key_as_additional_location()
    {
        var text = """
            flow: f
            graph:
              nodes:
                - type: start
                - id: t1
                  task-service: nope
                - { id: e, type: end }
              connections:
                - { from: f, to: t1 }
                - { from: t1, to: e }
            """;
        var d = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/demo.flow.yaml", text)).Single("FG0302");

        Assert.Equal(GeneratorHarness.Find(text, "id: t1"), Position(d.Location));
        Assert.Equal(GeneratorHarness.Find(text, "task-service: nope").Line, Position(Assert.Single(d.AdditionalLocations)).Line);
        Assert.Equal(
            "task 't1' uses task-service 'nope' in any component, but no method has [FlowTask(\"nope\")] there. "
            + "Known tasks: calc/begin, calc/end, calc/name, calc/needs-missing, calc/needs-text, calc/noop. Add the method or fix the name (or set allow-absent=true to skip the task).",
            d.GetMessage());
    }

    // ---- FG0503 names the declared type ----

    private static Diagnostic PriceCondition(string condition)
    {
        var text = $$"""
            flow: f
            graph:
              nodes:
                - type: start
                - { id: q, task-component: shop, task-service: quote }
                - { id: g, type: exclusive }
                - { id: t, task-component: shop, task-service: finish }
                - { id: u, task-component: shop, task-service: finish }
                - { id: e, type: end }
              connections:
                - { from: f, to: q }
                - { from: q, to: g }
                - { from: g, to: t, when: "{{condition}}" }
                - { from: g, to: u, default: true }
                - { from: t, to: e }
                - { from: u, to: e }
            """;
        var d = GeneratorHarness.RunGenerator(PriceComponents, new InMemoryText("/flows/shop.flow.yaml", text)).Single("FG0503");
        Assert.Equal(GeneratorHarness.Find(text, condition), Position(d.Location));
        return d;
    }

    [Fact]
    public void FG0503_names_a_decimal_state_value_decimal()
    {
        Assert.Equal("Condition 'sta.price > 'a'' on sequence flow 'g->t': cannot compare decimal (sta.price) with string ('a')",
            PriceCondition("sta.price > 'a'").GetMessage().TrimEnd('.'));
    }

    [Fact]
    public void FG0503_names_a_decimal_member_behind_a_nullable_receiver_decimal_and_a_declared_decimal_nullable_as_such()
    {
        // The ?. before Total made the value nullable where the condition reads it, and the message said decimal?.
        Assert.Equal("Condition 'req.order.total > 'a'' on sequence flow 'g->t': cannot compare decimal (req.order.total) with string ('a')",
            PriceCondition("req.order.total > 'a'").GetMessage().TrimEnd('.'));
        Assert.Equal("Condition 'req.order.discount > 'a'' on sequence flow 'g->t': cannot compare decimal? (req.order.discount) with string ('a')",
            PriceCondition("req.order.discount > 'a'").GetMessage().TrimEnd('.'));
    }

    // ---- one bad condition, one error ----

    [Fact]
    public void A_bpmn_condition_with_stray_entities_is_one_FG0501_at_its_first_character_and_no_FG0502()
    {
        var text = Process(string.Join("\n", """<startEvent id="f" />""", """<exclusiveGateway id="x" default="n" />""", Task("t1", "calc", "noop"), """<endEvent id="e" />""",
            Flow("a", "f", "x"), Flow("y", "x", "t1", "&amp;c;&amp;c; == 1"), Flow("n", "x", "e"), Flow("b", "t1", "e")));
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/demo.bpmn", text));

        var d = Assert.Single(run.Diagnostics);
        Assert.Equal("FG0501", d.Id);
        Assert.Equal(GeneratorHarness.Find(text, "&amp;c;&amp;c; == 1"), Position(d.Location));
        Assert.Equal("&amp;".Length, d.Location.SourceSpan.Length); // the first '&' as written, not the whole condition
        Assert.Equal("Condition '&c;&c; == 1' on sequence flow 'y': unexpected '&': use '&&' (or 'and')", d.GetMessage().TrimEnd('.'));
    }

    [Fact]
    public void A_yaml_condition_with_stray_entities_is_one_FG0501_and_no_FG0502()
    {
        var text = """
            flow: f
            graph:
              nodes:
                - type: start
                - { id: x, type: exclusive }
                - { id: t1, task-component: calc, task-service: noop }
                - { id: e, type: end }
              connections:
                - { from: f, to: x }
                - { from: x, to: t1, when: "&c;&c; == 1" }
                - { from: x, to: e, default: true }
                - { from: t1, to: e }
            """;
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/demo.flow.yaml", text));

        var d = Assert.Single(run.Diagnostics);
        Assert.Equal("FG0501", d.Id);
        Assert.Equal(GeneratorHarness.Find(text, "&c;&c; == 1"), Position(d.Location));
        Assert.Equal("Condition '&c;&c; == 1' on sequence flow 'x->t1': unexpected '&': use '&&' (or 'and')", d.GetMessage().TrimEnd('.'));
    }

    [Fact]
    public void Unknown_names_without_a_syntax_error_are_each_still_reported()
    {
        // The rule is "one syntax error per condition", not "one error per condition": two unknown names are two mistakes.
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/demo.flow.yaml", """
            flow: f
            graph:
              nodes:
                - type: start
                - { id: x, type: exclusive }
                - { id: t1, task-component: calc, task-service: noop }
                - { id: e, type: end }
              connections:
                - { from: f, to: x }
                - { from: x, to: t1, when: "a == 1 && b == 2" }
                - { from: x, to: e, default: true }
                - { from: t1, to: e }
            """));
        Assert.Equal(["FG0502", "FG0502"], run.Diagnostics.Select(d => d.Id));
    }
}
