using FlowGen.Generators.Checks;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Frontends.Bpmn;
using FlowGen.Generators.Frontends.Json;
using FlowGen.Generators.Frontends.Yaml;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Frontends;

/// <summary>Picks the front end for a flow file and turns its text into the IR plus the file's own diagnostics.</summary>
internal static class FlowFileReader
{
    public static bool IsFlowFile(string path)
        => path.EndsWith(".bpmn", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(Dialects.RulegoReader.Extension, StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(Dialects.PsgoReader.Extension, StringComparison.OrdinalIgnoreCase)
        || Dialects.PlaywellReader.Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase))
        || path.EndsWith(JsonFlowReader.Extension, StringComparison.OrdinalIgnoreCase)
        || YamlFlowReader.Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    public static FlowFile Read(string path, SourceText? text, CancellationToken cancellationToken)
        => Read(path, text, FlowLimits.Default, cancellationToken);

    public static FlowFile Read(string path, SourceText? text, FlowLimits limits, CancellationToken cancellationToken)
    {
        if (text is null) return new FlowFile(path, EquatableArray<FlowDefinition>.Empty, EquatableArray<DiagnosticInfo>.Empty);
        try
        {
            if (text.Length > limits.MaxFileSize)
            {
                // Refused before any parsing: its size alone would cost every later step (FG0009).
                var diagnostic = DiagnosticInfo.Create(FlowDiagnostics.FileTooLarge, LocationInfo.From(path, text, new TextSpan(0, 0)),
                    text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), limits.MaxFileSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return new FlowFile(path, EquatableArray<FlowDefinition>.Empty, new[] { diagnostic }.ToEquatableArray());
            }
            var (graphs, subprocesses, syntax) =
                path.EndsWith(JsonFlowReader.Extension, StringComparison.OrdinalIgnoreCase) ? JsonFlowReader.Read(path, text, limits, cancellationToken)
                : path.EndsWith(Dialects.RulegoReader.Extension, StringComparison.OrdinalIgnoreCase) ? Dialects.RulegoReader.Read(path, text, limits, cancellationToken)
                : path.EndsWith(Dialects.PsgoReader.Extension, StringComparison.OrdinalIgnoreCase) ? Dialects.PsgoReader.Read(path, text, limits, cancellationToken)
                : Dialects.PlaywellReader.Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)) ? Dialects.PlaywellReader.Read(path, text, limits, cancellationToken)
                : YamlFlowReader.Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)) ? YamlFlowReader.Read(path, text, limits, cancellationToken)
                : BpmnReader.ReadAll(path, text, limits, cancellationToken);
            var invisible = InvisibleCharacters(path, text);
            if (invisible.Count > 0) syntax = syntax.Concat(invisible).ToEquatableArray();
            return StructureChecks.Check(path, graphs, subprocesses, syntax, cancellationToken, limits);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The generator never throws: an internal failure is one diagnostic at the file.
            var location = new LocationInfo(path, 0, 0, 0, 0, 0, 0);
            var diagnostic = DiagnosticInfo.Create(FlowDiagnostics.InternalError, location, System.IO.Path.GetFileName(path), ex.GetType().Name + ": " + ex.Message);
            return new FlowFile(path, EquatableArray<FlowDefinition>.Empty, new[] { diagnostic }.ToEquatableArray());
        }
    }

    /// <summary>
    /// FG0008 at each bidirectional control in the file (at most 10, then one that says how many more): text that
    /// displays in another order than it is read has no place in a flow, and a reviewer cannot see it.
    /// </summary>
    private static List<DiagnosticInfo> InvisibleCharacters(string path, SourceText text)
    {
        var found = new List<DiagnosticInfo>();
        var total = 0;
        var tenth = -1;
        // Read through the SourceText itself: the readers hold their own copy of the file's text already.
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < '\u061C' || !Emit.CSharpText.IsBidiControl(c)) continue;
            if (++total > 10) continue;
            if (total == 10) tenth = i;
            found.Add(Invisible(path, text, i, ""));
        }
        if (total > 10)
            found[9] = Invisible(path, text, tenth, $"; {(total - 10).ToString(System.Globalization.CultureInfo.InvariantCulture)} more after it are not listed");
        return found;
    }

    private static DiagnosticInfo Invisible(string path, SourceText text, int offset, string more)
    {
        var c = text[offset];
        return DiagnosticInfo.Create(FlowDiagnostics.InvisibleCharacter, LocationInfo.From(path, text, new TextSpan(offset, 1)),
            BidiName(c), ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture), more);
    }

    private static string BidiName(char c) => c switch
    {
        '\u061C' => "an ARABIC LETTER MARK",
        '\u200E' => "a LEFT-TO-RIGHT MARK",
        '\u200F' => "a RIGHT-TO-LEFT MARK",
        '\u202A' => "a LEFT-TO-RIGHT EMBEDDING",
        '\u202B' => "a RIGHT-TO-LEFT EMBEDDING",
        '\u202C' => "a POP DIRECTIONAL FORMATTING",
        '\u202D' => "a LEFT-TO-RIGHT OVERRIDE",
        '\u202E' => "a RIGHT-TO-LEFT OVERRIDE",
        '\u2066' => "a LEFT-TO-RIGHT ISOLATE",
        '\u2067' => "a RIGHT-TO-LEFT ISOLATE",
        '\u2068' => "a FIRST STRONG ISOLATE",
        _ => "a POP DIRECTIONAL ISOLATE",
    };
}
