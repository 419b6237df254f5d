using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Model;

/// <summary>
/// A place in a flow file, kept as plain data: a Roslyn <see cref="Location"/> is not equatable across
/// runs, so it is rebuilt from this only when a diagnostic is reported.
/// </summary>
internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    /// <summary>Zero-based line and column, as Roslyn's <see cref="LinePosition"/>.</summary>
    public Location ToLocation() => Location.Create(
        FilePath,
        new TextSpan(Start, Length),
        new LinePositionSpan(new LinePosition(StartLine, StartColumn), new LinePosition(EndLine, EndColumn)));

    public static LocationInfo From(string path, SourceText text, TextSpan span)
    {
        var lines = text.Lines.GetLinePositionSpan(span);
        return new LocationInfo(path, span.Start, span.Length, lines.Start.Line, lines.Start.Character, lines.End.Line, lines.End.Character);
    }

    /// <summary>path(line,column), one-based, as compilers print locations.</summary>
    public override string ToString() => $"{FilePath}({StartLine + 1},{StartColumn + 1})";
}
