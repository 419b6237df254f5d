using System.Collections.Immutable;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>
/// A [Flow("id")] attribute and where it is written (its own lane, so that moving it re-emits no code), with what is
/// wrong with its class: not partial, no IFlow&lt;TRequest, TResult&gt;, or a shape FlowGen cannot generate (null when fine).
/// </summary>
internal sealed record FlowClassSite(string FlowId, string ClassName, LocationInfo Location)
{
    /// <summary>The class name's place, where FG0701, FG0703 and FG0707 are reported.</summary>
    public LocationInfo ClassLocation { get; init; } = Location;

    public bool IsPartial { get; init; } = true;

    public bool ImplementsFlow { get; init; } = true;

    /// <summary>Why the class's shape cannot be generated ("is nested in another type"), or null.</summary>
    public string? ShapeProblem { get; init; }

    /// <summary>A class with a fluent definition is its own flow (never FG0702).</summary>
    public bool IsFluent { get; init; }
}

/// <summary>
/// [Flow] classes whose id names no flow (FG0702). Reported by the generator rather than an analyzer: analyzers do not
/// run when the compilation has errors, and a flow class without its flow always has one (CS0535, no RunAsync), so the
/// user would see only the compiler's error, which reads like a mistake of their own.
/// </summary>
internal static class FlowClassChecks
{
    /// <summary>
    /// FG0701, FG0703 and FG0707: a [Flow] class FlowGen cannot complete. Reported by the generator for the same reason as
    /// FG0702: without its generated part the class does not compile (CS0535, no RunAsync), and the analyzers then do not run.
    /// </summary>
    public static IEnumerable<DiagnosticInfo> ClassShapes(ImmutableArray<FlowClassSite> classes)
    {
        foreach (var site in classes.OrderBy(c => c.ClassLocation.FilePath, StringComparer.Ordinal).ThenBy(c => c.ClassLocation.Start))
        {
            if (!site.IsPartial) yield return DiagnosticInfo.Create(FlowDiagnostics.FlowClassNotPartial, site.ClassLocation, site.ClassName, site.FlowId);
            if (site.ShapeProblem is { } problem) yield return DiagnosticInfo.Create(FlowDiagnostics.FlowClassShape, site.ClassLocation, site.ClassName, problem);
            if (!site.ImplementsFlow) yield return DiagnosticInfo.Create(FlowDiagnostics.FlowClassWithoutInterface, site.ClassLocation, site.ClassName, site.FlowId);
        }
    }

    public static IEnumerable<DiagnosticInfo> UnknownIds(ImmutableArray<FlowClassSite> classes, EquatableArray<EquatableArray<FlowIdSite>> flows, ImmutableArray<string> lookAlikes)
    {
        var known = new HashSet<string>(flows.SelectMany(f => f).Select(f => f.FlowId), StringComparer.Ordinal);
        foreach (var site in classes.Where(c => !c.IsFluent && !known.Contains(c.FlowId)).OrderBy(c => c.Location.FilePath, StringComparer.Ordinal).ThenBy(c => c.Location.Start))
        {
            var detail = known.Count == 0
                ? " (the project has no flow files: add *.bpmn, *.flow.json or *.flow.yaml files as AdditionalFiles)"
                : " (flows found: " + string.Join(", ", known.OrderBy(i => i, StringComparer.Ordinal).Take(10)) + (known.Count > 10 ? ", ..." : "") + ")";
            if (lookAlikes.Length > 0)
                detail += "; these AdditionalFiles look like flows but are not read, since only *.bpmn, *.flow.json, *.flow.yaml, *.flow.yml, *.rulechain.json, *.psgo.json and *.playwell.yml files are: "
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
