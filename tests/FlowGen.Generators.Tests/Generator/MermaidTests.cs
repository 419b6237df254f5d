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

    [Fact]
    public void A_bpmn_file_with_a_diagram_is_drawn_where_the_modeler_drew_it()
    {
        // Ship is drawn left of Load and below it, and the flow between them bends at (400, 300).
        var bpmn = """
            <?xml version="1.0" encoding="UTF-8"?>
            <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d">
              <bpmn:process id="p" isExecutable="true">
                <bpmn:startEvent id="f" />
                <bpmn:serviceTask id="Load"><bpmn:extensionElements><camunda:properties>
                  <camunda:property name="task-component" value="shop" /><camunda:property name="task-service" value="load" />
                </camunda:properties></bpmn:extensionElements></bpmn:serviceTask>
                <bpmn:serviceTask id="Ship"><bpmn:extensionElements><camunda:properties>
                  <camunda:property name="task-component" value="shop" /><camunda:property name="task-service" value="ship" />
                </camunda:properties></bpmn:extensionElements></bpmn:serviceTask>
                <bpmn:endEvent id="End" />
                <bpmn:sequenceFlow id="s1" sourceRef="f" targetRef="Load" />
                <bpmn:sequenceFlow id="s2" sourceRef="Load" targetRef="Ship" />
                <bpmn:sequenceFlow id="s3" sourceRef="Ship" targetRef="End" />
              </bpmn:process>
              <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="p">
                <bpmndi:BPMNShape id="a" bpmnElement="f"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
                <bpmndi:BPMNShape id="b" bpmnElement="Load"><dc:Bounds x="500" y="78" width="100" height="80" /></bpmndi:BPMNShape>
                <bpmndi:BPMNShape id="c" bpmnElement="Ship"><dc:Bounds x="200" y="400" width="100" height="80" /></bpmndi:BPMNShape>
                <bpmndi:BPMNShape id="e" bpmnElement="End"><dc:Bounds x="700" y="422" width="36" height="36" /></bpmndi:BPMNShape>
                <bpmndi:BPMNEdge id="s2di" bpmnElement="s2"><di:waypoint x="550" y="158" /><di:waypoint x="400" y="300" /><di:waypoint x="250" y="400" /></bpmndi:BPMNEdge>
              </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
            </bpmn:definitions>
            """;
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.bpmn", bpmn));
        var document = System.Xml.Linq.XDocument.Parse(Constant(run, "Svg"));
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        double CentreX(string id) => Centre(document.Root!.Elements(ns + "g").Single(g => g.Element(ns + "title")!.Value == id)).X;
        double CentreY(string id) => Centre(document.Root!.Elements(ns + "g").Single(g => g.Element(ns + "title")!.Value == id)).Y;

        Assert.True(CentreX("Ship") < CentreX("Load"));
        Assert.True(CentreX("f") < CentreX("Ship"));
        Assert.True(CentreX("End") > CentreX("Load"));
        Assert.True(CentreY("Ship") > CentreY("Load"));
        Assert.Equal(CentreY("Ship"), CentreY("End"), 1);
        // The bend of s2 is kept: a path with three points (start, bend, end), the bend between the two tasks.
        var bent = document.Root!.Elements(ns + "path").Select(p => (string)p.Attribute("d")!).Where(d => d.Split(' ').Length == 3).ToList();
        Assert.Single(bent);
    }

    private static (double X, double Y) Centre(System.Xml.Linq.XElement group)
    {
        var shape = group.Elements().First(e => e.Name.LocalName is "rect" or "circle");
        double Get(string name) => double.Parse((string)shape.Attribute(name)!, System.Globalization.CultureInfo.InvariantCulture);
        return shape.Name.LocalName == "circle" ? (Get("cx"), Get("cy")) : (Get("x") + Get("width") / 2, Get("y") + Get("height") / 2);
    }
}
