using System.Text;
using System.Text.Json;
using FlowGen.Durable;
using FlowGen.Persistence.PostgreSql;
using FlowGen.Persistence.Sqlite;
using FlowGen.Persistence.Tests;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

/// <summary>
/// What the engine does with instances it cannot work with (issue 21, runtime faults), on every store with the generated
/// campaign flow: a status it does not know, an unfinished instance of a flow it does not run, a state it cannot read,
/// and (on the SQL stores, damaged with raw SQL) nodes or events columns that are not JSON arrays. Every fault is an
/// error with a code; an event that meets one is parked (kept, counted, reported), never applied and never allowed to
/// start a new instance over the old one; a resume repairs the instance and delivers what was parked.
/// </summary>
public abstract class EngineFaultTests : IAsyncLifetime
{
    protected const string Flow = CouponCampaignFlow.FlowId;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly List<FlowParkedEvent> _parked = [];
    private readonly List<(Exception Exception, string What)> _errors = [];
    private IFlowStore? _store;
    private FlowEngine? _engine;

    protected CampaignTasks Tasks { get; } = new();

    protected IFlowStore Store => _store ?? throw new InvalidOperationException("not initialized");

    protected FlowEngine Engine => _engine ?? throw new InvalidOperationException("call StartAsync first");

    protected List<FlowParkedEvent> Parked
    {
        get
        {
            lock (_parked) return [.. _parked];
        }
    }

    protected List<(Exception Exception, string What)> Errors
    {
        get
        {
            lock (_errors) return [.. _errors];
        }
    }

    protected abstract IFlowStore CreateStore();

