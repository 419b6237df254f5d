using System.Collections.Concurrent;
using System.Text;
using FlowGen.Durable;
using Microsoft.Data.Sqlite;

namespace FlowGen.Persistence.Sqlite;

/// <summary>
/// Keeps durable instances and the event inbox in a SQLite file: the default store, a file beside the app
/// (<see cref="Default"/>). Three tables, <c>flowgen_instances</c>, <c>flowgen_events</c> and <c>flowgen_history</c> (each step of each instance), made by
/// <see cref="InitializeAsync"/>.
/// </summary>
/// <remarks>
/// <para>
/// Durability: the database runs in WAL mode with <c>synchronous=NORMAL</c>. In WAL mode NORMAL is durable against
/// a crash of the process: a save is in the write-ahead log (in the operating system's file cache) when
/// <see cref="SaveAsync"/> returns, and a process killed right after it loses nothing. What NORMAL gives up is the last
/// commits before a power loss or an operating system crash (the log is synced at checkpoints, not at every commit);
/// the database stays consistent either way. Set <see cref="SynchronousFull"/> to sync the log at every commit as
/// well, at a cost in throughput.
/// </para>
/// <para>
/// Every method is safe to call from several threads: each operation takes a connection of its own from a small
/// pool the store keeps (SQLite connections are not thread safe), with its statements prepared once. SQLite has one
/// writer at a time; a writer that finds the database busy waits for it up to the connection string's
/// <c>Default Timeout</c> (30 seconds unless it says otherwise). <see cref="SaveAsync"/> is one statement, so one
/// atomic transaction.
/// </para>
/// </remarks>
public sealed class SqliteFlowStore : IFlowStore, IDisposable
{
    /// <summary>The file name <see cref="Default"/> uses, in <see cref="AppContext.BaseDirectory"/>.</summary>
    public const string DefaultFileName = "flowgen.db";

    private const string Columns =
        "id, flow_id, key, version, status, nodes, events, due_at, state, error_code, error_node, error_message, revision, last_sequence, created, updated";

    // The row's values, in the order of Columns, as parameters; @expected is the revision an update names.
    private static readonly string[] InstanceParameters =
    [
        "@id", "@flow_id", "@key", "@version", "@status", "@nodes", "@events", "@due_at", "@state", "@error_code", "@error_node",
        "@error_message", "@revision", "@last_sequence", "@created", "@updated", "@expected",
    ];

    // A new instance: refused (no row inserted) when its id is taken or its flow and key have an active instance.
    private const string InsertSql =
        "INSERT INTO flowgen_instances (" + Columns + ") " +
        "SELECT @id, @flow_id, @key, @version, @status, @nodes, @events, @due_at, @state, @error_code, @error_node, @error_message, @revision, @last_sequence, @created, @updated " +
        "WHERE NOT EXISTS (SELECT 1 FROM flowgen_instances WHERE flow_id = @flow_id AND key = @key AND status IN (0, 1)) " +
        "ON CONFLICT DO NOTHING";

    // An update: the changeable fields (FlowInstance.CopyFrom's); the id, flow, key and creation time stay as inserted.
    private const string UpdateSql =
        "UPDATE flowgen_instances SET version = @version, status = @status, nodes = @nodes, events = @events, " +
        "due_at = @due_at, state = @state, error_code = @error_code, error_node = @error_node, error_message = @error_message, " +
        "revision = revision + 1, last_sequence = @last_sequence, updated = @updated " +
        "WHERE id = @id AND revision = @expected";

    private const string GetSql = "SELECT " + Columns + " FROM flowgen_instances WHERE id = @id";

    private const string FindLatestSql =
        "SELECT " + Columns + " FROM flowgen_instances WHERE flow_id = @flow_id AND key = @key ORDER BY created DESC, rowid DESC LIMIT 1";

    private const string AppendEventSql =
        "INSERT INTO flowgen_events (id, name, payload, time) VALUES (@id, @name, @payload, @time) ON CONFLICT (id) DO NOTHING RETURNING seq";

    private const string ReadPendingSql =
        "SELECT seq, id, name, payload, time FROM flowgen_events WHERE processed = 0 AND seq > @after ORDER BY seq LIMIT @limit";

