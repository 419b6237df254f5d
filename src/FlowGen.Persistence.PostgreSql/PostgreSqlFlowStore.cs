using System.Text;
using FlowGen.Durable;
using Npgsql;
using NpgsqlTypes;

namespace FlowGen.Persistence.PostgreSql;

/// <summary>
/// Keeps durable instances and the event inbox in PostgreSQL: for several engine processes that share one
/// database, or when the data belongs with the rest of an application's data. Three tables,
/// <c>flowgen_instances</c>, <c>flowgen_events</c> and <c>flowgen_history</c> (each step of each instance), made by <see cref="InitializeAsync"/> in the connection's
/// schema (its search path).
/// </summary>
/// <remarks>
/// Every method is safe to call from several threads: each operation takes a connection from Npgsql's pool.
/// <see cref="SaveAsync"/> is one statement (with its history entry), so one atomic transaction; it is committed (and, with the server's
/// default <c>synchronous_commit=on</c>, flushed to the server's write-ahead log) when it returns.
/// </remarks>
public sealed class PostgreSqlFlowStore : IFlowStore, IAsyncDisposable, IDisposable
{
    private const string Columns =
        "id, flow_id, key, version, status, nodes, events, due_at, state, error_code, error_node, error_message, revision, last_sequence, created, updated";

    // A new instance: refused (no row inserted) when its id is taken or its flow and key have an active instance.
    private const string InsertSql =
        "INSERT INTO flowgen_instances (" + Columns + ") " +
        "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 " +
        "WHERE NOT EXISTS (SELECT 1 FROM flowgen_instances WHERE flow_id = $2 AND key = $3 AND status IN (0, 1)) " +
        "ON CONFLICT DO NOTHING";

    // An update: the changeable fields (FlowInstance.CopyFrom's); the id, flow, key and creation time stay as inserted.
    // Parameters $2, $3, $13 and $15 are sent (typed) but not used.
    private const string UpdateSql =
        "UPDATE flowgen_instances SET version = $4, status = $5, nodes = $6, events = $7, due_at = $8, state = $9, " +
        "error_code = $10, error_node = $11, error_message = $12, revision = revision + 1, last_sequence = $14, updated = $16 " +
        "WHERE id = $1 AND revision = $17";

    // A save with its step's history entry, in one statement (so one transaction): the entry is inserted only when the
    // save changed the row, and the count of entries inserted is the save's count. $17 to $19: expected revision,
    // time, entry.
    private const string InsertWithHistorySql =
        "WITH saved AS (" + InsertSql + " RETURNING id) " +
        "INSERT INTO flowgen_history (instance_id, revision, time, entry) SELECT id, $13, $18, $19 FROM saved";

    private const string UpdateWithHistorySql =
        "WITH saved AS (" + UpdateSql + " RETURNING id, revision) " +
        "INSERT INTO flowgen_history (instance_id, revision, time, entry) SELECT id, revision, $18, $19 FROM saved";

    // The newest entries, read oldest first by the caller.
    private const string ReadHistorySql =
        "SELECT revision, entry FROM flowgen_history WHERE instance_id = $1 ORDER BY revision DESC LIMIT $2";

    private const string GetSql = "SELECT " + Columns + " FROM flowgen_instances WHERE id = $1";

    private const string FindLatestSql =
        "SELECT " + Columns + " FROM flowgen_instances WHERE flow_id = $1 AND key = $2 ORDER BY created DESC, row_id DESC LIMIT 1";

    private const string AppendEventSql =
        "INSERT INTO flowgen_events (id, name, payload, time) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING seq";

    private const string ReadPendingSql =
        "SELECT seq, id, name, payload, time FROM flowgen_events WHERE processed = 0 AND seq > $1 ORDER BY seq LIMIT $2";

    private const string MarkProcessedSql = "UPDATE flowgen_events SET processed = 1 WHERE seq = $1";

    private const string FindPendingSql = "SELECT seq, id, name, payload, time FROM flowgen_events WHERE id = $1 AND processed = 0";

    private const string ActiveFlowIdsSql = "SELECT DISTINCT flow_id FROM flowgen_instances WHERE status NOT IN (2, 3, 4)";

    private const string TableColumnsSql =
        "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name IN ('flowgen_instances', 'flowgen_events', 'flowgen_history')";

    // The columns FlowGen reads and writes, by table: an existing table without one of them is not a FlowGen table (or is damaged).
    private static readonly (string Table, string[] Columns)[] Tables =
    [
        ("flowgen_instances", Columns.Split(", ")),
        ("flowgen_events", ["seq", "id", "name", "payload", "time", "processed"]),
        ("flowgen_history", ["instance_id", "revision", "time", "entry"]),
    ];

