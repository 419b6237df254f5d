using System.Text.Json.Serialization.Metadata;
using FlowGen;
using FlowGen.Durable;
using FlowGen.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FlowGen.Hosting
{
    /// <summary>Settings of the hosted FlowEngine (<c>AddDurableFlows</c>).</summary>
    public sealed class DurableFlowOptions
    {
        /// <summary>The application's source-generated JSON contexts, listing every request, bus value and event type of its durable flows.</summary>
        public IList<IJsonTypeInfoResolver> JsonContexts { get; } = new List<IJsonTypeInfoResolver>();

        /// <summary>How often the runner looks for due timers (on the clock, so fake time moves it too). Default: one second.</summary>
        public TimeSpan TimerInterval { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>What a task failure does when a flow file does not say (<c>on-failure</c>). Default: fail.</summary>
        public FlowFailurePolicy FailurePolicy { get; set; } = FlowFailurePolicy.Fail;

        /// <summary>How many mailboxes instances are spread over; null: twice the processor count.</summary>
        public int? Partitions { get; set; }

        /// <summary>Called after every step an instance takes.</summary>
        public Action<FlowStepRecord>? OnStep { get; set; }

        /// <summary>
        /// Where instances' work runs instead of the engine's mailboxes (FlowEngineOptions.Dispatcher), made from the
        /// services; null for the mailboxes. FlowGen.Orleans's AddOrleansDurableFlows sets it (docs/cluster.md).
        /// </summary>
        public Func<IServiceProvider, IFlowWorkDispatcher>? Dispatcher { get; set; }

        /// <summary>Keep each instance's history in the store (FlowEngineOptions.History; the console shows it). Default: true.</summary>
        public bool History { get; set; } = true;

        /// <summary>Called when an event is parked (besides the error the engine logs for it): see FlowEngineOptions.OnParked.</summary>
        public Action<FlowParkedEvent>? OnParked { get; set; }

        /// <summary>Older builds of flows to keep running instances of (flow id, build): see FlowEngine.ContinueVersion.</summary>
        public IList<(string FlowId, Func<IServiceProvider, IDurableFlow> Build)> KeptVersions { get; } = new List<(string, Func<IServiceProvider, IDurableFlow>)>();
    }

    /// <summary>
    /// Runs the FlowEngine in the host: starts it (which resumes the instances of the last run from the store and routes
    /// again the events it had not finished), reads the in-process <see cref="FlowEventChannel"/> and every registered
    /// <see cref="IFlowEventSource"/> (committing each event before acknowledging it), and fires due timers on the
    /// clock (<see cref="TimeProvider"/> from DI, so a FakeTimeProvider drives it in tests).
    /// </summary>
    public sealed class FlowEngineHostedService(FlowEngine engine, IEnumerable<IFlowEventSource> sources, DurableFlowOptions options, ILogger<FlowEngineHostedService> logger) : BackgroundService
    {
        /// <inheritdoc />
        public override async Task StartAsync(CancellationToken cancellationToken)
        {
            await engine.StartAsync(cancellationToken).ConfigureAwait(false);
            logger.LogInformation("FlowGen engine started: {Flows} durable flows, store {Store}", engine.Flows.Count, engine.Store.GetType().Name);
            await base.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <inheritdoc />
        protected override Task ExecuteAsync(CancellationToken stoppingToken)
            => Task.WhenAll(sources.Select(source => ReadAsync(source, stoppingToken)).Append(TimersAsync(stoppingToken)));

        private async Task ReadAsync(IFlowEventSource source, CancellationToken stoppingToken)
        {
            try
            {
                await foreach (var delivery in source.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                {
                    var outcome = await engine.PublishAsync(delivery.Event, stoppingToken).ConfigureAwait(false);
                    // Committed (or known as a duplicate): the source may forget it now.
                    await delivery.AcknowledgeAsync().ConfigureAwait(false);
                    if (outcome != FlowPublishResult.Accepted) logger.LogDebug("Event {Event} {Outcome}", delivery.Event, outcome);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
        }

        private async Task TimersAsync(CancellationToken stoppingToken)
        {
            try
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    try
                    {
                        await engine.FireDueTimersAsync(stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        logger.LogError(exception, "FlowGen could not fire due timers; it tries again in {Interval}", options.TimerInterval);
                    }
                    await Task.Delay(options.TimerInterval, engine.Clock, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
        }

        /// <inheritdoc />
        public override async Task StopAsync(CancellationToken cancellationToken)
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
            // Let the mailboxes finish what they hold and write the inbox marks.
            await engine.DisposeAsync().ConfigureAwait(false);
        }
    }
}

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Registers durable flows: the FlowEngine, its store, the in-process event channel and the hosted runner.</summary>
    public static class DurableFlowServiceCollectionExtensions
    {
        private const string NoStore =
            "AddDurableFlows needs a store for its durable instances, and none is registered. Add the package FlowGen.Persistence.Sqlite " +
            "and call services.AddSqliteFlowStore() (a flowgen.db file beside the application) or AddSqliteFlowStore(\"path/to/flows.db\"); " +
            "or FlowGen.Persistence.PostgreSql and services.AddPostgreSqlFlowStore(connectionString); or, for tests and flows that need not " +
            "survive a restart, services.AddSingleton<IFlowStore>(new InMemoryFlowStore()).";

        /// <summary>
        /// Adds the FlowEngine over every generated durable flow (call <c>AddFlowGen</c> too), the hosted runner and the
        /// in-process <see cref="FlowEventChannel"/>. The store is the <see cref="IFlowStore"/> the application registers,
        /// before or after this call: <c>AddSqliteFlowStore()</c> (FlowGen.Persistence.Sqlite),
        /// <c>AddPostgreSqlFlowStore(...)</c> (FlowGen.Persistence.PostgreSql) or an <see cref="InMemoryFlowStore"/>.
        /// Without one, the host does not start: <see cref="InvalidOperationException"/> says how to register one.
        /// </summary>
        public static IServiceCollection AddDurableFlows(this IServiceCollection services, Action<DurableFlowOptions>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(services);
            var options = new DurableFlowOptions();
            configure?.Invoke(options);
            services.TryAddSingleton(options);
            services.TryAddSingleton(TimeProvider.System);
            // A store registered before this call wins (TryAdd); one registered after it wins too (the last registration).
            services.TryAddSingleton<IFlowStore>(static _ => throw new InvalidOperationException(NoStore));
            services.TryAddSingleton<FlowEventChannel>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IFlowEventSource, FlowEventChannel>(static provider => provider.GetRequiredService<FlowEventChannel>()));
            // Request/response runs post the events their publish nodes make to the same channel (docs/events.md).
            services.TryAddSingleton<IFlowEventSink>(static provider => provider.GetRequiredService<FlowEventChannel>());
            services.TryAddSingleton(static provider =>
            {
                var settings = provider.GetRequiredService<DurableFlowOptions>();
                var logger = provider.GetService<ILoggerFactory>()?.CreateLogger("FlowGen.Durable");
                var engineOptions = new FlowEngineOptions
                {
                    Clock = provider.GetRequiredService<TimeProvider>(),
                    FailurePolicy = settings.FailurePolicy,
                    RunOptions = provider.GetService<FlowRunOptions>(),
                    OnStep = settings.OnStep,
                    History = settings.History,
                    Dispatcher = settings.Dispatcher?.Invoke(provider),
                    OnError = logger is null ? null : (exception, what) => logger.LogError(exception, "FlowGen engine: {Work} failed", what),
                    OnParked = parked =>
                    {
                        logger?.LogError("FlowGen engine: event {Event} for {Flow}/{Key} parked ({Code}): {Message}", parked.Event, parked.FlowId, parked.Key, parked.Error.Code, parked.Error.Message);
                        settings.OnParked?.Invoke(parked);
                    },
                };
                if (settings.Partitions is { } partitions) engineOptions.Partitions = partitions;
                foreach (var context in settings.JsonContexts) engineOptions.JsonContexts.Add(context);
                var engine = new FlowEngine(provider.GetServices<IDurableFlow>(), provider.GetRequiredService<IFlowStore>(), engineOptions);
                foreach (var (flowId, build) in settings.KeptVersions) engine.ContinueVersion(flowId, build(provider));
                return engine;
            });
            services.AddHostedService<FlowEngineHostedService>();
            return services;
        }
    }
}
