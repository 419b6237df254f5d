using System.Diagnostics;
using FlowGen;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Xunit;

namespace FlowGen.Tests;

/// <summary>
/// The flow's spans as an application sees them: a real Kestrel server on 127.0.0.1, OpenTelemetry's SDK with its
/// ASP.NET Core instrumentation and in-memory exporter, and an endpoint that runs a flow and then starts a span of its
/// own. Runs alone (with <see cref="TelemetryTests"/>), so that no other test's runs reach the listeners.
/// </summary>
[Collection(nameof(TelemetryTests))]
public sealed class TracingInAspNetCoreTests
{
    private static readonly ActivitySource s_app = new("FlowGen.Tests.App");

    [Fact]
    public async Task In_a_request_the_flow_span_is_the_requests_child_and_the_apps_next_span_is_not_the_flows()
    {
        var exported = new List<Activity>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
            .AddSource(FlowTelemetry.Name, s_app.Name)
            .AddAspNetCoreInstrumentation()
            .AddInMemoryExporter(exported));
        await using var app = builder.Build();
        app.MapGet("/choice/{amount:int}", async (int amount) =>
        {
            // The parallel flow's run ends on another thread (one task awaits 5 ms); the choice flow is synchronous.
            var parallel = await new EqParallelFluent(new EqTasks(new Recorder())).RunAsync(new EqRequest(amount, []));
            var choice = await new EqChoiceBpmn(new EqTasks(new Recorder())).RunAsync(new EqRequest(amount, []));
            using var next = s_app.StartActivity("after the flows");
            return Results.Text($"{parallel.IsSuccess} {choice.IsSuccess}");
        });
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal("True True", await client.GetStringAsync("/choice/10"));
            Assert.Equal("True True", await client.GetStringAsync("/choice/500"));
        }
        finally
        {
            await app.StopAsync();
        }
        app.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000);

        var requests = exported.Where(a => a.Kind == ActivityKind.Server).ToList();
        Assert.Equal(2, requests.Count);
        Assert.NotEqual(requests[0].TraceId, requests[1].TraceId);
        foreach (var request in requests)
        {
            var inTrace = exported.Where(a => a.TraceId == request.TraceId).ToList();
            var flows = inTrace.Where(a => a.DisplayName.StartsWith("flow ", StringComparison.Ordinal)).ToList();
            Assert.Equal(["flow eq-choice-bpmn", "flow eq-parallel-fluent"], flows.Select(f => f.DisplayName).Order(StringComparer.Ordinal));
            // Each run is the request's child, never the previous run's.
            Assert.All(flows, f => Assert.Equal(request.SpanId, f.ParentSpanId));
            var next = Assert.Single(inTrace, a => a.DisplayName == "after the flows");
            Assert.Equal(request.SpanId, next.ParentSpanId);
            // The choice flow's gateway decision is an event on its span.
            var choice = flows.Single(f => f.DisplayName == "flow eq-choice-bpmn");
            var decision = Assert.Single(choice.Events, e => e.Name == "gateway Level");
            var amount = request.GetTagItem("url.path") as string;
            Assert.Equal(amount == "/choice/500" ? "f3" : "f5", decision.Tags.Single(t => t.Key == FlowTelemetry.Tags.FlowsTaken).Value);
        }
    }
}
