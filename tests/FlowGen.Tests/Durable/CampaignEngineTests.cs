using FlowGen.Durable;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

/// <summary>
/// Playwell's campaign (campaign.flow.yaml, compiled by the generator) run by a FlowEngine on the in-memory store and
/// fake time: triggers, correlation, receives with conditions, timers, drops, duplicates, suspend and resume.
/// </summary>
public sealed class CampaignEngineTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly CampaignTasks _tasks = new();
    private readonly InMemoryFlowStore _store = new();
    private readonly List<FlowStepRecord> _steps = [];
    private FlowEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = NewEngine(new CouponCampaignFlow(_tasks));
        await _engine.StartAsync();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private FlowEngine NewEngine(params IDurableFlow[] flows)
    {
        var options = new FlowEngineOptions { Clock = _clock, OnStep = step => { lock (_steps) _steps.Add(step); } };
        options.JsonContexts.Add(DurableTestJson.Default);
        return new FlowEngine(flows, _store, options);
    }

    private async Task Publish(string name, object payload, string? id = null)
    {
        await _engine.PublishAsync(new FlowEvent(name, payload, id));
        await _engine.DrainAsync();
    }

    private async Task Advance(TimeSpan time)
    {
        _clock.Advance(time);
        await _engine.FireDueTimersAsync();
        await _engine.DrainAsync();
    }

    private Task<FlowInstance?> Instance(string user) => _engine.FindAsync(CouponCampaignFlow.FlowId, user);

    [Fact]
    public async Task Five_views_grant_a_coupon_and_an_unused_coupon_is_reminded_two_days_later()
    {
        for (var i = 1; i <= 4; i++) await Publish("product-viewed", new ProductViewed("ann", "p" + i));
        var waiting = await Instance("ann");
        Assert.Equal(FlowInstanceStatus.Waiting, waiting!.Status);
        Assert.Equal(["Watch"], waiting.Nodes);
        Assert.Equal(["product-viewed", "order-placed"], waiting.Events);
        Assert.Equal(_clock.GetUtcNow().AddDays(7), waiting.DueAt);

        await Publish("product-viewed", new ProductViewed("ann", "p5"));
        var granted = await Instance("ann");
        Assert.Equal(["Remind"], granted!.Nodes);
        Assert.Equal(waiting.Id, granted.Id);
        Assert.Contains("ann: coupon for p5", _tasks.Log);

        await Advance(TimeSpan.FromDays(1));
        Assert.Equal(FlowInstanceStatus.Waiting, (await Instance("ann"))!.Status);
        Assert.DoesNotContain(_tasks.Log, l => l.Contains("remind"));

        await Advance(TimeSpan.FromDays(1));
        var done = await Instance("ann");
        Assert.Equal(FlowInstanceStatus.Completed, done!.Status);
        Assert.Contains("ann: remind C-ann", _tasks.Log);
        Assert.Equal(1, _engine.Counters.Started);
        Assert.Equal(1, _engine.Counters.Timers);
        Assert.Equal(["start", "event", "event", "event", "event", "timer"], _steps.Select(s => s.Cause));
    }

    [Fact]
    public async Task Each_key_has_its_own_instance_and_events_go_to_the_instance_of_their_key()
    {
        await Publish("product-viewed", new ProductViewed("ann", "a"));
        await Publish("product-viewed", new ProductViewed("bob", "b"));
        await Publish("product-viewed", new ProductViewed("bob", "b2"));
        Assert.Equal(1, Views(await Instance("ann")));
        Assert.Equal(2, Views(await Instance("bob")));
        Assert.NotEqual((await Instance("ann"))!.Id, (await Instance("bob"))!.Id);
    }

    private static int Views(FlowInstance? instance)
    {
        using var json = System.Text.Json.JsonDocument.Parse(instance!.State);
        return json.RootElement.GetProperty("sta.views").GetInt32();
    }

    [Fact]
    public async Task A_receive_takes_an_event_only_when_its_condition_holds_and_drops_the_others()
    {
        await Publish("product-viewed", new ProductViewed("cid", "a"));
        await Publish("order-placed", new OrderPlaced("cid", 0m));
        Assert.Equal(FlowInstanceStatus.Waiting, (await Instance("cid"))!.Status);
        Assert.Equal(1, _engine.Counters.Dropped);

        await Publish("order-placed", new OrderPlaced("cid", 12.5m));
        var done = await Instance("cid");
        Assert.Equal(FlowInstanceStatus.Completed, done!.Status);
        Assert.Equal("Watch.order-placed", _steps.Last().Step!.Caught);

        // A new view after the end starts a new instance for the same key.
        await Publish("product-viewed", new ProductViewed("cid", "b"));
        var again = await Instance("cid");
        Assert.NotEqual(done.Id, again!.Id);
        Assert.Equal(FlowInstanceStatus.Waiting, again.Status);
    }

    [Fact]
    public async Task An_event_no_instance_waits_for_is_dropped_and_counted()
    {
        await Publish("order-placed", new OrderPlaced("nobody", 10m));
        await Publish("coupon-used", new CouponUsed("nobody", "X"));
        Assert.Equal(2, _engine.Counters.Dropped);
        Assert.Null(await Instance("nobody"));
        Assert.Equal(FlowPublishResult.Dropped, await _engine.PublishAsync(new FlowEvent("no-such-event", "x")));
    }

    [Fact]
    public async Task A_duplicated_delivery_is_detected_by_its_id_and_not_applied_twice()
    {
        Assert.Equal(FlowPublishResult.Accepted, await _engine.PublishAsync(new FlowEvent("product-viewed", new ProductViewed("dup", "a"), id: "m-1")));
        Assert.Equal(FlowPublishResult.Duplicate, await _engine.PublishAsync(new FlowEvent("product-viewed", new ProductViewed("dup", "a"), id: "m-1")));
        await _engine.DrainAsync();
        Assert.Equal(1, Views(await Instance("dup")));
        Assert.Equal(1, _engine.Counters.Duplicates);
    }

    [Fact]
    public async Task The_week_timer_ends_the_instance_with_the_flow_files_error()
    {
        await Publish("product-viewed", new ProductViewed("eve", "a"));
        await Advance(TimeSpan.FromDays(7));
        var expired = await Instance("eve");
        // fail("CAMPAIGN_EXPIRED") is the flow's own outcome: it fails the instance even with on-failure: suspend.
        Assert.Equal(FlowInstanceStatus.Failed, expired!.Status);
        Assert.Equal("CAMPAIGN_EXPIRED", expired.ErrorCode);
        Assert.Null(expired.DueAt);
    }

    [Fact]
    public async Task A_failing_task_suspends_the_instance_which_resumes_after_the_repair_and_runs_the_task_again()
    {
        _tasks.BrokenUsers["fay"] = true;
        for (var i = 1; i <= 5; i++) await Publish("product-viewed", new ProductViewed("fay", "p" + i));
        var suspended = Assert.Single(await _engine.ListSuspendedAsync());
        Assert.Equal("fay", suspended.Key);
        Assert.Equal(FlowErrorCodes.TaskFailed, suspended.ErrorCode);
        Assert.Equal("Grant", suspended.ErrorNode);
        Assert.Contains("the coupon service is down", suspended.ErrorMessage);
        Assert.Equal(["Grant"], suspended.Nodes);

        // A suspended instance takes no events: they are dropped.
        await Publish("product-viewed", new ProductViewed("fay", "p6"));
        Assert.Equal(1, _engine.Counters.Dropped);

        // Resuming before the repair fails again and stays suspended; after it, Grant runs with the bus it had.
        await _engine.ResumeAsync(suspended.Id);
        Assert.Equal(FlowInstanceStatus.Suspended, (await Instance("fay"))!.Status);
        _tasks.BrokenUsers.Clear();
        var resumed = await _engine.ResumeAsync(suspended.Id);
        Assert.Equal(FlowInstanceStatus.Waiting, resumed.Status);
        Assert.Equal(["Remind"], resumed.Nodes);
        Assert.Contains("fay: coupon for p5", _tasks.Log);
        Assert.Equal(5, Views(resumed));
        Assert.Empty(await _engine.ListSuspendedAsync());
        await Assert.ThrowsAsync<FlowInstanceStateException>(() => _engine.ResumeAsync(suspended.Id));
    }

    [Fact]
    public async Task An_instance_can_be_suspended_and_cancelled_by_hand()
    {
        await Publish("product-viewed", new ProductViewed("gus", "a"));
        var waiting = await Instance("gus");
        var suspended = await _engine.SuspendAsync(waiting!.Id, "support ticket 42");
        Assert.Equal(FlowInstanceStatus.Suspended, suspended.Status);
        Assert.Contains("support ticket 42", suspended.ErrorMessage);
        await Advance(TimeSpan.FromDays(8));
        Assert.Equal(FlowInstanceStatus.Suspended, (await Instance("gus"))!.Status);

        var resumed = await _engine.ResumeAsync(waiting.Id);
        Assert.Equal(FlowInstanceStatus.Waiting, resumed.Status);
        Assert.Equal(_clock.GetUtcNow().AddDays(7), resumed.DueAt);

        var cancelled = await _engine.CancelAsync(waiting.Id, "test");
        Assert.Equal(FlowInstanceStatus.Cancelled, cancelled.Status);
        await Publish("order-placed", new OrderPlaced("gus", 5m));
        Assert.Equal(FlowInstanceStatus.Cancelled, (await Instance("gus"))!.Status);
        await Assert.ThrowsAsync<FlowInstanceStateException>(() => _engine.CancelAsync(waiting.Id));
    }

    [Fact]
    public async Task Stale_revisions_lose_and_the_mailbox_retries_with_the_stored_instance()
    {
        await Publish("product-viewed", new ProductViewed("hal", "a"));
        var read = (await Instance("hal"))!;
        var racer = read.Clone();
        await _store.SaveAsync(racer, read.Revision); // someone else saved first
        await Assert.ThrowsAsync<FlowConcurrencyException>(() => _store.SaveAsync(read, read.Revision).AsTask());
        await Publish("product-viewed", new ProductViewed("hal", "b"));
        Assert.Equal(2, Views(await Instance("hal")));
    }

    [Fact]
    public async Task A_plain_run_of_a_durable_flow_stops_at_its_first_wait_with_a_clear_error()
    {
        var result = await new CouponCampaignFlow(_tasks).RunAsync(new ProductViewed("ian", "a"));
        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.Waiting, result.Error.Code);
        Assert.Equal("Watch", result.Error.NodeId);
        Assert.Contains("FlowEngine", result.Error.Message);
    }

    [Fact]
    public async Task A_task_can_suspend_its_instance_which_resumes_at_the_next_node()
    {
        await Publish("product-viewed", new ProductViewed("joe", "a"));
        await Publish("product-viewed", new ProductViewed("joe", "suspend-me"));
        var suspended = await Instance("joe");
        Assert.Equal(FlowInstanceStatus.Suspended, suspended!.Status);
        Assert.Equal(FlowErrorCodes.Suspended, suspended.ErrorCode);
        Assert.Contains("a person must look at this user", suspended.ErrorMessage);
        Assert.Equal(["Count.case"], suspended.Nodes); // the task's value is kept; the next node runs on resume
        Assert.Equal(2, Views(suspended));

        var resumed = await _engine.ResumeAsync(suspended.Id);
        Assert.Equal(FlowInstanceStatus.Waiting, resumed.Status);
        Assert.Equal(2, Views(resumed));
        Assert.Equal(2, _tasks.Log.Count(l => l.StartsWith("joe: view", StringComparison.Ordinal))); // Count did not run again
    }

    [Fact]
    public async Task A_task_can_end_its_instance_successfully()
    {
        await Publish("product-viewed", new ProductViewed("kay", "a"));
        await Publish("product-viewed", new ProductViewed("kay", "end-me"));
        var ended = await Instance("kay");
        Assert.Equal(FlowInstanceStatus.Completed, ended!.Status);
        Assert.Null(ended.ErrorCode);
        Assert.Empty(ended.Nodes);
    }
}
