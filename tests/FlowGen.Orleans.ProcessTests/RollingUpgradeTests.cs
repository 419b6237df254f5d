using System.Text.Json;
using FlowGen.Durable;
using FlowGen.Persistence.PostgreSql;
using FlowGen.Persistence.Tests;
using Xunit;
using Xunit.Abstractions;

using FlowGen.Orleans.Tests;

namespace FlowGen.Orleans.ProcessTests;

/// <summary>
/// A new build rolled over a running cluster one silo at a time: two silo processes of the previous deployment (only the
/// tally-v1 build) get instances; each is replaced in turn by a silo with the new build and the old one kept beside it
/// (continues) while ticks keep coming. The old instances run to their end, none is suspended, every tick is applied
/// once, and instances started once the roll is over are of the new version.
/// </summary>
public sealed class RollingUpgradeTests : IDisposable
{
    private readonly PostgresServer _postgres = new();
    private readonly ClusterProcesses _processes;
    private readonly ITestOutputHelper _output;

    public RollingUpgradeTests(ITestOutputHelper output)
    {
        _output = output;
        var path = typeof(RollingUpgradeTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "FlowGen.ClusterHost").Value!;
        _processes = new ClusterProcesses(path, output.WriteLine);
    }

    public void Dispose()
    {
        _processes.Dispose();
        _postgres.Dispose();
    }

    [Fact]
    public async Task Old_instances_run_to_their_end_and_new_ones_start_on_the_new_build()
    {
        var redis = await _processes.StartRedisAsync();
        var clusterId = ClusterProcesses.NewClusterId();
        var store = await ClusterProcesses.NewStoreAsync(_postgres, "roll");

        var old1 = _processes.StartSilo(store, redis, clusterId, old: true);
        var old2 = _processes.StartSilo(store, redis, clusterId, old: true);
        await Task.WhenAll(old1.Ready, old2.Ready).WaitAsync(TimeSpan.FromSeconds(90));
        using var clientHost = await ClusterProcesses.StartClientAsync(redis, clusterId);
        var gateway = ClusterProcesses.Gateway(clientHost);
        var ticks = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        async Task Tick(string counter)
        {
            var n = ticks.AddOrUpdate(counter, 1, static (_, v) => v + 1);
            await Publish(gateway, "tick", JsonSerializer.SerializeToUtf8Bytes(new { Counter = counter, N = n }), $"{counter}-{n}");
        }
        async Task Round(IEnumerable<string> counters) => await Task.WhenAll(counters.Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++) await Tick(c);
        })));
        var olds = Enumerable.Range(0, 20).Select(i => $"old{i}").ToList();
        foreach (var c in olds) ticks[c] = 0;

        // On the previous deployment.
        await Round(olds);
        // The roll: a new silo joins, an old one leaves; ticks keep coming; then the second.
        var new1 = _processes.StartSilo(store, redis, clusterId);
        await new1.Ready.WaitAsync(TimeSpan.FromSeconds(90));
        old1.Stop();
        await Round(olds);
        var new2 = _processes.StartSilo(store, redis, clusterId);
        await new2.Ready.WaitAsync(TimeSpan.FromSeconds(90));
        old2.Stop();
        await Round(olds);
        // Once every silo has the new build, new instances start on it.
        var news = Enumerable.Range(0, 10).Select(i => $"new{i}").ToList();
        foreach (var c in news) ticks[c] = 0;
        await Round(news);
        foreach (var c in olds.Concat(news)) await Publish(gateway, "close", JsonSerializer.SerializeToUtf8Bytes(new { Counter = c }), $"{c}-close");

        using var reader = new PostgreSqlFlowStore(store);
        var instances = await ClusterWaits.EndedAsync(reader, "tally", 30, TimeSpan.FromSeconds(120));
        Assert.All(instances, i => Assert.True(i.Status == FlowInstanceStatus.Completed, $"{i}"));
        foreach (var instance in instances)
        {
            using var state = JsonDocument.Parse(instance.State);
            Assert.Equal(ticks[instance.Key], state.RootElement.GetProperty("sta.count").GetInt32());
            Assert.DoesNotContain(await reader.ReadHistoryAsync(instance.Id), h => h.Cause == "version");
        }
        var oldVersions = instances.Where(i => i.Key.StartsWith("old", StringComparison.Ordinal)).Select(i => i.Version).Distinct().ToList();
        var newVersions = instances.Where(i => i.Key.StartsWith("new", StringComparison.Ordinal)).Select(i => i.Version).Distinct().ToList();
        _output.WriteLine($"old instances: version {string.Join(", ", oldVersions)}; new instances: version {string.Join(", ", newVersions)}");
        Assert.Single(oldVersions);
        Assert.Single(newVersions);
        Assert.NotEqual(oldVersions[0], newVersions[0]);
        await clientHost.StopAsync();
        new1.Stop();
        new2.Stop();
    }

    private static async Task Publish(IFlowEventGateway gateway, string name, byte[] json, string id)
    {
        var result = await ClusterProcesses.PublishAsync(gateway, name, json, id, TimeSpan.FromSeconds(120));
        Assert.True(result is FlowPublishResult.Accepted or FlowPublishResult.Duplicate, $"{id}: {result}");
    }
}
