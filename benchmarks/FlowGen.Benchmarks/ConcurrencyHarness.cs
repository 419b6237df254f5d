using System.Diagnostics;
using System.Globalization;

namespace FlowGen.Benchmarks;

/// <summary>
/// The concurrency harness (issue 6): N runs started at once of a flow whose one task awaits 500 ms of simulated
/// I/O (Task.Delay), with a flow timeout of 3 s; beside it the same task called by hand under a 3 s
/// CancellationTokenSource. Each case runs twice: once timed, once with a full collection while every run waits,
/// for the memory one waiting run holds. Workflow Core 3.22.0 (issue 15) runs the same step as a workflow on its
/// in-memory host, timed only (a started workflow cannot be cancelled by its caller), for counts up to 2,000: once
/// with its concurrency raised to the count (UseMaxConcurrentWorkflows), where a run not finished within the flow's 3 s
/// counts as a failure, and once with its default (one workflow per core at a time) for 20 runs, given 30 s each.
/// </summary>
internal static class ConcurrencyHarness
{
    private sealed record Goal(int Runs, TimeSpan WallTime);

    private static readonly Goal[] s_goals = [new(2_000, TimeSpan.FromSeconds(0.7)), new(100_000, TimeSpan.FromSeconds(3))];

    public static int Run(IReadOnlyList<int> counts)
    {
        var request = new BenchRequest(1);
        var timed = Runners(new BenchIoTasks(), longerTimeout: null);
        // For the memory pass the runs must all still wait when the heap is measured, however long starting
        // them takes: a wait of a minute, cancelled by the caller once measured.
        var waiting = Runners(new BenchIoTasks { Latency = TimeSpan.FromMinutes(1) }, longerTimeout: TimeSpan.FromMinutes(2));

        // Warm up: JIT both runners and grow the thread pool's timers before anything is timed.
        foreach (var (_, start) in timed) Measure(start, request, 1_000, measureMemory: false);

        Console.WriteLine($"Concurrency harness: one task awaiting {new BenchIoTasks().Latency.TotalMilliseconds:0} ms, flow timeout 3 s, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine();
        Console.WriteLine("| Runner | Runs at once | Failures | Wall time | Memory per waiting run | Goal | Met |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|---|");
        var failed = false;
        foreach (var count in counts)
        {
            for (var r = 0; r < timed.Length; r++)
            {
                var name = timed[r].Name;
                var run = Measure(timed[r].Start, request, count, measureMemory: false);
                var memory = Measure(waiting[r].Start, request, count, measureMemory: true);
                var goal = s_goals.FirstOrDefault(g => g.Runs == count);
                var goalText = goal is null ? "-" : $"0 failures, at most {goal.WallTime.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
                var met = name != "FlowGen" || goal is null ? "-" : run.Failures == 0 && run.WallTime <= goal.WallTime ? "yes" : "no";
                Console.WriteLine($"| {name} | {count:N0} | {run.Failures:N0} | {run.WallTime.TotalSeconds:0.000} s | {memory.BytesPerRun:N0} B | {goalText} | {met} |");
                failed |= run.Failures > 0;
            }
            if (count <= 2_000) WorkflowCoreRuns(request, count);
        }
        return failed ? 1 : 0;
    }

    /// <summary>Workflow Core: with its concurrency raised to the count, then with its default for at most 20 runs (its defaults run one workflow per core at a time).</summary>
    private static void WorkflowCoreRuns(BenchRequest request, int count)
    {
        foreach (var (runs, raised) in new[] { (count, true), (Math.Min(count, 20), false) })
        {
            using var peer = WorkflowCorePeer.Start(io: new BenchIoTasks(), maxConcurrentWorkflows: raised ? runs : null);
            // Warm up the host and its workers.
            Measure((r, _) => Within(peer.RunAsync(WorkflowCorePeer.WaitId, r), TimeSpan.FromSeconds(30)), request, 1, measureMemory: false);
            var run = Measure((r, _) => Within(peer.RunAsync(WorkflowCorePeer.WaitId, r), TimeSpan.FromSeconds(raised ? 3 : 30)), request, runs, measureMemory: false);
            var name = raised ? "Workflow Core, concurrency raised to the count" : "Workflow Core, default concurrency";
            Console.WriteLine($"| {name} | {runs:N0} | {run.Failures:N0} | {run.WallTime.TotalSeconds:0.000} s | - | - | - |");
        }
    }

    // A run that is not done within the limit is a failure, as a flow run past its 3 s timeout is (the workflow itself goes on).
    private static async Task<bool> Within(Task<int> run, TimeSpan limit)
    {
        try
        {
            await run.WaitAsync(limit).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// The flow, and the same task by hand under a timeout of its own linked to the caller's token: the flow file's
    /// 3 s, or <paramref name="longerTimeout"/> for both.
    /// </summary>
    private static (string Name, Func<BenchRequest, CancellationToken, Task<bool>> Start)[] Runners(BenchIoTasks tasks, TimeSpan? longerTimeout)
    {
        var flow = new WaitFlow(tasks);
        var options = longerTimeout is { } longer ? new FlowRunOptions { Timeout = longer } : null;
        var timeout = longerTimeout ?? TimeSpan.FromSeconds(3);
        return
        [
            ("FlowGen", async (request, cancellationToken) => (await flow.RunAsync(request, options, cancellationToken).ConfigureAwait(false)).IsSuccess),
            ("hand-written", (request, cancellationToken) => HandWrittenAsync(tasks, request, timeout, cancellationToken)),
        ];
    }

    private static async Task<bool> HandWrittenAsync(BenchIoTasks tasks, BenchRequest request, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await tasks.WaitAsync(request, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static (int Failures, TimeSpan WallTime, long BytesPerRun) Measure(Func<BenchRequest, CancellationToken, Task<bool>> start, BenchRequest request, int count, bool measureMemory)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var cancel = new CancellationTokenSource();
        var token = measureMemory ? cancel.Token : CancellationToken.None;
        var runs = new Task<bool>[count];
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++) runs[i] = start(request, token);
        var bytesPerRun = 0L;
        if (measureMemory)
        {
            // Every run is waiting on its task now; what the heap holds beyond the array of runs is theirs.
            bytesPerRun = (GC.GetTotalMemory(forceFullCollection: true) - before) / count;
            cancel.Cancel();
        }
        Task.WhenAll(runs).GetAwaiter().GetResult();
        clock.Stop();
        return (runs.Count(r => !r.Result), clock.Elapsed, bytesPerRun);
    }
}
