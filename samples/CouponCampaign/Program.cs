using CouponCampaign;
using FlowGen;
using FlowGen.Durable;
using FlowGen.Persistence.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

// Playwell's coupon campaign (Flows/coupon-campaign.flow.yaml) as a durable flow: simulated users' events go through
// the hosted FlowEngine's in-process channel, time is fake (a week passes in a second), and every instance is kept
// in a SQLite file beside the program. Each step prints the path the instance took.
//
// With --console (and --urls to choose where; http://127.0.0.1:5080 by default) the program also serves the operator
// console at /flowgen and stays up after the simulation, with two more users waiting and one suspended by hand:
//   dotnet run --project samples/CouponCampaign -- --console
var console = args.Contains("--console");
var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
var database = Path.Combine(AppContext.BaseDirectory, "coupon-campaign.db");
foreach (var file in new[] { database, database + "-wal", database + "-shm" }) File.Delete(file); // a fresh simulation each run

IHost host;
if (console)
{
    // --console is the sample's own switch, not configuration (it would take the next argument as its value).
    var web = WebApplication.CreateSlimBuilder(args.Where(a => a != "--console").ToArray());
    Configure(web.Services, web.Logging);
    // The console logs every action it takes (who, what, the outcome).
    web.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning).AddFilter("FlowGen.Console", LogLevel.Information);
    if (web.Configuration["urls"] is null) web.WebHost.UseUrls("http://127.0.0.1:5080");
    var app = web.Build();
    app.MapFlowGenConsole("/flowgen", o => o.Title = "Coupon campaign");
    host = app;
}
else
{
    var builder = Host.CreateApplicationBuilder(args);
    Configure(builder.Services, builder.Logging);
    host = builder.Build();
}
using var _ = host;
await host.StartAsync();
var engine = host.Services.GetRequiredService<FlowEngine>();
var events = host.Services.GetRequiredService<FlowEventChannel>();
var tasks = host.Services.GetRequiredService<CampaignTasks>();

// The users: ann and cat view five products; ann then uses her coupon, cat never does. bob buys after two views.
// dan views once and goes away. An order from someone the campaign never saw is dropped.
await At(0, 0, "ann", new ProductViewed("ann", "shoes"));
await At(0, 1, "bob", new ProductViewed("bob", "hat"));
await At(0, 2, "cat", new ProductViewed("cat", "lamp"));
await At(0, 3, "dan", new ProductViewed("dan", "desk"));
for (var i = 2; i <= 5; i++)
{
    await At(0, 3 + i, "ann", new ProductViewed("ann", "shoes-" + i));
    await At(0, 4 + i, "cat", new ProductViewed("cat", "lamp-" + i));
}
await At(0, 12, "bob", new ProductViewed("bob", "scarf"));
await At(1, 9, "bob", new OrderPlaced("bob", 39.90m));
await At(1, 10, "eve", new OrderPlaced("eve", 12m));
await At(1, 18, "ann", new CouponUsed("ann", "SAVE10-ANN"));
await At(9, 0, "-", null); // let the week pass: reminders, expiries, dan's campaign ends

Console.WriteLine();
Console.WriteLine("Messages sent by the campaign:");
foreach (var line in tasks.Sent) Console.WriteLine("  " + line);
Console.WriteLine();
Console.WriteLine($"Engine: {engine.Counters}");

// The outcome each user must have; the program fails when the flow misbehaves.
var expected = new Dictionary<string, string>
{
    ["ann"] = "Completed (coupon used)",
    ["bob"] = "Completed (bought)",
    ["cat"] = "Completed (reminded, expired)",
    ["dan"] = "Completed (week passed)",
};
var failures = 0;
foreach (var (user, outcome) in expected)
{
    var instance = await engine.FindAsync(CouponCampaignFlow.FlowId, user);
    var ok = instance?.Status == FlowInstanceStatus.Completed;
    if (!ok) failures++;
    Console.WriteLine($"  {user}: {instance?.Status.ToString() ?? "no instance"}{(ok ? "" : $", expected {outcome}")}");
}
if (!tasks.Sent.Any(s => s.Contains("reminder to cat")) || !tasks.Sent.Any(s => s.Contains("of cat expired")) || tasks.Sent.Any(s => s.Contains("reminder to ann")))
    failures++;
