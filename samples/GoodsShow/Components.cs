using FlowGen;

namespace GoodsShow;

public sealed record GoodsDetailRequest(long Id, string Source);

public sealed class GoodsDetail
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string? Image { get; init; }
    public IReadOnlyList<string> Skus { get; set; } = [];
    public string? Shop { get; set; }
    public string? Logistics { get; set; }
    public string? Insurance { get; set; }
    public string? Statistics { get; set; }
    public bool Hidden { get; set; }
    public string? Summary { get; set; }
}

public sealed record RiskResult(bool Blocked, string Reason);

/// <summary>Simulated remote calls: each waits as a real service would.</summary>
public static class Latency
{
    public static readonly TimeSpan Sku = TimeSpan.FromMilliseconds(120);
    public static readonly TimeSpan Shop = TimeSpan.FromMilliseconds(80);
    public static readonly TimeSpan Logistics = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan SlowLogistics = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Statistics = TimeSpan.FromMilliseconds(60);
}

[FlowComponent("goods")]
public sealed class GoodsService
{
    [FlowTask("init-base-info"), ToResult, ToState("goodsDetail")]
    public GoodsDetail InitBaseInfo(GoodsDetailRequest request)
        => new() { Id = request.Id, Name = $"Goods #{request.Id}", Image = request.Id % 13 == 0 ? "forbidden.png" : "goods.png" };

    [FlowTask("init-sku"), ToState("skus")]
    public async Task<IReadOnlyList<string>> InitSkuAsync([FromRequest("id")] long goodsId, CancellationToken cancellationToken)
    {
        await Task.Delay(Latency.Sku, cancellationToken);
        return [$"{goodsId}-red", $"{goodsId}-blue"];
    }

    [FlowTask("detail-post-process")]
    public void PostProcess([FromState("goodsDetail")] GoodsDetail detail, [FromState("skus")] IReadOnlyList<string> skus,
        [FromState("shop")] string shop, [FromState("logistics")] string logistics, [FromState("insurance")] string? insurance,
        [FromVar("orderCount")] int? orders, [FromVar("favoriteCount")] int? favorites, [FromVar("reviewCount")] int? reviews)
    {
        detail.Skus = skus;
        detail.Shop = shop;
        detail.Logistics = logistics;
        detail.Insurance = insurance ?? "no shipping insurance";
        detail.Statistics = $"{orders ?? 0} orders, {favorites ?? 0} favorites, {(reviews is null ? "reviews not loaded" : $"{reviews} reviews")}";
        detail.Summary = $"{detail.Name}: {skus.Count} SKUs, sold by {shop}, {logistics}, {detail.Insurance}; {detail.Statistics}";
    }

    [FlowTask("block-page")]
    public void Block([FromState("goodsDetail")] GoodsDetail detail, [FromState("riskResult")] RiskResult risk)
    {
        detail.Hidden = true;
        detail.Summary = $"{detail.Name} is hidden: {risk.Reason}";
    }
}

[FlowComponent("risk-control")]
public sealed class RiskControlService
{
    [FlowTask("check-img"), ToState("riskResult")]
    public RiskResult CheckImage([FromState("goodsDetail")] GoodsDetail detail)
        => detail.Image == "forbidden.png" ? new RiskResult(true, "the image failed the content check") : new RiskResult(false, "ok");
}

[FlowComponent("shop")]
public sealed class ShopService
{
    [FlowTask("get-shop-info"), ToState("shop")]
    public async ValueTask<string> GetShopAsync([FromRequest("id")] long goodsId, CancellationToken cancellationToken)
    {
        await Task.Delay(Latency.Shop, cancellationToken);
        return $"Shop {goodsId % 7}";
    }
}

[FlowComponent("logistic")]
public sealed class LogisticService
{
    // The web channel's logistics service hangs: the task's timeout (150 ms) and retry end it, and the
    // fallback answers instead.
    [FlowTask("get-logistic-info"), ToState("logistics")]
    public async Task<string> GetLogisticsAsync([FromRequest("source")] string source, CancellationToken cancellationToken)
    {
        await Task.Delay(source == "app" ? Latency.Logistics : Latency.SlowLogistics, cancellationToken);
        return "free delivery tomorrow";
    }

    [FlowTask("logistic-fallback")]
    public string Fallback() => "delivery time unknown";

    // Insurance is a nice-to-have: strict-mode=false lets the page render without it.
    [FlowTask("get-insurance"), ToState("insurance")]
    public string GetInsurance([FromRequest("id")] long goodsId)
        => goodsId % 2 == 0 ? "free shipping insurance" : throw new InvalidOperationException("insurance service unavailable");
}

[FlowComponent("statistics")]
public sealed class StatisticsService
{
    [FlowTask("get-order-count"), ToVar("orderCount")]
    public async Task<int> GetOrdersAsync([FromRequest("id")] long goodsId, CancellationToken cancellationToken)
    {
        await Task.Delay(Latency.Statistics, cancellationToken);
        return (int)(goodsId % 1000);
    }

    [FlowTask("get-favorite-count"), ToVar("favoriteCount")]
    public async Task<int> GetFavoritesAsync([FromRequest("id")] long goodsId, CancellationToken cancellationToken)
    {
        await Task.Delay(Latency.Statistics, cancellationToken);
        return (int)(goodsId % 97);
    }

    [FlowTask("get-review-count"), ToVar("reviewCount")]
    public async Task<int?> GetReviewsAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Latency.Statistics, cancellationToken);
        return 42;
    }
}

[Flow("goods-show")]
public sealed partial class GoodsShowFlow : IFlow<GoodsDetailRequest, GoodsDetail>;
