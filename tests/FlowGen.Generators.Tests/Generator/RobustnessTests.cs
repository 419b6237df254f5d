using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Xunit.Abstractions;

namespace FlowGen.Generators.Tests.Generator;

// Hostile flow files never crash or hang the build, and never make the generator read anything but them (issue 14,
// item 7; docs/security.md). Every flow file of the repository (tests/FlowGen.Tests/Flows and samples/*/Flows: BPMN,
// JSON and YAML) is compiled against the C# it binds to, then:
// - 26 classic variants each (truncated, bit-flipped, stray syntax characters, lines duplicated, deleted and moved),
//   from a Random seeded by the file's name: the same on every run and every machine;
// - FLOWGEN_ROBUSTNESS_COUNT (default 24) hostile mutations each, drawn from 20 kinds (byte flips, truncations,
//   duplicated/deleted/moved lines, NUL, bidi and invisible characters, lines of 300,000 characters, identifiers of
//   200,000, 10,000-deep nesting, DOCTYPEs with entity bombs and external entities, YAML alias bombs, huge numbers,
//   line endings, splices of other flow files, keyword and id swaps, hostile conditions) by a Random seeded from
//   FLOWGEN_ROBUSTNESS_SEED (default 20261125) and the file's name;
// - HostileDocuments: one document per attack in each form (10,000-deep XML, JSON arrays and objects, YAML flow and
//   block values; 5 MB and 9 MB files; NUL and bidi characters; billion laughs and external entities naming a local
//   file; YAML alias bombs; very long lines, identifiers, keys and conditions).
// Every run is checked the same way: the generator did not throw (no exception, no CS8785/AD0001), no FG9001, every FG
// diagnostic is located in the flow file within its text (file-level ones, FG0009, at its start), the run took at most
// 10 s (on a 1 MB stack: Bounded), and a marker that only a local file holds never appears in a diagnostic or in
// generated code, while that file's access time shows it was never opened. A failure names the seed, the file and the
// mutation: set FLOWGEN_ROBUSTNESS_SEED to that seed to get it again.
// (tests/FlowGen.Corpus.Tests/CorpusRobustnessTests.cs does the classic variants over Kstry's corpus.)
public sealed class RobustnessTests(ITestOutputHelper output)
{
    private static readonly string Root = GeneratorHarness.RepositoryRoot();
    private static readonly string FlowsFolder = Path.Combine(Root, "tests", "FlowGen.Tests", "Flows");

    /// <summary>The seed of the hostile mutations (FLOWGEN_ROBUSTNESS_SEED).</summary>
    private static readonly int HostileSeed = FromEnvironment("FLOWGEN_ROBUSTNESS_SEED", 20261125);

    /// <summary>Hostile mutations per flow file (FLOWGEN_ROBUSTNESS_COUNT), on top of the 26 classic variants.</summary>
    private static readonly int HostileCount = FromEnvironment("FLOWGEN_ROBUSTNESS_COUNT", 24);

    private const int ClassicCount = 26;

    /// <summary>The bound of one generator run: it catches hangs, it is not a performance assertion.</summary>
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(10);

    /// <summary>The local file hostile documents name (LocalFile); declared before the attacks that use it.</summary>
    private static readonly Lazy<LocalFile> Marker = new(() => new LocalFile());