    protected virtual Task DestroyStoreAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _store = CreateStore();
        await _store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (_engine is not null) await _engine.DisposeAsync();
        switch (_store)
        {
            case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync(); break;
            case IDisposable disposable: disposable.Dispose(); break;
        }
        await DestroyStoreAsync();
    }

    /// <summary>Starts an engine over the store (stopping the one before: a restart of the process).</summary>
    protected async Task StartAsync(bool withJsonContext = true)
    {
        if (_engine is not null) await _engine.DisposeAsync();
        var options = new FlowEngineOptions { Clock = _clock };
        if (withJsonContext) options.JsonContexts.Add(DurableTestJson.Default);
        options.OnParked = parked => { lock (_parked) _parked.Add(parked); };
        options.OnError = (exception, what) => { lock (_errors) _errors.Add((exception, what)); };
        _engine = new FlowEngine([new CouponCampaignFlow(Tasks)], Store, options);
        await _engine.StartAsync();
    }

    protected async Task<FlowPublishResult> View(string user, string product)
    {
        var result = await Engine.PublishAsync(new FlowEvent("product-viewed", new ProductViewed(user, product)));
        await Engine.DrainAsync();
        return result;
    }

    protected static int Views(FlowInstance? instance)
    {
        using var json = JsonDocument.Parse(instance!.State);
        return json.RootElement.GetProperty("sta.views").GetInt32();
    }

    /// <summary>A waiting instance written straight into the store (as another build, or another program, would have).</summary>
    protected FlowInstance Row(string id, string flowId, string key, DateTimeOffset? dueAt = null) => new()
    {
        Id = id,
        FlowId = flowId,
        Key = key,
        Version = "1",
        Status = FlowInstanceStatus.Waiting,
        Nodes = ["Watch"],
        Events = ["product-viewed"],
        DueAt = dueAt,
        State = Encoding.UTF8.GetBytes("{}"),
        Created = _clock.GetUtcNow(),
        Updated = _clock.GetUtcNow(),
    };

    protected async Task Change(string instanceId, Action<FlowInstance> change)
    {
        var instance = (await Store.GetAsync(instanceId))!;
        change(instance);
        await Store.SaveAsync(instance, instance.Revision);
    }

    /// <summary>On a durable store, whether the inbox still holds the event as pending (a parked event stays there).</summary>
    protected async Task AssertPending(long sequence, bool pending)
    {
        if (!Store.IsDurable) return;
        var events = await Store.ReadPendingEventsAsync(0, 1000);
        Assert.Equal(pending, events.Any(e => e.Sequence == sequence));
    }

    protected void AdvanceClock(TimeSpan time) => _clock.Advance(time);

    [Fact]
    public async Task An_instance_in_an_unknown_status_is_never_replaced_its_event_is_parked_and_a_resume_delivers_it()
    {
        await StartAsync();
        await View("ann", "p1");
        var ann = (await Engine.FindAsync(Flow, "ann"))!;
        await Change(ann.Id, i => i.Status = (FlowInstanceStatus)9);

        var fault = await Assert.ThrowsAsync<FlowInstanceFaultException>(() => Engine.FindAsync(Flow, "ann"));
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, fault.Code);
        Assert.Contains($"instance '{ann.Id}' (coupon-campaign/ann) has the status 9", fault.Message);
        Assert.Equal(ann.Id, fault.Instance!.Id);
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, (await Assert.ThrowsAsync<FlowInstanceFaultException>(() => Engine.GetAsync(ann.Id))).Code);

        // The next event: accepted (it is in the inbox), parked, reported and counted; no new instance over the old one.
        Assert.Equal(FlowPublishResult.Accepted, await View("ann", "p2"));
        var parked = Assert.Single(Parked);
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, parked.Error.Code);
        Assert.Equal((Flow, "ann", ann.Id), (parked.FlowId, parked.Key, parked.InstanceId));
        Assert.Equal([parked], Engine.ParkedEvents);
        Assert.Equal(1, Engine.Counters.Parked);
        Assert.Equal(0, Engine.Counters.Dropped);
        Assert.Equal(ann.Id, Assert.Single(await Store.QueryAsync(new FlowInstanceQuery { FlowId = Flow })).Id);
        await AssertPending(parked.Event.Sequence, pending: true);

        // The instance is on the repair list, with what was wrong.
        var suspended = Assert.Single(await Engine.ListSuspendedAsync());
        Assert.Equal(ann.Id, suspended.Id);
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, suspended.ErrorCode);
        Assert.Contains("has the status 9", suspended.ErrorMessage);
        Assert.Contains(Errors, e => e.Exception is FlowInstanceFaultException { Code: FlowErrorCodes.InstanceUnreadable });

        // The repair: a resume continues it from its state, and the parked event is delivered to it.
        await Engine.ResumeAsync(ann.Id);
        await Engine.DrainAsync();
        var repaired = await Engine.FindAsync(Flow, "ann");
        Assert.Equal(FlowInstanceStatus.Waiting, repaired!.Status);
        Assert.Equal(2, Views(repaired));
        Assert.Contains("ann: view 2", Tasks.Log);
        Assert.Empty(Engine.ParkedEvents);
        await AssertPending(parked.Event.Sequence, pending: false);
    }

    [Fact]
    public async Task An_unfinished_instance_of_a_flow_no_build_runs_is_reported_at_start_and_no_event_starts_an_instance_over_it()
    {
        await Store.SaveAsync(Row("old-1", "retired-campaign", "kim"), 0);
        await StartAsync();

        Assert.Equal(["retired-campaign"], Engine.UnknownFlows);
        var reported = Assert.IsType<FlowInstanceFaultException>(Assert.Single(Errors).Exception);
        Assert.Equal(FlowErrorCodes.UnknownFlow, reported.Code);
        Assert.Contains("unfinished instances of flow 'retired-campaign', which no registered build runs", reported.Message);

        Assert.Equal(FlowPublishResult.Accepted, await View("kim", "p1"));
        var parked = Assert.Single(Parked);
        Assert.Equal(FlowErrorCodes.UnknownFlow, parked.Error.Code);
        Assert.Equal("old-1", parked.InstanceId);
        Assert.Contains("the key 'kim' has an unfinished instance 'old-1' (Waiting) of flow 'retired-campaign'", parked.Error.Message);
        Assert.Null(await Engine.FindAsync(Flow, "kim"));
        Assert.Equal(1, Engine.Counters.Parked);
        await AssertPending(parked.Event.Sequence, pending: true);

        // Other keys are not concerned.
        await View("lee", "p1");
        Assert.NotNull(await Engine.FindAsync(Flow, "lee"));

        // Cancelling the old instance (or registering its flow) lets the key start again: the parked event goes where
        // it would have gone without it, and starts the instance.
        Assert.Equal(FlowInstanceStatus.Cancelled, (await Engine.CancelAsync("old-1", "retired")).Status);
        await Engine.DrainAsync();
        var kim = (await Engine.FindAsync(Flow, "kim"))!;
        Assert.Equal(FlowInstanceStatus.Waiting, kim.Status);
        Assert.Equal(1, Views(kim));
        Assert.Empty(Engine.ParkedEvents);
        await AssertPending(parked.Event.Sequence, pending: false);
        await View("kim", "p2");
        Assert.Equal(2, Views(await Engine.FindAsync(Flow, "kim")));
        Assert.Single(Parked);
    }

    [Fact]
    public async Task A_timer_of_an_instance_of_an_unknown_flow_suspends_it_with_FLOW_UNKNOWN_FLOW_and_a_resume_says_so()
    {
        await Store.SaveAsync(Row("old-2", "retired-campaign", "kim", dueAt: new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero)), 0);
        await StartAsync();

        Assert.Equal(1, await Engine.FireDueTimersAsync());
        await Engine.DrainAsync();
        var suspended = (await Engine.GetAsync("old-2"))!;
        Assert.Equal(FlowInstanceStatus.Suspended, suspended.Status);
        Assert.Equal(FlowErrorCodes.UnknownFlow, suspended.ErrorCode);
        Assert.Contains("no build of the flow is registered", suspended.ErrorMessage);
        Assert.Equal(0, await Engine.FireDueTimersAsync());

        var fault = await Assert.ThrowsAsync<FlowInstanceFaultException>(() => Engine.ResumeAsync("old-2"));
        Assert.Equal(FlowErrorCodes.UnknownFlow, fault.Code);
    }

    [Fact]
    public async Task Resuming_an_instance_whose_state_cannot_be_read_is_FLOW_STATE_UNREADABLE_and_leaves_it_suspended()
    {
        await StartAsync();
        await View("bea", "p1");
        var bea = (await Engine.FindAsync(Flow, "bea"))!;
        await Engine.SuspendAsync(bea.Id, "a person looks at it");
        await Change(bea.Id, i => i.State = Encoding.UTF8.GetBytes("{\"at\": [\"Watch\"], \"sta.views\": tw"));

        var fault = await Assert.ThrowsAsync<FlowInstanceFaultException>(() => Engine.ResumeAsync(bea.Id));
        Assert.Equal(FlowErrorCodes.StateUnreadable, fault.Code);
        Assert.IsAssignableFrom<JsonException>(fault.InnerException);
        Assert.Contains($"the saved state of instance '{bea.Id}' (coupon-campaign/bea) cannot be read", fault.Message);
        var still = (await Engine.GetAsync(bea.Id))!;
        Assert.Equal(FlowInstanceStatus.Suspended, still.Status);
        Assert.Equal(FlowErrorCodes.Suspended, still.ErrorCode);
    }

    [Fact]
    public async Task An_event_for_an_instance_whose_state_cannot_be_read_suspends_it_with_FLOW_STATE_UNREADABLE()
    {
        await StartAsync();
        await View("cal", "p1");
        var cal = (await Engine.FindAsync(Flow, "cal"))!;
        await Change(cal.Id, i => i.State = Encoding.UTF8.GetBytes("not json"));

        await View("cal", "p2");
        var suspended = (await Engine.FindAsync(Flow, "cal"))!;
        Assert.Equal(cal.Id, suspended.Id);
        Assert.Equal(FlowInstanceStatus.Suspended, suspended.Status);
        Assert.Equal(FlowErrorCodes.StateUnreadable, suspended.ErrorCode);
        Assert.Equal("Watch", suspended.ErrorNode);
        Assert.Contains(Errors, e => e.Exception is JsonException);
    }
}

