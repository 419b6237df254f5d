using FlowGen;
using FlowGen.Generated;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FlowGen.Tests;

// Interceptors around tasks and subprocesses: before (may skip), after, error, finally; matched by flow or
// subprocess id; ordered; from DI.
public sealed class InterceptorTests
{
    private readonly Recorder _log = new();

    private sealed class Recording(Recorder log, string name, int order, string[]? scopes = null, string? skip = null) : FlowInterceptor
    {
        public override int Order => order;

        public override IReadOnlyCollection<string> Scopes => scopes ?? [];

        public override ValueTask<bool> BeforeAsync(FlowInterception interception, CancellationToken cancellationToken)
        {
            log.Add($"{name}:before:{interception.NodeId}:{interception.Kind}");
            return new(interception.NodeId != skip);
        }

        public override ValueTask AfterAsync(FlowInterception interception, CancellationToken cancellationToken)
        {
            log.Add($"{name}:after:{interception.NodeId}");
            return default;
        }

        public override ValueTask ErrorAsync(FlowInterception interception, FlowError error, CancellationToken cancellationToken)
        {
            log.Add($"{name}:error:{interception.NodeId}:{error.Code}");
            return default;
        }

        public override ValueTask FinallyAsync(FlowInterception interception, CancellationToken cancellationToken)
        {
            log.Add($"{name}:finally:{interception.NodeId}");
            return default;
        }
    }

    [Fact]
    public async Task Interceptors_run_around_each_task_in_order_and_unwind_in_reverse()
    {
        var flow = new OrderSequenceFlow(new Calc(_log), [new Recording(_log, "outer", 1), new Recording(_log, "inner", 2)]);

        var result = await flow.RunAsync(new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(
        [
            "outer:before:Task_Begin:Task", "inner:before:Task_Begin:Task", "begin", "inner:after:Task_Begin", "outer:after:Task_Begin",
            "inner:finally:Task_Begin", "outer:finally:Task_Begin",
        ], _log.Calls.Take(7));
        Assert.Contains("finish", _log.Calls);
    }

    [Fact]
    public async Task Before_may_skip_a_task_and_the_flow_goes_on()
    {
        var flow = new OrderSequenceFlow(new Calc(_log), [new Recording(_log, "gate", 0, skip: "Task_AddTen")]);

        var result = await flow.RunAsync(new OrderRequest(5, "web"), new FlowRunOptions { Tracking = TrackingMode.Node });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(new OrderResult(5, 0, "finish"), result.Value);   // var.total was never written: its default
        Assert.DoesNotContain("add-ten", _log.Calls);
        Assert.Equal("skipped", result.Trace!.Nodes.Single(n => n.NodeId == "Task_AddTen").Outcome);
    }

    [Fact]
    public async Task Error_sees_the_tasks_failure()
    {
        var flow = new FlakyFlow(new Calc(_log), [new Recording(_log, "watch", 0)]);

        var result = await flow.RunAsync(new OrderRequest(1, "web"));

        Assert.False(result.IsSuccess);
        Assert.Contains("watch:error:Task_Flaky:FLOW_TASK_FAILED", _log.Calls);
        Assert.Contains("watch:finally:Task_Flaky", _log.Calls);
        Assert.DoesNotContain("watch:after:Task_Flaky", _log.Calls);
    }

    [Fact]
    public async Task An_interceptor_scoped_to_a_subprocess_wraps_the_subprocess_and_its_tasks_only()
    {
        var flow = new WithStatsFlow(new Stats(_log), [new Recording(_log, "stats", 0, scopes: ["Statistics"])]);

        var result = await flow.RunAsync(new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        var befores = _log.Calls.Where(c => c.Contains(":before:")).ToList();
        Assert.Equal(["stats:before:Call_Stats:Subprocess", "stats:before:Call_Stats/Stats_Orders:Task", "stats:before:Call_Stats/Stats_Reviews:Task"], befores.Order());
        Assert.DoesNotContain(befores, b => b.Contains(":Summary:"));
        Assert.Equal("stats:after:Call_Stats", _log.Calls.Last(c => c.StartsWith("stats:after", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Interceptors_registered_in_DI_reach_the_flows()
    {
        var services = new ServiceCollection();
        services.AddSingleton(_log);
        services.AddSingleton<IFlowInterceptor>(new Recording(_log, "di", 0, scopes: ["order-seq"]));
        services.AddFlowGenFlows();
        using var provider = services.BuildServiceProvider();

        var result = await provider.GetRequiredService<OrderSequenceFlow>().RunAsync(new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Contains("di:before:Task_Begin:Task", _log.Calls);
    }

    private sealed class Throwing(string where) : FlowInterceptor
    {
        public override ValueTask AfterAsync(FlowInterception interception, CancellationToken cancellationToken)
            => where == "after" ? throw new InvalidOperationException("after broke") : default;

        public override ValueTask FinallyAsync(FlowInterception interception, CancellationToken cancellationToken)
            => where == "finally" ? throw new InvalidOperationException("finally broke") : default;
    }

    [Theory]
    [InlineData("after")]
    [InlineData("finally")]
    public async Task An_interceptor_that_throws_fails_the_node(string where)
    {
        var flow = new OrderSequenceFlow(new Calc(_log), [new Throwing(where)]);

        var result = await flow.RunAsync(new OrderRequest(1, "web"));

        Assert.Equal(FlowErrorCodes.TaskFailed, result.Error?.Code);
        Assert.Equal("Task_Begin", result.Error!.NodeId);
        Assert.Contains($"{where} broke", result.Error.Message);
        Assert.Equal(["begin"], _log.Calls);   // the flow stopped at the intercepted node
    }

    [Fact]
    public async Task Interceptors_entered_before_a_skip_still_run_finally()
    {
        var flow = new OrderSequenceFlow(new Calc(_log), [new Recording(_log, "outer", 1), new Recording(_log, "gate", 2, skip: "Task_Begin")]);

        await flow.RunAsync(new OrderRequest(1, "web"));

        Assert.Equal(["outer:before:Task_Begin:Task", "gate:before:Task_Begin:Task", "outer:finally:Task_Begin"], _log.Calls.Take(3));
    }
}
