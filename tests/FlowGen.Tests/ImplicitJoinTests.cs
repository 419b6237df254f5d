using Xunit;

namespace FlowGen.Tests;

// Flows/join-*.flow.yaml: a task, subflow or call with several incoming connections joins them as an inclusive
// gateway would (Kstry's implicit join, as kstry-core's loadTest006 accepts): it waits for every branch that can
// still arrive and runs once, after them.
public sealed class ImplicitJoinTests
{
    private readonly Recorder _log = new();

    [Fact]
    public async Task A_task_after_a_fork_without_a_join_gateway_runs_once_after_both_branches()
    {
        var result = await new JoinAfterForkFlow(new Joins(_log)).RunAsync(new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("21", result.Value); // it read what both branches wrote
        Assert.Equal(["a", "both", "t"], _log.Calls.Order(StringComparer.Ordinal));
        Assert.Equal("both", _log.Calls[^1]);
    }

    [Theory]
    [InlineData(20, new[] { "t", "a" })]
    [InlineData(5, new[] { "t" })]
    public async Task A_task_after_conditional_branches_runs_once_after_the_branches_taken(int amount, string[] taken)
    {
        var result = await new JoinAfterChoicesFlow(new Joins(_log)).RunAsync(new OrderRequest(amount, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("done", result.Value);
        Assert.Equal(taken.Append("once").Order(StringComparer.Ordinal), _log.Calls.Order(StringComparer.Ordinal));
        Assert.Equal("once", _log.Calls[^1]);
    }

    [Fact]
    public async Task A_task_whose_branches_were_all_skipped_does_not_run()
    {
        var result = await new JoinAfterChoicesFlow(new Joins(_log)).RunAsync(new OrderRequest(-1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Null(result.Value);
        Assert.Empty(_log.Calls);
    }

    [Fact]
    public async Task A_subflow_call_after_a_fork_runs_once_after_both_branches()
    {
        var result = await new JoinIntoSubflowFlow(new Joins(_log)).RunAsync(new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("21", result.Value);
        Assert.Equal(3, _log.Calls.Count);
        Assert.Equal("both", _log.Calls[^1]);
    }
}
