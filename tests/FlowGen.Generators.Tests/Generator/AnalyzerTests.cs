using System.Collections.Immutable;
using FlowGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// The C#-side rules (FG07xx), run through CompilationWithAnalyzers as the compiler runs them.
public sealed class AnalyzerTests
{
    private static readonly string FlowFile = Process(string.Join("\n",
        """<startEvent id="f" />""", Task("t1", "calc", "noop"), """<endEvent id="e" />""", Flow("a", "f", "t1"), Flow("b", "t1", "e")));

    private static async Task<ImmutableArray<Diagnostic>> Analyze(string csharp)
    {
        var compilation = GeneratorHarness.Compilation(csharp);
        var options = new AnalyzerOptions([new InMemoryText("/flows/demo.bpmn", FlowFile)]);
        var withAnalyzers = compilation.WithAnalyzers([new FlowClassAnalyzer()], options);
        return await withAnalyzers.GetAnalyzerDiagnosticsAsync();
    }

    private const string Types = """
        using FlowGen;
        namespace Demo;
        public sealed record Req(int Count);
        public sealed record Res(int Total);
        [FlowComponent("calc")] public sealed class Calc { [FlowTask("noop")] public void Noop() { } }
        """;

    [Fact]
    public async Task A_correct_flow_class_has_no_diagnostics()
        => Assert.Empty(await Analyze(Types + """[Flow("f")] public sealed partial class DemoFlow : IFlow<Req, Res>;"""));

    [Fact]
    public async Task Flow_class_that_is_not_partial_is_FG0701_from_the_generator_at_the_class_name()
    {
        // Without partial the class lacks RunAsync (CS0535) and the analyzers do not run: the generator reports it.
        const string source = Types + """[Flow("f")] public sealed class DemoFlow : IFlow<Req, Res>;""";
        var run = GeneratorHarness.RunGenerator(source, new InMemoryText("/flows/demo.bpmn", FlowFile));
        var d = run.Single("FG0701");
        Assert.Contains("DemoFlow", d.GetMessage());
        Assert.Equal(GeneratorHarness.Find(source, "DemoFlow"), GeneratorHarness.Position(d));
        Assert.Empty(run.WithId("FG0702"));
        Assert.DoesNotContain(await Analyze(source), a => a.Id == "FG0701");
    }

    [Fact]
    public void Unknown_flow_id_is_FG0702_from_the_generator_listing_the_flows_found_and_look_alike_files()
    {
        // The generator reports it (the analyzer does not run once CS0535 is there): at the attribute, with the ids
        // it knows and the additional files that look like flows but are not named as flow files.
        var run = GeneratorHarness.RunGenerator(Types + """[Flow("nope")] public sealed partial class DemoFlow : IFlow<Req, Res>;""",
            new InMemoryText("/flows/demo.bpmn", FlowFile), new InMemoryText("/flows/order.json", "{}"));
        var d = run.Single("FG0702");
        Assert.Contains("flows found: f", d.GetMessage());
        Assert.Contains("order.json", d.GetMessage());
        Assert.Equal("Source0.cs", d.Location.GetLineSpan().Path);
        Assert.Equal(GeneratorHarness.Find(Types + """[Flow("nope")] public sealed partial class DemoFlow : IFlow<Req, Res>;""", "Flow(\"nope\")"), GeneratorHarness.Position(d));

        // While a flow file cannot be read, its flows are unknown: its own error is the one to fix, not FG0702.
        var unreadable = GeneratorHarness.RunGenerator(Types + """[Flow("nope")] public sealed partial class DemoFlow : IFlow<Req, Res>;""",
            new InMemoryText("/flows/demo.bpmn", "<definitions"));
        unreadable.Single("FG0001");
        Assert.Empty(unreadable.WithId("FG0702"));

        // A known id is not FG0702 (a class with a fluent definition is its own flow: the fluent tests compile such classes with no FG0702).
        Assert.Empty(GeneratorHarness.RunGenerator(Types + """[Flow("f")] public sealed partial class DemoFlow : IFlow<Req, Res>;""", new InMemoryText("/flows/demo.bpmn", FlowFile)).WithId("FG0702"));
    }

    [Fact]
    public async Task Flow_class_without_IFlow_is_FG0703_and_a_nested_one_is_FG0707_from_the_generator()
    {
        const string source = Types + """
            [Flow("f")] public sealed partial class NoInterface;
            public static partial class Outer { [Flow("f")] public sealed partial class Inner : IFlow<Req, Res>; }
            """;
        var run = GeneratorHarness.RunGenerator(source, new InMemoryText("/flows/demo.bpmn", FlowFile));
        Assert.Contains("NoInterface", run.Single("FG0703").GetMessage());
        Assert.Contains("nested", run.Single("FG0707").GetMessage());
        Assert.Contains(await Analyze(source), d => d.Id == "FG0706"); // both claim flow 'f': the analyzer's
    }

    [Fact]
    public async Task Task_outside_a_component_FG0704_duplicate_task_FG0705_and_duplicate_component_FG0708()
    {
        var diagnostics = await Analyze(Types + """
            [Flow("f")] public sealed partial class DemoFlow : IFlow<Req, Res>;
            public sealed class Loose { [FlowTask("x")] public void X() { } }
            [FlowComponent("calc")] public sealed class Twice { [FlowTask("y")] public void A() { } [FlowTask("y")] public void B() { } }
            """);
        Assert.Contains(diagnostics, d => d.Id == "FG0704" && d.GetMessage().Contains("Loose"));
        Assert.Contains(diagnostics, d => d.Id == "FG0705" && d.GetMessage().Contains("'A' and 'B'"));
        Assert.Contains(diagnostics, d => d.Id == "FG0708" && d.GetMessage().Contains("'calc'"));
    }

    [Fact]
    public async Task Task_policy_values_out_of_range_are_FG0709()
    {
        var diagnostics = await Analyze(Types + """
            [Flow("f")] public sealed partial class DemoFlow : IFlow<Req, Res>;
            [FlowComponent("policies")] public sealed class Policies { [FlowTask("quick", Timeout = 3, Retry = -1)] public void Quick() { } }
            """);
        Assert.Contains(diagnostics, d => d.Id == "FG0709" && d.GetMessage().Contains("Timeout = 3"));
        Assert.Contains(diagnostics, d => d.Id == "FG0709" && d.GetMessage().Contains("Retry = -1"));
    }
}
