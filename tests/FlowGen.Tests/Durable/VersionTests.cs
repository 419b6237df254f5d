using FlowGen.Durable;
using Xunit;

namespace FlowGen.Tests.Durable;

/// <summary>
/// An instance saved by an older build of its flow: suspended with a clear error naming both versions, never run by
/// the wrong build, and continued to its end by the old build kept beside the new one (docs/versions.md).
/// </summary>
public sealed class VersionTests
{
    private readonly InMemoryFlowStore _store = new();
    private readonly CampaignTasks _tasks = new();

    private FlowEngine Engine(params IDurableFlow[] flows)
    {
        var options = new FlowEngineOptions();
        options.JsonContexts.Add(DurableTestJson.Default);
        return new FlowEngine(flows, _store, options);
    }

    /// <summary>The previous deployment: the v1 file was then the flow 'coupon-campaign' itself.</summary>
    private sealed class PreviousDeployment(IDurableFlow build) : IDurableFlow
    {
        public string Id => CouponCampaignFlow.FlowId;
        public string Version => build.Version;
        public IReadOnlyDictionary<string, Type> Events => build.Events;
        public string? Trigger => build.Trigger;
        public string? Continues => null;
        public Type RequestType => build.RequestType;
        public FlowFailurePolicy? FailurePolicy => build.FailurePolicy;
        public string? KeyOf(FlowEvent flowEvent) => build.KeyOf(flowEvent);
        public bool Starts(FlowEvent flowEvent) => build.Starts(flowEvent);
        public string? KeyOfRequest(object request) => build.KeyOfRequest(request);
        public ValueTask<DurableStep> StartAsync(object request, DurableStepContext context) => build.StartAsync(request, context);
        public ValueTask<DurableStep> ContinueAsync(ReadOnlyMemory<byte> state, DurableSignal signal, DurableStepContext context) => build.ContinueAsync(state, signal, context);
    }

    private static async Task Publish(FlowEngine engine, string user, string product)
    {
        await engine.PublishAsync(new FlowEvent("product-viewed", new ProductViewed(user, product)));
        await engine.DrainAsync();
    }

    [Fact]
    public async Task An_instance_of_an_older_version_is_suspended_naming_both_versions_and_the_kept_build_continues_it()
    {
        var v1 = new CouponCampaignV1Flow(_tasks);
        Assert.NotEqual(CouponCampaignFlow.FlowVersion, CouponCampaignV1Flow.FlowVersion);

        await using (var old = Engine(new PreviousDeployment(v1)))
        {
            await old.StartAsync();
            await Publish(old, "ann", "a");
        }
        var saved = await _store.FindLatestAsync(CouponCampaignFlow.FlowId, "ann");
        Assert.Equal(CouponCampaignV1Flow.FlowVersion, saved!.Version);

        // The new deployment alone cannot continue it: suspended, with both versions in the error; the event is dropped.
        await using (var current = Engine(new CouponCampaignFlow(_tasks)))
        {
            await current.StartAsync();
            await Publish(current, "ann", "b");
            var suspended = Assert.Single(await current.ListSuspendedAsync());
            Assert.Equal(FlowErrorCodes.VersionMismatch, suspended.ErrorCode);
            Assert.Contains(CouponCampaignV1Flow.FlowVersion, suspended.ErrorMessage);
            Assert.Contains(CouponCampaignFlow.FlowVersion, suspended.ErrorMessage);
            Assert.Equal(1, current.Counters.Dropped);
            var refused = await Assert.ThrowsAsync<FlowInstanceStateException>(() => current.ResumeAsync(suspended.Id));
            Assert.Contains("ContinueVersion", refused.Message);
        }

        // With the old build kept beside the new one, the instance resumes and runs to its end on it (three views for
        // a coupon, as v1 says), while a new user's instance starts on the new build.
        // v1's file says 'continues: coupon-campaign': registered beside the current build, it continues the old
        // instances and starts none (the application registers every durable flow; AddDurableFlows does the same).
        Assert.Equal(CouponCampaignFlow.FlowId, ((IDurableFlow)v1).Continues);
        await using var both = Engine(new CouponCampaignFlow(_tasks), v1);
        await both.StartAsync();
        Assert.Single(both.Flows);
        var resumed = await both.ResumeAsync(saved.Id);
        Assert.Equal(FlowInstanceStatus.Waiting, resumed.Status);
        await Publish(both, "ann", "c");
        await Publish(both, "ann", "d");
        var granted = await both.FindAsync(CouponCampaignFlow.FlowId, "ann");
        Assert.Equal(["Remind"], granted!.Nodes);
        Assert.Equal(CouponCampaignV1Flow.FlowVersion, granted.Version);
        Assert.Contains("ann: coupon for d", _tasks.Log);

        await Publish(both, "bob", "x");
        Assert.Equal(CouponCampaignFlow.FlowVersion, (await both.FindAsync(CouponCampaignFlow.FlowId, "bob"))!.Version);
        Assert.Null(await both.FindAsync(CouponCampaignV1Flow.FlowId, "bob")); // the kept build started nothing
    }

