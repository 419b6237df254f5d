using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FlowGen.Durable;
using FlowGen.Persistence.PostgreSql;
using FlowGen.Persistence.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace FlowGen.Orleans.ProcessTests;

/// <summary>
/// Child processes of a cluster on 127.0.0.1: a Redis server for the membership, and silos (tests/FlowGen.ClusterHost),
/// each started with a line that says it is ready, killed with SIGKILL or stopped by closing its stdin; all of them
/// killed on dispose. Used by the multi-process test and by the cluster benchmark (benchmarks/FlowGen.Benchmarks --cluster).
/// </summary>
public sealed class ClusterProcesses(string hostPath, Action<string>? log = null) : IDisposable
{
    private readonly List<Process> _processes = [];

    /// <summary>A Redis server on a free port; returns its address once it accepts connections.</summary>
    public async Task<string> StartRedisAsync()
    {
        var port = FreePort();
        var redis = Start("redis-server", ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], "Ready to accept connections");
        await redis.Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return $"127.0.0.1:{port}";
    }

    /// <summary>
    /// A silo process on free ports (ready once it prints "ready": await <see cref="Child.Ready"/>); <paramref name="old"/>:
    /// the previous deployment, with only the tally-v1 build.
    /// </summary>
    public Child StartSilo(string store, string redis, string clusterId, bool old = false)
    {
        string[] arguments = [hostPath, store, redis, clusterId, FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)];
        return Start("dotnet", old ? [.. arguments, "old"] : arguments, "ready");
    }

    /// <summary>
    /// A fresh schema of the PostgreSQL server with FlowGen's tables made (first, so that silos starting at once do not race
    /// to make them); returns its connection string.
    /// </summary>
    public static async Task<string> NewStoreAsync(PostgresServer postgres, string prefix)
    {
        var schema = prefix + "_" + Guid.NewGuid().ToString("N")[..8];
        postgres.Execute($"CREATE SCHEMA {schema}");
        var store = postgres.ConnectionStringWithSchema(schema);
        using (var initial = new PostgreSqlFlowStore(store)) await initial.InitializeAsync();
        return store;
    }

    /// <summary>A new cluster id, so that silos of an earlier cluster in the same Redis server are not joined.</summary>
    public static string NewClusterId() => "c" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A started Orleans client of the cluster; its calls to a silo that was just killed fail after 5 s (Orleans waits 30 s).</summary>
    public static async Task<IHost> StartClientAsync(string redis, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(c =>
        {
            c.UseRedisClustering(redis);
            c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
            c.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "flowgen-cluster-tests";
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>The client's event gateway.</summary>
    public static IFlowEventGateway Gateway(IHost client) => client.Services.GetRequiredService<IClusterClient>().GetGrain<IFlowEventGateway>(0);

    /// <summary>
    /// Publishes an event through the gateway, again with the same id while the call fails (the silo that took it died),
    /// for at most <paramref name="patience"/>; <paramref name="retried"/> counts the second tries.
    /// </summary>
    public static async Task<FlowPublishResult> PublishAsync(IFlowEventGateway gateway, string name, byte[] json, string id, TimeSpan patience, Action? retried = null)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                return await gateway.PublishAsync(name, json, id, null).WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                retried?.Invoke();
                await Task.Delay(250);
            }
        }
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Child Start(string program, string[] arguments, string readyLine)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"{program} cannot be started ({exception.Message}): install it (apt-get install redis-server; .ci/run does)", exception);
        }
        _processes.Add(process);
        return new Child(process, readyLine, log);
    }

    /// <summary>One child process.</summary>
    public sealed class Child
    {
        private readonly Process _process;
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Child(Process process, string readyLine, Action<string>? log)
        {
            _process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.Contains(readyLine, StringComparison.Ordinal) == true) _ready.TrySetResult();
                if (e.Data?.StartsWith("memory ", StringComparison.Ordinal) == true && long.TryParse(e.Data.AsSpan(7), out var bytes)) Volatile.Read(ref _memory)?.TrySetResult(bytes);
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { Length: > 0 } line && line.Contains("fail", StringComparison.OrdinalIgnoreCase)) log?.Invoke($"[{process.Id}] {line}");
            };
            process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"process {process.Id} ended (exit code {process.ExitCode}) before it was ready"));
            process.EnableRaisingEvents = true;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        private TaskCompletionSource<long>? _memory;

        /// <summary>A silo's managed heap after a full collection, in bytes (the cluster host answers the line "memory").</summary>
        public async Task<long> MemoryAsync()
        {
            var answer = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _memory, answer);
            await _process.StandardInput.WriteLineAsync("memory");
            await _process.StandardInput.FlushAsync();
            return await answer.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        /// <summary>Ends when the process has said it is ready.</summary>
        public Task Ready => _ready.Task;

        /// <summary>SIGKILL.</summary>
        public void Kill()
        {
            if (!_process.HasExited) _process.Kill();
        }

        /// <summary>A graceful stop: stdin closed.</summary>
        public void Stop()
        {
            if (_process.HasExited) return;
            _process.StandardInput.Close();
            if (!_process.WaitForExit(30_000)) _process.Kill();
        }
    }
}
