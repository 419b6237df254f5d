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
internal static class DocumentParser
{
    public static DocNode? Parse(DocumentText source, string dialect, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var anchors = new Dictionary<string, DocNode>(StringComparer.Ordinal);
        var scanner = new Scanner(new StringReader(source.Content), skipComments: true);
        try
        {
            var parser = new Parser(scanner);
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _)) return null;
            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, source, anchors, 1, cancellationToken);
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
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.NestedTooDeep, ex.Location, $"This {dialect} value", ex.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
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
    private static DocNode ReadNode(IParser parser, DocumentText source, Dictionary<string, DocNode> anchors, int depth, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var maxDepth = Math.Min(source.Limits.MaxNesting, Expressions.ExpressionParser.HardMaxDepth);
        if (depth > maxDepth && parser.Current is { } deep)
            throw new NestedTooDeepException(source.Span((int)deep.Start.Index, (int)deep.Start.Index + 1), maxDepth);
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (anchors.TryGetValue(alias.Value.Value, out var target)) return target;
            throw new YamlException(alias.Start, alias.End, $"the alias '*{alias.Value.Value}' names no anchor defined before it");
        }

        DocNode node;
        string? anchor = null;
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
            while (!parser.TryConsume<SequenceEnd>(out _)) items.Add(ReadNode(parser, source, anchors, depth + 1, cancellationToken));
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
                var keyNode = ReadNode(parser, source, anchors, depth + 1, cancellationToken);
                if (keyNode is not DocScalar keyScalar)
                    throw new DocumentSyntaxException(keyNode.Location, "a mapping key must be a plain name, not " + keyNode.Kind);
                var value = ReadNode(parser, source, anchors, depth + 1, cancellationToken);
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

        if (anchor is not null) anchors[anchor] = node;
        return node;
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
internal sealed class NestedTooDeepException(LocationInfo location, int limit) : Exception("nested too deep")
{
    public LocationInfo Location { get; } = location;

    public int Limit { get; } = limit;
}
