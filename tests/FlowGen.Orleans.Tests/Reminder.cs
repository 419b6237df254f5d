using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using FlowGen;

namespace FlowGen.Orleans.Tests;

[FlowEvent("remind")]
public sealed record Remind(string Id);

[FlowEvent("forget")]
public sealed record Forget(string Id);

/// <summary>The reminder's task: records when each reminder rang (tasks run at least once; the test counts its steps).</summary>
[FlowComponent("reminders")]
public sealed class ReminderTasks
{
    public static readonly ConcurrentDictionary<string, DateTimeOffset> Rang = new();

    [FlowTask("ring")]
    public void Ring(Remind request) => Rang.TryAdd(request.Id, DateTimeOffset.UtcNow);
}

[Flow("reminder")]
public sealed partial class ReminderFlow : IFlow<Remind, TallyResult>;

[JsonSerializable(typeof(Remind))]
[JsonSerializable(typeof(Forget))]
internal sealed partial class ReminderJson : JsonSerializerContext;
