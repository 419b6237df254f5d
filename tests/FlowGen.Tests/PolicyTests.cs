using FlowGen;
using Polly.Timeout;
using Xunit;

namespace FlowGen.Tests;

// Flows/policies.bpmn and Flows/siblings.bpmn: task timeout, retries, fallback (task-demotion), strict-mode=false,
// the flow timeout, and sibling branches cancelled by a failure.
public sealed class PolicyTests
{
    private readonly Recorder _log = new();

    private PolicyTasks Tasks => new(_log);

    [Fact]
    public async Task A_task_over_its_timeout_fails_with_the_task_timeout_code()
    {
        var result = await new PolicyTimeoutFlow(Tasks).RunAsync(new OrderRequest(1, "web"));

        Assert.Equal(FlowErrorCodes.TaskTimedOut, result.Error?.Code);
        Assert.Equal("Timeout_Slow", result.Error!.NodeId);
        Assert.IsType<TimeoutRejectedException>(result.Error.Exception);
        Assert.Contains("50 ms", result.Error.Message);
    }

    [Fact]
    public async Task Retries_call_the_task_again_until_it_succeeds()
    {
        var result = await new PolicyRetryFlow(Tasks).RunAsync(new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("third time lucky", result.Value);
        Assert.Equal(["fail-twice:1", "fail-twice:2", "fail-twice:3", "after"], _log.Calls);
    }

    [Fact]
    public async Task When_the_retries_run_out_the_last_exception_fails_the_run()
    {
        var result = await new PolicyRetryShortFlow(Tasks).RunAsync(new OrderRequest(1, "web"));

        Assert.Equal(FlowErrorCodes.TaskFailed, result.Error?.Code);
        Assert.Equal("attempt 2 failed", result.Error!.Exception!.Message);
        Assert.Equal(["fail-twice:1", "fail-twice:2"], _log.Calls);
    }

    [Fact]
    public async Task The_timeout_limits_each_attempt_and_the_retry_goes_around_it()
    {
        var result = await new PolicyTimeoutRetryFlow(Tasks).RunAsync(new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("attempt 2", result.Value);
    }

    [Fact]
    public async Task The_fallback_runs_after_the_retries_and_its_value_takes_the_tasks_place()
    {
        var result = await new PolicyFallbackFlow(Tasks).RunAsync(new OrderRequest(1, "web"), new FlowRunOptions { Tracking = TrackingMode.Node });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("from backup", result.Value);
        Assert.Equal("fallback", result.Trace!.Nodes.Single(n => n.NodeId == "FB_Broken").Outcome);
        Assert.Equal(["broken", "broken", "backup", "after"], _log.Calls); // Kstry's order: retries, then fallback
    }

    [Fact]
    public async Task Strict_mode_false_on_a_task_records_the_failure_and_the_run_goes_on()
    {
        var result = await new PolicyIgnoreFlow(Tasks).RunAsync(new OrderRequest(1, "web"), new FlowRunOptions { Tracking = TrackingMode.Node });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Null(result.Value);                              // the ignored task wrote nothing
        Assert.Equal(["broken", "after"], _log.Calls);
        Assert.Equal("ignored", result.Trace!.Nodes.Single(n => n.NodeId == "IG_Broken").Outcome);
    }

    [Fact]
    public async Task The_flow_file_can_set_a_default_run_timeout()
    {
        var result = await new PolicyFlowTimeoutFlow(Tasks).RunAsync(new OrderRequest(1, "web"));

        Assert.Equal(FlowErrorCodes.FlowTimedOut, result.Error?.Code);
        Assert.Contains("100 ms", result.Error!.Message);
    }

    [Fact]
    public async Task A_failure_in_one_parallel_branch_cancels_its_siblings()
    {
        var state = new SiblingsFlow.State(new OrderRequest(1, "web"));

        var result = await new SiblingsFlow(Tasks).RunAsync(state);

        Assert.Equal(FlowErrorCodes.TaskFailed, result.Error?.Code);
        Assert.Equal("Sib_Fails", result.Error!.NodeId);
        Assert.Contains("slow-sibling:cancelled", _log.Calls);   // it observed the run's token and stopped
        Assert.DoesNotContain("after", _log.Calls);
        Assert.Equal(["Sib_Fails", "Sib_Slow"], state.ResumeNodeIds); // both run again on resume
    }

    [Fact]
    public async Task A_run_timeout_names_every_task_still_running()
    {
        var result = await new TwoSlowFlow(Tasks).RunAsync(new OrderRequest(1, "web"), new FlowRunOptions { Timeout = TimeSpan.FromMilliseconds(100) });

        Assert.Equal(FlowErrorCodes.FlowTimedOut, result.Error?.Code);
        Assert.Contains("still running: Two_A (Slow A), Two_B (Slow B)", result.Error!.Message);
    }
}
