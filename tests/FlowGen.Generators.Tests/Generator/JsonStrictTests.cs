using Xunit;

namespace FlowGen.Generators.Tests.Generator;

/// <summary>*.flow.json files are strict JSON, with messages in JSON's words at the exact position (issue 22).</summary>
public sealed class JsonStrictTests
{
    private const string Components = """
        using FlowGen;
        namespace Strict;
        public sealed record Request(int A);
        public sealed record Result(int A);
        [FlowComponent("c")] public sealed class C { [FlowTask("t"), ToResult] public Result T(Request r) => new(r.A); }
        [Flow("f")] public sealed partial class F : IFlow<Request, Result>;
        """;

    private const string Valid = """
        {
          "flow": "f",
          "steps": [
            { "id": "t", "task-component": "c", "task-service": "t" }
          ]
        }
        """;

    [Theory]
    [InlineData("flows/f.flow.json", "\\ud800\\u0041")]
    [InlineData("flows/f.flow.json", "\\uD83D\\u202E\\u0000")]
    [InlineData("flows/f.flow.yaml", "\\ud800\\u0041")]
    public void An_escaped_half_surrogate_pair_is_FG0005_at_the_escape_not_an_internal_error(string path, string escapes)
    {
        // YamlDotNet threw ArgumentOutOfRangeException (lowSurrogate), which became FG9001 (found by RobustnessTests).
        var text = Valid.Replace("\"flow\": \"f\"", "\"flow\": \"f\", \"description\": \"x" + escapes + "\"");
        if (path.EndsWith(".yaml", StringComparison.Ordinal)) text = "flow: f\ndescription: \"x" + escapes + "\"\nsteps:\n  - { id: t, task-component: c, task-service: t }\n";
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText(path, text));
        Assert.Empty(run.WithId("FG9001"));
        var error = run.Single("FG0005");
        Assert.Equal(GeneratorHarness.Find(text, escapes[..6]), GeneratorHarness.Position(error));
        Assert.Contains("this escape is the first half of a surrogate pair (\\uD800-\\uDBFF), but no escaped second half (\\uDC00-\\uDFFF) follows it", error.GetMessage());
    }

    [Theory]
    [InlineData("{ \"id\": \"t\", \"task-component\": \"c\", \"task-service\": \"t\" }\n  ]", "{ \"id\": \"t\", \"task-component\": \"c\", \"task-service\": \"t\" },\n  ]", "]", "remove the comma before it")]
    [InlineData("\"task-service\": \"t\" }", "\"task-service\": \"t\", }", "}", "remove the comma before '}'")]
    [InlineData("\"flow\": \"f\"", "'flow': \"f\"", "'flow'", "not single quotes")]
    [InlineData("\"flow\": \"f\"", "\"flow\": 'f'", "'f'", "double quotes")]
    [InlineData("\"flow\": \"f\"", "\"flow\": f", "f,", "text must be in double quotes")]
    [InlineData("\"flow\": \"f\",", "\"flow\": \"f\", // the flow id", "//", "JSON has no comments")]
    [InlineData("\"flow\": \"f\"", "\"flow\": \"f\" \"x\": 1", "\"x\"", "expected ',' or '}'")]
    public void Lenient_json_is_FG0005_in_json_words_at_its_position(string valid, string broken, string at, string message)
    {
        var text = Valid.Replace(valid, broken);
        Assert.NotEqual(Valid, text);
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/f.flow.json", text));
        var error = run.Single("FG0005");
        Assert.Contains(message, error.GetMessage());
        Assert.Contains("JSON", error.GetMessage());
        Assert.DoesNotContain("YAML", error.GetMessage().Replace("*.flow.yaml to write YAML", ""));
        Assert.Equal(text.IndexOf(at, text.IndexOf(broken, StringComparison.Ordinal), StringComparison.Ordinal), error.Location.SourceSpan.Start);
    }

    [Fact]
    public void Strict_json_compiles()
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/f.flow.json", Valid));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
    }

    [Theory]
    [InlineData("\"a\\qb\"", "not a JSON escape")]
    [InlineData("\"a\nb\"", "cannot hold a line break")]
    [InlineData("012", "no leading zeros")]
    [InlineData("1.", "digits after '.'")]
    [InlineData("\"open", "no closing")]
    public void Strings_and_numbers_follow_json(string value, string message)
    {
        var error = Frontends.Json.JsonSyntax.FirstError("{ \"x\": " + value + " }", 64);
        Assert.NotNull(error);
        Assert.Contains(message, error.Value.Message);
        Assert.Null(Frontends.Json.JsonSyntax.FirstError("{ \"x\": [1, -2.5e3, true, false, null, \"\\u00e9\\n\", {}] }", 64));
    }
}
