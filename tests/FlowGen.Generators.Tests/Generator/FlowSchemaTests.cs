using System.Text.Json;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Frontends.Documents;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// schemas/flowgen.flow.schema.json is what editors validate JSON and YAML flows with: it must list exactly the keys
// the reader knows, so that the editor and the build never disagree (Workflow Core's JSON format lagged its code).
public sealed class FlowSchemaTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(GeneratorHarness.RepositoryRoot(), "schemas", "flowgen.flow.schema.json"))).RootElement;

    private static JsonElement Definition(string name) => Schema.GetProperty("definitions").GetProperty(name);

    private static SortedSet<string> Properties(JsonElement element) => new(element.GetProperty("properties").EnumerateObject().Select(p => p.Name), StringComparer.Ordinal);

    private static SortedSet<string> Set(IEnumerable<string> names) => new(names, StringComparer.Ordinal);

    [Fact]
    public void The_top_level_keys_match_the_reader() => Assert.Equal(Set(FlowDocumentReader.TopKeys), Properties(Schema));

    [Fact]
    public void The_node_types_match_the_reader()
        => Assert.Equal(Set(FlowDocumentReader.NodeTypes), Set(Definition("node").GetProperty("properties").GetProperty("type").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!)));

    [Fact]
    public void Connections_subflows_cases_and_request_fields_match_the_reader()
    {
        Assert.Equal(Set(FlowDocumentReader.ConnectionKeys), Properties(Definition("connection")));
        Assert.Equal(Set(FlowDocumentReader.SubflowKeys), Properties(Definition("subflow")));
        Assert.Equal(Set(["when", "then", "default"]), Properties(Definition("case")));
        Assert.Equal(Set(SchemaReader.Keys), Properties(Definition("fieldRules")));
    }

    [Fact]
    public void Steps_and_actions_take_their_own_keys_and_the_task_settings()
    {
        // Settings of start nodes, receives and timers are not task settings; a sleep action takes its duration.
        string[] durable = ["event", "key", "trigger-when", "on-failure", "continues", "to", "duration", "date"];
        var taskSettings = Set(SettingsChecks.AppliedNames.Except(["called-element", "flow-timeout", "loop-limit", "open-async", "error-code", "error-message", .. durable]));

        // A foreach step or action takes its item, index, parallel and body too.
        var foreachKeys = FlowDocumentReader.ForeachKeys.Concat(FlowDocumentReader.FormKeys).Concat(FlowDocumentReader.PublishKeys);
        Assert.Equal(Set(FlowDocumentReader.StepStructural.Concat(foreachKeys).Concat(taskSettings)), Properties(Definition("step")));
        Assert.Equal(Set(FlowDocumentReader.ActionStructural.Concat(foreachKeys).Concat(taskSettings).Append("duration")), Properties(Definition("action")));
    }

    [Fact]
    public void Graph_nodes_take_every_applied_setting()
    {
        var node = Properties(Definition("node"));

        Assert.Empty(Set(SettingsChecks.AppliedNames.Except(["called-element"])).Except(node));
    }

    [Fact]
    public void The_schema_is_draft_07_with_a_stable_id()
    {
        Assert.Equal("http://json-schema.org/draft-07/schema#", Schema.GetProperty("$schema").GetString());
        Assert.StartsWith("https://", Schema.GetProperty("$id").GetString());
    }
}