    [Fact]
    public async Task ContinueVersion_registers_a_kept_build_by_hand()
    {
        var v1 = new CouponCampaignV1Flow(_tasks);
        await using (var old = Engine(new PreviousDeployment(v1)))
        {
            await old.StartAsync();
            await Publish(old, "cy", "a");
        }
        await using var current = Engine(new CouponCampaignFlow(_tasks));
        current.ContinueVersion(CouponCampaignFlow.FlowId, new PreviousDeployment(v1));
        await current.StartAsync();
        await Publish(current, "cy", "b");
        await Publish(current, "cy", "c");
        Assert.Equal(["Remind"], (await current.FindAsync(CouponCampaignFlow.FlowId, "cy"))!.Nodes);
    }

    [Fact]
    public async Task Work_a_dispatcher_may_send_elsewhere_is_deferred_by_an_engine_without_the_build_and_the_last_try_suspends()
    {
        // A cluster upgraded one silo at a time: an instance of the old version reaches a silo with only the new build.
        var v1 = new CouponCampaignV1Flow(_tasks);
        await using (var old = Engine(new PreviousDeployment(v1)))
        {
            await old.StartAsync();
            await Publish(old, "ann", "a");
        }
        var saved = (await _store.FindLatestAsync(CouponCampaignFlow.FlowId, "ann"))!;
        await using var upgraded = Engine(new CouponCampaignFlow(_tasks));
        await upgraded.StartAsync();
        var payload = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new ProductViewed("ann", "b"), DurableTestJson.Default.ProductViewed);
        FlowWork Event(bool mayDefer) => new()
        {
            Kind = FlowWorkKind.Event, FlowId = CouponCampaignFlow.FlowId, Key = "ann", EventName = "product-viewed", Payload = payload, Sequence = 0, MayDefer = mayDefer,
        };

        var deferred = await upgraded.RunWorkAsync(Event(mayDefer: true));
        Assert.Equal(FlowWorkStatus.Deferred, deferred.Status);
        var untouched = (await _store.GetAsync(saved.Id))!;
        Assert.Equal(FlowInstanceStatus.Waiting, untouched.Status);
        Assert.Equal(saved.Revision, untouched.Revision);
        var timer = await upgraded.RunWorkAsync(new FlowWork
        {
            Kind = FlowWorkKind.Timer, FlowId = CouponCampaignFlow.FlowId, Key = "ann", InstanceId = saved.Id, Due = saved.DueAt!.Value, Now = saved.DueAt.Value, MayDefer = true,
        });
        Assert.Equal(FlowWorkStatus.Deferred, timer.Status);
        Assert.Equal(saved.Revision, (await _store.GetAsync(saved.Id))!.Revision);

        // The dispatcher's last try: suspended with both versions named, as on the embedded engine.
        Assert.Equal(FlowWorkStatus.Dropped, (await upgraded.RunWorkAsync(Event(mayDefer: false))).Status);
        var suspended = (await _store.GetAsync(saved.Id))!;
        Assert.Equal(FlowInstanceStatus.Suspended, suspended.Status);
        Assert.Equal(FlowErrorCodes.VersionMismatch, suspended.ErrorCode);
    }
}
