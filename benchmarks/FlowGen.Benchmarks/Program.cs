using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using FlowGen.Benchmarks;

// dotnet run -c Release --project benchmarks/FlowGen.Benchmarks                 every case (see benchmarks/README.md)
// dotnet run -c Release --project benchmarks/FlowGen.Benchmarks -- --smoke      a dry run of every case (CI)
// Other arguments go to BenchmarkDotNet (--filter '*Choice*', --job short, ...).
var smoke = args.Contains("--smoke");
var rest = args.Where(a => a != "--smoke").ToArray();
var config = smoke ? DefaultConfig.Instance.AddJob(Job.Dry).WithOptions(ConfigOptions.DisableOptimizationsValidator) : DefaultConfig.Instance;
var summaries = BenchmarkSwitcher.FromTypes([typeof(SequenceBenchmarks), typeof(ChoiceBenchmarks), typeof(PolicyBenchmarks)])
    .Run(rest.Length == 0 ? ["--filter", "*"] : rest, config);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
