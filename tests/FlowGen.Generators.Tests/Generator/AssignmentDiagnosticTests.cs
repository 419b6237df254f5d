using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// A node's set (docs/assignments.md): each expression is checked like a condition (FG05xx at its column, in YAML, JSON
// and BPMN alike), each target must be a var or sta name (FG0414), a value must fit the type a task gives its name
// (FG0414), and what a set writes is read by later tasks with the bus checks (FG0401, FG0402).
public sealed class AssignmentDiagnosticTests
{
    private const string Types = """
        using FlowGen;
        namespace Shop;
        public sealed record Req(string Name, int Count, decimal Price);
        [FlowComponent("till")]
        public sealed class Till
        {
            [FlowTask("price"), ToState("price")] public decimal Price(Req request) => request.Price;
            [FlowTask("count"), ToVar("total")] public long Count(Req request) => request.Count;
            [FlowTask("label")] public void Label([FromVar("label")] string label) { }
            [FlowTask("number")] public void Number([FromVar("label")] int label) { }
        }
        public sealed record Quote(string Label, decimal Total, int Count = 1) { public bool Bulk { get; init; } public string Fixed { get; } = ""; public required string Kind { get; init; } }
        """;

    private const string Components = Types + """

        [Flow("f")] public sealed partial class F : IFlow<Req, string>;
        """;

    private const string QuoteComponents = Types + """

        [Flow("q")] public sealed partial class Q : IFlow<Req, Quote>;
        """;

    private static GeneratorHarness.Run Yaml(string steps) => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", "flow: f\nsteps:\n" + steps));

    [Fact]
    public void An_unknown_name_in_a_set_is_reported_at_its_column_in_yaml()
    {
        var text = "  - { id: p, task-component: till, task-service: price, set: { var.total: \"sta.prise * req.count\" } }\n";

        var run = Yaml(text);

        var d = run.Single("FG0502");
        Assert.Equal((3, text.IndexOf("sta.prise", StringComparison.Ordinal) + 1), GeneratorHarness.Position(d));
        Assert.StartsWith("Expression 'sta.prise * req.count' on the set of var.total on task 'p'", d.GetMessage());
    }

    [Fact]
    public void An_unknown_name_in_a_set_is_reported_at_its_column_in_bpmn()
    {
        var bpmn = Bpmn.Process(string.Join("\n",
            """<startEvent id="f" />""",
            Bpmn.Task("t1", "till", "price", """<c:property name="set:var.total" value="sta.price &gt; 1 &amp;&amp; sta.prise" />"""),
            """<endEvent id="e" />""",
            Bpmn.Flow("a", "f", "t1"), Bpmn.Flow("b", "t1", "e")));

        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.bpmn", bpmn));

        var d = run.Single("FG0502");
        Assert.Equal(GeneratorHarness.Find(bpmn, "sta.prise\""), GeneratorHarness.Position(d));
    }

    [Theory]
    [InlineData("req.count", "req is the request")]
    [InlineData("var.a.b", "a bus name is one name")]
    [InlineData("total", "only var.<name> and sta.<name> can be set")]
    public void A_target_that_is_not_a_var_or_sta_name_is_FG0414_at_the_target(string target, string why)
    {
        var text = $"  - id: p\n    task-component: till\n    task-service: price\n    set:\n      {target}: \"1\"\n";

        var run = Yaml(text);

        var d = run.Single("FG0414");
        Assert.Equal((7, 7), GeneratorHarness.Position(d));
        Assert.Contains(why, d.GetMessage());
    }

    [Fact]
    public void A_value_that_does_not_fit_the_type_a_task_gives_the_name_is_FG0414_naming_both()
    {
        var run = Yaml("  - { id: p, task-component: till, task-service: price, set: { var.total: \"'many'\" } }\n  - { id: c, task-component: till, task-service: count }\n");

        var d = run.Single("FG0414");
        Assert.Contains("the value is string ('many') while task 'c' writes var.total as long", d.GetMessage());
    }

