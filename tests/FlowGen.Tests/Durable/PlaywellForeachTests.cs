using System.Text.Json.Serialization;
using FlowGen.Durable;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

/// <summary>The event that starts a funnel: the user and the steps to take, in order.</summary>
[FlowEvent("funnel_start")]
public sealed record FunnelStart(string UserId, string[] Steps);

/// <summary>The funnel's custom action type 'award'.</summary>
[FlowComponent("funnel-actions")]
public sealed class FunnelActions
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Scores { get; } = new();

    [FlowTask("award")]
    public void Score(string behavior, int index) => Scores.Enqueue($"{index}:{behavior}");
}

[Flow("funnel")]
public sealed partial class FunnelFlow : IFlow<FunnelStart, string>;

/// <summary>The event that starts a reminder: when, and how many times.</summary>
[FlowEvent("reminder_start")]
public sealed record ReminderStart(string UserId, DateTimeOffset Due, int Count);

[FlowComponent("reminder-actions")]
public sealed class ReminderActions
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Reminded { get; } = new();

    [FlowTask("remind_user")]
    public void Remind(int times) => Reminded.Enqueue($"x{times}");
}

[Flow("reminder")]
public sealed partial class ReminderFlow : IFlow<ReminderStart, string>;

[FlowEvent("sum_start")]
public sealed record SumStart(string UserId);

[FlowComponent("sum-actions")]
public sealed class SumActions
{
    public System.Collections.Concurrent.ConcurrentQueue<int> Sums { get; } = new();

    [FlowTask("report_sum")]
    public void Report(int total) => Sums.Enqueue(total);
}

[Flow("sum_loop")]
public sealed partial class SumLoopFlow : IFlow<SumStart, string>;

[JsonSerializable(typeof(FunnelStart))]
[JsonSerializable(typeof(ReminderStart))]
[JsonSerializable(typeof(SumStart))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class FunnelJson : JsonSerializerContext;

/// <summary>Flows/funnel.playwell.yml: Playwell's foreach, each item waiting for its event, on the durable engine.</summary>
public sealed class PlaywellForeachTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly FunnelActions _actions = new();
    private readonly ReminderActions _reminders = new();
    private readonly SumActions _sums = new();
    private FlowEngine _engine = null!;

    public async Task InitializeAsync()
    {
        var options = new FlowEngineOptions { Clock = _clock };
        options.JsonContexts.Add(FunnelJson.Default);
        options.JsonContexts.Add(PlaywellJson.Default);
        _engine = new FlowEngine([new FunnelFlow(_actions), new ReminderFlow(_reminders), new SumLoopFlow(_sums)], new InMemoryFlowStore(), options);
        await _engine.StartAsync();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private async Task Send(object payload, string name)
    {
        await _engine.PublishAsync(new FlowEvent(name, payload));
        await _engine.DrainAsync();
    }

    [Fact]
    public async Task Each_item_waits_for_its_own_event_in_order_and_the_last_one_finishes()
    {
        await Send(new FunnelStart("u1", ["signed_up", "profile_done", "ordered"]), "funnel_start");
        await Send(new UserBehavior("u1", "ordered", 0m), "user_behavior");       // not the current step: dropped
        await Send(new UserBehavior("u1", "signed_up", 0m), "user_behavior");
        await Send(new UserBehavior("u1", "profile_done", 0m), "user_behavior");

        Assert.Equal(FlowInstanceStatus.Waiting, (await _engine.FindAsync("funnel", "u1"))!.Status);
        Assert.Equal(["0:signed_up", "1:profile_done"], _actions.Scores);

        await Send(new UserBehavior("u1", "ordered", 0m), "user_behavior");

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("funnel", "u1"))!.Status);
        Assert.Equal(["0:signed_up", "1:profile_done", "2:ordered"], _actions.Scores);
    }

    [Fact]
    public async Task An_item_whose_event_does_not_come_within_a_day_fails_the_instance()
    {
        await Send(new FunnelStart("u2", ["signed_up"]), "funnel_start");
        _clock.Advance(TimeSpan.FromDays(1.5));
        await _engine.FireDueTimersAsync();
        await _engine.DrainAsync();

        var instance = (await _engine.FindAsync("funnel", "u2"))!;
        Assert.Equal(FlowInstanceStatus.Failed, instance.Status);
        Assert.Equal("FUNNEL_TIMEOUT", instance.ErrorCode);
    }

    [Fact]
    public async Task An_empty_list_goes_straight_to_eof()
    {
        await Send(new FunnelStart("u3", []), "funnel_start");

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("funnel", "u3"))!.Status);
        Assert.Empty(_actions.Scores);
    }

    [Fact]
    public async Task Compute_sets_values_in_order_and_clock_sleeps_until_the_date()
    {
        await Send(new ReminderStart("u4", _clock.GetUtcNow().AddHours(5), 3), "reminder_start");
        Assert.Equal(FlowInstanceStatus.Waiting, (await _engine.FindAsync("reminder", "u4"))!.Status);

        _clock.Advance(TimeSpan.FromHours(4));
        await _engine.FireDueTimersAsync();
        await _engine.DrainAsync();
        Assert.Empty(_reminders.Reminded);

        _clock.Advance(TimeSpan.FromHours(1.5));
        await _engine.FireDueTimersAsync();
        await _engine.DrainAsync();

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("reminder", "u4"))!.Status);
        Assert.Equal(["x6"], _reminders.Reminded);
    }

    [Fact]
    public async Task A_compute_that_calls_itself_adds_zero_to_a_hundred_its_vars_reading_themselves()
    {
        await Send(new SumStart("u5"), "sum_start");

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("sum_loop", "u5"))!.Status);
        Assert.Equal([5050], _sums.Sums);
    }
}
