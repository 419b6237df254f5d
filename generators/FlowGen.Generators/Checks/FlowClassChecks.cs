using System.Collections.Immutable;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>A [Flow("id")] attribute and where it is written (its own lane, so that moving it re-emits no code).</summary>
internal sealed record FlowClassSite(string FlowId, string ClassName, LocationInfo Location);

/// <summary>
/// [Flow] classes whose id names no flow (FG0702). Reported by the generator rather than an analyzer: analyzers do not
/// run when the compilation has errors, and a flow class without its flow always has one (CS0535, no RunAsync), so the
/// user would see only the compiler's error, which reads like a mistake of their own.
/// </summary>
internal static class FlowClassChecks
{
    public static IEnumerable<DiagnosticInfo> UnknownIds(ImmutableArray<FlowClassSite> classes, EquatableArray<EquatableArray<FlowIdSite>> flows, ImmutableArray<string> lookAlikes)
    {
        var known = new HashSet<string>(flows.SelectMany(f => f).Select(f => f.FlowId), StringComparer.Ordinal);
        foreach (var site in classes.Where(c => !known.Contains(c.FlowId)).OrderBy(c => c.Location.FilePath, StringComparer.Ordinal).ThenBy(c => c.Location.Start))
        {
            var detail = known.Count == 0
                ? " (the project has no flow files: add *.bpmn, *.flow.json or *.flow.yaml files as AdditionalFiles)"
                : " (flows found: " + string.Join(", ", known.OrderBy(i => i, StringComparer.Ordinal).Take(10)) + (known.Count > 10 ? ", ..." : "") + ")";
            if (lookAlikes.Length > 0)
                detail += "; these AdditionalFiles look like flows but are not read, since only *.bpmn, *.flow.json, *.flow.yaml and *.flow.yml files are: "
                    + string.Join(", ", lookAlikes.OrderBy(p => p, StringComparer.Ordinal).Take(5).Select(System.IO.Path.GetFileName)) + (lookAlikes.Length > 5 ? ", ..." : "");
            yield return DiagnosticInfo.Create(FlowDiagnostics.FlowIdNotFound, site.Location, site.FlowId, site.ClassName, detail);
        }
    }

    /// <summary>True when a flow file could not be read at all (its syntax, shape or size), so its flows are unknown.</summary>
    public static bool IsUnreadable(FlowFile file)
        => file.Diagnostics.Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error
            && d.Id is "FG0001" or "FG0002" or "FG0005" or "FG0006" or "FG0009" or "FG0010" or "FG0013" or "FG9001");

    /// <summary>An additional file named like a flow document, but not as a flow file (order.json for order.flow.json).</summary>
    public static bool LooksLikeFlowFile(string path)
        => path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".bpmn.xml", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".bpmn20.xml", StringComparison.OrdinalIgnoreCase);
}
