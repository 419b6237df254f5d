using System.Text.Json.Serialization;
using FlowGen;

namespace CouponCampaign;

[FlowEvent("product-viewed")]
public sealed record ProductViewed(string UserId, string ProductId);

[FlowEvent("order-placed")]
public sealed record OrderPlaced(string UserId, decimal Total);

[FlowEvent("coupon-used")]
public sealed record CouponUsed(string UserId, string Code);

public sealed record CampaignOutcome(string Text);

/// <summary>The campaign's tasks: in a real system, calls to the coupon and messaging services.</summary>
[FlowComponent("campaign")]
public sealed class CampaignTasks(TimeProvider clock)
{
    public List<string> Sent { get; } = [];

    [FlowTask("count-view"), ToState("views")]
    public int CountView([FromState("views")] int? views) => (views ?? 0) + 1;

    [FlowTask("grant-coupon"), ToState("coupon")]
    public string Grant(ProductViewed request, [FromState("lastView")] ProductViewed? lastView)
    {
        var code = $"SAVE10-{request.UserId.ToUpperInvariant()}";
        Sent.Add($"{clock.GetUtcNow():MM-dd HH:mm} coupon {code} to {request.UserId} (last viewed {lastView?.ProductId ?? request.ProductId})");
        return code;
    }

    [FlowTask("send-reminder")]
    public void Remind(ProductViewed request, [FromState("coupon")] string coupon)
        => Sent.Add($"{clock.GetUtcNow():MM-dd HH:mm} reminder to {request.UserId}: {coupon} expires tomorrow");

    [FlowTask("expire-coupon")]
    public void Expire(ProductViewed request, [FromState("coupon")] string coupon)
        => Sent.Add($"{clock.GetUtcNow():MM-dd HH:mm} coupon {coupon} of {request.UserId} expired");
}

[Flow("coupon-campaign")]
public sealed partial class CouponCampaignFlow : IFlow<ProductViewed, CampaignOutcome>;

/// <summary>Every type a durable instance's state holds, for System.Text.Json's source generator (no reflection).</summary>
[JsonSerializable(typeof(ProductViewed))]
[JsonSerializable(typeof(OrderPlaced))]
[JsonSerializable(typeof(CouponUsed))]
[JsonSerializable(typeof(CampaignOutcome))]
internal sealed partial class CampaignJson : JsonSerializerContext;
