using System.Net;
using FlowGen.Durable;
using FlowGen.Orleans.Tests;
using FlowGen.Persistence.PostgreSql;
using FlowGen;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

// One silo of the test cluster: dotnet FlowGen.ClusterHost.dll <postgres connection string> <redis host:port> <cluster id> <silo port> <gateway port> [old]
// Prints "ready" once it has joined the cluster, then runs until it is stopped (stdin closed) or killed. With "old" it
// runs the previous deployment: only the tally-v1 build, as the flow "tally" (the rolling-upgrade test).
if (args.Length is not (5 or 6) || (args.Length == 6 && args[5] != "old"))
{
    Console.Error.WriteLine("usage: FlowGen.ClusterHost <postgres connection string> <redis host:port> <cluster id> <silo port> <gateway port> [old]");
    return 2;
}
var old = args.Length == 6;
var (store, redis, clusterId) = (args[0], args[1], args[2]);
var (siloPort, gatewayPort) = (int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error);
builder.UseOrleans(silo =>
{
    silo.UseRedisClustering(redis);
    silo.Configure<ClusterOptions>(o =>
    {
        o.ClusterId = clusterId;
        o.ServiceId = "flowgen-cluster-tests";
    });
    silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
    // A killed silo is declared dead within seconds (the defaults take about a minute).
    silo.Configure<ClusterMembershipOptions>(o =>
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
    });
});
builder.Services.AddSingleton<IFlowStore>(_ => new PostgreSqlFlowStore(store));
builder.Services.AddFlowGen(o => o.LogTasks = false);
if (old)
{
    // The previous deployment: the v1 file was then the flow "tally" itself, and the current build did not exist.
    builder.Services.RemoveAll<IDurableFlow>();
    builder.Services.AddSingleton<IDurableFlow>(provider => new PreviousDeployment(provider.GetRequiredService<TallyV1Flow>()));
}
builder.Services.AddOrleansDurableFlows(
    o =>
    {
        o.PendingSweep = TimeSpan.FromSeconds(1);
        // A call to a grain whose silo was just killed is sent again after 5 s (its activation moves once the silo is declared dead).
        o.CallTimeout = TimeSpan.FromSeconds(5);
    },
    d =>
    {
        d.JsonContexts.Add(TallyJson.Default);
        d.TimerInterval = TimeSpan.FromSeconds(1);
    });
using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("ready");
// Stopped by closing stdin (a graceful stop), or killed. The line "memory" answers "memory <bytes>": the managed heap
// after a full collection (the cluster benchmark's memory per waiting instance).
string? line;
while ((line = await Task.Run(Console.In.ReadLine)) is not null)
{
    if (line != "memory") continue;
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    Console.WriteLine("memory " + GC.GetTotalMemory(forceFullCollection: true).ToString(System.Globalization.CultureInfo.InvariantCulture));
}
await host.StopAsync();
return 0;

[Flow("tally-v1")]
public sealed partial class TallyV1Flow : IFlow<Tick, TallyResult>;

/// <summary>A build as the previous deployment registered it: the v1 file's flow under the id "tally", continuing nothing.</summary>
internal sealed class PreviousDeployment(IDurableFlow build) : IDurableFlow
{
    public string Id => "tally";
    public string Version => build.Version;
    public IReadOnlyDictionary<string, Type> Events => build.Events;
    public string? Trigger => build.Trigger;
    public string? Continues => null;
    public Type RequestType => build.RequestType;
    public FlowFailurePolicy? FailurePolicy => build.FailurePolicy;
    public string? KeyOf(FlowEvent flowEvent) => build.KeyOf(flowEvent);
    public bool Starts(FlowEvent flowEvent) => build.Starts(flowEvent);
    public string? KeyOfRequest(object request) => build.KeyOfRequest(request);
    public ValueTask<DurableStep> StartAsync(object request, DurableStepContext context) => build.StartAsync(request, context);
    public ValueTask<DurableStep> ContinueAsync(ReadOnlyMemory<byte> state, DurableSignal signal, DurableStepContext context) => build.ContinueAsync(state, signal, context);
}
