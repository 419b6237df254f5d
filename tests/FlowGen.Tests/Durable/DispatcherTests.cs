using System.Collections.Concurrent;
using FlowGen.Durable;
using FlowGen.Persistence.Sqlite;
using FlowGen.Tests.Contracts;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

/// <summary>
/// FlowEngineOptions.Dispatcher: an engine that hands its instances' work to another engine over the same SQLite file
/// (as FlowGen.Orleans hands it to the grain of the flow and key) behaves as one engine: events start and continue
/// instances, timers fire, operations and their refusals come back to the caller, and the inbox is marked.
/// </summary>
public sealed class DispatcherTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "flowgen-dispatch-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Runs each flow and key's work one piece at a time on the other engine, and counts what it ran.</summary>
    private sealed class ToOtherEngine(FlowEngine other) : IFlowWorkDispatcher
    {
        private readonly ConcurrentDictionary<(string, string), SemaphoreSlim> _turns = new();

        public ConcurrentBag<FlowWorkKind> Ran { get; } = [];

        public async Task<FlowWorkResult> DispatchAsync(FlowWork work, CancellationToken cancellationToken = default)
        {
            var turn = _turns.GetOrAdd((work.FlowId, work.Key), _ => new SemaphoreSlim(1, 1));
            await turn.WaitAsync(cancellationToken);
            try
            {
                Ran.Add(work.Kind);
                return await other.RunWorkAsync(work, cancellationToken);
            }
            finally
            {
                turn.Release();
            }
        }
    }

    [Fact]
    public async Task An_engine_with_a_dispatcher_runs_its_work_on_the_other_engine()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var database = Path.Combine(_folder, "flows.db");
        var ledger = new Ledger();
        FlowEngineOptions Options(IFlowWorkDispatcher? dispatcher)
        {
            var options = new FlowEngineOptions { Clock = clock, Dispatcher = dispatcher };
            options.JsonContexts.Add(LedgerJson.Default);
            return options;
        }
        using var storeB = new SqliteFlowStore(database);
        await using var worker = new FlowEngine([new LedgerFlow(ledger)], storeB, Options(null));
        await worker.StartAsync();
        var dispatcher = new ToOtherEngine(worker);
        using var storeA = new SqliteFlowStore(database);
        await using var front = new FlowEngine([new LedgerFlow(ledger)], storeA, Options(dispatcher));
        await front.StartAsync();

        foreach (var amount in new[] { 30m, 50m, 40m })
            Assert.Equal(FlowPublishResult.Accepted, await front.PublishAsync(new FlowEvent("invoice-paid", new InvoicePaid("inv-1", amount))));
        await front.PublishAsync(new FlowEvent("invoice-paid", new InvoicePaid("inv-2", 10m)));
        await front.DrainAsync();

        Assert.Equal(["inv-1: 30 -> 30", "inv-1: 50 -> 80", "inv-1: 40 -> 120", "inv-2: 10 -> 10"], ledger.Bookings);
        Assert.Equal(FlowInstanceStatus.Completed, (await front.FindAsync("ledger", "inv-1"))!.Status);
        Assert.Equal(4, dispatcher.Ran.Count(k => k == FlowWorkKind.Event));
        Assert.Equal(2, worker.Counters.Started);   // the steps ran on the worker engine: two starts,
        Assert.Equal(2, worker.Counters.Delivered); // and inv-1's second and third payments
        Assert.Equal(0, front.Counters.Started);
        Assert.Empty(await storeA.ReadPendingEventsAsync(0, 10)); // every event marked processed by the front engine

        // Operations and their refusals come back as the engine's own exceptions.
        var waiting = (await front.FindAsync("ledger", "inv-2"))!;
        var refused = await Assert.ThrowsAsync<FlowInstanceStateException>(() => front.ResumeAsync(waiting.Id));
        Assert.Contains("only a suspended instance resumes", refused.Message);
        var suspended = await front.SuspendAsync(waiting.Id, "checking", by: "ann");
        Assert.Equal(FlowInstanceStatus.Suspended, suspended.Status);
        Assert.Equal(FlowInstanceStatus.Waiting, (await front.ResumeAsync(waiting.Id)).Status);

        // The timer: 30 days later the instance fails UNPAID, fired through the dispatcher.
        clock.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, await front.FireDueTimersAsync());
        await front.DrainAsync();
        var unpaid = (await front.GetAsync(waiting.Id))!;
        Assert.Equal(FlowInstanceStatus.Failed, unpaid.Status);
        Assert.Equal("UNPAID", unpaid.ErrorCode);
        Assert.Contains(FlowWorkKind.Timer, dispatcher.Ran);
        Assert.Equal(["start", "suspend", "resume", "timer"], (await front.HistoryAsync(waiting.Id)).Select(h => h.Cause));
    }

    [Fact]
    public async Task A_dispatcher_needs_a_durable_store()
    {
        var options = new FlowEngineOptions { Dispatcher = new ToOtherEngine(null!) };
        var refused = Assert.Throws<ArgumentException>(() => new FlowEngine([new LedgerFlow(new Ledger())], new InMemoryFlowStore(), options));
        Assert.Contains("must share the store", refused.Message);
        await Task.CompletedTask;
    }
}
