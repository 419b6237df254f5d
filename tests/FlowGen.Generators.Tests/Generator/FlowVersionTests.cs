using System.Text.RegularExpressions;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// The generated FlowVersion changes with what the flow does, and only with that.
public sealed class FlowVersionTests
{
    private const string Flow = """
        flow: f
        steps:
          - { id: t1, task-component: calc, task-service: begin }
          - { id: t2, task-component: calc, task-service: end, when: "sta.total > 10" }
        """;

    private static string Version(string yaml, string path = "/flows/f.flow.yaml")
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText(path, yaml));
        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        var code = run.Source("Demo.DemoFlow.g.cs")!;
        return Regex.Match(code, "public const string FlowVersion = \"([0-9a-f]{16})\";").Groups[1].Value;
    }

    [Fact]
    public void Comments_layout_names_and_the_file_name_do_not_change_the_version()
    {
        var original = Version(Flow);
        var reformatted = Version("""
            # The same flow, written differently.

            flow: f
            steps:
              - id: t1
                name: Load the total
                task-component: calc
                task-service: begin
              - { id: t2,   task-component: calc, task-service: end, when: "sta.total>10" }  # spacing inside the condition too
            """, "/other/place/renamed.flow.yaml");

        Assert.Matches("^[0-9a-f]{16}$", original);
        Assert.Equal(original, reformatted);
    }

    [Theory]
    [InlineData("sta.total > 10", "sta.total > 11")]                                   // a condition
    [InlineData("task-service: begin }", "task-service: begin, retry: 2 }")]          // a setting
    [InlineData("{ id: t2, task-component: calc, task-service: end", "{ id: t3, task-component: calc, task-service: end")] // a node id (where a resume re-enters)
    public void A_change_a_run_could_notice_gives_a_new_version(string before, string after)
    {
        Assert.Contains(before, Flow);
        Assert.NotEqual(Version(Flow), Version(Flow.Replace(before, after)));
    }
}
