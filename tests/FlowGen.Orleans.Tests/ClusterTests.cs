using System.Text.Json;
using FlowGen.Durable;
using FlowGen.Persistence.PostgreSql;
using FlowGen.Persistence.Tests;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace FlowGen.Orleans.Tests;

/// <summary>How every test silo is set up: FlowGen's flows on the cluster, over one PostgreSQL schema.</summary>
public sealed class FlowSilo : ISiloConfigurator
{
    /// <summary>The store's connection string, set by the test before the cluster is deployed (silos are made from this type).</summary>
    public static string ConnectionString = "";

    public void Configure(ISiloBuilder silo)
    {
        // A killed silo is declared dead within seconds (the defaults take a minute or more), as in tests/FlowGen.ClusterHost.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        });
        silo.Services.AddSingleton<IFlowStore>(_ => new PostgreSqlFlowStore(ConnectionString));
        silo.Services.AddFlowGen(o => o.LogTasks = false);
        silo.Services.AddOrleansDurableFlows(
            o =>
            {
                o.PendingSweep = TimeSpan.FromSeconds(1);
                o.CallTimeout = TimeSpan.FromSeconds(5);
            },
            d =>
            {
                d.JsonContexts.Add(TallyJson.Default);
                d.JsonContexts.Add(ReminderJson.Default);
                d.TimerInterval = TimeSpan.FromSeconds(1);
            });
    }
}

[CollectionDefinition("cluster")]
public sealed class ClusterCollection : ICollectionFixture<PostgresServer>;

