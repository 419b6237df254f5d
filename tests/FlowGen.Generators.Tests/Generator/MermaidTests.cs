using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// Every compiled flow carries its picture as a Mermaid flowchart (docs/pictures.md): shapes by kind, conditions on the
// flows, subflows as subgraphs, and flow-file text only through the Mermaid label escaping.
public sealed class MermaidTests
{
    private const string Components = """
        using FlowGen;
        namespace Shop;
        public sealed record Req(int Count, string Name, int[] Ids);
        [FlowComponent("shop")]
        public sealed class Shop
        {
            [FlowTask("load")] public void Load() { }
            [FlowTask("ship")] public void Ship() { }
        }
        [Flow("f")] public sealed partial class F : IFlow<Req, string>;
        """;

    private static string MermaidOf(GeneratorHarness.Run run) => Constant(run, "Mermaid");

    private static string Constant(GeneratorHarness.Run run, string name)
    {
        Assert.Empty(run.CompileErrors);
        var source = run.Source("Shop.F.g.cs")!;
        var start = source.IndexOf($"public const string {name} = \"", StringComparison.Ordinal);
        Assert.True(start >= 0, "no " + name + " constant");
        var literal = source.Substring(start + $"public const string {name} = ".Length);
        literal = literal.Substring(0, literal.IndexOf("\";", StringComparison.Ordinal) + 1);
        return System.Text.RegularExpressions.Regex.Unescape(literal.Substring(1, literal.Length - 2));
    }

    [Fact]
    public void A_flow_is_drawn_with_a_shape_per_kind_and_its_conditions_on_the_flows()
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", """
            flow: f
            graph:
              nodes:
                - type: start
                - { id: Load, name: Load the order, task-component: shop, task-service: load }
                - { id: Big, type: exclusive }
                - { id: Ship, task-component: shop, task-service: ship }
                - { id: Mark, type: set, set: { var.small: "true" } }
                - { id: Done, type: end }
                - { id: Refuse, type: fail, code: TOO_BIG }
              connections:
                - { from: f, to: Load }
                - { from: Load, to: Big }
                - { from: Big, to: Ship, when: "req.count > 10 && req.name != 'x'" }
                - { from: Big, to: Refuse, when: "req.count > 1000" }
                - { from: Big, to: Mark, default: true }
                - { from: Ship, to: Done }
                - { from: Mark, to: Done }
            """));

        var mermaid = MermaidOf(run);

        Assert.StartsWith("flowchart TD\n", mermaid, StringComparison.Ordinal);
        Assert.Contains("n0((\"f\"))", mermaid, StringComparison.Ordinal);
        Assert.Contains("n1[\"Load the order (shop/load)\"]", mermaid, StringComparison.Ordinal);
        Assert.Contains("n2{\"x\"}", mermaid, StringComparison.Ordinal);
        Assert.Contains("[/\"Mark: var.small\"/]", mermaid, StringComparison.Ordinal);
        Assert.Contains("(((\"fail TOO_BIG\")))", mermaid, StringComparison.Ordinal);
        Assert.Contains("-->|\"req.count #gt; 10 #amp;#amp; req.name != 'x'\"|", mermaid, StringComparison.Ordinal);
        Assert.Contains("-->|\"default\"|", mermaid, StringComparison.Ordinal);
    }

    [Fact]
    public void A_foreach_is_a_subgraph_that_says_what_it_iterates()
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", """
            flow: f
            steps:
              - id: Each
                type: foreach
                foreach: req.ids
                item: id
                parallel: 4
                steps:
                  - { id: Ship, task-component: shop, task-service: ship }
            """));

        var mermaid = MermaidOf(run);

        Assert.Contains("_body[\"Each: foreach id in req.ids, 4 at once\"]", mermaid, StringComparison.Ordinal);
        Assert.Contains("((\"end\"))", mermaid, StringComparison.Ordinal);
        Assert.Contains("\n  end\n", mermaid, StringComparison.Ordinal);
    }

    [Fact]
    public void Flow_file_text_cannot_become_mermaid_syntax()
    {
        // A name that tries to close its label, add an edge and a click handler, with a line separator and a bidi control.
        var name = "x\"] --> n0; click n0 call alert(1)\u2028[\"y\u202e";
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml",
            "flow: f\nsteps:\n  - { id: Load, name: \"" + name.Replace("\"", "\\\"").Replace("\u2028", "\\L").Replace("\u202e", "\\u202e") + "\", task-component: shop, task-service: load }\n"));

        var mermaid = MermaidOf(run);
        var line = mermaid.Split('\n').Single(l => l.Contains("click", StringComparison.Ordinal));

        Assert.Contains("x#quot;#93; --#gt; n0#59; click n0 call alert(1) #91;#quot;y", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\u2028", mermaid, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202e", mermaid, StringComparison.Ordinal);
        Assert.Equal(2, line.Count(c => c == '"'));
    }

    [Fact]
    public void The_svg_picture_is_well_formed_with_a_group_per_node_and_flow_file_text_only_as_text()
    {
        var name = "</text><script>alert(1)</script>\u2028\u202e";
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml",
            "flow: f\nsteps:\n  - { id: Load, name: \"" + name.Replace("\u2028", "\\L").Replace("\u202e", "\\u202e") + "\", task-component: shop, task-service: load }\n"
            + "  - { id: Ship, task-component: shop, task-service: ship, when: \"req.count > 1 && req.name != '<b>'\" }\n"));

        var svg = Constant(run, "Svg");
        var document = System.Xml.Linq.XDocument.Parse(svg);
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";

        Assert.Equal(ns + "svg", document.Root!.Name);
        Assert.Empty(document.Descendants(ns + "script"));
        Assert.Empty(document.Descendants("script"));
        Assert.Contains(document.Descendants(ns + "title"), t => t.Value.Contains("<script>alert(1)</script>", StringComparison.Ordinal));
        Assert.Contains(document.Descendants(ns + "text"), t => t.Value.Contains("'<b>'", StringComparison.Ordinal)); // the condition, as text
        Assert.DoesNotContain("\u2028", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202e", svg, StringComparison.Ordinal);
        Assert.True(document.Root!.Elements(ns + "g").Count() >= 6); // start, the two tasks, the when's gateway and merge, the end
        Assert.True(document.Root!.Elements(ns + "path").Count() >= 6);
    }
}
