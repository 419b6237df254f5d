using System.Reflection;
using System.Text.Json;
using FlowGen.Durable;
using FlowGen.Orleans;
using FlowGen.Orleans.Tests;
using FlowGen.Persistence.PostgreSql;
using FlowGen.Persistence.Tests;
using Xunit;
using Xunit.Abstractions;

namespace FlowGen.Orleans.ProcessTests;

/// <summary>
/// A real multi-process cluster on 127.0.0.1: three silo processes (tests/FlowGen.ClusterHost) whose membership is in a
/// Redis server and whose instances are in a PostgreSQL server, both started by the test. The tally's events are sent
/// from an Orleans client in this process; one silo is killed with SIGKILL a third of the way through and started again
/// (on new ports), another killed two thirds through. Every instance must end with exactly the ticks sent.
/// </summary>
public sealed class ProcessClusterTests : IDisposable
{
    private readonly PostgresServer _postgres = new();
    private readonly ClusterProcesses _processes;
    private readonly ITestOutputHelper _output;

    public ProcessClusterTests(ITestOutputHelper output)
    {
        _output = output;
        _processes = new ClusterProcesses(HostPath(), output.WriteLine);
    }

    public void Dispose()
    {
        _processes.Dispose();
        _postgres.Dispose();
    }

    [Fact]
    public async Task Silo_processes_killed_with_SIGKILL_lose_no_event_and_apply_none_twice()
    {
        var redisAddress = await _processes.StartRedisAsync();
        var clusterId = ClusterProcesses.NewClusterId();
        var store = await ClusterProcesses.NewStoreAsync(_postgres, "procs");

        var silos = new List<ClusterProcesses.Child>();
        ClusterProcesses.Child Silo() => _processes.StartSilo(store, redisAddress, clusterId);
        for (var i = 0; i < 3; i++) silos.Add(Silo());
        await Task.WhenAll(silos.Select(s => s.Ready.WaitAsync(TimeSpan.FromSeconds(90))));

        using var clientHost = await ClusterProcesses.StartClientAsync(redisAddress, clusterId);
        var gateway = ClusterProcesses.Gateway(clientHost);

        var total = int.TryParse(Environment.GetEnvironmentVariable("FLOWGEN_CLUSTER_EVENTS"), out var asked) ? asked : 1200;
        const int counters = 40;
        var ticks = Math.Max(3, total / counters);
        var sent = 0;
        var retries = 0;
        async Task Publish(string name, byte[] json, string id)
        {
            // The silo that took the call died: published again, with the same id.
            var result = await ClusterProcesses.PublishAsync(gateway, name, json, id, TimeSpan.FromSeconds(180), () => Interlocked.Increment(ref retries));
            Assert.True(result is FlowPublishResult.Accepted or FlowPublishResult.Duplicate, $"{id}: {result}");
        }

        var work = Enumerable.Range(0, counters).Select(c => Task.Run(async () =>
        {
            for (var n = 1; n <= ticks; n++)
            {
                await Publish("tick", JsonSerializer.SerializeToUtf8Bytes(new { Counter = $"c{c}", N = n }), $"c{c}-{n}");
                Interlocked.Increment(ref sent);
            }
        })).ToList();
        var chaos = Task.Run(async () =>
        {
            while (Volatile.Read(ref sent) < counters * ticks / 3) await Task.Delay(20);
            silos[1].Kill();                       // SIGKILL: no goodbye, its calls fail, its grains move
            var again = Silo();                    // and started again
            await again.Ready.WaitAsync(TimeSpan.FromSeconds(90));
            silos.Add(again);
            while (Volatile.Read(ref sent) < counters * ticks * 2 / 3) await Task.Delay(20);
            silos[2].Kill();
        });
        await Task.WhenAll(work);
        await chaos;
        foreach (var c in Enumerable.Range(0, counters)) await Publish("close", JsonSerializer.SerializeToUtf8Bytes(new { Counter = $"c{c}" }), $"c{c}-close");

        using var reader = new PostgreSqlFlowStore(store);
        var instances = await ClusterWaits.EndedAsync(reader, "tally", counters, TimeSpan.FromSeconds(180));
        Assert.All(instances, i => Assert.Equal(FlowInstanceStatus.Completed, i.Status));
        var lost = 0;
        var twice = 0;
        foreach (var instance in instances)
        {
            using var state = JsonDocument.Parse(instance.State);
            var count = state.RootElement.TryGetProperty("sta.count", out var value) ? value.GetInt32() : 0;
            if (count < ticks) lost += ticks - count;
            if (count > ticks) twice += count - ticks;
            var history = await reader.ReadHistoryAsync(instance.Id, 10_000);
            Assert.Equal(ticks + 1, history.Count);
        }
        _output.WriteLine($"{counters * (ticks + 1)} events over 3 silo processes (one killed and started again, one killed); {retries} publishes sent again; lost {lost}, applied twice {twice}");
        Assert.Equal(0, lost);
        Assert.Equal(0, twice);
        await ClusterWaits.NothingPendingAsync(reader, TimeSpan.FromSeconds(30));
        await clientHost.StopAsync();
        foreach (var silo in silos) silo.Stop();
    }

    private static string HostPath()
    {
        var path = typeof(ProcessClusterTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "FlowGen.ClusterHost")?.Value;
        Assert.False(string.IsNullOrEmpty(path), "this test assembly does not name the cluster host (its project builds tests/FlowGen.ClusterHost and names it)");
        Assert.True(File.Exists(path), $"the cluster host is not built: {path}");
        return path;
    }
}
