using System.Collections.Concurrent;
using FlowGen;

namespace FlowGen.Tests;

public sealed record OrderRequest(int Amount, string Source);

public sealed record OrderResult(int Total, int? PlusTen, string Path);

public sealed record GoodsPage(string Sku, string Shop, string Logistics);

/// <summary>What the tasks did, in order, from any thread.</summary>
public sealed class Recorder
{
    private readonly ConcurrentQueue<string> _calls = new();

    public void Add(string call) => _calls.Enqueue(call);

    public IReadOnlyList<string> Calls => _calls.ToArray();
}

[FlowComponent("calc")]
public sealed class Calc(Recorder log)
{
    private int _flakyCalls;

    [FlowTask("begin"), ToState("total")]
    public int Begin(OrderRequest request)
    {
        log.Add("begin");
        return request.Amount;
    }

    [FlowTask("add-ten"), ToVar("total")]
    public async ValueTask<int> AddTenAsync([FromState("total")] int total, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        log.Add("add-ten");
        return total + 10;
    }

    [FlowTask("finish"), ToResult]
    public OrderResult Finish([FromState("total")] int total, [FromVar("total")] int? plusTen)
    {
        log.Add("finish");
        return new OrderResult(total, plusTen, "finish");
    }

    [FlowTask("finish-plain"), ToResult]
    public OrderResult FinishPlain([FromState("total")] int total) => new(total, null, "finish-plain");

    [FlowTask("tag-big"), ToResult]
    public OrderResult TagBig([FromState("total")] int total) => new(total, null, "big");

    [FlowTask("tag-app"), ToResult]
    public OrderResult TagApp([FromState("total")] int total) => new(total, null, "app");

    [FlowTask("tag-small"), ToResult]
    public OrderResult TagSmall([FromState("total")] int total) => new(total, null, "small");

    [FlowTask("flaky")]
    public Task FlakyAsync()
    {
        log.Add("flaky");
        if (Interlocked.Increment(ref _flakyCalls) == 1) throw new TimeoutException("the flaky service did not answer");
        return Task.CompletedTask;
    }
}

[FlowComponent("goods")]
public sealed class Goods(Recorder log)
{
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(50);

    [FlowTask("base"), ToState("id")]
    public long Base(OrderRequest request) => request.Amount * 1000L;

    [FlowTask("sku"), ToState("sku")]
    public async Task<string> SkuAsync([FromState("id")] long id, CancellationToken cancellationToken)
    {
        log.Add("sku:start");
        await Task.Delay(Latency, cancellationToken);
        log.Add("sku:end");
        return $"sku-{id}";
    }

    [FlowTask("shop"), ToState("shop")]
    public async ValueTask<string> ShopAsync([FromState("id")] long id, CancellationToken cancellationToken)
    {
        log.Add("shop:start");
        await Task.Delay(Latency, cancellationToken);
        log.Add("shop:end");
        return $"shop-{id}";
    }

    [FlowTask("logistics"), ToState("logistics")]
    public async Task<string> LogisticsAsync(long id, CancellationToken cancellationToken)
    {
        log.Add("logistics:start");
        await Task.Delay(Latency, cancellationToken);
        log.Add("logistics:end");
        return $"logistics-{id}";
    }

    // Parameters bound by name to the sta values of the three branches.
    [FlowTask("merge"), ToResult]
    public GoodsPage Merge(string sku, string shop, string logistics) => new(sku, shop, logistics);
}

[FlowComponent("extras")]
public sealed class Extras(Recorder log)
{
    [FlowTask("coupon"), ToVar("coupon")]
    public string Coupon() { log.Add("coupon"); return "coupon"; }

    [FlowTask("sms"), ToVar("sms")]
    public string Sms() { log.Add("sms"); return "sms"; }

    [FlowTask("nothing"), ToVar("nothing")]
    public string Nothing() { log.Add("nothing"); return "nothing"; }

    [FlowTask("summary"), ToResult]
    public string Summary([FromVar("coupon")] string? coupon, [FromVar("sms")] string? sms, [FromVar("nothing")] string? nothing)
        => string.Join("+", new[] { coupon, sms, nothing }.Where(s => s is not null));
}

