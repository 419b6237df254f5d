using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using FlowGen;

namespace FlowGen.Orleans.Tests;

[FlowEvent("tick")]
public sealed record Tick(string Counter, int N);

[FlowEvent("close")]
public sealed record Close(string Counter);

public sealed record TallyResult(int Count);

/// <summary>The tally's task: counts the ticks of its instance on the bus (exactly once per applied event) and, here, every call (at least once).</summary>
[FlowComponent("tally")]
public sealed class TallyTasks
{
    /// <summary>Calls per counter, over every silo of the process (tasks run at least once).</summary>
    public static readonly ConcurrentDictionary<string, int> Calls = new();

    [FlowTask("count"), ToState("count")]
    public int Count(Tick request, [FromState("count")] int? count, [FromState("last")] Tick? last)
    {
        Calls.AddOrUpdate(request.Counter, 1, static (_, n) => n + 1);
        return (count ?? 0) + 1;
    }
}

[Flow("tally")]
public sealed partial class TallyFlow : IFlow<Tick, TallyResult>;

[JsonSerializable(typeof(Tick))]
[JsonSerializable(typeof(Close))]
[JsonSerializable(typeof(TallyResult))]
internal sealed partial class TallyJson : JsonSerializerContext;
