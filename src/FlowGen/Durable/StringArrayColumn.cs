using System.Buffers;
using System.Text;
using System.Text.Json;

namespace FlowGen.Durable;

/// <summary>
/// For store implementations: writes a string array (an instance's <see cref="FlowInstance.Nodes"/> or
/// <see cref="FlowInstance.Events"/>) as a JSON array into one text column and reads it back exactly: an empty
/// array, an empty string and any character round-trip. Utf8JsonWriter/Utf8JsonReader only, no reflection (trim and
/// AOT safe). The SQLite and PostgreSQL stores use it.
/// </summary>
public static class StringArrayColumn
{
    private const string Empty = "[]";

    /// <summary>The array as a JSON text.</summary>
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

    /// <summary>The array a JSON text holds.</summary>
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