    // row_id: the insertion order, the tie-break between instances created at the same instant (SQLite's rowid).
    // The advisory lock keeps two processes that initialize at once from racing on CREATE ... IF NOT EXISTS.
    private const string SchemaSql = """
        SELECT pg_advisory_xact_lock(7301946650129384201);
        CREATE TABLE IF NOT EXISTS flowgen_instances (
            id text NOT NULL PRIMARY KEY,
            flow_id text NOT NULL,
            key text NOT NULL,
            version text NOT NULL,
            status integer NOT NULL,
            nodes text NOT NULL,
            events text NOT NULL,
            due_at bigint NULL,
            state bytea NOT NULL,
            error_code text NULL,
            error_node text NULL,
            error_message text NULL,
            revision bigint NOT NULL,
            last_sequence bigint NOT NULL,
            created bigint NOT NULL,
            updated bigint NOT NULL,
            row_id bigint GENERATED ALWAYS AS IDENTITY
        );
        CREATE INDEX IF NOT EXISTS flowgen_instances_flow_key ON flowgen_instances (flow_id, key, created);
        CREATE INDEX IF NOT EXISTS flowgen_instances_due ON flowgen_instances (due_at) WHERE status = 0;
        CREATE INDEX IF NOT EXISTS flowgen_instances_status ON flowgen_instances (status);
        CREATE UNIQUE INDEX IF NOT EXISTS flowgen_instances_active ON flowgen_instances (flow_id, key) WHERE status IN (0, 1);
        CREATE TABLE IF NOT EXISTS flowgen_events (
            seq bigserial PRIMARY KEY,
            id text NULL UNIQUE,
            name text NOT NULL,
            payload bytea NOT NULL,
            time bigint NOT NULL,
            processed integer NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS flowgen_events_pending ON flowgen_events (seq) WHERE processed = 0;
        CREATE TABLE IF NOT EXISTS flowgen_history (
            instance_id text NOT NULL,
            revision bigint NOT NULL,
            time bigint NOT NULL,
            entry text NOT NULL,
            PRIMARY KEY (instance_id, revision)
        );
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly string _location;

    /// <summary>A store in the database a connection string names.</summary>
    /// <param name="connectionString">
    /// An Npgsql connection string, e.g. <c>Host=db;Database=app;Username=app;Password=...</c>. Add
    /// <c>Search Path=flows</c> to keep the tables in a schema of their own. Statements are prepared automatically
    /// (<c>Max Auto Prepare=20</c>) unless the connection string sets it.
    /// </param>
    public PostgreSqlFlowStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 20;
        _dataSource = new NpgsqlSlimDataSourceBuilder(builder.ConnectionString).Build();
        _ownsDataSource = true;
        _location = Describe(builder);
    }

    /// <summary>A store that uses a data source the application owns (and disposes).</summary>
    public PostgreSqlFlowStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _location = Describe(new NpgsqlConnectionStringBuilder(dataSource.ConnectionString));
    }

    /// <summary>Where the store is, for messages: the host, port, database and schema (never the password).</summary>
    public string Location => _location;

    private static string Describe(NpgsqlConnectionStringBuilder builder)
        => $"PostgreSQL database '{builder.Database ?? builder.Username}' on {builder.Host}:{builder.Port}, schema '{(string.IsNullOrEmpty(builder.SearchPath) ? "public" : builder.SearchPath)}'";

    /// <summary>True: the database outlives the process.</summary>
    public bool IsDurable => true;

    /// <inheritdoc />
    /// <exception cref="FlowStoreException">
    /// FlowGen's tables exist without the columns FlowGen writes, or the server reports damaged data
    /// (<see cref="FlowErrorCodes.StoreDamaged"/>); or the server cannot be reached or refuses the connection or the
    /// tables (<see cref="FlowErrorCodes.StoreUnavailable"/>). The message names the host, database and schema.
    /// </exception>
    public async ValueTask InitializeAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await CheckTablesAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand(SchemaSql, connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // XX001 data_corrupted, XX002 index_corrupted: the server found damaged pages.
            var damaged = exception is PostgresException { SqlState: "XX001" or "XX002" };
            throw new FlowStoreException(damaged ? FlowErrorCodes.StoreDamaged : FlowErrorCodes.StoreUnavailable, _location,
                $"the PostgreSQL flow store ({_location}) cannot be opened: {exception.Message}", exception);
        }
    }

    /// <summary>Tables FlowGen made have every column it reads: an existing table without them is damaged, or not FlowGen's.</summary>
    private async Task CheckTablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(TableColumnsSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var table = reader.GetString(0);
                if (!found.TryGetValue(table, out var columns)) found[table] = columns = new HashSet<string>(StringComparer.Ordinal);
                columns.Add(reader.GetString(1));
            }
        }
        foreach (var (table, columns) in Tables)
        {
            if (!found.TryGetValue(table, out var present)) continue; // not made yet
            var missing = columns.Where(c => !present.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                throw new FlowStoreException(FlowErrorCodes.StoreDamaged, _location,
                    $"the PostgreSQL flow store ({_location}) has a table {table} without the column(s) {string.Join(", ", missing)}: it was not made by FlowGen, or it is damaged. "
                    + "Give the store a schema of its own (Search Path), or repair or drop the table");
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<long?> AppendEventAsync(string? id, string name, byte[] payload, DateTimeOffset time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(payload);
        await using var command = _dataSource.CreateCommand(AppendEventSql);
        command.Parameters.Add(Text(id));
        command.Parameters.Add(Text(name));
        command.Parameters.Add(Bytes(payload));
        command.Parameters.Add(Int64(time.UtcTicks));
        var sequence = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return sequence is long value ? value : null;
    }

    /// <inheritdoc />
    public async ValueTask<StoredFlowEvent?> FindPendingEventAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var command = _dataSource.CreateCommand(FindPendingSql);
        command.Parameters.Add(Text(id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredFlowEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3), FromTicks(reader.GetInt64(4)))
            : null;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<StoredFlowEvent>> ReadPendingEventsAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0) return [];
        await using var command = _dataSource.CreateCommand(ReadPendingSql);
        command.Parameters.Add(Int64(afterSequence));
        command.Parameters.Add(Int64(limit));
        var events = new List<StoredFlowEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new StoredFlowEvent(
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetString(2),
                reader.GetFieldValue<byte[]>(3),
                FromTicks(reader.GetInt64(4))));
        }
        return events;
    }

    /// <inheritdoc />
    public async ValueTask MarkEventsProcessedAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0) return;
        // One batch in one transaction: all of them are marked or none.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            foreach (var sequence in sequences)
            {
                var command = new NpgsqlBatchCommand(MarkProcessedSql);
                command.Parameters.Add(Int64(sequence));
                batch.BatchCommands.Add(command);
            }
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<FlowInstance?> GetAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        await using var command = _dataSource.CreateCommand(GetSql);
        command.Parameters.Add(Text(instanceId));
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<FlowInstance?> FindLatestAsync(string flowId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flowId);
        ArgumentNullException.ThrowIfNull(key);
        await using var command = _dataSource.CreateCommand(FindLatestSql);
        command.Parameters.Add(Text(flowId));
        command.Parameters.Add(Text(key));
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<FlowInstance>> QueryAsync(FlowInstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder("SELECT ").Append(Columns).Append(" FROM flowgen_instances WHERE true");
        var parameters = new List<NpgsqlParameter>(4);
        if (query.DueBy is { } dueBy)
        {
            parameters.Add(Int64(dueBy.UtcTicks));
            sql.Append(" AND status = 0 AND due_at <= $").Append(parameters.Count);
        }
        if (query.Status is { } status)
        {
            parameters.Add(Int32((int)status));
            sql.Append(" AND status = $").Append(parameters.Count);
        }
        if (query.FlowId is { } flowId)
        {
            parameters.Add(Text(flowId));
            sql.Append(" AND flow_id = $").Append(parameters.Count);
        }
        if (query.Key is { } key)
        {
            parameters.Add(Text(key));
            sql.Append(" AND key = $").Append(parameters.Count);
        }
        parameters.Add(Int64(Math.Max(0, query.Limit)));
        sql.Append(query.DueBy is null ? " ORDER BY created, row_id" : " ORDER BY due_at, id COLLATE \"C\"").Append(" LIMIT $").Append(parameters.Count);

        await using var command = _dataSource.CreateCommand(sql.ToString());
        foreach (var parameter in parameters) command.Parameters.Add(parameter);
        var found = new List<FlowInstance>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) found.Add(ReadInstance(reader));
        return found;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyCollection<string>> ListActiveFlowIdsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(ActiveFlowIdsSql);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) ids.Add(reader.GetString(0));
        return ids;
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(FlowInstance instance, long expectedRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var step = instance.Step;
        await using var command = _dataSource.CreateCommand(step is null
            ? expectedRevision == 0 ? InsertSql : UpdateSql
            : expectedRevision == 0 ? InsertWithHistorySql : UpdateWithHistorySql);
        var parameters = command.Parameters;
        parameters.Add(Text(instance.Id));
        parameters.Add(Text(instance.FlowId));
        parameters.Add(Text(instance.Key));
        parameters.Add(Text(instance.Version));
        parameters.Add(Int32((int)instance.Status));
        parameters.Add(Text(StringArrayColumn.Write(instance.Nodes)));
        parameters.Add(Text(StringArrayColumn.Write(instance.Events)));
        parameters.Add(Int64(instance.DueAt?.UtcTicks));
        parameters.Add(Bytes(instance.State));
        parameters.Add(Text(instance.ErrorCode));
        parameters.Add(Text(instance.ErrorNode));
        parameters.Add(Text(instance.ErrorMessage));
        parameters.Add(Int64(expectedRevision + 1));
        parameters.Add(Int64(instance.LastSequence));
        parameters.Add(Int64(instance.Created.UtcTicks));
        parameters.Add(Int64(instance.Updated.UtcTicks));
        if (expectedRevision != 0 || step is not null) parameters.Add(Int64(expectedRevision));
        if (step is not null)
        {
            parameters.Add(Int64(step.Time.UtcTicks));
            parameters.Add(Text(step.ToJson()));
        }
        int changed;
        try
        {
            changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Two new instances of one flow and key inserted at the same moment, or an update that would make a
            // second instance of its flow and key active.
            throw new FlowConcurrencyException(instance.Id, expectedRevision);
        }
        if (changed != 1) throw new FlowConcurrencyException(instance.Id, expectedRevision);
        instance.Revision = expectedRevision + 1;
    }

    /// <summary>True: every save writes its step's history entry (<see cref="FlowInstance.Step"/>) in the same statement.</summary>
    public bool KeepsHistory => true;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<FlowHistoryEntry>> ReadHistoryAsync(string instanceId, int limit = 500, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        await using var command = _dataSource.CreateCommand(ReadHistorySql);
        command.Parameters.Add(Text(instanceId));
        command.Parameters.Add(Int64(Math.Max(0, limit)));
        var entries = new List<FlowHistoryEntry>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) entries.Add(FlowHistoryEntry.Parse(reader.GetString(1), reader.GetInt64(0)));
        }
        entries.Reverse();
        return entries;
    }

    /// <summary>Disposes the data source when the store made it (from a connection string).</summary>
    public ValueTask DisposeAsync() => _ownsDataSource ? _dataSource.DisposeAsync() : default;

    /// <summary>Disposes the data source when the store made it (from a connection string).</summary>
    public void Dispose()
    {
        if (_ownsDataSource) _dataSource.Dispose();
    }

    private static async ValueTask<FlowInstance?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadInstance(reader) : null;
    }

    /// <summary>
    /// A row as an instance. Nodes or events that are not a JSON array of strings are recorded in
    /// <see cref="FlowInstance.ReadError"/> instead of thrown, so that one damaged row neither hides itself nor breaks a
    /// list; a status none of <see cref="FlowInstanceStatus"/>'s is kept as it is (<see cref="FlowInstance.Unreadable"/>).
    /// </summary>
    private static FlowInstance ReadInstance(NpgsqlDataReader reader)
    {
        var instance = new FlowInstance
        {
            Id = reader.GetString(0),
            FlowId = reader.GetString(1),
            Key = reader.GetString(2),
            Version = reader.GetString(3),
            Status = (FlowInstanceStatus)reader.GetInt32(4),
            DueAt = reader.IsDBNull(7) ? null : FromTicks(reader.GetInt64(7)),
            State = reader.GetFieldValue<byte[]>(8),
            ErrorCode = reader.IsDBNull(9) ? null : reader.GetString(9),
            ErrorNode = reader.IsDBNull(10) ? null : reader.GetString(10),
            ErrorMessage = reader.IsDBNull(11) ? null : reader.GetString(11),
            Revision = reader.GetInt64(12),
            LastSequence = reader.GetInt64(13),
            Created = FromTicks(reader.GetInt64(14)),
            Updated = FromTicks(reader.GetInt64(15)),
        };
        instance.Nodes = StringArrayColumn.ReadInto(instance, "nodes", reader.GetString(5));
        instance.Events = StringArrayColumn.ReadInto(instance, "events", reader.GetString(6));
        return instance;
    }

    // UTC ticks: the exact instant (DateTimeOffset equality compares instants), read back with offset zero.
    private static DateTimeOffset FromTicks(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private static NpgsqlParameter Text(string? value)
        => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Int64(long? value)
        => new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = value is { } v ? v : DBNull.Value };

    private static NpgsqlParameter Int32(int value) => new() { NpgsqlDbType = NpgsqlDbType.Integer, Value = value };

    private static NpgsqlParameter Bytes(byte[] value) => new() { NpgsqlDbType = NpgsqlDbType.Bytea, Value = value };
}
