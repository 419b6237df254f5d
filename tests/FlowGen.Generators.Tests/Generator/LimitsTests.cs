using System.Text;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

/// <summary>
/// Inputs that once crashed the compiler (a stack overflow cannot be caught) or took minutes: each is now an FG
/// error at its location, or compiles. How long each takes is measured in benchmarks/ (GeneratorBenchmarks), not here.
/// </summary>
public sealed class LimitsTests
{
    private const string Components = """
        using FlowGen;
        namespace Limits;
        public sealed record Request(int A, string Name);
        public sealed record Result(int A);
        [FlowComponent("c")]
        public sealed class C
        {
            [FlowTask("t"), ToResult] public Result T(Request r) => new(r.A);
        }
        [Flow("f")] public sealed partial class F : IFlow<Request, Result>;
        """;

    [Fact]
    public void A_json_value_nested_100000_deep_is_FG0010_not_a_stack_overflow()
    {
        var text = "{\"flow\": \"f\", \"x\": " + new string('[', 100_000) + new string(']', 100_000) + "}";
        var run = Timed(() => GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/deep.flow.json", text)));
        var error = run.Single("FG0010");
        Assert.Contains("more than 64 levels", error.GetMessage());
        Assert.Equal("flows/deep.flow.json", error.Location.GetLineSpan().Path);
    }

    [Fact]
    public void Bpmn_subprocesses_nested_3000_deep_and_100000_unclosed_elements_are_FG0010()
    {
        var nested = new StringBuilder("<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"><process id=\"p\"><startEvent id=\"f\"/>");
        for (var i = 0; i < 3000; i++) nested.Append("<subProcess id=\"s").Append(i).Append("\">");
        for (var i = 0; i < 3000; i++) nested.Append("</subProcess>");
        nested.Append("</process></definitions>");
        Timed(() => GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/nested.bpmn", nested.ToString()))).Single("FG0010");

        var unclosed = "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">" + string.Concat(Enumerable.Repeat("<a xmlns:x=\"urn:x\">", 100_000));
        Timed(() => GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/unclosed.bpmn", unclosed))).Single("FG0010");
    }

    [Fact]
    public void A_bpmn_doctype_is_FG0001_and_no_entity_is_expanded()
    {
        var text = """
            <?xml version="1.0"?>
            <!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY file SYSTEM "file:///etc/passwd">]>
            <definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p" name="&b;&file;"><startEvent id="f"/></process></definitions>
            """;
        var error = GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/dtd.bpmn", text)).Single("FG0001");
        Assert.Contains("DOCTYPE", error.GetMessage());
        Assert.Contains("Remove the <!DOCTYPE", error.GetMessage());
        Assert.Equal(1, error.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void Conditions_of_3000_and_10000_terms_compile()
    {
        // Once 160 s in a real build (3,000 terms) and a stack overflow (20,000): && chains are balanced trees now.
        foreach (var count in new[] { 1_500, 5_000 }) // comparisons of two terms each
        {
            var condition = string.Join(" && ", Enumerable.Range(0, count).Select(i => $"req.a != {i + 1}"));
            var run = Timed(() => GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/long.flow.yaml", Steps(condition))));
            Assert.Empty(run.Diagnostics);
            Assert.Empty(run.CompileErrors);
        }
    }

    [Fact]
    public void A_condition_past_the_term_limit_is_FG0506_at_its_column()
    {
        var condition = string.Join(" || ", Enumerable.Range(0, 10_001).Select(i => $"req.a == {i}"));
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/long.flow.yaml", Steps(condition)));
        var error = run.Single("FG0506");
        Assert.Contains("more than 10000 terms", error.GetMessage());
    }

    [Fact]
    public void A_flow_of_2000_nodes_compiles_and_one_past_the_limit_is_FG0011()
    {
        var run = Timed(() => GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/big.flow.yaml", Chain(1_990))), seconds: 60);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);

        var big = GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/big.flow.yaml", Chain(2_001)));
        var error = big.Single("FG0011");
        Assert.Contains("more than the limit of 2000", error.GetMessage());
        Assert.DoesNotContain(big.Diagnostics, d => d.Id == "FG9001");
    }

    [Fact]
    public void A_flow_of_20000_nodes_with_the_limit_raised_generates_on_a_1_MB_stack()
    {
        // The emitter once walked the graph recursively (a stack overflow at about 17,000 nodes in a row). The
        // compiler may run generators on threads with 1 MB stacks (Windows): run it on one.
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(
            [Microsoft.CodeAnalysis.GeneratorExtensions.AsSourceGenerator(new FlowGenerator())], [new InMemoryText("flows/big.flow.yaml", Chain(20_000))],
            new Microsoft.CodeAnalysis.CSharp.CSharpParseOptions(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Latest), new BuildProperties(("FlowGenMaxNodes", "20000")));
        Microsoft.CodeAnalysis.GeneratorDriverRunResult? result = null;
        var thread = new Thread(() => result = driver.RunGenerators(GeneratorHarness.Compilation(Components)).GetRunResult(), maxStackSize: 1024 * 1024);
        thread.Start();
        thread.Join();
        Assert.Empty(result!.Diagnostics);
        Assert.Contains(result.Results.Single().GeneratedSources, s => s.HintName == "Limits.F.g.cs");
    }

    [Fact]
    public void A_flow_file_larger_than_the_limit_is_FG0009_and_is_not_read()
    {
        var text = "flow: f\n# " + new string('x', 8 * 1024 * 1024) + "\n";
        var error = Timed(() => GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/huge.flow.yaml", text))).Single("FG0009");
        Assert.Contains("FlowGenMaxFileSize", error.GetMessage());
    }

    /// <summary>Nine lines of ten aliases each: 10^9 values once expanded (the YAML "billion laughs").</summary>
    private static string AliasBomb(string indent = "  ")
    {
        var text = new StringBuilder(indent + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i <= 9; i++)
            text.Append(indent).Append($"a{i}: &a{i} [").Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))).Append("]\n");
        return text.ToString();
    }

    [Fact]
    public void A_yaml_alias_bomb_is_FG0013_at_the_alias_that_passes_the_limit()
    {
        var text = "flow: f\nbomb:\n" + AliasBomb() + "steps:\n  - { id: A, task-component: c, task-service: t }\n";
        var run = Timed(() => GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/bomb.flow.yaml", text)), seconds: 10);
        var error = run.Single("FG0013");
        // a1, a2 and a3 stand for 110, 1,110 and 11,110 values; a4's eighth alias of a3 (11,111 values) passes 100,000.
        var line = text.Split('\n')[6];
        Assert.StartsWith("  a4: &a4", line, StringComparison.Ordinal);
        var eighth = line.IndexOf("*a3", StringComparison.Ordinal) + 7 * ", *a3".Length;
        Assert.Equal((7, eighth + 1), GeneratorHarness.Position(error));
        Assert.Equal(3, error.Location.SourceSpan.Length);
        Assert.Equal("With the alias '*a3', the aliases of this YAML file stand for more than 100,000 values, so the file is not read further. "
            + "An alias repeats its anchor's whole value, and aliases inside anchored values multiply (the 'billion laughs' pattern). "
            + "Write the values out, or repeat only small values with anchors.", error.GetMessage());
        Assert.Equal(["FG0013"], run.Diagnostics.Select(d => d.Id)); // the file is not read further: no cascade
    }

    [Fact]
    public void A_yaml_alias_bomb_in_nested_request_fields_is_FG0013_not_a_hang()
    {
        // The request schema reader walks nested fields once per alias: this once ran for minutes (10^9 fields).
        var text = new StringBuilder("flow: f\nrequest:\n  x0: &x0 { type: string }\n");
        for (var i = 1; i <= 9; i++)
            text.Append($"  x{i}: &x{i} {{ type: object, fields: {{ ").Append(string.Join(", ", "abcdefghij".Select(c => $"{c}: *x{i - 1}"))).Append(" } }\n");
        text.Append("steps:\n  - { id: A, task-component: c, task-service: t }\n");
        var run = Timed(() => GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/fields.flow.yaml", text.ToString())), seconds: 10);
        Assert.Equal(["FG0013"], run.Diagnostics.Select(d => d.Id));
    }

    [Fact]
    public void An_alias_whose_value_would_be_nested_past_the_limit_is_FG0010_at_the_alias()
    {
        // 40 levels anchored, used 30 levels down: 70 levels once the alias is read, as deep as writing it out there.
        var deep = "[" + new string('[', 39) + new string(']', 39) + "]";
        var text = "flow: f\nx: &deep " + deep + "\ny: " + new string('[', 30) + "*deep" + new string(']', 30) + "\nsteps:\n  - { id: A, task-component: c, task-service: t }\n";
        var run = Timed(() => GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/deep-alias.flow.yaml", text)), seconds: 10);
        var error = run.Single("FG0010");
        Assert.Equal(GeneratorHarness.Find(text, "*deep"), GeneratorHarness.Position(error));
        Assert.Equal("The value of the alias '*deep' is nested more than 64 levels deep, so the file is not read further. Flatten the structure, or raise the limit with <FlowGenMaxNesting> in the project file.", error.GetMessage());
    }

    [Fact]
    public void Settings_named_with_200000_characters_are_FG0601_in_linear_time()
    {
        // The near-miss check compared each unknown name with every known setting by a full edit-distance matrix: eight
        // such names took minutes (found by RobustnessTests).
        var name = string.Concat(Enumerable.Repeat("type", 50_000));
        var text = "flow: f\nsteps:\n" + string.Concat(Enumerable.Range(0, 8).Select(i => $"  - {{ id: A{i}, task-component: c, task-service: t, {name}: x }}\n"));
        var run = Timed(() => GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/names.flow.yaml", text)), seconds: 10);
        Assert.Equal(8, run.WithId("FG0601").Count());
    }

    [Fact]
    public void Anchors_that_repeat_small_values_still_compile()
    {
        var text = """
            flow: f
            steps:
              - id: A
                task-component: c
                task-service: t
                retry: &retry 2
                timeout: &timeout 500
              - id: B
                task-component: c
                task-service: t
                retry: *retry
                timeout: *timeout
            """;
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/anchors.flow.yaml", text));
        Assert.DoesNotContain(run.Diagnostics, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
    }

    [Fact]
    public void A_yaml_mapping_of_100000_keys_is_read_in_linear_time()
    {
        var text = new StringBuilder("flow: f\nx:\n");
        for (var i = 0; i < 100_000; i++) text.Append("  k").Append(i).Append(": 1\n");
        Timed(() => GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/keys.flow.yaml", text.ToString())));
    }

    [Fact]
    public void A_connection_written_twice_is_FG0113_at_the_second_and_no_CSharp_error()
    {
        var text = """
            flow: f
            graph:
              nodes:
                - type: start
                - { id: G, type: inclusive }
                - { id: A, task-component: c, task-service: t }
                - { id: E, type: end }
              connections:
                - { from: f, to: G }
                - { from: G, to: A, when: "req.a > 5" }
                - { from: G, to: A, when: "req.a > 5" }
                - { from: A, to: E }
            """;
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/twice.flow.yaml", text));
        var error = run.Single("FG0113");
        Assert.Equal((11, 7), GeneratorHarness.Position(error));
        Assert.Contains("'G' to 'A' a second time", error.GetMessage());
        Assert.DoesNotContain(run.CompileErrors, d => d.Id == "CS0103");

        // An exclusive gateway may lead to one node under different conditions, or a condition and the default.
        var second = text.LastIndexOf("when: \"req.a > 5\"", StringComparison.Ordinal);
        var or = text.Substring(0, second).Replace("type: inclusive", "type: exclusive") + "default: true" + text.Substring(second + "when: \"req.a > 5\"".Length);
        var allowed = GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/or.flow.yaml", or));
        Assert.Empty(allowed.WithId("FG0113"));
    }

    [Fact]
    public void The_limits_are_read_from_the_project_properties()
    {
        var options = new BuildOptions(new Dictionary<string, string>
        {
            ["build_property.FlowGenMaxNodes"] = "20000",
            ["build_property.FlowGenMaxNesting"] = "not a number",
            ["build_property.FlowGenMaxExpressionTerms"] = "",
        });
        var limits = FlowGen.Generators.Model.FlowLimits.Read(options);
        Assert.Equal(20_000, limits.MaxNodes);
        Assert.Equal(FlowGen.Generators.Model.FlowLimits.Default.MaxNesting, limits.MaxNesting);
        Assert.Equal(FlowGen.Generators.Model.FlowLimits.Default.MaxExpressionTerms, limits.MaxExpressionTerms);
    }


    private static string Steps(string condition) => $$"""
        flow: f
        graph:
          nodes:
            - type: start
            - { id: G, type: exclusive }
            - { id: A, task-component: c, task-service: t }
            - { id: B, task-component: c, task-service: t }
            - { id: E, type: end }
          connections:
            - { from: f, to: G }
            - { from: G, to: A, when: "{{condition}}" }
            - { from: G, to: B, default: true }
            - { from: A, to: E }
            - { from: B, to: E }
        """;

    /// <summary>A flow of <paramref name="count"/> nodes: a start, a task, a chain of pass-through gateways, and an end.</summary>
    private static string Chain(int count)
    {
        var text = new StringBuilder("flow: f\ngraph:\n  nodes:\n    - type: start\n    - { id: A, task-component: c, task-service: t }\n");
        for (var i = 0; i < count - 3; i++) text.Append("    - { id: g").Append(i).Append(", type: exclusive }\n");
        text.Append("    - { id: E, type: end }\n  connections:\n    - { from: f, to: A }\n");
        var previous = "A";
        for (var i = 0; i < count - 3; i++)
        {
            text.Append("    - { from: ").Append(previous).Append(", to: g").Append(i).Append(" }\n");
            previous = "g" + i;
        }
        text.Append("    - { from: ").Append(previous).Append(", to: E }\n");
        return text.ToString();
    }

    /// <summary>The action, failing when it runs longer than <paramref name="seconds"/> (it bounds hangs; it is not a performance assertion).</summary>
    private static T Timed<T>(Func<T> action, int seconds = 30, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
        => Bounded.Run(test, action, TimeSpan.FromSeconds(seconds));
}
