using Microsoft.CodeAnalysis;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// HTTP tasks are checked at build time like method tasks: their settings (FG0602) and every placeholder's bus value
// (FG0401, FG0402 through the bus checks), at the line of the flow file.
public sealed class HttpTaskDiagnosticTests
{
    private static GeneratorHarness.Run Check(string step) => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", $$"""
        flow: f
        steps:
          - { id: t1, task-component: calc, task-service: begin }
          - {{step}}
          - { id: t2, task-component: calc, task-service: end }
        """));

    [Fact]
    public void A_valid_http_task_compiles_with_its_request_built_once()
    {
        var run = Check("""{ id: call, http-method: post, http-url: "https://api.example/{sta.total}?src={req.source}", http-body: '{"n": {sta.total}}', http-output: reply }""");

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        var code = run.Source("Demo.DemoFlow.g.cs")!;
        Assert.Contains("private static readonly global::FlowGen.FlowHttpSpec s_http_call = new global::FlowGen.FlowHttpSpec(\"POST\"", code);
        Assert.Contains("SendAsync(s_http_call, state.CancellationToken, state.Sta_total, state.Request.Source, state.Sta_total)", code);
        Assert.Contains("public global::System.Text.Json.JsonElement Sta_reply;", code);
    }

    [Theory]
    [InlineData("http-method: FETCH", "http-method")]
    [InlineData("http-success: ok", "http-success")]
    [InlineData("http-headers: Broken", "http-headers")]
    [InlineData("http-check: code > 0", "http-check")]
    [InlineData("http-max-response: lots", "http-max-response")]
    [InlineData("http-max-response: 0", "http-max-response")]
    [InlineData("http-max-response: 2GB", "http-max-response")]
    [InlineData("http-max-response: 1.5", "http-max-response")]
    public void A_bad_http_setting_is_an_FG0602_error(string setting, string name)
    {
        var run = Check($$"""{ id: call, http-url: "https://api.example/x", {{setting}} }""");
        var d = Assert.Single(run.WithId("FG0602"));

        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains(name, d.GetMessage());
        Assert.Equal(4, d.Location.GetLineSpan().StartLinePosition.Line + 1);
    }

    [Fact]
    public void The_answer_size_limit_and_whether_the_answer_is_used_reach_the_request()
    {
        var limited = Check("""{ id: call, http-url: "https://api.example/x", http-max-response: 64KB, http-output: reply }""");
        Assert.True(limited.Diagnostics.IsEmpty, string.Join("\n", limited.Diagnostics));
        Assert.Empty(limited.CompileErrors);
        Assert.Contains(", null, null, null, maxResponseBytes: 65536L, expectsValue: true);", limited.Source("Demo.DemoFlow.g.cs")!);

        // No limit of its own (the application's applies) and no output: an empty answer is fine for it.
        var plain = Check("""{ id: call, http-method: POST, http-url: "https://api.example/x" }""");
        Assert.Empty(plain.CompileErrors);
        Assert.Contains("s_http_call = new global::FlowGen.FlowHttpSpec(\"POST\", new(new[] { \"https://api.example/x\" }, new int[] {  }), null, null, null, null, null);", plain.Source("Demo.DemoFlow.g.cs")!);

        // The output setting uses the answer too.
        Assert.Contains("expectsValue: true", Check("""{ id: call, http-url: "https://api.example/x", output: reply }""").Source("Demo.DemoFlow.g.cs")!);
    }

    [Theory]
    [InlineData("65536", 65536L)]
    [InlineData("64KB", 65536L)]
    [InlineData(" 64 kib ", 65536L)]
    [InlineData("1.5MB", 1572864L)]
    [InlineData("1GB", 1073741824L)]
    [InlineData("2b", 2L)]
    [InlineData("0.5KB", 512L)]
    [InlineData("0", null)]
    [InlineData("1.5", null)]
    [InlineData("1025MB", null)]
    [InlineData("1TB", null)]
    [InlineData("-1", null)]
    [InlineData("MB", null)]
    [InlineData("", null)]
    public void Sizes_are_bytes_or_a_number_with_a_1024_based_unit(string text, long? bytes)
        => Assert.Equal(bytes, FlowGen.Generators.Checks.SettingsChecks.TryByteSize(text, out var parsed) ? parsed : null);

    [Fact]
    public void A_placeholder_no_task_writes_is_FG0401()
    {
        var d = Assert.Single(Check("""{ id: call, http-url: "https://api.example/{sta.nope}" }""").WithId("FG0401"));

        Assert.Contains("{sta.nope}", d.GetMessage());
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(4, d.Location.GetLineSpan().StartLinePosition.Line + 1);
    }

    private static GeneratorHarness.Run WithCondition(string condition) => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/f.flow.yaml", $$"""
        flow: f
        steps:
          - { id: t1, task-component: calc, task-service: begin }
          - { id: call, http-url: "https://api.example/x", http-output: reply }
          - { id: t2, task-component: calc, task-service: end, when: "{{condition}}" }
        """));

    [Theory]
    [InlineData("sta.reply.count > 2", "global::FlowGen.FlowFunctions.JsonNumber(global::FlowGen.FlowFunctions.JsonPath(state.Sta_reply, \"count\")) > 2")]
    [InlineData("sta.reply.user.name == 'ada'", "global::FlowGen.FlowFunctions.JsonString(global::FlowGen.FlowFunctions.JsonPath(state.Sta_reply, \"user\", \"name\")) == \"ada\"")]
    [InlineData("sta.reply.ok != true", "global::FlowGen.FlowFunctions.JsonBool(global::FlowGen.FlowFunctions.JsonPath(state.Sta_reply, \"ok\")) != true")]
    [InlineData("sta.reply.error == null", "global::FlowGen.FlowFunctions.JsonText(global::FlowGen.FlowFunctions.JsonPath(state.Sta_reply, \"error\")) == null")]
    public void A_condition_reads_a_json_answer_as_the_type_it_is_compared_with(string condition, string code)
    {
        var run = WithCondition(condition);

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        Assert.Contains(code, run.Source("Demo.DemoFlow.g.cs")!);
    }

    [Fact]
    public void A_json_value_that_may_be_null_reads_as_an_undefined_value()
    {
        var run = GeneratorHarness.RunGenerator(Components + """

            [FlowGen.FlowComponent("docs")]
            public sealed class Docs
            {
                [FlowGen.FlowTask("maybe"), FlowGen.ToState("doc")] public System.Text.Json.JsonElement? Maybe() => null;
            }
            """, new InMemoryText("/flows/f.flow.yaml", """
            flow: f
            steps:
              - { id: t1, task-component: calc, task-service: begin }
              - { id: load, task-component: docs, task-service: maybe }
              - { id: t2, task-component: calc, task-service: end, when: "sta.doc.ok == true" }
            """));

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("global::FlowGen.FlowFunctions.JsonPath((state.Sta_doc).GetValueOrDefault(), \"ok\")", run.Source("Demo.DemoFlow.g.cs")!);
    }

    [Fact]
    public void Ordering_a_json_value_against_text_is_FG0503()
    {
        var d = Assert.Single(WithCondition("sta.reply.name > 'a'").WithId("FG0503"));

        Assert.Contains("strings can only be compared with == and !=", d.GetMessage());
        Assert.Equal(5, d.Location.GetLineSpan().StartLinePosition.Line + 1);
    }
}
