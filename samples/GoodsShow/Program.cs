using FlowGen;
using GoodsShow;

// Kstry's product page, compiled: base info, risk check, then SKUs, shop, logistics (timeout, retry, fallback),
// insurance (strict-mode=false), advertising (allow-absent: no component here) and the statistics subprocess
// (Flows/statistics.bpmn, called) in parallel, then post-processing.
var flow = new GoodsShowFlow(new GoodsService(), new RiskControlService(), new ShopService(), new LogisticService(), new StatisticsService());
var options = new FlowRunOptions { Tracking = TrackingMode.Node };

foreach (var request in new[] { new GoodsDetailRequest(1002, "app"), new GoodsDetailRequest(1005, "web"), new GoodsDetailRequest(1300, "web") })
{
    var result = await flow.RunAsync(request, options);
    if (!result.IsSuccess)
    {
        Console.WriteLine($"Flow failed: {result.Error}");
        return 1;
    }

    Console.WriteLine($"[{request.Source}] {result.Value!.Summary}");
    Console.WriteLine(result.Trace);

    var branches = result.Trace!.Nodes.Where(n => n.NodeId is "Task_Sku" or "Task_Shop" or "Task_Logistics" or "Call_Statistics").ToList();
    if (branches.Count == 4)
    {
        var first = branches.Min(n => n.Start);
        var wall = branches.Max(n => n.Start + n.Duration) - first;
        var sum = TimeSpan.FromTicks(branches.Sum(n => n.Duration.Ticks));
        Console.WriteLine($"Parallel part: {wall.TotalMilliseconds:F0} ms wall clock; the branches took {sum.TotalMilliseconds:F0} ms in total " +
            $"(longest branch {branches.Max(n => n.Duration).TotalMilliseconds:F0} ms).");
        Console.WriteLine();
    }
}
return 0;
