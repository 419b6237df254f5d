using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;

namespace FlowGen;

/// <summary>
/// XML for HTTP tasks (System.Xml, no other dependency): an XML answer read as the JSON it stands for, and values
/// escaped for an XML body. See docs/http-tasks.md, "XML".
/// </summary>
internal static class FlowXml
{
    private static readonly Regex JsonNumber = new(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$", RegexOptions.CultureInvariant);

    /// <summary>A value as XML text: &amp;, &lt;, &gt; and quotes escaped.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;", '\'' => "&apos;", _ => c.ToString() });
        }
        return sb.ToString();
    }

    /// <summary>
    /// The XML document as JSON: <c>{ "root": ... }</c>; an element with only text is that text (a JSON number or true/false
    /// when it reads as one), any other element an object of its attributes and child elements by name (children that
    /// repeat a name are a list; its own text, if any, is "#text"); an empty element is "". No DTD is read, no entity
    /// expanded and nothing fetched.
    /// </summary>
    public static JsonElement ToJson(string xml)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, IgnoreProcessingInstructions = true, IgnoreWhitespace = true };
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        reader.MoveToContent();
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName(reader.LocalName);
            WriteElement(reader, writer);
            writer.WriteEndObject();
        }
        return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
    }

    private static void WriteElement(XmlReader reader, Utf8JsonWriter writer)
    {
        var attributes = new List<(string, string)>();
        if (reader.HasAttributes)
        {
            while (reader.MoveToNextAttribute())
            {
                if (reader.Prefix != "xmlns" && reader.LocalName != "xmlns") attributes.Add((reader.LocalName, reader.Value));
            }
            reader.MoveToElement();
        }
        if (reader.IsEmptyElement)
        {
            if (attributes.Count == 0) writer.WriteStringValue("");
            else WriteObject(writer, attributes, [], null);
            reader.Read();
            return;
        }
        var children = new List<(string Name, JsonElement Value)>();
        var text = new StringBuilder();
        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    var name = reader.LocalName;
                    using (var child = new MemoryStream())
                    {
                        using (var childWriter = new Utf8JsonWriter(child)) WriteElement(reader, childWriter);
                        children.Add((name, JsonDocument.Parse(child.ToArray()).RootElement.Clone()));
                    }
                    continue;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace:
                    text.Append(reader.Value);
                    break;
            }
            reader.Read();
        }
        reader.Read(); // the end element
        if (children.Count == 0 && attributes.Count == 0)
        {
            WriteScalar(writer, text.ToString());
            return;
        }
        WriteObject(writer, attributes, children, text.Length > 0 ? text.ToString() : null);
    }

    private static void WriteObject(Utf8JsonWriter writer, List<(string Name, string Value)> attributes, List<(string Name, JsonElement Value)> children, string? text)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in attributes)
        {
            writer.WritePropertyName(name);
            WriteScalar(writer, value);
        }
        foreach (var group in children.GroupBy(c => c.Name, StringComparer.Ordinal))
        {
            writer.WritePropertyName(group.Key);
            if (group.Count() == 1)
            {
                group.First().Value.WriteTo(writer);
                continue;
            }
            writer.WriteStartArray();
            foreach (var item in group) item.Value.WriteTo(writer);
            writer.WriteEndArray();
        }
        if (text is not null)
        {
            writer.WritePropertyName("#text");
            WriteScalar(writer, text);
        }
        writer.WriteEndObject();
    }

    private static void WriteScalar(Utf8JsonWriter writer, string text)
    {
        if (JsonNumber.IsMatch(text) && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var number)) writer.WriteNumberValue(number);
        else if (text is "true" or "false") writer.WriteBooleanValue(text == "true");
        else writer.WriteStringValue(text);
    }
}
