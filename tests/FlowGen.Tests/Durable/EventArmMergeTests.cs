using FlowGen.Durable;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

[FlowComponent("reminders")]
public sealed class Reminders
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

    [FlowTask("note")] public void Note(OrderOpened request) => Log.Enqueue("note " + request.OrderId);
}

[Flow("remind")]
public sealed partial class RemindFlow : IFlow<OrderOpened, Shipment>;

/// <summary>
/// remind.flow.yaml: the arms of an event gateway meet at a task with two incoming flows. The arm not taken tells the
/// task it will not come, so the task (an implicit join) runs once, on either arm.
/// </summary>
public sealed class EventArmMergeTests : IAsyncLifetime
{
    private readonly Reminders _tasks = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private FlowEngine _engine = null!;

    public async Task InitializeAsync()
    {
        var options = new FlowEngineOptions { Clock = _clock };
        options.JsonContexts.Add(FulfilJson.Default);
        _engine = new FlowEngine([new RemindFlow(_tasks)], new InMemoryFlowStore(), options);
        await _engine.StartAsync();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task The_event_arm_reaches_the_task()
    {
        await _engine.PublishAsync(new FlowEvent("order-opened", new OrderOpened("r1", 1)));
        await _engine.PublishAsync(new FlowEvent("order-paid", new OrderPaid("r1", 5m)));
        await _engine.DrainAsync();

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("remind", "r1"))!.Status);
        Assert.Equal(["note r1"], _tasks.Log);
    }

    [Fact]
    public async Task The_timer_arm_reaches_the_task()
    {
        await _engine.PublishAsync(new FlowEvent("order-opened", new OrderOpened("r2", 1)));
        await _engine.DrainAsync();
        _clock.Advance(TimeSpan.FromDays(1));
        await _engine.FireDueTimersAsync();
        await _engine.DrainAsync();

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("remind", "r2"))!.Status);
        Assert.Equal(["note r2"], _tasks.Log);
    }
}
