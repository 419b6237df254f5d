using System.Text;
using FlowGen.Durable;
using Xunit;

namespace FlowGen.Persistence.Tests;

/// <summary>
/// The <see cref="IFlowStore"/> contract, run against every store (one subclass per store, a fresh store per test):
/// what a save keeps, optimistic concurrency, one active instance per flow and key, lookups, queries, the inbox's
/// duplicate detection, and concurrent writers.
/// </summary>
public abstract class FlowStoreConformance : IAsyncLifetime
{
    /// <summary>A time with an offset and ticks below the millisecond: what the store keeps is the instant.</summary>
    protected static readonly DateTimeOffset T0 = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);

    private IFlowStore? _store;

    /// <summary>The store under test.</summary>
    protected IFlowStore Store => _store ?? throw new InvalidOperationException("not initialized");

    /// <summary>Makes a fresh, empty store.</summary>
    protected abstract IFlowStore CreateStore();

    /// <summary>Releases the store (and whatever holds its data).</summary>
    protected virtual async ValueTask DestroyStoreAsync(IFlowStore store)
    {
        switch (store)
        {
            case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync(); break;
            case IDisposable disposable: disposable.Dispose(); break;
        }
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _store = CreateStore();
        await _store.InitializeAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_store is not null) await DestroyStoreAsync(_store);
    }

    /// <summary>An instance with every field set to something a store could get wrong.</summary>
    protected static FlowInstance FullInstance(string id = "i-1", string flowId = "order-flow", string key = "order-42") => new()
    {
        Id = id,
        FlowId = flowId,
        Key = key,
        Version = "v1.2.3+ab",
        Status = FlowInstanceStatus.Waiting,
        Nodes = ["wait-payment", "with space", "ümlaut\n\"quoted\"\t\\", ""],
        Events = ["payment-received", "order-cancelled"],
        DueAt = T0.AddMinutes(30),
        State = [.. Encoding.UTF8.GetBytes("{\"name\":\"Zoë ✓ 😀\"}"), 0x00, 0xFF, 0x80, 0x7F],
        ErrorCode = "E-TIMEOUT",
        ErrorNode = "charge-card",
        ErrorMessage = "the gateway did not answer: Zeitüberschreitung ✗",
        LastSequence = 42,
        Created = T0,
        Updated = T0.AddSeconds(5),
    };

    /// <summary>An instance with everything optional left empty.</summary>
    protected static FlowInstance BareInstance(
        string id, string flowId = "flow", string key = "key", FlowInstanceStatus status = FlowInstanceStatus.Waiting,
        DateTimeOffset? created = null, DateTimeOffset? dueAt = null) => new()
    {
        Id = id,
        FlowId = flowId,
        Key = key,
        Version = "1",
        Status = status,
        DueAt = dueAt,
        Created = created ?? T0,
        Updated = created ?? T0,
    };

    /// <summary>Asserts that two instances hold the same values (times as instants).</summary>
    protected static void AssertSameInstance(FlowInstance expected, FlowInstance? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.FlowId, actual.FlowId);
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.Nodes, actual.Nodes);
        Assert.Equal(expected.Events, actual.Events);
        Assert.Equal(expected.DueAt.HasValue, actual.DueAt.HasValue);
        Assert.True(expected.DueAt == actual.DueAt, $"DueAt: expected {expected.DueAt:O}, got {actual.DueAt:O}");
        Assert.Equal(expected.State, actual.State);
        Assert.Equal(expected.ErrorCode, actual.ErrorCode);
        Assert.Equal(expected.ErrorNode, actual.ErrorNode);
        Assert.Equal(expected.ErrorMessage, actual.ErrorMessage);
        Assert.Equal(expected.Revision, actual.Revision);
        Assert.Equal(expected.LastSequence, actual.LastSequence);
        Assert.True(expected.Created == actual.Created, $"Created: expected {expected.Created:O}, got {actual.Created:O}");
        Assert.True(expected.Updated == actual.Updated, $"Updated: expected {expected.Updated:O}, got {actual.Updated:O}");
    }

    private static List<string> Ids(IEnumerable<FlowInstance> instances) => [.. instances.Select(i => i.Id)];

    // ---- saving and reading back ----

    [Fact]
    public async Task A_saved_instance_reads_back_with_every_field()
    {
        var instance = FullInstance();
        await Store.SaveAsync(instance, 0);

        Assert.Equal(1, instance.Revision);
        AssertSameInstance(instance, await Store.GetAsync("i-1"));
    }

    [Fact]
    public async Task A_bare_instance_reads_back_with_empty_arrays_no_due_time_and_no_error()
    {
        var instance = BareInstance("bare");
        await Store.SaveAsync(instance, 0);

        var stored = await Store.GetAsync("bare");
        AssertSameInstance(instance, stored);
        Assert.Empty(stored!.Nodes);
        Assert.Empty(stored.Events);
        Assert.Empty(stored.State);
        Assert.Null(stored.DueAt);
        Assert.Null(stored.ErrorCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Node_and_event_arrays_round_trip_exactly(int variant)
    {
        string[][] arrays = [[""], ["", ""], ["a,b", "[x]", "\"]"], [.. Enumerable.Range(0, 40).Select(i => $"node-{i}")]];
        var instance = BareInstance("arrays");
        instance.Nodes = arrays[variant];
        instance.Events = arrays[(variant + 1) % arrays.Length];
        await Store.SaveAsync(instance, 0);

        AssertSameInstance(instance, await Store.GetAsync("arrays"));
    }

    [Fact]
    public async Task Times_keep_their_instant_whatever_the_offset()
    {
        var instance = BareInstance("times", created: new DateTimeOffset(2024, 12, 31, 23, 59, 59, TimeSpan.FromHours(-7)).AddTicks(9_999_999));
        instance.DueAt = new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.FromMinutes(330)).AddTicks(1);
        instance.Updated = DateTimeOffset.UnixEpoch;
        await Store.SaveAsync(instance, 0);

        AssertSameInstance(instance, await Store.GetAsync("times"));
    }

    [Fact]
    public async Task An_unknown_id_reads_as_null()
    {
        Assert.Null(await Store.GetAsync("nobody"));
        Assert.Null(await Store.FindLatestAsync("flow", "nobody"));
    }

    [Fact]
    public async Task A_read_instance_is_a_copy_until_it_is_saved()
    {
        await Store.SaveAsync(BareInstance("copy"), 0);
        var read = await Store.GetAsync("copy");
        read!.Status = FlowInstanceStatus.Completed;
        read.Nodes = ["changed"];

        var again = await Store.GetAsync("copy");
        Assert.Equal(FlowInstanceStatus.Waiting, again!.Status);
        Assert.Empty(again.Nodes);
    }

    [Fact]
    public async Task An_update_replaces_the_fields_and_counts_the_revision()
    {
        var instance = FullInstance();
        await Store.SaveAsync(instance, 0);

        var read = (await Store.GetAsync("i-1"))!;
        read.Status = FlowInstanceStatus.Suspended;
        read.Nodes = [];
        read.Events = ["resume"];
        read.DueAt = null;
        read.State = [1, 2, 3];
        read.ErrorCode = null;
        read.ErrorNode = null;
        read.ErrorMessage = null;
        read.LastSequence = 43;
        read.Updated = T0.AddHours(1);
        read.Version = "v2";
        await Store.SaveAsync(read, 1);
        Assert.Equal(2, read.Revision);
        AssertSameInstance(read, await Store.GetAsync("i-1"));

        read.DueAt = T0.AddDays(1);
        await Store.SaveAsync(read, 2);
        Assert.Equal(3, read.Revision);
        AssertSameInstance(read, await Store.GetAsync("i-1"));
    }

    [Fact]
    public async Task An_update_keeps_the_flow_key_and_creation_time_as_inserted()
    {
        await Store.SaveAsync(BareInstance("same-id", flowId: "a", key: "1", created: T0), 0);
        var other = BareInstance("same-id", flowId: "b", key: "2", created: T0.AddDays(1));
        other.Nodes = ["moved"];
        other.Updated = T0.AddHours(2);
        await Store.SaveAsync(other, 1);

        var stored = (await Store.GetAsync("same-id"))!;
        Assert.Equal("a", stored.FlowId);
        Assert.Equal("1", stored.Key);
        Assert.True(stored.Created == T0);
        Assert.Equal(["moved"], stored.Nodes);
        Assert.True(stored.Updated == T0.AddHours(2));
        Assert.Equal(2, stored.Revision);
        Assert.Equal("same-id", (await Store.FindLatestAsync("a", "1"))!.Id);
        Assert.Null(await Store.FindLatestAsync("b", "2"));
    }

    // ---- optimistic concurrency ----

    [Fact]
    public async Task A_stale_revision_throws_and_leaves_the_stored_instance_unchanged()
    {
        await Store.SaveAsync(BareInstance("race"), 0);
        var first = (await Store.GetAsync("race"))!;
        var second = (await Store.GetAsync("race"))!;

        first.Nodes = ["first"];
        await Store.SaveAsync(first, 1);

        second.Nodes = ["second"];
        second.Status = FlowInstanceStatus.Completed;
        var error = await Assert.ThrowsAsync<FlowConcurrencyException>(async () => await Store.SaveAsync(second, 1));
        Assert.Equal("race", error.InstanceId);
        Assert.Equal(1, error.ExpectedRevision);
        Assert.Equal(1, second.Revision); // not advanced by the failed save

        var stored = (await Store.GetAsync("race"))!;
        Assert.Equal(2, stored.Revision);
        Assert.Equal(["first"], stored.Nodes);
        Assert.Equal(FlowInstanceStatus.Waiting, stored.Status);
    }

    [Fact]
    public async Task A_revision_ahead_of_the_store_throws()
    {
        await Store.SaveAsync(BareInstance("ahead"), 0);
        var read = (await Store.GetAsync("ahead"))!;
        await Assert.ThrowsAsync<FlowConcurrencyException>(async () => await Store.SaveAsync(read, 5));
        Assert.Equal(1, (await Store.GetAsync("ahead"))!.Revision);
    }

    [Fact]
    public async Task Updating_an_instance_the_store_does_not_hold_throws()
    {
        await Assert.ThrowsAsync<FlowConcurrencyException>(async () => await Store.SaveAsync(BareInstance("ghost"), 3));
        Assert.Null(await Store.GetAsync("ghost"));
    }

    [Fact]
    public async Task Inserting_an_id_the_store_holds_throws_and_keeps_the_first()
    {
        await Store.SaveAsync(BareInstance("same", flowId: "a", key: "1", status: FlowInstanceStatus.Completed), 0);
        var other = BareInstance("same", flowId: "b", key: "2");
        await Assert.ThrowsAsync<FlowConcurrencyException>(async () => await Store.SaveAsync(other, 0));

        var stored = (await Store.GetAsync("same"))!;
        Assert.Equal("a", stored.FlowId);
        Assert.Equal(FlowInstanceStatus.Completed, stored.Status);
    }

    // ---- one active instance per flow and key ----

    [Fact]
    public async Task A_second_active_instance_of_a_flow_and_key_is_refused_until_the_first_ends()
    {
        var first = BareInstance("first", flowId: "order", key: "42");
        await Store.SaveAsync(first, 0);

        foreach (var status in new[] { FlowInstanceStatus.Waiting, FlowInstanceStatus.Suspended, FlowInstanceStatus.Completed })
        {
            await Assert.ThrowsAsync<FlowConcurrencyException>(
                async () => await Store.SaveAsync(BareInstance("second-" + status, flowId: "order", key: "42", status: status, created: T0.AddSeconds(1)), 0));
        }
        Assert.Null(await Store.GetAsync("second-Waiting"));

        // Another key, or another flow with the same key, is no conflict.
        await Store.SaveAsync(BareInstance("other-key", flowId: "order", key: "43"), 0);
        await Store.SaveAsync(BareInstance("other-flow", flowId: "refund", key: "42"), 0);

        // Suspended is still active.
        first.Status = FlowInstanceStatus.Suspended;
        await Store.SaveAsync(first, 1);
        await Assert.ThrowsAsync<FlowConcurrencyException>(
            async () => await Store.SaveAsync(BareInstance("second", flowId: "order", key: "42", created: T0.AddSeconds(1)), 0));

        // Once it has ended, a new instance of the key starts; a completed one does not block the next either.
        first.Status = FlowInstanceStatus.Completed;
        await Store.SaveAsync(first, 2);
        var second = BareInstance("second", flowId: "order", key: "42", created: T0.AddSeconds(2));
        await Store.SaveAsync(second, 0);
        second.Status = FlowInstanceStatus.Failed;
        await Store.SaveAsync(second, 1);
        var third = BareInstance("third", flowId: "order", key: "42", created: T0.AddSeconds(3));
        await Store.SaveAsync(third, 0);
        third.Status = FlowInstanceStatus.Cancelled;
        await Store.SaveAsync(third, 1);
        await Store.SaveAsync(BareInstance("fourth", flowId: "order", key: "42", created: T0.AddSeconds(4)), 0);

        Assert.Equal(FlowInstanceStatus.Completed, (await Store.GetAsync("first"))!.Status);
        Assert.Equal(FlowInstanceStatus.Waiting, (await Store.GetAsync("fourth"))!.Status);
    }

    [Fact]
    public async Task FindLatest_returns_the_newest_instance_of_the_key_whatever_its_status()
    {
        var first = BareInstance("first", flowId: "order", key: "42", created: T0);
        await Store.SaveAsync(first, 0);
        Assert.Equal("first", (await Store.FindLatestAsync("order", "42"))!.Id);

        first.Status = FlowInstanceStatus.Completed;
        await Store.SaveAsync(first, 1);
        var second = BareInstance("second", flowId: "order", key: "42", created: T0.AddMinutes(1));
        await Store.SaveAsync(second, 0);
        await Store.SaveAsync(BareInstance("other", flowId: "order", key: "43", created: T0.AddMinutes(2)), 0);

        var latest = await Store.FindLatestAsync("order", "42");
        AssertSameInstance(second, latest);

        second.Status = FlowInstanceStatus.Failed;
        second.ErrorCode = "E1";
        await Store.SaveAsync(second, 1);
        latest = await Store.FindLatestAsync("order", "42");
        Assert.Equal("second", latest!.Id);
        Assert.Equal(FlowInstanceStatus.Failed, latest.Status);
        Assert.Equal(2, latest.Revision);

        Assert.Null(await Store.FindLatestAsync("refund", "42"));
        Assert.Null(await Store.FindLatestAsync("order", "44"));
    }

    // ---- queries ----

    [Fact]
    public async Task Query_filters_by_status_and_flow_oldest_first()
    {
        // Saved out of creation order: the query sorts by creation.
        await Store.SaveAsync(BareInstance("w3", flowId: "a", key: "3", created: T0.AddMinutes(3)), 0);
        await Store.SaveAsync(BareInstance("w1", flowId: "a", key: "1", created: T0.AddMinutes(1)), 0);
        await Store.SaveAsync(BareInstance("c2", flowId: "a", key: "2", status: FlowInstanceStatus.Completed, created: T0.AddMinutes(2)), 0);
        await Store.SaveAsync(BareInstance("s4", flowId: "a", key: "4", status: FlowInstanceStatus.Suspended, created: T0.AddMinutes(4)), 0);
        await Store.SaveAsync(BareInstance("b0", flowId: "b", key: "1", created: T0), 0);
        await Store.SaveAsync(BareInstance("bf", flowId: "b", key: "2", status: FlowInstanceStatus.Failed, created: T0.AddMinutes(5)), 0);

        Assert.Equal(["b0", "w1", "c2", "w3", "s4", "bf"], Ids(await Store.QueryAsync(new FlowInstanceQuery())));
        Assert.Equal(["w1", "c2", "w3", "s4"], Ids(await Store.QueryAsync(new FlowInstanceQuery { FlowId = "a" })));
        Assert.Equal(["b0", "w1", "w3"], Ids(await Store.QueryAsync(new FlowInstanceQuery { Status = FlowInstanceStatus.Waiting })));
        Assert.Equal(["w1", "w3"], Ids(await Store.QueryAsync(new FlowInstanceQuery { Status = FlowInstanceStatus.Waiting, FlowId = "a" })));
        Assert.Equal(["bf"], Ids(await Store.QueryAsync(new FlowInstanceQuery { Status = FlowInstanceStatus.Failed })));
        Assert.Empty(await Store.QueryAsync(new FlowInstanceQuery { Status = FlowInstanceStatus.Cancelled }));
        Assert.Empty(await Store.QueryAsync(new FlowInstanceQuery { FlowId = "c" }));

        var found = await Store.QueryAsync(new FlowInstanceQuery { FlowId = "a", Status = FlowInstanceStatus.Suspended });
        var expected = BareInstance("s4", flowId: "a", key: "4", status: FlowInstanceStatus.Suspended, created: T0.AddMinutes(4));
        expected.Revision = 1;
        AssertSameInstance(expected, Assert.Single(found));
    }

    [Fact]
    public async Task Query_filters_by_key()
    {
        await Store.SaveAsync(BareInstance("k1", flowId: "a", key: "ann", created: T0.AddMinutes(1)), 0);
        await Store.SaveAsync(BareInstance("k2", flowId: "b", key: "ann", created: T0.AddMinutes(2)), 0);
        await Store.SaveAsync(BareInstance("k3", flowId: "a", key: "bob", created: T0.AddMinutes(3)), 0);
        await Store.SaveAsync(BareInstance("k4", flowId: "a", key: "ann'; --", created: T0.AddMinutes(4)), 0);

        Assert.Equal(["k1", "k2"], Ids(await Store.QueryAsync(new FlowInstanceQuery { Key = "ann" })));
        Assert.Equal(["k1"], Ids(await Store.QueryAsync(new FlowInstanceQuery { Key = "ann", FlowId = "a" })));
        Assert.Equal(["k4"], Ids(await Store.QueryAsync(new FlowInstanceQuery { Key = "ann'; --" })));
        Assert.Empty(await Store.QueryAsync(new FlowInstanceQuery { Key = "ANN" }));
    }

    // ---- history ----

    private static FlowHistoryEntry Step(long revision, string cause, FlowInstanceStatus status) => new()
    {
        Revision = revision,
        Time = T0.AddMinutes(revision),
        Cause = cause,
        Event = cause == "event" ? "payment-received" : null,
        EventId = cause == "event" ? "evt-\"1\"" : null,
        By = cause == "suspend" ? "Zoë ✓" : null,
        Status = status,
        Nodes = ["wait-payment", "ümlaut\n\"quoted\""],
        ErrorCode = status == FlowInstanceStatus.Suspended ? "E-X" : null,
        ErrorNode = status == FlowInstanceStatus.Suspended ? "charge" : null,
        ErrorMessage = status == FlowInstanceStatus.Suspended ? "the gateway said </script> ✗" : null,
        Ran = cause == "start" ? [new FlowHistoryNode("load", "success", TimeSpan.FromMilliseconds(1.25)), new FlowHistoryNode("wait-payment", "waiting", TimeSpan.Zero)] : [],
    };

    [Fact]
    public async Task A_save_with_a_step_writes_it_to_the_history_with_the_save()
    {
        Assert.True(Store.KeepsHistory);
        var instance = BareInstance("h1");
        instance.Step = Step(1, "start", FlowInstanceStatus.Waiting);
        await Store.SaveAsync(instance, 0);
        var read = (await Store.GetAsync("h1"))!;
        Assert.Null(read.Step); // never read back into the instance
        read.Status = FlowInstanceStatus.Suspended;
        read.Step = Step(2, "suspend", FlowInstanceStatus.Suspended);
        await Store.SaveAsync(read, 1);
        read.Step = Step(3, "event", FlowInstanceStatus.Waiting);
        read.Status = FlowInstanceStatus.Waiting;
        await Store.SaveAsync(read, 2);
        // A save without a step (an engine with history off) adds nothing.
        read.Step = null;
        await Store.SaveAsync(read, 3);

        var history = await Store.ReadHistoryAsync("h1");
        Assert.Equal([1L, 2L, 3L], history.Select(h => h.Revision));
        for (var i = 0; i < 3; i++)
        {
            var expected = Step(i + 1, new[] { "start", "suspend", "event" }[i], new[] { FlowInstanceStatus.Waiting, FlowInstanceStatus.Suspended, FlowInstanceStatus.Waiting }[i]);
            var actual = history[i];
            Assert.Equal(expected.Cause, actual.Cause);
            Assert.True(expected.Time == actual.Time, $"{expected.Time:O} != {actual.Time:O}");
            Assert.Equal(expected.Event, actual.Event);
            Assert.Equal(expected.EventId, actual.EventId);
            Assert.Equal(expected.By, actual.By);
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(expected.Nodes, actual.Nodes);
            Assert.Equal(expected.ErrorCode, actual.ErrorCode);
            Assert.Equal(expected.ErrorNode, actual.ErrorNode);
            Assert.Equal(expected.ErrorMessage, actual.ErrorMessage);
            Assert.Equal(expected.Ran, actual.Ran);
        }
        Assert.Equal([2L, 3L], (await Store.ReadHistoryAsync("h1", limit: 2)).Select(h => h.Revision));
        Assert.Empty(await Store.ReadHistoryAsync("no-such-instance"));
    }

    [Fact]
    public async Task A_refused_save_writes_no_history()
    {
        var instance = BareInstance("h2");
        instance.Step = Step(1, "start", FlowInstanceStatus.Waiting);
        await Store.SaveAsync(instance, 0);
        var stale = (await Store.GetAsync("h2"))!;
        stale.Step = Step(2, "event", FlowInstanceStatus.Waiting);
        await Assert.ThrowsAsync<FlowConcurrencyException>(async () => await Store.SaveAsync(stale, 7));
        // A second active instance of the key is refused too, and leaves no entry under its id.
        var twin = BareInstance("h3");
        twin.Step = Step(1, "start", FlowInstanceStatus.Waiting);
        await Assert.ThrowsAsync<FlowConcurrencyException>(async () => await Store.SaveAsync(twin, 0));

        Assert.Equal([1L], (await Store.ReadHistoryAsync("h2")).Select(h => h.Revision));
        Assert.Empty(await Store.ReadHistoryAsync("h3"));
    }

    [Fact]
    public async Task Query_takes_at_most_the_limit_oldest_first()
    {
        for (var i = 9; i >= 0; i--) await Store.SaveAsync(BareInstance($"i{i}", key: $"{i}", created: T0.AddSeconds(i)), 0);

        Assert.Equal(["i0", "i1", "i2"], Ids(await Store.QueryAsync(new FlowInstanceQuery { Limit = 3 })));
        Assert.Equal(["i0"], Ids(await Store.QueryAsync(new FlowInstanceQuery { FlowId = "flow", Limit = 1 })));
        Assert.Equal(10, (await Store.QueryAsync(new FlowInstanceQuery())).Count);
        Assert.Empty(await Store.QueryAsync(new FlowInstanceQuery { Limit = 0 }));
    }

    [Fact]
    public async Task Query_by_due_time_returns_waiting_instances_due_at_or_before_it_in_due_order()
    {
        await Store.SaveAsync(BareInstance("due3", key: "1", created: T0, dueAt: T0.AddMinutes(3)), 0);
        await Store.SaveAsync(BareInstance("due1", key: "2", created: T0.AddSeconds(1), dueAt: T0.AddMinutes(1)), 0);
        await Store.SaveAsync(BareInstance("due10", key: "3", created: T0.AddSeconds(2), dueAt: T0.AddMinutes(10)), 0);
        await Store.SaveAsync(BareInstance("due2", key: "4", created: T0.AddSeconds(3), dueAt: T0.AddMinutes(2)), 0);
        await Store.SaveAsync(BareInstance("no-timer", key: "5", created: T0.AddSeconds(4)), 0);
        await Store.SaveAsync(BareInstance("suspended", key: "6", status: FlowInstanceStatus.Suspended, created: T0.AddSeconds(5), dueAt: T0), 0);
        await Store.SaveAsync(BareInstance("completed", key: "7", status: FlowInstanceStatus.Completed, created: T0.AddSeconds(6), dueAt: T0), 0);
        await Store.SaveAsync(BareInstance("other-flow", flowId: "other", key: "8", created: T0.AddSeconds(7), dueAt: T0.AddSeconds(90)), 0);

        // Due exactly at the bound counts; the bound's offset does not matter, only its instant.
        var bound = T0.AddMinutes(3).ToOffset(TimeSpan.FromHours(-5));
        Assert.Equal(["due1", "other-flow", "due2", "due3"], Ids(await Store.QueryAsync(new FlowInstanceQuery { DueBy = bound })));
        Assert.Equal(["due1", "other-flow"], Ids(await Store.QueryAsync(new FlowInstanceQuery { DueBy = bound, Limit = 2 })));
        Assert.Equal(["due1", "due2", "due3"], Ids(await Store.QueryAsync(new FlowInstanceQuery { DueBy = bound, FlowId = "flow" })));
        Assert.Equal(["due1", "other-flow", "due2", "due3"], Ids(await Store.QueryAsync(new FlowInstanceQuery { DueBy = bound, Status = FlowInstanceStatus.Waiting })));
        Assert.Empty(await Store.QueryAsync(new FlowInstanceQuery { DueBy = bound, Status = FlowInstanceStatus.Suspended }));
        Assert.Empty(await Store.QueryAsync(new FlowInstanceQuery { DueBy = T0.AddSeconds(59) }));

        // A timer that moves, or an instance that stops waiting, leaves the due list.
        var due1 = (await Store.GetAsync("due1"))!;
        due1.DueAt = T0.AddMinutes(20);
        await Store.SaveAsync(due1, 1);
        var due2 = (await Store.GetAsync("due2"))!;
        due2.Status = FlowInstanceStatus.Completed;
        await Store.SaveAsync(due2, 1);
        var due10 = (await Store.GetAsync("due10"))!;
        due10.DueAt = T0.AddSeconds(30);
        await Store.SaveAsync(due10, 1);
        Assert.Equal(["due10", "other-flow", "due3"], Ids(await Store.QueryAsync(new FlowInstanceQuery { DueBy = bound })));
    }

    [Fact]
    public async Task Timers_within_one_second_come_in_due_order_then_by_id_and_a_bound_inside_the_second_splits_them()
    {
        var second = new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);
        await Store.SaveAsync(BareInstance("late", key: "1", dueAt: second.AddMilliseconds(700)), 0);
        await Store.SaveAsync(BareInstance("b", key: "2", dueAt: second.AddMilliseconds(300)), 0);
        await Store.SaveAsync(BareInstance("early", key: "3", dueAt: second.AddMilliseconds(100)), 0);
        await Store.SaveAsync(BareInstance("a", key: "4", dueAt: second.AddMilliseconds(300)), 0);
        await Store.SaveAsync(BareInstance("before", key: "5", dueAt: second.AddMilliseconds(-1)), 0);

        Assert.Equal(["before", "early", "a", "b"], Ids(await Store.QueryAsync(new FlowInstanceQuery { DueBy = second.AddMilliseconds(500) })));
        Assert.Equal(["before", "early", "a", "b", "late"], Ids(await Store.QueryAsync(new FlowInstanceQuery { DueBy = second.AddSeconds(1) })));
        Assert.Equal(["before", "early"], Ids(await Store.QueryAsync(new FlowInstanceQuery { DueBy = second.AddMilliseconds(100) })));
        Assert.Equal(["before"], Ids(await Store.QueryAsync(new FlowInstanceQuery { DueBy = second })));

        // Moved within its second, and out of it.
        var late = (await Store.GetAsync("late"))!;
        late.DueAt = second.AddMilliseconds(50);
        await Store.SaveAsync(late, 1);
        var early = (await Store.GetAsync("early"))!;
        early.DueAt = second.AddHours(1);
        await Store.SaveAsync(early, 1);
        Assert.Equal(["before", "late", "a", "b"], Ids(await Store.QueryAsync(new FlowInstanceQuery { DueBy = second.AddMilliseconds(999) })));
    }

    // ---- faults ----

    [Fact]
    public async Task A_status_none_of_the_enum_reads_back_as_it_is_and_the_instance_says_it_is_unreadable()
    {
        await Store.SaveAsync(BareInstance("odd", status: (FlowInstanceStatus)9), 0);

        var read = (await Store.GetAsync("odd"))!;
        Assert.Equal(9, (int)read.Status);
        Assert.False(read.IsActive);
        Assert.Null(read.ReadError);
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, read.Unreadable!.Code);
        Assert.Contains("instance 'odd' (flow/key) has the status 9", read.Unreadable.Message);
    }

    [Fact]
    public async Task The_flows_of_unfinished_instances_are_listed_once_each()
    {
        await Store.SaveAsync(BareInstance("w1", flowId: "waits", key: "1"), 0);
        await Store.SaveAsync(BareInstance("w2", flowId: "waits", key: "2"), 0);
        await Store.SaveAsync(BareInstance("s1", flowId: "suspends", key: "1", status: FlowInstanceStatus.Suspended), 0);
        await Store.SaveAsync(BareInstance("odd", flowId: "odd", key: "1", status: (FlowInstanceStatus)9), 0);
        await Store.SaveAsync(BareInstance("c1", flowId: "done", key: "1", status: FlowInstanceStatus.Completed), 0);
        await Store.SaveAsync(BareInstance("f1", flowId: "done", key: "2", status: FlowInstanceStatus.Failed), 0);
        await Store.SaveAsync(BareInstance("x1", flowId: "done", key: "3", status: FlowInstanceStatus.Cancelled), 0);

        Assert.Equal(["odd", "suspends", "waits"], (await Store.ListActiveFlowIdsAsync()).Order(StringComparer.Ordinal));
    }

    // ---- the inbox ----

    [Fact]
    public async Task Appended_events_get_increasing_sequences()
    {
        var first = await Store.AppendEventAsync("m-1", "paid", [1], T0);
        var second = await Store.AppendEventAsync("m-2", "paid", [2], T0);
        var third = await Store.AppendEventAsync(null, "shipped", [], T0);
        Assert.NotNull(first);
        Assert.True(second > first);
        Assert.True(third > second);
    }

    [Fact]
    public async Task An_event_id_taken_already_is_a_duplicate()
    {
        Assert.NotNull(await Store.AppendEventAsync("m-1", "paid", [1], T0));
        Assert.Null(await Store.AppendEventAsync("m-1", "paid", [1], T0));
        Assert.Null(await Store.AppendEventAsync("m-1", "other-name", [9, 9], T0.AddHours(1)));
        Assert.NotNull(await Store.AppendEventAsync("m-2", "paid", [1], T0));
        Assert.NotNull(await Store.AppendEventAsync("M-1", "paid", [1], T0)); // ids compare exactly
    }

    [Fact]
    public async Task Events_without_an_id_are_never_duplicates()
    {
        var sequences = new List<long>();
        for (var i = 0; i < 5; i++) sequences.Add((await Store.AppendEventAsync(null, "tick", [1, 2, 3], T0))!.Value);
        Assert.Equal(5, sequences.Distinct().Count());
    }

    // ---- concurrency ----

    [Fact]
    public async Task Concurrent_saves_to_different_instances_all_land()
    {
        const int writers = 4, perWriter = 40;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                var instance = BareInstance($"w{w}-{i}", flowId: $"flow-{w}", key: $"{i}", created: T0.AddTicks(w * 1000 + i));
                await Store.SaveAsync(instance, 0);
                instance.Nodes = ["step-2"];
                await Store.SaveAsync(instance, 1);
                instance.Status = FlowInstanceStatus.Completed;
                await Store.SaveAsync(instance, 2);
            }
        })));

        var all = await Store.QueryAsync(new FlowInstanceQuery { Limit = 10_000 });
        Assert.Equal(writers * perWriter, all.Count);
        Assert.All(all, instance =>
        {
            Assert.Equal(3, instance.Revision);
            Assert.Equal(FlowInstanceStatus.Completed, instance.Status);
            Assert.Equal(["step-2"], instance.Nodes);
        });
    }

    [Fact]
    public async Task Of_two_writers_racing_with_the_same_revision_exactly_one_wins()
    {
        await Store.SaveAsync(BareInstance("contended"), 0);
        for (var round = 1; round <= 20; round++)
        {
            var a = (await Store.GetAsync("contended"))!;
            var b = (await Store.GetAsync("contended"))!;
            a.Nodes = ["a"];
            b.Nodes = ["b"];
            var outcomes = await Race(() => Store.SaveAsync(a, round), () => Store.SaveAsync(b, round));

            Assert.Equal(1, outcomes.Count(o => o is null));
            Assert.IsType<FlowConcurrencyException>(Assert.Single(outcomes, o => o is not null));
            var stored = (await Store.GetAsync("contended"))!;
            Assert.Equal(round + 1, stored.Revision);
            Assert.Equal(outcomes[0] is null ? new[] { "a" } : new[] { "b" }, stored.Nodes);
        }
    }

    [Fact]
    public async Task Of_two_new_instances_racing_for_one_flow_and_key_exactly_one_wins()
    {
        for (var round = 0; round < 20; round++)
        {
            var key = $"key-{round}";
            var outcomes = await Race(
                () => Store.SaveAsync(BareInstance($"a-{round}", key: key), 0),
                () => Store.SaveAsync(BareInstance($"b-{round}", key: key), 0));

            Assert.Equal(1, outcomes.Count(o => o is null));
            Assert.IsType<FlowConcurrencyException>(Assert.Single(outcomes, o => o is not null));
            Assert.Equal(outcomes[0] is null ? $"a-{round}" : $"b-{round}", (await Store.FindLatestAsync("flow", key))!.Id);
        }
    }

    /// <summary>Runs two saves at once (released together on two threads): the exception each threw, or null.</summary>
    private static async Task<Exception?[]> Race(Func<ValueTask> first, Func<ValueTask> second)
    {
        using var start = new Barrier(2);
        Task<Exception?> Run(Func<ValueTask> save) => Task.Run(async () =>
        {
            start.SignalAndWait();
            try
            {
                await save();
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        });
        return await Task.WhenAll(Run(first), Run(second));
    }

    [Fact]
    public async Task Objects_given_to_or_read_from_the_store_are_not_changed_by_later_saves()
    {
        var instance = FullInstance();
        instance.State = [1, 2, 3];
        await Store.SaveAsync(instance, 0);
        var read = (await Store.GetAsync(instance.Id))!;
        var update = read.Clone();
        update.State = [7, 8, 9];
        await Store.SaveAsync(update, read.Revision);

        Assert.Equal(new byte[] { 1, 2, 3 }, instance.State);
        Assert.Equal(new byte[] { 1, 2, 3 }, read.State);
        Assert.Equal(new byte[] { 7, 8, 9 }, (await Store.GetAsync(instance.Id))!.State);
    }
}

