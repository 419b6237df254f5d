using System.Collections.Immutable;
using FlowGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using static FlowGen.Generators.Tests.Generator.GeneratorHarness;

namespace FlowGen.Generators.Tests.Generator;

// Fluent C# flows: read from the [FlowDefinition] method by the generator (never run); what cannot be read
// statically is FG0710-FG0713 at the code that causes it.
public sealed class FluentTests
{
    private const string Types = """
        using FlowGen;
        namespace Demo;
        public sealed record Req(int Count, string Source);
        public sealed record Res(int Total);
        [FlowComponent("calc")]
        public sealed class Calc
        {
            [FlowTask("begin"), ToState("total")] public int Begin(Req request) => request.Count;
            [FlowTask("end"), ToResult] public Res End([FromState("total")] int total) => new(total);
            [FlowTask("noop")] public void Noop() { }
            [FlowTask("wait")] public void Wait(System.Threading.CancellationToken cancellationToken) { }
            public void NotATask() { }
        }
        public static class Limits { public const int Big = 100; }
        """;

    private static string Flow(string body) => Types + $$"""

        [Flow("f")]
        public sealed partial class DemoFlow : IFlow<Req, Res>
        {
            [FlowDefinition]
            private static void Define(FlowBuilder<Req> flow) => {{body}};
        }
        """;

    /// <summary>The C#-side diagnostics (FG07xx) of the generator and of the analyzer over what it generated.</summary>
    private static async Task<ImmutableArray<Diagnostic>> Analyze(string csharp)
    {
        var run = GeneratorHarness.RunGenerator(csharp);
        var analyzer = await run.Output.WithAnalyzers([new FlowClassAnalyzer()], new AnalyzerOptions([])).GetAnalyzerDiagnosticsAsync();
        return run.Diagnostics.Where(d => d.Id.StartsWith("FG07", StringComparison.Ordinal)).Concat(analyzer).ToImmutableArray();
    }

    private const string Valid = """
        flow
                .Task<Calc>(c => c.Begin)
                .If(bus => bus.State<int>("total") > Limits.Big && bus.Request.Source == "app",
                    then: b => b.Task<Calc>(c => c.Wait).Timeout(200).Retry(2, 10),
                    otherwise: b => b.Parallel(p => p.Task("calc", "noop", id: "n1"), p => p.Task("calc", "noop", id: "n2")))
                .Task<Calc>(c => c.End, name: "Finish")
        """;

    [Fact]
    public async Task A_readable_definition_compiles_and_has_no_analyzer_diagnostics()
    {
        var source = Flow(Valid);

        Assert.Empty(await Analyze(source));
        var run = GeneratorHarness.RunGenerator(source);
        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        var code = run.Source("Demo.DemoFlow.g.cs")!;
        Assert.Contains("if (state.Sta_total > 100 && state.Request.Source == \"app\") chosen = 0;", code);
        Assert.Contains("FlowPolicies.Create(200, 2, 10", code);
    }

    [Fact]
    public async Task A_non_constant_id_is_FG0711_at_the_argument()
    {
        var source = Flow("""flow.Task<Calc>(c => c.Begin, id: System.Guid.NewGuid().ToString()).Task<Calc>(c => c.End)""");
        var d = Assert.Single(await Analyze(source));

        Assert.Equal("FG0711", d.Id);
        Assert.Equal(Find(source, "System.Guid"), Position(d));
        Assert.True(GeneratorHarness.RunGenerator(source).NotGenerated("Demo.DemoFlow.g.cs")); // not compiled
    }

    [Fact]
    public async Task A_method_call_in_a_condition_is_FG0712_at_the_call()
    {
        var source = Flow("""flow.Task<Calc>(c => c.Begin).If(bus => bus.Request.Source.Substring(1) == "a", b => b.Task<Calc>(c => c.Noop)).Task<Calc>(c => c.End)""");
        var d = Assert.Single(await Analyze(source));

        Assert.Equal("FG0712", d.Id);
        Assert.Equal(Find(source, "bus.Request.Source.Substring"), Position(d));
        Assert.Contains("method call that no function of the expression language stands for", d.GetMessage());
    }