    private static int FromEnvironment(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value : fallback;

    /// <summary>Every flow file of the repository, as a path from its root.</summary>
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in AllFlowFiles()) data.Add(Path.GetRelativePath(Root, file).Replace('\\', '/'));
        return data;
    }

    private static IEnumerable<string> AllFlowFiles()
    {
        var folders = new[] { FlowsFolder }.Concat(Directory.GetDirectories(Path.Combine(Root, "samples")).Select(s => Path.Combine(s, "Flows")).Where(Directory.Exists));
        return folders.SelectMany(Directory.GetFiles).Where(IsFlowFile).OrderBy(f => f, StringComparer.Ordinal);
    }

    private static bool IsFlowFile(string path)
        => path.EndsWith(".bpmn", StringComparison.Ordinal) || path.EndsWith(".flow.json", StringComparison.Ordinal)
           || path.EndsWith(".flow.yaml", StringComparison.Ordinal) || path.EndsWith(".flow.yml", StringComparison.Ordinal)
           || path.EndsWith(".rulechain.json", StringComparison.Ordinal) || path.EndsWith(".psgo.json", StringComparison.Ordinal)
           || path.EndsWith(".playwell.yml", StringComparison.Ordinal) || path.EndsWith(".playwell.yaml", StringComparison.Ordinal);

    [Fact]
    public void The_repository_holds_flow_files_of_every_dialect_in_tests_and_samples()
    {
        var names = ((IEnumerable<object[]>)Files()).Select(row => (string)row[0]).ToList();
        Assert.Contains(names, n => n.EndsWith(".bpmn", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith(".flow.json", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith(".flow.yaml", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("samples/", StringComparison.Ordinal));
    }

    [Fact]
    public void At_least_2000_mutations_run_by_default()
    {
        // The issue's floor: lowering the count, or losing flow files, fails here rather than silently testing less.
        var files = ((IEnumerable<object[]>)Files()).Count();
        var total = files * (ClassicCount + HostileCount) + ((IEnumerable<object[]>)HostileDocuments()).Count();
        output.WriteLine($"{files} files x ({ClassicCount} classic + {HostileCount} hostile) + {((IEnumerable<object[]>)HostileDocuments()).Count()} hostile documents = {total} generator runs (seed {HostileSeed})");
        output.WriteLine($"the local file hostile documents name: {Marker.Value.Path}; this file system records reads: {Marker.Value.RecordsReads}");
        Assert.True(total >= 2000, $"only {total} mutations");
    }

    [Fact]
    public void The_flow_files_as_committed_compile_here_as_in_their_own_build()
    {
        foreach (var project in Projects.Value.Values)
        {
            var fg = FG(project.All.GetRunResult()).ToList();
            // Only the warnings the runtime tests' build lowers (tests/FlowGen.Tests/.globalconfig: FG0205, gateways without
            // a default flow on purpose; FG0208, an exclusive gateway with two flows without a condition on purpose) and
            // information (GoodsShow's advertising task is allow-absent on purpose): every variant below starts from flows
            // that bind, pass the checks and are emitted.
            Assert.True(fg.All(d => d.Severity == DiagnosticSeverity.Info || (d.Id is "FG0205" or "FG0208" && d.Severity == DiagnosticSeverity.Warning)),
                project.Name + ":\n" + string.Join("\n", fg));
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Mutated_flow_files_give_diagnostics_located_in_the_file_and_never_crash_or_hang_the_generator(string file)
    {
        var project = ProjectOf(file);
        var original = project.Files.Single(f => f.Path == Path.Combine(Root, file));
        var name = Path.GetFileName(original.Path);
        var text = original.GetText()!.ToString();
        // The file alone with the C#: each variant then re-reads it and re-binds its own flows only (a few seconds for all).
        // Without the other files, the C# has diagnostics of its own (a fluent flow calls a subprocess of another file, a
        // [Flow] class names a flow of another file): those are at the same places in every run, and not the variant's.
        var ambient = FG(project.CSharp.GetRunResult()).Select(Site).ToHashSet();
        var driver = Bounded.Run($"{file}, as committed", () => project.CSharp.AddAdditionalTexts([original]).RunGenerators(project.Compilation), RunLimit);
        Checked(driver, ambient, original.Path, text, "as committed");
        var truncationsMustFail = !name.EndsWith(".yaml", StringComparison.Ordinal) && !name.EndsWith(".yml", StringComparison.Ordinal); // XML and JSON cannot end early

        var count = 0;
        var slowest = (Time: TimeSpan.Zero, What: "");
        var watch = Stopwatch.StartNew();
        foreach (var (what, variant) in Variants(name, text).Concat(HostileVariants(name, text)))
        {
            var label = $"{file}, {what}";
            var started = watch.Elapsed;
            var run = Bounded.Run(label, () => driver.ReplaceAdditionalText(original, new InMemoryText(original.Path, variant)).RunGenerators(project.Compilation), RunLimit);
            if (watch.Elapsed - started > slowest.Time) slowest = (watch.Elapsed - started, what);
            var diagnostics = Checked(run, ambient, original.Path, variant, what);
            if (truncationsMustFail && what.StartsWith("truncated", StringComparison.Ordinal))
                Assert.True(diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error), $"{label}: no error for a truncated file");
            count++;
        }
        Marker.Value.AssertNeverOpened(file);
        output.WriteLine($"{file}: {count} mutations in {watch.Elapsed.TotalSeconds:0.0} s; slowest {slowest.Time.TotalMilliseconds:0} ms ({slowest.What})");
        Assert.Equal(ClassicCount + HostileCount, count);
    }

    [Theory]
    [MemberData(nameof(HostileDocuments))]
    public void Hostile_documents_give_located_diagnostics_and_never_crash_hang_or_read_a_file(string attack)
    {
        var (path, build, expected) = Attacks[attack];
        var text = build();
        var project = Projects.Value["tests/FlowGen.Tests"];
        var ambient = FG(project.CSharp.GetRunResult()).Select(Site).ToHashSet();
        var file = new InMemoryText(Path.Combine(FlowsFolder, path), text);
        var watch = Stopwatch.StartNew();
        var run = Bounded.Run(attack, () => project.CSharp.AddAdditionalTexts([file]).RunGenerators(project.Compilation), RunLimit);
        var diagnostics = Checked(run, ambient, file.Path, text, attack);
        output.WriteLine($"{attack}: {text.Length:N0} characters, {watch.Elapsed.TotalMilliseconds:0} ms: {string.Join(", ", diagnostics.Select(d => d.Id).Distinct())}");
        if (expected is not null)
            Assert.True(diagnostics.Any(d => d.Id == expected), $"{attack}: no {expected}, got: {string.Join("\n", diagnostics.Take(10))}");
        Marker.Value.AssertNeverOpened(attack);
    }

    private static IEnumerable<Diagnostic> FG(GeneratorDriverRunResult result) => result.Diagnostics.Where(d => d.Id.StartsWith("FG", StringComparison.Ordinal));

    private static string Site(Diagnostic d) => $"{d.Id} {d.Location.GetLineSpan()}";

    /// <summary>
    /// Checks a run: the generator did not throw, no FG9001, every FG diagnostic but the ambient ones is located in the flow
    /// file within its text (and so are its additional locations in flow files), and the marker of the local file that
    /// hostile documents name is nowhere in the output. Returns the run's own FG diagnostics.
    /// </summary>
    private static List<Diagnostic> Checked(GeneratorDriver driver, IReadOnlySet<string> ambient, string path, string text, string what)
    {
        what = $"seed {HostileSeed}, {Path.GetFileName(path)}, {what}";
        var result = driver.GetRunResult();
        Assert.All(result.Results, r => Assert.True(r.Exception is null, $"{what}: the generator threw {r.Exception}"));
        Assert.True(!result.Diagnostics.Any(d => d.Id is "CS8785" or "AD0001"), $"{what}: the generator failed: " + string.Join("\n", result.Diagnostics.Where(d => d.Id is "CS8785" or "AD0001")));
        var fg = FG(result).Where(d => !ambient.Contains(Site(d))).ToList();
        Assert.True(!fg.Any(d => d.Id == "FG9001"), $"{what}: internal error: " + string.Join("\n", fg.Where(d => d.Id == "FG9001")));
        // Lines as the compiler counts them (CR, LF, CRLF, U+0085, U+2028 and U+2029 end a line).
        var lines = Microsoft.CodeAnalysis.Text.SourceText.From(text).Lines.Count - 1;
        foreach (var d in fg)
        {
            foreach (var location in d.AdditionalLocations.Where(l => l.Kind == LocationKind.ExternalFile).Prepend(d.Location))
            {
                var span = location.GetLineSpan();
                Assert.True(location.Kind == LocationKind.ExternalFile && span.Path == path, $"{what}: {d} is not located in the flow file");
                Assert.True(location.SourceSpan.Start >= 0 && location.SourceSpan.End <= text.Length, $"{what}: {d} lies outside the file's {text.Length} characters");
                Assert.True(span.StartLinePosition <= span.EndLinePosition && span.EndLinePosition.Line <= lines, $"{what}: {d} lies outside the file's {lines + 1} lines");
            }
        }
        Marker.Value.AssertNotIn(result, what);
        return fg;
    }

    // ---- the classic variants ----

    /// <summary>Broken copies of a flow file, each with what was done to it (for the failure message).</summary>
    private static IEnumerable<(string What, string Text)> Variants(string name, string text)
    {
        var random = new Random(Seed(name, 20261125));
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
    private static int Seed(string name, int seed)
    {
        foreach (var c in name) seed = unchecked(seed * 31 + c);
        return seed;
    }

    // ---- the hostile mutations ----

    private enum Dialect { Bpmn, Json, Yaml }

    private static Dialect DialectOf(string name) => name.EndsWith(".bpmn", StringComparison.Ordinal) ? Dialect.Bpmn
        : name.EndsWith(".flow.json", StringComparison.Ordinal) || name.EndsWith(".rulechain.json", StringComparison.Ordinal) || name.EndsWith(".psgo.json", StringComparison.Ordinal) ? Dialect.Json : Dialect.Yaml;

    private const int Kinds = 20;

    private static readonly string[] Invisibles = ["\u202E", "\u202D", "\u2066", "\u2067", "\u2068", "\u2069", "\u200E", "\u200F", "\u061C", "\u200B", "\uFEFF", "\u2028", "\u2029", "\u0085", "\uD800", "\uDC00", "\u0001", "\u001B"];

    private static readonly string[] LineFragments = ["x", "<a>", "</a>", "&amp;", "&", "{", "}", "[", "]", "- ", "\"", "'", "\\u0041", "\\", "a: ", "*a ", "&a ", "é中", "\t", "<!--", "]]>", "${", "#"];

    private static readonly Regex Word = new(@"[A-Za-z_][A-Za-z0-9_.-]+", RegexOptions.CultureInvariant);

    /// <summary>Hostile copies of a flow file, <see cref="HostileCount"/> of them, from <see cref="HostileSeed"/> and the file's name.</summary>
    private static IEnumerable<(string What, string Text)> HostileVariants(string name, string text)
    {
        var random = new Random(Seed(name, HostileSeed));
        var dialect = DialectOf(name);
        for (var i = 0; i < HostileCount; i++)
        {
            var (what, variant) = Mutate(random.Next(Kinds), random, dialect, text);
            yield return ($"hostile #{i + 1}: {what}", variant);
        }
    }

    private static (string What, string Text) Mutate(int kind, Random random, Dialect dialect, string text)
    {
        var lines = text.Split('\n');
        switch (kind)
        {
            case 0:
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                var where = new List<int>();
                for (var j = random.Next(1, 9); j > 0; j--)
                {
                    var at = random.Next(bytes.Length);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    where.Add(at);
                }
                return ($"bits flipped in bytes {string.Join(", ", where)}", Encoding.UTF8.GetString(bytes));
            }
            case 1:
            {
                var at = random.Next(text.Length);
                return ($"cut at {at}", text[..at]);
            }
            case 2:
            {
                const string Syntax = "<>&;\"'=/:{}[],-#|!*%@`?\t\n\r x0\\";
                var chars = text.ToCharArray();
                var where = new List<int>();
                for (var j = random.Next(1, 7); j > 0; j--)
                {
                    var at = random.Next(chars.Length);
                    chars[at] = Syntax[random.Next(Syntax.Length)];
                    where.Add(at);
                }
                return ($"characters replaced at {string.Join(", ", where)}", new string(chars));
            }
            case 3:
            {
                var at = random.Next(text.Length);
                var length = Math.Min(random.Next(1, 200), text.Length - at);
                return ($"{length} characters deleted at {at}", text.Remove(at, length));
            }
            case 4:
            {
                var at = random.Next(lines.Length);
                var length = Math.Min(random.Next(1, 21), lines.Length - at);
                var copy = lines.ToList();
                var times = random.Next(1, 4);
                for (var t = 0; t < times; t++) copy.InsertRange(at + length, lines.Skip(at).Take(length));
                return ($"lines {at + 1}-{at + length} duplicated {times} times", string.Join("\n", copy));
            }
            case 5:
            {
                var at = random.Next(lines.Length);
                var length = Math.Min(random.Next(1, 11), lines.Length - at);
                var copy = lines.ToList();
                copy.RemoveRange(at, length);
                return ($"lines {at + 1}-{at + length} deleted", string.Join("\n", copy));
            }
            case 6:
            {
                var from = random.Next(lines.Length);
                var length = Math.Min(random.Next(1, 6), lines.Length - from);
                var copy = lines.ToList();
                var block = copy.GetRange(from, length);
                copy.RemoveRange(from, length);
                var to = random.Next(copy.Count + 1);
                copy.InsertRange(to, block);
                return ($"lines {from + 1}-{from + length} moved to {to + 1}", string.Join("\n", copy));
            }
            case 7:
                return Inserted(random, text, "NUL", () => "\0");
            case 8:
                return Inserted(random, text, "invisible characters", () => Invisibles[random.Next(Invisibles.Length)]);
            case 9:
            {
                var fragment = LineFragments[random.Next(LineFragments.Length)];
                var length = random.Next(10_000, 300_001);
                var line = new StringBuilder(length + fragment.Length);
                while (line.Length < length) line.Append(fragment);
                var at = random.Next(lines.Length + 1);
                var copy = lines.ToList();
                copy.Insert(at, line.ToString());
                return ($"a line of {line.Length} characters ('{Escape(fragment)}' repeated) inserted before line {at + 1}", string.Join("\n", copy));
            }
            case 10:
            {
                var words = Word.Matches(text);
                if (words.Count == 0) return Mutate(9, random, dialect, text);
                var word = words[random.Next(words.Count)];
                var length = random.Next(20_000, 200_001);
                var longer = string.Concat(Enumerable.Repeat(word.Value, length / word.Value.Length + 1));
                return random.Next(2) == 0
                    ? ($"'{word.Value}' at {word.Index} made {longer.Length} characters long", text.Remove(word.Index, word.Length).Insert(word.Index, longer))
                    : ($"every '{word.Value}' made {longer.Length} characters long", Regex.Replace(text, @"(?<![A-Za-z0-9_.-])" + Regex.Escape(word.Value) + @"(?![A-Za-z0-9_.-])", longer.Replace("$", "$$")));
            }
            case 11:
                return DeeplyNested(random, dialect, text);
            case 12:
            {
                var times = random.Next(2, 5);
                return ($"the file written {times} times", string.Concat(Enumerable.Repeat(text, times)));
            }
            case 13:
            {
                var ending = new[] { "\r\n", "\r", "\u2028", "\u0085", "\n\n" }[random.Next(5)];
                return ($"line endings made '{Escape(ending)}'", text.Replace("\n", ending));
            }
            case 14:
                return DialectAttack(random, dialect, text);
            case 15:
            {
                var others = AllFlowFiles().ToList();
                var other = File.ReadAllText(others[random.Next(others.Count)]);
                var start = random.Next(other.Length);
                var chunk = other.Substring(start, Math.Min(random.Next(1, 3000), other.Length - start));
                var at = random.Next(text.Length + 1);
                return ($"{chunk.Length} characters of another flow file inserted at {at}", text.Insert(at, chunk));
            }
            case 16:
            {
                var at = random.Next(lines.Length);
                var copy = lines.ToList();
                var line = copy[at];
                var trimmed = line.TrimStart(' ');
                var change = random.Next(3);
                copy[at] = change switch { 0 => new string(' ', random.Next(1, 5)) + line, 1 => trimmed, _ => "\t" + trimmed };
                return ($"indentation of line {at + 1} {(change == 0 ? "deepened" : change == 1 ? "removed" : "made a tab")}", string.Join("\n", copy));
            }
            case 17:
            {
                string[] keywords = dialect == Dialect.Bpmn
                    ? ["serviceTask", "exclusiveGateway", "parallelGateway", "inclusiveGateway", "startEvent", "endEvent", "subProcess", "callActivity", "sequenceFlow", "sourceRef", "targetRef", "default", "id", "name", "task-service", "task-component", "conditionExpression", "outgoing", "incoming", "process", "boundaryEvent", "intermediateCatchEvent", "timerEventDefinition", "multiInstanceLoopCharacteristics", "ite-source", "timeout", "retry"]
                    : ["type", "id", "from", "to", "when", "default", "task-service", "task-component", "nodes", "connections", "start", "end", "exclusive", "parallel", "inclusive", "task", "subflow", "subflows", "fail", "steps", "actions", "graph", "flow", "request", "name", "case", "then", "receive", "timer", "iteration", "ite-source", "timeout", "retry", "fields", "required"];
                var present = keywords.Where(k => text.Contains(k, StringComparison.Ordinal)).ToList();
                if (present.Count == 0) return Mutate(2, random, dialect, text);
                var from = present[random.Next(present.Count)];
                var to = keywords[random.Next(keywords.Length)];
                var occurrences = Regex.Matches(text, Regex.Escape(from));
                var at = occurrences[random.Next(occurrences.Count)].Index;
                return ($"'{from}' at {at} made '{to}'", text.Remove(at, from.Length).Insert(at, to));
            }
            case 18:
            {
                // Ids swapped: dangling flows, duplicate ids, cycles, a flow that calls itself.
                var repeated = Word.Matches(text).GroupBy(m => m.Value).Where(g => g.Count() >= 2).ToList();
                if (repeated.Count < 2) return Mutate(5, random, dialect, text);
                var a = repeated[random.Next(repeated.Count)];
                var b = repeated[random.Next(repeated.Count)];
                var occurrence = a.ElementAt(random.Next(a.Count()));
                return ($"'{a.Key}' at {occurrence.Index} made '{b.Key}'", text.Remove(occurrence.Index, occurrence.Length).Insert(occurrence.Index, b.Key));
            }
            default:
                return HostileCondition(random, dialect, text);
        }
    }

    private static (string, string) Inserted(Random random, string text, string what, Func<string> character)
    {
        var where = new List<int>();
        for (var j = random.Next(1, 4); j > 0; j--)
        {
            var at = random.Next(text.Length + 1);
            var c = character();
            text = text.Insert(at, c);
            where.Add(at);
        }
        return ($"{what} inserted at {string.Join(", ", where)}", text);
    }

    private static string Escape(string text) => string.Concat(text.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:X4}" : c.ToString()));

    /// <summary>10,000 levels of nesting where a value goes (or, without one, at a line's start).</summary>
    private static (string, string) DeeplyNested(Random random, Dialect dialect, string text)
    {
        const int Depth = 10_000;
        string nested;
        Regex place;
        switch (dialect)
        {
            case Dialect.Bpmn:
                nested = random.Next(2) == 0
                    ? string.Concat(Enumerable.Repeat("<a>", Depth)) + string.Concat(Enumerable.Repeat("</a>", Depth))
                    : string.Concat(Enumerable.Repeat("<bpmn:subProcess id=\"s\">", Depth)) + string.Concat(Enumerable.Repeat("</bpmn:subProcess>", Depth));
                place = new Regex(@"(?<=>)\s*\n");
                break;
            case Dialect.Json:
                nested = random.Next(2) == 0
                    ? new string('[', Depth) + new string(']', Depth)
                    : string.Concat(Enumerable.Repeat("{\"a\": ", Depth)) + "1" + new string('}', Depth);
                place = new Regex(@"(?<=:\s*)""(?:[^""\\\n]|\\.)*""");
                break;
            default:
                nested = random.Next(3) switch
                {
                    0 => new string('[', Depth) + new string(']', Depth),
                    1 => string.Concat(Enumerable.Repeat("{a: ", Depth)) + "1" + new string('}', Depth),
                    _ => string.Concat(Enumerable.Repeat("- ", Depth)) + "x",
                };
                place = new Regex(@"(?<=: )[^\n,{}\[\]]+");
                break;
        }
        var places = place.Matches(text);
        if (places.Count == 0) return ($"{Depth} levels of nesting at the start", nested + "\n" + text);
        var at = places[random.Next(places.Count)];
        return ($"{Depth} levels of nesting ('{Escape(nested[..12])}...') at {at.Index}", text.Remove(at.Index, at.Length).Insert(at.Index, nested));
    }

    /// <summary>What each form's parser could be made to do: entities and external files (BPMN), alias bombs (YAML), huge numbers and escapes (JSON).</summary>
    private static (string, string) DialectAttack(Random random, Dialect dialect, string text)
    {
        switch (dialect)
        {
            case Dialect.Bpmn:
            {
                var (what, doctype) = random.Next(4) switch
                {
                    0 => ("billion laughs", BillionLaughs),
                    1 => ("external entity naming a local file", $"<!DOCTYPE d [<!ENTITY x SYSTEM \"{Marker.Value.Uri}\">]>"),
                    2 => ("external parameter entity naming a local file", $"<!DOCTYPE d [<!ENTITY % p SYSTEM \"{Marker.Value.Uri}\"> %p;]>"),
                    _ => ("external DTD naming a local file", $"<!DOCTYPE definitions SYSTEM \"{Marker.Value.Uri}\">"),
                };
                var declaration = text.StartsWith("<?xml", StringComparison.Ordinal) ? text.IndexOf("?>", StringComparison.Ordinal) + 2 : 0;
                var withEntity = Regex.Replace(text.Insert(declaration, "\n" + doctype), "name=\"[^\"]*\"", "name=\"&x;&lol9;\"");
                return ($"DOCTYPE with a {what}", withEntity);
            }
            case Dialect.Yaml:
                return random.Next(2) == 0
                    ? ("alias bomb under an unknown key", text.TrimEnd('\n') + "\nzz-bomb:\n" + AliasBomb("  "))
                    : ("alias bomb anchored before the flow and used in it", "zz-bomb:\n" + AliasBomb("  ") + Regex.Replace(text, @"(?m)^name: .*$", "name: *a9"));
            default:
            {
                var values = Regex.Matches(text, @"(?<=:\s*)(?:""(?:[^""\\\n]|\\.)*""|-?\d+(?:\.\d+)?|true|false)");
                if (values.Count == 0) return ("nothing to replace", text);
                var at = values[random.Next(values.Count)];
                var (what, value) = random.Next(4) switch
                {
                    0 => ("a number of 100,000 digits", new string('9', 100_000)),
                    1 => ("1e999999", "1e999999"),
                    2 => ("a string of 50,000 escapes", "\"" + string.Concat(Enumerable.Repeat("\\u202E\\u0000\\ud800", 50_000 / 18)) + "\""),
                    _ => ("a string holding the local file's URI", "\"" + Marker.Value.Uri + "\""),
                };
                return ($"value at {at.Index} made {what}", text.Remove(at.Index, at.Length).Insert(at.Index, value));
            }
        }
    }

    private static readonly string[] HostileConditions =
    [
        "&c;&c; == 1",
        new string('(', 5_000) + "sta.level" + new string(')', 5_000),
        string.Join(" || ", Enumerable.Range(0, 12_000).Select(i => $"sta.level == 'l{i}'")),
        "sta." + new string('x', 50_000) + " == 1",
        "'unterminated",
        "sta.level == '\u202E'",
        string.Concat(Enumerable.Repeat("@f(", 3_000)),
        "r:",
        "O99999999999: sta.level == 'big'",
        "req." + string.Join(".", Enumerable.Repeat("a", 1_000)) + " == 1",
        new string('!', 10_000) + "true",
        new string('-', 10_000) + "1 > 0",
        "sta.level == 1e99999",
        "sta.level == 99999999999999999999999999999",
        "\0",
        "",
    ];

    private static (string, string) HostileCondition(Random random, Dialect dialect, string text)
    {
        var condition = HostileConditions[random.Next(HostileConditions.Length)];
        var (place, written) = dialect switch
        {
            Dialect.Bpmn => (new Regex(@"(?<=<(?:bpmn:)?conditionExpression[^>]*>)[^<]*"), condition.Replace("&", "&amp;").Replace("<", "&lt;").Replace("\0", "")),
            Dialect.Json => (new Regex(@"(?<=""(?:when|ite-source)"":\s*"")(?:[^""\\\n]|\\.)*"), condition.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\0", "\\u0000")),
            _ => (new Regex(@"(?<=(?:when|ite-source): )[^\n,}]*"), "\"" + condition.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\0", "\\0") + "\""),
        };
        var places = place.Matches(text);
        var shown = condition.Length > 40 ? condition[..40] + "..." : condition;
        if (places.Count == 0)
        {
            // No condition in this file: a hostile value for a name instead.
            var names = Regex.Matches(text, dialect == Dialect.Bpmn ? "(?<=name=\")[^\"]*" : dialect == Dialect.Json ? "(?<=\"name\":\\s*\")[^\"]*" : @"(?<=name: )[^\n,}]*");
            if (names.Count == 0) return ("no condition or name to replace", text);
            var name = names[random.Next(names.Count)];
            return ($"name at {name.Index} made '{Escape(shown)}' ({condition.Length} characters)", text.Remove(name.Index, name.Length).Insert(name.Index, written.Replace("\"", "")));
        }
        var at = places[random.Next(places.Count)];
        return ($"condition at {at.Index} made '{Escape(shown)}' ({condition.Length} characters)", text.Remove(at.Index, at.Length).Insert(at.Index, written));
    }

    private const string BillionLaughs = """
        <!DOCTYPE lolz [
          <!ENTITY lol "lol">
          <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
          <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
          <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
          <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
          <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
          <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
          <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
        ]>
        """;

    /// <summary>Nine lines of ten aliases each: 10^9 values once expanded (the YAML "billion laughs").</summary>
    private static string AliasBomb(string indent)
    {
        var text = new StringBuilder(indent + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i <= 9; i++)
            text.Append(indent).Append($"a{i}: &a{i} [").Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))).Append("]\n");
        return text.ToString();
    }

    // ---- one document per attack ----

    public static TheoryData<string> HostileDocuments()
    {
        var data = new TheoryData<string>();
        foreach (var name in Attacks.Keys) data.Add(name);
        return data;
    }

    private static string Base(string name) => File.ReadAllText(Path.Combine(FlowsFolder, name));

    private static string Bpmn(Func<string, string> change) => change(Base("eq-choice.bpmn"));

    private static string Json(Func<string, string> change) => change(Base("eq-choice.flow.json"));

    private static string Yaml(Func<string, string> change) => change(Base("eq-choice.flow.yaml"));

    private static string Repeat(string text, int times) => new StringBuilder(text.Length * times).Insert(0, text, times).ToString();

    private static string Filled(string fragment, int length)
    {
        var text = new StringBuilder(length + fragment.Length);
        while (text.Length < length) text.Append(fragment);
        return text.ToString();
    }

    /// <summary>Items one after another until they fill <paramref name="length"/> characters.</summary>
    private static string Until(int length, Func<int, string> item)
    {
        var text = new StringBuilder(length + 200);
        for (var i = 0; text.Length < length; i++) text.Append(item(i));
        return text.ToString();
    }

    private const int FiveMB = 5 * 1024 * 1024;
    private const int NineMB = 9 * 1024 * 1024;

    private static string AfterXmlDeclaration(string text, string insert) => text.Insert(text.IndexOf("?>", StringComparison.Ordinal) + 2, "\n" + insert);

    private static string BeforeProcessEnd(string text, string insert) => text.Replace("</bpmn:process>", insert + "\n  </bpmn:process>");

    private static string JsonTop(string text, string member) => text.Replace("\"flow\": \"eq-choice-json\",", "\"flow\": \"eq-choice-json\",\n  " + member + ",");

    private static string JsonNodes(string text, string nodes) => text.Replace("\"nodes\": [", "\"nodes\": [\n" + nodes);

    private static string YamlTop(string text, string entry) => text.Replace("flow: eq-choice-yaml\n", "flow: eq-choice-yaml\n" + entry + "\n");

    private static string YamlNodes(string text, string nodes) => text.Replace("  nodes:\n", "  nodes:\n" + nodes);

    private static string Condition(Dialect dialect, string text, string condition) => dialect switch
    {
        Dialect.Bpmn => Regex.Replace(text, @"(?<=<bpmn:conditionExpression[^>]*>)[^<]*", condition.Replace("&", "&amp;").Replace("<", "&lt;").Replace("$", "$$"), RegexOptions.None, TimeSpan.FromSeconds(5)),
        Dialect.Json => text.Replace("\"when\": \"sta.level == 'big'\"", "\"when\": \"" + condition + "\""),
        _ => text.Replace("when: sta.level == 'big'", "when: \"" + condition + "\""),
    };

    /// <summary>Attack name -> (file name, text, the FG id it must give, or null when it only must not crash, hang or read).</summary>
    private static readonly Dictionary<string, (string Path, Func<string> Text, string? Expected)> Attacks = new(StringComparer.Ordinal)
    {
        // BPMN: XML's own attacks are refused before any entity is read.
        ["bpmn: billion laughs"] = ("hostile.bpmn", () => Bpmn(t => AfterXmlDeclaration(t, BillionLaughs).Replace("name=\"Classify\"", "name=\"&lol9;\"")), "FG0001"),
        ["bpmn: external entity naming a local file"] = ("hostile.bpmn", () => Bpmn(t => AfterXmlDeclaration(t, $"<!DOCTYPE d [<!ENTITY xxe SYSTEM \"{Marker.Value.Uri}\">]>").Replace("name=\"Classify\"", "name=\"&xxe;\"")), "FG0001"),
        ["bpmn: external entity naming a local file by relative path"] = ("hostile.bpmn", () => Bpmn(t => AfterXmlDeclaration(t, $"<!DOCTYPE d [<!ENTITY xxe SYSTEM \"{Path.GetRelativePath(FlowsFolder, Marker.Value.Path).Replace('\\', '/')}\">]>").Replace("name=\"Classify\"", "name=\"&xxe;\"")), "FG0001"),
        ["bpmn: external parameter entity"] = ("hostile.bpmn", () => Bpmn(t => AfterXmlDeclaration(t, $"<!DOCTYPE d [<!ENTITY % p SYSTEM \"{Marker.Value.Uri}\"> %p;]>")), "FG0001"),
        ["bpmn: external DTD"] = ("hostile.bpmn", () => Bpmn(t => AfterXmlDeclaration(t, $"<!DOCTYPE bpmn:definitions SYSTEM \"{Marker.Value.Uri}\">")), "FG0001"),
        ["bpmn: XInclude, stylesheet and schema location naming a local file"] = ("hostile.bpmn", () => Bpmn(t => AfterXmlDeclaration(t, $"<?xml-stylesheet type=\"text/xsl\" href=\"{Marker.Value.Uri}\"?>")
            .Replace("<bpmn:definitions ", $"<bpmn:definitions xsi:schemaLocation=\"http://www.omg.org/spec/BPMN/20100524/MODEL {Marker.Value.Uri}\" ")
            .Replace("<bpmn:extensionElements>", $"<bpmn:extensionElements><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"{Marker.Value.Uri}\" parse=\"text\"/>")), null),
        ["bpmn: 10,000 nested elements"] = ("hostile.bpmn", () => Bpmn(t => BeforeProcessEnd(t, Repeat("<a>", 10_000) + Repeat("</a>", 10_000))), "FG0010"),
        ["bpmn: 10,000 nested subprocesses"] = ("hostile.bpmn", () => Bpmn(t => BeforeProcessEnd(t, string.Concat(Enumerable.Range(0, 10_000).Select(i => $"<bpmn:subProcess id=\"s{i}\">")) + Repeat("</bpmn:subProcess>", 10_000))), "FG0010"),
        ["bpmn: 10,000 unclosed elements"] = ("hostile.bpmn", () => Bpmn(t => BeforeProcessEnd(t, Repeat("<a xmlns:x=\"urn:x\">", 10_000))), "FG0010"),
        ["bpmn: 5 MB comment"] = ("hostile.bpmn", () => Bpmn(t => BeforeProcessEnd(t, "<!--" + Filled("lol ", FiveMB) + "-->")), null),
        ["bpmn: 5 MB name on one line"] = ("hostile.bpmn", () => Bpmn(t => t.Replace("name=\"Classify\"", "name=\"" + Filled("Classify ", FiveMB) + "\"")), null),
        ["bpmn: 5 MB of service tasks"] = ("hostile.bpmn", () => Bpmn(t => BeforeProcessEnd(t, Until(FiveMB, i => $"<bpmn:serviceTask id=\"T{i}\" name=\"task {i}\"><bpmn:extensionElements/></bpmn:serviceTask>\n"))), "FG0011"),
        ["bpmn: 9 MB file"] = ("hostile.bpmn", () => Bpmn(t => BeforeProcessEnd(t, "<!--" + Filled("x", NineMB) + "-->")), "FG0009"),
        ["bpmn: NUL in a name"] = ("hostile.bpmn", () => Bpmn(t => t.Replace("name=\"Classify\"", "name=\"Class\0ify\"")), "FG0001"),
        ["bpmn: character reference to NUL"] = ("hostile.bpmn", () => Bpmn(t => t.Replace("name=\"Classify\"", "name=\"Class&#0;ify\"")), "FG0001"),
        ["bpmn: bidi controls in an id, a name and a condition"] = ("hostile.bpmn", () => Bpmn(t => Condition(Dialect.Bpmn, t.Replace("name=\"Classify\"", "name=\"Cla\u202Essify\u2066\"").Replace("id=\"Big\"", "id=\"B\u200Fig\""), "sta.level == 'b\u202Eig'")), "FG0008"),
        ["bpmn: id of 1,000,000 characters"] = ("hostile.bpmn", () => Bpmn(t => t.Replace("Classify", Filled("Classify", 1_000_000))), null),
        ["bpmn: condition of 100,000 terms"] = ("hostile.bpmn", () => Bpmn(t => Condition(Dialect.Bpmn, t, string.Join(" || ", Enumerable.Range(0, 50_000).Select(i => $"sta.level == 'l{i}'")))), "FG0506"),
        ["bpmn: condition nested 10,000 deep"] = ("hostile.bpmn", () => Bpmn(t => Condition(Dialect.Bpmn, t, new string('(', 10_000) + "sta.level == 'big'" + new string(')', 10_000))), "FG0506"),
        ["bpmn: 100,000 attributes"] = ("hostile.bpmn", () => Bpmn(t => t.Replace("<bpmn:serviceTask id=\"Classify\"", "<bpmn:serviceTask id=\"Classify\" " + string.Join(" ", Enumerable.Range(0, 100_000).Select(i => $"a{i}=\"{i}\"")))), null),

        // JSON
        ["json: 10,000 nested arrays"] = ("hostile.flow.json", () => Json(t => JsonTop(t, "\"description\": " + new string('[', 10_000) + new string(']', 10_000))), "FG0010"),
        ["json: 10,000 nested objects"] = ("hostile.flow.json", () => Json(t => JsonTop(t, "\"description\": " + Repeat("{\"a\": ", 10_000) + "1" + new string('}', 10_000))), "FG0010"),
        ["json: 10,000 nested arrays, unclosed"] = ("hostile.flow.json", () => Json(t => JsonTop(t, "\"description\": " + new string('[', 10_000))), "FG0010"),
        ["json: 5 MB description"] = ("hostile.flow.json", () => Json(t => JsonTop(t, "\"description\": \"" + Filled("lol \\u202E\\\" ", FiveMB) + "\"")), null),
        ["json: 5 MB of nodes"] = ("hostile.flow.json", () => Json(t => JsonNodes(t, Until(FiveMB, i => $"      {{ \"id\": \"T{i}\", \"task-component\": \"eq\", \"task-service\": \"big\" }},\n"))), "FG0011"),
        ["json: 5 MB on one line"] = ("hostile.flow.json", () => Json(t => t.Replace("\n", Filled(" ", 1_000)).Replace("\"flow\":", Filled(" ", FiveMB) + "\"flow\":")), null),
        ["json: 9 MB file"] = ("hostile.flow.json", () => Json(t => JsonTop(t, "\"description\": \"" + Filled("x", NineMB) + "\"")), "FG0009"),
        ["json: NUL in a string"] = ("hostile.flow.json", () => Json(t => t.Replace("\"name\": \"Classify\"", "\"name\": \"Class\0ify\"")), "FG0005"),
        ["json: escaped NUL, bidi controls and lone surrogates in an id and a name"] = ("hostile.flow.json", () => Json(t => t.Replace("\"name\": \"Classify\"", "\"name\": \"Cla\\u0000ss\\u202Eify\\ud800\"").Replace("\"Big\"", "\"B\\u202Eig\\u0000\"")), null),
        ["json: bidi controls in a name and a condition"] = ("hostile.flow.json", () => Json(t => Condition(Dialect.Json, t.Replace("\"name\": \"Classify\"", "\"name\": \"Cla\u202Essify\""), "sta.level == 'b\u2066ig'")), "FG0008"),
        ["json: id of 1,000,000 characters"] = ("hostile.flow.json", () => Json(t => t.Replace("Classify", Filled("Classify", 1_000_000))), null),
        ["json: number of 100,000 digits and 1e999999"] = ("hostile.flow.json", () => Json(t => JsonTop(t, "\"loop-limit\": " + new string('9', 100_000) + ", \"flow-timeout\": 1e999999")), null),
        ["json: a key written 100,000 times"] = ("hostile.flow.json", () => Json(t => JsonTop(t, string.Join(", ", Enumerable.Repeat("\"description\": \"x\"", 100_000)))), "FG0005"),
        ["json: condition of 100,000 terms"] = ("hostile.flow.json", () => Json(t => Condition(Dialect.Json, t, string.Join(" || ", Enumerable.Range(0, 50_000).Select(i => $"sta.level == 'l{i}'")))), "FG0506"),

        // YAML
        ["yaml: 10,000 nested flow sequences"] = ("hostile.flow.yaml", () => Yaml(t => YamlTop(t, "description: " + new string('[', 10_000) + new string(']', 10_000))), "FG0010"),
        ["yaml: 10,000 nested flow mappings"] = ("hostile.flow.yaml", () => Yaml(t => YamlTop(t, "description: " + Repeat("{a: ", 10_000) + "1" + new string('}', 10_000))), "FG0010"),
        ["yaml: 10,000 nested block sequences on one line"] = ("hostile.flow.yaml", () => Yaml(t => YamlTop(t, "description:\n  " + Repeat("- ", 10_000) + "x")), "FG0010"),
        ["yaml: 2,000 nested block mappings"] = ("hostile.flow.yaml", () => Yaml(t => YamlTop(t, "description:\n" + string.Concat(Enumerable.Range(1, 2_000).Select(i => new string(' ', i) + "a:\n")) + new string(' ', 2_001) + "b: 1")), "FG0010"),
        ["yaml: 10,000 nested flow sequences, unclosed"] = ("hostile.flow.yaml", () => Yaml(t => YamlTop(t, "description: " + new string('[', 10_000))), "FG0010"),
        ["yaml: alias bomb of lists"] = ("hostile.flow.yaml", () => Yaml(t => t + "zz-bomb:\n" + AliasBomb("  ")), "FG0013"),
        ["yaml: alias bomb of mappings"] = ("hostile.flow.yaml", () => Yaml(t =>
        {
            var bomb = new StringBuilder("zz-bomb:\n  m0: &m0 {a: lol, b: lol, c: lol, d: lol, e: lol, f: lol, g: lol, h: lol, i: lol, j: lol}\n");
            for (var i = 1; i <= 9; i++) bomb.Append($"  m{i}: &m{i} {{").Append(string.Join(", ", "abcdefghij".Select(c => $"{c}: *m{i - 1}"))).Append("}\n");
            return t + bomb;
        }), "FG0013"),
        ["yaml: alias bomb in request fields"] = ("hostile.flow.yaml", () => Yaml(t =>
        {
            var request = new StringBuilder("request:\n  x0: &x0 { type: string }\n");
            for (var i = 1; i <= 9; i++) request.Append($"  x{i}: &x{i} {{ type: object, fields: {{ ").Append(string.Join(", ", "abcdefghij".Select(c => $"{c}: *x{i - 1}"))).Append(" } }\n");
            return YamlTop(t, request.ToString().TrimEnd('\n'));
        }), "FG0013"),
        ["yaml: alias bomb used as the nodes"] = ("hostile.flow.yaml", () => Yaml(t => "zz-bomb:\n" + AliasBomb("  ") + t.Replace("  nodes:\n", "  nodes: *a9\n  old-nodes:\n")), "FG0013"),
        ["yaml: alias of a value nested past the limit"] = ("hostile.flow.yaml", () => Yaml(t => YamlTop(t, "zz: &deep " + new string('[', 60) + new string(']', 60) + "\ndescription: " + new string('[', 30) + "*deep" + new string(']', 30))), "FG0010"),
        ["yaml: 5 MB comment"] = ("hostile.flow.yaml", () => Yaml(t => t + "# " + Filled("lol ", FiveMB) + "\n"), null),
        ["yaml: 5 MB block scalar"] = ("hostile.flow.yaml", () => Yaml(t => YamlTop(t, "description: |\n" + Filled("  lol lol lol lol lol lol lol\n", FiveMB))), null),
        ["yaml: 5 MB of nodes"] = ("hostile.flow.yaml", () => Yaml(t => YamlNodes(t, Until(FiveMB, i => $"    - {{ id: T{i}, task-component: eq, task-service: big }}\n"))), "FG0011"),
        ["yaml: 9 MB file"] = ("hostile.flow.yaml", () => Yaml(t => t + "# " + Filled("x", NineMB) + "\n"), "FG0009"),
        ["yaml: NUL in a name"] = ("hostile.flow.yaml", () => Yaml(t => t.Replace("name: Classify", "name: Class\0ify")), "FG0005"),
        ["yaml: bidi controls in a name and a condition"] = ("hostile.flow.yaml", () => Yaml(t => Condition(Dialect.Yaml, t.Replace("name: Classify", "name: Cla\u202Essify"), "sta.level == 'b\u2067ig'")), "FG0008"),
        ["yaml: key of 1,000,000 characters"] = ("hostile.flow.yaml", () => Yaml(t => YamlTop(t, Filled("k", 1_000_000) + ": 1")), null),
        ["yaml: anchor and alias names of 1,000,000 characters"] = ("hostile.flow.yaml", () => Yaml(t =>
        {
            var name = Filled("a", 1_000_000);
            return YamlTop(t, $"zz: &{name} x\nzy: *{name}");
        }), null),
        ["yaml: id of 1,000,000 characters"] = ("hostile.flow.yaml", () => Yaml(t => t.Replace("Classify", Filled("Classify", 1_000_000))), null),
        ["yaml: tags naming a local file"] = ("hostile.flow.yaml", () => Yaml(t => YamlTop(t, $"description: !include {Marker.Value.Path}\nzz: !!binary aGVsbG8=\n%TAG ! {Marker.Value.Uri}")), null),
        ["yaml: 10,000 documents"] = ("hostile.flow.yaml", () => Yaml(t => t + Repeat("---\nflow: x\n", 10_000)), "FG0005"),
        ["yaml: condition of 100,000 terms"] = ("hostile.flow.yaml", () => Yaml(t => Condition(Dialect.Yaml, t, string.Join(" || ", Enumerable.Range(0, 50_000).Select(i => $"sta.level == 'l{i}'")))), "FG0506"),
    };

    /// <summary>
    /// A local file that hostile documents name (external entities, XInclude, schema locations, YAML tags): its content
    /// must never show in a diagnostic or in generated code, and its access time (set far in the past) must not change.
    /// </summary>
    private sealed class LocalFile
    {
        private static readonly DateTime Untouched = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        public LocalFile()
        {
            var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "flowgen-robustness-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            Path = System.IO.Path.Combine(folder, "secret.txt");
            Content = "FLOWGEN-SECRET-" + Guid.NewGuid().ToString("N");
            File.WriteAllText(Path, Content);
            File.SetLastAccessTimeUtc(Path, Untouched);
            // Does this file system record reads (not mounted noatime)? A control file read here says.
            var control = System.IO.Path.Combine(folder, "control.txt");
            File.WriteAllText(control, "control");
            File.SetLastAccessTimeUtc(control, Untouched);
            _ = File.ReadAllText(control);
            RecordsReads = File.GetLastAccessTimeUtc(control) != Untouched;
        }

        public string Path { get; }

        public string Uri => new System.Uri(Path).AbsoluteUri;

        public string Content { get; }

        /// <summary>False on a file system mounted noatime: then the content check alone shows the file was not read.</summary>
        public bool RecordsReads { get; }

        public void AssertNotIn(GeneratorDriverRunResult result, string what)
        {
            foreach (var d in result.Diagnostics)
                Assert.False(d.GetMessage().Contains(Content, StringComparison.Ordinal), $"{what}: {d.Id} quotes the local file {Path}");
            foreach (var source in result.Results.SelectMany(r => r.GeneratedSources))
                Assert.False(source.SourceText.ToString().Contains(Content, StringComparison.Ordinal), $"{what}: {source.HintName} holds the local file {Path}");
        }

        public void AssertNeverOpened(string what)
        {
            if (RecordsReads) Assert.True(File.GetLastAccessTimeUtc(Path) == Untouched, $"{what}: the generator opened the local file {Path}");
        }
    }

    // ---- the C# each flow file binds to ----

    /// <summary>
    /// A build, in memory: its C# and its flow files, with a driver that has run over the C# alone (CSharp: a run that adds
    /// one file then redoes only that file's work) and one that has run over the C# and every flow file (All). The C#'s
    /// compile errors (xunit or hosting packages are not referenced here) do not matter: the generator reads the
    /// components and [Flow] classes, and they bind as in the real build.
    /// </summary>
    private sealed record Project(string Name, CSharpCompilation Compilation, GeneratorDriver All, GeneratorDriver CSharp, IReadOnlyList<AdditionalText> Files);

    /// <summary>The runtime tests' build (tests/FlowGen.Tests with its contracts library) and each sample's.</summary>
    private static readonly Lazy<Dictionary<string, Project>> Projects = new(() =>
    {
        var projects = new Dictionary<string, Project>(StringComparer.Ordinal)
        {
            ["tests/FlowGen.Tests"] = Build("tests/FlowGen.Tests", [Path.Combine(Root, "tests", "FlowGen.Tests"), Path.Combine(Root, "tests", "FlowGen.Tests.Contracts")], FlowsFolder),
        };
        foreach (var sample in Directory.GetDirectories(Path.Combine(Root, "samples")).OrderBy(s => s, StringComparer.Ordinal))
        {
            var flows = Path.Combine(sample, "Flows");
            if (Directory.Exists(flows) && Directory.GetFiles(flows).Any(IsFlowFile))
            {
                var name = "samples/" + Path.GetFileName(sample);
                projects[name] = Build(name, [sample], flows);
            }
        }
        return projects;
    });

    private static Project ProjectOf(string file)
        => Projects.Value.Values.Single(p => p.Files.Any(f => f.Path == Path.Combine(Root, file)));

    private static Project Build(string name, string[] folders, string flowsFolder)
    {
        var sources = folders
            .SelectMany(folder => Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
                .Where(file => !Path.GetRelativePath(folder, file).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")))
            .OrderBy(file => file, StringComparer.Ordinal)
            .Select(File.ReadAllText)
            // The projects' implicit usings (ImplicitUsings=enable in Directory.Build.props).
            .Append("global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;")
            .ToArray();
        var compilation = GeneratorHarness.Compilation(sources);
        var files = Directory.GetFiles(flowsFolder).Where(IsFlowFile).OrderBy(f => f, StringComparer.Ordinal)
            .Select(path => (AdditionalText)new InMemoryText(path, File.ReadAllText(path))).ToList();
        var csharp = CSharpGeneratorDriver.Create(
            [new FlowGenerator().AsSourceGenerator()],
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false))
            .RunGenerators(compilation);
        return new Project(name, compilation, csharp.AddAdditionalTexts([.. files]).RunGenerators(compilation), csharp, files);
    }
}
