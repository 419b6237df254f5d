using Xunit;

namespace FlowGen.Tests;

// Flows/gateway-shapes.bpmn (issue 14): shapes the checks accept compile with no warning (the test project treats
// warnings as errors) and run the nodes the flow says, each exactly once.
public sealed class GatewayShapeTests
{
    private readonly Recorder _log = new();

    private async Task Runs(IFlow<OrderRequest, string> flow, int amount, params string[] expected)
    {
        var result = await flow.RunAsync(new OrderRequest(amount, "web"));
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("done", result.Value);
        // Branches may run in any order (open-async runs them on the thread pool): compare as sets, each once.
        Assert.Equal(expected.Append("summary").OrderBy(c => c, StringComparer.Ordinal), _log.Calls.OrderBy(c => c, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(1, new[] { "T", "A" })]
    [InlineData(-1, new[] { "T" })]
    public Task Inclusive_gateway_takes_its_flow_without_a_condition_and_each_true_one(int amount, string[] expected)
        => Runs(new ShapeInclusiveMixedFlow(new Shapes(_log)), amount, expected);

    [Fact]
    public Task Inclusive_gateway_with_a_flow_without_a_condition_never_takes_its_default_flow()
        => Runs(new ShapeInclusiveDefaultFlow(new Shapes(_log)), 1, "T");

    [Fact]
    public Task Parallel_gateways_that_call_a_service_with_open_async_call_it_and_run_every_branch()
        => Runs(new ShapeParallelServiceFlow(new Shapes(_log)), 1, "gate", "T", "A", "gate-join");

    [Theory]
    [InlineData(20, new[] { "gate", "T", "A", "gate-join" })]
    [InlineData(5, new[] { "gate", "T", "gate-join" })]
    public Task Inclusive_gateways_that_call_a_service_with_open_async_call_it_and_run_the_taken_branches(int amount, string[] expected)
        => Runs(new ShapeInclusiveServiceFlow(new Shapes(_log)), amount, expected);

    [Theory]
    [InlineData(500, new[] { "big" })]
    [InlineData(5, new[] { "T" })]
    public Task Exclusive_gateway_takes_the_first_true_condition_else_its_first_flow_without_one(int amount, string[] expected)
        => Runs(new ShapeExclusivePlainFlow(new Shapes(_log)), amount, expected);

    [Theory]
    [InlineData(500, new[] { "T" })]
    [InlineData(1, new[] { "T" })]
    [InlineData(3, new[] { "A" })]
    public Task Exclusive_gateway_with_a_condition_and_the_default_flow_to_one_node_runs_it_once(int amount, string[] expected)
        => Runs(new ShapeExclusiveSameDefaultFlow(new Shapes(_log)), amount, expected);

    [Theory]
    [InlineData(500, new[] { "T" })]
    [InlineData(-1, new[] { "T" })]
    [InlineData(5, new[] { "A" })]
    public Task Exclusive_gateway_with_two_conditions_to_one_node_runs_it_once(int amount, string[] expected)
        => Runs(new ShapeExclusiveSameConditionsFlow(new Shapes(_log)), amount, expected);
}
