using FlowGen;
using Xunit;

namespace FlowGen.Tests;

public sealed record PriceRequest(string Name, int Count, decimal Price, string? Nick = null);

/// <summary>A result built by a result template: constructor parameters and settable properties, by name.</summary>
public sealed record PriceQuote(string Label, decimal Total, int Count)
{
    public bool Bulk { get; init; }

    public string? Note { get; set; }
}

/// <summary>The tasks of the assignment flows: a price on the bus, and a result made of what the sets wrote.</summary>
[FlowComponent("till")]
public sealed class Till
{
    [FlowTask("price")]
    [ToState("price")]
    public decimal Price(PriceRequest request) => request.Price;

    [FlowTask("wrap")]
    [ToResult]
    public string Wrap([FromVar("label")] string label, [FromVar("total")] decimal total, [FromVar("notified")] bool notified, [FromVar("count")] int count)
        => $"{label}|{total}|{notified}|{count}";
}

[Flow("assignments")] public sealed partial class AssignmentsYamlFlow : IFlow<PriceRequest, string>;

[Flow("assignments-bpmn")] public sealed partial class AssignmentsBpmnFlow : IFlow<PriceRequest, string>;

[Flow("assignments-graph")] public sealed partial class AssignmentsGraphFlow : IFlow<PriceRequest, string>;

[Flow("price-quote")] public sealed partial class QuoteYamlFlow : IFlow<PriceRequest, PriceQuote>;

[Flow("price-quote-bpmn")] public sealed partial class QuoteBpmnFlow : IFlow<PriceRequest, PriceQuote>;

/// <summary>The YAML flow's assignments in the fluent form: Set after a task is its set; Set after nothing is a node of its own.</summary>
[Flow("assignments-fluent")]
public sealed partial class AssignmentsFluentFlow : IFlow<PriceRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<PriceRequest> flow) => flow
        .Task("till", "price", id: "price")
            .Set("var.total", bus => bus.State<decimal>("price") * bus.Request.Count)
            .Set("var.notified", bus => false)
            .Set("var.bulk", bus => bus.Request.Count >= 10)
        .If(bus => bus.Var<bool>("bulk"), then: b => b.Set("var.label", bus => bus.Request.Name.ToUpper() + "-" + bus.Var<decimal>("total") + " bulk"),
            otherwise: b => b.Set("var.label", bus => bus.Request.Name.ToUpper() + "-" + bus.Var<decimal>("total")))
        .Set("var.count", bus => bus.Request.Count)
        .Task("till", "wrap", id: "wrap");
}

// Flows/assignments.flow.yaml, assignments.bpmn and assignments.flow.json, compiled by the real generator.
public sealed class AssignmentTests
{
    [Theory]
    [InlineData("ann", 3, 2.5, "ANN-7.5|7.5|False|3")]
    [InlineData("bob", 12, 1, "BOB-12 bulk|12|False|12")]
    public async Task A_set_writes_typed_bus_values_after_the_task_and_a_set_step_joins_them(string name, int count, double price, string expected)
    {
        var request = new PriceRequest(name, count, (decimal)price);
        foreach (var run in new Func<PriceRequest, FlowRunOptions?, ValueTask<FlowResult<string>>>[]
                 {
                     (r, o) => new AssignmentsYamlFlow(new Till()).RunAsync(r, o),
                     (r, o) => new AssignmentsBpmnFlow(new Till()).RunAsync(r, o),
                     (r, o) => new AssignmentsFluentFlow(new Till()).RunAsync(r, o),
                 })
        {
            // Plain (fused) and tracked (node by node) runs take the same sets.
            foreach (var options in new FlowRunOptions?[] { null, new FlowRunOptions { Tracking = TrackingMode.Node } })
            {
                var result = await run(request, options);

                Assert.True(result.IsSuccess, result.ToString());
                Assert.Equal(expected, result.Value);
            }
        }
    }

    [Theory]
    [InlineData(4, 10, "cheap 2.5|40|True|1")]
    [InlineData(2, 30, "dear 15|60|False|4")]
    public async Task A_gateways_set_is_read_by_its_own_conditions(int count, int price, string expected)
    {
        var flow = new AssignmentsGraphFlow(new Till());

        foreach (var options in new FlowRunOptions?[] { null, new FlowRunOptions { Tracking = TrackingMode.Node } })
        {
            var result = await flow.RunAsync(new PriceRequest("x", count, price), options);

            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal(expected, result.Value);
        }
    }

    [Fact]
    public async Task An_expression_that_throws_fails_the_run_at_its_node_naming_the_value()
    {
        var flow = new AssignmentsGraphFlow(new Till());

        foreach (var options in new FlowRunOptions?[] { null, new FlowRunOptions { Tracking = TrackingMode.Node } })
        {
            var result = await flow.RunAsync(new PriceRequest("x", 0, 10), options); // sta.price / req.count: decimal division by zero

            Assert.False(result.IsSuccess);
            Assert.Equal(FlowErrorCodes.AssignmentFailed, result.Error!.Code);
            Assert.Equal("choose", result.Error.NodeId);
            Assert.Contains("setting var.per threw DivideByZeroException", result.Error.Message);
            Assert.IsType<DivideByZeroException>(result.Error.Exception);
        }
    }

    [Theory]
    [InlineData(3, false)]
    [InlineData(12, true)]
    public async Task A_result_template_builds_the_result_by_member_name(int count, bool bulk)
    {
        var flow = new QuoteYamlFlow(new Till());

        foreach (var options in new FlowRunOptions?[] { null, new FlowRunOptions { Tracking = TrackingMode.Node } })
        {
            var result = await flow.RunAsync(new PriceRequest("ann", count, 2.5m), options);

            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal(new PriceQuote("ANN-" + (2.5m * count).ToString(System.Globalization.CultureInfo.InvariantCulture), 2.5m * count, count) { Bulk = bulk }, result.Value);
        }
    }

    [Fact]
    public async Task Each_end_event_builds_its_own_result_and_a_null_for_a_member_declared_not_null_fails_the_run_there()
    {
        var flow = new QuoteBpmnFlow(new Till());

        var byName = await flow.RunAsync(new PriceRequest("ann", 3, 2m));
        Assert.True(byName.IsSuccess, byName.ToString());
        Assert.Equal(new PriceQuote("ann", 2m, 1) { Note = "by name" }, byName.Value);

        var byNick = await flow.RunAsync(new PriceRequest("ann", 200, 2m, Nick: "an"));
        Assert.True(byNick.IsSuccess, byNick.ToString());
        Assert.Equal(new PriceQuote("AN", 400m, 200) { Bulk = true }, byNick.Value);

        var noNick = await flow.RunAsync(new PriceRequest("ann", 200, 2m));
        Assert.False(noNick.IsSuccess);
        Assert.Equal(FlowErrorCodes.AssignmentFailed, noNick.Error!.Code);
        Assert.Equal("nickEnd", noNick.Error.NodeId);
        Assert.Contains("res.Label is null, but PriceQuote's constructor parameter 'Label' is not nullable", noNick.Error.Message);
    }
}
