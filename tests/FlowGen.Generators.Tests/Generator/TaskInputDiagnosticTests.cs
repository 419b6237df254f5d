using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// A task's inputs (docs/assignments.md#task-inputs): each input names a parameter of the task, a value fits the parameter,
// an object's members fit its constructor and properties (FG0416 at the input), and expressions are checked as conditions.
public sealed class TaskInputDiagnosticTests
{
    private const string Components = """
        using FlowGen;
        namespace Shop;
        public sealed record Req(string Name, int Count);
        public sealed record Parcel(string Id, int Weight) { public bool Express { get; init; } public string Fixed { get; } = ""; }
        [FlowComponent("ship")]
        public sealed class Ship
        {
            [FlowTask("send")] public void Send(Parcel parcel, int priority) { }
        }
        [Flow("f")] public sealed partial class F : IFlow<Req, string>;
        """;

    private static GeneratorHarness.Run Yaml(string input) => GeneratorHarness.RunGenerator(Components,
        new InMemoryText("/flows/f.flow.yaml", "flow: f\nsteps:\n  - id: S\n    task-component: ship\n    task-service: send\n    input:\n" + input));

    [Fact]
    public void Inputs_that_fit_compile_to_the_arguments()
    {
        var run = Yaml("      parcel: { id: \"req.name\", weight: \"req.count\", express: \"true\" }\n      priority: \"1\"\n");

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("new global::Shop.Parcel(Id: state.Request.Name, Weight: state.Request.Count) { Express = true }", run.Source("Shop.F.g.cs")!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("      parcel: { id: \"req.name\" }\n      priority: \"1\"\n", "it does not give 'Weight' (int), which Shop.Parcel's constructor needs")]
    [InlineData("      parcel: { id: \"req.name\", weight: \"req.name\" }\n      priority: \"1\"\n", "parcel.weight is string (req.name), but Shop.Parcel's constructor parameter 'Weight' is int")]
    [InlineData("      parcel: { id: \"req.name\", weight: \"1\", fixed: \"'x'\" }\n      priority: \"1\"\n", "Parcel.Fixed is read-only")]
    [InlineData("      parcel: { id: \"req.name\", weight: \"1\", colour: \"'x'\" }\n      priority: \"1\"\n", "Parcel has no member 'colour'")]
    [InlineData("      parcel: { id: \"req.name\", weight: \"1\" }\n      priority: \"req.name\"\n", "the value is string (req.name), but the parameter is int")]
    [InlineData("      parcel: { id: \"req.name\", weight: \"1\" }\n      priority: \"1\"\n      speed: \"2\"\n", "Ship.Send has no parameter 'speed' (its parameters: parcel, priority)")]
    public void An_input_that_does_not_fit_is_FG0416_naming_the_parameter(string input, string expected)
    {
        var run = Yaml(input);

        var d = run.Single("FG0416");
        Assert.True(d.GetMessage().Contains(expected, StringComparison.Ordinal), d.GetMessage());
        Assert.StartsWith("The input of task 'S' for parameter", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_name_in_an_input_is_reported_at_its_column()
    {
        var text = "      parcel: { id: \"req.nme\", weight: \"1\" }\n      priority: \"1\"\n";

        var run = Yaml(text);

        var d = run.Single("FG0502");
        Assert.Equal(7, GeneratorHarness.Position(d).Line);
        Assert.Contains("the input parcel.id of task 'S'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_input_on_a_node_without_a_task_is_FG0416()
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml",
            "flow: f\nsteps:\n  - { id: S, type: set, set: { var.x: \"1\" }, input: { priority: \"1\" } }\n"));

        Assert.Contains("the node calls no task", run.Single("FG0416").GetMessage(), StringComparison.Ordinal);
    }
}