/// <summary>
/// The inbox of a store that outlives the process: pending events are kept until marked processed. And rows damaged
/// outside the store (written with raw SQL): read with <see cref="FlowInstance.ReadError"/>, never thrown.
/// </summary>
public abstract class DurableFlowStoreConformance : FlowStoreConformance
{
    /// <summary>Runs a statement on the store's tables (named without a schema).</summary>
    protected abstract Task ExecuteAsync(string sql);

    [Fact]
    public void The_store_is_durable() => Assert.True(Store.IsDurable);

    [Fact]
    public async Task A_pending_event_is_found_by_its_id_until_it_is_processed()
    {
        var sequence = (await Store.AppendEventAsync("evt-\"7\"", "paid", [1, 2, 3], T0))!.Value;
        var found = await Store.FindPendingEventAsync("evt-\"7\"");
        Assert.NotNull(found);
        Assert.Equal(sequence, found.Sequence);
        Assert.Equal("paid", found.Name);
        Assert.Equal([1, 2, 3], found.Payload);
        Assert.True(found.Time == T0);
        Assert.Null(await Store.FindPendingEventAsync("evt-8"));
        await Store.MarkEventsProcessedAsync([sequence]);
        Assert.Null(await Store.FindPendingEventAsync("evt-\"7\""));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"revision\": 2}")]
    [InlineData("{\"revision\": 2, \"time\": \"2025-03-01T10:00:00Z\", \"cause\": \"start\", \"status\": 0, \"nodes\": [1]}")]
    public async Task A_history_entry_that_cannot_be_read_reads_as_unreadable_and_the_others_still_read(string entry)
    {
        var instance = BareInstance("hd");
        instance.Step = new FlowHistoryEntry { Revision = 1, Cause = "start", Time = T0 };
        await Store.SaveAsync(instance, 0);
        instance.Step = new FlowHistoryEntry { Revision = 2, Cause = "event", Time = T0 };
        await Store.SaveAsync(instance, 1);
        await ExecuteAsync($"UPDATE flowgen_history SET entry = '{entry.Replace("'", "''")}' WHERE instance_id = 'hd' AND revision = 2");

        var history = await Store.ReadHistoryAsync("hd");
        Assert.Equal(["start", "unreadable"], history.Select(h => h.Cause));
        Assert.Equal(2, history[1].Revision);
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, history[1].ErrorCode);
        Assert.Contains("history entry 2 cannot be read", history[1].ErrorMessage);
    }

    [Theory]
    [InlineData("nodes", "[\"wait\"")]
    [InlineData("nodes", "[\"wait\"] and more")]
    [InlineData("events", "{\"paid\": 1}")]
    [InlineData("events", "[1, 2]")]
    [InlineData("events", "not json")]
    public async Task A_row_with_a_damaged_column_reads_with_its_read_error_and_does_not_break_lists(string column, string value)
    {
        var damaged = FullInstance("bad", key: "k1");
        await Store.SaveAsync(damaged, 0);
        await Store.SaveAsync(FullInstance("good", key: "k2"), 0);
        await ExecuteAsync($"UPDATE flowgen_instances SET {column} = '{value}' WHERE id = 'bad'");

        var read = (await Store.GetAsync("bad"))!;
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, read.ReadError!.Code);
        Assert.Equal("order-flow", read.ReadError.FlowId);
        Assert.Contains($"the column '{column}' of instance 'bad' (order-flow/k1) holds '{value}', which is not a JSON array of strings", read.ReadError.Message);
        Assert.Same(read.ReadError, read.Unreadable);
        Assert.Empty(column == "nodes" ? read.Nodes : read.Events);
        // The other columns read as saved.
        Assert.Equal(column == "nodes" ? damaged.Events : damaged.Nodes, column == "nodes" ? read.Events : read.Nodes);
        Assert.Equal(damaged.State, read.State);
        Assert.Equal(FlowInstanceStatus.Waiting, read.Status);

        Assert.Equal(FlowErrorCodes.InstanceUnreadable, (await Store.FindLatestAsync("order-flow", "k1"))!.ReadError!.Code);
        var listed = await Store.QueryAsync(new FlowInstanceQuery { Status = FlowInstanceStatus.Waiting });
        Assert.Equal(["bad", "good"], listed.Select(i => i.Id));
        Assert.NotNull(listed[0].ReadError);
        Assert.Null(listed[1].ReadError);
        Assert.Null(listed[1].Unreadable);
    }

    [Fact]
    public async Task Pending_events_read_back_in_arrival_order_after_a_sequence()
    {
        byte[] payload = [.. Encoding.UTF8.GetBytes("{\"amount\":12.5,\"note\":\"für ✓\"}"), 0x00, 0xFF];
        var s1 = (await Store.AppendEventAsync("m-1", "paid", payload, T0))!.Value;
        var s2 = (await Store.AppendEventAsync(null, "shipped", [], T0.AddTicks(1).ToOffset(TimeSpan.FromHours(9))))!.Value;
        Assert.Null(await Store.AppendEventAsync("m-1", "paid", payload, T0)); // not stored twice
        var s3 = (await Store.AppendEventAsync("m-3", "delivered", [7], T0.AddDays(1)))!.Value;

        var pending = await Store.ReadPendingEventsAsync(0, 100);
        Assert.Equal([s1, s2, s3], pending.Select(e => e.Sequence));
        Assert.Equal("m-1", pending[0].Id);
        Assert.Equal("paid", pending[0].Name);
        Assert.Equal(payload, pending[0].Payload);
        Assert.True(pending[0].Time == T0);
        Assert.Null(pending[1].Id);
        Assert.Equal("shipped", pending[1].Name);
        Assert.Empty(pending[1].Payload);
        Assert.True(pending[1].Time == T0.AddTicks(1));
        Assert.Equal(TimeSpan.Zero, pending[1].Time.Offset);

        Assert.Equal([s2, s3], (await Store.ReadPendingEventsAsync(s1, 100)).Select(e => e.Sequence));
        Assert.Equal([s1, s2], (await Store.ReadPendingEventsAsync(0, 2)).Select(e => e.Sequence));
        Assert.Empty(await Store.ReadPendingEventsAsync(s3, 100));
        Assert.Empty(await Store.ReadPendingEventsAsync(0, 0));
    }

    [Fact]
    public async Task Events_marked_processed_leave_the_pending_list()
    {
        var sequences = new List<long>();
        for (var i = 0; i < 6; i++) sequences.Add((await Store.AppendEventAsync($"m-{i}", "e", [(byte)i], T0))!.Value);

        await Store.MarkEventsProcessedAsync([sequences[0], sequences[2], sequences[3]]);
        Assert.Equal([sequences[1], sequences[4], sequences[5]], (await Store.ReadPendingEventsAsync(0, 100)).Select(e => e.Sequence));

        await Store.MarkEventsProcessedAsync([]);
        await Store.MarkEventsProcessedAsync([sequences[1], sequences[0]]); // marking again is harmless
        Assert.Equal([sequences[4], sequences[5]], (await Store.ReadPendingEventsAsync(0, 100)).Select(e => e.Sequence));

        // A processed event's id still counts for duplicates.
        Assert.Null(await Store.AppendEventAsync("m-0", "e", [0], T0));
    }

    [Fact]
    public async Task Stored_times_read_back_in_utc()
    {
        var instance = BareInstance("utc", created: T0, dueAt: T0.AddHours(1));
        await Store.SaveAsync(instance, 0);
        var stored = (await Store.GetAsync("utc"))!;
        Assert.Equal(TimeSpan.Zero, stored.Created.Offset);
        Assert.Equal(TimeSpan.Zero, stored.DueAt!.Value.Offset);
        Assert.Equal(T0.UtcDateTime, stored.Created.UtcDateTime);
    }
}
