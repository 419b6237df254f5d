using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// A foreach (docs/iteration.md#a-body-per-item-foreach): the source must be a collection on the bus (FG0406 at the
// setting), item and index must be distinct names (FG0602), a node cannot both foreach and ite-source (FG0602), the body
// reads var.<item> typed as the collection's items (FG0402 when a task takes another type), and every form says it.
public sealed class ForeachDiagnosticTests
{
    private const string Components = """
        using FlowGen;
        using System.Collections.Generic;
        namespace Shop;
        public sealed record Line(string Sku, int Qty);
        public sealed record Req(IReadOnlyList<Line> Lines, int Count);
        [FlowComponent("desk")]
        public sealed class Desk
        {
            [FlowTask("reserve")] public void Reserve([FromVar("line")] Line line, [FromVar("index")] int index) { }
            [FlowTask("number")] public void Number([FromVar("line")] int line) { }
        }
        [Flow("f")] public sealed partial class F : IFlow<Req, string>;
        """;

    private static GeneratorHarness.Run Yaml(string steps) => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", "flow: f\nsteps:\n" + steps));

    [Fact]
    public void A_foreach_body_reads_the_item_and_index_typed_by_the_collection()
    {
        var run = Yaml("""
              - id: Each
                type: foreach
                foreach: req.lines
                item: line
                steps:
                  - { id: R, task-component: desk, task-service: reserve }
            """);

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        var code = run.Source("Shop.F.g.cs")!;
        Assert.Contains("global::FlowGen.FlowIteration.Items<global::Shop.Line>(state.Request.Lines)", code, StringComparison.Ordinal);
        Assert.Contains("state.Var_line = items[index];", code, StringComparison.Ordinal);
        Assert.Contains("state.Var_index = index;", code, StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_that_is_not_a_collection_is_FG0406_at_the_setting()
    {
        var text = """
              - id: Each
                type: foreach
                foreach: req.count
                steps:
                  - { id: R, task-component: desk, task-service: reserve }
            """;

        var run = Yaml(text);

        var d = run.Single("FG0406");
        Assert.Equal(5, GeneratorHarness.Position(d).Line);
        Assert.Contains("it is int, not a collection", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_item_of_another_type_than_the_task_takes_is_FG0402_naming_the_foreach()
    {
        var run = Yaml("""
              - id: Each
                type: foreach
                foreach: req.lines
                item: line
                steps:
                  - { id: N, task-component: desk, task-service: number }
            """);

        var d = run.Single("FG0402");
        Assert.Contains("the foreach of foreach 'Each'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("item: line\n    index: line", "the item is var.line too")]
    [InlineData("item: var.line.sku", "it is not a name")]
    [InlineData("item: line\n    ite-source: req.lines", "the node also has foreach")]
    public void Bad_item_and_index_names_and_a_second_iteration_are_FG0602_errors(string keys, string expected)
    {
        var run = Yaml("  - id: Each\n    type: foreach\n    foreach: req.lines\n    " + keys + "\n    steps:\n      - { id: R, task-component: desk, task-service: reserve }\n");

        var d = run.Single("FG0602");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains(expected, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_foreach_without_its_collection_is_FG0006()
    {
        var run = Yaml("""
              - id: Each
                type: foreach
                steps:
                  - { id: R, task-component: desk, task-service: reserve }
            """);

        Assert.Contains("Foreach 'Each' has no 'foreach'", run.Single("FG0006").GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_multi_instance_subprocess_in_bpmn_is_a_foreach_of_its_element_variable_parallel_unless_sequential()
    {
        string File(string sequential) => Bpmn.Process(string.Join("\n",
            """<startEvent id="f" />""",
            $"""
            <subProcess id="Each">
              <multiInstanceLoopCharacteristics {sequential}c:collection="${"{"}req.lines{"}"}" c:elementVariable="line" />
              <startEvent id="s" />
              {Bpmn.Task("R", "desk", "reserve")}
              <endEvent id="x" />
              {Bpmn.Flow("s1", "s", "R")}
              {Bpmn.Flow("s2", "R", "x")}
            </subProcess>
            """,
            """<endEvent id="e" />""",
            Bpmn.Flow("a", "f", "Each"), Bpmn.Flow("b", "Each", "e")));

        var parallel = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.bpmn", File("")));
        var sequential = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.bpmn", File("isSequential=\"true\" ")));

        foreach (var run in new[] { parallel, sequential })
        {
            Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
            Assert.Empty(run.CompileErrors);
        }
        Assert.Contains("FlowIteration.ForEachAsync(state, (int)Node.Each, items, state.IterationParallelism(8)", parallel.Source("Shop.F.g.cs")!, StringComparison.Ordinal);
        Assert.Contains("state.Each_next", sequential.Source("Shop.F.g.cs")!, StringComparison.Ordinal);
    }
}
