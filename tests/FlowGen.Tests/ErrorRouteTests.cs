using FlowGen;
using Xunit;

namespace FlowGen.Tests;

public sealed record PayRequest(decimal Amount);

/// <summary>A payment that is declined over 100 (with a code of its own) and breaks below 0.</summary>
[FlowComponent("payments")]
public sealed class Payments
{
    public List<string> Calls { get; } = [];

    [FlowTask("pay")]
    public void Pay(PayRequest request)
    {
        Calls.Add("pay");
        if (request.Amount > 100) throw new FlowTaskException("PAYMENT_DECLINED", "card declined");
        if (request.Amount < 0) throw new InvalidOperationException("negative amount");
    }

    [FlowTask("ship"), ToVar("note")]
    public string Ship()
    {
        Calls.Add("ship");
        return "shipped";
    }

    [FlowTask("refund"), ToVar("note")]
    public string Refund(FlowError error)
    {
        Calls.Add("refund");
        return $"refunded after {error.Code} at {error.NodeId}";
    }
}

[Flow("error-routes")] public sealed partial class ErrorRoutesFlow : IFlow<PayRequest, string>;

[Flow("error-routes-bpmn")] public sealed partial class ErrorRoutesBpmnFlow : IFlow<PayRequest, string>;

[Flow("error-actions")] public sealed partial class ErrorActionsFlow : IFlow<PayRequest, string>;

/// <summary>The payment with no error route: a failure fails the run.</summary>
[Flow("pay-only")]
public sealed partial class PayOnlyFlow : IFlow<PayRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<PayRequest> flow) => flow.Task("payments", "pay", id: "pay").Task("payments", "ship", id: "ship");
}

/// <summary>An error route in the fluent form: OnError's branch runs when the task fails, then the chain goes on.</summary>
[Flow("pay-fluent")]
public sealed partial class PayFluentFlow : IFlow<PayRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<PayRequest> flow) => flow
        .Task("payments", "pay", id: "pay")
            .OnError(b => b.Task("payments", "refund", id: "refund"))
        .Task("payments", "ship", id: "ship");
}

// Flows/error-routes.flow.yaml and error-routes.bpmn, compiled by the real generator.
public sealed class ErrorRouteTests
{
    [Theory]
    [InlineData(50, "shipped", "pay,ship")]
    [InlineData(500, "declined: card declined at pay", "pay")]
    [InlineData(-1, "refunded after FLOW_TASK_FAILED at pay", "pay,refund")]
    public async Task A_failure_goes_along_the_route_of_its_code_else_the_one_that_takes_every_error(decimal amount, string expected, string calls)
    {
        foreach (var options in new FlowRunOptions?[] { null, new FlowRunOptions { Tracking = TrackingMode.Node } })
        {
            var payments = new Payments();
            var result = await new ErrorRoutesFlow(payments).RunAsync(new PayRequest(amount), options);

            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal(expected, result.Value);
            Assert.Equal(calls, string.Join(",", payments.Calls));
        }
    }

    [Fact]
    public async Task The_trace_shows_the_caught_failure()
    {
        var result = await new ErrorRoutesFlow(new Payments()).RunAsync(new PayRequest(500), new FlowRunOptions { Tracking = TrackingMode.Node });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Contains(result.Trace!.Nodes, n => n.NodeId == "pay" && n.ToString().Contains("caught PAYMENT_DECLINED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_boundary_that_names_a_code_takes_only_that_code_and_another_failure_fails_the_run()
    {
        var declined = await new ErrorRoutesBpmnFlow(new Payments()).RunAsync(new PayRequest(500));
        Assert.True(declined.IsSuccess, declined.ToString());
        Assert.Equal("refunded after PAYMENT_DECLINED at pay", declined.Value);

        var shipped = await new ErrorRoutesBpmnFlow(new Payments()).RunAsync(new PayRequest(5));
        Assert.Equal("shipped", shipped.Value);

        var broken = await new ErrorRoutesBpmnFlow(new Payments()).RunAsync(new PayRequest(-1));
        Assert.False(broken.IsSuccess);
        Assert.Equal(FlowErrorCodes.TaskFailed, broken.Error!.Code);
        Assert.Equal("pay", broken.Error.NodeId);
    }

    [Fact]
    public async Task A_task_exception_with_a_code_of_its_own_is_the_runs_error_when_no_route_takes_it()
    {
        var result = await new PayOnlyFlow(new Payments()).RunAsync(new PayRequest(500));

        Assert.False(result.IsSuccess);
        Assert.Equal("PAYMENT_DECLINED", result.Error!.Code);
        Assert.Equal("card declined", result.Error.Message);
        Assert.Equal("pay", result.Error.NodeId);
        Assert.IsType<FlowTaskException>(result.Error.Exception);
    }

    [Theory]
    [InlineData(50, "shipped")]
    [InlineData(500, "refunded after PAYMENT_DECLINED at pay")]
    [InlineData(-1, "refunded after FLOW_TASK_FAILED at pay")]
    public async Task An_actions_on_error_calls_the_action_that_handles_the_failure(decimal amount, string expected)
    {
        var result = await new ErrorActionsFlow(new Payments()).RunAsync(new PayRequest(amount));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
    }

    [Theory]
    [InlineData(50, "pay,ship")]
    [InlineData(-1, "pay,refund,ship")]
    public async Task A_fluent_OnError_runs_its_branch_and_the_chain_goes_on(decimal amount, string calls)
    {
        var payments = new Payments();

        var result = await new PayFluentFlow(payments).RunAsync(new PayRequest(amount));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(calls, string.Join(",", payments.Calls));
    }
}
