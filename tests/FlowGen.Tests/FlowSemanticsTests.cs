using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// Every flow here is a .bpmn file under Flows/, compiled by the real generator during this project's build.
public sealed class FlowSemanticsTests
{
    private readonly Recorder _log = new();

    [Fact]
    public async Task Sequence_runs_tasks_in_order_and_passes_bus_values()
    {
        var flow = new OrderSequenceFlow(new Calc(_log));

        var result = await flow.RunAsync(new OrderRequest(5, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(new OrderResult(5, 15, "finish"), result.Value);
        Assert.Equal(["begin", "add-ten", "finish"], _log.Calls);
    }

    [Theory]
    [InlineData(150, "app", "big")]   // first true condition wins, in document order
    [InlineData(20, "app", "app")]
    [InlineData(20, "web", "small")]  // no condition true: the default flow
    public async Task Exclusive_gateway_takes_first_true_condition_else_default(int amount, string source, string path)
    {
        var flow = new OrderRouteFlow(new Calc(_log));

        var result = await flow.RunAsync(new OrderRequest(amount, source));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(path, result.Value!.Path);
        Assert.Equal(amount, result.Value.Total);
    }

    [Fact]
    public async Task Parallel_branches_overlap_and_the_join_waits_for_all()
    {
        var goods = new Goods(_log) { Latency = TimeSpan.FromMilliseconds(200) };
        var flow = new GoodsParallelFlow(goods);

        var result = await flow.RunAsync(new OrderRequest(7, "app"), new FlowRunOptions { Tracking = TrackingMode.Node });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(new GoodsPage("sku-7000", "shop-7000", "logistics-7000"), result.Value);
        // All three branches started before any finished: their awaits overlapped.
        var calls = _log.Calls;
        var lastStart = calls.Select((c, i) => (c, i)).Where(x => x.c.EndsWith(":start")).Max(x => x.i);
        var firstEnd = calls.Select((c, i) => (c, i)).Where(x => x.c.EndsWith(":end")).Min(x => x.i);
        Assert.True(lastStart < firstEnd, string.Join(", ", calls));
        // The trace shows the three branch tasks starting together, and the merge after all of them.
        var trace = result.Trace!;
        var branches = trace.Nodes.Where(n => n.NodeId is "Task_Sku" or "Task_Shop" or "Task_Logistics").ToList();
        Assert.Equal(3, branches.Count);
        var merge = trace.Nodes.Single(n => n.NodeId == "Task_Merge");
        Assert.All(branches, b => Assert.True(merge.Start >= b.Start + b.Duration - TimeSpan.FromMilliseconds(1)));
        Assert.True(branches.Max(b => b.Start) < branches.Min(b => b.Start + b.Duration), trace.ToString());
    }

    [Theory]
    [InlineData(20, "web", "coupon")]
    [InlineData(20, "app", "coupon+sms")]
    [InlineData(5, "app", "sms")]
    [InlineData(5, "web", "nothing")]
    public async Task Inclusive_gateway_runs_every_true_branch_and_joins_exactly_those(int amount, string source, string expected)
    {
        var flow = new OrderInclusiveFlow(new Extras(_log));

        var result = await flow.RunAsync(new OrderRequest(amount, source));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
        Assert.Equal(expected.Split('+').OrderBy(c => c), _log.Calls.OrderBy(c => c)); // exactly the taken branches ran
    }

    [Theory]
    [InlineData(500, "done:stats")]
    [InlineData(50, "done:none")]
    public async Task Lenient_parallel_join_continues_with_the_branches_that_ran(int amount, string expected)
    {
        var flow = new RiskJoinFlow(new Risk(_log));

        var result = await flow.RunAsync(new OrderRequest(amount, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
        Assert.Equal(1, _log.Calls.Count(c => c == "done")); // the join ran its continuation once
    }

    [Fact]
    public async Task Task_failure_ends_the_run_with_node_and_exception_and_resume_continues_there()
    {
        var flow = new FlakyFlow(new Calc(_log));
        var state = new FlakyFlow.State(new OrderRequest(3, "web"));

        var failed = await flow.RunAsync(state);

        Assert.False(failed.IsSuccess);
        Assert.Equal(FlowErrorCodes.TaskFailed, failed.Error.Code);
        Assert.Equal("flaky-flow", failed.Error.FlowId);
        Assert.Equal("Task_Flaky", failed.Error.NodeId);
        Assert.Equal("Call flaky service", failed.Error.NodeName);
        Assert.IsType<TimeoutException>(failed.Error.Exception);
        Assert.Equal(FlakyFlow.Node.Task_Flaky, state.FailedAt);
        Assert.Throws<FlowFailedException>(() => failed.GetValueOrThrow());

        var resumed = await flow.ResumeAsync(state);

        Assert.True(resumed.IsSuccess, resumed.ToString());
        Assert.Equal(new OrderResult(3, null, "finish-plain"), resumed.Value);
        Assert.Equal(["begin", "flaky", "flaky"], _log.Calls); // begin ran once: its sta.total came from the kept state
    }

    [Fact]
    public async Task Resume_after_a_failure_in_one_parallel_branch_continues_every_stopped_branch_once()
    {
        var flow = new PartsFlow(new Parts(_log));
        var state = new PartsFlow.State(new OrderRequest(1, "web"));

        var failed = await flow.RunAsync(state);

        Assert.Equal(FlowErrorCodes.TaskFailed, failed.Error?.Code);
        Assert.Equal("Task_Left", failed.Error!.NodeId);
        // The failure cancelled the right branch's running task (it observes the run's token): it runs again on resume.
        Assert.Equal(["Task_Left", "Task_Right"], state.ResumeNodeIds);
        Assert.Equal(["left"], _log.Calls);

        var resumed = await flow.ResumeAsync(state);

        Assert.True(resumed.IsSuccess, resumed.ToString());
        Assert.Equal("L+R!", resumed.Value);
        Assert.Equal(["after-right", "combine", "left", "left", "right"], _log.Calls.Order());
    }

    [Fact]
    public async Task A_state_runs_once_and_resuming_a_run_that_did_not_fail_is_an_error()
    {
        var flow = new OrderSequenceFlow(new Calc(_log));
        var state = new OrderSequenceFlow.State(new OrderRequest(1, "web"));

        var first = await flow.RunAsync(state, new FlowRunOptions { Tracking = TrackingMode.Node });
        var duration = first.Trace!.Duration;
        var again = await flow.RunAsync(state);
        var resume = await flow.ResumeAsync(state);

        Assert.True(first.IsSuccess);
        Assert.Equal(FlowErrorCodes.InvalidResume, again.Error?.Code);
        Assert.Equal(FlowErrorCodes.InvalidResume, resume.Error?.Code);
        Assert.Null(state.Error);                        // the refused runs left the state as the first run ended it
        Assert.Equal(duration, first.Trace.Duration);
        Assert.Equal(["begin", "add-ten", "finish"], _log.Calls); // nothing ran twice
    }

    [Fact]
    public async Task Cancellation_before_a_node_ends_the_run_with_the_cancelled_code()
    {
        var flow = new OrderSequenceFlow(new Calc(_log));
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        var result = await flow.RunAsync(new OrderRequest(1, "web"), cancellationToken: cancellation.Token);

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.Cancelled, result.Error.Code);
        Assert.Empty(_log.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_task_that_cancels_the_token_stops_the_run_before_the_next_task_fused_or_node_by_node(bool tracked)
    {
        var stopper = new Stopper(_log);
        var flow = new StopMidwayFlow(stopper);
        using var cancellation = new CancellationTokenSource();
        stopper.Cancellation = cancellation;

        var result = await flow.RunAsync(new OrderRequest(1, "cancel"), tracked ? new FlowRunOptions { Tracking = TrackingMode.Node } : null, cancellation.Token);

        Assert.Equal(FlowErrorCodes.Cancelled, result.Error?.Code);
        Assert.Equal("third", result.Error?.NodeId);
        Assert.Equal(["stop", "second"], _log.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_task_that_suspends_the_run_through_its_context_stops_it_before_the_next_task_fused_or_node_by_node(bool tracked)
    {
        var flow = new StopMidwayFlow(new Stopper(_log));

        var result = await flow.RunAsync(new OrderRequest(1, "suspend"), tracked ? new FlowRunOptions { Tracking = TrackingMode.Node } : null);

        Assert.Equal(FlowErrorCodes.Suspended, result.Error?.Code);
        Assert.Contains("stopped midway", result.Error?.Message);
        Assert.Equal(["stop"], _log.Calls);
    }

    [Fact]
    public async Task Flow_timeout_ends_a_slow_run_with_the_timeout_code()
    {
        var goods = new Goods(_log) { Latency = TimeSpan.FromSeconds(30) };
        var flow = new GoodsParallelFlow(goods);

        var result = await flow.RunAsync(new OrderRequest(1, "web"), new FlowRunOptions { Timeout = TimeSpan.FromMilliseconds(100) });

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.FlowTimedOut, result.Error.Code);
        Assert.StartsWith("Task_", result.Error.NodeId);
    }
}
