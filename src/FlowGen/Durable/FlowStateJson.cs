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
    // One writer and buffer per thread for states: a step writes its state synchronously, start to end, so the writer is
    // never shared, and a million steps allocate only the states' bytes.
    [ThreadStatic] private static System.Buffers.ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>Starts writing a state: the thread's writer, reset, inside the state's object.</summary>
    public static Utf8JsonWriter BeginState()
    {
        var buffer = t_buffer ??= new System.Buffers.ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        writer.WriteStartObject();
        return writer;
    }

    /// <summary>Ends the state's object and returns its bytes.</summary>
    public static byte[] EndState(Utf8JsonWriter writer)
    {
        writer.WriteEndObject();
        writer.Flush();
        var bytes = t_buffer!.WrittenSpan.ToArray();
        // A state far larger than usual does not keep its buffer alive on the thread.
        if (t_buffer.Capacity > 64 * 1024)
        {
            t_buffer = null;
            t_writer = null;
        }
        return bytes;
    }

    /// <summary>Writes one value.</summary>
    public static void Write<T>(Utf8JsonWriter writer, string name, T value, JsonSerializerOptions options)
    {
        writer.WritePropertyName(name);
        JsonSerializer.Serialize(writer, value, Info<T>(options));
    }

    /// <summary>Reads the value of the property whose name is under the reader.</summary>
    public static T? Read<T>(ref Utf8JsonReader reader, JsonSerializerOptions options)
    {
        reader.Read();
        return JsonSerializer.Deserialize(ref reader, Info<T>(options));
    }

    /// <summary>Reads the whole number of the property whose name is under the reader (a join count).</summary>
    public static int ReadInt32(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.GetInt32();
    }

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

    /// <summary>
    /// Moves to the next property of the state object and leaves the reader on its name (compare it with
    /// <see cref="Utf8JsonReader.ValueTextEquals(ReadOnlySpan{byte})"/>, then <see cref="Read{T}"/>); false at the end.
    /// </summary>
    public static bool NextProperty(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.None && (!reader.Read() || reader.TokenType != JsonTokenType.StartObject))
            throw new JsonException("a durable state is a JSON object");
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0) return false;
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1) return true;
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        }
        return false;
    }

    /// <summary>Reads a position property (<c>at</c>, <c>due</c>, <c>dueArm</c>) under the reader, or skips an unknown one.</summary>
    public static void ReadPosition(ref Utf8JsonReader reader, FlowContext state, ref int[] at)
    {
        if (reader.ValueTextEquals("at"u8))
        {
            reader.Read();
            var first = -1;
            List<int>? more = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var id = reader.GetString()!;
                var index = state.NodeIndexOf(id);
                if (index < 0) throw new JsonException($"the state is at node '{id}', which flow '{state.FlowId}' does not have");
                if (first < 0) first = index;
                else (more ??= [first]).Add(index);
            }
            at = more is not null ? [.. more] : first >= 0 ? [first] : [];
            if (at.Length == 1) state.RestoreWait(at[0], state.WaitDue, state.WaitDueArm);
        }
        else if (reader.ValueTextEquals("due"u8))
        {
            reader.Read();
            state.RestoreWait(state.WaitingNode, reader.GetDateTimeOffset(), state.WaitDueArm);
        }
        else if (reader.ValueTextEquals("dueArm"u8))
        {
            reader.Read();
            state.RestoreWait(state.WaitingNode, state.WaitDue, reader.GetInt32());
        }
        else
        {
            reader.Read();
            reader.Skip();
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
        var options = new JsonSerializerOptions { TypeInfoResolver = JsonTypeInfoResolver.Combine([FlowGenJsonContext.Default, FlowErrorJsonConverter.Resolver, .. contexts]) };
        options.MakeReadOnly();
        return options;
    }
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

/// <summary>
/// A FlowError in a durable state (the var.error an error route writes): its code, flow, node and message. The exception
/// it may hold is not saved: after a wait, var.error has no Exception.
/// </summary>
internal sealed class FlowErrorJsonConverter : JsonConverter<FlowError>
{
    /// <summary>Metadata for FlowError only, written by this converter (no reflection, nothing for trimming to break).</summary>
    public static readonly IJsonTypeInfoResolver Resolver = new ErrorResolver();

    private sealed class ErrorResolver : IJsonTypeInfoResolver
    {
        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options)
            => type == typeof(FlowError) ? JsonMetadataServices.CreateValueInfo<FlowError>(options, new FlowErrorJsonConverter()) : null;
    }

    public override FlowError? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("a FlowError is a JSON object");
        string? code = null, flowId = null, nodeId = null, nodeName = null, message = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            var value = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            switch (name)
            {
                case "code": code = value; break;
                case "flowId": flowId = value; break;
                case "nodeId": nodeId = value; break;
                case "nodeName": nodeName = value; break;
                case "message": message = value; break;
            }
        }
        return new FlowError(code ?? FlowErrorCodes.TaskFailed, flowId ?? "", nodeId, nodeName, message ?? "");
    }

    public override void Write(Utf8JsonWriter writer, FlowError value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("code", value.Code);
        writer.WriteString("flowId", value.FlowId);
        writer.WriteString("nodeId", value.NodeId);
        writer.WriteString("nodeName", value.NodeName);
        writer.WriteString("message", value.Message);
        writer.WriteEndObject();
    }
}
