using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using FlowGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Benchmarks;

/// <summary>
/// The generator's own cost (issue 6): the Roslyn generator driver over 100 flow files of 50 nodes each, cold,
/// and again after an edit of one flow file or of unrelated C#. The set-up checks, with the driver's tracked
/// steps, that a re-run re-does only what the edit touched.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    public const int Files = 100;
    public const int TasksPerFlow = 44; // with a start, an end, two forks and two joins: 50 nodes

    private CSharpCompilation _compilation = null!;
    private ImmutableArray<AdditionalText> _files;
    private GeneratorDriver _warm = null!;
    private AdditionalText _editedFile = null!;
    private CSharpCompilation _editedCompilation = null!;

    /// <summary>True for --generator-steps, which reads the steps' times.</summary>
    public bool Track { get; init; }

    [GlobalSetup]
    public void Setup()
    {
        _compilation = Compilation();
        _files = [.. Enumerable.Range(0, Files).Select(i => (AdditionalText)new FlowFile($"/flows/gen{i}.flow.yaml", FlowYaml(i, "step")))];
        _track = true;
        _warm = Driver().RunGenerators(_compilation);
        var run = _warm.GetRunResult();
        var generated = run.Results.Single().GeneratedSources.Length;
        var errors = run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Console.WriteLine($"// {Files} flow files of 50 nodes: {generated} generated sources, diagnostics: {string.Join(", ", run.Diagnostics.GroupBy(d => d.Id).Select(g => $"{g.Key} x{g.Count()}"))}");
        if (errors.Count > 0 || generated < Files)
            throw new InvalidOperationException($"the generated flows do not compile as intended: {generated} sources, {string.Join("; ", errors.Take(3))}");

        _editedFile = new FlowFile("/flows/gen7.flow.yaml", FlowYaml(7, "other-step"));
        _editedCompilation = _compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Gen { public sealed class Unrelated { public int Answer => 42; } }", ParseOptions, path: "Unrelated.cs"));

        // What each re-run re-did, from the driver's tracked steps.
        Console.WriteLine("// edit of one flow file:  " + Reasons(_warm.ReplaceAdditionalText(_files[7], _editedFile).RunGenerators(_compilation), out _));
        Console.WriteLine("// edit of unrelated C#:   " + Reasons(_warm.RunGenerators(_editedCompilation), out var rerun));
        if (rerun > 0) throw new InvalidOperationException("an edit of unrelated C# re-ran flow outputs: the pipeline's caching is broken");
        _track = Track;
        _warm = Driver().RunGenerators(_compilation);
    }

    /// <summary>A first build: every file read, checked, bound and emitted.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver Cold() => Driver().RunGenerators(_compilation);

    /// <summary>The IDE after a keystroke in one flow file: that file's flow again, the rest from the cache.</summary>
    [Benchmark]
    public GeneratorDriver EditOneFlowFile() => _warm.ReplaceAdditionalText(_files[7], _editedFile).RunGenerators(_compilation);

    /// <summary>The IDE after a keystroke in C# no flow depends on: nothing again.</summary>
    [Benchmark]
    public GeneratorDriver EditUnrelatedCSharp() => _warm.RunGenerators(_editedCompilation);

    /// <summary>
    /// <c>--generator-steps</c>: where the time of a cold run and of the two re-runs goes, per tracked step of the
    /// pipeline (the driver's own timing), after a few warm-up runs.
    /// </summary>
    public static int PrintSteps(string[] args)
    {
        var bench = new GeneratorBenchmarks { Track = args.Contains("--track") };
        bench.Setup();
        for (var i = 0; i < 3; i++) bench.Cold();
        foreach (var (name, run) in new (string, Func<GeneratorDriver>)[] { ("cold", bench.Cold), ("edit of one flow file", bench.EditOneFlowFile), ("edit of unrelated C#", bench.EditUnrelatedCSharp) })
        {
            // The median of nine runs, each with the steps' own times.
            var runs = Enumerable.Range(0, 9).Select(_ =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var driver = run();
                clock.Stop();
                var steps = driver.GetRunResult().Results.Single().TrackedSteps;
                return (Total: clock.Elapsed.TotalMilliseconds, Steps: steps.Select(s => (s.Key, Ms: s.Value.Sum(r => r.ElapsedTime.TotalMilliseconds), Runs: s.Value.Length)).ToList());
            }).OrderBy(r => r.Total).ToList();
            var median = runs[runs.Count / 2];
            Console.WriteLine($"{name}: {median.Total:0.0} ms (median of {runs.Count}; fastest {runs[0].Total:0.0} ms)");
            foreach (var step in median.Steps.OrderByDescending(s => s.Ms).Take(6))
                Console.WriteLine($"    {step.Key,-40} {step.Ms,8:0.0} ms over {step.Runs} runs");
        }
        return 0;
    }

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    // Timed as the compiler and the IDE run it: without step tracking. The set-up and --generator-steps track steps.
    private bool _track;

    private GeneratorDriver Driver() => CSharpGeneratorDriver.Create(
        [new FlowGenerator().AsSourceGenerator()],
        additionalTexts: _files,
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: _track));

    /// <summary>Counts each step output's reason; <paramref name="rerun"/> is how many flow outputs were made again.</summary>
    private static string Reasons(GeneratorDriver driver, out int rerun)
    {
        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        var reasons = steps.SelectMany(s => s.Value.SelectMany(r => r.Outputs).Select(o => (Step: s.Key, o.Reason))).ToList();
        rerun = reasons.Count(r => r.Step == TrackingNames.BoundFlows && r.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        return string.Join(", ", reasons.GroupBy(r => r.Reason).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))
            + $"; {TrackingNames.BoundFlows}: " + string.Join(", ", reasons.Where(r => r.Step == TrackingNames.BoundFlows).GroupBy(r => r.Reason).Select(g => $"{g.Key} {g.Count()}"));
    }

    /// <summary>
    /// Flow i: a start, two layers of four parallel tasks (fork and join each), and a chain of tasks, 50 nodes in
    /// all; every task writes and reads typed bus values, so the binder and the type checks have work to do.
    /// </summary>
    public static string FlowYaml(int i, string service)
    {
        var yaml = new StringBuilder();
        yaml.Append("flow: gen-").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
        yaml.Append("steps:\n");
        var n = 0;
        void Layer(int width)
        {
            for (var k = 0; k < width; k++)
            {
                var id = "t" + (n++).ToString(CultureInfo.InvariantCulture);
                yaml.Append(width == 1 ? "  - " : k == 0 ? "  - - " : "    - ")
                    .Append("{ id: ").Append(id).Append(", task-component: gen, task-service: ").Append(n == 1 ? "begin" : k == 0 ? service : "side").Append(" }\n");
            }
        }
        Layer(4);
        for (var k = 0; k < 18; k++) Layer(1);
        Layer(4);
        for (var k = 0; k < 17; k++) Layer(1);
        yaml.Append("  - { id: finish, task-component: gen, task-service: finish }\n");
        return yaml.ToString();
    }

    private static CSharpCompilation Compilation()
    {
        var code = new StringBuilder("""
            using System.Threading.Tasks;
            using FlowGen;
            namespace Gen
            {
                public sealed record Req(int Start);
                [FlowComponent("gen")]
                public sealed class GenTasks
                {
                    [FlowTask("begin"), ToVar("n")] public int Begin(Req request) => request.Start;
                    [FlowTask("step"), ToVar("n")] public int Step(Req request, [FromVar("n")] int? n) => (n ?? request.Start) + 1;
                    [FlowTask("other-step"), ToVar("n")] public int OtherStep([FromVar("n")] int? n) => (n ?? 0) + 2;
                    [FlowTask("side"), ToVar("side")] public async ValueTask<string> Side(Req request) { await Task.Yield(); return "s" + request.Start; }
                    [FlowTask("finish"), ToResult] public int Finish([FromVar("n")] int? n, [FromVar("side")] string? side) => (n ?? 0) + (side?.Length ?? 0);
                }

            """);
        for (var i = 0; i < Files; i++)
            code.Append("    [Flow(\"gen-").Append(i).Append("\")] public sealed partial class GenFlow").Append(i).Append(" : IFlow<Req, int>;\n");
        code.Append("}\n");
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(IFlow<,>).Assembly.Location)
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        return CSharpCompilation.Create("Gen", [CSharpSyntaxTree.ParseText(code.ToString(), ParseOptions, path: "Flows.cs")], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    private sealed class FlowFile(string path, string text) : AdditionalText
    {
        private readonly SourceText _text = SourceText.From(text, Encoding.UTF8);

        public override string Path => path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }
}
