using System.Xml;
using System.Xml.Linq;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Frontends.Bpmn;

/// <summary>
/// Maps parsed XML back to exact places in the file text: element start tags, and the characters of an
/// element's text content (entities such as <c>&amp;gt;</c> decoded, each character keeping its file offset).
/// </summary>
internal sealed class XmlTextMap(string path, SourceText text, FlowLimits? limits = null)
{
    private readonly string _content = text.ToString();

    public string Path => path;

    /// <summary>The limits the BPMN reader enforces (nesting, condition terms).</summary>
    public FlowLimits Limits { get; } = limits ?? FlowLimits.Default;

    /// <summary>The span of the element's start tag, from '&lt;' to '&gt;'.</summary>
    public LocationInfo StartTag(XElement element)
    {
        var start = ElementOffset(element);
        var end = _content.IndexOf('>', start);
        if (end < 0) end = Math.Min(_content.Length, start + 1); else end++;
        return LocationInfo.From(path, text, TextSpan.FromBounds(start, end));
    }

    public LocationInfo At(int line, int column)
    {
        var offset = Offset(line, column);
        return LocationInfo.From(path, text, new TextSpan(offset, offset < _content.Length ? 1 : 0));
    }

    /// <summary>The decoded text content of an element and the file offset of each character.</summary>
    public (string Text, int[] Offsets) Content(XElement element)
    {
        var start = ElementOffset(element);
        var tagEnd = _content.IndexOf('>', start);
        if (tagEnd < 0 || _content[tagEnd - 1] == '/') return ("", [tagEnd < 0 ? start : tagEnd]);
        var pos = tagEnd + 1;
        var end = _content.IndexOf("</", pos, StringComparison.Ordinal);
        if (end < 0) end = _content.Length;

        var chars = new System.Text.StringBuilder();
        var offsets = new List<int>();
        while (pos < end)
        {
            if (string.CompareOrdinal(_content, pos, "<![CDATA[", 0, 9) == 0)
            {
                var cdataEnd = _content.IndexOf("]]>", pos + 9, StringComparison.Ordinal);
                if (cdataEnd < 0) cdataEnd = end;
                for (var i = pos + 9; i < cdataEnd; i++) { chars.Append(_content[i]); offsets.Add(i); }
                pos = cdataEnd + 3;
                end = Math.Max(end, _content.IndexOf("</", pos, StringComparison.Ordinal));
                continue;
            }

            var c = _content[pos];
            if (c == '&')
            {
                var semi = _content.IndexOf(';', pos);
                if (semi > pos && semi - pos <= 10 && Decode(_content.Substring(pos + 1, semi - pos - 1)) is { } decoded)
                {
                    chars.Append(decoded);
                    offsets.Add(pos);
                    pos = semi + 1;
                    continue;
                }
            }

            if (c == '\r' && pos + 1 < end && _content[pos + 1] == '\n') { pos++; continue; }
            chars.Append(c);
            offsets.Add(pos);
            pos++;
        }
        offsets.Add(Math.Min(pos, _content.Length));
        return (chars.ToString(), offsets.ToArray());
    }

    /// <summary>
    /// The decoded value of one of an element's attributes and the file offset of each character (entities decoded,
    /// white space normalised to spaces as XML does); null when the start tag does not have the attribute.
    /// </summary>
    public (string Text, int[] Offsets)? AttributeContent(XElement element, string attribute)
    {
        var start = ElementOffset(element);
        var tagEnd = _content.IndexOf('>', start);
        if (tagEnd < 0) tagEnd = _content.Length;
        var pattern = new System.Text.RegularExpressions.Regex(@"\s" + System.Text.RegularExpressions.Regex.Escape(attribute) + @"\s*=\s*([""'])");
        var match = pattern.Match(_content, start, tagEnd - start);
        if (!match.Success) return null;
        var quote = match.Groups[1].Value[0];
        var pos = match.Index + match.Length;
        var end = _content.IndexOf(quote, pos);
        if (end < 0) end = tagEnd;
        var chars = new System.Text.StringBuilder();
        var offsets = new List<int>();
        while (pos < end)
        {
            var c = _content[pos];
            if (c == '&')
            {
                var semi = _content.IndexOf(';', pos);
                if (semi > pos && semi < end && semi - pos <= 10 && Decode(_content.Substring(pos + 1, semi - pos - 1)) is { } decoded)
                {
                    chars.Append(decoded);
                    offsets.Add(pos);
                    pos = semi + 1;
                    continue;
                }
            }
            if (c == '\r' && pos + 1 < end && _content[pos + 1] == '\n') { pos++; continue; }
            chars.Append(c is '\t' or '\n' or '\r' ? ' ' : c);
            offsets.Add(pos);
            pos++;
        }
        offsets.Add(pos);
        return (chars.ToString(), offsets.ToArray());
    }

    public ConditionLocationParts Locate(int[] offsets)
    {
        var lines = new int[offsets.Length];
        var columns = new int[offsets.Length];
        for (var i = 0; i < offsets.Length; i++)
        {
            var lp = text.Lines.GetLinePosition(Math.Min(offsets[i], _content.Length));
            lines[i] = lp.Line;
            columns[i] = lp.Character;
        }
        return new ConditionLocationParts(lines, columns);
    }

    public LocationInfo Span(int start, int end) => LocationInfo.From(path, text, TextSpan.FromBounds(start, Math.Max(start, end)));

    private static char? Decode(string entity)
    {
        switch (entity)
        {
            case "lt": return '<';
            case "gt": return '>';
            case "amp": return '&';
            case "quot": return '"';
            case "apos": return '\'';
        }
        try
        {
            if (entity.StartsWith("#x", StringComparison.OrdinalIgnoreCase))
                return (char)Convert.ToInt32(entity.Substring(2), 16);
            if (entity.StartsWith("#", StringComparison.Ordinal))
                return (char)int.Parse(entity.Substring(1), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (FormatException) { }
        catch (OverflowException) { }
        return null;
    }

    private int ElementOffset(XElement element)
    {
        var info = (IXmlLineInfo)element;
        if (!info.HasLineInfo()) return 0;
        // LinePosition points at the element name, one past '<'.
        return Math.Max(0, Offset(info.LineNumber, info.LinePosition) - 1);
    }

    private List<int>? _xmlLineStarts;

    /// <summary>
    /// The offset of an XML reader's line and column. XML counts lines at CR, LF and CR LF only, while the compiler's
    /// text also breaks lines at U+0085, U+2028 and U+2029, so the reader's lines are found here, not in
    /// <c>text.Lines</c>: a separator inside an attribute must not shift every location after it.
    /// </summary>
    private int Offset(int line, int column)
    {
        var starts = _xmlLineStarts ??= XmlLineStarts(_content);
        var lineIndex = Math.Max(0, Math.Min(line - 1, starts.Count - 1));
        return Math.Min(_content.Length, starts[lineIndex] + Math.Max(0, column - 1));
    }

    private static List<int> XmlLineStarts(string content)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] == '\r' && i + 1 < content.Length && content[i + 1] == '\n') i++;
            if (content[i] is '\r' or '\n') starts.Add(i + 1);
        }
        return starts;
    }
}

internal readonly record struct ConditionLocationParts(int[] Lines, int[] Columns);
