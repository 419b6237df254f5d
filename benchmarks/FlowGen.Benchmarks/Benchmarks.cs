using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FlowGen.Benchmarks;

// Each case: the generated flow and a hand-written baseline of identical behaviour, side by side in one class.

/// <summary>Case a: ten synchronous tasks in a row; beside it the same with FlowGen's per-step work by hand, and the peers (Peers.cs).</summary>
[MemoryDiagnoser]
public class SequenceBenchmarks
{
    private readonly BenchTasks _tasks = new();
    private readonly SequenceFlow _flow = new(new BenchTasks());
    private readonly BenchRequest _request = new(5);
    private WorkflowCorePeer? _workflowCore;

    [GlobalSetup(Target = nameof(Sequence_WorkflowCore))]
    public void StartWorkflowCore() => _workflowCore = WorkflowCorePeer.Start(tasks: _tasks);

    [GlobalCleanup(Target = nameof(Sequence_WorkflowCore))]
    public void StopWorkflowCore() => _workflowCore?.Dispose();

    [Benchmark(Baseline = true)]
    public int Sequence_HandWritten()
    {
        var n = _tasks.First(_request);
        for (var i = 0; i < 8; i++) n = _tasks.Next(n);
        return _tasks.Last(n);
    }

    [Benchmark]
    public int Sequence_HandWritten_SameSemantics() => SameSemantics.Sequence(_tasks, _request, CancellationToken.None);

    [Benchmark]
    public int Sequence_FlowGen() => _flow.RunAsync(_request).GetAwaiter().GetResult().Value;

    [Benchmark]
    public int Sequence_Stateless() => StatelessPeer.Sequence(_tasks, _request);

    [Benchmark]
    public Task<int> Sequence_WorkflowCore() => _workflowCore!.RunAsync(WorkflowCorePeer.SequenceId, _request);
}

/// <summary>Case c: an exclusive gateway with compiled conditions against hand-written if/else; beside it the same by hand with FlowGen's per-step work, and the peers (Peers.cs).</summary>
[MemoryDiagnoser]
public class ChoiceBenchmarks
{
    private readonly BenchTasks _tasks = new();
    private readonly ChoiceFlow _flow = new(new BenchTasks());
    private WorkflowCorePeer? _workflowCore;

    [Params(5, 50, 500)]
    public int Start { get; set; }

    private BenchRequest _request = new(0);

    [GlobalSetup]
    public void Setup() => _request = new BenchRequest(Start);

    // A targeted set-up replaces the general one for its benchmark: it sets the request too.
    [GlobalSetup(Target = nameof(Choice_WorkflowCore))]
    public void StartWorkflowCore()
    {
        Setup();
        _workflowCore = WorkflowCorePeer.Start(tasks: _tasks);
    }

    [GlobalCleanup(Target = nameof(Choice_WorkflowCore))]
    public void StopWorkflowCore() => _workflowCore?.Dispose();

    [Benchmark(Baseline = true)]
    public int Choice_HandWritten() => _request.Start > 100 ? _tasks.Big(_request) : _request.Start > 10 ? _tasks.Medium(_request) : _tasks.Small(_request);

    [Benchmark]
    public int Choice_HandWritten_SameSemantics() => SameSemantics.Choice(_tasks, _request, CancellationToken.None);

    [Benchmark]
    public int Choice_FlowGen() => _flow.RunAsync(_request).GetAwaiter().GetResult().Value;

    [Benchmark]
    public int Choice_Stateless() => StatelessPeer.Choice(_tasks, _request);

    [Benchmark]
    public Task<int> Choice_WorkflowCore() => _workflowCore!.RunAsync(WorkflowCorePeer.ChoiceId, _request);
}

/// <summary>Case d: timeout and retry policies on the success path, against the same Polly pipeline by hand.</summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private readonly BenchTasks _tasks = new();
    private readonly PolicyFlow _flow = new(new BenchTasks());
    private readonly BenchRequest _request = new(5);
    private static readonly ResiliencePipeline s_pipeline = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero })
        .AddTimeout(new TimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(1) })
        .Build();

    [Benchmark(Baseline = true)]
    public int Policy_PlainCall() => _tasks.LastFromRequest(_request, CancellationToken.None);

    [Benchmark]
    public int Policy_HandWritten() => s_pipeline.ExecuteAsync(static (state, cancellationToken) => new ValueTask<int>(state.Tasks.LastFromRequest(state.Request, cancellationToken)), (Tasks: _tasks, Request: _request))
        .GetAwaiter().GetResult();

    [Benchmark]
    public int Policy_FlowGen() => _flow.RunAsync(_request).GetAwaiter().GetResult().Value;

    // Where Polly's time goes on this machine: each strategy alone.
    private static readonly ResiliencePipeline s_retryOnly = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero })
        .Build();
    private static readonly ResiliencePipeline s_timeoutOnly = new ResiliencePipelineBuilder()
        .AddTimeout(new TimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(1) })
        .Build();

    [Benchmark]
    public int Policy_RetryOnly_HandWritten() => s_retryOnly.ExecuteAsync(static (state, cancellationToken) => new ValueTask<int>(state.Tasks.LastFromRequest(state.Request, cancellationToken)), (Tasks: _tasks, Request: _request))
        .GetAwaiter().GetResult();

    [Benchmark]
    public int Policy_TimeoutOnly_HandWritten() => s_timeoutOnly.ExecuteAsync(static (state, cancellationToken) => new ValueTask<int>(state.Tasks.LastFromRequest(state.Request, cancellationToken)), (Tasks: _tasks, Request: _request))
        .GetAwaiter().GetResult();
}

