using FlowGen.Durable;
using FlowGen.Persistence.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

/// <summary>
/// AddDurableFlows in a real host: the runner reads the in-process channel, fires timers on the host's TimeProvider
/// (fake time here), and a new host on the same SQLite file carries on with the instances of the one before.
/// </summary>
public sealed class HostedEngineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flowgen-host-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly CampaignTasks _tasks = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private IHost Host(List<FlowStepRecord>? steps = null, bool store = true)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_clock);
        builder.Services.AddSingleton(_tasks);
        builder.Services.AddFlowGen(o => o.LogTasks = false);
        builder.Services.AddDurableFlows(o =>
        {
            o.JsonContexts.Add(DurableTestJson.Default);
            o.JsonContexts.Add(SendJson.Default);
            o.TimerInterval = TimeSpan.FromMinutes(1);
            if (steps is not null) o.OnStep = step => { lock (steps) steps.Add(step); };
        });
        // After AddDurableFlows, as an application may write it: the registered store is the one used.
        if (store) builder.Services.AddSqliteFlowStore(Path.Combine(_folder, "flows.db"));
        return builder.Build();
    }

    [Fact]
    public async Task A_request_response_runs_published_event_reaches_the_hosted_engine_and_starts_a_flow()
    {
        using var host = Host();
        await host.StartAsync();
        try
        {
            var result = await host.Services.GetRequiredService<PublishOrderFlow>().RunAsync(new OrderStart("u7", 1, 2));
            Assert.True(result.IsSuccess, result.ToString());

            // The runner reads the channel on its own: wait (at most 10 s) for the adder the event starts.
            var engine = host.Services.GetRequiredService<FlowEngine>();
            FlowInstance? adder = null;
            for (var i = 0; i < 200 && adder?.Status != FlowInstanceStatus.Completed; i++)
            {
                await Task.Delay(50);
                adder = await engine.FindAsync("adder", "u7");
            }
            Assert.Equal(FlowInstanceStatus.Completed, adder?.Status);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Without_a_store_the_host_does_not_start_and_says_how_to_register_one()
    {
        using var host = Host(store: false);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("AddDurableFlows needs a store", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddSqliteFlowStore()", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddPostgreSqlFlowStore(connectionString)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSqliteFlowStore_puts_the_instances_in_the_file_it_names()
    {
        using var host = Host();
        await host.StartAsync();
        var store = Assert.IsType<SqliteFlowStore>(host.Services.GetRequiredService<FlowEngine>().Store);
        Assert.Equal(Path.Combine(_folder, "flows.db"), store.DataSource);
        await host.StopAsync();
        Assert.True(File.Exists(Path.Combine(_folder, "flows.db")));
    }

    /// <summary>Waits (at most 10 s of real time) until the engine has taken what the channel holds and the condition holds.</summary>
    private static async Task Eventually(IHost host, Func<FlowEngine, Task<bool>> condition)
    {
        var engine = host.Services.GetRequiredService<FlowEngine>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            await engine.DrainAsync();
            if (await condition(engine)) return;
            Assert.True(DateTime.UtcNow < deadline, "the hosted engine did not get there in 10 s");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task The_hosted_runner_takes_channel_events_fires_timers_on_the_clock_and_resumes_after_a_restart()
    {
        var steps = new List<FlowStepRecord>();
        using (var host = Host(steps))
        {
            await host.StartAsync();
            var channel = host.Services.GetRequiredService<FlowEventChannel>();
            // Every durable flow of the assembly is registered, v1 too; the engine runs the current campaign and keeps
            // v1 only for the old instances it continues.
            var registered = host.Services.GetServices<IDurableFlow>().Select(f => f.Id).ToList();
            Assert.Contains(CouponCampaignV1Flow.FlowId, registered);
            var running = host.Services.GetRequiredService<FlowEngine>().Flows.Keys;
            Assert.Contains(CouponCampaignFlow.FlowId, running);
            Assert.DoesNotContain(CouponCampaignV1Flow.FlowId, running);
            for (var i = 1; i <= 5; i++) await channel.WriteAsync("product-viewed", new ProductViewed("kim", "p" + i), id: "view-" + i);
            await channel.WriteAsync("product-viewed", new ProductViewed("lee", "x"));
            await Eventually(host, async e => (await e.FindAsync("coupon-campaign", "kim"))?.Nodes is ["Remind"] && await e.FindAsync("coupon-campaign", "lee") is not null);
            await host.StopAsync();
        }
        Assert.Contains("kim: coupon for p5", _tasks.Log);

        // A new process on the same file: the instances are there, a redelivered event is a duplicate, and the
        // two-day timer set before the restart fires on the new host's clock.
        using (var host = Host(steps))
        {
            await host.StartAsync();
            var engine = host.Services.GetRequiredService<FlowEngine>();
            Assert.Equal(FlowPublishResult.Duplicate, await engine.PublishAsync(new FlowEvent("product-viewed", new ProductViewed("kim", "p5"), "view-5")));
            var kim = await engine.FindAsync("coupon-campaign", "kim");
            Assert.Equal(FlowInstanceStatus.Waiting, kim!.Status);

            _clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));
            // Time goes on while we wait, as a real clock's would: the runner's timer loop may have been inside a round
            // when the clock jumped, and then waits for the next second of this clock (a loaded machine hit this).
            await Eventually(host, async e =>
            {
                _clock.Advance(TimeSpan.FromSeconds(1));
                return (await e.FindAsync("coupon-campaign", "kim"))!.Status == FlowInstanceStatus.Completed;
            });
            Assert.Contains("kim: remind C-kim", _tasks.Log);
            // lee's week has not passed: still waiting.
            Assert.Equal(FlowInstanceStatus.Waiting, (await engine.FindAsync("coupon-campaign", "lee"))!.Status);
            await host.StopAsync();
        }
        Assert.Equal("timer", steps.Last(s => s.Instance.Key == "kim").Cause);
    }
}
