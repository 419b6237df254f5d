using FlowGen;

namespace FlowGen.Benchmarks;

/// <param name="Start">The number the tasks start from.</param>
/// <param name="Yield">True: the async tasks of case b yield before they answer (a real await), else they complete at once.</param>
public sealed record BenchRequest(int Start, bool Yield = false);

public sealed record NumbersRequest(int[] Numbers);

/// <summary>The tasks every case calls, in the flows and in the hand-written baselines alike.</summary>
[FlowComponent("bench")]
public sealed class BenchTasks
{
    [FlowTask("first"), ToVar("n")] public int First(BenchRequest request) => request.Start + 1;

    [FlowTask("next"), ToVar("n")] public int Next([FromVar("n")] int n) => n + 1;

    [FlowTask("last"), ToResult] public int Last([FromVar("n")] int n) => n * 2;

    // Takes the attempt's token, as a task with a timeout must (FG0604): the timeout can cancel it.
    [FlowTask("last-from-request"), ToResult]
    public int LastFromRequest(BenchRequest request, CancellationToken cancellationToken) => cancellationToken.IsCancellationRequested ? -1 : request.Start * 2;

    [FlowTask("big"), ToResult] public int Big(BenchRequest request) => request.Start / 2;

    [FlowTask("medium"), ToResult] public int Medium(BenchRequest request) => request.Start + 7;

    [FlowTask("small"), ToResult] public int Small(BenchRequest request) => request.Start;
}

/// <summary>Case b: four async parts of a page and their sum.</summary>
[FlowComponent("bench-async")]
public sealed class BenchAsyncTasks
{
    [FlowTask("part-a"), ToVar("a")]
    public async Task<int> PartA(BenchRequest request)
    {
        if (request.Yield) await Task.Yield();
        return request.Start + 1;
    }

    [FlowTask("part-b"), ToVar("b")]
    public async Task<int> PartB(BenchRequest request)
    {
        if (request.Yield) await Task.Yield();
        return request.Start + 2;
    }

    [FlowTask("part-c"), ToVar("c")]
    public async Task<int> PartC(BenchRequest request)
    {
        if (request.Yield) await Task.Yield();
        return request.Start + 3;
    }

    [FlowTask("part-d"), ToVar("d")]
    public async Task<int> PartD(BenchRequest request)
    {
        if (request.Yield) await Task.Yield();
        return request.Start + 4;
    }

    [FlowTask("sum"), ToResult]
    public int Sum([FromVar("a")] int a, [FromVar("b")] int b, [FromVar("c")] int c, [FromVar("d")] int d) => a + b + c + d;
}

/// <summary>Case g: a task whose every other call fails, so that each run's first attempt fails and its retry succeeds.</summary>
[FlowComponent("bench-flaky")]
public sealed class BenchFlakyTasks
{
    private int _calls;

    [FlowTask("flaky"), ToResult]
    public int Flaky(BenchRequest request)
    {
        if (++_calls % 2 == 1) throw new InvalidOperationException("a transient failure");
        return request.Start * 2;
    }
}

/// <summary>Case f: a task run once per item, and the total of its results.</summary>
[FlowComponent("bench-items")]
public sealed class BenchItemTasks
{
    [FlowTask("square"), ToVar("squares")] public int Square([FromItem] int number) => number * number;

    [FlowTask("square-of"), ToVar("square")] public int SquareOf([FromVar("number")] int number) => number * number;

    [FlowTask("sum-of"), ToResult] public int SumOf([FromVar("sum")] int sum) => sum;

    [FlowTask("total"), ToResult]
    public int Total([FromVar("squares")] IReadOnlyList<int> squares)
    {
        var total = 0;
        for (var i = 0; i < squares.Count; i++) total += squares[i];
        return total;
    }
}

/// <summary>The concurrency harness: one call of simulated I/O.</summary>
[FlowComponent("bench-io")]
public sealed class BenchIoTasks
{
    /// <summary>How long the simulated I/O takes: 500 ms.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(500);

    [FlowTask("wait"), ToResult]
    public async Task<int> WaitAsync(BenchRequest request, CancellationToken cancellationToken)
    {
        await Task.Delay(Latency, cancellationToken).ConfigureAwait(false);
        return request.Start;
    }
}

[Flow("bench-forkjoin")] public sealed partial class ForkJoinFlow : IFlow<BenchRequest, int>;
[Flow("bench-iterate")] public sealed partial class IterateFlow : IFlow<NumbersRequest, int>;

[Flow("bench-foreach")] public sealed partial class ForeachBodyFlow : IFlow<NumbersRequest, int>;
[Flow("bench-iterate-async")] public sealed partial class IterateAsyncFlow : IFlow<NumbersRequest, int>;
[Flow("bench-wait")] public sealed partial class WaitFlow : IFlow<BenchRequest, int>;
[Flow("bench-sequence")] public sealed partial class SequenceFlow : IFlow<BenchRequest, int>;
[Flow("bench-choice")] public sealed partial class ChoiceFlow : IFlow<BenchRequest, int>;
[Flow("bench-policy")] public sealed partial class PolicyFlow : IFlow<BenchRequest, int>;
[Flow("bench-retry")] public sealed partial class RetryFlow : IFlow<BenchRequest, int>;
