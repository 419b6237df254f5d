using System.Buffers;
using System.Text;
using System.Text.Json;

namespace FlowGen.Persistence.PostgreSql;

/// <summary>
/// Writes a string array (an instance's nodes or events) as a JSON array into one TEXT column and reads it back
/// exactly: an empty array, an empty string and any character round-trip. Utf8JsonWriter/Utf8JsonReader only, no
/// reflection (trim and AOT safe).
/// </summary>
internal static class StringArrayColumn
{
    private const string Empty = "[]";

    public static string Write(string[] values)
    {
        if (values.Length == 0) return Empty;
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values) writer.WriteStringValue(value);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string[] Read(string text)
    {
        if (text.Length == 0 || text == Empty) return [];
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) throw new FormatException($"not a JSON array of strings: {text}");
        var values = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String) throw new FormatException($"not a JSON array of strings: {text}");
            values.Add(reader.GetString()!);
        }
        return [.. values];
    }
}
