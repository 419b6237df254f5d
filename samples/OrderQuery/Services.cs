using FlowGen;

namespace OrderQuery;

public sealed record OrderQueryRequest(long UserId, bool IsHistory = false);

public sealed record UserInfo(long Id, string Name, string Level);

public sealed record OrderSummary(long Id, DateOnly Day, bool Closed);

public sealed record OrderDetail(long Id, DateOnly Day, string Item, decimal Amount, bool Closed);

/// <summary>What the flows answer: the user and the orders found.</summary>
public sealed record OrderView(string User, IReadOnlyList<OrderDetail> Orders, string Source);

/// <summary>The user service (simulated in process).</summary>
[FlowComponent("users")]
public sealed class UserService
{
    [FlowTask("load-user"), ToState("user")]
    public async ValueTask<UserInfo> LoadUserAsync(OrderQueryRequest request, CancellationToken cancellationToken)
    {
        await Task.Delay(15, cancellationToken);
        return new UserInfo(request.UserId, request.UserId == 7 ? "ada" : "user-" + request.UserId, request.UserId == 7 ? "vip" : "normal");
    }
}

/// <summary>The order service: two list calls (history and today), a detail call per order, and the unclosed order of a user.</summary>
[FlowComponent("orders")]
public sealed class OrderService
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    public int DetailCalls;

    [FlowTask("history-orders"), ToState("history")]
    public async Task<List<OrderSummary>> HistoryOrdersAsync([FromState("user")] UserInfo user, CancellationToken cancellationToken)
    {
        await Task.Delay(60, cancellationToken); // the slow archive
        return [new(user.Id * 100 + 1, Today.AddDays(-30), true), new(user.Id * 100 + 2, Today.AddDays(-3), false)];
    }

    [FlowTask("today-orders"), ToState("today")]
    public async Task<List<OrderSummary>> TodayOrdersAsync([FromState("user")] UserInfo user, CancellationToken cancellationToken)
    {
        await Task.Delay(20, cancellationToken); // the hot store
        return [new(user.Id * 100 + 9, Today, false)];
    }

    /// <summary>1+N: the two lists merged, newest first; each is then loaded by <see cref="DetailAsync"/>.</summary>
    [FlowTask("merge"), ToState("orderIds")]
    public List<long> Merge([FromState("history")] List<OrderSummary> history, [FromState("today")] List<OrderSummary> today)
        => history.Concat(today).OrderByDescending(o => o.Day).Select(o => o.Id).ToList();

    [FlowTask("history-ids"), ToState("orderIds")]
    public List<long> HistoryIds([FromState("history")] List<OrderSummary> history) => history.Select(o => o.Id).ToList();

    [FlowTask("today-ids"), ToState("orderIds")]
    public List<long> TodayIds([FromState("today")] List<OrderSummary> today) => today.Select(o => o.Id).ToList();

    [FlowTask("detail"), ToState("details")]
    public async ValueTask<OrderDetail> DetailAsync([FromItem] long orderId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref DetailCalls);
        await Task.Delay(10, cancellationToken);
        var day = orderId % 100 == 9 ? Today : Today.AddDays(orderId % 100 == 1 ? -30 : -3);
        return new OrderDetail(orderId, day, orderId % 2 == 0 ? "keyboard" : "coffee", 10m + orderId % 100, orderId % 100 == 1);
    }

    /// <summary>Chained: the unclosed order of the user loaded before.</summary>
    [FlowTask("unclosed-order"), ToState("orderIds")]
    public async Task<List<long>> UnclosedOrderAsync([FromState("user")] UserInfo user, CancellationToken cancellationToken)
    {
        await Task.Delay(15, cancellationToken);
        return [user.Id * 100 + 2];
    }

    [FlowTask("view"), ToResult]
    public OrderView View([FromState("user")] UserInfo user, [FromState("details")] IReadOnlyList<OrderDetail> details, OrderQueryRequest request)
        => new(user.Name, details, request.IsHistory ? "history" : "today");
}
