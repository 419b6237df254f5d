using FlowGen.Durable;
using FlowGen.Persistence.PostgreSql;
using FlowGen.Persistence.Sqlite;
using Microsoft.Data.Sqlite;
using Xunit;

namespace FlowGen.Persistence.Tests;

/// <summary>The contract against the reference store.</summary>
public sealed class InMemoryFlowStoreTests : FlowStoreConformance
{
    protected override IFlowStore CreateStore() => new InMemoryFlowStore { HistoryLength = 100 };

    [Fact]
    public void The_store_is_not_durable() => Assert.False(Store.IsDurable);

    [Fact]
    public async Task By_default_it_keeps_no_history_and_at_most_its_length_when_asked()
    {
        var plain = new InMemoryFlowStore();
        Assert.False(plain.KeepsHistory);
        var instance = new FlowInstance { Id = "i", FlowId = "f", Key = "k", Version = "1", Step = new FlowHistoryEntry { Revision = 1, Cause = "start" } };
        await plain.SaveAsync(instance, 0);
        Assert.Empty(await plain.ReadHistoryAsync("i"));

        var bounded = new InMemoryFlowStore { HistoryLength = 2 };
        var kept = new FlowInstance { Id = "j", FlowId = "f", Key = "k", Version = "1" };
        for (var revision = 1; revision <= 4; revision++)
        {
            kept.Step = new FlowHistoryEntry { Revision = revision, Cause = "event" };
            await bounded.SaveAsync(kept, revision - 1);
        }
        Assert.Equal([3L, 4L], (await bounded.ReadHistoryAsync("j")).Select(h => h.Revision));
    }
}

/// <summary>The contract against a SQLite file in a fresh temporary folder (deleted afterwards).</summary>
public sealed class SqliteFlowStoreTests : DurableFlowStoreConformance, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "flowgen-sqlite-" + Guid.NewGuid().ToString("N")[..12]);

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
            ["flowgen_events", "flowgen_events_pending", "flowgen_history", "flowgen_instances", "flowgen_instances_active", "flowgen_instances_due", "flowgen_instances_flow_key", "flowgen_instances_status"],
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
    public async Task A_file_that_is_not_a_database_is_FLOW_STORE_DAMAGED_at_start_up_naming_the_file()
    {
        var path = Path.Combine(_folder, "garbage.db");
        var bytes = new byte[16 * 1024];
        new Random(21).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);

        using var store = new SqliteFlowStore(path);
        var error = await Assert.ThrowsAsync<FlowStoreException>(async () => await store.InitializeAsync());
        Assert.Equal(FlowErrorCodes.StoreDamaged, error.Code);
        Assert.Equal(path, error.Location);
        Assert.Contains($"the SQLite flow store '{path}' cannot be opened: the file is damaged or not a SQLite database", error.Message);
        Assert.IsType<SqliteException>(error.InnerException);

        // The engine's start-up says the same (a host fails to start with it).
        await using var engine = new FlowEngine([], store);
        Assert.Equal(FlowErrorCodes.StoreDamaged, (await Assert.ThrowsAsync<FlowStoreException>(() => engine.StartAsync())).Code);
        // The file is left as it was, for whoever repairs it.
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Pages_damaged_behind_a_sound_header_are_FLOW_STORE_DAMAGED_when_read()
    {
        var path = Path.Combine(_folder, "torn.db");
        using (var store = new SqliteFlowStore(path))
        {
            await store.InitializeAsync();
            for (var i = 0; i < 400; i++) await store.SaveAsync(FullInstance($"i-{i}", key: $"k-{i}"), 0);
        }
        SqliteConnection.ClearAllPools();
        // Page 1 (the header and the schema) stays; the table's pages after it become noise.
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            var length = file.Length;
            Assert.True(length > 16 * 4096, $"the file has {length} bytes");
            file.Position = 4096;
            var noise = new byte[length - 4096];
            Array.Fill(noise, (byte)0xA5);
            await file.WriteAsync(noise);
        }

        using var damaged = new SqliteFlowStore(path);
        var error = await Assert.ThrowsAsync<FlowStoreException>(async () =>
        {
            await damaged.InitializeAsync();
            await damaged.QueryAsync(new FlowInstanceQuery());
        });
        Assert.Equal(FlowErrorCodes.StoreDamaged, error.Code);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public async Task A_table_without_the_columns_flowgen_writes_is_FLOW_STORE_DAMAGED()
    {
        var path = Path.Combine(_folder, "foreign.db");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE flowgen_instances (id TEXT PRIMARY KEY, flow_id TEXT, key TEXT, body TEXT)";
            command.ExecuteNonQuery();
        }

        using var store = new SqliteFlowStore(path);
        var error = await Assert.ThrowsAsync<FlowStoreException>(async () => await store.InitializeAsync());
        Assert.Equal(FlowErrorCodes.StoreDamaged, error.Code);
        Assert.Contains($"the SQLite flow store '{path}' has a table flowgen_instances without the column(s) version, status, nodes, events, due_at, state", error.Message);
    }

    [Fact]
    public async Task A_file_that_cannot_be_made_is_FLOW_STORE_UNAVAILABLE()
    {
        var blocker = Path.Combine(_folder, "a-file");
        await File.WriteAllTextAsync(blocker, "not a folder");
        var path = Path.Combine(blocker, "flows.db");

        using var store = new SqliteFlowStore(path);
        var error = await Assert.ThrowsAsync<FlowStoreException>(async () => await store.InitializeAsync());
        Assert.Equal(FlowErrorCodes.StoreUnavailable, error.Code);
        Assert.Contains(path, error.Message);
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

    protected override Task ExecuteAsync(string sql)
    {
        server.Execute(sql.Replace("flowgen_instances", _schema + ".flowgen_instances", StringComparison.Ordinal)
            .Replace("flowgen_history", _schema + ".flowgen_history", StringComparison.Ordinal));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_table_without_the_columns_flowgen_writes_is_FLOW_STORE_DAMAGED_naming_the_database_and_schema()
    {
        var schema = _schema + "_x";
        server.Execute($"CREATE SCHEMA {schema}");
        try
        {
            server.Execute($"CREATE TABLE {schema}.flowgen_events (seq bigint, name text)");
            await using var store = new PostgreSqlFlowStore(server.ConnectionStringWithSchema(schema));
            var error = await Assert.ThrowsAsync<FlowStoreException>(async () => await store.InitializeAsync());
            Assert.Equal(FlowErrorCodes.StoreDamaged, error.Code);
            Assert.Equal($"PostgreSQL database 'flowgen' on 127.0.0.1:{server.Port}, schema '{schema}'", error.Location);
            Assert.Contains("has a table flowgen_events without the column(s) id, payload, time, processed", error.Message);
        }
        finally
        {
            server.Execute($"DROP SCHEMA {schema} CASCADE");
        }
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_FLOW_STORE_UNAVAILABLE_without_the_password()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        await using var store = new PostgreSqlFlowStore($"Host=127.0.0.1;Port={port};Database=shop;Username=shop;Password=s3cret-pw;Timeout=5");
        var error = await Assert.ThrowsAsync<FlowStoreException>(async () => await store.InitializeAsync());
        Assert.Equal(FlowErrorCodes.StoreUnavailable, error.Code);
        Assert.Contains($"PostgreSQL database 'shop' on 127.0.0.1:{port}, schema 'public'", error.Message);
        Assert.DoesNotContain("s3cret-pw", error.ToString());
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
