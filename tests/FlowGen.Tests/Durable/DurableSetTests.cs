using FlowGen.Durable;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

[FlowComponent("set-reminders")]
public sealed class SetReminders
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

    [FlowTask("tell")] public void Tell([FromVar("note")] string note, [FromVar("waited")] TimeSpan waited) => Log.Enqueue($"{note} after {waited}");
}

[Flow("remind-set")]
public sealed partial class RemindSetFlow : IFlow<OrderOpened, Shipment>;

/// <summary>remind-set.flow.yaml: values a set writes before a wait are saved with the instance and read after it.</summary>
public sealed class DurableSetTests : IAsyncLifetime
{
    private readonly SetReminders _tasks = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private FlowEngine _engine = null!;

    public async Task InitializeAsync()
    {
        var options = new FlowEngineOptions { Clock = _clock };
        options.JsonContexts.Add(FulfilJson.Default);
        _engine = new FlowEngine([new RemindSetFlow(_tasks)], new InMemoryFlowStore(), options);
        await _engine.StartAsync();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task Values_set_before_a_wait_are_read_after_the_event()
    {
        await _engine.PublishAsync(new FlowEvent("order-opened", new OrderOpened("s1", 1)));
        await _engine.DrainAsync();
        _clock.Advance(TimeSpan.FromHours(2));
        await _engine.PublishAsync(new FlowEvent("order-paid", new OrderPaid("s1", 5m)));
        await _engine.DrainAsync();

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("remind-set", "s1"))!.Status);
        Assert.Equal(["opened s1 paid after 02:00:00"], _tasks.Log);
    }

    [Fact]
    public async Task Values_set_before_a_wait_are_read_after_the_timer_on_the_engines_clock()
    {
        await _engine.PublishAsync(new FlowEvent("order-opened", new OrderOpened("s2", 1)));
        await _engine.DrainAsync();
        _clock.Advance(TimeSpan.FromDays(1));
        await _engine.FireDueTimersAsync();
        await _engine.DrainAsync();

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("remind-set", "s2"))!.Status);
        Assert.Equal(["opened s2 late after 1.00:00:00"], _tasks.Log);
    }
}
