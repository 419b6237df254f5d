using Microsoft.CodeAnalysis;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// Each flow-file mistake is an FG diagnostic at its element's line and column in the flow file.
public sealed class DiagnosticTests
{
    private static GeneratorHarness.Run Check(string body) => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/demo.bpmn", Process(body)));

    private static Diagnostic Single(GeneratorHarness.Run run, string id)
    {
        var found = run.Single(id);
        Assert.Equal("/flows/demo.bpmn", found.Location.GetLineSpan().Path);
        return found;
    }

    private static int Line(Diagnostic d) => d.Location.GetLineSpan().StartLinePosition.Line + 1;

    private static int Column(Diagnostic d) => d.Location.GetLineSpan().StartLinePosition.Character + 1;

    [Fact]
    public void Valid_flow_compiles_with_no_diagnostics()
    {
        var run = Check(string.Join("\n",
            """<startEvent id="f" />""", Task("t1", "calc", "begin"), Task("t2", "calc", "end"), """<endEvent id="e" />""",
            Flow("a", "f", "t1"), Flow("b", "t1", "t2"), Flow("c", "t2", "e")));

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        Assert.Contains("public sealed class State", run.Source("Demo.DemoFlow.g.cs"));
    }

    [Fact]
    public void Node_ids_that_are_CSharp_keywords_or_not_identifiers_still_compile()
    {
        var run = Check(string.Join("\n",
            """<startEvent id="f" />""", Task("class", "calc", "begin"), Task("2-end", "calc", "end"), """<endEvent id="default" />""",
            Flow("a", "f", "class"), Flow("b", "class", "2-end"), Flow("c", "2-end", "default")));

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        Assert.Contains("class_ = 1,", run.Source("Demo.DemoFlow.g.cs"));
    }

