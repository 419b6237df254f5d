using System.Collections.Immutable;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>A flow id and where it is defined.</summary>
internal sealed record FlowIdSite(string FlowId, LocationInfo Location);

/// <summary>For a flow id defined in several files, the file whose definition is compiled (the first by path).</summary>
internal sealed record FlowIdOwner(string FlowId, string FilePath);

/// <summary>Flow ids must be unique across all flow files of a project.</summary>
internal static class DuplicateFlows
{
    /// <summary>Owners of the ids defined more than once; empty (and so equal run to run) in a healthy project.</summary>
    public static EquatableArray<FlowIdOwner> Owners(ImmutableArray<EquatableArray<FlowIdSite>> files)
        => files.SelectMany(f => f)
            .GroupBy(s => s.FlowId, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => new FlowIdOwner(g.Key, g.OrderBy(s => s.Location.FilePath, StringComparer.Ordinal).ThenBy(s => s.Location.Start).First().Location.FilePath))
            .OrderBy(o => o.FlowId, StringComparer.Ordinal)
            .ToEquatableArray();

    /// <summary>
    /// Subprocess ids are one namespace across files too (a call activity names one by id, as in Kstry, which rejects
    /// a second definition when it loads the files): FG0102 at every definition after the first by path. Within a
    /// file the reader's id check reports them already.
    /// </summary>
    public static IEnumerable<DiagnosticInfo> FindSubprocesses(EquatableArray<SubprocessDefinition> all)
    {
        foreach (var group in all.GroupBy(s => s.Id, StringComparer.Ordinal))
        {
            var sites = group.OrderBy(s => s.Location.FilePath, StringComparer.Ordinal).ThenBy(s => s.Location.Start).ToList();
            var first = sites[0].Location;
            foreach (var later in sites.Skip(1).Where(s => s.Location.FilePath != first.FilePath))
            {
                yield return DiagnosticInfo.Create(FlowDiagnostics.DuplicateId, later.Location, later.Id,
                    $"{System.IO.Path.GetFileName(later.Location.FilePath)} line {later.Location.StartLine + 1}",
                    $"{System.IO.Path.GetFileName(first.FilePath)} line {first.StartLine + 1}").WithAdditional(first);
            }
        }
    }

    public static IEnumerable<DiagnosticInfo> Find(ImmutableArray<EquatableArray<FlowIdSite>> files)
    {
        var first = new Dictionary<string, LocationInfo>(StringComparer.Ordinal);
        foreach (var site in files.SelectMany(f => f).OrderBy(s => s.Location.FilePath, StringComparer.Ordinal).ThenBy(s => s.Location.Start))
        {
            if (first.TryGetValue(site.FlowId, out var earlier))
            {
                yield return DiagnosticInfo.Create(FlowDiagnostics.DuplicateId, site.Location, site.FlowId,
                    $"{System.IO.Path.GetFileName(site.Location.FilePath)} line {site.Location.StartLine + 1}",
                    $"{System.IO.Path.GetFileName(earlier.FilePath)} line {earlier.StartLine + 1}").WithAdditional(earlier);
            }
            else
            {
                first[site.FlowId] = site.Location;
            }
        }
    }
}
