using Microsoft.CodeAnalysis;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// JSON and YAML flow files: their own syntax and shape diagnostics (FG0005-FG0007) at the exact place, and the
// same mistake written in every form (BPMN, JSON graph, YAML graph, steps, actions) giving the same FG id on the
// line that holds the mistake.
public sealed class DocumentDiagnosticTests
{
    private static GeneratorHarness.Run Check(string path, string text) => path.EndsWith(".cs", StringComparison.Ordinal)
        ? GeneratorHarness.RunGenerator(GeneratorHarness.Compilation(Components, text), GeneratorHarness.Driver()) // Source1.cs: the fluent definition
        : GeneratorHarness.RunGenerator(Components, new InMemoryText(path, text));

    private static Diagnostic Single(GeneratorHarness.Run run, string id) => run.Single(id);

    private static (int Line, int Column) Position(Diagnostic d)
    {
        var start = d.Location.GetLineSpan().StartLinePosition;
        return (start.Line + 1, start.Character + 1);
    }

    /// <summary>The one-based line and column of the first occurrence of <paramref name="marker"/>.</summary>
    private static (int Line, int Column) Find(string text, string marker)
    {
        var offset = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(offset >= 0, $"marker '{marker}' not in the text");
        var before = text.Substring(0, offset);
        var line = before.Count(c => c == '\n') + 1;
        return (line, offset - (before.LastIndexOf('\n') + 1) + 1);
    }

    // ---- every form of one small flow: f -> t1 -> (condition) t2 -> end ----

    /// <summary>The flow in each form, with the first task's service, extra settings on it, and the condition in front of t2.</summary>
    public static string Form(string form, string service = "begin", string condition = "sta.total > 1", string setting = "", string service2 = "end")
    {
        var yamlSetting = setting.Length == 0 ? "" : ", " + setting;
        var jsonSetting = setting.Length == 0 ? "" : ", " + string.Join(", ", setting.Split(": ", 2) is [var k, var v] ? [$"\"{k}\": \"{v}\""] : Array.Empty<string>());
        return form switch
        {
            "bpmn" => Process(string.Join("\n",
                """<startEvent id="f" />""",
                Task("t1", "calc", service, setting.Length == 0 ? "" : $"""<c:property name="{setting.Split(": ")[0]}" value="{setting.Split(": ")[1]}" />"""),
                """<exclusiveGateway id="g" default="d" />""",
                Task("t2", "calc", service2),
                """<endEvent id="e" />""",
                Flow("a", "f", "t1"), Flow("b", "t1", "g"), Flow("c", "g", "t2", condition.Replace(">", "&gt;")), Flow("d", "g", "e"), Flow("x", "t2", "e"))),
            "json" => $$"""
                {
                  "flow": "f",
                  "graph": {
                    "nodes": [
                      { "type": "start" },
                      { "id": "t1", "task-component": "calc", "task-service": "{{service}}"{{jsonSetting}} },
                      { "id": "g", "type": "exclusive" },
                      { "id": "t2", "task-component": "calc", "task-service": "{{service2}}" },
                      { "id": "e", "type": "end" }
                    ],
                    "connections": [
                      { "from": "f", "to": "t1" },
                      { "from": "t1", "to": "g" },
                      { "from": "g", "to": "t2", "when": "{{condition}}" },
                      { "from": "g", "to": "e", "default": true },
                      { "from": "t2", "to": "e" }
                    ]
                  }
                }
                """,
            "yaml" => $$"""
                flow: f
                graph:
                  nodes:
                    - type: start
                    - { id: t1, task-component: calc, task-service: {{service}}{{yamlSetting}} }
                    - { id: g, type: exclusive }
                    - { id: t2, task-component: calc, task-service: {{service2}} }
                    - { id: e, type: end }
                  connections:
                    - { from: f, to: t1 }
                    - { from: t1, to: g }
                    - from: g
                      to: t2
                      when: {{condition}}
                    - { from: g, to: e, default: true }
                    - { from: t2, to: e }
                """,
            "steps" => $$"""
                flow: f
                steps:
                  - { id: t1, task-component: calc, task-service: {{service}}{{yamlSetting}} }
                  - id: t2
                    task-component: calc
                    task-service: {{service2}}
                    when: "{{condition}}"
                """,
            "actions" => $$"""
                flow: f
                actions:
                  - name: t1
                    task-component: calc
                    task-service: {{service}}
                {{(setting.Length == 0 ? "" : "    " + setting + "\n")}}    case:
                      - when: {{condition}}
                        then: call("t2")
                      - default: finish()
                  - name: t2
                    task-component: calc
                    task-service: {{service2}}
                """,
            // The fluent form: a second part of Components' DemoFlow, read by the generator from this C#.
            "fluent" => $$"""
                using FlowGen;
                namespace Demo;
                public sealed partial class DemoFlow
                {
                    [FlowDefinition]
                    private static void Define(FlowBuilder<Req> flow) => flow
                        .Task("calc", "{{service}}", id: "t1"){{(setting.Length == 0 ? "" : $".Setting(\"{setting.Split(": ")[0]}\", \"{setting.Split(": ")[1]}\")")}}
                        .If(bus => {{FluentCondition(condition)}},
                            then: b => b.Task("calc", "{{service2}}", id: "t2"));
                }
                """,
            _ => throw new ArgumentOutOfRangeException(nameof(form)),
        };
    }

