using BenchmarkDotNet.Attributes;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FlowGen.Benchmarks;

// Each case: the generated flow and a hand-written baseline of identical behaviour, side by side in one class.

/// <summary>Case a: ten synchronous tasks in a row.</summary>
[MemoryDiagnoser]
public class SequenceBenchmarks
{
    private readonly BenchTasks _tasks = new();
    private readonly SequenceFlow _flow = new(new BenchTasks());
    private readonly BenchRequest _request = new(5);

    [Benchmark(Baseline = true)]
    public int Sequence_HandWritten()
    {
        var n = _tasks.First(_request);
        for (var i = 0; i < 8; i++) n = _tasks.Next(n);
        return _tasks.Last(n);
    }

    [Benchmark]
    public int Sequence_FlowGen() => _flow.RunAsync(_request).GetAwaiter().GetResult().Value;
}

/// <summary>Case c: an exclusive gateway with compiled conditions against hand-written if/else.</summary>
[MemoryDiagnoser]
public class ChoiceBenchmarks
{
    private readonly BenchTasks _tasks = new();
    private readonly ChoiceFlow _flow = new(new BenchTasks());

    [Params(5, 50, 500)]
    public int Start { get; set; }

    private BenchRequest _request = new(0);

    [GlobalSetup]
    public void Setup() => _request = new BenchRequest(Start);

    [Benchmark(Baseline = true)]
    public int Choice_HandWritten() => _request.Start > 100 ? _tasks.Big(_request) : _request.Start > 10 ? _tasks.Medium(_request) : _tasks.Small(_request);

    [Benchmark]
    public int Choice_FlowGen() => _flow.RunAsync(_request).GetAwaiter().GetResult().Value;
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
    public int Policy_PlainCall() => _tasks.LastFromRequest(_request);

    [Benchmark]
    public int Policy_HandWritten() => s_pipeline.ExecuteAsync(static (state, _) => new ValueTask<int>(state.Tasks.LastFromRequest(state.Request)), (Tasks: _tasks, Request: _request))
        .GetAwaiter().GetResult();

    [Benchmark]
    public int Policy_FlowGen() => _flow.RunAsync(_request).GetAwaiter().GetResult().Value;
}