[FlowComponent("risk")]
public sealed class Risk(Recorder log)
{
    [FlowTask("init"), ToState("initialized")]
    public string Init() { log.Add("init"); return "yes"; }

    [FlowTask("check"), ToVar("risky")]
    public bool Check([FromRequest("amount")] int amount) { log.Add("check"); return amount > 100; }

    [FlowTask("stats"), ToVar("stats")]
    public string Stats() { log.Add("stats"); return "stats"; }

    [FlowTask("done"), ToResult]
    public string Done([FromVar("stats")] string? stats) { log.Add("done"); return "done:" + (stats ?? "none"); }
}

[Flow("order-seq")]
public sealed partial class OrderSequenceFlow : IFlow<OrderRequest, OrderResult>;

[Flow("order-route")]
public sealed partial class OrderRouteFlow : IFlow<OrderRequest, OrderResult>;

[Flow("goods-parallel")]
public sealed partial class GoodsParallelFlow : IFlow<OrderRequest, GoodsPage>;

[Flow("order-inclusive")]
public sealed partial class OrderInclusiveFlow : IFlow<OrderRequest, string>;

[Flow("risk-join")]
public sealed partial class RiskJoinFlow : IFlow<OrderRequest, string>;

[Flow("flaky-flow")]
public sealed partial class FlakyFlow : IFlow<OrderRequest, OrderResult>;

[FlowComponent("parts")]
public sealed class Parts(Recorder log)
{
    private int _leftCalls;

    [FlowTask("left"), ToState("left")]
    public async ValueTask<string> LeftAsync()
    {
        await Task.Delay(10);
        log.Add("left");
        if (Interlocked.Increment(ref _leftCalls) == 1) throw new InvalidOperationException("left is down");
        return "L";
    }

    [FlowTask("right"), ToState("right")]
    public async Task<string> RightAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(300, cancellationToken); // well after left has failed
        log.Add("right");
        return "R";
    }

    [FlowTask("after-right"), ToState("afterRight")]
    public string AfterRight(string right)
    {
        log.Add("after-right");
        return right + "!";
    }

    [FlowTask("combine"), ToResult]
    public string Combine(string left, string afterRight)
    {
        log.Add("combine");
        return left + "+" + afterRight;
    }
}

[Flow("parts-parallel")]
public sealed partial class PartsFlow : IFlow<OrderRequest, string>;

public enum Channel { Web, App, Vip, Other }

[FlowComponent("router")]
public sealed class Router(Recorder log)
{
    [FlowTask("classify"), ToVar("channel")]
    public Channel Classify(OrderRequest request)
    {
        log.Add("classify");
        return request.Source switch { "web" => Channel.Web, "app" => Channel.App, "vip" => Channel.Vip, _ => Channel.Other };
    }

    [FlowTask("vip"), ToResult] public string Vip() => "vip";

    [FlowTask("context"), ToResult]
    public string Context(FlowContext context, CancellationToken cancellationToken)
        => $"{context.FlowId}/{context.RequestId}/{context.BusinessId}/{cancellationToken.CanBeCanceled}";

    [FlowTask("big"), ToResult] public string Big() => "big";

    [FlowTask("normal"), ToResult] public string Normal() => "normal";
}

[Flow("route-gateway")]
public sealed partial class RouteGatewayFlow : IFlow<OrderRequest, string>;

[Flow("route-task")]
public sealed partial class RouteTaskFlow : IFlow<OrderRequest, string>;

[Flow("no-default")]
public sealed partial class NoDefaultFlow : IFlow<OrderRequest, string>;

[Flow("context-flow")]
public sealed partial class ContextFlow : IFlow<OrderRequest, string>;

[FlowComponent("svc")]
public sealed class PolicyTasks(Recorder log)
{
    private int _failTwice;
    private int _slowOnce;

    [FlowTask("slow"), ToResult]
    public async Task<string> SlowAsync(CancellationToken cancellationToken)
    {
        log.Add("slow:start");
        await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
        return "slow";
    }

    [FlowTask("fail-twice"), ToResult]
    public string FailTwice()
    {
        var call = Interlocked.Increment(ref _failTwice);
        log.Add($"fail-twice:{call}");
        if (call <= 2) throw new InvalidOperationException($"attempt {call} failed");
        return "third time lucky";
    }

