using FlowGen.Durable;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

/// <summary>campaign.flow.yaml written as a fluent definition: the same trigger, key, receives, timers and policy.</summary>
[Flow("coupon-campaign-fluent")]
public sealed partial class CouponCampaignFluentFlow : IFlow<ProductViewed, CampaignResult>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<ProductViewed> flow) => flow
        .Trigger<ProductViewed>()
        .Key(bus => bus.Request.UserId)
        .OnFailure(FlowFailurePolicy.Suspend)
        .RepeatUntil(
            body: round => round
                .Task<CampaignTasks>(s => s.CountView, id: "Count")
                .If(bus => bus.State<int>("views") < 5, then: watch => watch
                    .Receive(arms => arms
                        .On<ProductViewed>(to: "lastView")
                        .On<OrderPlaced>(when: e => e.Total > 0, then: bought => bought.Finish())
                        .After("7d", then: late => late.Fail("CAMPAIGN_EXPIRED", "no purchase and too few views within a week")),
                        id: "Watch")),
            until: bus => bus.State<int>("views") >= 5)
        .Task<CampaignTasks>(s => s.Grant, id: "Grant")
        .Receive(arms => arms
            .On<CouponUsed>(key: e => e.Customer, then: used => used.Finish())
            .After("2d", then: remind => remind.Task<CampaignTasks>(s => s.Remind, id: "SendReminder")),
            id: "Remind");
}

/// <summary>
/// The fluent campaign and the YAML campaign, each compiled by the generator and run by its own engine on fake time
/// through the same events: they take the same steps, call the same tasks and end the same way.
/// </summary>
public sealed class FluentCampaignTests
{
    private sealed class Run(IDurableFlow flow, CampaignTasks tasks) : IAsyncDisposable
    {
        public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));

        public CampaignTasks Tasks { get; } = tasks;

        public List<string> Steps { get; } = [];

        public FlowEngine Engine { get; private set; } = null!;

        public async Task StartAsync()
        {
            var options = new FlowEngineOptions { Clock = Clock, OnStep = s => { lock (Steps) Steps.Add($"{s.Instance.Key}: {s.Cause} -> {s.Instance.Status}"); } };
            options.JsonContexts.Add(DurableTestJson.Default);
            Engine = new FlowEngine([flow], new InMemoryFlowStore(), options);
            await Engine.StartAsync();
        }

        public async Task Publish(string name, object payload)
        {
            await Engine.PublishAsync(new FlowEvent(name, payload));
            await Engine.DrainAsync();
        }

        public async Task Advance(TimeSpan time)
        {
            Clock.Advance(time);
            await Engine.FireDueTimersAsync();
            await Engine.DrainAsync();
        }

        public async Task<FlowInstance> Instance(string user) => (await Engine.FindAsync(flow.Id, user))!;

        public ValueTask DisposeAsync() => Engine.DisposeAsync();
    }

    private static async Task<(Run Yaml, Run Fluent)> Both()
    {
        var yamlTasks = new CampaignTasks();
        var fluentTasks = new CampaignTasks();
        var yaml = new Run(new CouponCampaignFlow(yamlTasks), yamlTasks);
        var fluent = new Run(new CouponCampaignFluentFlow(fluentTasks), fluentTasks);
        await yaml.StartAsync();
        await fluent.StartAsync();
        return (yaml, fluent);
    }

    /// <summary>Runs one script on both and checks that both took the same steps and made the same task calls.</summary>
    private static async Task Same(Func<Run, Task> script, Action<Run> check)
    {
        var (yaml, fluent) = await Both();
        await using (yaml)
        await using (fluent)
        {
            await script(yaml);
            await script(fluent);
            Assert.Equal(yaml.Steps, fluent.Steps);
            Assert.Equal(yaml.Tasks.Log, fluent.Tasks.Log);
            Assert.Equal(yaml.Engine.Counters.ToString(), fluent.Engine.Counters.ToString());
            check(yaml);
            check(fluent);
        }
    }

    [Fact]
    public async Task Five_views_grant_a_coupon_and_the_reminder_comes_two_days_later_in_both_forms()
        => await Same(async run =>
        {
            for (var i = 1; i <= 5; i++) await run.Publish("product-viewed", new ProductViewed("ann", "p" + i));
            await run.Advance(TimeSpan.FromDays(2));
        }, run =>
        {
            Assert.Contains("ann: coupon for p5", run.Tasks.Log);
            Assert.Contains("ann: remind C-ann", run.Tasks.Log);
            Assert.Equal(FlowInstanceStatus.Completed, run.Instance("ann").Result.Status);
        });

    [Fact]
    public async Task An_order_ends_the_campaign_and_a_used_coupon_ends_it_before_the_reminder_in_both_forms()
        => await Same(async run =>
        {
            await run.Publish("product-viewed", new ProductViewed("bob", "a"));
            await run.Publish("order-placed", new OrderPlaced("bob", 0m));        // the condition does not hold: dropped
            await run.Publish("order-placed", new OrderPlaced("bob", 20m));
            for (var i = 1; i <= 5; i++) await run.Publish("product-viewed", new ProductViewed("cy", "p" + i));
            await run.Publish("coupon-used", new CouponUsed("cy", "C-cy"));        // routed by the arm's own key path
            await run.Advance(TimeSpan.FromDays(3));
        }, run =>
        {
            Assert.Equal(FlowInstanceStatus.Completed, run.Instance("bob").Result.Status);
            Assert.Equal(FlowInstanceStatus.Completed, run.Instance("cy").Result.Status);
            Assert.DoesNotContain(run.Tasks.Log, l => l.Contains("remind"));
            Assert.Equal(1, run.Engine.Counters.Dropped);
        });

    [Fact]
    public async Task The_week_timer_fails_the_instance_with_the_code_in_both_forms()
        => await Same(async run =>
        {
            await run.Publish("product-viewed", new ProductViewed("eve", "a"));
            await run.Advance(TimeSpan.FromDays(7));
        }, run =>
        {
            var expired = run.Instance("eve").Result;
            Assert.Equal(FlowInstanceStatus.Failed, expired.Status);
            Assert.Equal("CAMPAIGN_EXPIRED", expired.ErrorCode);
        });

    [Fact]
    public async Task The_suspend_policy_suspends_a_failed_grant_and_a_resume_runs_it_again_in_both_forms()
        => await Same(async run =>
        {
            run.Tasks.BrokenUsers["fay"] = true;
            for (var i = 1; i <= 5; i++) await run.Publish("product-viewed", new ProductViewed("fay", "p" + i));
            var suspended = Assert.Single(await run.Engine.ListSuspendedAsync());
            Assert.Equal("Grant", suspended.ErrorNode);
            run.Tasks.BrokenUsers.Clear();
            await run.Engine.ResumeAsync(suspended.Id);
        }, run =>
        {
            Assert.Contains("fay: coupon for p5", run.Tasks.Log);
            Assert.Equal(["Remind"], run.Instance("fay").Result.Nodes);
        });
}