    [Fact]
    public void Malformed_xml_is_FG0001_at_the_broken_position()
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/demo.bpmn", Process("""<startEvent id="f">""")));
        var d = Single(run, "FG0001");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.True(Line(d) >= 5);
    }

    [Fact]
    public void Unsupported_element_is_FG0003_at_that_element()
    {
        var run = Check(string.Join("\n", """<startEvent id="f" />""", """<userTask id="u" name="Approve" />""", """<endEvent id="e" />""", Flow("a", "f", "u"), Flow("b", "u", "e")));
        var d = Single(run, "FG0003");
        Assert.Equal(5, Line(d));
        Assert.Equal(1, Column(d));
        Assert.Contains("userTask 'u' (Approve)", d.GetMessage());
        Assert.True(run.NotGenerated("Demo.DemoFlow.g.cs")); // a flow with errors gets only a body that never runs it
    }

    [Fact]
    public void Missing_start_event_is_FG0101()
    {
        var run = Check(string.Join("\n", Task("t1", "calc", "noop"), """<endEvent id="e" />""", Flow("a", "t1", "e")));
        Assert.Contains("Process 'p'", Single(run, "FG0101").GetMessage());
    }

    [Fact]
    public void Duplicate_id_is_FG0102_at_the_second_element()
    {
        var run = Check(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calc", "noop"), Task("t1", "calc", "noop"), """<endEvent id="e" />""", Flow("a", "f", "t1"), Flow("b", "t1", "e")));
        Assert.Equal(6, Line(Single(run, "FG0102")));
    }

    [Fact]
    public void Task_with_two_incoming_flows_after_a_fork_joins_them_and_compiles()
    {
        // Kstry's implicit join (kstry-core loadTest006): the task waits for both branches and runs once.
        var run = Check(string.Join("\n", """<startEvent id="f" />""", """<parallelGateway id="g" />""", Task("t0", "calc", "begin"), Task("t1", "calc", "noop"),
            Task("t2", "calc", "end"), """<endEvent id="e" />""",
            Flow("a", "f", "g"), Flow("b", "g", "t0"), Flow("c", "g", "t1"), Flow("b2", "t0", "t2"), Flow("c2", "t1", "t2"), Flow("d", "t2", "e")));
        Assert.Empty(run.Diagnostics); // no FG0104, and no FG0403: sta.total is written on a branch that always arrives
        Assert.Empty(run.CompileErrors);
        Assert.Contains("it joins them as an inclusive gateway would", run.Source("Demo.DemoFlow.g.cs"));
    }

    [Fact]
    public void Loop_entered_by_two_branches_that_may_arrive_together_is_FG0104()
    {
        var body = string.Join("\n", """<startEvent id="f" />""", """<parallelGateway id="g" />""", Task("t0", "calc", "noop"), Task("t1", "calc", "noop"),
            """<exclusiveGateway id="x" default="out" />""", """<endEvent id="e" />""",
            Flow("a", "f", "g"), Flow("b", "g", "t0"), Flow("b2", "t0", "t1"), Flow("c", "g", "t1"), Flow("d", "t1", "x"), Flow("again", "x", "t1", "req.count &gt; 1"), Flow("out", "x", "e"));
        var run = Check(body);
        var d = Single(run, "FG0104");
        Assert.Equal(GeneratorHarness.Find(Process(body), "<serviceTask id=\"t1\"").Line, Line(d));
        Assert.Contains("The loop through serviceTask 't1' is entered by 2 sequence flows (b2, c), and parallelGateway 'g' can take more than one of them", d.GetMessage());
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void Loop_entered_by_an_inclusive_gateway_that_may_take_two_entries_is_FG0104_and_by_an_exclusive_one_is_not()
    {
        // Found by the random-flow test (seed 15882): the loop at h ran twice at once when req.count > 4.
        string Body(string split) => string.Join("\n", """<startEvent id="f" />""", split, Task("t9", "calc", "noop"), """<exclusiveGateway id="h" default="out" />""",
            Task("t12", "calc", "noop"), """<endEvent id="e" />""",
            Flow("a", "f", "j"), Flow("b", "j", "t9"), Flow("c", "t9", "h"), Flow("d", "h", "t12", "req.count &gt; 1"), Flow("back", "t12", "h"), Flow("out", "h", "e"),
            Flow("skip", "j", "h", "req.count &gt; 4"));

        var inclusive = Check(Body("""<inclusiveGateway id="j" />"""));
        var exclusive = Check(Body("""<exclusiveGateway id="j" default="b" />"""));

        Assert.Contains("inclusiveGateway 'j' can take more than one of them", Single(inclusive, "FG0104").GetMessage());
        Assert.Empty(exclusive.WithId("FG0104"));
        Assert.Empty(exclusive.CompileErrors);
    }

    [Fact]
    public void Unreachable_node_is_FG0202_and_dead_end_is_FG0203()
    {
        var run = Check(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calc", "noop"), Task("lonely", "calc", "noop"), """<endEvent id="e" />""",
            Flow("a", "f", "t1"), Flow("b", "t1", "e")));
        Assert.Equal(6, Line(Single(run, "FG0202")));
        Assert.Equal(6, Line(Single(run, "FG0203")));
    }

    [Fact]
    public void Parallel_join_fed_by_an_exclusive_branch_is_FG0204_unless_strict_mode_is_false()
    {
        string Body(string joinProperties) => string.Join("\n", """<startEvent id="f" />""", """<exclusiveGateway id="x" default="d2" />""", Task("t1", "calc", "noop"),
            Task("t2", "calc", "noop"), $"""<parallelGateway id="j">{joinProperties}</parallelGateway>""", """<endEvent id="e" />""",
            Flow("a", "f", "x"), Flow("d1", "x", "t1", "req.count &gt; 1"), Flow("d2", "x", "t2"), Flow("b", "t1", "j"), Flow("c", "t2", "j"), Flow("d", "j", "e"));

        var strict = Check(Body(""));
        var d = Single(strict, "FG0204");
        Assert.Equal(8, Line(d));
        Assert.Contains("exclusiveGateway 'x'", d.GetMessage());

        var lenient = Check(Body("""<extensionElements><c:properties><c:property name="strict-mode" value="false" /></c:properties></extensionElements>"""));
        Assert.Empty(lenient.WithId("FG0204"));
        Assert.Empty(lenient.CompileErrors);
    }

    [Fact]
    public void Exclusive_gateway_whose_conditions_may_all_be_false_is_FG0205_but_complementary_conditions_are_not()
    {
        string Body(string c1, string c2) => string.Join("\n", """<startEvent id="f" />""", """<exclusiveGateway id="x" />""", Task("t1", "calc", "noop"),
            Task("t2", "calc", "noop"), """<endEvent id="e" />""", Flow("a", "f", "x"), Flow("b1", "x", "t1", c1), Flow("b2", "x", "t2", c2), Flow("c", "t1", "e"), Flow("d", "t2", "e"));
        Assert.Equal(DiagnosticSeverity.Warning, Single(Check(Body("req.count &gt; 1", "req.count &lt; 0")), "FG0205").Severity);
        Assert.Empty(Check(Body("req.count &gt; 1", "req.count &lt;= 1")).WithId("FG0205"));
    }

    [Fact]
    public void Unknown_component_and_task_are_FG0301_and_FG0302_and_allow_absent_makes_them_informational()
    {
        var run = Check(string.Join("\n", """<startEvent id="f" />""", Task("t1", "nope", "noop"), Task("t2", "calc", "nope"),
            Task("t3", "calc", "gone", """<c:property name="allow-absent" value="true" />"""), """<endEvent id="e" />""",
            Flow("a", "f", "t1"), Flow("b", "t1", "t2"), Flow("c", "t2", "t3"), Flow("d", "t3", "e")));
        Assert.Contains("Known components: calc", Single(run, "FG0301").GetMessage());
        var unknown = run.WithId("FG0302").ToList();
        Assert.Equal(2, unknown.Count);
        Assert.Equal(DiagnosticSeverity.Error, unknown[0].Severity);
        Assert.Equal(DiagnosticSeverity.Info, unknown[1].Severity);
        Assert.Contains("begin", unknown[0].GetMessage()); // lists the known tasks
    }

    [Fact]
    public void Parameter_the_bus_cannot_supply_is_FG0401_and_a_type_mismatch_is_FG0402()
    {
        var run = Check(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calc", "begin"), Task("t2", "calc", "needs-text"), Task("t3", "calc", "needs-missing"), """<endEvent id="e" />""",
            Flow("a", "f", "t1"), Flow("b", "t1", "t2"), Flow("c", "t2", "t3"), Flow("d", "t3", "e")));
        var mismatch = Single(run, "FG0402");
        Assert.Equal(6, Line(mismatch));
        Assert.Contains("needs string", mismatch.GetMessage());
        Assert.Contains("produces int", mismatch.GetMessage());
        Assert.Single(mismatch.AdditionalLocations); // the producer's place
        Assert.Contains("'missing'", Single(run, "FG0401").GetMessage());
    }

    [Fact]
    public void Value_produced_on_only_some_paths_is_FG0403()
    {
        var run = Check(string.Join("\n", """<startEvent id="f" />""", """<exclusiveGateway id="x" default="n" />""", Task("t1", "calc", "begin"), """<exclusiveGateway id="m" />""",
            Task("t2", "calc", "end"), """<endEvent id="e" />""",
            Flow("a", "f", "x"), Flow("y", "x", "t1", "req.count &gt; 1"), Flow("n", "x", "m"), Flow("b", "t1", "m"), Flow("c", "m", "t2"), Flow("d", "t2", "e")));
        Assert.Contains("sta.total", Single(run, "FG0403").GetMessage());
    }

    [Fact]
    public void Value_written_on_each_of_two_exclusive_branches_is_not_FG0403()
    {
        // Issue 14: whichever branch runs writes sta.total, so the reader after the merge always has it.
        var run = Check(string.Join("\n", """<startEvent id="f" />""", """<exclusiveGateway id="x" default="n" />""", Task("t1", "calc", "begin"), Task("t1b", "calc", "begin"),
            """<exclusiveGateway id="m" />""", Task("t2", "calc", "end"), """<endEvent id="e" />""",
            Flow("a", "f", "x"), Flow("y", "x", "t1", "req.count &gt; 1"), Flow("n", "x", "t1b"), Flow("b", "t1", "m"), Flow("b2", "t1b", "m"), Flow("c", "m", "t2"), Flow("d", "t2", "e")));
        Assert.Empty(run.WithId("FG0403"));
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void Value_written_on_an_inclusive_branch_without_a_condition_is_not_FG0403()
    {
        // Issue 14: a flow without a condition out of an inclusive gateway is always taken, so the join has its value.
        var run = Check(string.Join("\n", """<startEvent id="f" />""", """<inclusiveGateway id="x" />""", Task("t1", "calc", "begin"), Task("t1b", "calc", "noop"),
            """<inclusiveGateway id="m" />""", Task("t2", "calc", "end"), """<endEvent id="e" />""",
            Flow("a", "f", "x"), Flow("y", "x", "t1"), Flow("n", "x", "t1b", "req.count &gt; 1"), Flow("b", "t1", "m"), Flow("b2", "t1b", "m"), Flow("c", "m", "t2"), Flow("d", "t2", "e")));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void Value_written_on_a_conditional_inclusive_branch_is_still_FG0403()
    {
        var run = Check(string.Join("\n", """<startEvent id="f" />""", """<inclusiveGateway id="x" />""", Task("t1", "calc", "begin"), Task("t1b", "calc", "noop"),
            """<inclusiveGateway id="m" />""", Task("t2", "calc", "end"), """<endEvent id="e" />""",
            Flow("a", "f", "x"), Flow("y", "x", "t1", "req.count &gt; 1"), Flow("n", "x", "t1b"), Flow("b", "t1", "m"), Flow("b2", "t1b", "m"), Flow("c", "m", "t2"), Flow("d", "t2", "e")));
        Assert.Contains("sta.total", Single(run, "FG0403").GetMessage());
    }

    [Fact]
    public void Condition_errors_are_reported_at_the_exact_column_of_the_flow_file()
    {
        var run = Check(string.Join("\n", """<startEvent id="f" />""", """<exclusiveGateway id="x" default="n" />""", Task("t1", "calc", "noop"), """<endEvent id="e" />""",
            Flow("a", "f", "x"), Flow("y", "x", "t1", "req.source &gt; 20"), Flow("n", "x", "e"), Flow("b", "t1", "e")));
        var d = Single(run, "FG0503");
        var text = Process(string.Join("\n", """<startEvent id="f" />""", """<exclusiveGateway id="x" default="n" />""", Task("t1", "calc", "noop"), """<endEvent id="e" />""",
            Flow("a", "f", "x"), Flow("y", "x", "t1", "req.source &gt; 20"), Flow("n", "x", "e"), Flow("b", "t1", "e"))).Split('\n');
        var expectedColumn = text[Line(d) - 1].IndexOf("req.source", StringComparison.Ordinal) + 1;
        Assert.Equal(9, Line(d));
        Assert.Equal(expectedColumn, Column(d));
        Assert.Contains("string", d.GetMessage());

        var syntax = Check(string.Join("\n", """<startEvent id="f" />""", """<exclusiveGateway id="x" default="n" />""", Task("t1", "calc", "noop"), """<endEvent id="e" />""",
            Flow("a", "f", "x"), Flow("y", "x", "t1", "req.count &gt; (1"), Flow("n", "x", "e"), Flow("b", "t1", "e")));
        Assert.Single(syntax.WithId("FG0501"));
        var unknown = Check(string.Join("\n", """<startEvent id="f" />""", """<exclusiveGateway id="x" default="n" />""", Task("t1", "calc", "noop"), """<endEvent id="e" />""",
            Flow("a", "f", "x"), Flow("y", "x", "t1", "req.nope == 1"), Flow("n", "x", "e"), Flow("b", "t1", "e")));
        Assert.Contains("nope", Single(unknown, "FG0502").GetMessage());
    }

    [Fact]
    public void Unknown_property_is_FG0601_with_a_suggestion()
    {
        var run = Check(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calc", "noop", """<c:property name="alow-absent" value="true" />"""), """<endEvent id="e" />""",
            Flow("a", "f", "t1"), Flow("b", "t1", "e")));
        var d = Single(run, "FG0601");
        // A near miss of a setting would run the task without it: an error; a property far from any stays a warning.
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains("did you mean 'allow-absent'", d.GetMessage());

        var own = Check(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calc", "noop", """<c:property name="owner-team" value="payments" />"""), """<endEvent id="e" />""",
            Flow("a", "f", "t1"), Flow("b", "t1", "e")));
        Assert.Equal(DiagnosticSeverity.Warning, Single(own, "FG0601").Severity);
    }

    [Fact]
    public void Every_diagnostic_id_has_a_docs_page()
    {
        var docs = Path.Combine(GeneratorHarness.RepositoryRoot(), "docs", "diagnostics");
        var missing = Diagnostics.FlowDiagnostics.All.Where(d => !File.Exists(Path.Combine(docs, d.Id + ".md"))).Select(d => d.Id).ToList();
        Assert.Empty(missing);
    }
}
