using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Frontends.Documents;

// The parsed form of a JSON or YAML flow file: mappings, sequences and scalars, each knowing where it was
// written. Transient (used while reading one file), so plain classes rather than pipeline records.

internal abstract class DocNode(LocationInfo location)
{
    public LocationInfo Location { get; } = location;

    /// <summary>How messages name the kind of value: "a mapping", "a list", "a text".</summary>
    public abstract string Kind { get; }
}

internal sealed class DocScalar(string value, bool isQuoted, bool isNull, LocationInfo location, DocumentText source, int contentStart, int contentEnd) : DocNode(location)
{
    public string Value { get; } = value;

    /// <summary>True when written in quotes: <c>"true"</c> is a text, <c>true</c> a boolean.</summary>
    public bool IsQuoted { get; } = isQuoted;

    /// <summary>An unquoted <c>null</c>, <c>~</c> or empty value.</summary>
    public bool IsNull { get; } = isNull;

    public override string Kind => IsNull ? "null" : "a text";

    /// <summary>
    /// The file offset of each character of <see cref="Value"/> (plus one for the end), matched against the
    /// raw text so that escapes, quotes and block indentation do not shift an expression's columns.
    /// </summary>
    public int[] CharOffsets()
    {
        var offsets = new int[Value.Length + 1];
        var raw = source.Content;
        var p = contentStart;
        for (var i = 0; i < Value.Length; i++)
        {
            var q = p;
            while (q < contentEnd && raw[q] != Value[i]) q++;
            if (q < contentEnd) { offsets[i] = q; p = q + 1; }
            else offsets[i] = Math.Min(p, Math.Max(contentStart, contentEnd - 1));
        }
        offsets[Value.Length] = Value.Length == 0 ? contentStart : Math.Max(offsets[Value.Length - 1] + 1, Math.Min(p, contentEnd));
        return offsets;
    }
}

internal sealed class DocSequence(IReadOnlyList<DocNode> items, LocationInfo location) : DocNode(location)
{
    public IReadOnlyList<DocNode> Items { get; } = items;

    public override string Kind => "a list";
}

/// <summary>A key of a mapping and where it was written (diagnostics about the key point here).</summary>
internal sealed record DocKey(string Name, LocationInfo Location);

internal sealed class DocMapping(IReadOnlyList<KeyValuePair<DocKey, DocNode>> entries, LocationInfo location) : DocNode(location)
{
    public IReadOnlyList<KeyValuePair<DocKey, DocNode>> Entries { get; } = entries;

    public override string Kind => "a mapping";

    public DocNode? this[string key]
    {
        get
        {
            foreach (var entry in Entries)
            {
                if (string.Equals(entry.Key.Name, key, StringComparison.Ordinal)) return entry.Value;
            }
            return null;
        }
    }

    public DocKey? KeyOf(string key)
    {
        foreach (var entry in Entries)
        {
            if (string.Equals(entry.Key.Name, key, StringComparison.Ordinal)) return entry.Key;
        }
        return null;
    }
}

/// <summary>The file a document came from: path, text, and offset-to-location mapping.</summary>
internal sealed class DocumentText(string path, SourceText text, FlowLimits? limits = null)
{
    public string Path { get; } = path;

    /// <summary>The limits the readers of this text enforce (nesting, condition terms).</summary>
    public FlowLimits Limits { get; } = limits ?? FlowLimits.Default;

    public string Content { get; } = text.ToString();

    public LocationInfo Span(int start, int end)
    {
        start = Math.Max(0, Math.Min(start, Content.Length));
        end = Math.Max(start, Math.Min(end, Content.Length));
        return LocationInfo.From(Path, text, TextSpan.FromBounds(start, end));
    }

    /// <summary>
    /// An expression a front end translated (a dialect's script), each character at the file offset it came from (plus one
    /// for the end): parsed, and located so that its errors land on the file's characters.
    /// </summary>
    public ConditionSource Expression(string text, int[] offsets)
    {
        var (lines, columns) = Locate(offsets);
        var location = Span(offsets[0], Math.Max(offsets[0] + 1, offsets[offsets.Length - 1]));
        return new ConditionSource(text, Expressions.ExpressionParser.Parse(text, Limits), location, offsets.ToEquatableArray(), lines.ToEquatableArray(), columns.ToEquatableArray());
    }

    /// <summary>Zero-based line and column of every offset, for expression locations.</summary>
    public (int[] Lines, int[] Columns) Locate(int[] offsets)
    {
        var lines = new int[offsets.Length];
        var columns = new int[offsets.Length];
        for (var i = 0; i < offsets.Length; i++)
        {
            var position = text.Lines.GetLinePosition(Math.Min(offsets[i], Content.Length));
            lines[i] = position.Line;
            columns[i] = position.Character;
        }
        return (lines, columns);
    }
}
