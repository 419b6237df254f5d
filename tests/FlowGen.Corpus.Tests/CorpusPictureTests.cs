using System.Text.RegularExpressions;
using System.Xml.Linq;
using FlowGen.Generators.Tests.Generator;
using Xunit;

namespace FlowGen.Corpus.Tests;

/// <summary>
/// Every corpus flow that compiles has a picture (docs/pictures.md): its SVG is well-formed XML with one group per node,
/// titled with the node's id; a file with a BPMN diagram is drawn with the modeler's coordinates; and both pictures are
/// kept as snapshots in tests/FlowGen.Corpus.Tests/Pictures (our output, not the corpus: a reviewer opens the .svg
/// files there). A changed picture writes *.received.* beside them; FLOWGEN_ACCEPT_SNAPSHOTS=1 accepts it.
/// </summary>
public sealed partial class CorpusPictureTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Theory]
    [MemberData(nameof(CorpusTests.Files), MemberType = typeof(CorpusTests))]
    public void Every_compiled_flow_has_a_picture_of_every_node(string name)
    {
        var corpus = new CorpusFile(Path.Combine(CorpusFile.Folder(), name));
        var run = corpus.Compile();
        var drawn = 0;
        foreach (var flow in corpus.StartEvents)
        {
            var hint = $"Corpus.{CorpusFile.ClassName(flow)}.g.cs";
            if (run.NotGenerated(hint) || run.Source(hint) is not { } source || !source.Contains("public const string Svg = ", StringComparison.Ordinal)) continue;
            drawn++;
            var svg = Constant(source, "Svg");
            var mermaid = Constant(source, "Mermaid");
            var nodeIds = NodeIds(source);

            var document = XDocument.Parse(svg);
            Assert.Equal(Svg + "svg", document.Root!.Name);
            var titles = document.Root.Elements(Svg + "g").Select(g => g.Element(Svg + "title")!.Value).ToList();
            var missing = nodeIds.Where(id => !id.EndsWith("#end", StringComparison.Ordinal) && !titles.Any(t => t == id || t.StartsWith(id + " (", StringComparison.Ordinal))).ToList();
            Assert.True(missing.Count == 0, $"{flow}: no group for {string.Join(", ", missing)}");
            Assert.StartsWith("flowchart", mermaid.TrimStart());
            for (var i = 0; i < nodeIds.Count; i++)
            {
                if (!nodeIds[i].EndsWith("#end", StringComparison.Ordinal)) Assert.Contains($"n{i}", mermaid);
            }

            // Every corpus file was drawn in a modeler: the picture keeps its layout, so a node to the right of another
            // in the modeler is to the right of it in the picture. (Not when a subprocess is called from several places:
            // its copies would lie on one another, and the picture lays the flow out itself.)
            if (!CalledTwice(nodeIds))
            {
                var diagram = DiagramCentres(corpus.Text);
                var placed = document.Root.Elements(Svg + "g").Select(g => (Id: Id(g.Element(Svg + "title")!.Value), X: Left(g))).Where(p => diagram.ContainsKey(p.Id)).ToList();
                Assert.True(placed.Count >= 2, $"{flow}: no node drawn where its diagram is");
                foreach (var a in placed)
                {
                    foreach (var b in placed.Where(b => diagram[b.Id] > diagram[a.Id] + 1))
                        Assert.True(b.X > a.X, $"{flow}: {b.Id} is right of {a.Id} in the modeler but not in the picture");
                }
            }

            Snapshot($"{Path.GetFileNameWithoutExtension(name)}.{flow}.svg", svg);
            Snapshot($"{Path.GetFileNameWithoutExtension(name)}.{flow}.mmd", mermaid);
        }
        Assert.True(drawn > 0 || corpus.StartEvents.All(f => run.NotGenerated($"Corpus.{CorpusFile.ClassName(f)}.g.cs")), $"{name}: no picture for a compiled flow");
    }

    private static string Constant(string source, string name)
    {
        var start = source.IndexOf($"public const string {name} = \"", StringComparison.Ordinal);
        Assert.True(start >= 0, "no " + name + " constant");
        var literal = source.Substring(start + $"public const string {name} = ".Length);
        literal = literal.Substring(0, literal.IndexOf("\";", StringComparison.Ordinal) + 1);
        return Regex.Unescape(literal.Substring(1, literal.Length - 2));
    }

    private static List<string> NodeIds(string source)
    {
        var line = source.Split('\n').First(l => l.TrimStart().StartsWith("nodeIds: new[] {", StringComparison.Ordinal));
        return StringLiteral().Matches(line).Select(m => Regex.Unescape(m.Groups[1].Value)).ToList();
    }

    // Node ids of an expanded subprocess are "<call>/<node>": one body under two calls.
    private static bool CalledTwice(List<string> nodeIds)
        => nodeIds.Where(id => id.Contains('/', StringComparison.Ordinal)).GroupBy(id => id[(id.LastIndexOf('/') + 1)..]).Any(g => g.Count() > 1);

    private static string Id(string title) => title.Contains(" (", StringComparison.Ordinal) ? title[..title.IndexOf(" (", StringComparison.Ordinal)] : title;

    // A group's leftmost x: its first shape's x, cx or first polygon point.
    private static double Left(XElement group)
    {
        var shape = group.Elements().First(e => e.Name.LocalName is "rect" or "circle" or "polygon");
        var value = shape.Name.LocalName switch
        {
            "rect" => (string)shape.Attribute("x")!,
            "circle" => (string)shape.Attribute("cx")!,
            _ => ((string)shape.Attribute("points")!).Split(' ')[0].Split(',')[0],
        };
        var x = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        if (shape.Name.LocalName == "rect") x += double.Parse((string)shape.Attribute("width")!, System.Globalization.CultureInfo.InvariantCulture) / 2;
        else if (shape.Name.LocalName == "polygon" && group.Elements().First().Name.LocalName == "polygon") x = Centre(shape);
        return x;

        static double Centre(XElement polygon)
        {
            var xs = ((string)polygon.Attribute("points")!).Split(' ').Select(p => double.Parse(p.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            return (xs.Min() + xs.Max()) / 2;
        }
    }

    private static Dictionary<string, double> DiagramCentres(string bpmn)
    {
        var document = XDocument.Parse(bpmn);
        var centres = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var shape in document.Descendants().Where(e => e.Name.LocalName == "BPMNShape"))
        {
            var bounds = shape.Elements().FirstOrDefault(e => e.Name.LocalName == "Bounds");
            if (bounds is null || (string?)shape.Attribute("bpmnElement") is not { } id) continue;
            centres[id] = double.Parse((string)bounds.Attribute("x")!, System.Globalization.CultureInfo.InvariantCulture)
                + double.Parse((string)bounds.Attribute("width")!, System.Globalization.CultureInfo.InvariantCulture) / 2;
        }
        return centres;
    }

    private static void Snapshot(string name, string actual)
    {
        var folder = Path.Combine(GeneratorHarness.RepositoryRoot(), "tests", "FlowGen.Corpus.Tests", "Pictures");
        Directory.CreateDirectory(folder);
        var verified = Path.Combine(folder, name);
        var received = Path.Combine(folder, Path.GetFileNameWithoutExtension(name) + ".received" + Path.GetExtension(name));
        actual = actual.Replace("\r\n", "\n");
        if (File.Exists(verified) && File.ReadAllText(verified).Replace("\r\n", "\n") == actual)
        {
            File.Delete(received);
            return;
        }
        if (Environment.GetEnvironmentVariable("FLOWGEN_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verified, actual);
            return;
        }
        File.WriteAllText(received, actual);
        Assert.Fail($"The picture differs from {verified}; see {received} (set FLOWGEN_ACCEPT_SNAPSHOTS=1 to accept).");
    }

    [GeneratedRegex("\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex StringLiteral();
}
