using FlowGen;
using Xunit;

namespace FlowGen.Tests;

public sealed record PriceRequest(string Name, int Count, decimal Price);

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
}
