using System.Text.Json.Nodes;
using Json.Schema;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// Camunda Modeler element templates of the task catalogue (docs/modeler.md): written when the project sets
// FlowGenElementTemplates, in both flavours, each valid against Camunda's published JSON Schema (TestData/camunda).
public sealed class ElementTemplateTests
{
    private const string Components = """
        using FlowGen;
        namespace Shop;
        public sealed record Req(string Id);
        [FlowComponent("orders")]
        public sealed class Orders
        {
            [FlowTask("load", Timeout = 500, Retry = 2)] public string Load(Req r) => r.Id;
            [FlowTask("ship")] public void Ship() { }
            [FlowTask("ship", Ability = "express")] public void ShipExpress() { }
        }
        [FlowComponent("mail \"quoted\"")]
        public sealed class Mail { [FlowTask("send")] public void Send() { } }
        """;

    private static (string Camunda7, string Camunda8) Templates(params (string, string)[] properties)
    {
        var run = GeneratorHarness.RunGenerator(GeneratorHarness.Compilation(Components),
            GeneratorHarness.Driver(new BuildProperties(properties)));
        var source = run.Source("FlowGenElementTemplates.g.cs");
        Assert.NotNull(source);
        Assert.Empty(run.CompileErrors);
        // The constants' values, read back from the compiled assembly as the MSBuild task reads them.
        using var stream = new MemoryStream();
        Assert.True(run.Output.Emit(stream).Success);
        var assembly = System.Reflection.Assembly.Load(stream.ToArray());
        var type = assembly.GetType("FlowGen.Generated.FlowGenElementTemplates")!;
        return ((string)type.GetField("Camunda7")!.GetRawConstantValue()!, (string)type.GetField("Camunda8")!.GetRawConstantValue()!);
    }

    /// <summary>
    /// Camunda's schema, less its fragment-only "$id" annotations ("#/name"): Camunda's modeler reads them to word its
    /// errors; draft-07 validators refuse them as identifiers, and every "$ref" of the schema is a pointer from its root.
    /// </summary>
    // Loaded once each: the validator registers a schema by its $id and refuses a second registration.
    private static readonly Dictionary<string, JsonSchema> s_schemas = [];

    private static JsonSchema Schema(string folder)
    {
        lock (s_schemas)
        {
            if (!s_schemas.TryGetValue(folder, out var loaded)) s_schemas[folder] = loaded = Load(folder);
            return loaded;
        }
    }

    private static JsonSchema Load(string folder)
    {
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(GeneratorHarness.RepositoryRoot(), "tests", "FlowGen.Generators.Tests", "TestData", "camunda", folder, "schema.json")))!;
        static void Strip(JsonNode? node)
        {
            if (node is JsonObject obj)
            {
                if (obj["$id"] is JsonValue id && id.TryGetValue<string>(out var text) && text.StartsWith('#')) obj.Remove("$id");
                foreach (var child in obj.Select(p => p.Value).ToList()) Strip(child);
            }
            else if (node is JsonArray array)
            {
                foreach (var child in array) Strip(child);
            }
        }
        Strip(schema);
        return JsonSchema.FromText(schema.ToJsonString());
    }

    [Fact]
    public void Without_the_property_no_templates_are_written()
    {
        var run = GeneratorHarness.RunGenerator(Components);

        Assert.Null(run.Source("FlowGenElementTemplates.g.cs"));
    }

    [Fact]
    public void Each_task_is_a_template_valid_against_camundas_schemas_in_both_flavours()
    {
        var (camunda7, camunda8) = Templates(("FlowGenElementTemplates", "templates"));

        foreach (var (json, folder) in new[] { (camunda7, "element-templates"), (camunda8, "zeebe-element-templates") })
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            var result = Schema(folder).Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, folder + ": " + string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Take(5)
                .Select(d => d.InstanceLocation + " " + string.Join(", ", d.Errors!.Values))));
        }

        var templates = JsonNode.Parse(camunda7)!.AsArray();
        Assert.Equal(["flowgen.mail \"quoted\".send", "flowgen.orders.load", "flowgen.orders.ship"], templates.Select(t => (string)t!["id"]!));
        var load = templates[1]!["properties"]!.AsArray();
        Assert.Contains(load, p => (string?)p!["binding"]!["name"] == "task-service" && (string?)p["value"] == "load");
        Assert.Contains(load, p => (string?)p!["binding"]!["name"] == "timeout" && (string?)p["value"] == "500");
        Assert.Contains(load, p => (string?)p!["binding"]!["name"] == "retry-times" && (string?)p["value"] == "2");
        var zeebe = JsonNode.Parse(camunda8)!.AsArray()[1]!["properties"]!.AsArray();
        Assert.Contains(zeebe, p => (string?)p!["binding"]!["type"] == "zeebe:taskDefinition" && (string?)p["value"] == "load");
    }

    [Fact]
    public void The_schema_check_refuses_a_template_camunda_would_refuse()
    {
        using var document = System.Text.Json.JsonDocument.Parse("[{ \"name\": \"x\", \"id\": \"y\", \"properties\": [] }]"); // no appliesTo

        Assert.False(Schema("element-templates").Evaluate(document.RootElement).IsValid);
        Assert.False(Schema("zeebe-element-templates").Evaluate(document.RootElement).IsValid);
    }
}