/// <summary>
/// An in-process cluster of 3 silos (Orleans.TestingHost) over a real PostgreSQL server on 127.0.0.1: the tally's
/// events, sent through the event gateway from the cluster's client, are spread over the silos; one silo is stopped and
/// one killed while they flow. Every instance must end with exactly the ticks sent: none lost, none applied twice.
/// </summary>
[Collection("cluster")]
public sealed class ClusterTests(PostgresServer server, ITestOutputHelper output)
{
    [Fact]
    public async Task Events_spread_over_three_silos_are_each_applied_once_across_a_stopped_and_a_killed_silo()
    {
        var schema = "cluster_" + Guid.NewGuid().ToString("N")[..8];
        server.Execute($"CREATE SCHEMA {schema}");
        FlowSilo.ConnectionString = server.ConnectionStringWithSchema(schema);
        TallyTasks.Calls.Clear();
        var total = int.TryParse(Environment.GetEnvironmentVariable("FLOWGEN_CLUSTER_EVENTS"), out var asked) ? asked : 1200;
        const int counters = 40;
        var ticks = Math.Max(3, total / counters);

        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<FlowSilo>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var gateway = cluster.Client.GetGrain<IFlowEventGateway>(0);
            var sent = 0;
            var stopped = false;
            var killed = false;
            var retries = 0;
            async Task Publish(string name, object payload, string id)
            {
                var json = payload switch
                {
                    Tick tick => JsonSerializer.SerializeToUtf8Bytes(tick, TallyJson.Default.Tick),
                    Close close => JsonSerializer.SerializeToUtf8Bytes(close, TallyJson.Default.Close),
                    _ => throw new ArgumentException(name),
                };
                var deadline = DateTime.UtcNow.AddSeconds(120);
                while (true)
                {
                    try
                    {
                        var result = await gateway.PublishAsync(name, json, id, null);
                        Assert.True(result is FlowPublishResult.Accepted or FlowPublishResult.Duplicate, $"{id}: {result}");
                        return;
                    }
                    catch (Exception exception) when (DateTime.UtcNow < deadline && exception is not Xunit.Sdk.XunitException)
                    {
                        // The silo that took the call died or left: publish again with the same id.
                        Interlocked.Increment(ref retries);
                        await Task.Delay(200);
                    }
                }
            }

            // Each counter's ticks one after another (their order is kept); the counters in parallel, over the silos.
            var work = Enumerable.Range(0, counters).Select(c => Task.Run(async () =>
            {
                for (var n = 1; n <= ticks; n++)
                {
                    await Publish("tick", new Tick($"c{c}", n), $"c{c}-{n}");
                    Interlocked.Increment(ref sent);
                }
            })).ToList();
            var chaos = Task.Run(async () =>
            {
                while (Volatile.Read(ref sent) < counters * ticks / 3) await Task.Delay(20);
                await cluster.StopSiloAsync(cluster.SecondarySilos[0]);   // leaves the cluster: its grains move
                stopped = true;
                while (Volatile.Read(ref sent) < counters * ticks * 2 / 3) await Task.Delay(20);
                await cluster.KillSiloAsync(cluster.SecondarySilos[0]);   // dies: its calls fail, its grains move
                killed = true;
            });
            await Task.WhenAll(work);
            await chaos;
            foreach (var c in Enumerable.Range(0, counters)) await Publish("close", new Close($"c{c}"), $"c{c}-close");

            // Every instance ends, with every tick applied once.
            using var store = new PostgreSqlFlowStore(FlowSilo.ConnectionString);
            var instances = await ClusterWaits.EndedAsync(store, "tally", counters, TimeSpan.FromSeconds(120));
            Assert.All(instances, i => Assert.Equal(FlowInstanceStatus.Completed, i.Status));
            var lost = 0;
            var twice = 0;
            foreach (var instance in instances)
            {
                using var state = JsonDocument.Parse(instance.State);
                var count = Count(state.RootElement);
                if (count < ticks) lost += ticks - count;
                if (count > ticks) twice += count - ticks;
                var history = await store.ReadHistoryAsync(instance.Id, 10_000);
                Assert.Equal(history.Count, history.Select(h => h.Revision).Distinct().Count());
                Assert.Equal(ticks + 1, history.Count); // the start, ticks - 1 more ticks, the close
            }
            output.WriteLine($"{counters * ticks + counters} events over 3 silos (one stopped, one killed), {retries} publishes sent again; " +
                $"task calls {TallyTasks.Calls.Values.Sum()} for {counters * ticks} ticks applied");
            Assert.True(stopped && killed);
            Assert.Equal(0, lost);
            Assert.Equal(0, twice);
            // Every event is marked processed in the end (marks are written in batches, within a second).
            await ClusterWaits.NothingPendingAsync(store, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Timers_fire_once_and_on_time_when_a_silo_dies()
    {
        var schema = "timers_" + Guid.NewGuid().ToString("N")[..8];
        server.Execute($"CREATE SCHEMA {schema}");
        FlowSilo.ConnectionString = server.ConnectionStringWithSchema(schema);
        ReminderTasks.Rang.Clear();
        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<FlowSilo>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var gateway = cluster.Client.GetGrain<IFlowEventGateway>(0);
            const int reminders = 30;
            var sent = DateTimeOffset.UtcNow;
            for (var i = 0; i < reminders; i++)
                Assert.Equal(FlowPublishResult.Accepted, await gateway.PublishAsync("remind", JsonSerializer.SerializeToUtf8Bytes(new Remind($"r{i}"), ReminderJson.Default.Remind), $"r{i}", null));
            // The timers (3 s) are in the store's due index, not in a silo: kill one while they wait.
            await cluster.KillSiloAsync(cluster.SecondarySilos[0]);

            using var store = new PostgreSqlFlowStore(FlowSilo.ConnectionString);
            var instances = await ClusterWaits.EndedAsync(store, "reminder", reminders, TimeSpan.FromSeconds(60));
            Assert.All(instances, i => Assert.Equal(FlowInstanceStatus.Completed, i.Status));
            foreach (var instance in instances)
            {
                var history = await store.ReadHistoryAsync(instance.Id);
                Assert.Equal(["start", "timer"], history.Select(h => h.Cause)); // fired once, by whichever silo found it first
            }
            var latest = ReminderTasks.Rang.Values.Max() - sent;
            output.WriteLine($"{reminders} reminders of 3 s with a silo killed: all rang within {latest.TotalSeconds:0.0} s of being set");
            Assert.Equal(reminders, ReminderTasks.Rang.Count);
            // Due 3 s after they were set; the silos look every second; a step and a save: on time within a few seconds.
            Assert.True(latest < TimeSpan.FromSeconds(15), $"the last reminder rang {latest.TotalSeconds:0.0} s after it was set");
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    /// <summary>The bus value sta.count in a saved state (the generated state keeps bus values by their names).</summary>
    private static int Count(JsonElement state)
        => state.TryGetProperty("sta.count", out var count) && count.ValueKind == JsonValueKind.Number ? count.GetInt32() : 0;
}
