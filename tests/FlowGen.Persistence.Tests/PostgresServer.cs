using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace FlowGen.Persistence.Tests;

/// <summary>
/// A real PostgreSQL server for the tests: a fresh cluster in a temporary folder (<c>initdb</c>), started on a free
/// port on 127.0.0.1 (<c>pg_ctl start</c>), with a database <see cref="Database"/>; stopped and deleted on dispose.
/// PostgreSQL refuses to run as root, so under root initdb and pg_ctl run as the <c>postgres</c> OS user (runuser).
/// Without the server binaries it throws: the tests fail, they are never skipped. The durable benchmark
/// (benchmarks/FlowGen.Benchmarks, --durable) starts its server with this class too (a linked file: no test framework here).
/// </summary>
public sealed class PostgresServer : IDisposable
{
    /// <summary>The database the tests use.</summary>
    public const string Database = "flowgen";

    private const string User = "flowgen";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    private readonly string _initdb;
    private readonly string _pgCtl;
    private readonly bool _asPostgres;
    private readonly string _root;
    private readonly string _data;
    private bool _started;

    /// <summary>Makes the cluster, starts it and creates the database.</summary>
    public PostgresServer()
    {
        (_initdb, _pgCtl) = FindBinaries() ?? throw new InvalidOperationException(
            (Environment.GetEnvironmentVariable("CI") == "true"
                ? "CI: the PostgreSQL server binaries (initdb, pg_ctl) are missing; .ci/run installs them (apt-get install -y postgresql) before the build. "
                : "The PostgreSQL store tests need a PostgreSQL server: initdb and pg_ctl were found neither in /usr/lib/postgresql/*/bin nor on the PATH. ")
            + "Install it with `apt-get install postgresql` (Debian/Ubuntu) and run the tests again.");

        _asPostgres = IsRoot();
        if (_asPostgres && Run("id", ["-u", "postgres"], asPostgres: false, check: false).ExitCode != 0)
        {
            throw new InvalidOperationException(
                "The tests run as root and PostgreSQL refuses to run as root, but there is no 'postgres' OS user to run it as "
                + "(the Debian package postgresql makes one): install it with `apt-get install postgresql`, or run the tests as another user.");
        }

        // Under root the folder must be reachable and owned by the postgres user: /tmp is.
        var temp = _asPostgres ? "/tmp" : Path.GetTempPath();
        _root = Path.Combine(temp, "flowgen-pg-" + Guid.NewGuid().ToString("N")[..12]);
        _data = Path.Combine(_root, "data");
        Directory.CreateDirectory(_root);
        try
        {
            if (_asPostgres) Run("chown", ["-R", "postgres:postgres", _root], asPostgres: false);
            Run(_initdb, ["-D", _data, "-U", User, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], _asPostgres);

            // A free port can be taken between looking and starting: try a few.
            for (var attempt = 1; ; attempt++)
            {
                Port = FreePort();
                var start = Run(_pgCtl,
                    ["-D", _data, "-l", Path.Combine(_root, "server.log"), "-o", $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1", "-w", "-t", "60", "start"],
                    _asPostgres, check: false);
                if (start.ExitCode == 0) break;
                if (attempt == 3) throw new InvalidOperationException($"pg_ctl start failed: {start.Output}\n{ServerLog()}");
            }
            _started = true;

            using (var connection = new NpgsqlConnection(ConnectionStringFor("postgres")))
            {
                connection.Open();
                using var command = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
                command.ExecuteNonQuery();
            }
            ConnectionString = ConnectionStringFor(Database);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The server's port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>A connection string to <see cref="Database"/>.</summary>
    public string ConnectionString { get; } = "";

    /// <summary>A connection string to <see cref="Database"/> whose search path is <paramref name="schema"/>.</summary>
    public string ConnectionStringWithSchema(string schema)
        => new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema }.ConnectionString;

    /// <summary>Runs one SQL statement in <see cref="Database"/>.</summary>
    public void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Stops the server and deletes its folder.</summary>
    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        if (_started)
        {
            _started = false;
            Run(_pgCtl, ["-D", _data, "-m", "fast", "-w", "-t", "60", "stop"], _asPostgres, check: false);
        }
        try
        {
            if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp folder; nothing depends on it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = User,
        Database = database,
        Timeout = 30,
    }.ConnectionString;

    private string ServerLog()
    {
        var log = Path.Combine(_root, "server.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no server log)";
    }

    private static (string Initdb, string PgCtl)? FindBinaries()
    {
        // The Debian layout first (newest version), then the PATH.
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var versions = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Path: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0))
                .OrderByDescending(d => d.Version);
            foreach (var (bin, _) in versions)
            {
                var initdb = Path.Combine(bin, "initdb");
                var pgCtl = Path.Combine(bin, "pg_ctl");
                if (File.Exists(initdb) && File.Exists(pgCtl)) return (initdb, pgCtl);
            }
        }
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var foundInitdb = onPath.Select(d => Path.Combine(d, "initdb")).FirstOrDefault(File.Exists);
        var foundPgCtl = onPath.Select(d => Path.Combine(d, "pg_ctl")).FirstOrDefault(File.Exists);
        return foundInitdb is not null && foundPgCtl is not null ? (foundInitdb, foundPgCtl) : null;
    }

    private static bool IsRoot()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD()) return false;
        if (Environment.UserName == "root") return true;
        var id = Run("id", ["-u"], asPostgres: false, check: false);
        return id.ExitCode == 0 && id.Output.Trim() == "0";
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static (int ExitCode, string Output) Run(string program, IReadOnlyList<string> arguments, bool asPostgres, bool check = true)
    {
        var info = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : program,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // A folder the postgres user can enter (the test's folder may not be).
            WorkingDirectory = asPostgres ? "/tmp" : Environment.CurrentDirectory,
        };
        if (asPostgres)
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add("postgres");
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(program);
        }
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        var commandLine = string.Join(' ', info.ArgumentList.Prepend(info.FileName));

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {commandLine}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{commandLine} did not finish in {CommandTimeout}");
        }
        // The server started by pg_ctl writes to its log file, not to these pipes, so they end with pg_ctl.
        var text = (output.Wait(TimeSpan.FromSeconds(10)) ? output.Result : "") + (error.Wait(TimeSpan.FromSeconds(10)) ? error.Result : "");
        if (check && process.ExitCode != 0) throw new InvalidOperationException($"{commandLine} failed with exit code {process.ExitCode}:\n{text}");
        return (process.ExitCode, text);
    }
}
