using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// Kstry's task-params and task-property, and its c-* instructs: bound, converted and checked at build time.
public sealed class TaskParamsTests
{
    private const string Components = """
        using FlowGen;
        namespace Demo;
        public sealed record Req(int Id, string Name);
        [FlowComponent("calc")]
        public sealed class Calc
        {
            [FlowTask("begin"), ToState("total")] public int Begin(Req request) => request.Id;
            [FlowTask("add"), ToResult] public decimal Add(int a, decimal b, string label, bool strict, long? reqId, int total) => a + b;
            [FlowTask("scale"), ToResult] public decimal Scale([FromTaskProperty] int factor, [FromTaskProperty] string? unit) => factor;
            [FlowTask("free"), ToResult] public decimal Free([FromTaskProperty] string? unit) => 0;
        }
        [Flow("f")] public sealed partial class DemoFlow : IFlow<Req, decimal>;
        """;

    private static GeneratorHarness.Run Check(string step, string first = "{ id: Begin, task-component: calc, task-service: begin }")
        => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", $"""
            flow: f
            steps:
              - {first}
              - {step}
            """));

    [Fact]
    public void Constants_and_bus_paths_fill_the_parameters_with_their_types()
    {
        var run = Check("""{ id: Add, task-component: calc, task-service: add, task-params: '{"a": 11, "b": "3.24", "label": "total", "strict": true, "reqId": "@req.id", "total": "@sta.total"}' }""");

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("_calc.Add(11, 3.24m, \"total\", true, state.Request.Id, state.Sta_total)", run.Source("Demo.DemoFlow.g.cs"));
    }

    [Theory]
    [InlineData("""{"a": "eleven"}""", "the value of 'a' is 'eleven', which is not a int")]
    [InlineData("""{"a": 1.5}""", "the value of 'a' is '1.5', which is not a int")]
    [InlineData("""{"strict": "yes"}""", "the value of 'strict' is 'yes', not true or false, for a bool parameter")]
    [InlineData("""{"a": {"x": 1}}""", "the value of 'a' is a mapping; FlowGen takes a constant or a bus path")]
    [InlineData("""{"a[t:basic_converter]": 1}""", "the key 'a[t:basic_converter]' names a Kstry type converter")]
    [InlineData("""{"a": "@$.var.list[0]"}""", "a JSONPath such as @$.var.x[0] is not supported")]
    [InlineData("""[1, 2]""", "it is not a JSON object")]
    [InlineData("""{"a": 1""", "it is not valid JSON")]
    public void A_value_that_cannot_fill_its_parameter_is_an_FG0602_error_at_the_setting(string json, string message)
    {
        var run = Check($$"""{ id: Add, task-component: calc, task-service: add, task-params: '{{json}}' }""");

        var d = Assert.Single(run.WithId("FG0602"), x => x.GetMessage().Contains(message, StringComparison.Ordinal));
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(4, GeneratorHarness.Position(d).Line);
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void A_key_no_parameter_has_is_a_warning_naming_the_parameters()
    {
        var run = Check("""{ id: Add, task-component: calc, task-service: add, task-params: '{"c": 1}' }""");

        var d = Assert.Single(run.WithId("FG0602"));
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("the task has no parameter named 'c' (its parameters: a, b, label, reqId, strict, total)", d.GetMessage());
    }

    [Fact]
    public void A_bus_path_nothing_writes_is_FG0401_as_for_any_bus_read()
    {
        var run = Check("""{ id: Add, task-component: calc, task-service: add, task-params: '{"a": 1, "b": 2, "label": "x", "strict": false, "reqId": null, "total": "@sta.missing"}' }""");

        Assert.Contains("sta.missing", Assert.Single(run.WithId("FG0401")).GetMessage());
    }

    [Fact]
    public void A_task_property_is_converted_to_the_parameter_type()
    {
        var run = Check("{ id: Scale, task-component: calc, task-service: scale, task-property: '4' }");

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Contains("_calc.Scale(4, \"4\")", run.Source("Demo.DemoFlow.g.cs"));
    }

    [Fact]
    public void A_task_property_that_does_not_fit_is_FG0602_and_a_missing_one_FG0401_unless_nullable()
    {
        var bad = Check("{ id: Scale, task-component: calc, task-service: scale, task-property: four }");
        var missing = Check("{ id: Scale, task-component: calc, task-service: scale }");
        var optional = Check("{ id: Free, task-component: calc, task-service: free }");

        Assert.Contains("the task-property for parameter 'factor' of Calc.Scale is 'four', which is not a int", Assert.Single(bad.WithId("FG0602")).GetMessage());
        Assert.Contains("the node has no task-property setting", Assert.Single(missing.WithId("FG0401")).GetMessage());
        Assert.True(optional.Diagnostics.IsEmpty, string.Join("\n", optional.Diagnostics));
        Assert.Contains("_calc.Free(null)", optional.Source("Demo.DemoFlow.g.cs"));
    }

    [Fact]
    public void A_Kstry_instruct_is_FG0605_saying_what_it_would_have_done()
    {
        var run = Check("""{ id: Scale, task-component: calc, task-service: scale, task-property: '4', c-jscript: 'var x = 1;', c-log: on }""");

        var all = run.WithId("FG0605").ToList();
        Assert.Equal(2, all.Count);
        Assert.Contains("has the Kstry instruct 'c-jscript' (a JavaScript run before the task; FlowGen calls [FlowTask] C# methods), which FlowGen does not run", all[0].GetMessage());
        Assert.Contains("has the Kstry instruct 'c-log', which FlowGen does not run", all[1].GetMessage());
        Assert.Empty(run.WithId("FG0601"));
    }
}
