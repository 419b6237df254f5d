using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using FlowGen.Durable;
using Xunit;

namespace FlowGen.Tests.Durable;

[FlowEvent("tally-tick")]
public sealed record TallyTick(string Key, int Seq);

public sealed record TallyResult(int Seen);

/// <summary>Records the ticks each instance takes, in the order it takes them; a closed gate holds every step.</summary>
[FlowComponent("tally")]
public sealed class TallyTasks
{
    public ConcurrentDictionary<string, ConcurrentQueue<int>> Taken { get; } = new();

    public TaskCompletionSource Gate { get; set; } = CompletedGate();

    public int Running;

    [FlowTask("hold"), ToState("seen")]
    public async ValueTask<int> Hold(TallyTick request, [FromState("tick")] TallyTick? tick, [FromState("seen")] int? seen)
    {
        Interlocked.Increment(ref Running);
        await Gate.Task.ConfigureAwait(false);
        Taken.GetOrAdd(request.Key, _ => new()).Enqueue((tick ?? request).Seq);
        return (seen ?? 0) + 1;
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }
}

[Flow("tally")]
public sealed partial class TallyFlow : IFlow<TallyTick, TallyResult>;

[JsonSerializable(typeof(TallyTick))]
[JsonSerializable(typeof(TallyResult))]
internal sealed partial class TallyJson : JsonSerializerContext;

/// <summary>
/// The engine under load (tally.flow.yaml, compiled by the generator, on the in-memory store): publishers on several
/// threads, mailboxes in parallel, and the back-pressure limit on queued work.
/// </summary>
public sealed class EngineConcurrencyTests
{
    private static FlowEngine NewEngine(TallyTasks tasks, int maxQueuedWork = 16_384, int partitions = 4)
    {
        var options = new FlowEngineOptions { MaxQueuedWork = maxQueuedWork, Partitions = partitions };
        options.JsonContexts.Add(TallyJson.Default);
        return new FlowEngine([new TallyFlow(tasks)], new InMemoryFlowStore(), options);
    }

    [Fact]
    public async Task Events_from_parallel_publishers_reach_each_instance_once_and_in_the_order_of_their_key()
    {
        var tasks = new TallyTasks();
        await using var engine = NewEngine(tasks);
        await engine.StartAsync();
        const int keysPerPublisher = 100, rounds = 10;
        // Two publishers on two threads, each with keys of its own: the order of a key's events is its publisher's.
        await Task.WhenAll(Enumerable.Range(0, 2).Select(p => Task.Run(async () =>
        {
            for (var round = 0; round < rounds; round++)
            {
                for (var k = 0; k < keysPerPublisher; k++)
                    await engine.PublishAsync(new FlowEvent("tally-tick", new TallyTick($"p{p}-k{k}", round)));
            }
        })));
        await engine.DrainAsync();

        Assert.Equal(2 * keysPerPublisher, tasks.Taken.Count);
        Assert.All(tasks.Taken, pair => Assert.Equal(Enumerable.Range(0, rounds), pair.Value));
        Assert.Equal(2 * keysPerPublisher, engine.Counters.Started);
        Assert.Equal(2 * keysPerPublisher * (rounds - 1), engine.Counters.Delivered);
        Assert.Equal(0, engine.Counters.Dropped);
        var instance = await engine.FindAsync("tally", "p1-k7");
        Assert.Equal(FlowInstanceStatus.Waiting, instance!.Status);
        Assert.Equal(rounds, instance.Revision);
    }

    [Fact]
    public async Task Publishing_waits_while_the_mailboxes_hold_the_most_work_allowed_and_goes_on_once_they_take_half()
    {
        var tasks = new TallyTasks { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var engine = NewEngine(tasks, maxQueuedWork: 4, partitions: 1);
        await engine.StartAsync();
        try
        {
            // The gate holds the first step, so the one mailbox keeps all the work: four pieces are allowed, the fifth waits.
            for (var k = 0; k < 4; k++)
                Assert.True(engine.PublishAsync(new FlowEvent("tally-tick", new TallyTick("k" + k, 0))).IsCompletedSuccessfully);
            var fifth = engine.PublishAsync(new FlowEvent("tally-tick", new TallyTick("k4", 0))).AsTask();
            await WaitUntil(() => Volatile.Read(ref tasks.Running) == 1);
            Assert.False(fifth.IsCompleted);
            var drained = engine.DrainAsync();
            Assert.False(drained.IsCompleted);

            tasks.Gate.SetResult();
            Assert.Equal(FlowPublishResult.Accepted, await fifth.WaitAsync(TimeSpan.FromSeconds(30)));
            await drained.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(5, engine.Counters.Started);
            Assert.Equal(5, tasks.Taken.Count);
        }
        finally
        {
            // A failed assertion must not leave the mailbox held (disposing the engine waits for it).
            tasks.Gate.TrySetResult();
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 3000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
