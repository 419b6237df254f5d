using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using FlowGen.Benchmarks;

// dotnet run -c Release --project benchmarks/FlowGen.Benchmarks                     every case, then the harness (benchmarks/README.md)
// dotnet run -c Release --project benchmarks/FlowGen.Benchmarks -- --generator-limits a quick look at the generator on a 3,000-term condition and a 20,000-node flow
// dotnet run -c Release --project benchmarks/FlowGen.Benchmarks -- --smoke           a dry run of every case and a small harness run (CI)
// dotnet run -c Release --project benchmarks/FlowGen.Benchmarks -- --concurrency     the concurrency harness only (2,000 and 100,000 runs)
// dotnet run -c Release --project benchmarks/FlowGen.Benchmarks -- --concurrency 500 the harness with other run counts
// dotnet run -c Release --project benchmarks/FlowGen.Benchmarks -- --generator-steps where the generator's time goes, per pipeline step
// dotnet run -c Release --project benchmarks/FlowGen.Benchmarks -- --durable [--postgres "<connection string>"] [--only memory|routing|sqlite|postgres]
//                                                                                     the durable scale harness (a million waiting instances, routing, SQLite, PostgreSQL)
// dotnet run -c Release --project benchmarks/FlowGen.Benchmarks -- --profile sequence|choice [seconds]
//                                                                                     one case's FlowGen run in a loop, for `perf record` (benchmarks/README.md)
// Other arguments go to BenchmarkDotNet (--filter '*Choice*', --job short, ...).
Type[] cases =
[
    typeof(SequenceBenchmarks), typeof(ForkJoinBenchmarks), typeof(ChoiceBenchmarks), typeof(PolicyBenchmarks), typeof(RetryBenchmarks),
    typeof(TrackingBenchmarks), typeof(IterationBenchmarks), typeof(ForeachBodyBenchmarks), typeof(GeneratorBenchmarks), typeof(GeneratorLimitsBenchmarks),
];

if (args.Contains("--generator-steps")) return GeneratorBenchmarks.PrintSteps(args);
if (args.Contains("--generator-limits")) return GeneratorLimitsBenchmarks.Print();

var profile = Array.IndexOf(args, "--profile");
if (profile >= 0) return ProfileLoop.Run(args.ElementAtOrDefault(profile + 1) ?? "sequence", int.TryParse(args.ElementAtOrDefault(profile + 2), out var seconds) ? seconds : 20);

var concurrency = Array.IndexOf(args, "--concurrency");
if (concurrency >= 0)
{
    var counts = args.Skip(concurrency + 1).TakeWhile(a => !a.StartsWith('-')).Select(int.Parse).ToList();
    return ConcurrencyHarness.Run(counts.Count > 0 ? counts : [2_000, 100_000]);
}

if (args.Contains("--durable"))
{
    var pg = Array.IndexOf(args, "--postgres");
    var only = Array.IndexOf(args, "--only");
    return DurableHarness.Run(smoke: args.Contains("--smoke"), postgres: pg >= 0 && pg + 1 < args.Length ? args[pg + 1] : null,
        only: only >= 0 && only + 1 < args.Length ? args[only + 1] : null);
}

var smoke = args.Contains("--smoke");
var rest = args.Where(a => a != "--smoke").ToArray();
var config = smoke ? DefaultConfig.Instance.AddJob(Job.Dry).WithOptions(ConfigOptions.DisableOptimizationsValidator) : DefaultConfig.Instance;
// Without a filter BenchmarkDotNet asks which cases to run and waits for an answer: every case, unless one is named.
if (!rest.Any(a => a is "--filter" or "-f")) rest = [.. rest, "--filter", "*"];
var summaries = BenchmarkSwitcher.FromTypes(cases).Run(rest, config);
var failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
// The harness after the cases when running everything (a small run for the smoke test).
if (args.Length == 0 || smoke) failed |= ConcurrencyHarness.Run(smoke ? [200] : [2_000, 100_000]) != 0;
if (smoke) failed |= DurableHarness.Run(smoke: true, postgres: null, only: null) != 0;
return failed ? 1 : 0;
