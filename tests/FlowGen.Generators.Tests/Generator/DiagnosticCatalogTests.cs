using Microsoft.CodeAnalysis;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// One small flow per diagnostic, each asserting the id, the severity and the line of the element it names.
// (DiagnosticTests covers the main ones in more depth; AnalyzerTests covers FG07xx.)
public sealed class DiagnosticCatalogTests
{
    private const string Start = """<startEvent id="f" />""";
    private const string End = """<endEvent id="e" />""";

    private const string MoreComponents = """

        namespace Demo
        {
            [FlowGen.FlowComponent("other")]
            public sealed class Other
            {
                [FlowGen.FlowTask("noop")] public void Noop() { }
                [FlowGen.FlowTask("text"), FlowGen.ToState("total")] public string Text() => "";
                [FlowGen.FlowTask("generic")] public void Generic<T>() { }
                [FlowGen.FlowTask("twice"), FlowGen.ToState("name")] public string Twice() => "";
                [FlowGen.FlowTask("numbers"), FlowGen.ToState("numbers")] public System.Collections.Generic.List<int> Numbers() => new();
                [FlowGen.FlowTask("each")] public void Each([FlowGen.FromItem] string item) { }
            }
        }
        """;

    public static TheoryData<string, string, DiagnosticSeverity, int> Cases() => new()
    {
        // id, process body (line 4 is its first line), severity, expected line
        { "FG0004", string.Join("\n", Start, """<serviceTask name="no id" />""", End, Flow("a", "f", "e")), DiagnosticSeverity.Error, 5 },
        { "FG0103", string.Join("\n", Start, End, Flow("a", "f", "e"), Flow("b", "f", "ghost")), DiagnosticSeverity.Error, 7 },
        { "FG0106", string.Join("\n", Start, """<inclusiveGateway id="m" />""", Task("t1", "calc", "noop"), """<exclusiveGateway id="x" default="back" />""", End,
            Flow("a", "f", "m"), Flow("a2", "m", "t1"), Flow("b", "t1", "x"), Flow("out", "x", "e", "req.count &gt; 3"), Flow("back", "x", "m")), DiagnosticSeverity.Error, 5 },
        { "FG0107", string.Join("\n", Start, Task("t1", "calc", "noop"), End, Flow("a", "f", "t1"), Flow("b", "t1", "e"), Flow("c", "t1", "f")), DiagnosticSeverity.Error, 4 },
        { "FG0108", string.Join("\n", Start, Task("t1", "calc", "noop"), End, Flow("a", "f", "e"), Flow("b", "e", "t1"), Flow("c", "t1", "e")), DiagnosticSeverity.Error, 6 },
        { "FG0109", string.Join("\n", Start, """<callActivity id="c" calledElement="sub" />""", End, Flow("a", "f", "c"), Flow("b", "c", "e"),
            """<subProcess id="sub">""", """<startEvent id="s1" />""", """<startEvent id="s2" />""", """<endEvent id="se" />""", Flow("x", "s1", "se"), Flow("y", "s2", "se"), "</subProcess>"), DiagnosticSeverity.Error, 11 },
        { "FG0110", string.Join("\n", Start, """<callActivity id="c" calledElement="a" />""", End, Flow("a1", "f", "c"), Flow("b1", "c", "e"),
            """<subProcess id="a">""", """<startEvent id="as" />""", """<callActivity id="ca" calledElement="b" />""", """<endEvent id="ae" />""", Flow("a2", "as", "ca"), Flow("a3", "ca", "ae"), "</subProcess>",
            """<subProcess id="b">""", """<startEvent id="bs" />""", """<callActivity id="cb" calledElement="a" />""", """<endEvent id="be" />""", Flow("b2", "bs", "cb"), Flow("b3", "cb", "be"), "</subProcess>"), DiagnosticSeverity.Error, 18 },
        { "FG0308", string.Join("\n", Start, """<callActivity id="c" calledElement="nowhere" />""", End, Flow("a", "f", "c"), Flow("b", "c", "e")), DiagnosticSeverity.Error, 5 },
        { "FG0201", string.Join("\n", Start, Task("t1", "calc", "noop"), Task("t2", "calc", "noop"), Flow("a", "f", "t1"), Flow("b", "t1", "t2"), Flow("c", "t2", "t1")), DiagnosticSeverity.Error, 4 },
        { "FG0206", string.Join("\n", Start, """<parallelGateway id="pg" />""", Task("t1", "calc", "noop"), Task("t2", "calc", "noop"), """<parallelGateway id="j" />""", End,
            Flow("a", "f", "pg"), Flow("b", "pg", "t1", "req.count &gt; 1"), Flow("c", "pg", "t2"), Flow("d", "t1", "j"), Flow("g", "t2", "j"), Flow("h", "j", "e")), DiagnosticSeverity.Warning, 11 },
        { "FG0207", string.Join("\n", Start, """<exclusiveGateway id="x" default="d" />""", Task("t1", "calc", "noop"), End,
            Flow("a", "f", "x"), Flow("c", "x", "t1", "req.count &gt; 1"), Flow("d", "x", "e", "req.count &lt; 0"), Flow("g", "t1", "e")), DiagnosticSeverity.Warning, 10 },
        { "FG0208", string.Join("\n", Start, """<exclusiveGateway id="x" />""", Task("t1", "calc", "noop"), End,
            Flow("a", "f", "x"), Flow("c", "x", "t1"), Flow("d", "x", "e"), Flow("g", "t1", "e")), DiagnosticSeverity.Warning, 10 },
        { "FG0303", string.Join("\n", Start, """<serviceTask id="t1"><extensionElements><c:properties><c:property name="task-service" value="noop" /></c:properties></extensionElements></serviceTask>""", End,
            Flow("a", "f", "t1"), Flow("b", "t1", "e")), DiagnosticSeverity.Error, 5 },
        { "FG0304", string.Join("\n", Start, """<serviceTask id="t1" />""", End, Flow("a", "f", "t1"), Flow("b", "t1", "e")), DiagnosticSeverity.Error, 5 },
        { "FG0305", string.Join("\n", Start, Task("t1", "other", "generic"), End, Flow("a", "f", "t1"), Flow("b", "t1", "e")), DiagnosticSeverity.Error, 5 },
        { "FG0404", string.Join("\n", Start, Task("t1", "calc", "begin"), Task("t2", "other", "text"), Task("t3", "calc", "end"), End,
            Flow("a", "f", "t1"), Flow("b", "t1", "t2"), Flow("c", "t2", "t3"), Flow("d", "t3", "e")), DiagnosticSeverity.Error, 6 },
        { "FG0405", string.Join("\n", Start, Task("t1", "calc", "name"), Task("t2", "other", "twice"), End,
            Flow("a", "f", "t1"), Flow("b", "t1", "t2"), Flow("c", "t2", "e")), DiagnosticSeverity.Warning, 6 },
        { "FG0406", string.Join("\n", Start, Task("t1", "other", "each", """<c:property name="ite-source" value="req.source" />"""), End, Flow("a", "f", "t1"), Flow("b", "t1", "e")), DiagnosticSeverity.Error, 5 },
        { "FG0407", string.Join("\n", Start, Task("t0", "other", "numbers"), Task("t1", "other", "each", """<c:property name="ite-source" value="sta.numbers" />"""), End,
            Flow("a", "f", "t0"), Flow("b", "t0", "t1"), Flow("c", "t1", "e")), DiagnosticSeverity.Error, 6 },
        { "FG0408", string.Join("\n", Start, Task("t0", "other", "numbers"), Task("t1", "other", "noop", """<c:property name="ite-source" value="sta.numbers" />"""), End,
            Flow("a", "f", "t0"), Flow("b", "t0", "t1"), Flow("c", "t1", "e")), DiagnosticSeverity.Error, 6 },
        { "FG0504", string.Join("\n", Start, """<exclusiveGateway id="x" default="n" />""", Task("t1", "calc", "noop"), End,
            Flow("a", "f", "x"), Flow("y", "x", "t1", "@shout(req.count)"), Flow("n", "x", "e"), Flow("b", "t1", "e")), DiagnosticSeverity.Error, 9 },
        { "FG0505", string.Join("\n", Start, """<exclusiveGateway id="x" default="n" />""", Task("t1", "calc", "noop"), End,
            Flow("a", "f", "x"), Flow("y", "x", "t1", "pr:check-img"), Flow("n", "x", "e"), Flow("b", "t1", "e")), DiagnosticSeverity.Error, 9 },
        { "FG0602", string.Join("\n", Start, """<parallelGateway id="pg"><extensionElements><c:properties><c:property name="strict-mode" value="maybe" /></c:properties></extensionElements></parallelGateway>""", End,
            Flow("a", "f", "pg"), Flow("b", "pg", "e")), DiagnosticSeverity.Warning, 5 },
        { "FG0603", string.Join("\n", Start, Task("t1", "calc", "noop", """<c:property name="ite-stride" value="5" />"""), End, Flow("a", "f", "t1"), Flow("b", "t1", "e")), DiagnosticSeverity.Warning, 5 },
        { "FG0306", string.Join("\n", Start, Task("t1", "calc", "noop", """<c:property name="task-demotion" value="pr:calc@nope" />"""), End, Flow("a", "f", "t1"), Flow("b", "t1", "e")), DiagnosticSeverity.Error, 5 },
        { "FG0307", string.Join("\n", Start, Task("t1", "calc", "begin", """<c:property name="task-demotion" value="pr:other@text" />"""), Task("t2", "calc", "end"), End,
            Flow("a", "f", "t1"), Flow("b", "t1", "t2"), Flow("c", "t2", "e")), DiagnosticSeverity.Error, 5 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_diagnostic_is_reported_at_its_element(string id, string body, DiagnosticSeverity severity, int line)
    {
        var run = GeneratorHarness.RunGenerator(Components + MoreComponents, new InMemoryText("/flows/demo.bpmn", Process(body)));

        var found = run.WithId(id).ToList();
        Assert.True(found.Count > 0, $"no {id}; got: " + string.Join("\n", run.Diagnostics));
        var d = found[0];
        Assert.Equal(severity, d.Severity);
        Assert.Equal("/flows/demo.bpmn", d.Location.GetLineSpan().Path);
        Assert.Equal(line, d.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Equal(FlowGen.Generators.Diagnostics.HelpLinks.Default.Link(id), d.Descriptor.HelpLinkUri); // HelpLinkTests: the shipped page, or none
        Assert.DoesNotContain("{", d.GetMessage()); // every placeholder filled
    }

    [Fact]
    public void A_file_that_is_not_BPMN_is_FG0002()
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/demo.bpmn", "<html><body>not a flow</body></html>"));
        var d = Assert.Single(run.WithId("FG0002"));
        Assert.Contains("html", d.GetMessage());
    }

    [Fact]
    public void An_internal_failure_is_one_FG9001_at_the_file_never_an_exception()
    {
        var file = Frontends.FlowFileReader.Read("/flows/broken.bpmn", new FailingText(), default);

        var d = Assert.Single(file.Diagnostics);
        Assert.Equal("FG9001", d.Id);
        Assert.Equal("/flows/broken.bpmn", d.Location!.FilePath);
        Assert.Contains("broken.bpmn", d.ToDiagnostic().GetMessage());
        Assert.Empty(file.Flows);
    }

    /// <summary>A text that fails when read, standing in for any bug inside the front end.</summary>
    private sealed class FailingText : Microsoft.CodeAnalysis.Text.SourceText
    {
        public override char this[int position] => throw new InvalidOperationException("simulated failure");
        public override System.Text.Encoding? Encoding => null;
        public override int Length => 10;
        public override void CopyTo(int sourceIndex, char[] destination, int destinationIndex, int count) => throw new InvalidOperationException("simulated failure");
    }
}