    [FlowTask("slow-once"), ToResult]
    public async ValueTask<string> SlowOnceAsync(CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _slowOnce);
        log.Add($"slow-once:{call}");
        if (call == 1) await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
        return $"attempt {call}";
    }

    [FlowTask("broken"), ToResult]
    public string Broken()
    {
        log.Add("broken");
        throw new InvalidOperationException("broken for good");
    }

    [FlowTask("backup")]
    public string Backup()
    {
        log.Add("backup");
        return "from backup";
    }

    [FlowTask("after"), ToVar("after")]
    public string After()
    {
        log.Add("after");
        return "after";
    }

    // Set when the slow sibling has started: the fast branch fails only then, so that its failure cancels a running
    // sibling whatever the scheduler does (on a loaded machine the fork could otherwise fail before the sibling starts).
    private readonly TaskCompletionSource _slowStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [FlowTask("fail-fast")]
    public async Task FailFastAsync()
    {
        await _slowStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(20);
        log.Add("fail-fast");
        throw new InvalidOperationException("the fast branch failed");
    }

    [FlowTask("slow-sibling")]
    public async Task SlowSiblingAsync(CancellationToken cancellationToken)
    {
        _slowStarted.TrySetResult();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            log.Add("slow-sibling:finished");
        }
        catch (OperationCanceledException)
        {
            log.Add("slow-sibling:cancelled");
            throw;
        }
    }
}

[Flow("policy-timeout")] public sealed partial class PolicyTimeoutFlow : IFlow<OrderRequest, string>;
[Flow("policy-retry")] public sealed partial class PolicyRetryFlow : IFlow<OrderRequest, string>;
[Flow("policy-retry-short")] public sealed partial class PolicyRetryShortFlow : IFlow<OrderRequest, string>;
[Flow("policy-timeout-retry")] public sealed partial class PolicyTimeoutRetryFlow : IFlow<OrderRequest, string>;
[Flow("policy-fallback")] public sealed partial class PolicyFallbackFlow : IFlow<OrderRequest, string>;
[Flow("policy-ignore")] public sealed partial class PolicyIgnoreFlow : IFlow<OrderRequest, string>;
[Flow("policy-flow-timeout")] public sealed partial class PolicyFlowTimeoutFlow : IFlow<OrderRequest, string>;
[Flow("siblings")] public sealed partial class SiblingsFlow : IFlow<OrderRequest, string>;
[Flow("two-slow")] public sealed partial class TwoSlowFlow : IFlow<OrderRequest, string>;

[FlowComponent("counter")]
public sealed class Counter(Recorder log)
{
    public int Rounds { get; private set; }

    [FlowTask("init"), ToVar("count")]
    public int Init(OrderRequest request) => request.Amount;

    [FlowTask("inc"), ToVar("count")]
    public int Increment([FromVar("count")] int count)
    {
        Rounds++;
        return count + 1;
    }

    [FlowTask("done"), ToResult]
    public string Done([FromVar("count")] int count)
    {
        log.Add("done");
        return $"count={count} after {Rounds} rounds";
    }
}

[Flow("count-loop")] public sealed partial class CountLoopFlow : IFlow<OrderRequest, string>;
[Flow("limited-loop")] public sealed partial class LimitedLoopFlow : IFlow<OrderRequest, string>;

[FlowComponent("stats")]
public sealed class Stats(Recorder log)
{
    [FlowTask("orders"), ToVar("orders")]
    public async Task<int> OrdersAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(20, cancellationToken);
        log.Add("orders");
        return 12;
    }

    [FlowTask("reviews"), ToVar("reviews")]
    public int Reviews()
    {
        log.Add("reviews");
        return 3;
    }

    [FlowTask("summary"), ToResult]
    public string Summary([FromVar("orders")] int orders, [FromVar("reviews")] int reviews) => $"{orders} orders, {reviews} reviews";

    [FlowTask("fails")]
    public void Fails()
    {
        log.Add("fails");
        throw new InvalidOperationException("statistics are down");
    }

    [FlowTask("slow")]
    public async Task SlowAsync(CancellationToken cancellationToken)
    {
        log.Add("slow:start");
        await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
        log.Add("slow:end");
    }

    [FlowTask("after"), ToResult]
    public string After()
    {
        log.Add("after");
        return "went on";
    }
}

