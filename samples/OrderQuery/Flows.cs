using FlowGen;

namespace OrderQuery;

// The orchestration platform's three call patterns, written as fluent C# flows. FlowGen's generator reads each
// [FlowDefinition] method at build time (it never runs) and compiles it like a flow file.

/// <summary>1+N: the history and today lists in parallel, merged, then one detail call per order.</summary>
[Flow("orders-merged")]
public sealed partial class MergedOrdersFlow : IFlow<OrderQueryRequest, OrderView>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<OrderQueryRequest> flow) => flow
        .FlowTimeout(2000)
        .Task<UserService>(s => s.LoadUserAsync)
        .Parallel(
            history => history.Task<OrderService>(s => s.HistoryOrdersAsync).Timeout(500).Retry(1),
            today => today.Task<OrderService>(s => s.TodayOrdersAsync).Timeout(200))
        .Task<OrderService>(s => s.Merge)
        .ForEach<OrderService, long>(bus => bus.State<List<long>>("orderIds"), s => s.DetailAsync, name: "Order detail")
        .Setting("ite-async", "true")
        .Task<OrderService>(s => s.View);
}

/// <summary>Chained: the user, then the user's unclosed order (which needs the user), then its detail.</summary>
[Flow("unclosed-order")]
public sealed partial class UnclosedOrderFlow : IFlow<OrderQueryRequest, OrderView>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<OrderQueryRequest> flow) => flow
        .Task<UserService>(s => s.LoadUserAsync)
        .Task<OrderService>(s => s.UnclosedOrderAsync, id: "find-unclosed", name: "Unclosed order")
        .ForEach<OrderService, long>(bus => bus.State<List<long>>("orderIds"), s => s.DetailAsync)
        .Task<OrderService>(s => s.View);
}

/// <summary>Conditional: is-history ? the history list : today's list, then the details.</summary>
[Flow("orders-by-kind")]
public sealed partial class OrdersByKindFlow : IFlow<OrderQueryRequest, OrderView>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<OrderQueryRequest> flow) => flow
        .Task<UserService>(s => s.LoadUserAsync)
        .If(bus => bus.Request.IsHistory,
            then: history => history.Task<OrderService>(s => s.HistoryOrdersAsync).Task<OrderService>(s => s.HistoryIds),
            otherwise: today => today.Task<OrderService>(s => s.TodayOrdersAsync).Task<OrderService>(s => s.TodayIds))
        .ForEach<OrderService, long>(bus => bus.State<List<long>>("orderIds"), s => s.DetailAsync)
        .Task<OrderService>(s => s.View);
}