    [Fact]
    public async Task Methods_that_a_function_stands_for_are_translated_to_it()
    {
        var source = Flow("""flow.Task<Calc>(c => c.Begin).If(bus => bus.Request.Source.StartsWith("a") && string.IsNullOrEmpty(bus.Request.Source.ToLower()) == false && bus.Request.Source.ToString() != "b", b => b.Task<Calc>(c => c.Noop)).Task<Calc>(c => c.End)""");

        Assert.Empty(await Analyze(source));
        var run = GeneratorHarness.RunGenerator(source);
        Assert.Empty(run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompileErrors);
        var generated = run.Output.SyntaxTrees.Select(t => t.ToString()).Single(t => t.Contains("FlowFunctions.StartsWith", StringComparison.Ordinal));
        Assert.Contains("global::FlowGen.FlowFunctions.IsEmpty(global::FlowGen.FlowFunctions.Lower(state.Request.Source))", generated);
    }

    [Fact]
    public async Task A_method_without_FlowTask_is_FG0713()
    {
        var source = Flow("""flow.Task<Calc>(c => c.Begin).Task<Calc>(c => c.NotATask).Task<Calc>(c => c.End)""");
        var d = Assert.Single(await Analyze(source));

        Assert.Equal("FG0713", d.Id);
        Assert.Contains("NotATask has no [FlowTask", d.GetMessage());
    }

