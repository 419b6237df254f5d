using FlowGen.Durable;
using FlowGen.Persistence.PostgreSql;
using FlowGen.Persistence.Sqlite;
using Microsoft.Data.Sqlite;
using Xunit;

namespace FlowGen.Persistence.Tests;

/// <summary>The contract against the reference store.</summary>
public sealed class InMemoryFlowStoreTests : FlowStoreConformance
{
    protected override IFlowStore CreateStore() => new InMemoryFlowStore();

    [Fact]
    public void The_store_is_not_durable() => Assert.False(Store.IsDurable);
}

/// <summary>The contract against a SQLite file in a fresh temporary folder (deleted afterwards).</summary>
public sealed class SqliteFlowStoreTests : DurableFlowStoreConformance, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "flowgen-sqlite-" + Guid.NewGuid().ToString("N")[..12]);

    private string DatabasePath => Path.Combine(_folder, "flows.db");

    protected override IFlowStore CreateStore() => new SqliteFlowStore(DatabasePath);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task The_data_survives_closing_the_store_and_opening_the_file_again()
    {
        var instance = FullInstance();
        await Store.SaveAsync(instance, 0);
        var s1 = (await Store.AppendEventAsync("m-1", "paid", [1, 2, 3], T0))!.Value;
        var s2 = (await Store.AppendEventAsync(null, "shipped", [4], T0))!.Value;
        await Store.MarkEventsProcessedAsync([s1]);
        ((IDisposable)Store).Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await Store.GetAsync("i-1"));

        using var reopened = new SqliteFlowStore("Data Source=" + DatabasePath);
        await reopened.InitializeAsync();
        AssertSameInstance(instance, await reopened.GetAsync("i-1"));
        Assert.Equal([s2], (await reopened.ReadPendingEventsAsync(0, 10)).Select(e => e.Sequence));
        Assert.Null(await reopened.AppendEventAsync("m-1", "paid", [1, 2, 3], T0));
        Assert.True((await reopened.AppendEventAsync("m-3", "paid", [], T0))!.Value > s2);

        // Optimistic concurrency goes on from the stored revision.
        await Assert.ThrowsAsync<FlowConcurrencyException>(async () => await reopened.SaveAsync(FullInstance(), 0));
        instance.Status = FlowInstanceStatus.Completed;
        await reopened.SaveAsync(instance, 1);
        Assert.Equal(2, (await reopened.FindLatestAsync(instance.FlowId, instance.Key))!.Revision);
    }

    [Fact]
    public async Task The_file_is_in_wal_mode_with_the_tables_and_indexes()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());

        command.CommandText = "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name LIKE 'flowgen%' ORDER BY name";
        var names = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read()) names.Add(reader.GetString(0));
        }
        Assert.Equal(
            ["flowgen_events", "flowgen_events_pending", "flowgen_instances", "flowgen_instances_active", "flowgen_instances_due", "flowgen_instances_flow_key", "flowgen_instances_status"],
            names);

        // Initializing again (another process starting) changes nothing.
        await Store.InitializeAsync();
    }

    [Fact]
    public void A_path_or_a_connection_string_names_the_file()
    {
        using var byPath = new SqliteFlowStore(DatabasePath);
        using var byConnectionString = new SqliteFlowStore($"Data Source={DatabasePath};Default Timeout=5");
        Assert.Equal(DatabasePath, byPath.DataSource);
        Assert.Equal(DatabasePath, byConnectionString.DataSource);

        var odd = Path.Combine(_folder, "a=b", "flows.db");
        using var pathWithEquals = new SqliteFlowStore(odd);
        Assert.Equal(odd, pathWithEquals.DataSource);

        using var beside = SqliteFlowStore.Default();
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "flowgen.db"), beside.DataSource);

        Assert.Throws<ArgumentException>(() => new SqliteFlowStore(":memory:"));
        Assert.Throws<ArgumentException>(() => new SqliteFlowStore(" "));
    }

    [Fact]
    public async Task A_missing_folder_is_made_and_synchronous_full_works()
    {
        var path = Path.Combine(_folder, "nested", "deeper", "full.db");
        using var store = new SqliteFlowStore(path) { SynchronousFull = true };
        await store.InitializeAsync();
        await store.SaveAsync(BareInstance("x"), 0);
        Assert.True(File.Exists(path));
        Assert.Equal(1, (await store.GetAsync("x"))!.Revision);
    }
}

/// <summary>The contract against a real PostgreSQL server, in a schema of its own per test (dropped afterwards).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlFlowStoreTests(PostgresServer server) : DurableFlowStoreConformance
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N")[..16];

    protected override IFlowStore CreateStore()
    {
        server.Execute($"CREATE SCHEMA {_schema}");
        return new PostgreSqlFlowStore(server.ConnectionStringWithSchema(_schema));
    }

    protected override async ValueTask DestroyStoreAsync(IFlowStore store)
    {
        await base.DestroyStoreAsync(store);
        server.Execute($"DROP SCHEMA {_schema} CASCADE");
    }

    [Fact]
    public async Task Initializing_twice_at_once_is_safe()
    {
        await using var a = new PostgreSqlFlowStore(server.ConnectionStringWithSchema(_schema));
        await using var b = new PostgreSqlFlowStore(server.ConnectionStringWithSchema(_schema));
        await Task.WhenAll(a.InitializeAsync().AsTask(), b.InitializeAsync().AsTask(), Store.InitializeAsync().AsTask());
        await a.SaveAsync(BareInstance("x"), 0);
        Assert.Equal(1, (await b.GetAsync("x"))!.Revision);
    }

    [Fact]
    public async Task The_data_survives_a_new_store_on_the_same_database()
    {
        var instance = FullInstance();
        await Store.SaveAsync(instance, 0);
        var sequence = (await Store.AppendEventAsync("m-1", "paid", [1], T0))!.Value;

        await using var other = new PostgreSqlFlowStore(server.ConnectionStringWithSchema(_schema));
        await other.InitializeAsync();
        AssertSameInstance(instance, await other.GetAsync("i-1"));
        Assert.Equal([sequence], (await other.ReadPendingEventsAsync(0, 10)).Select(e => e.Sequence));
        Assert.Null(await other.AppendEventAsync("m-1", "paid", [1], T0));
    }
}
