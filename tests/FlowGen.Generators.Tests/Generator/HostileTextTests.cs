using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using System.Xml.Linq;
using FlowGen.Generators.Emit;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

/// <summary>
/// Flow text is untrusted: every field of every form (BPMN, JSON, YAML, the fluent form's C# strings, component and
/// task names) carries payloads that once ended a comment, left a string or started a directive in the generated
/// code. The generated code must compile with no error and no warning, hold none of the payload's unsafe characters
/// as they are, and a run must do nothing but the flow: the injected statement sets an environment variable.
/// </summary>
public sealed class HostileTextTests
{
    private const string Injected = "System.Environment.SetEnvironmentVariable(\"FLOWGEN_PWNED\", \"1\");";

    public static readonly TheoryData<string, string> Payloads = new()
    {
        { "line separator", "x\u2028" + Injected + "//" },
        { "paragraph separator", "x\u2029" + Injected + "//" },
        { "next line", "x\u0085" + Injected + "//" },
        { "CR LF", "x\r\n" + Injected + "//" },
        { "LF", "x\n" + Injected + "//" },
        { "CR", "x\r" + Injected + "//" },
        { "block comment end", "*/ " + Injected + " /*" },
        { "string end", "\"); " + Injected + " //" },
        { "directives", "\n#line 1 \"x\"\n#pragma warning disable\n#error injected\n" },
        { "bidi", "\u202Eevil\u202C \u2066x\u2069 \u200F\u061C" },
        { "zero width and BOM", "a\u200Bb\uFEFFc\u2060d" },
        { "NUL", "nul\0byte" },
        { "quotes and XML", "back\\slash ' quote </summary> &amp; <c>x</c>" },
        { "10,000 characters", new string('y', 10_000) + "\u2028" + Injected },
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Yaml_fields_never_reach_generated_code_as_they_are(string name, string payload)
        => CompileAndRun(name, payload, "flows/hostile.flow.yaml", Document(payload, json: false));

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Json_fields_never_reach_generated_code_as_they_are(string name, string payload)
        => CompileAndRun(name, payload, "flows/hostile.flow.json", Document(payload, json: true));

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Bpmn_fields_never_reach_generated_code_as_they_are(string name, string payload)
    {
        // XML 1.0 cannot hold NUL at all, not even as a character reference: such a file is FG0001.
        if (payload.Contains('\0'))
        {
            var run = GeneratorHarness.RunGenerator(CSharp(payload, fluent: false), new InMemoryText("flows/hostile.bpmn", "<definitions>\0</definitions>"));
            run.Single("FG0001");
            return;
        }
        CompileAndRun(name, payload, "flows/hostile.bpmn", Bpmn(payload));
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Fluent_flow_ids_node_ids_names_conditions_fail_codes_and_component_and_task_names_never_reach_generated_code_as_they_are(string name, string payload)
        => CompileAndRun(name, payload, null, null);

    [Fact]
    public void A_flow_file_path_with_a_quote_or_a_line_break_compiles_without_line_mapping()
    {
        foreach (var path in new[] { "flows/a\"b.flow.yaml", "flows/a\u2028b.flow.yaml", "flows/a\u202Eb.flow.yaml" })
        {
            var run = GeneratorHarness.RunGenerator(CSharp("p", fluent: false), new InMemoryText(path, Document("p", json: false)));
            Assert.Empty(run.CompileErrors);
            var source = Generated(run);
            Assert.Equal(-1, CSharpText.FindUnsafe(source));
            Assert.DoesNotContain("#line", source);
        }
        // An ordinary path keeps its mapping, written as it is (C# reads no escapes in a #line file name).
        var windows = GeneratorHarness.RunGenerator(CSharp("p", fluent: false), new InMemoryText(@"C:\flows\p.flow.yaml", Document("p", json: false)));
        var mapped = Generated(windows);
        Assert.Contains(@" ""C:\flows\p.flow.yaml""", mapped);
        Assert.Contains("#line ", mapped);
    }

    [Fact]
    public void A_bidi_control_in_a_flow_file_is_FG0008_at_its_position()
    {
        var text = Document("p", json: false).Replace("name: \"p\"", "name: \"a\u202Eb\"");
        var run = GeneratorHarness.RunGenerator(CSharp("p", fluent: false), new InMemoryText("flows/bidi.flow.yaml", text));
        var warning = run.Single("FG0008");
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal(text.IndexOf('\u202E'), warning.Location.SourceSpan.Start);
        Assert.Contains("RIGHT-TO-LEFT OVERRIDE (U+202E)", warning.GetMessage());
        // Messages that quote flow text show such characters as escapes, so the error list reads as the file does.
        var quoted = GeneratorHarness.RunGenerator(CSharp("p", fluent: false), new InMemoryText("flows/bidi.flow.yaml",
            Document("p", json: false).Replace("req.name == 'web'", "req.nam\u202Ee == 'web'"))).WithId("FG0501").First();
        Assert.Contains("req.nam\\u202Ee", quoted.GetMessage());
        Assert.DoesNotContain('\u202E', quoted.GetMessage());
        // Eleven of them: ten reported, the tenth says one more is not listed.
        var many = text.Replace("name: \"a\u202Eb\"", "name: \"" + string.Concat(Enumerable.Repeat("\u2066x", 11)) + "\"");
        var all = GeneratorHarness.RunGenerator(CSharp("p", fluent: false), new InMemoryText("flows/bidi.flow.yaml", many)).WithId("FG0008").ToList();
        Assert.Equal(10, all.Count);
        Assert.Contains("1 more after it are not listed", all[9].GetMessage());
    }

    [Fact]
    public void Every_escape_function_lets_no_unsafe_character_through()
    {
        foreach (var (_, payload) in Payloads.Select(row => ((string)row[0], (string)row[1])))
        {
            foreach (var text in new[] { CSharpText.Comment(payload), CSharpText.XmlDoc(payload), CSharpText.StringLiteral(payload), CSharpText.Identifier(payload) })
            {
                Assert.Equal(-1, CSharpText.FindUnsafe(text));
                Assert.DoesNotContain('\n', text);
            }
        }
        // A string literal reads back as the text it was made from.
        foreach (var (_, payload) in Payloads.Select(row => ((string)row[0], (string)row[1])))
        {
            var literal = SyntaxFactory.ParseExpression(CSharpText.StringLiteral(payload));
            Assert.False(literal.ContainsDiagnostics);
            Assert.Equal(payload, ((Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax)literal).Token.ValueText);
        }
        Assert.Equal("a* /b", CSharpText.Comment("a*/b"));
        Assert.Equal("class_", CSharpText.Identifier("class"));
        Assert.Equal("_1a_b", CSharpText.Identifier("1a-b"));
        Assert.True(CSharpText.Identifier(new string('n', 5000)).Length <= CSharpText.IdentifierLength);
        Assert.NotEqual(CSharpText.Identifier(new string('n', 5000) + "a"), CSharpText.Identifier(new string('n', 5000) + "b"));
        Assert.Null(CSharpText.LineDirective(0, "a\"b"));
    }

    /// <summary>Generates, compiles with every warning on, loads and runs the flow: default branch, then the fail branch.</summary>
    private static void CompileAndRun(string name, string payload, string? path, string? text)
    {
        var fluent = path is null;
        var run = fluent
            ? GeneratorHarness.RunGenerator(CSharp(payload, fluent: true))
            : GeneratorHarness.RunGenerator(CSharp(payload, fluent: false), new InMemoryText(path!, text!));
        // Only FG0008 (the bidi warning) may be reported: everything else compiles cleanly.
        Assert.Empty(run.Diagnostics.Where(d => d.Id != "FG0008"));
        var problems = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, name + ": " + string.Join("\n", problems.Take(5)));

        foreach (var source in run.Result.Results.SelectMany(r => r.GeneratedSources).Select(s => s.SourceText.ToString()))
        {
            Assert.Equal(-1, CSharpText.FindUnsafe(source));
            Assert.DoesNotContain("FLOWGEN_PWNED\", \"1\");\n", source);
            Assert.DoesNotContain("\n#line 1 \"x\"", source);
            Assert.DoesNotContain("\n#pragma warning disable\n", source);
            Assert.DoesNotContain("\n#error", source);
        }

        Environment.SetEnvironmentVariable("FLOWGEN_PWNED", null);
        using var stream = new MemoryStream();
        var emitted = run.Output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        stream.Position = 0;
        var context = new AssemblyLoadContext("hostile", isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(stream);
            var flowType = assembly.GetType("Hostile.HostileFlow")!;
            var component = Activator.CreateInstance(assembly.GetType("Hostile.Component")!)!;
            var constructor = flowType.GetConstructors().Single();
            var arguments = constructor.GetParameters().Select(p =>
                p.ParameterType.IsInstanceOfType(component) ? component : p.ParameterType == typeof(FlowGen.FlowHttpClient) ? new FlowGen.FlowHttpClient() : null).ToArray();
            var flow = constructor.Invoke(arguments);
            var requestType = assembly.GetType("Hostile.Request")!;

            var ok = Run(flow, Activator.CreateInstance(requestType, "ok")!);
            Assert.True((bool)ok.GetType().GetProperty("IsSuccess")!.GetValue(ok)!, name + ": " + ok);
            Assert.Equal("ok", ok.GetType().GetProperty("Value")!.GetValue(ok)!.GetType().GetProperty("Name")!.GetValue(ok.GetType().GetProperty("Value")!.GetValue(ok)));
            {
                // The condition compares with the payload itself, and the error end carries it as code and message.
                var failed = Run(flow, Activator.CreateInstance(requestType, payload)!);
                var error = (FlowGen.FlowError)failed.GetType().GetProperty("Error")!.GetValue(failed)!;
                Assert.Equal(payload, error.Code);
                Assert.Equal(payload, error.Message);
            }
            Assert.Null(Environment.GetEnvironmentVariable("FLOWGEN_PWNED"));
        }
        finally
        {
            context.Unload();
        }

        static object Run(object flow, object request)
        {
            var runAsync = flow.GetType().GetMethods().Single(m => m.Name == "RunAsync" && m.GetParameters()[0].ParameterType == request.GetType());
            var task = runAsync.Invoke(flow, [request, null, CancellationToken.None])!;
            var asTask = (Task)task.GetType().GetMethod("AsTask")!.Invoke(task, null)!;
            asTask.GetAwaiter().GetResult();
            return asTask.GetType().GetProperty("Result")!.GetValue(asTask)!;
        }
    }

    private static string Generated(GeneratorHarness.Run run)
        => run.Result.Results.SelectMany(r => r.GeneratedSources).Single(s => s.HintName == "Hostile.HostileFlow.g.cs").SourceText.ToString();

    private static string Lit(string text) => SymbolDisplay.FormatLiteral(text, quote: true);

    private static string CSharp(string payload, bool fluent) => $$"""
        using FlowGen;
        namespace Hostile;
        public sealed record Request(string Name);
        public sealed record Result(string Name);
        [FlowComponent({{Lit(payload)}})]
        public sealed class Component
        {
            [FlowTask({{Lit(payload)}}), ToResult]
            public Result Run(Request request) => new(request.Name);
        }
        [Flow({{Lit(payload)}})]
        public sealed partial class HostileFlow : IFlow<Request, Result>
        {
        {{(fluent ? $"    [FlowDefinition] private static void Define(FlowBuilder<Request> flow) => flow.Task<Component>(c => c.Run, id: {Lit("t " + payload)}, name: {Lit(payload)}).If(bus => bus.Request.Name == {Lit(payload)}, then => then.Fail({Lit(payload)}, {Lit(payload)}));" : "")}}
        }
        """;

    /// <summary>The payload as a string inside a condition: the expression language's own escapes.</summary>
    /// <summary>The payload as a string literal of an expression (a set's value), joined to a bus value.</summary>
    private static string InText(string payload)
        => "req.name + \"" + payload.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\0", "\\0") + "\"";

    private static string InCondition(string payload)
        => "req.name == \"" + payload.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\0", "\\0") + "\"";

    /// <summary>A YAML or JSON graph with the payload in every text field: ids, names, conditions, fail code and message, HTTP body and error.</summary>
    private static string Document(string payload, bool json)
    {
        string S(string text) => JsonSerializer.Serialize(text);
        var task = "t " + payload;
        var end = "end " + payload;
        var nodes = new[]
        {
            $"{{ \"type\": \"start\", \"name\": {S(payload)} }}",
            $"{{ \"id\": {S(task)}, \"name\": {S(payload)}, \"task-component\": {S(payload)}, \"task-service\": {S(payload)} }}",
            $"{{ \"id\": \"gw\", \"type\": \"exclusive\", \"name\": {S(payload)}, \"set\": {{ \"var.note\": {S(InText(payload))} }} }}",
            $"{{ \"id\": \"failed\", \"type\": \"fail\", \"name\": {S(payload)}, \"code\": {S(payload)}, \"message\": {S(payload)} }}",
            $"{{ \"id\": \"web\", \"name\": {S(payload)}, \"http-url\": \"http://127.0.0.1:9/never\", \"http-method\": \"POST\", \"http-body\": {S("{\"note\": " + S(payload) + "}")}, \"http-error\": {S(payload)} }}",
            $"{{ \"id\": {S(end)}, \"type\": \"end\", \"name\": {S(payload)} }}",
        };
        var connections = new[]
        {
            $"{{ \"from\": {S(payload)}, \"to\": {S(task)} }}",
            $"{{ \"from\": {S(task)}, \"to\": \"gw\" }}",
            $"{{ \"from\": \"gw\", \"to\": \"failed\", \"when\": {S(InCondition(payload))} }}",
            $"{{ \"from\": \"gw\", \"to\": \"web\", \"when\": \"req.name == 'web'\" }}",
            $"{{ \"from\": \"gw\", \"to\": {S(end)}, \"default\": true }}",
            $"{{ \"from\": \"web\", \"to\": {S(end)} }}",
        };
        if (json)
            return $"{{\n  \"flow\": {S(payload)},\n  \"name\": {S(payload)},\n  \"description\": {S(payload)},\n  \"graph\": {{\n    \"nodes\": [\n      {string.Join(",\n      ", nodes)}\n    ],\n    \"connections\": [\n      {string.Join(",\n      ", connections)}\n    ]\n  }}\n}}\n";
        // JSON's flow style is YAML: the same lines, as a YAML document (line 17 holds the first condition).
        return $"flow: {S(payload)}\nname: {S(payload)}\ndescription: {S(payload)}\ngraph:\n  nodes:\n    - {string.Join("\n    - ", nodes)}\n  connections:\n    - {string.Join("\n    - ", connections)}\n"
;
    }