/// <summary>The faults a SQL store can hold and the in-memory one cannot: columns damaged with raw SQL.</summary>
public abstract class SqlEngineFaultTests : EngineFaultTests
{
    /// <summary>Runs a statement on the store's tables (named without a schema).</summary>
    protected abstract Task ExecuteAsync(string sql);

    [Theory]
    [InlineData("nodes", "[\"Watch\"")]
    [InlineData("events", "{\"product-viewed\": 1}")]
    public async Task A_damaged_column_is_a_coded_error_on_find_its_event_is_parked_and_a_resume_repairs_the_row(string column, string value)
    {
        await StartAsync();
        await View("ann", "p1");
        var ann = (await Engine.FindAsync(Flow, "ann"))!;
        await ExecuteAsync($"UPDATE flowgen_instances SET {column} = '{value}' WHERE id = '{ann.Id}'");

        var fault = await Assert.ThrowsAsync<FlowInstanceFaultException>(() => Engine.FindAsync(Flow, "ann"));
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, fault.Code);
        Assert.Contains($"the column '{column}' of instance '{ann.Id}' (coupon-campaign/ann) holds '{value}', which is not a JSON array of strings", fault.Message);
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, (await Assert.ThrowsAsync<FlowInstanceFaultException>(() => Engine.GetAsync(ann.Id))).Code);

        Assert.Equal(FlowPublishResult.Accepted, await View("ann", "p2"));
        var parked = Assert.Single(Parked);
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, parked.Error.Code);
        Assert.Equal(1, Engine.Counters.Parked);
        Assert.Equal(ann.Id, Assert.Single(await Store.QueryAsync(new FlowInstanceQuery { FlowId = Flow })).Id);
        await AssertPending(parked.Event.Sequence, pending: true);

        var suspended = Assert.Single(await Engine.ListSuspendedAsync());
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, suspended.ErrorCode);
        Assert.Contains($"the column '{column}'", suspended.ErrorMessage);
        Assert.Contains("it was Waiting", suspended.ErrorMessage);

        await Engine.ResumeAsync(ann.Id);
        await Engine.DrainAsync();
        var repaired = (await Engine.FindAsync(Flow, "ann"))!;
        Assert.Equal(["Watch"], repaired.Nodes);
        Assert.Equal(["product-viewed", "order-placed"], repaired.Events);
        Assert.Equal(2, Views(repaired));
        await AssertPending(parked.Event.Sequence, pending: false);
    }

    [Fact]
    public async Task A_damaged_row_stays_in_the_list_with_its_read_error()
    {
        await StartAsync();
        await View("dan", "p1");
        await View("eva", "p1");
        var dan = (await Engine.FindAsync(Flow, "dan"))!;
        var eva = (await Engine.FindAsync(Flow, "eva"))!;
        await Engine.SuspendAsync(dan.Id, "check");
        await Engine.SuspendAsync(eva.Id, "check");
        await ExecuteAsync($"UPDATE flowgen_instances SET events = 'oops' WHERE id = '{dan.Id}'");

        var listed = await Engine.ListSuspendedAsync();
        Assert.Equal([dan.Id, eva.Id], listed.Select(i => i.Id));
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, listed[0].ReadError!.Code);
        Assert.Contains("the column 'events'", listed[0].ReadError!.Message);
        Assert.Null(listed[1].ReadError);

        // A suspended instance resumes from its state: the step writes its columns again.
        await Engine.ResumeAsync(dan.Id);
        Assert.Equal(["product-viewed", "order-placed"], (await Engine.FindAsync(Flow, "dan"))!.Events);
    }

    [Fact]
    public async Task The_timer_of_a_damaged_row_suspends_it_so_it_no_longer_comes_first_among_due_timers()
    {
        await StartAsync();
        await View("fin", "p1");
        var fin = (await Engine.FindAsync(Flow, "fin"))!;
        await ExecuteAsync($"UPDATE flowgen_instances SET nodes = 'Watch' WHERE id = '{fin.Id}'");
        AdvanceClock(TimeSpan.FromDays(8));

        Assert.Equal(1, await Engine.FireDueTimersAsync());
        await Engine.DrainAsync();
        var suspended = (await Engine.GetAsync(fin.Id))!;
        Assert.Equal(FlowInstanceStatus.Suspended, suspended.Status);
        Assert.Equal(FlowErrorCodes.InstanceUnreadable, suspended.ErrorCode);
        Assert.Equal(0, await Engine.FireDueTimersAsync());
        Assert.Contains(Errors, e => e.Exception is FlowInstanceFaultException { Code: FlowErrorCodes.InstanceUnreadable });
        Assert.DoesNotContain(Tasks.Log, l => l.Contains("fin: remind"));
    }

    [Fact]
    public async Task An_instance_whose_flow_id_was_changed_is_not_replaced_after_a_restart()
    {
        await StartAsync();
        await View("gus", "p1");
        var gus = (await Engine.FindAsync(Flow, "gus"))!;
        await ExecuteAsync($"UPDATE flowgen_instances SET flow_id = 'coupon-campaign~' WHERE id = '{gus.Id}'");

        await StartAsync();
        Assert.Equal(["coupon-campaign~"], Engine.UnknownFlows);
        await View("gus", "p2");
        var parked = Assert.Single(Parked);
        Assert.Equal(FlowErrorCodes.UnknownFlow, parked.Error.Code);
        Assert.Equal(gus.Id, parked.InstanceId);
        Assert.Null(await Engine.FindAsync(Flow, "gus"));
        Assert.Equal(gus.Id, Assert.Single(await Store.QueryAsync(new FlowInstanceQuery())).Id);
    }
}

