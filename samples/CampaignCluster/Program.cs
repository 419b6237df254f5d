using System.Net;
using CouponCampaign;
using FlowGen;
using FlowGen.Durable;
using FlowGen.Persistence.PostgreSql;
using FlowGen.Persistence.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;

// Playwell's coupon campaign (samples/CouponCampaign) on a cluster: two Orleans silos (in this one process, on 127.0.0.1)
// share a PostgreSQL store, and each user's instance is a grain on one of them. Events are published on either silo
// and reach the grain of their user; time is fake (a week passes in a second). The program fails when an instance
// ends otherwise than on the embedded engine. docs/cluster.md explains the parts.
Console.WriteLine("Starting PostgreSQL on 127.0.0.1 (a throwaway server in a temporary folder)...");
using var postgres = new PostgresServer();
var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
using (var schema = new PostgreSqlFlowStore(postgres.ConnectionString)) await schema.InitializeAsync();

var primary = new IPEndPoint(IPAddress.Loopback, 11111);
IHost Silo(int n)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders();
    builder.UseOrleans(silo => silo.UseLocalhostClustering(11110 + n, 30000 + n, primary, serviceId: "campaign", clusterId: "campaign-sample"));
    builder.Services.AddSingleton<TimeProvider>(clock);
    builder.Services.AddSingleton<IFlowStore>(_ => new PostgreSqlFlowStore(postgres.ConnectionString));
    builder.Services.AddSingleton(new FlowRunOptions { Tracking = TrackingMode.Node });
    builder.Services.AddFlowGen(o => o.LogTasks = false);
    builder.Services.AddOrleansDurableFlows(durable: o =>
    {
        o.JsonContexts.Add(CampaignJson.Default);
        o.TimerInterval = TimeSpan.FromMinutes(10);
    });
    return builder.Build();
}
using var silo1 = Silo(1);
using var silo2 = Silo(2);
await silo1.StartAsync();
await silo2.StartAsync();
Console.WriteLine("Two silos up: 127.0.0.1:11111 and 127.0.0.1:11112.");
var engines = new[] { silo1.Services.GetRequiredService<FlowEngine>(), silo2.Services.GetRequiredService<FlowEngine>() };
var published = 0;

// The same users as samples/CouponCampaign: ann and cat view five products, ann uses her coupon; bob buys after two
// views; dan views once and goes away; eve's order is for a campaign that never saw her (dropped).
await At(0, 0, new ProductViewed("ann", "shoes"));
await At(0, 1, new ProductViewed("bob", "hat"));
await At(0, 2, new ProductViewed("cat", "lamp"));
await At(0, 3, new ProductViewed("dan", "desk"));
for (var i = 2; i <= 5; i++)
{
    await At(0, 3 + i, new ProductViewed("ann", "shoes-" + i));
    await At(0, 4 + i, new ProductViewed("cat", "lamp-" + i));
}
await At(0, 12, new ProductViewed("bob", "scarf"));
await At(1, 9, new OrderPlaced("bob", 39.90m));
await At(1, 10, new OrderPlaced("eve", 12m));
await At(1, 18, new CouponUsed("ann", "SAVE10-ANN"));
await At(9, 0, null);

Console.WriteLine();
var failures = 0;
foreach (var user in new[] { "ann", "bob", "cat", "dan" })
{
    var instance = await engines[0].FindAsync(CouponCampaignFlow.FlowId, user);
    var history = await engines[0].HistoryAsync(instance!.Id);
    if (instance.Status != FlowInstanceStatus.Completed) failures++;
    Console.WriteLine($"  {user}: {instance.Status} after {history.Count} steps ({string.Join(", ", history.Select(h => h.Cause))})");
}
// Each silo has its own CampaignTasks; a user's steps ran on the silo its grain was on.
var sent = new[] { silo1, silo2 }.SelectMany(s => s.Services.GetRequiredService<CampaignTasks>().Sent).OrderBy(s => s, StringComparer.Ordinal).ToList();
Console.WriteLine();
Console.WriteLine("Messages sent by the campaign (by the silo each instance's grain ran on):");
foreach (var line in sent) Console.WriteLine("  " + line);
var steps = engines.Select(e => e.Counters.Started + e.Counters.Delivered + e.Counters.Timers).ToArray();
Console.WriteLine();
Console.WriteLine($"Steps run: silo 1 {steps[0]}, silo 2 {steps[1]} ({published} events published, half on each silo).");
if (!sent.Any(s => s.Contains("reminder to cat")) || !sent.Any(s => s.Contains("of cat expired")) || sent.Any(s => s.Contains("reminder to ann"))) failures++;
await silo2.StopAsync();
await silo1.StopAsync();
Console.WriteLine(failures == 0 ? "All instances ended as on the embedded engine." : $"{failures} unexpected outcomes.");
return failures == 0 ? 0 : 1;

// Moves the fake clock to day d, hour h (every silo fires the timers due on the way), then publishes the event on one
// silo or the other: it returns once the event is applied, wherever its grain is.
async Task At(int day, int hour, object? payload)
{
    var target = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero).AddDays(day).AddHours(hour);
    while (clock.GetUtcNow() < target)
    {
        var step = TimeSpan.FromHours(1) < target - clock.GetUtcNow() ? TimeSpan.FromHours(1) : target - clock.GetUtcNow();
        clock.Advance(step);
        foreach (var engine in engines) await engine.FireDueTimersAsync();
        foreach (var engine in engines) await engine.DrainAsync();
    }
    if (payload is null) return;
    var name = payload switch { ProductViewed => "product-viewed", OrderPlaced => "order-placed", _ => "coupon-used" };
    await engines[published++ % 2].PublishAsync(new FlowEvent(name, payload));
}

