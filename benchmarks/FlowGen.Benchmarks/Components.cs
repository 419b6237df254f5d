using FlowGen;

namespace FlowGen.Benchmarks;

public sealed record BenchRequest(int Start);

/// <summary>The tasks every case calls, in the flows and in the hand-written baselines alike.</summary>
[FlowComponent("bench")]
public sealed class BenchTasks
{
    [FlowTask("first"), ToVar("n")] public int First(BenchRequest request) => request.Start + 1;

    [FlowTask("next"), ToVar("n")] public int Next([FromVar("n")] int n) => n + 1;

    [FlowTask("last"), ToResult] public int Last([FromVar("n")] int n) => n * 2;

    [FlowTask("last-from-request"), ToResult] public int LastFromRequest(BenchRequest request) => request.Start * 2;

    [FlowTask("big"), ToResult] public int Big(BenchRequest request) => request.Start / 2;

    [FlowTask("medium"), ToResult] public int Medium(BenchRequest request) => request.Start + 7;

    [FlowTask("small"), ToResult] public int Small(BenchRequest request) => request.Start;
}

[Flow("bench-sequence")] public sealed partial class SequenceFlow : IFlow<BenchRequest, int>;
[Flow("bench-choice")] public sealed partial class ChoiceFlow : IFlow<BenchRequest, int>;
[Flow("bench-policy")] public sealed partial class PolicyFlow : IFlow<BenchRequest, int>;
