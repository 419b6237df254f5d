using System.Text;
using System.Text.Json;
using FlowGen.Durable;

namespace FlowGen.WebConsole;

/// <summary>The console's JSON API, written with Utf8JsonWriter (no reflection: trimming and AOT safe).</summary>
internal static class ConsoleJson
{
    public static string Flows(IReadOnlyList<ConsoleFlow> flows) => Write(json =>
    {
        json.WriteStartArray();
        foreach (var flow in flows)
        {
            json.WriteStartObject();
            json.WriteString("id", flow.FlowId);
            json.WriteString("version", flow.Version);
            json.WriteBoolean("durable", flow.Durable is not null);
            json.WriteString("request", flow.RequestType.FullName);
            json.WriteString("result", flow.ResultType?.FullName);
            if (flow.Durable?.Trigger is { } trigger) json.WriteString("trigger", trigger);
            json.WriteStartArray("nodes");
            foreach (var node in flow.Descriptor?.NodeIds ?? []) json.WriteStringValue(node);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    });

    public static string Instances(IReadOnlyList<FlowInstance> instances) => Write(json =>
    {
        json.WriteStartArray();
        foreach (var instance in instances) WriteInstance(json, instance);
        json.WriteEndArray();
    });

    public static string Instance(FlowInstance instance, IReadOnlyList<FlowHistoryEntry> history, bool showState) => Write(json =>
    {
        WriteInstance(json, instance, end: false);
        if (showState && instance.State.Length > 0)
        {
            json.WritePropertyName("state");
            try
            {
                using var state = JsonDocument.Parse(instance.State);
                state.RootElement.WriteTo(json);
            }
            catch (JsonException exception)
            {
                json.WriteStringValue("the state cannot be read: " + exception.Message);
            }
        }
        json.WriteStartArray("history");
        foreach (var entry in history)
        {
            json.WriteStartObject();
            json.WriteNumber("revision", entry.Revision);
            json.WriteString("time", entry.Time);
            json.WriteString("cause", entry.Cause);
            json.WriteString("event", entry.Event);
            json.WriteString("by", entry.By);
            json.WriteString("status", entry.Status.ToString());
            json.WriteStartArray("nodes");
            foreach (var node in entry.Nodes) json.WriteStringValue(node);
            json.WriteEndArray();
            json.WriteString("errorCode", entry.ErrorCode);
            json.WriteString("errorMessage", entry.ErrorMessage);
            json.WriteStartArray("ran");
            foreach (var ran in entry.Ran)
            {
                json.WriteStartObject();
                json.WriteString("node", ran.NodeId);
                json.WriteString("outcome", ran.Outcome);
                json.WriteNumber("ms", Math.Round(ran.Duration.TotalMilliseconds, 3));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    });

    public static string Error(string message) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("error", message);
        json.WriteEndObject();
    });

    private static void WriteInstance(Utf8JsonWriter json, FlowInstance instance, bool end = true)
    {
        json.WriteStartObject();
        json.WriteString("id", instance.Id);
        json.WriteString("flow", instance.FlowId);
        json.WriteString("key", instance.Key);
        json.WriteString("version", instance.Version);
        json.WriteString("status", Enum.IsDefined(instance.Status) ? instance.Status.ToString() : ((int)instance.Status).ToString(System.Globalization.CultureInfo.InvariantCulture));
        json.WriteStartArray("nodes");
        foreach (var node in instance.Nodes) json.WriteStringValue(node);
        json.WriteEndArray();
        json.WriteStartArray("events");
        foreach (var name in instance.Events) json.WriteStringValue(name);
        json.WriteEndArray();
        if (instance.DueAt is { } due) json.WriteString("dueAt", due);
        json.WriteString("errorCode", instance.Unreadable?.Code ?? instance.ErrorCode);
        json.WriteString("errorNode", instance.ErrorNode);
        json.WriteString("errorMessage", instance.Unreadable?.Message ?? instance.ErrorMessage);
        json.WriteNumber("revision", instance.Revision);
        json.WriteString("created", instance.Created);
        json.WriteString("updated", instance.Updated);
        if (end) json.WriteEndObject();
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer)) write(json);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
