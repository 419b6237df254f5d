using FlowGen;
using OrderQuery;

// Three fluent C# flows (Flows.cs): 1+N merged lists, a chained call, and a conditional call.
var users = new UserService();
var orders = new OrderService();
var options = new FlowRunOptions { Tracking = TrackingMode.Node };
var ok = true;

async Task Show(string title, IFlow<OrderQueryRequest, OrderView> flow, OrderQueryRequest request, int expectedOrders)
{
    var result = await flow.RunAsync(request, options);
    Console.WriteLine($"== {title}");
    if (!result.IsSuccess)
    {
        Console.WriteLine($"   failed: {result.Error}");
        ok = false;
        return;
    }
    var view = result.Value!;
    foreach (var order in view.Orders)
        Console.WriteLine($"   {view.User}: order {order.Id} on {order.Day:yyyy-MM-dd}, {order.Item}, {order.Amount:0.00}{(order.Closed ? " (closed)" : "")}");
    Console.WriteLine(result.Trace);
    ok &= view.Orders.Count == expectedOrders;
}

await Show("1+N: history and today merged, then a detail per order", new MergedOrdersFlow(users, orders), new OrderQueryRequest(7), expectedOrders: 3);
await Show("chained: the user, then the user's unclosed order", new UnclosedOrderFlow(users, orders), new OrderQueryRequest(7), expectedOrders: 1);
await Show("conditional: is-history", new OrdersByKindFlow(users, orders), new OrderQueryRequest(8, IsHistory: true), expectedOrders: 2);
await Show("conditional: today", new OrdersByKindFlow(users, orders), new OrderQueryRequest(8, IsHistory: false), expectedOrders: 1);

Console.WriteLine($"detail calls: {orders.DetailCalls}");
return ok && orders.DetailCalls == 7 ? 0 : 1;