public sealed class InMemoryEngineFaultTests : EngineFaultTests
{
    protected override IFlowStore CreateStore() => new InMemoryFlowStore();

    [Fact]
    public async Task An_event_that_would_start_an_instance_whose_state_cannot_be_written_is_parked()
    {
        // No JSON context for the campaign's types: the new instance's state cannot be written.
        await StartAsync(withJsonContext: false);

        Assert.Equal(FlowPublishResult.Accepted, await View("hal", "p1"));
        var parked = Assert.Single(Parked);
        Assert.Equal(FlowErrorCodes.StateUnreadable, parked.Error.Code);
        Assert.Null(parked.InstanceId);
        Assert.Contains("the state of a new instance of flow 'coupon-campaign' with key 'hal' cannot be written", parked.Error.Message);
        Assert.Null(await Engine.FindAsync(Flow, "hal"));
    }
}

public sealed class SqliteEngineFaultTests : SqlEngineFaultTests, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flowgen-faults-").FullName;

    private string DatabasePath => Path.Combine(_folder, "flows.db");

    protected override IFlowStore CreateStore() => new SqliteFlowStore(DatabasePath);

    protected override Task ExecuteAsync(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresEngineCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres-engine";
}

[Collection(PostgresEngineCollection.Name)]
public sealed class PostgreSqlEngineFaultTests(PostgresServer server) : SqlEngineFaultTests
{
    private readonly string _schema = "f_" + Guid.NewGuid().ToString("N")[..16];

    protected override IFlowStore CreateStore()
    {
        server.Execute($"CREATE SCHEMA {_schema}");
        return new PostgreSqlFlowStore(server.ConnectionStringWithSchema(_schema));
    }

    protected override Task DestroyStoreAsync()
    {
        server.Execute($"DROP SCHEMA {_schema} CASCADE");
        return Task.CompletedTask;
    }

    protected override Task ExecuteAsync(string sql)
    {
        server.Execute(sql.Replace("flowgen_instances", _schema + ".flowgen_instances", StringComparison.Ordinal));
        return Task.CompletedTask;
    }
}
