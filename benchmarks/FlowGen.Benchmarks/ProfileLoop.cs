using System.Diagnostics;

namespace FlowGen.Benchmarks;

/// <summary>
/// One case's FlowGen run in a loop for a number of seconds, for a sampling profiler: with
/// <c>DOTNET_PerfMapEnabled=1</c>, <c>perf record -g -p &lt;pid&gt;</c> then <c>perf report</c> names the JIT-compiled
/// methods (benchmarks/README.md, "Where the time goes").
/// </summary>
internal static class ProfileLoop
{
    public static int Run(string name, int seconds)
    {
        var choice = new ChoiceBenchmarks { Start = 50 };
        choice.Setup();
        Func<int> run = name switch
        {
            "sequence" => new SequenceBenchmarks().Sequence_FlowGen,
            "choice" => choice.Choice_FlowGen,
            _ => throw new ArgumentException($"no profile case '{name}': sequence or choice"),
        };
        Console.WriteLine($"profiling '{name}' for {seconds} s in process {Environment.ProcessId}");
        var clock = Stopwatch.StartNew();
        long runs = 0;
        var sum = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 100_000; i++) sum += run();
            runs += 100_000;
        }
        Console.WriteLine($"{runs:N0} runs, {clock.Elapsed.TotalNanoseconds / runs:0.0} ns per run (checksum {sum})");
        return 0;
    }
}