/// <summary>Case b: a fork/join of four async tasks, completed at once or yielding, against Task.WhenAll by hand.</summary>
[MemoryDiagnoser]
public class ForkJoinBenchmarks
{
    private readonly BenchAsyncTasks _tasks = new();
    private readonly ForkJoinFlow _flow = new(new BenchAsyncTasks());
    private BenchRequest _request = new(100);

    /// <summary>False: every task has finished when it returns; true: every task awaits once (Task.Yield).</summary>
    [Params(false, true)]
    public bool Yield { get; set; }

    [GlobalSetup]
    public void Setup() => _request = new BenchRequest(100, Yield);

    [Benchmark(Baseline = true)]
    public async Task<int> ForkJoin_HandWritten()
    {
        var a = _tasks.PartA(_request);
        var b = _tasks.PartB(_request);
        var c = _tasks.PartC(_request);
        var d = _tasks.PartD(_request);
        await Task.WhenAll(a, b, c, d).ConfigureAwait(false);
        return _tasks.Sum(a.Result, b.Result, c.Result, d.Result);
    }

    [Benchmark]
    public Task<int> ForkJoin_HandWritten_SameSemantics() => SameSemantics.ForkJoin(_tasks, _request, CancellationToken.None);

    [Benchmark]
    public async Task<int> ForkJoin_FlowGen() => (await _flow.RunAsync(_request).ConfigureAwait(false)).Value;

    [Benchmark]
    public Task<int> ForkJoin_Stateless() => StatelessAsyncPeer.ForkJoin(_tasks, _request);

    [Benchmark]
    public Task<int> ForkJoin_WorkflowCore() => _workflowCore!.RunAsync(WorkflowCorePeer.ForkJoinId, _request);

    private WorkflowCorePeer? _workflowCore;

    [GlobalSetup(Target = nameof(ForkJoin_WorkflowCore))]
    public void StartWorkflowCore()
    {
        Setup();
        _workflowCore = WorkflowCorePeer.Start(asyncTasks: _tasks);
    }

    [GlobalCleanup(Target = nameof(ForkJoin_WorkflowCore))]
    public void StopWorkflowCore() => _workflowCore?.Dispose();
}

/// <summary>Case g: a task whose first attempt fails and whose one retry succeeds, by hand, with Polly by hand, in the flow and in the peers.</summary>
[MemoryDiagnoser]
public class RetryBenchmarks
{
    private readonly BenchFlakyTasks _tasks = new();
    private readonly RetryFlow _flow = new(new BenchFlakyTasks());
    private readonly BenchRequest _request = new(5);
    private static readonly ResiliencePipeline s_pipeline = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 1, Delay = TimeSpan.Zero })
        .Build();
    private WorkflowCorePeer? _workflowCore;

    [GlobalSetup(Target = nameof(Retry_WorkflowCore))]
    public void StartWorkflowCore() => _workflowCore = WorkflowCorePeer.Start(flaky: _tasks);

    [GlobalCleanup(Target = nameof(Retry_WorkflowCore))]
    public void StopWorkflowCore() => _workflowCore?.Dispose();

    [Benchmark(Baseline = true)]
    public int Retry_HandWritten()
    {
        try { return _tasks.Flaky(_request); }
        catch (InvalidOperationException) { return _tasks.Flaky(_request); }
    }

    [Benchmark]
    public int Retry_HandWritten_SameSemantics() => SameSemantics.Retry(_tasks, _request, CancellationToken.None);

    [Benchmark]
    public int Retry_Polly_HandWritten() => s_pipeline.Execute(static state => state.Tasks.Flaky(state.Request), (Tasks: _tasks, Request: _request));

    [Benchmark]
    public int Retry_FlowGen() => _flow.RunAsync(_request).GetAwaiter().GetResult().Value;

    [Benchmark]
    public int Retry_Stateless() => StatelessAsyncPeer.Retry(_tasks, _request);

    [Benchmark]
    public Task<int> Retry_WorkflowCore() => _workflowCore!.RunAsync(WorkflowCorePeer.RetryId, _request);
}

