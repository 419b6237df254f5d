using System.Diagnostics;
using System.Text.Json.Serialization;
using FlowGen.Durable;
using FlowGen.Persistence.PostgreSql;
using FlowGen.Persistence.Sqlite;

namespace FlowGen.Benchmarks;

[FlowEvent("tick")]
public sealed record Tick(string Key);

[FlowEvent("poke")]
public sealed record Poke(string Key);

public sealed record TickResult(int Count);

[FlowComponent("bench-durable")]
public sealed class DurableTasks
{
    [FlowTask("count"), ToState("n")]
    public static int Count([FromState("n")] int? n) => (n ?? 0) + 1;
}

[Flow("bench-durable")]
public sealed partial class DurableBenchFlow : IFlow<Tick, TickResult>;

[JsonSerializable(typeof(Tick))]
[JsonSerializable(typeof(Poke))]
[JsonSerializable(typeof(TickResult))]
internal sealed partial class DurableBenchJson : JsonSerializerContext;

/// <summary>
/// The durable scale harness (issue 7), not a BenchmarkDotNet case (each figure is one long run):
/// a million waiting instances in memory (managed memory per instance, after a full collection); event routing in
/// memory (events to waiting instances, each a full step: load, continue, save; and events no instance takes);
/// persisted transitions per second on SQLite and on PostgreSQL (a server started here on 127.0.0.1).
/// </summary>
internal static class DurableHarness
{
    /// <param name="only">One part (memory, routing, sqlite or postgres), or null for all.</param>
    public static int Run(bool smoke, string? postgres, string? only)
    {
        if (only is not null && only is not ("memory" or "routing" or "sqlite" or "postgres"))
        {
            Console.Error.WriteLine($"--only takes memory, routing, sqlite or postgres, not '{only}'");
            return 2;
        }
        var instances = smoke ? 2_000 : Environment.GetEnvironmentVariable("FLOWGEN_INSTANCES") is { } n ? int.Parse(n) : 1_000_000;
        var events = smoke ? 2_000 : 500_000;
        var persisted = smoke ? 500 : 20_000;
        Console.WriteLine($"Durable harness: {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine();
        Console.WriteLine("| Measure | Count | Result | Goal | Met |");
        Console.WriteLine("|---|---:|---:|---|---|");
        var failed = false;

        // 1. Waiting instances in memory.
        if (only is null or "memory")
        {
            var (memoryPerInstance, startRate) = WaitingInstances(instances);
            Row("Waiting instances in memory (managed bytes each)", instances, $"{memoryPerInstance:N0} B", "at most 1 KB", memoryPerInstance <= 1024);
            Row("Instances started from trigger events, in memory", instances, $"{startRate:N0} /s", "reported", null);
        }

        // 2. Routing in memory: each event a step of a waiting instance; and events nobody takes.
        if (only is null or "routing")
        {
            // Over as many waiting instances as the first part holds (a million): each event finds its instance among them.
            var (stepRate, dropRate) = Routing(instances, events);
            Row($"Events routed to waiting instances (each a step), in memory, {instances:N0} instances", events, $"{stepRate:N0} /s", "at least 200,000 /s", stepRate >= 200_000);
            Row("Events no instance takes (routed, dropped), in memory", events, $"{dropRate:N0} /s", "reported", null);
        }

        // 3. Persisted transitions.
        if (only is not (null or "sqlite" or "postgres")) return failed && !smoke ? 1 : 0;
        var folder = Directory.CreateTempSubdirectory("flowgen-bench-").FullName;
        try
        {
            if (only is null or "sqlite")
            {
                var sqlite = Transitions(new SqliteFlowStore(Path.Combine(folder, "bench.db")), persisted);
                Row("SQLite: persisted transitions (WAL, synchronous=NORMAL)", persisted, $"{sqlite:N0} /s", "at least 5,000 /s", sqlite >= 5_000);
            }
            // PostgreSQL: the server named by --postgres, else one started here on 127.0.0.1 (not in the smoke run).
            FlowGen.Persistence.Tests.PostgresServer? server = null;
            if (postgres is null && !smoke && only is (null or "postgres"))
            {
                server = new FlowGen.Persistence.Tests.PostgresServer();
                postgres = server.ConnectionString;
            }
            try
            {
                if (postgres is not null && only is (null or "postgres"))
                {
                    var pg = Transitions(new PostgreSqlFlowStore(postgres), persisted);
                    Row("PostgreSQL (local server, default settings): persisted transitions", persisted, $"{pg:N0} /s", "reported", null);
                }
            }
            finally
            {
                server?.Dispose();
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
        return failed && !smoke ? 1 : 0;

        void Row(string measure, int count, string result, string goal, bool? met)
        {
            Console.WriteLine($"| {measure} | {count:N0} | {result} | {goal} | {(met is null ? "-" : met.Value ? "yes" : "no")} |");
            failed |= met == false;
        }
    }

    private static FlowEngine Engine(IFlowStore store)
    {
        var options = new FlowEngineOptions();
        if (Environment.GetEnvironmentVariable("FLOWGEN_PARTITIONS") is { } p) options.Partitions = int.Parse(p);
        options.JsonContexts.Add(DurableBenchJson.Default);
        return new FlowEngine([new DurableBenchFlow()], store, options);
    }

    private static (long BytesPerInstance, double StartsPerSecond) WaitingInstances(int count)
    {
        var keys = Enumerable.Range(0, count).Select(i => "user-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var store = new InMemoryFlowStore();
        var engine = Engine(store);
        engine.StartAsync().GetAwaiter().GetResult();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        Publish(engine, keys);
        engine.DrainAsync().GetAwaiter().GetResult();
        clock.Stop();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        if (store.Count != count) throw new InvalidOperationException($"expected {count} instances, the store holds {store.Count}");
        GC.KeepAlive(keys);
        GC.KeepAlive(store);
        engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return ((after - before) / count, count / clock.Elapsed.TotalSeconds);
    }

    private static (double Steps, double Drops) Routing(int instances, int events)
    {
        var store = new InMemoryFlowStore();
        var engine = Engine(store);
        engine.StartAsync().GetAwaiter().GetResult();
        var keys = Enumerable.Range(0, instances).Select(i => "k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Publish(engine, keys);
        engine.DrainAsync().GetAwaiter().GetResult();
        var ticks = Enumerable.Range(0, events).Select(i => keys[i % instances]).ToArray();
        // Warm-up, as BenchmarkDotNet would: the JIT moves the hot code to its optimized tier before the timed pass
        // (a service routes events for days; the first seconds of tiering are not its throughput).
        Publish(engine, ticks);
        engine.DrainAsync().GetAwaiter().GetResult();
        var delivered = engine.Counters.Delivered;
        var pause = GC.GetTotalPauseDuration();
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        Publish(engine, ticks);
        engine.DrainAsync().GetAwaiter().GetResult();
        var steps = events / clock.Elapsed.TotalSeconds;
        if (Environment.GetEnvironmentVariable("FLOWGEN_VERBOSE") is not null)
            Console.WriteLine($"routing: wall {clock.Elapsed.TotalMilliseconds:0} ms, cpu {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds:0} ms, gc pause {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:0} ms, gen0 {GC.CollectionCount(0) - gen0}, gen2 {GC.CollectionCount(2) - gen2}, allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / events:N0} B per event");
        if (engine.Counters.Delivered - delivered != events) throw new InvalidOperationException($"expected {events} deliveries, got {engine.Counters.Delivered - delivered}");

        // Events for keys with no instance, of an event the flow waits for but does not start on: each is routed to
        // its mailbox, finds no instance there, and is dropped.
        var nobody = Enumerable.Range(0, events).Select(i => "none-" + (i % 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var dropped = engine.Counters.Dropped;
        clock.Restart();
        foreach (var key in nobody) engine.PublishAsync(new FlowEvent("poke", new Poke(key))).AsTask().GetAwaiter().GetResult();
        engine.DrainAsync().GetAwaiter().GetResult();
        var drops = events / clock.Elapsed.TotalSeconds;
        if (engine.Counters.Dropped - dropped != events) throw new InvalidOperationException("events nobody takes must all be dropped");
        engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return (steps, drops);
    }

    private static double Transitions(IFlowStore store, int transitions)
    {
        var engine = Engine(store);
        engine.StartAsync().GetAwaiter().GetResult();
        var keys = Enumerable.Range(0, 1_000).Select(i => "p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Publish(engine, keys);
        engine.DrainAsync().GetAwaiter().GetResult();
        var ticks = Enumerable.Range(0, transitions).Select(i => keys[i % keys.Length]).ToArray();
        // Warm-up (the JIT's tiers), a tenth of the timed pass.
        Publish(engine, ticks[..(transitions / 10)]);
        engine.DrainAsync().GetAwaiter().GetResult();
        var clock = Stopwatch.StartNew();
        Publish(engine, ticks);
        engine.DrainAsync().GetAwaiter().GetResult();
        var rate = transitions / clock.Elapsed.TotalSeconds;
        engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
        (store as IDisposable)?.Dispose();
        return rate;
    }

    private static void Publish(FlowEngine engine, string[] keys)
    {
        foreach (var key in keys)
        {
            var published = engine.PublishAsync(new FlowEvent("tick", new Tick(key)));
            if (!published.IsCompletedSuccessfully) published.AsTask().GetAwaiter().GetResult();
        }
    }
}
