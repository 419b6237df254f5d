using Microsoft.CodeAnalysis;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// One mistake, one diagnostic: a flow with FG errors costs the user no C# errors, one broken flow never hides
// another, and a diagnostic that only follows from another one is not reported (issue 14).
public sealed class CascadeTests
{
    private static GeneratorHarness.Run Check(string body) => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/demo.bpmn", Process(body)));

    [Fact]
    public void Flow_with_an_FG_error_gets_a_stub_body_so_no_CS0535_or_other_CSharp_error()
    {
        var run = Check(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calc", "begin"), """<endEvent id="e" />""", Flow("a", "f", "t1")));

        Assert.NotEmpty(run.Diagnostics.Where(d => d.Id.StartsWith("FG", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompileErrors);
        var stub = run.Source("Demo.DemoFlow.g.cs");
        Assert.NotNull(stub);
        Assert.Contains("<remarks>", stub);
        Assert.Contains("global::FlowGen.FlowErrorCodes.NotGenerated", stub);
    }

    [Theory]
    [InlineData("/flows/f.flow.yaml", "flow: f\nsteps:\n  - { id: T, task-component: calc, task-service: noop, strict-mode: true, strict-mode: false }\n")]
    [InlineData("/flows/f.bpmn", "<definitions><process id=\"p\"><startEvent id=\"f\"></process>")]
    public void Flow_class_whose_file_cannot_be_read_gets_a_stub_body_so_the_file_error_is_the_only_one(string path, string text)
    {
        // Found by the random-flow test (seed 15375): a duplicate key made the file unreadable, and the flow class,
        // whose flow was in that file, got no body: CS0535 beside the FG error.
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText(path, text));

        Assert.NotEmpty(run.Diagnostics.Where(d => d.Id.StartsWith("FG", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().Path == path));
        Assert.Empty(run.CompileErrors);
        Assert.Empty(run.WithId("FG0702")); // not "no flow has this id": the file that may hold it is the one to fix
        Assert.Contains("a flow file that could not be read", run.Source("Demo.DemoFlow.g.cs"));
    }

    [Fact]
    public void Stub_of_a_flow_with_errors_returns_a_failure_and_keeps_the_constructor()
    {
        // A task that binds (so the flow's components are known) and a dead end.
        var run = GeneratorHarness.RunGenerator(Components + """

            public static class Use
            {
                public static global::System.Threading.Tasks.ValueTask<FlowResult<Res>> Go() => new DemoFlow(new Calc()).RunAsync(new Req(1, ""));
            }
            """, new InMemoryText("/flows/demo.bpmn", Process(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calc", "begin"), Task("t2", "calc", "noop"), """<endEvent id="e" />""",
            Flow("a", "f", "t1"), Flow("b", "t1", "e"), Flow("c", "t1", "t2")))));

        Assert.NotEmpty(run.WithId("FG0108").Concat(run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("FG", StringComparison.Ordinal))));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("public DemoFlow(global::Demo.Calc", run.Source("Demo.DemoFlow.g.cs"));

        // Were the FG errors turned down to warnings, the flow still would not run: every run fails, saying why.
        using var stream = new MemoryStream();
        var emitted = run.Output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var context = new System.Runtime.Loader.AssemblyLoadContext("not-generated", isCollectible: true);
        try
        {
            stream.Position = 0;
            var go = context.LoadFromStream(stream).GetType("Demo.Use")!.GetMethod("Go")!;
            var result = go.Invoke(null, null)!; // a ValueTask<FlowResult<Res>> of the loaded assembly's types
            var task = result.GetType().GetMethod("AsTask")!.Invoke(result, null)!;
            var flowResult = task.GetType().GetProperty("Result")!.GetValue(task)!;
            var error = (FlowGen.FlowError)flowResult.GetType().GetProperty("Error")!.GetValue(flowResult)!;
            Assert.Equal(FlowGen.FlowErrorCodes.NotGenerated, error.Code);
            Assert.Equal("f", error.FlowId);
            Assert.Contains("was not generated", error.Message);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void Durable_flow_class_with_errors_gets_a_stub_of_IDurableFlow_too()
    {
        var run = GeneratorHarness.RunGenerator(Components.Replace("public sealed partial class DemoFlow : IFlow<Req, Res>;", "public sealed partial class DemoFlow : IFlow<Req, Res>, FlowGen.Durable.IDurableFlow;"),
            new InMemoryText("/flows/demo.bpmn", Process(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calc", "begin"), """<endEvent id="e" />""", Flow("a", "f", "t1")))));

        Assert.NotEmpty(run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("FG", StringComparison.Ordinal)));
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void Broken_flow_in_the_same_process_does_not_hide_a_good_flow_and_its_loop_is_reported_once()
    {
        // Flow 'f' is fine. Flow 'g' (same process) loops through a parallel gateway and a call activity.
        var csharp = Components + """

            [Flow("g")]
            public sealed partial class OtherFlow : IFlow<Req, Res>;
            """;
        var body = string.Join("\n",
            """<startEvent id="f" />""", Task("t1", "calc", "begin"), Task("t2", "calc", "end"), """<endEvent id="e" />""",
            Flow("a", "f", "t1"), Flow("b", "t1", "t2"), Flow("c", "t2", "e"),
            """<startEvent id="g" />""", """<exclusiveGateway id="x" default="back" />""", """<parallelGateway id="pg" />""",
            Task("g1", "calc", "noop"), """<callActivity id="ca" calledElement="sub" />""", """<parallelGateway id="j" />""", """<endEvent id="ge" />""",
            Flow("g0", "g", "pg"), Flow("gp1", "pg", "g1"), Flow("gp2", "pg", "ca"), Flow("gj1", "g1", "j"), Flow("gj2", "ca", "j"), Flow("gx", "j", "x"),
            Flow("back", "x", "pg"), Flow("out", "x", "ge", "req.count &gt; 1"),
            """<subProcess id="sub">""", """<startEvent id="ss" />""", """<endEvent id="se" />""", Flow("s1", "ss", "se"), "</subProcess>");
        var run = GeneratorHarness.RunGenerator(csharp, new InMemoryText("/flows/demo.bpmn", Process(body)));

        Assert.True(run.WithId("FG0106").Count() == 1, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("public sealed class State", run.Source("Demo.DemoFlow.g.cs"));
        Assert.True(run.NotGenerated("Demo.OtherFlow.g.cs"));
    }

    [Fact]
    public void Unknown_task_does_not_also_raise_FG0401_on_the_readers_of_what_it_would_have_produced()
    {
        // t1 should have been 'begin' (which writes sta.total); 'end' reads sta.total.
        var run = Check(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calc", "begni"), Task("t2", "calc", "end"), """<endEvent id="e" />""",
            Flow("a", "f", "t1"), Flow("b", "t1", "t2"), Flow("c", "t2", "e")));
        Assert.Single(run.WithId("FG0302"));
        Assert.Empty(run.WithId("FG0401"));
        Assert.Empty(run.CompileErrors);

        // The same for an unknown component.
        run = Check(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calk", "begin"), Task("t2", "calc", "end"), """<endEvent id="e" />""",
            Flow("a", "f", "t1"), Flow("b", "t1", "t2"), Flow("c", "t2", "e")));
        Assert.Single(run.WithId("FG0301"));
        Assert.Empty(run.WithId("FG0401"));
    }

    [Fact]
    public void Reader_that_no_unknown_task_runs_before_is_still_FG0401()
    {
        // 'needs-missing' runs before the unknown task, so that task cannot be its missing writer: still reported.
        var run = Check(string.Join("\n", """<startEvent id="f" />""", Task("t2", "calc", "needs-missing"), Task("t1", "calc", "begni"), """<endEvent id="e" />""",
            Flow("a", "f", "t2"), Flow("b", "t2", "t1"), Flow("c", "t1", "e")));
        Assert.Single(run.WithId("FG0302"));
        Assert.Single(run.WithId("FG0401"));
    }
}
