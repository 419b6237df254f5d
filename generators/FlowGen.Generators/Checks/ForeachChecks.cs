using System.Text.RegularExpressions;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FlowGen.Generators.Checks;

/// <summary>
/// A subprocess or call activity with <c>foreach</c> runs its whole body once per item of a collection (Camunda's
/// multi-instance subprocess, Playwell's foreach, a <c>type: foreach</c> node): the source must be a collection on the
/// bus (FG0406), the item and its index are written to <c>var.&lt;item&gt;</c> and <c>var.&lt;index&gt;</c> for the
/// body to read, typed as the collection's items and <c>int</c>. See docs/iteration.md#a-body-per-item-foreach.
/// </summary>
internal static class ForeachChecks
{
    public const string Source = "foreach";
    public const string Item = "foreach-item";
    public const string Index = "foreach-index";
    public const string Parallel = "foreach-parallel";

    private static readonly Regex Name = new(@"^(?:var\.)?([A-Za-z_][A-Za-z0-9_]*)$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Binds each foreach node of the flow and adds its item and index to <paramref name="producers"/>, written by the
    /// foreach node itself (which runs before every node of its body).
    /// </summary>
    public static Dictionary<string, BoundForeach> Bind(FlowDefinition flow, GraphIndex index, FlowClassModel flowClass, TypeTable types,
        List<BusChecks.Producer> producers, Ancestry ancestors, List<DiagnosticInfo> diagnostics)
    {
        var bound = new Dictionary<string, BoundForeach>(StringComparer.Ordinal);
        foreach (var id in flow.NodeIds)
        {
            var node = index.Nodes[id];
            if (node.IsUnsupported || node.Kind is not (NodeKind.SubProcess or NodeKind.CallActivity) || node.FindProperty(Source) is not { } source) continue;
            if (SettingsChecks.IsDetached(node))
            {
                var setting = node.FindProperty("await")!;
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, setting.Location, node.Describe(), "await", setting.Value,
                    "the node is a foreach, whose items the run waits for; put the fire-and-forget subflow inside the foreach's body instead")
                    .WithSeverity(DiagnosticSeverity.Error));
                continue;
            }
            if (node.FindProperty("ite-source") is { } other)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, other.Location, node.Describe(), "ite-source", other.Value,
                    "the node also has foreach, which runs its whole body per item (ite-source makes each task inside iterate on its own); keep one of the two")
                    .WithSeverity(DiagnosticSeverity.Error));
                continue;
            }
            var upstream = producers.Where(p => p.NodeId != id && ancestors[id].Contains(p.NodeId)).ToList();
            if (BusChecks.Collection(node, source, flowClass, types, upstream, diagnostics, "before this foreach") is not { } collection) continue;
            var itemName = VariableName(node, Item, "item", diagnostics);
            var indexName = VariableName(node, Index, "index", diagnostics);
            if (itemName is null || indexName is null) continue;
            if (string.Equals(itemName, indexName, StringComparison.OrdinalIgnoreCase))
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, node.FindProperty(Index)?.Location ?? node.Location, node.Describe(), Index, indexName,
                    $"the item is var.{itemName} too; give the index another name").WithSeverity(DiagnosticSeverity.Error));
                continue;
            }
            var parallel = SettingsChecks.TryMilliseconds(node.GetProperty(Parallel), out var degree) ? degree : 0;
            var itemNullable = collection.ItemType.EndsWith("?", StringComparison.Ordinal);
            producers.Add(new BusChecks.Producer(id, node, new OutputModel(BusScope.Var, itemName, collection.ItemType, itemNullable, null)) { Foreach = true });
            producers.Add(new BusChecks.Producer(id, node, new OutputModel(BusScope.Var, indexName, "int", false, null)) { Foreach = true });
            bound[id] = new BoundForeach(source.Value.Trim(), collection.Code, collection.ItemType, itemName, indexName, parallel);
        }
        return bound;
    }

    /// <summary>The fields a bound foreach writes, once the bus fields are named: <c>state.Var_item</c>, <c>state.Var_index</c>.</summary>
    public static BoundForeach WithFields(BoundForeach foreach_, List<BusChecks.Producer> producers)
    {
        string Field(string name) => "state." + BusChecks.FieldName(BusScope.Var,
            producers.First(p => p.Output.Scope == BusScope.Var && string.Equals(p.Output.Name, name, StringComparison.OrdinalIgnoreCase)).Output.Name);
        return foreach_ with { ItemField = Field(foreach_.ItemName), IndexField = Field(foreach_.IndexName) };
    }

    /// <summary>The var name a foreach writes its item (or index) to: the setting, else the default; FG0602 when it is not a name.</summary>
    private static string? VariableName(FlowNode node, string setting, string fallback, List<DiagnosticInfo> diagnostics)
    {
        if (node.FindProperty(setting) is not { } property) return fallback;
        var match = Name.Match(property.Value.Trim());
        if (match.Success) return match.Groups[1].Value;
        diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, property.Location, node.Describe(), setting, property.Value,
            "it is not a name of letters, digits and '_' (the value is written to var.<name>, such as var.order)").WithSeverity(DiagnosticSeverity.Error));
        return null;
    }
}