    private const string MarkProcessedSql = "UPDATE flowgen_events SET processed = 1 WHERE seq = @seq";

    private const string FindPendingSql = "SELECT seq, id, name, payload, time FROM flowgen_events WHERE id = @id AND processed = 0";

    // A step's history entry, written in the transaction of the step's save; the key makes a repeated write harmless.
    private const string AppendHistorySql =
        "INSERT INTO flowgen_history (instance_id, revision, time, entry) VALUES (@instance_id, @revision, @time, @entry) ON CONFLICT DO NOTHING";

    // The newest entries, read oldest first by the caller.
    private const string ReadHistorySql =
        "SELECT revision, entry FROM flowgen_history WHERE instance_id = @instance_id ORDER BY revision DESC LIMIT @limit";

    private const string ActiveFlowIdsSql = "SELECT DISTINCT flow_id FROM flowgen_instances WHERE status NOT IN (2, 3, 4)";

    // The columns FlowGen reads and writes, by table: an existing table without one of them is not a FlowGen table (or is damaged).
    private static readonly (string Table, string[] Columns)[] Tables =
    [
        ("flowgen_instances", Columns.Split(", ")),
        ("flowgen_events", ["seq", "id", "name", "payload", "time", "processed"]),
        ("flowgen_history", ["instance_id", "revision", "time", "entry"]),
    ];

    private const string SchemaSql = """
        CREATE TABLE IF NOT EXISTS flowgen_instances (
            id TEXT NOT NULL PRIMARY KEY,
            flow_id TEXT NOT NULL,
            key TEXT NOT NULL,
            version TEXT NOT NULL,
            status INTEGER NOT NULL,
            nodes TEXT NOT NULL,
            events TEXT NOT NULL,
            due_at INTEGER NULL,
            state BLOB NOT NULL,
            error_code TEXT NULL,
            error_node TEXT NULL,
            error_message TEXT NULL,
            revision INTEGER NOT NULL,
            last_sequence INTEGER NOT NULL,
            created INTEGER NOT NULL,
            updated INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS flowgen_instances_flow_key ON flowgen_instances (flow_id, key, created);
        CREATE INDEX IF NOT EXISTS flowgen_instances_due ON flowgen_instances (due_at) WHERE status = 0;
        CREATE INDEX IF NOT EXISTS flowgen_instances_status ON flowgen_instances (status);
        CREATE UNIQUE INDEX IF NOT EXISTS flowgen_instances_active ON flowgen_instances (flow_id, key) WHERE status IN (0, 1);
        CREATE TABLE IF NOT EXISTS flowgen_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NULL UNIQUE,
            name TEXT NOT NULL,
            payload BLOB NOT NULL,
            time INTEGER NOT NULL,
            processed INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS flowgen_events_pending ON flowgen_events (seq) WHERE processed = 0;
        CREATE TABLE IF NOT EXISTS flowgen_history (
            instance_id TEXT NOT NULL,
            revision INTEGER NOT NULL,
            time INTEGER NOT NULL,
            entry TEXT NOT NULL,
            PRIMARY KEY (instance_id, revision)
        ) WITHOUT ROWID;
        """;

    private readonly string _connectionString;
    private readonly int _busyTimeoutMilliseconds;
    private readonly ConcurrentBag<Session> _idle = [];
    private readonly int _maxIdle = Math.Max(4, Environment.ProcessorCount * 2);
    private int _idleCount;
    private volatile bool _disposed;