    [Fact]
    public void A_method_group_that_does_not_bind_keeps_the_compilers_error_and_FG0710_points_at_it()
    {
        // A typo (c => c.Ende): CS1061 names the missing member and stays visible; FG0710 says the definition does not
        // compile, at the same place, rather than that the call is not the builder's; no CS0535 (the class gets a body).
        var source = Flow("""flow.Task<Calc>(c => c.Begin).Task<Calc>(c => c.Ende)""");
        var run = GeneratorHarness.RunGenerator(source);

        var fg = run.Single("FG0710");
        Assert.Contains("does not compile (CS1061", fg.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(Find(source, "Ende"), Position(fg));
        var error = Assert.Single(run.Output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("CS1061", error.Id);
        Assert.Contains("Ende", error.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_with_statements_is_FG0710()
    {
        var source = Types + """

            [Flow("f")]
            public sealed partial class DemoFlow : IFlow<Req, Res>
            {
                [FlowDefinition]
                private static void Define(FlowBuilder<Req> flow)
                {
                    for (var i = 0; i < 3; i++) flow.Task<Calc>(c => c.Noop);
                    flow.Task<Calc>(c => c.End);
                }
            }
            """;
        var d = Assert.Single(await Analyze(source));

        Assert.Equal("FG0710", d.Id);
        Assert.Equal(Find(source, "Define"), Position(d));
    }

    [Fact]
    public async Task A_setting_after_a_gateway_is_FG0710_at_that_call()
    {
        var source = Flow("""flow.Task<Calc>(c => c.Begin).Parallel(b => b.Task<Calc>(c => c.Noop)).Timeout(100).Task<Calc>(c => c.End)""");
        var d = Assert.Single(await Analyze(source));

        Assert.Equal("FG0710", d.Id);
        Assert.Equal(Find(source, "Timeout(100)"), Position(d));
        Assert.Contains("'Timeout'", d.GetMessage());
    }

    [Fact]
    public void A_condition_over_an_unknown_bus_value_is_FG0502_on_the_CSharp_line()
    {
        var source = Flow("""flow.Task<Calc>(c => c.Begin).If(bus => bus.State<int>("nope") > 1, b => b.Task<Calc>(c => c.Noop)).Task<Calc>(c => c.End)""");
        var run = GeneratorHarness.RunGenerator(source);
        var d = Assert.Single(run.WithId("FG0502"));

        Assert.Equal(Find(source, "bus.State<int>(\"nope\")"), Position(d));
        Assert.True(run.NotGenerated("Demo.DemoFlow.g.cs"));
    }

    [Fact]
    public void A_conditional_operator_in_a_fluent_condition_is_read_as_the_condition_languages()
    {
        var source = Flow("""flow.Task<Calc>(c => c.Begin).If(bus => (bus.Request.Source == "app" ? bus.State<int>("total") : 0) > Limits.Big, b => b.Task<Calc>(c => c.Noop)).Task<Calc>(c => c.End)""");
        var run = GeneratorHarness.RunGenerator(source);

        Assert.DoesNotContain(run.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains("(state.Request.Source == \"app\" ? state.Sta_total : 0) > 100", run.Source("Demo.DemoFlow.g.cs"));
    }

    [Fact]
    public void A_task_the_bus_cannot_feed_is_FG0401_at_its_call()
    {
        var source = Flow("""flow.Task<Calc>(c => c.End)""");
        var d = Assert.Single(GeneratorHarness.RunGenerator(source).WithId("FG0401"));

        Assert.Equal(Find(source, "flow.Task<Calc>(c => c.End)").Item1, Position(d).Item1);
    }

    [Fact]
    public void A_fluent_flow_and_a_flow_file_with_one_id_are_FG0102()
    {
        var file = Bpmn.Process(string.Join("\n", """<startEvent id="f" />""", Bpmn.Task("t1", "calc", "noop"), """<endEvent id="e" />""", Bpmn.Flow("a", "f", "t1"), Bpmn.Flow("b", "t1", "e")));
        var run = GeneratorHarness.RunGenerator(Flow(Valid), new InMemoryText("/flows/f.bpmn", file));

        Assert.NotEmpty(run.WithId("FG0102"));
    }

    [Fact]
    public void Editing_unrelated_CSharp_leaves_the_fluent_flow_cached()
    {
        var compilation = GeneratorHarness.Compilation(Flow(Valid));
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Demo { public sealed class Unrelated { } }", new CSharpParseOptions(LanguageVersion.Latest))));

        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        var reasons = new[] { TrackingNames.FluentFlows, TrackingNames.BoundFluentFlows }
            .SelectMany(s => steps[s]).SelectMany(r => r.Outputs).Select(o => o.Reason).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void Renaming_a_task_in_another_file_rereads_the_definition()
    {
        // The definition names tasks by method group; their [FlowTask] names live in the component's file.
        const string definition = """
            using FlowGen;
            namespace Demo;
            [Flow("f")]
            public sealed partial class DemoFlow : IFlow<Req, Res>
            {
                [FlowDefinition]
                private static void Define(FlowBuilder<Req> flow) => flow.Task<Calc>(c => c.Begin).Task<Calc>(c => c.End);
            }
            """;
        var types = Types;
        var compilation = GeneratorHarness.Compilation(types, definition);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var renamed = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.First(),
            CSharpSyntaxTree.ParseText(types.Replace("[FlowTask(\"begin\")", "[FlowTask(\"start\")"), new CSharpParseOptions(LanguageVersion.Latest), path: "Source0.cs"));

        driver = driver.RunGenerators(renamed);

        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        Assert.Contains(steps[TrackingNames.FluentFlows].SelectMany(r => r.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        var source = driver.GetRunResult().GeneratedTrees.Single(t => t.FilePath.EndsWith("Demo.DemoFlow.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains("\"start\"", source);
    }

    [Fact]
    public async Task A_second_definition_in_one_class_is_FG0710_and_does_not_break_the_build()
    {
        var source = Flow(Valid).Replace(
            "    [FlowDefinition]\n",
            "    [FlowDefinition]\n    private static void First(FlowBuilder<Req> flow) => flow.Task<Calc>(c => c.Noop);\n\n    [FlowDefinition]\n");
        var d = Assert.Single(await Analyze(source));

        Assert.Equal("FG0710", d.Id);
        Assert.Contains("second definition", d.GetMessage());
        Assert.Equal(Find(source, "Define("), Position(d));
    }

    [Fact]
    public void An_explicit_id_used_twice_is_FG0102_and_is_never_renamed()
    {
        var source = Flow("""flow.Task<Calc>(c => c.Begin, id: "x").Task<Calc>(c => c.Noop, id: "x").Task<Calc>(c => c.End)""");
        var d = Assert.Single(GeneratorHarness.RunGenerator(source).WithId("FG0102"));

        Assert.Equal(Find(source, "Task<Calc>(c => c.Noop"), Position(d));
    }

    [Fact]
    public void An_empty_else_branch_and_a_fail_inside_a_parallel_branch_compile()
    {
        var source = Flow("""
            flow
                    .Task<Calc>(c => c.Begin)
                    .Parallel(
                        a => a.If(bus => bus.Request.Count < 0, then: b => b.Fail("NEGATIVE"), otherwise: b => { }),
                        a => a.Task<Calc>(c => c.Noop))
                    .Task<Calc>(c => c.End)
            """);
        var run = GeneratorHarness.RunGenerator(source);

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public async Task A_setting_after_Fail_is_FG0710()
    {
        var source = Flow("""flow.Task<Calc>(c => c.Begin).Fail("X").Timeout(10)""");
        var d = Assert.Single(await Analyze(source));

        Assert.Equal("FG0710", d.Id);
        Assert.Equal(Find(source, "Timeout(10)"), Position(d));
    }
}
