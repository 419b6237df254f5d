using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using BenchmarkDotNet.Attributes;
using FlowGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Benchmarks;

/// <summary>
/// The generator on large untrusted input (issue 21, docs/security.md): one condition of 3,000 terms, and one flow of
/// 20,000 nodes (with FlowGenMaxNodes raised to 20,000, as a project would). Both were superlinear (160 s and over
/// 150 s in a real build); the goal is under 1 s and under 10 s. Each case is the generator driver alone, cold.
/// </summary>
[MemoryDiagnoser]
public class GeneratorLimitsBenchmarks
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);
    private CSharpCompilation _compilation = null!;
    private AdditionalText _condition = null!;
    private AdditionalText _graph = null!;
    private AdditionalText _readers = null!;

    /// <summary>A start, a task, <paramref name="count"/> nodes of one kind in a row, an end.</summary>
    private static string Chain(int count, string node, string first = "t")
    {
        var graph = new StringBuilder("flow: f\ngraph:\n  nodes:\n    - type: start\n    - { id: A, task-component: c, task-service: " + first + " }\n");
        for (var i = 0; i < count; i++) graph.Append("    - { id: g").Append(i).Append(", ").Append(node).Append(" }\n");
        graph.Append("    - { id: E, type: end }\n  connections:\n    - { from: f, to: A }\n");
        var previous = "A";
        for (var i = 0; i < count; i++) { graph.Append("    - { from: ").Append(previous).Append(", to: g").Append(i).Append(" }\n"); previous = "g" + i; }
        graph.Append("    - { from: ").Append(previous).Append(", to: E }\n");
        return graph.ToString();
    }

    [GlobalSetup]
    public void Setup()
    {
        _compilation = Compilation();
        var terms = string.Join(" && ", Enumerable.Range(0, 1_500).Select(i => $"req.a != {i + 1}")); // 3,000 terms
        _condition = new Text("/flows/condition.flow.yaml", $$"""
            flow: f
            graph:
              nodes:
                - type: start
                - { id: G, type: exclusive }
                - { id: A, task-component: c, task-service: t }
                - { id: B, task-component: c, task-service: t }
                - { id: E, type: end }
              connections:
                - { from: f, to: G }
                - { from: G, to: A, when: "{{terms}}" }
                - { from: G, to: B, default: true }
                - { from: A, to: E }
                - { from: B, to: E }
            """);
        _graph = new Text("/flows/graph.flow.yaml", Chain(19_997, "type: exclusive"));
        _readers = new Text("/flows/readers.flow.yaml", Chain(4_997, "task-component: c, task-service: v", first: "s"));
        foreach (var (name, file) in new[] { ("condition", _condition), ("graph", _graph), ("readers", _readers) })
        {
            var run = Run(file).GetRunResult();
            if (run.Diagnostics.Length > 0 || run.Results.Single().GeneratedSources.Length == 0)
                throw new InvalidOperationException($"the {name} case does not compile as intended: {string.Join("; ", run.Diagnostics.Take(3))}");
        }
    }

    /// <summary>One condition of 3,000 terms (1,500 comparisons joined by &amp;&amp;).</summary>
    [Benchmark]
    public GeneratorDriver Condition_3000Terms() => Run(_condition);

    /// <summary>One flow of 20,000 nodes.</summary>
    [Benchmark]
    public GeneratorDriver Graph_20000Nodes() => Run(_graph);

    /// <summary><c>--generator-limits</c>: each case timed three times with a stopwatch, for a quick look.</summary>
    public static int Print()
    {
        var bench = new GeneratorLimitsBenchmarks();
        bench.Setup();
        foreach (var (name, run) in new (string, Func<GeneratorDriver>)[] { ("3,000-term condition", bench.Condition_3000Terms), ("20,000-node flow", bench.Graph_20000Nodes),
            ("5,000 tasks in a row, each reading the one before", () => bench.Run(bench._readers)) })
        {
            var times = Enumerable.Range(0, 3).Select(_ => { var watch = Stopwatch.StartNew(); run(); return watch.Elapsed.TotalMilliseconds; }).ToList();
            Console.WriteLine($"{name}: {string.Join(", ", times.Select(t => t.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " ms"))}");
        }
        // Where the time of the large flow goes, per tracked step of the pipeline.
        var tracked = CSharpGeneratorDriver.Create([new FlowGenerator().AsSourceGenerator()], [bench._graph], ParseOptions, new Options(),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true)).RunGenerators(bench._compilation);
        foreach (var step in tracked.GetRunResult().Results.Single().TrackedSteps.OrderByDescending(s => s.Value.Sum(r => r.ElapsedTime.Ticks)).Take(6))
            Console.WriteLine($"  {step.Key}: {step.Value.Sum(r => r.ElapsedTime.TotalMilliseconds):0} ms");
        return 0;
    }

    private GeneratorDriver Run(AdditionalText file) => CSharpGeneratorDriver.Create(
        [new FlowGenerator().AsSourceGenerator()], [file], ParseOptions, new Options()).RunGenerators(_compilation);

    private static CSharpCompilation Compilation()
    {
        const string code = """
            using FlowGen;
            namespace Limits;
            public sealed record Request(int A);
            public sealed record Result(int A);
            [FlowComponent("c")] public sealed class C
            {
                [FlowTask("t"), ToResult] public Result T(Request r) => new(r.A);
                [FlowTask("s"), ToVar("x")] public int S(Request r) => r.A;
                [FlowTask("v"), ToVar("x")] public int V([FromVar("x")] int? x) => (x ?? 0) + 1;
            }
            [Flow("f")] public sealed partial class F : IFlow<Request, Result>;
            """;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(IFlow<,>).Assembly.Location)
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        return CSharpCompilation.Create("Limits", [CSharpSyntaxTree.ParseText(code, ParseOptions, path: "Flows.cs")], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    private sealed class Text(string path, string text) : AdditionalText
    {
        private readonly SourceText _text = SourceText.From(text, Encoding.UTF8);

        public override string Path => path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    /// <summary>The project's properties: FlowGenMaxNodes raised to 20,000.</summary>
    private sealed class Options : AnalyzerConfigOptionsProvider
    {
        private static readonly Global s_global = new();

        public override AnalyzerConfigOptions GlobalOptions => s_global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Global.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Global.Empty;

        private sealed class Global : AnalyzerConfigOptions
        {
            public static readonly AnalyzerConfigOptions Empty = new EmptyOptions();

            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
            {
                value = key == "build_property.FlowGenMaxNodes" ? "20000" : null;
                return value is not null;
            }
        }

        private sealed class EmptyOptions : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
            {
                value = null;
                return false;
            }
        }
    }
}
