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

    /// <summary>
    /// The array a column of an instance's row holds; when the text is not a JSON array of strings, an empty array,
    /// and the instance records the column as unreadable (<see cref="FlowInstance.MarkUnreadable"/>) instead of
    /// throwing.
    /// </summary>
    public static string[] ReadInto(FlowInstance instance, string column, string text)
    {
        ArgumentNullException.ThrowIfNull(instance);
        try
        {
            return Read(text);
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
            instance.MarkUnreadable(column, text, "which is not a JSON array of strings", exception);
            return [];
        }
    }

    /// <summary>The array a JSON text holds.</summary>
    /// <exception cref="FormatException">The text is not a JSON array of strings.</exception>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static string[] Read(string text)
    {
        if (text.Length == 0 || text == Empty) return [];
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) throw new FormatException($"not a JSON array of strings: {text}");
        var values = new List<string>();
        var closed = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                closed = true;
                break;
            }
            if (reader.TokenType != JsonTokenType.String) throw new FormatException($"not a JSON array of strings: {text}");
            values.Add(reader.GetString()!);
        }
        // Nothing may follow the array, and it must be closed: a cut or appended text is not what the store wrote.
        if (!closed || reader.Read()) throw new FormatException($"not a JSON array of strings: {text}");
        return [.. values];
    }
}
