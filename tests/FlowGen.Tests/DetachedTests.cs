using FlowGen;
using Xunit;

namespace FlowGen.Tests;

/// <summary>A mailer whose send waits until the test lets it go, so that a test can see the run end before it.</summary>
[FlowComponent("mailer")]
public sealed class Mailer
{
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<int> Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [FlowTask("send")]
    public async Task SendAsync([FromVar("total")] int total)
    {
        await Gate.Task.WaitAsync(TimeSpan.FromSeconds(10));
        if (total < 0) throw new InvalidOperationException("no mail for a negative total");
        Sent.TrySetResult(total);
    }

    [FlowTask("reply")]
    [ToResult]
    public string Reply([FromVar("total")] int total) => $"replied {total}, sent: {Sent.Task.IsCompleted}";
}

[Flow("detached-notify")] public sealed partial class DetachedNotifyFlow : IFlow<LinesRequest, string>;

/// <summary>Two quotes asked for at once: one answers, one never does in time.</summary>
[FlowComponent("quote-desk")]
public sealed class QuoteDesk
{
    public bool SlowCancelled { get; private set; }

    [FlowTask("fast")]
    [ToVar("fast")]
    public int Fast() => 7;

    [FlowTask("slow")]
    [ToVar("slow")]
    public async Task<int> SlowAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            return 9;
        }
        catch (OperationCanceledException)
        {
            SlowCancelled = true;
            throw;
        }
    }

    [FlowTask("pick")]
    [ToResult]
    public string Pick([FromVar("fast")] int? fast, [FromVar("slow")] int? slow) => $"fast={fast?.ToString() ?? "none"} slow={slow?.ToString() ?? "none"}";
}

[Flow("join-timeout")] public sealed partial class JoinTimeoutFlow : IFlow<LinesRequest, string>;

public sealed class DetachedTests
{
    [Fact]
    public async Task The_run_goes_on_without_waiting_for_a_fire_and_forget_subflow_which_still_runs()
    {
        var mailer = new Mailer();

        var result = await new DetachedNotifyFlow(mailer).RunAsync(new LinesRequest([new("a", 4, 1)]));

        // The run replied while the mail was still held at the gate.
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("replied 4, sent: False", result.Value);
        mailer.Gate.SetResult();
        Assert.Equal(4, await mailer.Sent.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_failed_fire_and_forget_subflow_does_not_fail_the_run_and_goes_to_the_hook()
    {
        var mailer = new Mailer();
        var failed = new TaskCompletionSource<FlowError>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new FlowRunOptions { DetachedFailed = error => failed.TrySetResult(error) };

        var result = await new DetachedNotifyFlow(mailer).RunAsync(new LinesRequest([new("a", -1, 1)]), options);
        mailer.Gate.SetResult();
        var error = await failed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(FlowErrorCodes.TaskFailed, error.Code);
        Assert.Equal("Notify/Send", error.NodeId);
        Assert.Contains("no mail for a negative total", error.Message);
    }

    [Fact]
    public async Task A_join_in_a_subflow_with_a_timeout_goes_on_with_the_branches_that_finished()
    {
        var desk = new QuoteDesk();

        var result = await new JoinTimeoutFlow(desk).RunAsync(new LinesRequest([]), new FlowRunOptions { Tracking = TrackingMode.Node });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("fast=7 slow=none", result.Value);
        Assert.True(desk.SlowCancelled);
        Assert.Contains(result.Trace!.Nodes, n => n.NodeId == "Quotes" && n.Outcome == "ignored");
    }
}