/// <summary>Case e: what tracking and tracing cost, on the ten-task sequence of case a.</summary>
[MemoryDiagnoser]
public class TrackingBenchmarks
{
    private static readonly FlowRunOptions s_node = new() { Tracking = TrackingMode.Node };
    private static readonly FlowRunOptions s_service = new() { Tracking = TrackingMode.Service };
    private static readonly FlowRunOptions s_serviceDetail = new() { Tracking = TrackingMode.ServiceDetail };
    private static readonly FlowRunOptions s_spans = new() { TraceTasks = true };
    private readonly SequenceFlow _flow = new(new BenchTasks());
    private readonly BenchRequest _request = new(5);
    private ActivityListener? _listener;

    [Benchmark(Baseline = true)]
    public int Tracking_Off() => _flow.RunAsync(_request).GetAwaiter().GetResult().Value;

    [Benchmark]
    public int Tracking_Node() => _flow.RunAsync(_request, s_node).GetAwaiter().GetResult().Value;

    [Benchmark]
    public int Tracking_Service() => _flow.RunAsync(_request, s_service).GetAwaiter().GetResult().Value;

    [Benchmark]
    public int Tracking_ServiceDetail() => _flow.RunAsync(_request, s_serviceDetail).GetAwaiter().GetResult().Value;

    [GlobalSetup(Target = nameof(Tracing_WithListener))]
    public void AttachListener()
    {
        // What an OpenTelemetry exporter does: listen to the "FlowGen" source and record every span.
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == FlowTelemetry.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>A span for the run and one per task (TraceTasks), with a listener attached.</summary>
    [Benchmark]
    public int Tracing_WithListener() => _flow.RunAsync(_request, s_spans).GetAwaiter().GetResult().Value;

    [GlobalCleanup(Target = nameof(Tracing_WithListener))]
    public void DetachListener() => _listener?.Dispose();
}

/// <summary>Case f: a task over 100 items, one at a time and eight at a time.</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class IterationBenchmarks
{
    private readonly BenchItemTasks _tasks = new();
    private readonly IterateFlow _flow = new(new BenchItemTasks());
    private readonly IterateAsyncFlow _concurrentFlow = new(new BenchItemTasks());
    private readonly NumbersRequest _request = new(Enumerable.Range(1, 100).ToArray());
    private static readonly ParallelOptions s_eightAtATime = new() { MaxDegreeOfParallelism = 8 };

    [Benchmark(Baseline = true), BenchmarkCategory("one at a time")]
    public int Iterate_HandWritten()
    {
        var numbers = _request.Numbers;
        var squares = new int[numbers.Length];
        for (var i = 0; i < numbers.Length; i++) squares[i] = _tasks.Square(numbers[i]);
        return _tasks.Total(squares);
    }

    [Benchmark, BenchmarkCategory("one at a time")]
    public int Iterate_FlowGen() => _flow.RunAsync(_request).GetAwaiter().GetResult().Value;

    [Benchmark(Baseline = true), BenchmarkCategory("eight at a time")]
    public async Task<int> IterateConcurrent_HandWritten()
    {
        var numbers = _request.Numbers;
        var squares = new int[numbers.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, numbers.Length), s_eightAtATime, (i, _) =>
        {
            squares[i] = _tasks.Square(numbers[i]);
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);
        return _tasks.Total(squares);
    }

    [Benchmark, BenchmarkCategory("eight at a time")]
    public async Task<int> IterateConcurrent_FlowGen() => (await _concurrentFlow.RunAsync(_request).ConfigureAwait(false)).Value;
}

/// <summary>Case g: a foreach body of two steps (a task, a set adding to a sum) over 100 items, beside the loop by hand.</summary>
[MemoryDiagnoser]
public class ForeachBodyBenchmarks
{
    private readonly BenchItemTasks _tasks = new();
    private readonly ForeachBodyFlow _flow = new(new BenchItemTasks());
    private readonly NumbersRequest _request = new(Enumerable.Range(1, 100).ToArray());

    [Benchmark(Baseline = true)]
    public int ForeachBody_HandWritten()
    {
        var sum = 0;
        foreach (var number in _request.Numbers) sum += _tasks.SquareOf(number);
        return _tasks.SumOf(sum);
    }

    [Benchmark]
    public int ForeachBody_FlowGen() => _flow.RunAsync(_request).GetAwaiter().GetResult().Value;
}