[Flow("with-stats")] public sealed partial class WithStatsFlow : IFlow<OrderRequest, string>;
[Flow("twice-stats")] public sealed partial class TwiceStatsFlow : IFlow<OrderRequest, string>;
[Flow("lenient-stats")] public sealed partial class LenientStatsFlow : IFlow<OrderRequest, string>;
[Flow("slow-stats")] public sealed partial class SlowStatsFlow : IFlow<OrderRequest, string>;
[Flow("slow-lenient-stats")] public sealed partial class SlowLenientStatsFlow : IFlow<OrderRequest, string>;
[Flow("embedded-stats")] public sealed partial class EmbeddedStatsFlow : IFlow<OrderRequest, string>;

public sealed record NumbersRequest(int[] Numbers);

[FlowComponent("numbers")]
public sealed class Numbers(Recorder log)
{
    private int _running;

    public int MaxConcurrent { get; private set; }

    [FlowTask("square"), ToState("squares")]
    public int Square([FromItem] int number) => number * number;

    [FlowTask("square-positive"), ToState("squares")]
    public int SquarePositive(int item)
    {
        if (item < 0) throw new ArgumentOutOfRangeException(nameof(item), item, "negative");
        return item * item;
    }

    [FlowTask("square-positive-single"), ToResult]
    public int SquarePositiveSingle(int item)
    {
        log.Add($"try:{item}");
        if (item < 0) throw new ArgumentOutOfRangeException(nameof(item), item, "negative");
        return item * item;
    }

    [FlowTask("slow-square"), ToState("squares")]
    public async ValueTask<int> SlowSquareAsync(int item, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _running);
        lock (this) MaxConcurrent = Math.Max(MaxConcurrent, now);
        // Later items finish first: results must still come back in item order.
        await Task.Delay(10 * (10 - item), cancellationToken);
        Interlocked.Decrement(ref _running);
        return item * item;
    }

    [FlowTask("sum"), ToResult]
    public int Sum([FromState("squares")] IReadOnlyList<int> squares)
    {
        log.Add(string.Join(",", squares));
        return squares.Sum();
    }
}

[Flow("squares-all")] public sealed partial class SquaresAllFlow : IFlow<NumbersRequest, int>;
[Flow("squares-best")] public sealed partial class SquaresBestFlow : IFlow<NumbersRequest, int>;
[Flow("squares-any")] public sealed partial class SquaresAnyFlow : IFlow<NumbersRequest, int>;
[Flow("squares-async")] public sealed partial class SquaresAsyncFlow : IFlow<NumbersRequest, int>;
[Flow("squares-strict")] public sealed partial class SquaresStrictFlow : IFlow<NumbersRequest, int>;

[Flow("operators")] public sealed partial class OperatorsFlow : IFlow<OrderRequest, string>;

/// <summary>Tasks that allocate nothing, so that a test can see what a run itself allocates.</summary>
[FlowComponent("reuse")]
public sealed class Reuse
{
    public FlowContext? LastContext { get; private set; }

    [FlowTask("first"), ToVar("n")]
    public int First(OrderRequest request, FlowContext context)
    {
        LastContext = context;
        return request.Amount;
    }

    [FlowTask("bonus"), ToVar("bonus")] public int Bonus() => 100;

    [FlowTask("total"), ToResult] public int Total([FromVar("n")] int n, [FromVar("bonus")] int? bonus) => n + (bonus ?? 0);
}

[Flow("reuse-join")] public sealed partial class ReuseJoinFlow : IFlow<OrderRequest, int>;

/// <summary>Runs its own flow again from inside a run (amount - 1 deep), synchronously: the inner run needs a state of its own.</summary>
[FlowComponent("nester")]
public sealed class Nester
{
    public NestedRunFlow? Flow { get; set; }

    [FlowTask("nest"), ToVar("depth")]
    public int Nest(OrderRequest request)
    {
        if (request.Amount == 0) return 0;
        var inner = Flow!.RunAsync(new OrderRequest(request.Amount - 1, request.Source));
        if (!inner.IsCompletedSuccessfully) throw new InvalidOperationException("the inner run should have finished synchronously");
        return inner.Result.Value + 1;
    }

