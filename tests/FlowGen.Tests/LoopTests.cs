using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// Flows/loops.bpmn: loops that leave through an exclusive gateway, and the loop limit.
public sealed class LoopTests
{
    private readonly Recorder _log = new();

    [Theory]
    [InlineData(0, "count=20 after 20 rounds")]
    [InlineData(19, "count=20 after 1 rounds")]   // a do-while loop: the body runs at least once
    [InlineData(25, "count=26 after 1 rounds")]
    public async Task A_loop_goes_round_until_its_exit_condition_holds(int start, string expected)
    {
        var result = await new CountLoopFlow(new Counter(_log)).RunAsync(new OrderRequest(start, "web"));
        var fluent = await new CountLoopFluentFlow(new Counter(new Recorder())).RunAsync(new OrderRequest(start, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
        Assert.Equal(["done"], _log.Calls);
        Assert.True(fluent.IsSuccess, fluent.ToString()); // the same loop written with RepeatUntil
        Assert.Equal(expected, fluent.Value);
    }

    [Fact]
    public async Task A_fluent_loop_obeys_its_loop_limit()
    {
        var result = await new CountLoopFluentFlow(new Counter(_log)).RunAsync(new OrderRequest(-1_000, "web"));

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.LoopLimit, result.Error.Code);
    }

    [Theory]
    [InlineData(18, "count=20 after 2 rounds")]   // a while loop: the gateway comes first
    [InlineData(20, "count=20 after 0 rounds")]
    public async Task A_loop_that_starts_with_its_gateway_may_not_run_at_all(int start, string expected)
    {
        var result = await new LimitedLoopFlow(new Counter(_log)).RunAsync(new OrderRequest(start, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
    }

    [Fact]
    public async Task A_runaway_loop_ends_with_the_loop_limit_code()
    {
        // loop-limit=5 on the start event; from 0 the loop would need 20 rounds.
        var result = await new LimitedLoopFlow(new Counter(_log)).RunAsync(new OrderRequest(0, "web"));

        Assert.Equal(FlowErrorCodes.LoopLimit, result.Error?.Code);
        Assert.Equal("Lim_Check", result.Error!.NodeId);
        Assert.Contains("more than 5 times", result.Error.Message);
        Assert.Empty(_log.Calls);
    }

    [Fact]
    public async Task Run_options_override_the_loop_limit_and_a_long_loop_does_not_deepen_the_stack()
    {
        var counter = new Counter(_log);
        var options = new FlowRunOptions { MaxLoopIterations = 300_000 };

        var result = await new CountLoopFlow(counter).RunAsync(new OrderRequest(-200_000, "web"), options);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(200_020, counter.Rounds);
    }
}

/// <summary>count-loop of Flows/loops.bpmn as a fluent definition.</summary>
[Flow("count-loop-fluent")]
public sealed partial class CountLoopFluentFlow : IFlow<OrderRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<OrderRequest> flow) => flow
        .LoopLimit(100)
        .Task<Counter>(c => c.Init)
        .RepeatUntil(body => body.Task<Counter>(c => c.Increment), until: bus => bus.Var<int>("count") >= 20)
        .Task<Counter>(c => c.Done);
}
