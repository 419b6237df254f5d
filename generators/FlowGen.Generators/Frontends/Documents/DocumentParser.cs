using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace FlowGen.Generators.Frontends.Documents;

/// <summary>
/// Turns JSON or YAML text into a <see cref="DocNode"/> tree with exact locations, using YamlDotNet's
/// event parser (JSON is read as the YAML flow style it is). Anchors and aliases are resolved; a syntax
/// error is FG0005 at the place the parser stopped.
/// </summary>
/// <remarks>
/// An alias is the node its anchor made (nothing is copied), but every reader after this one walks it once per alias,
/// so aliases of aliases multiply the document (the YAML "billion laughs": nine lines of ten aliases each stand for
/// 10^9 values). So each anchored node knows how many values it stands for and how deep it goes, and an alias counts
/// as all of it: past <see cref="MaxAliasValues"/> values in all is FG0013, and an alias whose value would reach deeper
/// than the nesting limit where it stands is FG0010, both at the alias.
/// </remarks>
internal static class DocumentParser
{
    /// <summary>
    /// How many values all the aliases of one document may stand for together. A real flow repeats a few settings with
    /// anchors (tens of values); a file must write out what goes beyond this.
    /// </summary>
    public const int MaxAliasValues = 100_000;

    public static DocNode? Parse(DocumentText source, string dialect, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var anchors = new Anchors();
        var scanner = new Scanner(new StringReader(source.Content), skipComments: true);
        try
        {
            var parser = new Parser(scanner);
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _)) return null;
            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, source, anchors, 1, cancellationToken).Node;
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                var next = parser.Current!;
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MalformedDocument, source.Span((int)next.Start.Index, (int)next.End.Index + 1),
                    dialect, "the file holds more than one document", "keep one flow per file (remove the '---' separator)"));
                return null;
            }
            return root;
        }
        catch (NestedTooDeepException ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.NestedTooDeep, ex.Location, ex.What ?? $"This {dialect} value", ex.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return null;
        }
        catch (AliasExpansionException ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.AliasesExpandTooFar, ex.Location, ex.Alias, MaxAliasValues.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)));
            return null;
        }
        catch (DocumentSyntaxException ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MalformedDocument, ex.Location, dialect, ex.Message, "fix the text at this position"));
            return null;
        }
        catch (YamlException ex)
        {
            var offset = (int)Math.Min(ex.Start.Index, source.Content.Length);
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MalformedDocument, source.Span(offset, offset + 1),
                dialect, Clean(ex.Message), "fix the text at this position"));
            return null;
        }
        catch (ArgumentOutOfRangeException ex) when (ex.ParamName is "lowSurrogate" or "highSurrogate")
        {
            // YamlDotNet joins an escaped high surrogate with the escape after it, and throws when that is no low surrogate
            // ("\ud800\u0041", "\ud800x"): report the escape that starts the broken pair.
            var offset = (int)Math.Min(scanner.CurrentPosition.Index, source.Content.Length);
            var escape = LastHighSurrogateEscape(source.Content, offset);
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MalformedDocument, escape >= 0 ? source.Span(escape, escape + 6) : source.Span(offset, offset + 1),
                dialect, "this escape is the first half of a surrogate pair (\\uD800-\\uDBFF), but no escaped second half (\\uDC00-\\uDFFF) follows it",
                "write the character itself, or both halves of the pair, such as \\uD83D\\uDE00"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up on some broken input without a YamlException: report where it stopped.
            var offset = (int)Math.Min(scanner.CurrentPosition.Index, source.Content.Length);
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MalformedDocument, source.Span(offset, offset + 1),
                dialect, "the text cannot be parsed here (an unclosed '{' or '[' before it?)", "fix the text at or before this position"));
            return null;
        }
    }

    /// <summary>
    /// Reads one value; recursive, one level per nesting level, so the depth is bounded (FlowGenMaxNesting, never
    /// above the parser's hard limit): no file can overflow the compiler's stack.
    /// </summary>
    /// <summary>Anchored nodes by name, with what each stands for, and the values all aliases so far stood for.</summary>
    private sealed class Anchors
    {
        public readonly Dictionary<string, Read> ByName = new(StringComparer.Ordinal);
        public long AliasValues;
    }

    /// <summary>A node read, with the values it stands for (itself, its keys and everything below, aliases expanded) and its height in levels.</summary>
    private readonly record struct Read(DocNode Node, long Values, int Height);

    private static Read ReadNode(IParser parser, DocumentText source, Anchors anchors, int depth, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var maxDepth = Math.Min(source.Limits.MaxNesting, Expressions.ExpressionParser.HardMaxDepth);
        if (depth > maxDepth && parser.Current is { } deep)
            throw new NestedTooDeepException(source.Span((int)deep.Start.Index, (int)deep.Start.Index + 1), maxDepth);
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (!anchors.ByName.TryGetValue(alias.Value.Value, out var target))
                throw new YamlException(alias.Start, alias.End, $"the alias '*{alias.Value.Value}' names no anchor defined before it");
            var at = source.Span((int)alias.Start.Index, Math.Max((int)alias.End.Index, (int)alias.Start.Index + 1));
            var name = "'*" + alias.Value.Value + "'";
            // Where the alias stands, its value goes as deep as if it were written here.
            if (depth + target.Height - 1 > maxDepth)
                throw new NestedTooDeepException(at, maxDepth, $"The value of the alias {name}");
            anchors.AliasValues += target.Values;
            if (anchors.AliasValues > MaxAliasValues) throw new AliasExpansionException(at, name);
            return target;
        }

        DocNode node;
        string? anchor = null;
        long values = 1;
        var height = 1;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
            var start = (int)scalar.Start.Index;
            var end = (int)scalar.End.Index;
            var quoted = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted;
            var isNull = !quoted && scalar.Style is ScalarStyle.Plain && (scalar.Value.Length == 0 || scalar.Value is "null" or "~" or "Null" or "NULL");
            var contentStart = quoted ? start + 1 : start;
            if (scalar.Style is ScalarStyle.Literal or ScalarStyle.Folded)
            {
                // Skip the block indicator line ('|' or '>' and its modifiers): content starts on the next line.
                var newline = source.Content.IndexOf('\n', start);
                if (newline >= 0 && newline < end) contentStart = newline + 1;
            }
            if (!scalar.Tag.IsEmpty && scalar.Tag.Value != "!" && !scalar.Tag.Value.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal))
            {
                // when: !sta.vip reads as the tag '!sta.vip' on an empty value: never let that pass as 'no condition'.
                throw new DocumentSyntaxException(source.Span(start, Math.Max(end, start + 1)),
                    $"'{scalar.Tag.Value}' reads as a YAML tag, not as text (quote a value that starts with '!', such as \"!sta.vip\")");
            }
            node = new DocScalar(scalar.Value, quoted, isNull, source.Span(start, end), source, contentStart, quoted ? Math.Max(contentStart, end - 1) : end);
        }
        else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            anchor = sequenceStart.Anchor.IsEmpty ? null : sequenceStart.Anchor.Value;
            var items = new List<DocNode>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                var item = ReadNode(parser, source, anchors, depth + 1, cancellationToken);
                items.Add(item.Node);
                values = Add(values, item.Values);
                height = Math.Max(height, item.Height + 1);
            }
            node = new DocSequence(items, source.Span((int)sequenceStart.Start.Index, (int)sequenceStart.Start.Index + 1));
        }
        else if (parser.TryConsume<MappingStart>(out var mappingStart))
        {
            anchor = mappingStart.Anchor.IsEmpty ? null : mappingStart.Anchor.Value;
            var entries = new List<KeyValuePair<DocKey, DocNode>>();
            var names = new HashSet<string>(StringComparer.Ordinal); // a set: a mapping of 100,000 keys is read in linear time
            var startOffset = (int)mappingStart.Start.Index;
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyRead = ReadNode(parser, source, anchors, depth + 1, cancellationToken);
                if (keyRead.Node is not DocScalar keyScalar)
                    throw new DocumentSyntaxException(keyRead.Node.Location, "a mapping key must be a plain name, not " + keyRead.Node.Kind);
                var valueRead = ReadNode(parser, source, anchors, depth + 1, cancellationToken);
                var value = valueRead.Node;
                values = Add(Add(values, keyRead.Values), valueRead.Values);
                height = Math.Max(height, valueRead.Height + 1);
                if (!names.Add(keyScalar.Value))
                    throw new DocumentSyntaxException(keyScalar.Location, $"the key '{keyScalar.Value}' appears twice in one mapping");
                entries.Add(new KeyValuePair<DocKey, DocNode>(new DocKey(keyScalar.Value, keyScalar.Location), value));
            }
            // A block mapping starts at its first key; point at that key rather than an empty span.
            var location = entries.Count > 0 && source.Content.Length > startOffset && source.Content[startOffset] != '{'
                ? entries[0].Key.Location
                : source.Span(startOffset, startOffset + 1);
            node = new DocMapping(entries, location);
        }
        else
        {
            var current = parser.Current!;
            throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }

        var read = new Read(node, values, height);
        if (anchor is not null) anchors.ByName[anchor] = read;
        return read;
    }

    // Saturates: a node that stands for more values than the limit is refused at its first alias anyway.
    private static long Add(long a, long b) => Math.Min(a + b, (long)MaxAliasValues + 1);

    /// <summary>The offset of the last escape of a high surrogate (\uD800-\uDBFF) before <paramref name="end"/>, or -1.</summary>
    private static int LastHighSurrogateEscape(string text, int end)
    {
        for (var i = Math.Min(end, text.Length - 6); i >= 0; i--)
        {
            if (text[i] == '\\' && text[i + 1] == 'u' && text[i + 2] is 'd' or 'D' && text[i + 3] is '8' or '9' or 'a' or 'b' or 'A' or 'B'
                && Uri.IsHexDigit(text[i + 4]) && Uri.IsHexDigit(text[i + 5]))
                return i;
        }
        return -1;
    }

    private static string Clean(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 1, Idx: 40) - (Line: ...): "; the location is reported separately.
        var index = message.LastIndexOf("): ", StringComparison.Ordinal);
        var text = index >= 0 ? message.Substring(index + 3) : message;
        return text.Trim().TrimEnd('.');
    }
}

/// <summary>A problem YamlDotNet accepts but a flow document cannot hold (such as a list used as a key).</summary>
internal sealed class DocumentSyntaxException(LocationInfo location, string message) : Exception(message)
{
    public LocationInfo Location { get; } = location;
}

/// <summary>A value nested deeper than the limit (FG0010): reading stops there.</summary>
internal sealed class NestedTooDeepException(LocationInfo location, int limit, string? what = null) : Exception("nested too deep")
{
    public LocationInfo Location { get; } = location;

    public int Limit { get; } = limit;

    /// <summary>What is too deep, when not the value at <see cref="Location"/> itself (an alias's value).</summary>
    public string? What { get; } = what;
}

/// <summary>Aliases that together stand for more values than <see cref="DocumentParser.MaxAliasValues"/> (FG0013): reading stops at the alias that passed it.</summary>
internal sealed class AliasExpansionException(LocationInfo location, string alias) : Exception("aliases expand too far")
{
    public LocationInfo Location { get; } = location;

    public string Alias { get; } = alias;
}
