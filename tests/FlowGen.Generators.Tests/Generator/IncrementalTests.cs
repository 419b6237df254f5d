using System.Reflection;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// The pipeline caches: unrelated edits re-run nothing, a flow-file edit re-runs only that file's flows.
public sealed class IncrementalTests
{
    private const string TwoFlows = Components + """

        namespace Demo
        {
            [FlowGen.Flow("g")]
            public sealed partial class OtherFlow : FlowGen.IFlow<Req, Res>;
        }
        """;

    private static string FlowFile(string id, string service = "begin") => Process(string.Join("\n",
        $"""<startEvent id="{id}" />""", Task("t1", "calc", service), Task("t2", "calc", "end"), """<endEvent id="e" />""",
        Flow("a", id, "t1"), Flow("b", "t1", "t2"), Flow("c", "t2", "e")));

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(params AdditionalText[] files)
    {
        var compilation = GeneratorHarness.Compilation(TwoFlows);
        var driver = GeneratorHarness.Driver(files).RunGenerators(compilation);
        return (driver, compilation);
    }

    private static IEnumerable<(string Step, IncrementalStepRunReason Reason)> Outputs(GeneratorDriver driver, string step)
        => driver.GetRunResult().Results.Single().TrackedSteps.TryGetValue(step, out var runs)
            ? runs.SelectMany(r => r.Outputs).Select(o => (step, o.Reason))
            : [];

    [Fact]
    public void Editing_unrelated_CSharp_leaves_every_step_cached()
    {
        var (driver, compilation) = FirstRun(new InMemoryText("/f/one.bpmn", FlowFile("f")), new InMemoryText("/f/two.bpmn", FlowFile("g")));
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Demo { public sealed class Unrelated { public int X => 1; } }", new CSharpParseOptions(LanguageVersion.Latest)));

        driver = driver.RunGenerators(edited);

        var steps = typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();
        Assert.Contains(TrackingNames.BoundFlows, steps);
        var reasons = steps.SelectMany(s => Outputs(driver, s)).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(r.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{r.Step}: {r.Reason}"));
    }

    [Fact]
    public void Editing_one_flow_file_reruns_only_that_files_flow()
    {
        var one = new InMemoryText("/f/one.bpmn", FlowFile("f"));
        var two = new InMemoryText("/f/two.bpmn", FlowFile("g"));
        var (driver, compilation) = FirstRun(one, two);

        driver = driver.ReplaceAdditionalText(two, new InMemoryText("/f/two.bpmn", FlowFile("g", service: "noop")));
        driver = driver.RunGenerators(compilation);

        var bound = Outputs(driver, TrackingNames.BoundFlows).Select(o => o.Reason).ToList();
        Assert.Equal(2, bound.Count);
        Assert.Contains(IncrementalStepRunReason.Cached, bound);   // flow f, from the untouched file
        Assert.Contains(IncrementalStepRunReason.Modified, bound); // flow g, from the edited file
        var files = Outputs(driver, TrackingNames.FlowFiles).Select(o => o.Reason).ToList();
        Assert.Equal(1, files.Count(r => r == IncrementalStepRunReason.Cached));
        Assert.Equal(1, files.Count(r => r == IncrementalStepRunReason.Modified));
    }

    [Fact]
    public void Pipeline_models_hold_no_symbols_syntax_or_compilations()
    {
        // As the System.Text.Json generator does: walk every model type and reject Roslyn objects inside.
        var forbidden = new[] { typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(Location), typeof(Diagnostic), typeof(SemanticModel) };
        var assembly = typeof(FlowGenerator).Assembly;
        var models = assembly.GetTypes().Where(t => t.Namespace is "FlowGen.Generators.Model" or "FlowGen.Generators.Binding" or "FlowGen.Generators.Expressions"
            && t.GetMethod("<Clone>$") is not null).ToList(); // records
        Assert.Contains(typeof(FlowDefinition), models);
        foreach (var model in models)
        {
            foreach (var field in model.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                var type = field.FieldType;
                var element = type.IsGenericType ? type.GetGenericArguments() : [type];
                foreach (var t in element.Append(type))
                {
                    Assert.False(forbidden.Any(f => f.IsAssignableFrom(t)), $"{model.Name}.{field.Name} holds {t.Name}");
                    Assert.False(t.IsArray, $"{model.Name}.{field.Name} is an array (not equatable): use EquatableArray");
                    Assert.False(t.IsGenericType && t.GetGenericTypeDefinition() == typeof(System.Collections.Immutable.ImmutableArray<>), $"{model.Name}.{field.Name} is an ImmutableArray (not equatable)");
                }
            }
        }
    }
}