    /// <summary>The reference condition in C#: sta.x > 1 becomes bus.State&lt;int&gt;("x") > 1.</summary>
    private static string FluentCondition(string condition)
        => System.Text.RegularExpressions.Regex.Replace(condition, @"sta\.(\w+)", m => $"bus.State<int>(\"{m.Groups[1].Value}\")");

    /// <summary>Where a marker of the flow-file forms is written in the fluent form.</summary>
    private static string Marker(string form, string marker)
        => form == "fluent" && marker.StartsWith("sta.", StringComparison.Ordinal) ? FluentCondition(marker) : marker;

    public static string PathOf(string form) => form switch
    {
        "bpmn" => "/flows/f.bpmn",
        "fluent" => "Source1.cs",
        "json" => "/flows/f.flow.json",
        _ => "/flows/f.flow.yaml",
    };

    public static TheoryData<string> Forms => new() { "bpmn", "json", "yaml", "steps", "actions", "fluent" };

    [Theory]
    [MemberData(nameof(Forms))]
    public void The_reference_flow_compiles_cleanly_in_every_form(string form)
    {
        var run = Check(PathOf(form), Form(form));

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("partial class DemoFlow", run.Source("Demo.DemoFlow.g.cs"));
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void An_unknown_service_is_FG0302_on_the_line_of_the_task_with_its_task_service_as_additional_location(string form)
    {
        var text = Form(form, service: "nope");
        var d = Single(Check(PathOf(form), text), "FG0302");

        Assert.Equal(Find(text, "t1").Line, Position(d).Line);
        Assert.Equal(Find(text, "nope").Line, Assert.Single(d.AdditionalLocations).GetLineSpan().StartLinePosition.Line + 1);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void An_unknown_name_in_a_condition_is_FG0502_at_its_column(string form)
    {
        var text = Form(form, condition: "sta.totl > 1");
        var d = Single(Check(PathOf(form), text), "FG0502");

        Assert.Equal(Find(text, Marker(form, "sta.totl")), Position(d));
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void A_bad_setting_value_is_FG0602_on_its_line(string form)
    {
        var text = Form(form, setting: "timeout: soon");
        var d = Single(Check(PathOf(form), text), "FG0602");

        Assert.Equal(Find(text, "timeout").Line, Position(d).Line);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void An_unknown_setting_is_FG0601_with_a_suggestion(string form)
    {
        var text = Form(form, setting: "timout: 100");
        var d = Single(Check(PathOf(form), text), "FG0601");

        Assert.Equal(Find(text, "timout").Line, Position(d).Line);
        Assert.Contains("timeout", d.GetMessage());
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void A_task_that_reads_a_value_of_another_type_is_FG0402_on_its_line(string form)
    {
        var text = Form(form, service2: "needs-text");
        var d = Single(Check(PathOf(form), text), "FG0402");

        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(form == "actions" ? Find(text, "- name: t2").Line : form == "steps" ? Find(text, "- id: t2").Line : Find(text, "needs-text").Line, Position(d).Line);
        Assert.Equal(PathOf(form), d.Location.GetLineSpan().Path);
    }

    // ---- the document's own syntax and shape ----

    [Fact]
    public void Malformed_json_is_FG0005_where_the_parser_stopped()
    {
        const string text = "{\n  \"flow\": \"f\",\n  \"steps\": [ { \"id\": \"t1\" ]\n}\n";
        var d = Single(Check("/flows/f.flow.json", text), "FG0005");

        Assert.Equal(3, Position(d).Line);
        Assert.Contains("JSON", d.GetMessage());
    }

    [Fact]
    public void Malformed_yaml_is_FG0005_on_its_line()
    {
        const string text = "flow: f\nsteps:\n  - { id: t1, task-service: begin\n  - id: t2\n";
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0005");

        Assert.InRange(Position(d).Line, 3, 5);
        Assert.Contains("YAML", d.GetMessage());
    }

    [Fact]
    public void A_json_file_that_is_not_an_object_is_FG0005()
    {
        var d = Single(Check("/flows/f.flow.json", "flow: f\nsteps: []\n"), "FG0005");

        Assert.Equal((1, 1), Position(d));
    }

    [Fact]
    public void An_unknown_node_type_is_FG0006_at_its_type()
    {
        var text = Form("yaml").Replace("type: exclusive", "type: xor");
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0006");

        Assert.Equal(Find(text, "type: xor").Line, Position(d).Line);
        Assert.Contains("exclusive", d.GetMessage());
    }

    [Fact]
    public void A_case_action_is_a_gateway_without_a_task_and_needs_its_cases()
    {
        const string Flow = "flow: f\nactions:\n  - { name: a, task-component: calc, task-service: begin }\n  - name: route\n    type: case\n";
        var good = Check("/flows/f.flow.yaml", Flow + "    case:\n      - { when: 'sta.total > 1', then: finish() }\n      - default: call(\"a\")\n");
        Assert.DoesNotContain(good.Diagnostics, d => d.Id is "FG0006" or "FG0304");

        var empty = Single(Check("/flows/f.flow.yaml", Flow), "FG0006");
        Assert.Equal(4, Position(empty).Line);
        Assert.Contains("Case action 'route' has no 'case'", empty.GetMessage());

        var inSteps = Single(Check("/flows/f.flow.yaml", "flow: f\nsteps:\n  - { id: s, type: case }\n"), "FG0006");
        Assert.Contains("Case is an action: write it in the actions form", inSteps.GetMessage());
    }

    [Fact]
    public void Two_forms_in_one_flow_are_FG0006_at_the_second()
    {
        const string text = "flow: f\nsteps:\n  - { id: t1, task-component: calc, task-service: begin }\nactions:\n  - name: a\n";
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0006");

        Assert.Equal((4, 1), Position(d));
    }

    [Fact]
    public void A_steps_flow_without_an_id_is_FG0006()
    {
        var d = Single(Check("/flows/f.flow.yaml", "steps:\n  - { id: t1, task-component: calc, task-service: begin }\n"), "FG0006");

        Assert.Contains("flow: <id>", d.GetMessage());
    }

    [Fact]
    public void An_unknown_top_level_key_is_FG0007_with_a_suggestion()
    {
        var text = Form("steps").Replace("flow: f", "flow: f\nflow-timout: 100");
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0007");

        Assert.Equal((2, 1), Position(d));
        Assert.Contains("did you mean 'flow-timeout'", d.GetMessage());
        // A near miss would silently run the flow without its timeout: an error (issue 22).
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
    }

    [Fact]
    public void A_misspelt_when_on_a_connection_is_an_error_and_an_unknown_key_far_from_any_stays_a_warning()
    {
        // 'whn' would make the connection unconditional and the default branch dead.
        var misspelt = Form("yaml").Replace("to: e }", "to: e, whn: \"req.a > 1\" }");
        Assert.Contains("whn", misspelt);
        var d = Single(Check("/flows/f.flow.yaml", misspelt), "FG0007");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains("did you mean 'when'", d.GetMessage());

        var other = Form("yaml").Replace("to: e }", "to: e, owner-team: payments }");
        var w = Single(Check("/flows/f.flow.yaml", other), "FG0007");
        Assert.Equal(DiagnosticSeverity.Warning, w.Severity);
    }

    [Fact]
    public void A_connection_to_a_missing_node_and_a_call_to_a_missing_action_are_both_FG0103()
    {
        var graph = Form("yaml").Replace("- { from: t2, to: e }", "- { from: t2, to: nowhere }");
        var actions = Form("actions").Replace("call(\"t2\")", "call(\"t3\")");

        var graphDiagnostic = Single(Check("/flows/f.flow.yaml", graph), "FG0103");
        var actionsDiagnostic = Single(Check("/flows/f.flow.yaml", actions), "FG0103");

        Assert.Equal(Find(graph, "nowhere").Line, Position(graphDiagnostic).Line);
        Assert.Contains("to 'nowhere'", graphDiagnostic.GetMessage());
        Assert.Equal(Find(actions, "call(\"t3\")").Line, Position(actionsDiagnostic).Line);
    }

    [Fact]
    public void A_duplicate_id_is_FG0102_at_the_second()
    {
        var text = Form("steps").Replace("id: t2", "id: t1");
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0102");

        Assert.Equal(Find(text, "- id: t1").Line, Position(d).Line);
    }

    [Fact]
    public void Yaml_anchors_and_aliases_share_settings()
    {
        const string text = """
            flow: f
            steps:
              - &calc { id: t1, task-component: calc, task-service: begin }
              - { id: t2, task-component: calc, task-service: end }
            """;
        var run = Check("/flows/f.flow.yaml", text);

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
    }

    [Fact]
    public void A_condition_in_a_block_scalar_reports_at_the_right_line_and_column()
    {
        const string text = """
            flow: f
            steps:
              - { id: t1, task-component: calc, task-service: begin }
              - id: t2
                task-component: calc
                task-service: end
                when: >-
                  sta.total > 1 &&
                    sta.nope == 2
            """;
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0502");

        Assert.Equal(Find(text, "sta.nope"), Position(d));
    }

    [Fact]
    public void A_condition_with_escapes_in_json_reports_inside_the_string()
    {
        const string text = """
            { "flow": "f", "steps": [
              { "id": "t1", "task-component": "calc", "task-service": "begin" },
              { "id": "t2", "task-component": "calc", "task-service": "end", "when": "sta.total > 1 && req.source == \"a\" && sta.nope" }
            ] }
            """;
        var d = Single(Check("/flows/f.flow.json", text), "FG0502");

        Assert.Equal(Find(text, "sta.nope"), Position(d));
    }

    // ---- request schema against the request type ----

    [Fact]
    public void A_schema_field_the_request_lacks_is_FG0409_and_a_type_mismatch_too()
    {
        const string text = """
            flow: f
            request:
              count: { type: string }
              missing: { type: integer }
            steps:
              - { id: t1, task-component: calc, task-service: begin }
              - { id: t2, task-component: calc, task-service: end }
            """;
        var run = Check("/flows/f.flow.yaml", text);
        var found = run.WithId("FG0409").OrderBy(d => Position(d).Line).ToList();

        Assert.Equal(2, found.Count);
        Assert.Equal(3, Position(found[0]).Line);
        Assert.Contains("is int in C#, but the schema says string", found[0].GetMessage());
        Assert.Equal(4, Position(found[1]).Line);
        Assert.Contains("is not a member of Req", found[1].GetMessage());
    }

    [Fact]
    public void Required_on_a_value_that_always_exists_is_FG0410()
    {
        const string text = """
            flow: f
            request:
              count: { type: integer, required: true, min: 1 }
            steps:
              - { id: t1, task-component: calc, task-service: begin }
              - { id: t2, task-component: calc, task-service: end }
            """;
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0410");

        Assert.Equal(3, Position(d).Line);
        Assert.Contains("int?", d.GetMessage());
    }

    [Fact]
    public void A_schema_rule_of_the_wrong_form_is_FG0006()
    {
        const string text = """
            flow: f
            request:
              source: { type: string, min: 3 }
            steps:
              - { id: t1, task-component: calc, task-service: begin }
              - { id: t2, task-component: calc, task-service: end }
            """;
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0006");

        Assert.Contains("minLen/maxLen", d.GetMessage());
    }

    [Fact]
    public void A_condition_that_yaml_reads_as_a_tag_is_FG0005_not_a_missing_condition()
    {
        var text = Form("steps", condition: "x").Replace("when: \"x\"", "when: !sta.total");
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0005");

        Assert.Equal(Find(text, "!sta.total").Line, Position(d).Line);
        Assert.Contains("quote", d.GetMessage());
    }

    [Fact]
    public void A_key_written_twice_is_FG0005_at_the_second()
    {
        var text = Form("steps").Replace("task-service: end", "task-service: end\n    task-service: noop");
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0005");

        Assert.Equal(Find(text, "task-service: noop"), Position(d));
    }

    [Fact]
    public void A_shape_error_stops_code_generation_for_the_flow()
    {
        var text = Form("steps").Replace("task-service: end", "task-service: end\n    ignore-error: maybe");
        var run = Check("/flows/f.flow.yaml", text);

        Single(run, "FG0006");
        Assert.True(run.NotGenerated("Demo.DemoFlow.g.cs"));
    }

    [Fact]
    public void An_enum_value_that_does_not_fit_the_field_type_is_FG0006()
    {
        var text = Form("steps").Replace("flow: f", "flow: f\nrequest:\n  count: { type: integer, enum: [1, two] }");
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0006");

        Assert.Equal(Find(text, "two"), Position(d));
    }

    [Fact]
    public void A_file_of_subflows_only_is_a_library_that_other_files_call()
    {
        const string library = """
            subflows:
              finish-up:
                steps:
                  - { id: closing, task-component: calc, task-service: end }
            """;
        const string caller = """
            flow: f
            steps:
              - { id: t1, task-component: calc, task-service: begin }
              - { id: rest, type: subflow, call: finish-up }
            """;
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/library.flow.yaml", library), new InMemoryText("/flows/f.flow.yaml", caller));

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        Assert.Contains("closing", run.Source("Demo.DemoFlow.g.cs"));
    }

    [Fact]
    public void A_case_with_default_and_then_is_FG0006()
    {
        var text = Form("actions").Replace("      - default: finish()", "      - default: finish()\n        then: finish()");
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0006");

        Assert.Contains("default", d.GetMessage());
    }

    [Theory]
    [InlineData("finish(\"x\")")]
    [InlineData("call(\"a\", \"b\")")]
    [InlineData("fail()")]
    public void A_command_with_wrong_arguments_is_FG0006(string command)
    {
        var text = Form("actions").Replace("finish()", command);
        var d = Single(Check("/flows/f.flow.yaml", text), "FG0006");

        Assert.Equal(Find(text, command).Line, Position(d).Line);
    }
}