    /// <summary>The same flow as BPMN, every attribute and text written by an XML writer.</summary>
    private static string Bpmn(string payload)
    {
        XNamespace m = "http://www.omg.org/spec/BPMN/20100524/MODEL";
        XNamespace c = "http://camunda.org/schema/1.0/bpmn";
        XElement Properties(params (string Name, string Value)[] values) => new(m + "extensionElements",
            new XElement(c + "properties", values.Select(v => new XElement(c + "property", new XAttribute("name", v.Name), new XAttribute("value", v.Value)))));
        var task = "t " + payload;
        var end = "end " + payload;
        var document = new XElement(m + "definitions", new XAttribute(XNamespace.Xmlns + "camunda", c.NamespaceName),
            new XElement(m + "process", new XAttribute("id", "process " + payload), new XAttribute("name", payload),
                new XElement(m + "startEvent", new XAttribute("id", payload), new XAttribute("name", payload)),
                new XElement(m + "serviceTask", new XAttribute("id", task), new XAttribute("name", payload), Properties(("task-component", payload), ("task-service", payload))),
                new XElement(m + "exclusiveGateway", new XAttribute("id", "gw"), new XAttribute("name", payload), new XAttribute("default", "d"), Properties(("set:var.note", InText(payload)))),
                new XElement(m + "serviceTask", new XAttribute("id", "web"), new XAttribute("name", payload),
                    Properties(("http-url", "http://127.0.0.1:9/never"), ("http-method", "POST"), ("http-body", "{\"note\": " + JsonSerializer.Serialize(payload) + "}"), ("http-error", payload))),
                new XElement(m + "endEvent", new XAttribute("id", "failed"), new XAttribute("name", payload), new XElement(m + "errorEventDefinition", new XAttribute("errorRef", "err"))),
                new XElement(m + "endEvent", new XAttribute("id", end), new XAttribute("name", payload)),
                new XElement(m + "sequenceFlow", new XAttribute("id", "s1 " + payload), new XAttribute("name", payload), new XAttribute("sourceRef", payload), new XAttribute("targetRef", task)),
                new XElement(m + "sequenceFlow", new XAttribute("id", "s2"), new XAttribute("sourceRef", task), new XAttribute("targetRef", "gw")),
                new XElement(m + "sequenceFlow", new XAttribute("id", "s3"), new XAttribute("sourceRef", "gw"), new XAttribute("targetRef", "failed"),
                    new XElement(m + "conditionExpression", InCondition(payload))),
                new XElement(m + "sequenceFlow", new XAttribute("id", "s4"), new XAttribute("sourceRef", "gw"), new XAttribute("targetRef", "web"),
                    new XElement(m + "conditionExpression", "req.name == 'web'")),
                new XElement(m + "sequenceFlow", new XAttribute("id", "d"), new XAttribute("sourceRef", "gw"), new XAttribute("targetRef", end)),
                new XElement(m + "sequenceFlow", new XAttribute("id", "s5"), new XAttribute("sourceRef", "web"), new XAttribute("targetRef", end))),
            new XElement(m + "error", new XAttribute("id", "err"), new XAttribute("errorCode", payload), new XAttribute("name", payload)));
        return document.ToString();
    }
}