    [FlowTask("after"), ToResult] public int After([FromVar("depth")] int depth, OrderRequest request) => depth * 100 + request.Amount;
}

[Flow("nested-run")] public sealed partial class NestedRunFlow : IFlow<OrderRequest, int>;

/// <summary>Stops a run from inside a synchronous task: the first by suspending the run (Source "suspend"), the second by cancelling the caller's token (Source "cancel").</summary>
[FlowComponent("stopper")]
public sealed class Stopper(Recorder log)
{
    public CancellationTokenSource? Cancellation { get; set; }

    [FlowTask("stop"), ToVar("n")]
    public int Stop(OrderRequest request, FlowContext context)
    {
        log.Add("stop");
        if (request.Source == "suspend") context.SuspendInstance("stopped midway");
        return request.Amount;
    }

    // Takes no FlowContext: in a plain run the block after it checks only the token.
    [FlowTask("second"), ToVar("n")]
    public int Second(OrderRequest request, [FromVar("n")] int n)
    {
        log.Add("second");
        if (request.Source == "cancel") Cancellation?.Cancel();
        return n + 1;
    }

    [FlowTask("third"), ToResult]
    public int Third([FromVar("n")] int n)
    {
        log.Add("third");
        return n * 2;
    }
}

[Flow("stop-midway")] public sealed partial class StopMidwayFlow : IFlow<OrderRequest, int>;

// Flows/gateway-shapes.bpmn: gateway shapes whose generated code once did not compile or warned (issue 14).
[FlowComponent("shapes")]
public sealed class Shapes(Recorder log)
{
    [FlowTask("t")] public void T() => log.Add("T");

    [FlowTask("a")] public void A() => log.Add("A");

    [FlowTask("big")] public void Big() => log.Add("big");

    [FlowTask("gate")] public void Gate() => log.Add("gate");

    [FlowTask("gate-join")] public void GateJoin() => log.Add("gate-join");

    [FlowTask("summary"), ToResult] public string Summary() { log.Add("summary"); return "done"; }
}

[Flow("shape-inclusive-mixed")]
public sealed partial class ShapeInclusiveMixedFlow : IFlow<OrderRequest, string>;

[Flow("shape-inclusive-default")]
public sealed partial class ShapeInclusiveDefaultFlow : IFlow<OrderRequest, string>;

[Flow("shape-parallel-service")]
public sealed partial class ShapeParallelServiceFlow : IFlow<OrderRequest, string>;

[Flow("shape-inclusive-service")]
public sealed partial class ShapeInclusiveServiceFlow : IFlow<OrderRequest, string>;

[Flow("shape-exclusive-plain")]
public sealed partial class ShapeExclusivePlainFlow : IFlow<OrderRequest, string>;

[Flow("shape-exclusive-same-default")]
public sealed partial class ShapeExclusiveSameDefaultFlow : IFlow<OrderRequest, string>;

[Flow("shape-exclusive-same-conditions")]
public sealed partial class ShapeExclusiveSameConditionsFlow : IFlow<OrderRequest, string>;

// Flows/join-*.flow.yaml: tasks, subflows and calls with several incoming connections (Kstry's implicit join).
[FlowComponent("joins")]
public sealed class Joins(Recorder log)
{
    [FlowTask("t"), ToVar("fromT")] public int T() { log.Add("t"); return 1; }

    [FlowTask("a"), ToVar("fromA")] public int A() { log.Add("a"); return 20; }

    // Reads what both branches wrote: the checks know both have run when the join does (no FG0403).
    [FlowTask("both"), ToResult]
    public string Both([FromVar("fromT")] int t, [FromVar("fromA")] int a) { log.Add("both"); return (t + a).ToString(System.Globalization.CultureInfo.InvariantCulture); }

    [FlowTask("once"), ToResult] public string Once() { log.Add("once"); return "done"; }
}

[Flow("join-after-fork")]
public sealed partial class JoinAfterForkFlow : IFlow<OrderRequest, string>;

[Flow("join-after-choices")]
public sealed partial class JoinAfterChoicesFlow : IFlow<OrderRequest, string>;

[Flow("join-into-subflow")]
public sealed partial class JoinIntoSubflowFlow : IFlow<OrderRequest, string>;
