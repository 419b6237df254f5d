using FlowGen.Durable;
using FlowGen.Tests.Contracts;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

/// <summary>
/// FlowEngine.RepairAsync refuses what a repair cannot change (an error end event is the flow's own outcome), and the
/// engine hands each step's history entry to a store that keeps one (FlowEngineOptions.History); the console's repair
/// of a task failure is tested in tests/FlowGen.Console.Tests.
/// </summary>
public sealed class RepairAndHistoryTests
{
    private static async Task<(FlowEngine Engine, FakeTimeProvider Clock)> StartAsync(IFlowStore store, bool history = true)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var options = new FlowEngineOptions { Clock = clock, History = history, RunOptions = new FlowRunOptions { Tracking = TrackingMode.Node } };
        options.JsonContexts.Add(LedgerJson.Default);
        var engine = new FlowEngine([new LedgerFlow(new Ledger())], store, options);
        await engine.StartAsync();
        return (engine, clock);
    }

    [Fact]
    public async Task An_instance_failed_by_its_error_end_event_is_not_repaired()
    {
        var (engine, clock) = await StartAsync(new InMemoryFlowStore { HistoryLength = 10 });
        await using var _ = engine;
        await engine.PublishAsync(new FlowEvent("invoice-paid", new InvoicePaid("inv-1", 30m)));
        await engine.DrainAsync();
        clock.Advance(TimeSpan.FromDays(31));
        await engine.FireDueTimersAsync();
        await engine.DrainAsync();
        var failed = (await engine.FindAsync("ledger", "inv-1"))!;
        Assert.Equal(FlowInstanceStatus.Failed, failed.Status);
        Assert.Equal("UNPAID", failed.ErrorCode);

        var refused = await Assert.ThrowsAsync<FlowInstanceStateException>(() => engine.RepairAsync(failed.Id, "ann"));
        Assert.Contains("failed with UNPAID, which a repair cannot change", refused.Message);
        Assert.Equal(FlowInstanceStatus.Failed, (await engine.GetAsync(failed.Id))!.Status);

        // A waiting instance is neither: refused too.
        await engine.PublishAsync(new FlowEvent("invoice-paid", new InvoicePaid("inv-2", 10m)));
        await engine.DrainAsync();
        var waiting = (await engine.FindAsync("ledger", "inv-2"))!;
        Assert.Contains("is Waiting", (await Assert.ThrowsAsync<FlowInstanceStateException>(() => engine.RepairAsync(waiting.Id))).Message);

        // The history: the start ran Book and waited; the timer ended it with the error.
        var history = await engine.HistoryAsync(failed.Id);
        Assert.Equal(["start", "timer"], history.Select(h => h.Cause));
        Assert.Equal("invoice-paid", history[0].Event);
        Assert.Contains(history[0].Ran, r => r.NodeId == "Book" && r.Outcome == "success");
        Assert.Equal(FlowInstanceStatus.Failed, history[1].Status);
        Assert.Equal("UNPAID", history[1].ErrorCode);

        // Drawn on its flow's picture: Book ran, the wait is where it failed... by its timer's end event.
        var marks = FlowPictures.Marks(failed, history);
        Assert.Contains(marks, m => m.NodeId == "Book" && FlowPictures.Style(m.Outcome) == "ran");
        var svg = FlowPictures.Svg(LedgerFlow.Descriptor, marks);
        Assert.Contains("class=\"ran\"", svg);
        System.Xml.Linq.XDocument.Parse(svg);
    }

    [Fact]
    public async Task With_history_off_or_a_store_that_keeps_none_nothing_is_recorded()
    {
        var store = new InMemoryFlowStore { HistoryLength = 10 };
        var (engine, _) = await StartAsync(store, history: false);
        await using (engine)
        {
            await engine.PublishAsync(new FlowEvent("invoice-paid", new InvoicePaid("inv-3", 10m)));
            await engine.DrainAsync();
            Assert.Empty(await engine.HistoryAsync((await engine.FindAsync("ledger", "inv-3"))!.Id));
        }
        var (plain, _) = await StartAsync(new InMemoryFlowStore());
        await using (plain)
        {
            await plain.PublishAsync(new FlowEvent("invoice-paid", new InvoicePaid("inv-4", 10m)));
            await plain.DrainAsync();
            Assert.Empty(await plain.HistoryAsync((await plain.FindAsync("ledger", "inv-4"))!.Id));
        }
    }
}
