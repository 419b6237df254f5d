using System.Diagnostics;
using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>
/// Issue 14's guarantee, tested by construction: any flow the checks accept compiles with no error and no warning and
/// runs as the flow says (<see cref="ReferenceInterpreter"/>); any flow they reject is rejected with an FG error in its
/// flow file. FLOWGEN_RANDOM_FLOWS sets how many flows (default 600), FLOWGEN_RANDOM_SEED the first seed, and
/// FLOWGEN_RANDOM_FLOW checks the one flow of that seed (docs/testing-the-generator.md).
/// </summary>
public sealed class RandomFlowTests(ITestOutputHelper output)
{
    private const int DefaultCount = 600;
    private const int DefaultSeed = 14_002;
    private const int BatchSize = 100;

    [Fact]
    public void Every_accepted_random_flow_compiles_cleanly_and_runs_as_the_interpreter_says()
    {
        var single = Environment.GetEnvironmentVariable("FLOWGEN_RANDOM_FLOW");
        var seeds = single is not null
            ? [int.Parse(single, CultureInfo.InvariantCulture)]
            : Enumerable.Range(Setting("FLOWGEN_RANDOM_SEED", DefaultSeed), Setting("FLOWGEN_RANDOM_FLOWS", DefaultCount)).ToList();

        var clock = Stopwatch.StartNew();
        var verdicts = new List<FlowVerdict>();
        foreach (var batch in seeds.Chunk(BatchSize))
            verdicts.AddRange(FlowChecker.Check(batch.Select(GraphGenerator.Generate).ToList()));

        var accepted = verdicts.Count(v => v.Accepted);
        var rejected = verdicts.Where(v => v.RejectedBy.Count > 0).ToList();
        var failures = verdicts.Where(v => v.Problem is not null).ToList();
        output.WriteLine($"{verdicts.Count} random flows (seeds {seeds[0]}..{seeds[^1]}) in {clock.Elapsed.TotalSeconds:F1} s: {accepted} accepted, {rejected.Count} rejected, {failures.Count} failed");
        foreach (var group in rejected.SelectMany(v => v.RejectedBy.Select(id => (Id: id, v.Flow.Seed))).GroupBy(r => r.Id).OrderBy(g => g.Key, StringComparer.Ordinal))
            output.WriteLine($"  rejected with {group.Key}: {group.Count()} (seeds {string.Join(", ", group.Take(3).Select(r => r.Seed))})");
        var fused = verdicts.Count(v => v.Accepted && v.Fused);
        output.WriteLine($"  accepted flows with a fused synchronous stretch (run plain and tracked): {fused}");
        output.WriteLine($"  node kinds in accepted flows: {string.Join(", ", verdicts.Where(v => v.Accepted).SelectMany(v => v.Flow.AllGraphs()).SelectMany(g => g.Nodes).GroupBy(n => n.Kind).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}");

        if (single is not null)
        {
            output.WriteLine(FlowDocumentWriter.Write(verdicts[0].Flow));
            foreach (var message in verdicts[0].Messages ?? []) output.WriteLine(message);
        }
        foreach (var group in failures.GroupBy(f => Kind(f.Problem!)).OrderBy(g => g.Key, StringComparer.Ordinal))
            output.WriteLine($"  failed with {group.Key}: {group.Count()} (seeds {string.Join(", ", group.Take(5).Select(f => f.Flow.Seed))})");
        foreach (var failure in failures.Take(3))
        {
            output.WriteLine($"\nflow {failure.Flow.Id} (FLOWGEN_RANDOM_FLOW={failure.Flow.Seed}): {failure.Problem}");
            var shrunk = FlowShrinker.Shrink(failure);
            output.WriteLine($"shrunk to {shrunk.Flow.Path}: {shrunk.Problem}\n{FlowDocumentWriter.Write(shrunk.Flow)}\n{TestComponents.Source([shrunk.Flow])}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {verdicts.Count} random flows failed; the first: flow {failures.FirstOrDefault()?.Flow.Id}: {failures.FirstOrDefault()?.Problem}");
        Assert.True(accepted > 0 && rejected.Count > 0 || seeds.Count < 50, "the generator should make both accepted and rejected flows");
        Assert.True(fused > accepted / 4 || seeds.Count < 50, $"only {fused} of {accepted} accepted flows have a fused stretch: the fused code is not covered");
    }

    /// <summary>A problem's kind for the summary: its first line without the numbers that differ from flow to flow.</summary>
    private static string Kind(string problem)
        => System.Text.RegularExpressions.Regex.Replace(problem.Split('\n')[0], @"\(\d+,\d+\)|\b[a-z]?\d+\b|F_f\d+|a=.*$", "#");

    private static int Setting(string name, int fallback)
        => Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
}

/// <summary>The requests a flow runs with: the corners and two random ones from the flow's seed.</summary>
internal static class RandomFlowInputs
{
    public static IReadOnlyList<FlowInput> For(int seed)
    {
        var random = new Random(seed);
        FlowInput Next() => new(random.Next(10), random.Next(10), random.Next(10), Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(10)).ToArray());
        return [new FlowInput(0, 0, 0, []), new FlowInput(9, 9, 9, [1, 2, 3]), Next(), Next()];
    }
}
