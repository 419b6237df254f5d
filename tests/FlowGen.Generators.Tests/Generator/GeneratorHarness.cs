using System.Collections.Immutable;
using FlowGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Tests.Generator;

/// <summary>An additional file held in memory.</summary>
internal sealed class InMemoryText(string path, string text) : AdditionalText
{
    public override string Path => path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
}

/// <summary>MSBuild properties the generator sees (build_property.*), as a project's CompilerVisibleProperty items give them.</summary>
internal sealed class BuildProperties(params (string Name, string Value)[] values) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider
{
    private readonly BuildOptions _global = new(values.ToDictionary(v => "build_property." + v.Name, v => v.Value));
    private static readonly BuildOptions s_empty = new([]);

    public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GlobalOptions => _global;

    public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(SyntaxTree tree) => s_empty;

    public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(AdditionalText textFile) => s_empty;
}

internal sealed class BuildOptions(Dictionary<string, string> values) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions
{
    public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
}

/// <summary>Runs the real generator over C# sources and flow files, the way the compiler does.</summary>
internal static class GeneratorHarness
{
    private static readonly ImmutableArray<MetadataReference> References = LoadReferences();

    public static CSharpCompilation Compilation(params string[] sources) => CSharpCompilation.Create(
        "FlowTests",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest), path: $"Source{i}.cs")),
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver(params AdditionalText[] files) => Driver(null, files);

    public static GeneratorDriver Driver(BuildProperties? properties, params AdditionalText[] files) => CSharpGeneratorDriver.Create(
        [new FlowGenerator().AsSourceGenerator()],
        additionalTexts: files,
        parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
        optionsProvider: properties,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public sealed record Run(GeneratorDriver Driver, GeneratorDriverRunResult Result, ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<Diagnostic> CompileErrors, Compilation Output)
    {
        public IEnumerable<Diagnostic> WithId(string id) => Diagnostics.Where(d => d.Id == id);

        /// <summary>The one diagnostic with this id; fails listing every diagnostic of the run when there are none or several.</summary>
        public Diagnostic Single(string id)
        {
            var found = WithId(id).ToList();
            Xunit.Assert.True(found.Count == 1, $"expected one {id}, got: " + string.Join("\n", Diagnostics));
            return found[0];
        }

        /// <summary>True when the flow's class got only the body of a flow with errors (which never runs it), not the flow's code.</summary>
        public bool NotGenerated(string hintName) => Source(hintName) is { } text
            && text.Contains("global::FlowGen.FlowErrorCodes.NotGenerated", StringComparison.Ordinal)
            && !text.Contains("public sealed class State", StringComparison.Ordinal);

        public string? Source(string hintName) => Result.Results.SelectMany(r => r.GeneratedSources).FirstOrDefault(s => s.HintName == hintName).SourceText?.ToString();
    }

    public static Run RunGenerator(string csharp, params AdditionalText[] files) => RunGenerator(Compilation(csharp), Driver(files));

    public static Run RunGenerator(CSharpCompilation compilation, GeneratorDriver driver)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult();
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        return new Run(driver, result, result.Diagnostics.AddRange(diagnostics).Distinct().ToImmutableArray(), errors, output);
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(System.IO.Path.PathSeparator).ToList();
        paths.Add(typeof(FlowGen.IFlow<,>).Assembly.Location);
        paths.Add(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }

    /// <summary>The one-based line and column of <paramref name="marker"/> in a C# source.</summary>
    public static (int Line, int Column) Find(string text, string marker)
    {
        var offset = text.IndexOf(marker, StringComparison.Ordinal);
        if (offset < 0) throw new ArgumentException($"'{marker}' is not in the source", nameof(marker));
        var before = text.Substring(0, offset);
        return (before.Count(c => c == '\n') + 1, offset - (before.LastIndexOf('\n') + 1) + 1);
    }

    /// <summary>The one-based line and column a diagnostic starts at.</summary>
    public static (int Line, int Column) Position(Diagnostic diagnostic)
    {
        var p = diagnostic.Location.GetLineSpan().StartLinePosition;
        return (p.Line + 1, p.Character + 1);
    }

    /// <summary>The repository root (the folder with FlowGen.sln).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "FlowGen.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("FlowGen.sln not found above " + AppContext.BaseDirectory);
    }
}
