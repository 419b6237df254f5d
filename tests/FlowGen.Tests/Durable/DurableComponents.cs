using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace FlowGen.Tests.Durable;

[FlowEvent("product-viewed")]
public sealed record ProductViewed(string UserId, string ProductId);

[FlowEvent("order-placed")]
public sealed record OrderPlaced(string UserId, decimal Total);

[FlowEvent("coupon-used")]
public sealed record CouponUsed(string Customer, string Code);

public sealed record CampaignResult(string Outcome);

/// <summary>The campaign's tasks; what they did is recorded for the tests (per user).</summary>
[FlowComponent("campaign")]
public sealed class CampaignTasks
{
    public ConcurrentQueue<string> Log { get; } = new();

    /// <summary>Users whose grant throws (to test suspend and resume); cleared to "repair".</summary>
    public ConcurrentDictionary<string, bool> BrokenUsers { get; } = new();

    [FlowTask("count-view"), ToState("views")]
    public int CountView(ProductViewed request, [FromState("views")] int? views, [FromState("lastView")] ProductViewed? lastView, FlowContext context)
    {
        // A task decides for its instance: the product ids "suspend-me" and "end-me" ask for it.
        if (lastView?.ProductId == "suspend-me") context.SuspendInstance("a person must look at this user");
        if (lastView?.ProductId == "end-me") context.EndInstance();
        Log.Enqueue($"{request.UserId}: view {(views ?? 0) + 1}");
        return (views ?? 0) + 1;
    }

    [FlowTask("grant-coupon"), ToState("coupon")]
    public string Grant(ProductViewed request, [FromState("lastView")] ProductViewed? lastView)
    {
        if (BrokenUsers.ContainsKey(request.UserId)) throw new InvalidOperationException("the coupon service is down");
        Log.Enqueue($"{request.UserId}: coupon for {lastView?.ProductId}");
        return "C-" + request.UserId;
    }

    [FlowTask("remind")]
    public void Remind(ProductViewed request, [FromState("coupon")] string coupon) => Log.Enqueue($"{request.UserId}: remind {coupon}");
}

[Flow("coupon-campaign")]
public sealed partial class CouponCampaignFlow : IFlow<ProductViewed, CampaignResult>;

/// <summary>The application's JSON context: every request, bus value and event type of its durable flows.</summary>
[JsonSerializable(typeof(ProductViewed))]
[JsonSerializable(typeof(OrderPlaced))]
[JsonSerializable(typeof(CouponUsed))]
[JsonSerializable(typeof(CampaignResult))]
internal sealed partial class DurableTestJson : JsonSerializerContext;

[Flow("coupon-campaign-v1")]
public sealed partial class CouponCampaignV1Flow : IFlow<ProductViewed, CampaignResult>;
