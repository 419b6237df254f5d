using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// Abilities (Kstry's @Invoke abilities): checked at build time against the task's plain method.
public sealed class AbilityDiagnosticTests
{
    private static GeneratorHarness.Run Check(string methods) => GeneratorHarness.RunGenerator($$"""
        using FlowGen;
        using System.Threading.Tasks;
        namespace Demo;
        public sealed record Req(string Url);
        [FlowComponent("images")]
        public sealed class Images
        {
            {{methods}}
        }
        [Flow("f")]
        public sealed partial class DemoFlow : IFlow<Req, string>
        {
            [FlowDefinition]
            private static void Define(FlowBuilder<Req> flow) => flow.Task("images", "check");
        }
        """);

    [Fact]
    public void An_ability_with_another_return_is_FG0305_naming_it()
    {
        var run = Check("""
            [FlowTask("check"), ToResult] public string Check(Req r) => "";
            [FlowTask("check", Ability = "fast"), ToResult] public Task<string> CheckFast(Req r) => Task.FromResult("");
            """);
        var d = Assert.Single(run.WithId("FG0305"));

        Assert.Contains("Images.CheckFast", d.GetMessage());
        Assert.Contains("ability 'fast'", d.GetMessage());
    }

    [Fact]
    public void A_task_with_only_abilities_is_FG0302()
    {
        var run = Check("""[FlowTask("check", Ability = "fast"), ToResult] public string CheckFast(Req r) => "";""");
        var d = Assert.Single(run.WithId("FG0302"));

        Assert.Contains("without an Ability", d.GetMessage());
    }

    [Fact]
    public void Abilities_compile_into_a_choice_by_permission()
    {
        var run = Check("""
            [FlowTask("check"), ToResult] public string Check(Req r) => "";
            [FlowTask("check", Ability = "triple"), ToResult] public string CheckThree(Req r) => "";
            """);

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Contains("(state.ChooseAbility(\"r:check@triple\", \"pr:images@check@triple\") switch { 0 => _images.CheckThree(state.Request), _ => _images.Check(state.Request) })",
            run.Source("Demo.DemoFlow.g.cs"));
    }

    [Fact]
    public void A_fallback_naming_an_ability_the_task_lacks_is_FG0306_saying_so()
    {
        var run = GeneratorHarness.RunGenerator("""
            using FlowGen;
            namespace Demo;
            public sealed record Req(string Url);
            [FlowComponent("images")]
            public sealed class Images
            {
                [FlowTask("check"), ToResult] public string Check(Req r) => "";
                [FlowTask("check", Ability = "fast"), ToResult] public string CheckFast(Req r) => "";
            }
            [Flow("f")] public sealed partial class DemoFlow : IFlow<Req, string>;
            """, new InMemoryText("/flows/f.flow.yaml", """
            flow: f
            steps:
              - { id: Check, task-component: images, task-service: check, task-demotion: "pr:images@check@slow" }
            """));
        var d = Assert.Single(run.WithId("FG0306"));

        Assert.Contains("[FlowTask(\"check\")] has no method with Ability = \"slow\" in component 'images'", d.GetMessage());
        Assert.Equal(3, GeneratorHarness.Position(d).Line);
    }
}
