using Xunit;

namespace FlowGen.Tests;

public sealed record QuoteRequest(string Sku, int LatencyMilliseconds);

[FlowComponent("quotes")]
public sealed class Quotes
{
    public int Cancelled;

    [FlowTask("live"), ToResult]
    public async Task<string> LiveAsync(QuoteRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(request.LatencyMilliseconds, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref Cancelled);
            throw;
        }
        if (request.Sku == "broken") throw new InvalidOperationException("the price service failed");
        return "live " + request.Sku;
    }

    [FlowTask("cached"), ToResult]
    public string Cached(QuoteRequest request) => "cached " + request.Sku;
}

[Flow("quote")]
public sealed partial class QuoteFlow : IFlow<QuoteRequest, string>;

/// <summary>A BPMN timer boundary event on a task (boundary.bpmn): the task is interrupted and the timer's path taken.</summary>
public sealed class BoundaryTimerTests
{
    [Fact]
    public async Task A_task_that_finishes_in_time_goes_its_own_way()
    {
        var result = await new QuoteFlow(new Quotes()).RunAsync(new QuoteRequest("a1", 0));
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("live a1", result.Value);
    }

    [Fact]
    public async Task A_task_slower_than_its_boundary_timer_is_interrupted_and_the_timers_path_is_taken()
    {
        var quotes = new Quotes();
        var result = await new QuoteFlow(quotes).RunAsync(new QuoteRequest("b2", 5_000), new FlowRunOptions { Tracking = TrackingMode.Node });
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("cached b2", result.Value);
        Assert.Equal(1, quotes.Cancelled); // interrupted: its token was cancelled
        Assert.Equal("timed out", Assert.Single(result.Trace!.Nodes, n => n.NodeId == "Live").Outcome);
        Assert.Contains(result.Trace.Nodes, n => n.NodeId == "Cached");
    }

    [Fact]
    public async Task Another_failure_of_the_task_still_fails_the_run()
    {
        var result = await new QuoteFlow(new Quotes()).RunAsync(new QuoteRequest("broken", 0));
        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.TaskFailed, result.Error.Code);
        Assert.Equal("Live", result.Error.NodeId);
    }
}
