using FlowGen.Durable;
using FlowGen.Persistence.Sqlite;
using FlowGen.Tests.Durable;

// Protocol, one command per stdin line:
//   view <user> <product> <id>  / order <user> <total> <id>  -> publishes; prints "ack <id> <outcome>" once committed
//   drain                                                    -> waits for the mailboxes; prints "drained"
//   state <user>                                             -> prints "state <user> <status> <views>"
//   counters                                                 -> prints "counters <accepted> <duplicates> <dropped>"
// Every step an instance takes prints "step <n> <user> <cause>". With a second argument N, the process kills itself
// (SIGKILL, as kill -9 would: no cleanup, no flush) right after its N-th step is committed: a crash between steps.
var store = new SqliteFlowStore(args[0]);
var crashAfter = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue;
var steps = 0;
var options = new FlowEngineOptions
{
    OnStep = step =>
    {
        var n = Interlocked.Increment(ref steps);
        Console.WriteLine($"step {n} {step.Instance.Key} {step.Cause}");
        if (n == crashAfter) System.Diagnostics.Process.GetCurrentProcess().Kill();
    },
    OnError = (exception, what) => Console.WriteLine($"error {what}: {exception.Message}"),
};
options.JsonContexts.Add(DurableTestJson.Default);
await using var engine = new FlowEngine([new CouponCampaignFlow(new CampaignTasks())], store, options);
await engine.StartAsync();
Console.WriteLine("ready");

while (Console.ReadLine() is { } line)
{
    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    switch (parts[0])
    {
        case "view":
            Console.WriteLine($"ack {parts[3]} {await engine.PublishAsync(new FlowEvent("product-viewed", new ProductViewed(parts[1], parts[2]), parts[3]))}");
            break;
        case "order":
            Console.WriteLine($"ack {parts[3]} {await engine.PublishAsync(new FlowEvent("order-placed", new OrderPlaced(parts[1], decimal.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture)), parts[3]))}");
            break;
        case "drain":
            await engine.DrainAsync();
            Console.WriteLine("drained");
            break;
        case "state":
            var instance = await engine.FindAsync(CouponCampaignFlow.FlowId, parts[1]);
            var views = instance is null ? 0 : System.Text.Json.JsonDocument.Parse(instance.State).RootElement.GetProperty("sta.views").GetInt32();
            Console.WriteLine($"state {parts[1]} {instance?.Status.ToString() ?? "none"} {views}");
            break;
        case "counters":
            Console.WriteLine($"counters {engine.Counters.Accepted} {engine.Counters.Duplicates} {engine.Counters.Dropped}");
            break;
        case "exit":
            return;
    }
}
