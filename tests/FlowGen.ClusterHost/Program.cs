using System.Net;
using FlowGen.Durable;
using FlowGen.Orleans.Tests;
using FlowGen.Persistence.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

// One silo of the test cluster: dotnet FlowGen.ClusterHost.dll <postgres connection string> <redis host:port> <cluster id> <silo port> <gateway port>
// Prints "ready" once it has joined the cluster, then runs until it is stopped (stdin closed) or killed.
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: FlowGen.ClusterHost <postgres connection string> <redis host:port> <cluster id> <silo port> <gateway port>");
    return 2;
}
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
// Stopped by closing stdin (a graceful stop), or killed.
await Task.Run(() => Console.In.ReadToEnd());
await host.StopAsync();
return 0;
