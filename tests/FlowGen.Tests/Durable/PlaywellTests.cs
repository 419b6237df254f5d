using System.Text.Json.Serialization;
using FlowGen.Durable;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

/// <summary>Playwell's event: its attributes (user_id, behavior, amount) are the record's properties.</summary>
[FlowEvent("user_behavior")]
public sealed record UserBehavior(string UserId, string Behavior, decimal Amount);

/// <summary>The workflow's custom action type 'send_note', as a FlowGen task.</summary>
[FlowComponent("playwell-actions")]
public sealed class PlaywellActions
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

    public bool ReminderFails { get; init; }

    [FlowTask("send_note")]
    public void SendNote(string text, string level)
    {
        if (text == "please pay" && ReminderFails) throw new InvalidOperationException("no mail server");
        Log.Enqueue($"{text} ({level})");
    }
}

[Flow("order_followup")]
public sealed partial class OrderFollowupFlow : IFlow<UserBehavior, Shipment>;

[JsonSerializable(typeof(UserBehavior))]
internal sealed partial class PlaywellJson : JsonSerializerContext;

/// <summary>Flows/order-followup.playwell.yml: a Playwell workflow read unchanged and run by the durable engine.</summary>
public sealed class PlaywellTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private PlaywellActions _actions = new();
    private FlowEngine _engine = null!;

    public Task InitializeAsync() => Start(new PlaywellActions());

    private async Task Start(PlaywellActions actions)
    {
        _actions = actions;
        var options = new FlowEngineOptions { Clock = _clock };
        options.JsonContexts.Add(PlaywellJson.Default);
        options.JsonContexts.Add(FulfilJson.Default);
        _engine = new FlowEngine([new OrderFollowupFlow(actions)], new InMemoryFlowStore(), options);
        await _engine.StartAsync();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task The_trigger_starts_an_instance_whose_receive_takes_the_payment()
    {
        await _engine.PublishAsync(new FlowEvent("user_behavior", new UserBehavior("u1", "submit_order", 150m)));
        await _engine.PublishAsync(new FlowEvent("user_behavior", new UserBehavior("u1", "browse", 0m))); // not the receive's condition
        await _engine.DrainAsync();
        Assert.True(await _engine.FindAsync("order_followup", "u1") is not null, string.Join("; ", _engine.ParkedEvents.Select(p => p.ToString())));
        Assert.Equal(FlowInstanceStatus.Waiting, (await _engine.FindAsync("order_followup", "u1"))!.Status);

        await _engine.PublishAsync(new FlowEvent("user_behavior", new UserBehavior("u1", "pay", 150m)));
        await _engine.DrainAsync();

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("order_followup", "u1"))!.Status);
        Assert.Equal(["thanks (big)"], _actions.Log);
    }

    [Fact]
    public async Task An_event_the_triggers_condition_refuses_starts_nothing()
    {
        await _engine.PublishAsync(new FlowEvent("user_behavior", new UserBehavior("u2", "browse", 10m)));
        await _engine.DrainAsync();

        Assert.Null(await _engine.FindAsync("order_followup", "u2"));
    }

    [Fact]
    public async Task After_a_day_without_payment_the_reminder_goes_out()
    {
        await _engine.PublishAsync(new FlowEvent("user_behavior", new UserBehavior("u3", "submit_order", 20m)));
        await _engine.DrainAsync();
        _clock.Advance(TimeSpan.FromDays(1));
        await _engine.FireDueTimersAsync();
        await _engine.DrainAsync();

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("order_followup", "u3"))!.Status);
        Assert.Equal(["please pay (small)"], _actions.Log);
    }

    [Fact]
    public async Task A_failed_reminder_takes_the_resultFailed_ctrl()
    {
        await _engine.DisposeAsync();
        await Start(new PlaywellActions { ReminderFails = true });
        await _engine.PublishAsync(new FlowEvent("user_behavior", new UserBehavior("u4", "submit_order", 20m)));
        await _engine.DrainAsync();
        _clock.Advance(TimeSpan.FromDays(1));
        await _engine.FireDueTimersAsync();
        await _engine.DrainAsync();

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("order_followup", "u4"))!.Status);
        Assert.Equal(["gave up (small)"], _actions.Log);
    }
}
