using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using FlowGen.Orleans;
using FlowGen.Orleans.ProcessTests;
using FlowGen.Persistence.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowGen.Benchmarks;

/// <summary>
/// Durable flows on a cluster of silo processes (tests/FlowGen.ClusterHost: the tally flow, membership in Redis, the
/// store in PostgreSQL, all on 127.0.0.1): events applied per second with 1, 2 and 3 silos, published from an Orleans
/// client by 200 counters at once (each counter's events one after another, each publish returning once applied); and
/// how long instances wait when a silo is killed with SIGKILL while events flow. Not BenchmarkDotNet: whole processes.
/// </summary>
internal static class ClusterHarness
{
    public static int Run(string[] args)
    {
        using var postgres = new PostgresServer();
        var host = typeof(ClusterHarness).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "FlowGen.ClusterHost").Value!;
        using var processes = new ClusterProcesses(host, Console.Error.WriteLine);
        var redis = processes.StartRedisAsync().GetAwaiter().GetResult();
        Console.WriteLine($"Cluster harness, {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores: silos, client, Redis and PostgreSQL all on this machine.");
        var only = args.Contains("--memory") ? "memory" : null;
        foreach (var silos in only is null ? [1, 2, 3] : Array.Empty<int>())
        {
            var (store, clusterId) = Fresh(postgres);
            var children = Enumerable.Range(0, silos).Select(_ => processes.StartSilo(store, redis, clusterId)).ToList();
            Task.WhenAll(children.Select(c => c.Ready)).WaitAsync(TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
            using var client = Client(redis, clusterId);
            var gateway = ClusterProcesses.Gateway(client);
            Publish(gateway, "warm", counters: 100, ticks: 5).GetAwaiter().GetResult();
            var watch = Stopwatch.StartNew();
            var events = Publish(gateway, "run", counters: 200, ticks: 25).GetAwaiter().GetResult();
            watch.Stop();
            Console.WriteLine($"  {silos} silo(s): {events:N0} events applied in {watch.Elapsed.TotalSeconds:0.0} s = {events / watch.Elapsed.TotalSeconds:N0} events/s");
            client.StopAsync().GetAwaiter().GetResult();
            foreach (var child in children) child.Stop();
        }

        // A silo killed while events flow: how long each counter's next event waited.
        if (only is null)
        {
            var (store, clusterId) = Fresh(postgres);
            var children = Enumerable.Range(0, 3).Select(_ => processes.StartSilo(store, redis, clusterId)).ToList();
            Task.WhenAll(children.Select(c => c.Ready)).WaitAsync(TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
            using var client = Client(redis, clusterId);
            var gateway = ClusterProcesses.Gateway(client);
            var clock = Stopwatch.StartNew();
            var killAt = TimeSpan.FromSeconds(5);
            var stopAt = TimeSpan.FromSeconds(25);
            var gaps = new List<double>();
            var streams = Enumerable.Range(0, 40).Select(c => Task.Run(async () =>
            {
                var last = clock.Elapsed;
                var longest = TimeSpan.Zero;
                for (var n = 1; clock.Elapsed < stopAt; n++)
                {
                    await PublishOne(gateway, "tick", JsonSerializer.SerializeToUtf8Bytes(new { Counter = $"k{c}", N = n }), $"k{c}-{n}");
                    var now = clock.Elapsed;
                    if (last < killAt + TimeSpan.FromSeconds(10) && now > killAt && now - last > longest) longest = now - last;
                    last = now;
                }
                lock (gaps) gaps.Add(longest.TotalSeconds);
            })).ToList();
            while (clock.Elapsed < killAt) Thread.Sleep(20);
            children[1].Kill();
            Task.WhenAll(streams).GetAwaiter().GetResult();
            gaps.Sort();
            Console.WriteLine($"  a silo of 3 killed with SIGKILL: the longest wait of an instance's next event {gaps[^1]:0.0} s, median over 40 instances {gaps[gaps.Count / 2]:0.0} s");
            client.StopAsync().GetAwaiter().GetResult();
            foreach (var child in children) child.Stop();
        }
        // Memory per waiting instance on one silo: the managed heap with 20,000 waiting instances whose grains are active,
        // then after every activation is collected (the instances only in PostgreSQL), over the heap before them.
        {
            var (store, clusterId) = Fresh(postgres);
            var silo = processes.StartSilo(store, redis, clusterId);
            silo.Ready.WaitAsync(TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
            using var client = Client(redis, clusterId);
            var cluster = client.Services.GetRequiredService<IClusterClient>();
            var gateway = cluster.GetGrain<IFlowEventGateway>(0);
            var management = cluster.GetGrain<IManagementGrain>(0);
            Publish(gateway, "warm", counters: 100, ticks: 1).GetAwaiter().GetResult();
            management.ForceActivationCollection(TimeSpan.Zero).GetAwaiter().GetResult();
            var before = silo.MemoryAsync().GetAwaiter().GetResult();
            const int waiting = 20_000;
            Publish(gateway, "mem", counters: waiting, ticks: 1).GetAwaiter().GetResult();
            var active = silo.MemoryAsync().GetAwaiter().GetResult();
            management.ForceActivationCollection(TimeSpan.Zero).GetAwaiter().GetResult();
            Thread.Sleep(2000);
            var collected = silo.MemoryAsync().GetAwaiter().GetResult();
            Console.WriteLine($"  {waiting:N0} waiting instances on 1 silo: {(active - before) / (double)waiting:N0} B each with their grains active, {(collected - before) / (double)waiting:N0} B each once the activations are collected (managed heap after a full collection)");
            client.StopAsync().GetAwaiter().GetResult();
            silo.Stop();
        }
        return 0;
    }

    private static (string Store, string ClusterId) Fresh(PostgresServer postgres)
        => (ClusterProcesses.NewStoreAsync(postgres, "bench").GetAwaiter().GetResult(), ClusterProcesses.NewClusterId());

    private static IHost Client(string redis, string clusterId) => ClusterProcesses.StartClientAsync(redis, clusterId).GetAwaiter().GetResult();

    private static async Task<int> Publish(IFlowEventGateway gateway, string prefix, int counters, int ticks)
    {
        await Task.WhenAll(Enumerable.Range(0, counters).Select(c => Task.Run(async () =>
        {
            for (var n = 1; n <= ticks; n++)
                await PublishOne(gateway, "tick", JsonSerializer.SerializeToUtf8Bytes(new { Counter = $"{prefix}{c}", N = n }), $"{prefix}{c}-{n}");
        })));
        return counters * ticks;
    }

    private static Task PublishOne(IFlowEventGateway gateway, string name, byte[] json, string id)
        => ClusterProcesses.PublishAsync(gateway, name, json, id, TimeSpan.FromSeconds(120));
}
