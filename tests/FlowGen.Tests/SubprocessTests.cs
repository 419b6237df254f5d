using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// Flows/subflows.bpmn calls subprocesses defined in Flows/subflows-library.bpmn (another file, as Kstry's
// test_flow_02_sub.bpmn is used) and runs an embedded one.
public sealed class SubprocessTests
{
    private readonly Recorder _log = new();

    [Fact]
    public async Task A_call_activity_runs_a_subprocess_from_another_file_and_waits_for_all_its_branches()
    {
        var result = await new WithStatsFlow(new Stats(_log)).RunAsync(new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("12 orders, 3 reviews", result.Value);   // both parallel branches of the subprocess ran first
        Assert.Equal(["orders", "reviews"], _log.Calls.Order());
    }

    [Fact]
    public async Task A_subprocess_called_twice_runs_twice()
    {
        var result = await new TwiceStatsFlow(new Stats(_log)).RunAsync(new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(2, _log.Calls.Count(c => c == "orders"));
    }

    [Fact]
    public async Task An_embedded_subprocess_runs_in_place_and_may_call_others()
    {
        var result = await new EmbeddedStatsFlow(new Stats(_log)).RunAsync(new OrderRequest(1, "web"), new FlowRunOptions { Tracking = TrackingMode.Node });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(["orders", "orders", "reviews"], _log.Calls.Order());
        // Inner nodes are named by the path of subprocesses they run in.
        Assert.Contains(result.Trace!.Nodes, n => n.NodeId == "Embedded/Embedded_Call/Stats_Reviews");
    }

    [Fact]
    public async Task A_failing_subprocess_with_strict_mode_false_is_recorded_and_the_caller_goes_on()
    {
        var result = await new LenientStatsFlow(new Stats(_log)).RunAsync(new OrderRequest(1, "web"), new FlowRunOptions { Tracking = TrackingMode.Node });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("went on", result.Value);
        Assert.Equal(["fails", "after"], _log.Calls);          // the rest of the subprocess did not run
        Assert.Equal("ignored", result.Trace!.Nodes.Single(n => n.NodeId == "Call_Flaky").Outcome);
    }

    [Fact]
    public async Task A_subprocess_over_its_timeout_fails_the_run_naming_the_subprocess()
    {
        var result = await new SlowStatsFlow(new Stats(_log)).RunAsync(new OrderRequest(1, "web"));

        Assert.Equal(FlowErrorCodes.SubprocessTimedOut, result.Error?.Code);
        Assert.Equal("Call_Slow", result.Error!.NodeId);
        Assert.Contains("100 ms", result.Error.Message);
        Assert.DoesNotContain("after", _log.Calls);
    }

    [Fact]
    public async Task A_timed_out_subprocess_with_strict_mode_false_is_ignored()
    {
        var result = await new SlowLenientStatsFlow(new Stats(_log)).RunAsync(new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(["slow:start", "after"], _log.Calls);
    }
}