if (engine.Counters.Dropped != 1) failures++; // eve's order
Console.WriteLine(failures == 0 ? "All instances ended as expected." : $"{failures} unexpected outcomes.");
if (console && failures == 0)
{
    // Something for the operator to look at: fay and gus have viewed a product and wait; gus is suspended by hand.
    await At(9, 1, "fay", new ProductViewed("fay", "vase"));
    await At(9, 2, "gus", new ProductViewed("gus", "rug"));
    var gus = await engine.FindAsync(CouponCampaignFlow.FlowId, "gus");
    await engine.SuspendAsync(gus!.Id, "held for review by the sample");
    var address = host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
    Console.WriteLine();
    Console.WriteLine($"Console: {address.TrimEnd('/')}/flowgen (Ctrl+C to stop)");
    await host.WaitForShutdownAsync();
    return 0;
}
await host.StopAsync();
return failures == 0 ? 0 : 1;

// The services of both modes: the clock, the SQLite store, tracking (the history and the console show the nodes run),
// FlowGen and the hosted engine.
void Configure(IServiceCollection services, ILoggingBuilder logging)
{
    logging.ClearProviders();
    services.AddSingleton<TimeProvider>(clock);
    services.AddSingleton<IFlowStore>(new SqliteFlowStore(database));
    services.AddSingleton(new FlowRunOptions { Tracking = TrackingMode.Node });
    services.AddFlowGen(o => o.LogTasks = false);
    services.AddDurableFlows(o =>
    {
        o.JsonContexts.Add(CampaignJson.Default);
        o.TimerInterval = TimeSpan.FromMinutes(10);
        o.OnStep = Print;
    });
}

// Moves the fake clock to day d, hour h (firing the timers due on the way), then sends the event and waits for it.
async Task At(int day, int hour, string user, object? payload)
{
    var target = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero).AddDays(day).AddHours(hour);
    while (clock.GetUtcNow() < target)
    {
        var step = TimeSpan.FromHours(1) < target - clock.GetUtcNow() ? TimeSpan.FromHours(1) : target - clock.GetUtcNow();
        clock.Advance(step);
        await engine.FireDueTimersAsync();
        await engine.DrainAsync();
    }
    if (payload is null) return;
    var before = engine.Counters.Accepted + engine.Counters.Dropped;
    var name = payload switch { ProductViewed => "product-viewed", OrderPlaced => "order-placed", _ => "coupon-used" };
    await events.WriteAsync(name, payload);
    while (engine.Counters.Accepted + engine.Counters.Dropped == before) await Task.Delay(1);
    await engine.DrainAsync();
}

// One line per step: when, who, what moved the instance, the nodes it ran, where it is now.
void Print(FlowStepRecord step)
{
    var path = new List<string>();
    if (step.Step?.Caught is { } caught) path.Add(caught);
    if (step.Step?.Trace is { } trace) path.AddRange(trace.Nodes.Where(n => n.Outcome != "waiting").Select(n => n.NodeId));
    var now = step.Instance.Status switch
    {
        FlowInstanceStatus.Waiting => $"waits at {string.Join(",", step.Instance.Nodes)} for {string.Join(" | ", step.Instance.Events.Append($"{step.Instance.DueAt:MM-dd HH:mm}"))}",
        FlowInstanceStatus.Completed => "done",
        _ => $"{step.Instance.Status}: {step.Instance.ErrorCode} {step.Instance.ErrorMessage}",
    };
    Console.WriteLine($"{clock.GetUtcNow():MM-dd HH:mm}  {step.Instance.Key,-4} {step.Cause,-6} {(path.Count == 0 ? "" : string.Join(" -> ", path) + "  ")}=> {now}");
}
