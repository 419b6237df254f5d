using FlowGen.Durable;
using FlowGen.Hosting;
using FlowGen.Orleans;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Durable flows on an Orleans cluster (docs/cluster.md).</summary>
public static class OrleansDurableFlowsServiceCollectionExtensions
{
    /// <summary>
    /// Runs durable flows on the Orleans cluster this host is a silo of (call it beside <c>UseOrleans</c>, with
    /// <c>AddFlowGen</c>): <c>AddDurableFlows</c>, whose engine sends each instance's work to the grain of its flow and
    /// key (<see cref="IFlowInstanceGrain"/>) instead of its own mailboxes, and a sweep that routes again the inbox events
    /// a dead silo left pending. The store must be one every silo shares (PostgreSQL: <c>AddPostgreSqlFlowStore</c>).
    /// Events come in through the silo's <c>FlowEventChannel</c> and event sources as before, or from outside through
    /// <see cref="IFlowEventGateway"/>.
    /// </summary>
    /// <param name="services">The silo's services.</param>
    /// <param name="configuration">The settings (<see cref="OrleansFlowOptions"/>: <c>DispatchTimeout</c>, <c>CallTimeout</c>, <c>PendingSweep</c>), e.g. the section <c>FlowGen:Orleans</c> of appsettings.json.</param>
    /// <param name="durable">Changes the settings of the hosted engine (JSON contexts, timer interval...), or null.</param>
    public static IServiceCollection AddOrleansDurableFlows(this IServiceCollection services, IConfiguration configuration, Action<DurableFlowOptions>? durable = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddOrleansDurableFlows(o => configuration.Bind(o), durable);
    }

    /// <summary>
    /// <see cref="AddOrleansDurableFlows(IServiceCollection, IConfiguration, Action{DurableFlowOptions}?)"/> with the settings
    /// given in code. Called after <c>AddDurableFlows</c>, it gives that call's engine the dispatcher.
    /// </summary>
    public static IServiceCollection AddOrleansDurableFlows(this IServiceCollection services, Action<OrleansFlowOptions>? configure = null, Action<DurableFlowOptions>? durable = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new OrleansFlowOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<OrleansFlowWorkDispatcher>();
        // AddDurableFlows called before: its settings get the dispatcher; else it is called here.
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(DurableFlowOptions))?.ImplementationInstance as DurableFlowOptions;
        if (existing is not null)
        {
            durable?.Invoke(existing);
            existing.Dispatcher = static provider => provider.GetRequiredService<OrleansFlowWorkDispatcher>();
        }
        else
        {
            services.AddDurableFlows(o =>
            {
                durable?.Invoke(o);
                o.Dispatcher = static provider => provider.GetRequiredService<OrleansFlowWorkDispatcher>();
            });
        }
        services.AddHostedService<PendingEventSweep>();
        return services;
    }
}

/// <summary>
/// On every silo: inbox events pending for a whole round of <see cref="OrleansFlowOptions.PendingSweep"/> (their silo died
/// while it routed them, and their source did not publish them again) are routed again. An instance that applied one
/// already skips it; an event pending that long may be applied after a later event of its key (docs/cluster.md).
/// </summary>
internal sealed class PendingEventSweep(FlowEngine engine, OrleansFlowOptions options, ILogger<PendingEventSweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long seen = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.PendingSweep, stoppingToken).ConfigureAwait(false);
                var pending = await engine.Store.ReadPendingEventsAsync(0, 1000, stoppingToken).ConfigureAwait(false);
                if (pending.Count > 0 && pending[0].Sequence <= seen)
                {
                    var routed = await engine.RoutePendingAsync(seen, stoppingToken).ConfigureAwait(false);
                    if (routed > 0) logger.LogInformation("FlowGen: {Count} inbox events pending since the last sweep were routed again", routed);
                }
                seen = pending.Count > 0 ? pending[^1].Sequence : seen;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "FlowGen: the sweep of pending inbox events failed; it runs again in {Interval}", options.PendingSweep);
            }
        }
    }
}
