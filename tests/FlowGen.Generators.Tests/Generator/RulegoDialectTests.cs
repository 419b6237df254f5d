using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// rulego rule chains (*.rulechain.json, docs/dialects/rulego.md): what cannot be read is reported at its line and column
// in the chain file: a script outside the translatable JavaScript subset (FG0014), a node type FlowGen does not run or a
// relation a node does not have (FG0006), and an expression error inside a script (FG05xx) at its column there.
public sealed class RulegoDialectTests
{
    private const string Components = """
        using FlowGen;
        namespace Shop;
        public sealed record Msg(int Temperature, string Name);
        [FlowComponent("alarms")]
        public sealed class Alarms { [FlowTask("notify")] public void Notify() { } }
        [Flow("c")] public sealed partial class C : IFlow<Msg, string>;
        """;

    private static string Chain(string nodes, string connections) => $$"""
        {
          "ruleChain": { "id": "c", "name": "test", "root": true },
          "metadata": {
            "nodes": [
        {{nodes}}
            ],
            "connections": [
        {{connections}}
            ]
          }
        }
        """;

    private static GeneratorHarness.Run Run(string text) => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/c.rulechain.json", text));

    [Fact]
    public void A_chain_of_filter_and_task_compiles_with_no_diagnostic()
    {
        var run = Run(Chain("""
                  { "id": "s1", "type": "jsFilter", "configuration": { "jsScript": "return msg.temperature > 50;" } },
                  { "id": "s2", "type": "alarms/notify" }
            """, """
                  { "fromId": "s1", "toId": "s2", "type": "True" }
            """));

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("state.Request.Temperature > 50", run.Source("Shop.C.g.cs"));
    }

    [Fact]
    public void A_script_outside_the_subset_is_FG0014_at_its_column_naming_what_to_write()
    {
        var text = Chain("""
                  { "id": "s1", "type": "jsFilter", "configuration": { "jsScript": "return msg.name.startsWith('a');" } },
                  { "id": "s2", "type": "alarms/notify" }
            """, """
                  { "fromId": "s1", "toId": "s2", "type": "True" }
            """);

        var d = Run(text).Single("FG0014");

        Assert.Equal(GeneratorHarness.Find(text, "startsWith"), GeneratorHarness.Position(d));
        Assert.Contains("the method call 'startsWith(...)'", d.GetMessage());
        Assert.Contains("write the condition as a C# [FlowTask]", d.GetMessage());
    }

    [Fact]
    public void A_type_error_inside_a_script_is_reported_at_its_column_in_the_chain_file()
    {
        var text = Chain("""
                  { "id": "s1", "type": "jsFilter", "configuration": { "jsScript": "return msg.temperature > 'hot';" } },
                  { "id": "s2", "type": "alarms/notify" }
            """, """
                  { "fromId": "s1", "toId": "s2", "type": "True" }
            """);

        var d = Run(text).Single("FG0503");

        Assert.Equal(GeneratorHarness.Find(text, "msg.temperature >").Line, GeneratorHarness.Position(d).Line);
        Assert.True(GeneratorHarness.Position(d).Column >= GeneratorHarness.Find(text, "msg.temperature >").Column);
    }

    [Theory]
    [InlineData("jsSwitch", "which FlowGen does not run")]
    [InlineData("for", "Iterate with a FlowGen flow's foreach")]
    public void A_node_type_flowgen_does_not_run_is_FG0006_with_what_to_write(string type, string message)
    {
        var text = Chain($$"""
                  { "id": "s1", "type": "{{type}}", "configuration": { "jsScript": "return ['a'];" } }
            """, "");

        var d = Run(text).Single("FG0006");

        Assert.Contains(message, d.GetMessage());
        Assert.Equal(GeneratorHarness.Find(text, "\"type\": \"" + type).Line, GeneratorHarness.Position(d).Line);
    }

    [Fact]
    public void A_fork_and_a_join_are_parallel_gateways_and_a_joins_timeout_is_a_warning_at_it()
    {
        var text = Chain("""
                  { "id": "f", "type": "fork" },
                  { "id": "a", "type": "alarms/notify" },
                  { "id": "b", "type": "alarms/notify" },
                  { "id": "j", "type": "join", "configuration": { "timeout": 5 } }
            """, """
                  { "fromId": "f", "toId": "a", "type": "Success" },
                  { "fromId": "f", "toId": "b", "type": "Success" },
                  { "fromId": "a", "toId": "j", "type": "Success" },
                  { "fromId": "b", "toId": "j", "type": "Success" }
            """);

        var run = Run(text);

        var d = run.Single("FG0006");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("The timeout of join 'j' is not applied", d.GetMessage());
        Assert.Equal(GeneratorHarness.Find(text, "\"timeout\"").Line, GeneratorHarness.Position(d).Line);
        Assert.Empty(run.CompileErrors);
        Assert.Contains("Arrive_j", run.Source("Shop.C.g.cs"));
    }

    [Fact]
    public void A_relation_a_node_does_not_have_is_FG0006()
    {
        var d = Run(Chain("""
                  { "id": "s1", "type": "alarms/notify" },
                  { "id": "s2", "type": "alarms/notify" }
            """, """
                  { "fromId": "s1", "toId": "s2", "type": "Maybe" }
            """)).Single("FG0006");

        Assert.Contains("Node 's1' (alarms/notify) has no relation 'Maybe'", d.GetMessage());
    }
}
