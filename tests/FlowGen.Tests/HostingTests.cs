using System.Collections.Concurrent;
using FlowGen;
using FlowGen.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FlowGen.Tests;

// FlowGen.Hosting: AddFlowGen() in a real host, options from configuration, lifetimes, logging with scopes.
public sealed class HostingTests
{
    private static IHost Host(Dictionary<string, string?> settings, LogSink? logs = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        if (logs is not null) builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<Recorder>();
        builder.Services.AddFlowGen(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task Flows_are_injected_by_class_and_by_interface_with_options_from_configuration()
    {
        using var host = Host(new() { ["FlowGen:Tracking"] = "Node", ["FlowGen:DefaultTimeout"] = "00:00:05", ["FlowGen:LogTasks"] = "false" });

        var byInterface = host.Services.GetRequiredService<IFlow<EqRequest, string>>();
        var byClass = host.Services.GetRequiredService<EqChoiceYaml>();
        var result = await byClass.RunAsync(new EqRequest(500, []));

        Assert.NotNull(byInterface);
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("big:big", result.Value);
        Assert.NotNull(result.Trace); // Tracking=Node came from configuration
        Assert.Equal(TimeSpan.FromSeconds(5), host.Services.GetRequiredService<FlowRunOptions>().Timeout);
        Assert.Empty(host.Services.GetServices<IFlowInterceptor>());
    }

    [Theory]
    [InlineData("gold", "triple|checker")]   // the business's role, from configuration
    [InlineData(null, "vip:plain|promoted")] // the flow's role ("buyer"), which the promote task changes
    public async Task Roles_come_from_configuration(string? businessId, string expected)
    {
        using var host = Host(new()
        {
            ["FlowGen:LogTasks"] = "false",
            ["FlowGen:Roles:0:Name"] = "checker",
            ["FlowGen:Roles:0:Business"] = "gold",
            ["FlowGen:Roles:0:Permissions:0"] = "r:check-img@triple",
            ["FlowGen:Roles:1:Name"] = "buyer",
            ["FlowGen:Roles:1:Flow"] = "role-route",
        });

        var result = await host.Services.GetRequiredService<RoleRouteFlow>().RunAsync(new RoleRequest("c"), new FlowRunOptions { BusinessId = businessId });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
    }

    [Fact]
    public void A_malformed_permission_in_configuration_is_a_clear_error()
    {
        using var host = Host(new() { ["FlowGen:Roles:0:Name"] = "broken", ["FlowGen:Roles:0:Permissions:0"] = "check-img@triple" });

        var error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<FlowRunOptions>());

        Assert.Contains("role 'broken' has the permission 'check-img@triple'", error.Message);
    }

    [Fact]
    public void Lifetimes_come_from_the_options()
    {
        using var host = Host(new() { ["FlowGen:ComponentLifetime"] = "Scoped", ["FlowGen:FlowLifetime"] = "Scoped" });

        using var one = host.Services.CreateScope();
        using var two = host.Services.CreateScope();

        Assert.Same(one.ServiceProvider.GetRequiredService<EqTasks>(), one.ServiceProvider.GetRequiredService<EqTasks>());
        Assert.NotSame(one.ServiceProvider.GetRequiredService<EqTasks>(), two.ServiceProvider.GetRequiredService<EqTasks>());
        Assert.Same(one.ServiceProvider.GetRequiredService<EqChoiceJson>(), one.ServiceProvider.GetRequiredService<EqChoiceJson>());
    }

    [Fact]
    public void Default_lifetimes_are_transient_flows_and_singleton_components()
    {
        using var host = Host(new());

        Assert.Same(host.Services.GetRequiredService<EqTasks>(), host.Services.GetRequiredService<EqTasks>());
        Assert.NotSame(host.Services.GetRequiredService<EqChoiceJson>(), host.Services.GetRequiredService<EqChoiceJson>());
        Assert.Contains(typeof(HostingTests).Assembly, FlowRegistry.Assemblies);
    }

    [Fact]
    public async Task Tasks_are_logged_inside_a_scope_with_the_flow_node_and_request_id()
    {
        var logs = new LogSink();
        using var host = Host(new(), logs);
        var flow = host.Services.GetRequiredService<EqChoiceBpmn>();

        await flow.RunAsync(new EqRequest(5, []), new FlowRunOptions { RequestId = "req-42" });
        var broken = await host.Services.GetRequiredService<BrokenFlow>().RunAsync(new EqRequest(1, []), new FlowRunOptions { RequestId = "req-43" });

        var started = logs.Entries.Where(e => e.EventId == 1).ToList();
        Assert.Contains(started, e => e.Message == "Flow eq-choice-bpmn: node Classify starting (request req-42)");
        Assert.All(started, e => Assert.Equal("FlowGen.Hosting.FlowLoggingInterceptor", e.Category));
        var classify = started.First(e => e.Message.Contains("req-42", StringComparison.Ordinal));
        Assert.Equal("req-42", classify.Scope["RequestId"]);
        Assert.Equal("Classify", classify.Scope["NodeId"]);
        Assert.Equal("eq-choice-bpmn", classify.Scope["FlowId"]);
        // Logged after the task, from the same flow of execution: the scope lasted through the task (which sees it too).
        var completed = Assert.Single(logs.Entries, e => e.EventId == 2 && e.Message.Contains("node Small completed", StringComparison.Ordinal));
        Assert.Equal("Small", completed.Scope["NodeId"]);
        Assert.Equal("req-42", completed.Scope["RequestId"]);
        var failed = Assert.Single(logs.Entries, e => e.EventId == 3);
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.Equal("Flow hosting-broken: node broken failed (request req-43): FLOW_TASK_FAILED the task threw InvalidOperationException: broken for good", failed.Message);
        Assert.Equal(FlowErrorCodes.TaskFailed, broken.Error?.Code);
        Assert.DoesNotContain(logs.Entries, e => e.EventId == 1 && e.Scope.Count == 0);
    }

    private sealed record Entry(string Category, LogLevel Level, int EventId, string Message, Dictionary<string, object?> Scope);

    private sealed class LogSink : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(LogSink sink, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => sink._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scope = new Dictionary<string, object?>();
                sink._scopes.ForEachScope((value, into) =>
                {
                    if (value is IEnumerable<KeyValuePair<string, object>> pairs)
                        foreach (var pair in pairs) into[pair.Key] = pair.Value;
                }, scope);
                sink.Entries.Enqueue(new Entry(category, logLevel, eventId.Id, formatter(state, exception), scope));
            }
        }
    }
}

/// <summary>A flow whose second task always throws, for the failure log.</summary>
[Flow("hosting-broken")]
public sealed partial class BrokenFlow : IFlow<EqRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<EqRequest> flow) => flow.Task<EqTasks>(t => t.Classify).Task<EqTasks>(t => t.Broken);
}
