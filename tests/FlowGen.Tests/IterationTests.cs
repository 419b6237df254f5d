using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// Flows/iteration.bpmn: ite-source over req.numbers with the all, best and any strategies, and ite-async.
public sealed class IterationTests
{
    private readonly Recorder _log = new();

    [Fact]
    public async Task All_runs_the_task_per_item_and_collects_results_in_order()
    {
        var result = await new SquaresAllFlow(new Numbers(_log)).RunAsync(new NumbersRequest([1, 2, 3]));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(14, result.Value);
        Assert.Equal(["1,4,9"], _log.Calls);
    }

    [Fact]
    public async Task All_fails_on_the_first_failing_item_with_the_iteration_code()
    {
        var result = await new SquaresStrictFlow(new Numbers(_log)).RunAsync(new NumbersRequest([1, -2, 3]));

        Assert.Equal(FlowErrorCodes.IterationFailed, result.Error?.Code);
        Assert.Equal("Strict_Square", result.Error!.NodeId);
        Assert.Contains("item 1", result.Error.Message);
        Assert.IsType<ArgumentOutOfRangeException>(result.Error.Exception);
    }

    [Fact]
    public async Task Best_keeps_the_successes_and_records_the_failures()
    {
        var flow = new SquaresBestFlow(new Numbers(_log));
        var state = new SquaresBestFlow.State(new NumbersRequest([1, -2, 3, -4]));

        var result = await flow.RunAsync(state);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(10, result.Value);
        Assert.Equal([1, 3], state.IterationFailures.Select(f => f.ItemIndex).Order());
        Assert.All(state.IterationFailures, f => Assert.Equal("Best_Square", f.NodeId));
    }

    [Fact]
    public async Task Any_stops_at_the_first_success()
    {
        var result = await new SquaresAnyFlow(new Numbers(_log)).RunAsync(new NumbersRequest([-1, -2, 3, 4]));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(9, result.Value);
        Assert.Equal(["try:-1", "try:-2", "try:3"], _log.Calls);
    }

    [Fact]
    public async Task Any_with_no_success_fails_with_the_iteration_code()
    {
        var result = await new SquaresAnyFlow(new Numbers(_log)).RunAsync(new NumbersRequest([-1, -2]));

        Assert.Equal(FlowErrorCodes.IterationFailed, result.Error?.Code);
    }

    [Fact]
    public async Task Async_iteration_is_bounded_and_keeps_item_order()
    {
        var numbers = new Numbers(_log);

        var result = await new SquaresAsyncFlow(numbers).RunAsync(new NumbersRequest([1, 2, 3, 4, 5, 6, 7, 8, 9]));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(["1,4,9,16,25,36,49,64,81"], _log.Calls);
        Assert.InRange(numbers.MaxConcurrent, 2, 3);   // ite-parallelism=3: overlapping, never more than 3
    }

    [Fact]
    public async Task The_run_can_lower_the_degree_of_parallelism()
    {
        var numbers = new Numbers(_log);

        var result = await new SquaresAsyncFlow(numbers).RunAsync(new NumbersRequest([1, 2, 3, 4]), new FlowRunOptions { MaxIterationParallelism = 1 });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(1, numbers.MaxConcurrent);
    }
}
