using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace FlowGen.Durable;

/// <summary>
/// Reads and writes the values of a durable state (request, bus values, events) through the JSON options' type
/// resolver: source-generated <see cref="JsonSerializerContext"/>s, so nothing is found by reflection and the code
/// is trimming and AOT safe. A type the resolver does not know is a clear error naming it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FlowStateJson
{
    /// <summary>Writes one value.</summary>
    public static void Write<T>(Utf8JsonWriter writer, string name, T value, JsonSerializerOptions options)
    {
        writer.WritePropertyName(name);
        JsonSerializer.Serialize(writer, value, Info<T>(options));
    }

    /// <summary>Reads one value at the reader's position.</summary>
    public static T? Read<T>(ref Utf8JsonReader reader, JsonSerializerOptions options) => JsonSerializer.Deserialize(ref reader, Info<T>(options));

    /// <summary>Writes where the instance is: the node ids (<c>at</c>) and its pending timer (<c>due</c>, <c>dueArm</c>).</summary>
    public static void WritePosition(Utf8JsonWriter writer, FlowContext state, int[] at)
    {
        writer.WriteStartArray("at");
        foreach (var node in at) writer.WriteStringValue(state.NodeIdAt(node));
        writer.WriteEndArray();
        if (state.WaitDue is { } due && at.Length == 1 && at[0] == state.WaitingNode)
        {
            writer.WriteString("due", due);
            writer.WriteNumber("dueArm", state.WaitDueArm);
        }
    }

    /// <summary>Moves to the next property of the state object (its value is then under the reader); false at its end.</summary>
    public static bool NextProperty(ref Utf8JsonReader reader, out string name)
    {
        if (reader.TokenType == JsonTokenType.None && (!reader.Read() || reader.TokenType != JsonTokenType.StartObject))
            throw new JsonException("a durable state is a JSON object");
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth > 0) reader.Skip();
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0) break;
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            name = reader.GetString()!;
            reader.Read();
            return true;
        }
        name = "";
        return false;
    }

    /// <summary>Reads the position properties (<c>at</c>, <c>due</c>, <c>dueArm</c>); skips any other.</summary>
    public static void ReadPosition(ref Utf8JsonReader reader, string name, FlowContext state, ref int[] at)
    {
        switch (name)
        {
            case "at":
                var nodes = new List<int>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var id = reader.GetString()!;
                    var index = state.NodeIndexOf(id);
                    if (index < 0) throw new JsonException($"the state is at node '{id}', which flow '{state.FlowId}' does not have");
                    nodes.Add(index);
                }
                at = [.. nodes];
                if (at.Length == 1) state.RestoreWait(at[0], state.WaitDue, state.WaitDueArm);
                break;
            case "due":
                state.RestoreWait(state.WaitingNode, reader.GetDateTimeOffset(), state.WaitDueArm);
                break;
            case "dueArm":
                state.RestoreWait(state.WaitingNode, state.WaitDue, reader.GetInt32());
                break;
            default:
                reader.Skip();
                break;
        }
    }

    /// <summary>Writes an event payload (of its runtime type) as UTF-8 JSON.</summary>
    public static byte[] WritePayload(object payload, Type type, JsonSerializerOptions options)
        => JsonSerializer.SerializeToUtf8Bytes(payload, Info(type, options));

    /// <summary>Reads an event payload.</summary>
    public static object ReadPayload(byte[] payload, Type type, JsonSerializerOptions options)
        => JsonSerializer.Deserialize(payload, Info(type, options)) ?? throw new JsonException($"the event payload of type {type.Name} is null");

    private static JsonTypeInfo<T> Info<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)Info(typeof(T), options);

    private static JsonTypeInfo Info(Type type, JsonSerializerOptions options)
    {
        try
        {
            return options.GetTypeInfo(type);
        }
        catch (NotSupportedException exception)
        {
            throw new FlowStateTypeException(type, exception);
        }
        catch (InvalidOperationException exception)
        {
            throw new FlowStateTypeException(type, exception);
        }
    }

    /// <summary>
    /// JSON options for durable states: FlowGen's own types and primitives, then the application's source-generated
    /// contexts (which list its request, bus and event types), in that order.
    /// </summary>
    public static JsonSerializerOptions Options(params IJsonTypeInfoResolver[] contexts)
    {
        var options = new JsonSerializerOptions { TypeInfoResolver = JsonTypeInfoResolver.Combine([FlowGenJsonContext.Default, .. contexts]) };
        options.MakeReadOnly();
        return options;
    }

    /// <summary>The standard options: FlowGen's own types and primitives only.</summary>
    public static JsonSerializerOptions Default { get; } = Options();
}

/// <summary>A durable state holds a value whose type the JSON options cannot write or read.</summary>
public sealed class FlowStateTypeException(Type type, Exception inner)
    : Exception($"a durable flow's state holds a {type.FullName}, which the JSON options do not know: add [JsonSerializable(typeof({type.Name}))] to a JsonSerializerContext of your application and pass that context to the engine (FlowEngineOptions.JsonContexts)", inner)
{
    /// <summary>The type.</summary>
    public Type Type { get; } = type;
}

/// <summary>The types FlowGen itself can persist in a durable state without help from the application.</summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(Guid))]
[JsonSerializable(typeof(DateTime))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(bool?))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(long?))]
[JsonSerializable(typeof(double?))]
[JsonSerializable(typeof(decimal?))]
[JsonSerializable(typeof(Guid?))]
[JsonSerializable(typeof(DateTime?))]
[JsonSerializable(typeof(DateTimeOffset?))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(long[]))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<int>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyList<int>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JsonElement?))]
internal sealed partial class FlowGenJsonContext : JsonSerializerContext;
