using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// ps-go rules (*.psgo.json, docs/dialects/ps-go.md): read unchanged; what FlowGen does not apply is a warning at the
// key, what it cannot read is an error at its place, and a placeholder that reads nothing is a bus error at the task.
public sealed class PsgoDialectTests
{
    private const string Components = """
        using FlowGen;
        namespace Shop;
        public sealed record Req(string Phone);
        [FlowComponent("scripts")]
        public sealed class Scripts { [FlowTask("check"), ToResult] public string Check(string phone) => phone; }
        [Flow("rule")] public sealed partial class R : IFlow<Req, string>;
        """;

    private static GeneratorHarness.Run Run(string text) => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/rule.psgo.json", text));

    [Fact]
    public void A_script_component_is_a_task_of_its_name_with_its_input_as_parameters()
    {
        var run = Run("""
            {
              "request": { "type": "json", "body": { "phone": { "type": "string", "required": true } } },
              "components": [ [ { "name": "check", "type": "script", "url": "rule/api/check.js", "input": { "phone": "{request.body.phone}" } } ] ]
            }
            """);

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("_scripts.Check(state.Request.Phone)", run.Source("Shop.R.g.cs"));
    }

    [Fact]
    public void Keys_flowgen_does_not_apply_are_warnings_at_the_key()
    {
        var text = """
            {
              "suspend": true,
              "components": [ [ { "name": "check", "type": "script", "input": { "phone": "{request.body.phone}" }, "isCache": true } ] ]
            }
            """;
        var run = Run(text);

        var warnings = run.Diagnostics.Where(d => d.Id == "FG0006" && d.Severity == DiagnosticSeverity.Warning).ToList();
        Assert.DoesNotContain(warnings, d => d.GetMessage().Contains("suspend"));
        Assert.Contains(warnings, d => d.GetMessage().Contains("'isCache' of a component is read but not applied"));
        Assert.Empty(run.CompileErrors);
        // suspend: true is on-failure: suspend: a failed run is saved for a later recover (docs/suspend.md).
        Assert.Contains("public async global::System.Threading.Tasks.ValueTask<global::FlowGen.FlowResult<", run.Source("Shop.R.g.cs"));
        Assert.Contains("ResumeSuspendedAsync(string id", run.Source("Shop.R.g.cs"));
    }

    [Fact]
    public void A_placeholder_that_reads_no_output_is_FG0401_and_an_unknown_component_type_is_FG0006()
    {
        var missing = Run("""
            { "components": [ [ { "name": "call", "type": "api", "url": "http://127.0.0.1:9/x/{nowhere.id}" } ] ] }
            """);
        Assert.Contains("var.nowhere", missing.Single("FG0401").GetMessage());

        var wrongType = Run("""
            { "components": [ [ { "name": "call", "type": "lambda" } ] ] }
            """);
        Assert.Contains("A ps-go component is an api or a script", wrongType.Single("FG0006").GetMessage());
    }
}
