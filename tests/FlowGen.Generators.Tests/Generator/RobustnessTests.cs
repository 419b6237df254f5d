using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// Broken flow files never crash the build: the generator reports diagnostics with locations, never throws.
// Every flow file of the repository's runtime tests (tests/FlowGen.Tests/Flows: BPMN, JSON and YAML) is compiled against
// the C# those tests bind it to, then truncated, bit-flipped, given stray syntax characters, and its lines duplicated,
// deleted and moved, by a Random seeded from the file's name: the same variants on every run and every machine.
// (tests/FlowGen.Corpus.Tests/CorpusRobustnessTests.cs does the same over Kstry's corpus.)
public sealed class RobustnessTests
{
    private static readonly string FlowsFolder = Path.Combine(GeneratorHarness.RepositoryRoot(), "tests", "FlowGen.Tests", "Flows");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(FlowsFolder).Where(IsFlowFile).OrderBy(f => f, StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    private static bool IsFlowFile(string path)
        => path.EndsWith(".bpmn", StringComparison.Ordinal) || path.EndsWith(".flow.json", StringComparison.Ordinal)
           || path.EndsWith(".flow.yaml", StringComparison.Ordinal) || path.EndsWith(".flow.yml", StringComparison.Ordinal);

    [Fact]
    public void The_repository_holds_flow_files_of_every_dialect()
    {
        var names = ((IEnumerable<object[]>)Files()).Select(row => (string)row[0]).ToList();
        Assert.Contains(names, n => n.EndsWith(".bpmn", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith(".flow.json", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith(".flow.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void The_flow_files_as_committed_compile_here_as_in_their_own_build()
    {
        var (_, driver, _, _) = Repository.Value;
        var fg = driver.GetRunResult().Diagnostics.Where(d => d.Id.StartsWith("FG", StringComparison.Ordinal)).ToList();
        // Only the warnings their build lowers (tests/FlowGen.Tests/.globalconfig: FG0205, gateways without a default flow
        // on purpose; FG0208, an exclusive gateway with two flows without a condition on purpose): every variant below
        // starts from flows that bind, pass the checks and are emitted.
        Assert.True(fg.All(d => d.Id is "FG0205" or "FG0208" && d.Severity == DiagnosticSeverity.Warning), string.Join("\n", fg));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Mutated_flow_files_give_diagnostics_located_in_the_file_and_never_crash_the_generator(string name)
    {
        var (compilation, _, csharp, files) = Repository.Value;
        var original = files.Single(f => Path.GetFileName(f.Path) == name);
        var text = original.GetText()!.ToString();
        // The file alone with the C#: each variant then re-reads it and re-binds its own flows only (a few seconds for all).
        // Without the other files, the C# has diagnostics of its own (a fluent flow calls a subprocess of another file):
        // those are at the same places in every run (their messages list the subprocesses there are), and not the variant's.
        var ambient = FG(csharp.GetRunResult()).Select(Site).ToHashSet();
        var driver = csharp.AddAdditionalTexts([original]).RunGenerators(compilation);
        Checked(driver, ambient, original.Path, text, "as committed");
        var truncationsMustFail = !name.EndsWith(".yaml", StringComparison.Ordinal) && !name.EndsWith(".yml", StringComparison.Ordinal); // XML and JSON cannot end early

        var count = 0;
        foreach (var (what, variant) in Variants(name, text))
        {
            var run = driver.ReplaceAdditionalText(original, new InMemoryText(original.Path, variant)).RunGenerators(compilation);
            var diagnostics = Checked(run, ambient, original.Path, variant, what);
            if (truncationsMustFail && what.StartsWith("truncated", StringComparison.Ordinal))
                Assert.True(diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error), $"{name}, {what}: no error for a truncated file");
            count++;
        }
        Assert.Equal(26, count);
    }

    private static IEnumerable<Diagnostic> FG(GeneratorDriverRunResult result) => result.Diagnostics.Where(d => d.Id.StartsWith("FG", StringComparison.Ordinal));

    private static string Site(Diagnostic d) => $"{d.Id} {d.Location.GetLineSpan()}";

    /// <summary>
    /// Checks a run: the generator did not throw, no FG9001, and every FG diagnostic but the ambient ones is located in the
    /// flow file, within its text. Returns those.
    /// </summary>
    private static List<Diagnostic> Checked(GeneratorDriver driver, IReadOnlySet<string> ambient, string path, string text, string what)
    {
        what = $"{Path.GetFileName(path)}, {what}";
        var result = driver.GetRunResult();
        Assert.All(result.Results, r => Assert.True(r.Exception is null, $"{what}: the generator threw {r.Exception}"));
        var fg = FG(result).Where(d => !ambient.Contains(Site(d))).ToList();
        Assert.True(!fg.Any(d => d.Id == "FG9001"), $"{what}: internal error: " + string.Join("\n", fg.Where(d => d.Id == "FG9001")));
        var lines = text.Count(c => c == '\n');
        foreach (var d in fg)
        {
            var span = d.Location.GetLineSpan();
            Assert.True(d.Location.Kind == LocationKind.ExternalFile && span.Path == path, $"{what}: {d} is not located in the flow file");
            Assert.True(d.Location.SourceSpan.Start >= 0 && d.Location.SourceSpan.End <= text.Length, $"{what}: {d} lies outside the file's {text.Length} characters");
            Assert.True(span.StartLinePosition <= span.EndLinePosition && span.EndLinePosition.Line <= lines, $"{what}: {d} lies outside the file's {lines + 1} lines");
        }
        return fg;
    }

    /// <summary>Broken copies of a flow file, each with what was done to it (for the failure message).</summary>
    private static IEnumerable<(string What, string Text)> Variants(string name, string text)
    {
        var random = new Random(Seed(name));
        const string Syntax = "<>\"'&=/:{}[],-#|!\n\t x0";

        for (var i = 1; i <= 6; i++)
        {
            var cut = text.Length * i / 7;
            yield return ($"truncated at {cut}", text[..cut]);
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < 6; i++)
        {
            var flipped = (byte[])bytes.Clone();
            var where = new List<int>();
            for (var j = random.Next(1, 5); j > 0; j--)
            {
                var at = random.Next(flipped.Length);
                flipped[at] ^= (byte)(1 << random.Next(8));
                where.Add(at);
            }
            yield return ($"bits flipped in bytes {string.Join(", ", where)}", Encoding.UTF8.GetString(flipped));
        }

        for (var i = 0; i < 6; i++)
        {
            var chars = text.ToCharArray();
            var where = new List<int>();
            for (var j = 0; j < 3; j++)
            {
                var at = random.Next(chars.Length);
                chars[at] = Syntax[random.Next(Syntax.Length)];
                where.Add(at);
            }
            yield return ($"characters replaced at {string.Join(", ", where)}", new string(chars));
        }

        var lines = text.Split('\n');
        for (var i = 0; i < 3; i++)
        {
            var at = random.Next(lines.Length);
            var length = Math.Min(random.Next(1, 4), lines.Length - at);
            var copy = lines.ToList();
            copy.InsertRange(at + length, lines.Skip(at).Take(length));
            yield return ($"lines {at + 1}-{at + length} duplicated", string.Join("\n", copy));
        }
        for (var i = 0; i < 3; i++)
        {
            var at = random.Next(lines.Length);
            var length = Math.Min(random.Next(1, 4), lines.Length - at);
            var copy = lines.ToList();
            copy.RemoveRange(at, length);
            yield return ($"lines {at + 1}-{at + length} deleted", string.Join("\n", copy));
        }
        for (var i = 0; i < 2; i++)
        {
            var from = random.Next(lines.Length);
            var copy = lines.ToList();
            var line = copy[from];
            copy.RemoveAt(from);
            var to = random.Next(copy.Count + 1);
            copy.Insert(to, line);
            yield return ($"line {from + 1} moved to {to + 1}", string.Join("\n", copy));
        }
    }

    /// <summary>A seed from the file's name that is the same in every process (string.GetHashCode is not).</summary>
    private static int Seed(string name)
    {
        var seed = 20261125;
        foreach (var c in name) seed = unchecked(seed * 31 + c);
        return seed;
    }

    /// <summary>
    /// The runtime tests' build, in memory: their C# (tests/FlowGen.Tests and the components library it references) and
    /// every flow file: a driver that has run over the C# alone (CSharp: a run that adds one file then redoes only that
    /// file's work) and one that has run over the C# and every flow file (All). The C#'s compile errors
    /// (xunit is not referenced here) do not matter: the generator reads the components and [Flow] classes, and they bind
    /// as in the real build.
    /// </summary>
    private static readonly Lazy<(CSharpCompilation Compilation, GeneratorDriver All, GeneratorDriver CSharp, IReadOnlyList<AdditionalText> Files)> Repository = new(() =>
    {
        var tests = Path.Combine(GeneratorHarness.RepositoryRoot(), "tests");
        var sources = new[] { "FlowGen.Tests", "FlowGen.Tests.Contracts" }
            .SelectMany(project => Directory.GetFiles(Path.Combine(tests, project), "*.cs", SearchOption.AllDirectories)
                .Where(file => !Path.GetRelativePath(Path.Combine(tests, project), file).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")))
            .OrderBy(file => file, StringComparer.Ordinal)
            .Select(File.ReadAllText)
            // The projects' implicit usings (ImplicitUsings=enable in Directory.Build.props).
            .Append("global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;")
            .ToArray();
        var compilation = GeneratorHarness.Compilation(sources);
        var files = ((IEnumerable<object[]>)Files()).Select(row => (AdditionalText)new InMemoryText(Path.Combine(FlowsFolder, (string)row[0]), File.ReadAllText(Path.Combine(FlowsFolder, (string)row[0])))).ToList();
        var csharp = CSharpGeneratorDriver.Create(
            [new FlowGenerator().AsSourceGenerator()],
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false))
            .RunGenerators(compilation);
        return (compilation, csharp.AddAdditionalTexts([.. files]).RunGenerators(compilation), csharp, files);
    });
}