    [Fact]
    public void A_number_that_widens_to_the_tasks_type_is_accepted_and_converted()
    {
        var run = Yaml("  - { id: p, task-component: till, task-service: price, set: { var.total: \"req.count * 2\" } }\n  - { id: c, task-component: till, task-service: count }\n");

        Assert.Empty(run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("state.Var_total = (long)(state.Request.Count * 2);", run.Source("Shop.F.g.cs"));
    }

    [Fact]
    public void A_set_value_is_read_by_a_later_task_with_the_bus_checks()
    {
        var ok = Yaml("  - { id: p, task-component: till, task-service: price, set: { var.label: \"'n' + sta.price\" } }\n  - { id: l, task-component: till, task-service: label }\n");
        Assert.Empty(ok.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(ok.CompileErrors);

        var wrongType = Yaml("  - { id: p, task-component: till, task-service: price, set: { var.label: \"'n' + sta.price\" } }\n  - { id: l, task-component: till, task-service: number }\n");
        Assert.Contains("the set of task 'p'", wrongType.Single("FG0402").GetMessage());

        // Read before it is set: no writer runs before the reader.
        var early = Yaml("  - { id: l, task-component: till, task-service: label }\n  - { id: p, task-component: till, task-service: price, set: { var.label: \"'n'\" } }\n");
        early.Single("FG0401");
    }

    [Fact]
    public void A_set_reads_the_sets_before_it_on_the_same_node_and_not_after()
    {
        var ok = Yaml("  - { id: p, type: set, set: { var.a: \"1\", var.b: \"var.a + 1\" } }\n");
        Assert.Empty(ok.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(ok.CompileErrors);

        var later = Yaml("  - { id: p, type: set, set: { var.b: \"var.a + 1\", var.a: \"1\" } }\n");
        later.Single("FG0502");
    }

    [Fact]
    public void A_set_node_without_set_and_a_set_that_is_not_a_mapping_are_shape_errors()
    {
        Assert.Contains("has no 'set'", Yaml("  - { id: p, type: set }\n").Single("FG0006").GetMessage());
        Assert.Contains("'set' holds", Yaml("  - { id: p, task-component: till, task-service: price, set: [ 1 ] }\n").Single("FG0006").GetMessage());
        Assert.Contains("holds nothing", Yaml("  - { id: p, task-component: till, task-service: price, set: { var.a: } }\n").Single("FG0006").GetMessage());
    }

    private static GeneratorHarness.Run Quote(string result) => GeneratorHarness.RunGenerator(QuoteComponents,
        new InMemoryText("/flows/q.flow.yaml", "flow: q\nresult:\n" + result + "steps:\n  - { id: p, task-component: till, task-service: price }\n"));

    [Fact]
    public void A_result_template_that_fits_compiles_with_the_defaults_left_out()
    {
        var run = Quote("  label: \"req.name\"\n  total: sta.price\n  kind: \"'a'\"\n  bulk: \"req.count > 9\"\n");

        Assert.Empty(run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("state.Result = new global::Shop.Quote(Label: state.Request.Name, Total: state.Sta_price) { Kind = \"a\", Bulk = state.Request.Count > 9 };", run.Source("Shop.Q.g.cs"));
    }

    [Theory]
    [InlineData("  label: \"req.name\"\n  kind: \"'a'\"\n", "it does not give 'Total' (decimal), which Shop.Quote's constructor needs")]
    [InlineData("  label: \"req.name\"\n  total: sta.price\n  kind: \"'a'\"\n  colour: \"'red'\"\n", "Shop.Quote has no member 'colour' (it has: Label, Total, Count, Bulk, Fixed, Kind)")]
    [InlineData("  label: \"req.name\"\n  total: \"'many'\"\n  kind: \"'a'\"\n", "res.total is string ('many'), but Shop.Quote's constructor parameter 'Total' is decimal")]
    [InlineData("  label: \"req.name\"\n  total: sta.price\n  kind: \"'a'\"\n  fixed: \"'x'\"\n", "Shop.Quote.Fixed is read-only")]
    [InlineData("  label: \"req.name\"\n  total: sta.price\n", "it does not give 'Kind', which Shop.Quote declares required")]
    public void A_result_template_that_does_not_fit_the_result_type_is_FG0415_naming_both(string result, string message)
    {
        var d = Quote(result).Single("FG0415");

        Assert.Contains(message, d.GetMessage());
        Assert.StartsWith("The result template of end 'q.end' does not fit Shop.Quote", d.GetMessage());
    }

    [Fact]
    public void A_whole_result_must_be_of_the_result_type_and_a_template_belongs_on_an_end_node()
    {
        var whole = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", "flow: f\nresult: \"'done ' + sta.price\"\nsteps:\n  - { id: p, task-component: till, task-service: price }\n"));
        Assert.Empty(whole.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(whole.CompileErrors);

        var wrong = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", "flow: f\nresult: sta.price\nsteps:\n  - { id: p, task-component: till, task-service: price }\n"));
        Assert.Contains("the value is decimal (sta.price)", wrong.Single("FG0415").GetMessage());

        var onTask = Yaml("  - { id: p, task-component: till, task-service: price, set: { res: \"'x'\" } }\n");
        Assert.Contains("a result template belongs on an end node", onTask.Single("FG0414").GetMessage());
    }

    [Fact]
    public void Sets_on_forks_joins_inclusive_gateways_and_subflows_compile_cleanly()
    {
        var text = """
            flow: f
            graph:
              nodes:
                - type: start
                - { id: fork, type: parallel, set: { var.a: "1" } }
                - { id: p1, task-component: till, task-service: price }
                - { id: p2, type: set, set: { var.b: "2" } }
                - { id: join, type: parallel, set: { var.c: "var.a + var.b" } }
                - { id: inc, type: inclusive, set: { var.d: "var.c * 2" } }
                - { id: sub, type: subflow, set: { var.e: "var.d + 1" }, steps: [ { id: inner, type: set, set: { var.f: "var.e + 1" } } ] }
                - { id: e, type: end, set: { var.g: "var.f + 1" } }
              connections:
                - { from: f, to: fork }
                - { from: fork, to: p1 }
                - { from: fork, to: p2 }
                - { from: p1, to: join }
                - { from: p2, to: join }
                - { from: join, to: inc }
                - { from: inc, to: sub, when: "var.d > 1" }
                - { from: inc, to: e, default: true }
                - { from: sub, to: e }
            """;

        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", text));

        Assert.Empty(run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompileErrors);
        var code = run.Source("Shop.F.g.cs")!;
        var sets = System.Text.RegularExpressions.Regex.Matches(code, @"private static bool (Set_\w+)\(State state\)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["Set_fork", "Set_p2", "Set_join_", "Set_inc", "Set_sub", "Set_e", "Set_sub_inner"], sets);
    }

    [Fact]
    public void A_set_that_reads_itself_takes_its_defaults_type_and_without_a_default_is_FG0414()
    {
        var counter = Yaml("  - { id: c, type: set, set: { var.count: \"coalesce(var.count, 0) + 1\", var.label: \"'n' + str(var.count)\" } }\n");
        var bare = Yaml("  - { id: c, type: set, set: { var.count: \"var.count + 1\" } }\n");

        Assert.Empty(counter.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(counter.CompileErrors);
        Assert.Contains("(state.Var_count_written ? state.Var_count : (int?)null)", counter.Source("Shop.F.g.cs")!, StringComparison.Ordinal);
        Assert.Contains("the value reads var.count itself, which nothing writes before this set", bare.Single("FG0414").GetMessage(), StringComparison.Ordinal);
    }
}