    /// <summary>A store in a SQLite file.</summary>
    /// <param name="connectionStringOrPath">
    /// A connection string (<c>Data Source=/var/lib/app/flows.db</c>, with any other Microsoft.Data.Sqlite keywords)
    /// or the file's path. The file and its folder are made when missing.
    /// </param>
    public SqliteFlowStore(string connectionStringOrPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionStringOrPath);
        var builder = Parse(connectionStringOrPath);
        if (builder.DataSource.Length == 0 || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new ArgumentException(
                "the SQLite flow store needs a file (an in-memory SQLite database is one per connection); use InMemoryFlowStore for a store that does not outlive the process",
                nameof(connectionStringOrPath));
        }
        // The store pools its own connections: each keeps its pragmas and prepared statements.
        builder.Pooling = false;
        _busyTimeoutMilliseconds = Math.Max(0, builder.DefaultTimeout) * 1000;
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
    }

    /// <summary>The default store: the file <c>flowgen.db</c> beside the app (in <see cref="AppContext.BaseDirectory"/>).</summary>
    public static SqliteFlowStore Default() => new(Path.Combine(AppContext.BaseDirectory, DefaultFileName));

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    /// <summary>
    /// When true, connections run with <c>synchronous=FULL</c> instead of NORMAL: the write-ahead log is synced at every
    /// commit, so a save survives a power loss too, not only a crash of the process. Slower.
    /// </summary>
    public bool SynchronousFull { get; init; }

    /// <summary>
    /// How many pages the write-ahead log may hold before a commit copies them back into the database file (a
    /// checkpoint; SQLite's <c>wal_autocheckpoint</c>). Default 10,000 pages (about 40 MB with 4 KB pages), ten times
    /// SQLite's own default: fewer checkpoints mean fewer syncs and page copies, and about 1.4 to 1.7 times the saves
    /// per second measured on a disk-bound machine. Lower it to keep the <c>-wal</c> file smaller.
    /// </summary>
    public int WalAutoCheckpointPages { get; init; } = 10_000;

    /// <summary>True: the file outlives the process.</summary>
    public bool IsDurable => true;

    /// <inheritdoc />
    /// <exception cref="FlowStoreException">
    /// The file is not a SQLite database, is corrupt, or holds FlowGen tables without the columns FlowGen writes
    /// (<see cref="FlowErrorCodes.StoreDamaged"/>); or it cannot be opened or written
    /// (<see cref="FlowErrorCodes.StoreUnavailable"/>). The message names the file.
    /// </exception>
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = FullPath;
        try
        {
            var folder = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new FlowStoreException(FlowErrorCodes.StoreUnavailable, path, $"the folder of the SQLite flow store '{path}' cannot be made: {exception.Message}", exception);
        }
        try
        {
            Initialize();
        }
        catch (SqliteException exception)
        {
            throw StoreError(exception, "cannot be opened");
        }
        return default;
    }

    private void Initialize()
    {
        var session = Rent();
        try
        {
            // WAL is a property of the file: set once, every later connection uses it. This is also the first statement
            // that reads the file's header: a file that is not a database fails here.
            using (var command = session.Connection.CreateCommand())
            {
                command.CommandText = "PRAGMA journal_mode=WAL";
                var mode = command.ExecuteScalar() as string;
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new FlowStoreException(FlowErrorCodes.StoreUnavailable, FullPath, $"SQLite refused WAL mode for the flow store '{FullPath}' (journal mode is '{mode}')");
                }
            }
            CheckTables(session.Connection);
            using var transaction = session.Connection.BeginTransaction();
            using (var command = session.Connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = SchemaSql;
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        finally
        {
            Return(session);
        }
    }

    /// <summary>Tables FlowGen made have every column it reads: an existing table without them is damaged, or not FlowGen's.</summary>
    private void CheckTables(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        foreach (var (table, columns) in Tables)
        {
            command.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
            var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read()) found.Add(reader.GetString(0));
            }
            if (found.Count == 0) continue; // not made yet
            var missing = columns.Where(c => !found.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                throw new FlowStoreException(FlowErrorCodes.StoreDamaged, FullPath,
                    $"the SQLite flow store '{FullPath}' has a table {table} without the column(s) {string.Join(", ", missing)}: it was not made by FlowGen, or it is damaged. "
                    + "Move the file away (FlowGen makes a new one) or restore it from a backup");
            }
        }
    }

    /// <summary>The file's full path (what error messages name).</summary>
    private string FullPath => Path.GetFullPath(DataSource);

    /// <summary>True for SQLite's "the file is damaged" errors: not a database, or corrupt.</summary>
    private static bool IsDamage(SqliteException exception) => exception.SqliteErrorCode is SQLitePCL.raw.SQLITE_CORRUPT or SQLitePCL.raw.SQLITE_NOTADB;

    /// <summary>A SQLite error as a store error naming the file: damaged (corrupt, not a database) or unavailable (anything else).</summary>
    private FlowStoreException StoreError(SqliteException exception, string what)
    {
        var damaged = IsDamage(exception);
        var message = damaged
            ? $"the SQLite flow store '{FullPath}' {what}: the file is damaged or not a SQLite database (SQLite error {exception.SqliteErrorCode}: {exception.Message}). "
              + "Restore it from a backup, or move it away to start with an empty store (its instances and inbox are then lost)"
            : $"the SQLite flow store '{FullPath}' {what} (SQLite error {exception.SqliteErrorCode}: {exception.Message})";
        return new FlowStoreException(damaged ? FlowErrorCodes.StoreDamaged : FlowErrorCodes.StoreUnavailable, FullPath, message, exception);
    }

    /// <inheritdoc />
    public ValueTask<long?> AppendEventAsync(string? id, string name, byte[] payload, DateTimeOffset time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(payload);
        cancellationToken.ThrowIfCancellationRequested();
        var session = Rent();
        try
        {
            var command = session.Command(AppendEventSql, "@id", "@name", "@payload", "@time");
            var parameters = command.Parameters;
            parameters[0].Value = (object?)id ?? DBNull.Value;
            parameters[1].Value = name;
            parameters[2].Value = payload;
            parameters[3].Value = time.UtcTicks;
            var sequence = command.ExecuteScalar();
            return new(sequence is null or DBNull ? null : Convert.ToInt64(sequence, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (SqliteException exception) when (IsDamage(exception))
        {
            throw StoreError(exception, "cannot be read or written");
        }
        finally
        {
            Return(session);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredFlowEvent>> ReadPendingEventsAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (limit <= 0) return new((IReadOnlyList<StoredFlowEvent>)[]);
        var session = Rent();
        try
        {
            var command = session.Command(ReadPendingSql, "@after", "@limit");
            command.Parameters[0].Value = afterSequence;
            command.Parameters[1].Value = limit;
            var events = new List<StoredFlowEvent>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    events.Add(new StoredFlowEvent(
                        reader.GetInt64(0),
                        reader.IsDBNull(1) ? null : reader.GetString(1),
                        reader.GetString(2),
                        ReadBytes(reader, 3),
                        FromTicks(reader.GetInt64(4))));
                }
            }
            return new(events);
        }
        catch (SqliteException exception) when (IsDamage(exception))
        {
            throw StoreError(exception, "cannot be read or written");
        }
        finally
        {
            Return(session);
        }
    }

    /// <inheritdoc />
    public ValueTask<StoredFlowEvent?> FindPendingEventAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        var session = Rent();
        try
        {
            var command = session.Command(FindPendingSql, "@id");
            command.Parameters[0].Value = id;
            using var reader = command.ExecuteReader();
            return new(reader.Read()
                ? new StoredFlowEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), ReadBytes(reader, 3), FromTicks(reader.GetInt64(4)))
                : null);
        }
        catch (SqliteException exception) when (IsDamage(exception))
        {
            throw StoreError(exception, "cannot be read or written");
        }
        finally
        {
            Return(session);
        }
    }

    /// <inheritdoc />
    public ValueTask MarkEventsProcessedAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        cancellationToken.ThrowIfCancellationRequested();
        if (sequences.Count == 0) return default;
        var session = Rent();
        try
        {
            var command = session.Command(MarkProcessedSql, "@seq");
            using var transaction = session.Connection.BeginTransaction(); // BEGIN IMMEDIATE: takes the write lock up front
            command.Transaction = transaction;
            try
            {
                foreach (var sequence in sequences)
                {
                    command.Parameters[0].Value = sequence;
                    command.ExecuteNonQuery();
                }
                transaction.Commit();
            }
            finally
            {
                command.Transaction = null;
            }
        }
        catch (SqliteException exception) when (IsDamage(exception))
        {
            throw StoreError(exception, "cannot be read or written");
        }
        finally
        {
            Return(session);
        }
        return default;
    }

    /// <inheritdoc />
    public ValueTask<FlowInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        cancellationToken.ThrowIfCancellationRequested();
        var session = Rent();
        try
        {
            var command = session.Command(GetSql, "@id");
            command.Parameters[0].Value = instanceId;
            return new(ReadOne(command));
        }
        catch (SqliteException exception) when (IsDamage(exception))
        {
            throw StoreError(exception, "cannot be read or written");
        }
        finally
        {
            Return(session);
        }
    }

    /// <inheritdoc />
    public ValueTask<FlowInstance?> FindLatestAsync(string flowId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flowId);
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var session = Rent();
        try
        {
            var command = session.Command(FindLatestSql, "@flow_id", "@key");
            command.Parameters[0].Value = flowId;
            command.Parameters[1].Value = key;
            return new(ReadOne(command));
        }
        catch (SqliteException exception) when (IsDamage(exception))
        {
            throw StoreError(exception, "cannot be read or written");
        }
        finally
        {
            Return(session);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<FlowInstance>> QueryAsync(FlowInstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        var sql = new StringBuilder("SELECT ").Append(Columns).Append(" FROM flowgen_instances WHERE 1 = 1");
        var names = new List<string>(4);
        var values = new List<object>(4);
        if (query.DueBy is { } dueBy)
        {
            sql.Append(" AND status = 0 AND due_at <= @due_by");
            names.Add("@due_by");
            values.Add(dueBy.UtcTicks);
        }
        if (query.Status is { } status)
        {
            sql.Append(" AND status = @status");
            names.Add("@status");
            values.Add((int)status);
        }
        if (query.FlowId is { } flowId)
        {
            sql.Append(" AND flow_id = @flow_id");
            names.Add("@flow_id");
            values.Add(flowId);
        }
        if (query.Key is { } key)
        {
            sql.Append(" AND key = @key");
            names.Add("@key");
            values.Add(key);
        }
        sql.Append(query.DueBy is null ? " ORDER BY created, rowid" : " ORDER BY due_at, id").Append(" LIMIT @limit");
        names.Add("@limit");
        values.Add(Math.Max(0, query.Limit));

        var session = Rent();
        try
        {
            var command = session.Command(sql.ToString(), [.. names]);
            for (var i = 0; i < values.Count; i++) command.Parameters[i].Value = values[i];
            var found = new List<FlowInstance>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read()) found.Add(ReadInstance(reader));
            }
            return new(found);
        }
        catch (SqliteException exception) when (IsDamage(exception))
        {
            throw StoreError(exception, "cannot be read or written");
        }
        finally
        {
            Return(session);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyCollection<string>> ListActiveFlowIdsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var session = Rent();
        try
        {
            var command = session.Command(ActiveFlowIdsSql);
            var ids = new List<string>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read()) ids.Add(reader.GetString(0));
            }
            return new(ids);
        }
        catch (SqliteException exception) when (IsDamage(exception))
        {
            throw StoreError(exception, "cannot be read or written");
        }
        finally
        {
            Return(session);
        }
    }

    /// <inheritdoc />
    public ValueTask SaveAsync(FlowInstance instance, long expectedRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        cancellationToken.ThrowIfCancellationRequested();
        var session = Rent();
        int changed;
        try
        {
            var command = expectedRevision == 0
                ? session.Command(InsertSql, InstanceParameters)
                : session.Command(UpdateSql, InstanceParameters);
            var parameters = command.Parameters;
            parameters[0].Value = instance.Id;
            parameters[1].Value = instance.FlowId;
            parameters[2].Value = instance.Key;
            parameters[3].Value = instance.Version;
            parameters[4].Value = (int)instance.Status;
            parameters[5].Value = StringArrayColumn.Write(instance.Nodes);
            parameters[6].Value = StringArrayColumn.Write(instance.Events);
            parameters[7].Value = instance.DueAt is { } due ? due.UtcTicks : DBNull.Value;
            parameters[8].Value = instance.State;
            parameters[9].Value = (object?)instance.ErrorCode ?? DBNull.Value;
            parameters[10].Value = (object?)instance.ErrorNode ?? DBNull.Value;
            parameters[11].Value = (object?)instance.ErrorMessage ?? DBNull.Value;
            parameters[12].Value = expectedRevision + 1;
            parameters[13].Value = instance.LastSequence;
            parameters[14].Value = instance.Created.UtcTicks;
            parameters[15].Value = instance.Updated.UtcTicks;
            parameters[16].Value = expectedRevision;
            if (instance.Step is not { } step)
            {
                changed = command.ExecuteNonQuery();
            }
            else
            {
                // The step's history entry goes with its save, in one transaction.
                var history = session.Command(AppendHistorySql, "@instance_id", "@revision", "@time", "@entry");
                using var transaction = session.Connection.BeginTransaction();
                command.Transaction = transaction;
                history.Transaction = transaction;
                try
                {
                    changed = command.ExecuteNonQuery();
                    if (changed == 1)
                    {
                        history.Parameters[0].Value = instance.Id;
                        history.Parameters[1].Value = expectedRevision + 1;
                        history.Parameters[2].Value = step.Time.UtcTicks;
                        history.Parameters[3].Value = step.ToJson();
                        history.ExecuteNonQuery();
                        transaction.Commit();
                    }
                }
                finally
                {
                    command.Transaction = null;
                    history.Transaction = null;
                }
            }
        }
        catch (SqliteException e) when (e.SqliteExtendedErrorCode is SQLitePCL.raw.SQLITE_CONSTRAINT_UNIQUE or SQLitePCL.raw.SQLITE_CONSTRAINT_PRIMARYKEY)
        {
            // An update that would make a second instance of its flow and key active.
            throw new FlowConcurrencyException(instance.Id, expectedRevision);
        }
        catch (SqliteException exception) when (IsDamage(exception))
        {
            throw StoreError(exception, "cannot be read or written");
        }
        finally
        {
            Return(session);
        }
        if (changed != 1) throw new FlowConcurrencyException(instance.Id, expectedRevision);
        instance.Revision = expectedRevision + 1;
        return default;
    }

    /// <summary>True: every save writes its step's history entry (<see cref="FlowInstance.Step"/>) in its transaction.</summary>
    public bool KeepsHistory => true;

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<FlowHistoryEntry>> ReadHistoryAsync(string instanceId, int limit = 500, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        cancellationToken.ThrowIfCancellationRequested();
        var session = Rent();
        try
        {
            var command = session.Command(ReadHistorySql, "@instance_id", "@limit");
            command.Parameters[0].Value = instanceId;
            command.Parameters[1].Value = Math.Max(0, limit);
            var entries = new List<FlowHistoryEntry>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read()) entries.Add(FlowHistoryEntry.Parse(reader.GetString(1), reader.GetInt64(0)));
            }
            entries.Reverse();
            return new(entries);
        }
        catch (SqliteException exception) when (IsDamage(exception))
        {
            throw StoreError(exception, "cannot be read or written");
        }
        finally
        {
            Return(session);
        }
    }

    /// <summary>Closes the store's connections. Operations after this throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        Drain();
    }

    private static SqliteConnectionStringBuilder Parse(string connectionStringOrPath)
    {
        if (connectionStringOrPath.Contains('='))
        {
            try
            {
                var builder = new SqliteConnectionStringBuilder(connectionStringOrPath);
                if (builder.DataSource.Length > 0) return builder;
            }
            catch (ArgumentException)
            {
                // Not a connection string: a path with '=' in it.
            }
        }
        return new SqliteConnectionStringBuilder { DataSource = connectionStringOrPath };
    }

    private static FlowInstance? ReadOne(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadInstance(reader) : null;
    }

    /// <summary>
    /// A row as an instance. A column that does not hold what the store writes (the nodes or events not a JSON array of
    /// strings, a status or time that is not a whole number) is recorded in <see cref="FlowInstance.ReadError"/>
    /// instead of thrown, so that one damaged row neither hides itself nor breaks a list.
    /// </summary>
    private static FlowInstance ReadInstance(SqliteDataReader reader)
    {
        var instance = new FlowInstance
        {
            Id = reader.GetString(0),
            FlowId = reader.GetString(1),
            Key = reader.GetString(2),
            Version = reader.GetString(3),
            DueAt = reader.IsDBNull(7) ? null : FromTicks(reader.GetInt64(7)),
            State = ReadBytes(reader, 8),
            ErrorCode = reader.IsDBNull(9) ? null : reader.GetString(9),
            ErrorNode = reader.IsDBNull(10) ? null : reader.GetString(10),
            ErrorMessage = reader.IsDBNull(11) ? null : reader.GetString(11),
            Revision = reader.GetInt64(12),
            LastSequence = reader.GetInt64(13),
            Created = FromTicks(reader.GetInt64(14)),
            Updated = FromTicks(reader.GetInt64(15)),
        };
        // SQLite keeps any value in any column, and reads text as the number 0: check the numbers' storage class.
        var status = reader.GetValue(4);
        if (status is long number and >= int.MinValue and <= int.MaxValue) instance.Status = (FlowInstanceStatus)(int)number;
        else
        {
            instance.Status = (FlowInstanceStatus)(-1);
            instance.MarkUnreadable("status", status, "which is not a whole number");
        }
        if (!reader.IsDBNull(7) && reader.GetValue(7) is not long) instance.MarkUnreadable("due_at", reader.GetValue(7), "which is not a whole number of ticks");
        instance.Nodes = StringArrayColumn.ReadInto(instance, "nodes", reader.GetString(5));
        instance.Events = StringArrayColumn.ReadInto(instance, "events", reader.GetString(6));
        return instance;
    }

    // A state written as text (by hand) reads as its UTF-8 bytes: its JSON is read, or reported, when the instance continues.
    private static byte[] ReadBytes(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? [] : reader.GetValue(ordinal) switch
    {
        byte[] bytes => bytes,
        string text => Encoding.UTF8.GetBytes(text),
        _ => [],
    };

    // UTC ticks: the exact instant (DateTimeOffset equality compares instants), read back with offset zero.
    private static DateTimeOffset FromTicks(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private Session Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryTake(out var session))
        {
            Interlocked.Decrement(ref _idleCount);
            return session;
        }
        try
        {
            return new Session(_connectionString, SynchronousFull, _busyTimeoutMilliseconds, WalAutoCheckpointPages);
        }
        catch (SqliteException exception) when (IsDamage(exception))
        {
            throw StoreError(exception, "cannot be opened");
        }
    }

    private void Return(Session session)
    {
        if (!_disposed && Interlocked.Increment(ref _idleCount) <= _maxIdle)
        {
            _idle.Add(session);
            if (_disposed) Drain(); // disposed meanwhile: do not leave it open
            return;
        }
        if (!_disposed) Interlocked.Decrement(ref _idleCount);
        session.Dispose();
    }

    private void Drain()
    {
        while (_idle.TryTake(out var session))
        {
            Interlocked.Decrement(ref _idleCount);
            session.Dispose();
        }
    }

    /// <summary>One open connection with its pragmas set and its commands prepared: used by one operation at a time.</summary>
    private sealed class Session : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        public Session(string connectionString, bool synchronousFull, int busyTimeoutMilliseconds, int walAutoCheckpointPages)
        {
            Connection = new SqliteConnection(connectionString);
            try
            {
                Connection.Open();
                using var command = Connection.CreateCommand();
                // Per connection: how hard commits sync, how long SQLite itself waits for another writer, and how
                // large the write-ahead log grows before a commit checkpoints it.
                command.CommandText = string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"PRAGMA synchronous={(synchronousFull ? "FULL" : "NORMAL")}; PRAGMA busy_timeout={busyTimeoutMilliseconds}; PRAGMA wal_autocheckpoint={walAutoCheckpointPages};");
                command.ExecuteNonQuery();
            }
            catch
            {
                Connection.Dispose();
                throw;
            }
        }

        public SqliteConnection Connection { get; }

        /// <summary>The command for a statement, made once per connection with its parameters (values set by position).</summary>
        public SqliteCommand Command(string sql, params string[] parameterNames)
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = Connection.CreateCommand();
                command.CommandText = sql;
                foreach (var name in parameterNames) command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
                command.Prepare();
                _commands.Add(sql, command);
            }
            return command;
        }

        public void Dispose()
        {
            foreach (var command in _commands.Values) command.Dispose();
            _commands.Clear();
            Connection.Dispose();
        }
    }
}
