using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// Flows/routing.bpmn: a gateway that calls a service before it branches, Kstry's O1: order, enum conditions,
// and conditional flows leaving a task.
public sealed class RoutingTests
{
    private readonly Recorder _log = new();

    [Theory]
    [InlineData(5000, "vip", "big")]   // O1: is evaluated before the condition written first
    [InlineData(10, "vip", "vip")]
    [InlineData(10, "web", "normal")]  // default flow
    public async Task Gateway_calls_its_service_then_branches_in_Kstry_order(int amount, string source, string expected)
    {
        var result = await new RouteGatewayFlow(new Router(_log)).RunAsync(new OrderRequest(amount, source));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
        Assert.Equal(["classify"], _log.Calls);
    }

    [Theory]
    [InlineData("web", "normal")]
    [InlineData("vip", "vip")]
    public async Task Conditional_flows_leaving_a_task_take_the_true_ones(string source, string expected)
    {
        var result = await new RouteTaskFlow(new Router(_log)).RunAsync(new OrderRequest(1, source));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
    }

    [Fact]
    public async Task A_task_whose_conditional_flows_are_all_false_fails_with_no_matching_branch()
    {
        var result = await new RouteTaskFlow(new Router(_log)).RunAsync(new OrderRequest(1, "fax"));

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.NoMatchingBranch, result.Error.Code);
        Assert.Equal("Task_Classify", result.Error.NodeId);
    }

    [Fact]
    public async Task An_exclusive_gateway_with_no_true_condition_and_no_default_fails_naming_the_gateway()
    {
        var flow = new NoDefaultFlow(new Router(_log));

        var taken = await flow.RunAsync(new OrderRequest(500, "web"));
        var none = await flow.RunAsync(new OrderRequest(50, "web"));

        Assert.Equal("big", taken.Value);
        Assert.False(none.IsSuccess);
        Assert.Equal(FlowErrorCodes.NoMatchingBranch, none.Error.Code);
        Assert.Equal("Gateway_Size", none.Error.NodeId);
        Assert.Equal("Size?", none.Error.NodeName);
    }

    [Fact]
    public async Task An_inclusive_gateway_with_no_true_condition_takes_its_default_flow()
    {
        var result = await new OrderInclusiveFlow(new Extras(_log)).RunAsync(new OrderRequest(1, "web"));

        Assert.Equal("nothing", result.Value);
        Assert.Equal(["nothing"], _log.Calls);
    }

    [Fact]
    public async Task A_task_can_take_the_run_itself_as_FlowContext()
    {
        using var cancellation = new CancellationTokenSource();
        var options = new FlowRunOptions { RequestId = "req-1", BusinessId = "shop-9" };

        var result = await new ContextFlow(new Router(_log)).RunAsync(new OrderRequest(1, "web"), options, cancellation.Token);

        Assert.Equal("context-flow/req-1/shop-9/True", result.Value);
    }

    [Theory]
    [InlineData(50, "gold", "vip")]     // in (...) and between
    [InlineData(500, "gold", "big")]    // between fails; amount > 100
    [InlineData(5, "bronze", "big")]    // like 'b%'
    [InlineData(5, "web", "normal")]
    public async Task The_orchestration_platforms_operators_work_in_conditions(int amount, string source, string expected)
    {
        var result = await new OperatorsFlow(new Router(_log)).RunAsync(new OrderRequest(amount, source));

        Assert.Equal(expected, result.Value);
    }
}
