using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using FlowGen.Durable;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

[FlowEvent("order-opened")]
public sealed record OrderOpened(string OrderId, int Items);

[FlowEvent("order-paid")]
public sealed record OrderPaid(string OrderId, decimal Amount);

[FlowEvent("order-approved")]
public sealed record OrderApproved(string OrderId, string By);

public sealed record Shipment(string Text);

[FlowComponent("fulfil")]
public sealed class FulfilTasks
{
    public ConcurrentQueue<string> Log { get; } = new();

    public ConcurrentDictionary<string, bool> BrokenPacking { get; } = new();

    [FlowTask("pack"), ToState("parcel")]
    public string Pack(OrderOpened request)
    {
        if (BrokenPacking.ContainsKey(request.OrderId)) throw new InvalidOperationException("the packing station is down");
        Log.Enqueue($"pack {request.OrderId}");
        return $"parcel-{request.OrderId}({request.Items})";
    }

    [FlowTask("label")]
    public void Label(OrderOpened request, [FromState("parcel")] string? parcel, [FromState("approval")] OrderApproved? approval)
        => Log.Enqueue($"label {parcel}{(approval is null ? "" : " approved by " + approval.By)}");

    [FlowTask("ship"), ToResult]
    public Shipment Ship(OrderOpened request, [FromState("parcel")] string parcel, [FromState("payment")] OrderPaid payment)
    {
        Log.Enqueue($"ship {parcel} paid {payment.Amount}");
        return new Shipment(parcel);
    }
}

[Flow("fulfil")]
public sealed partial class FulfilFlow : IFlow<OrderOpened, Shipment>;

[Flow("approve")]
public sealed partial class ApproveFlow : IFlow<OrderOpened, Shipment>;

[JsonSerializable(typeof(OrderOpened))]
[JsonSerializable(typeof(OrderPaid))]
[JsonSerializable(typeof(OrderApproved))]
[JsonSerializable(typeof(Shipment))]
internal sealed partial class FulfilJson : JsonSerializerContext;

/// <summary>
/// A wait in one branch of a parallel fork (fulfil.flow.yaml, compiled by the generator): the other branch runs on
/// to the join in the same step, the join's count is saved with the instance, and the payment completes it later.
/// </summary>
public sealed class FulfilmentTests : IAsyncLifetime
{
    private readonly FulfilTasks _tasks = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private FlowEngine _engine = null!;

    public async Task InitializeAsync()
    {
        var options = new FlowEngineOptions { Clock = _clock };
        options.JsonContexts.Add(FulfilJson.Default);
        _engine = new FlowEngine([new FulfilFlow(_tasks)], new InMemoryFlowStore(), options);
        await _engine.StartAsync();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private async Task Publish(string name, object payload)
    {
        await _engine.PublishAsync(new FlowEvent(name, payload));
        await _engine.DrainAsync();
    }

    private async Task<FlowInstance> Order(string id) => (await _engine.FindAsync("fulfil", id))!;

    [Fact]
    public async Task The_order_is_packed_while_the_payment_is_awaited_and_ships_once_both_happened()
    {
        await Publish("order-opened", new OrderOpened("o1", 3));
        var waiting = await Order("o1");
        Assert.Equal(FlowInstanceStatus.Waiting, waiting.Status);
        Assert.Equal(["Pay"], waiting.Nodes);
        Assert.Equal(["pack o1"], _tasks.Log);

        await Publish("order-paid", new OrderPaid("o1", 20m));
        var shipped = await Order("o1");
        Assert.Equal(FlowInstanceStatus.Completed, shipped.Status);
        Assert.Equal(["pack o1", "ship parcel-o1(3) paid 20"], _tasks.Log);
    }

    [Fact]
    public async Task An_order_not_paid_in_time_fails_when_the_timer_of_the_waiting_branch_fires()
    {
        await Publish("order-opened", new OrderOpened("o3", 2));
        Assert.Equal(_clock.GetUtcNow().AddDays(3), (await Order("o3")).DueAt);

        _clock.Advance(TimeSpan.FromDays(3));
        await _engine.FireDueTimersAsync();
        await _engine.DrainAsync();
        var failed = await Order("o3");
        Assert.Equal(FlowInstanceStatus.Failed, failed.Status);
        Assert.Equal("UNPAID", failed.ErrorCode);
        Assert.Equal(["pack o3"], _tasks.Log);
    }

    [Fact]
    public async Task A_failure_in_the_other_branch_suspends_the_instance_and_a_resume_waits_again_for_the_payment()
    {
        _tasks.BrokenPacking["o2"] = true;
        await Publish("order-opened", new OrderOpened("o2", 1));
        var suspended = await Order("o2");
        Assert.Equal(FlowInstanceStatus.Suspended, suspended.Status);
        Assert.Equal("Pack", suspended.ErrorNode);
        Assert.Equal(["Pack", "Pay"], suspended.Nodes);

        _tasks.BrokenPacking.Clear();
        var resumed = await _engine.ResumeAsync(suspended.Id);
        Assert.Equal(FlowInstanceStatus.Waiting, resumed.Status);
        Assert.Equal(["Pay"], resumed.Nodes);

        await Publish("order-paid", new OrderPaid("o2", 5m));
        Assert.Equal(FlowInstanceStatus.Completed, (await Order("o2")).Status);
        Assert.Equal(["pack o2", "ship parcel-o2(1) paid 5"], _tasks.Log);
    }

    [Fact]
    public async Task A_branch_with_a_wait_that_the_inclusive_gateway_does_not_take_is_skipped_and_the_join_goes_on()
    {
        var options = new FlowEngineOptions { Clock = _clock };
        options.JsonContexts.Add(FulfilJson.Default);
        await using var engine = new FlowEngine([new ApproveFlow(_tasks)], new InMemoryFlowStore(), options);
        await engine.StartAsync();
        async Task Publish(string name, object payload)
        {
            await engine.PublishAsync(new FlowEvent(name, payload));
            await engine.DrainAsync();
        }

        await Publish("order-opened", new OrderOpened("small", 3));
        Assert.Equal(FlowInstanceStatus.Completed, (await engine.FindAsync("approve", "small"))!.Status);

        await Publish("order-opened", new OrderOpened("large", 9));
        var waiting = await engine.FindAsync("approve", "large");
        Assert.Equal(FlowInstanceStatus.Waiting, waiting!.Status);
        Assert.Equal(["Approve"], waiting.Nodes);
        await Publish("order-approved", new OrderApproved("large", "eve"));
        Assert.Equal(FlowInstanceStatus.Completed, (await engine.FindAsync("approve", "large"))!.Status);

        Assert.Equal(["pack small", "label parcel-small(3)", "pack large", "label parcel-large(9) approved by eve"], _tasks.Log);
    }
}
