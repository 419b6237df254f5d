using FlowGen.WebConsole;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// In ASP.NET Core's own namespace, as MapControllers and MapHealthChecks are: found where app.Map... is written.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the FlowGen operator console (docs/console.md).</summary>
public static class FlowGenConsoleEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the console under <paramref name="prefix"/>: the application's flows with their pictures and versions, and
    /// (when a <c>FlowEngine</c> is registered) its durable instances, searchable by flow, key and status, each with its
    /// position drawn on its flow's picture, its state and its history, and the actions suspend, resume, cancel and
    /// repair. Nothing is mapped unless this is called. Returns the endpoints' group: call
    /// <c>.RequireAuthorization("policy")</c> on it, and every page, picture, API call and action then needs the policy.
    /// </summary>
    /// <param name="endpoints">The application (or another endpoint builder).</param>
    /// <param name="prefix">Where the console lives, e.g. "/flowgen".</param>
    /// <param name="configure">Changes the console's settings, or null.</param>
    public static RouteGroupBuilder MapFlowGenConsole(this IEndpointRouteBuilder endpoints, string prefix = "/flowgen", Action<FlowGenConsoleOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        if (!prefix.StartsWith('/')) prefix = "/" + prefix;
        prefix = prefix.TrimEnd('/');
        var options = new FlowGenConsoleOptions();
        configure?.Invoke(options);
        var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("FlowGen.Console");
        var console = new ConsoleEndpoints(prefix, options, logger);

        var group = endpoints.MapGroup(prefix);
        group.MapGet("/", console.HomeAsync);
        group.MapGet("/flows/{flowId}", console.FlowAsync);
        group.MapGet("/flows/{flowId}/picture.svg", console.FlowPictureAsync);
        group.MapGet("/instances", console.InstancesAsync);
        group.MapGet("/instances/{instanceId}", console.InstanceAsync);
        group.MapGet("/instances/{instanceId}/picture.svg", console.InstancePictureAsync);
        group.MapGet("/api/flows", console.ApiFlowsAsync);
        group.MapGet("/api/instances", console.ApiInstancesAsync);
        group.MapGet("/api/instances/{instanceId}", console.ApiInstanceAsync);
        foreach (var action in ConsoleEndpoints.Actions)
            group.MapPost("/api/instances/{instanceId}/" + action, context => console.ActAsync(context, action));
        group.MapGet("/console.css", context => ConsoleEndpoints.AssetAsync(context, "console.css", "text/css; charset=utf-8"));
        group.MapGet("/console.js", context => ConsoleEndpoints.AssetAsync(context, "console.js", "text/javascript; charset=utf-8"));
        return group;
    }
}
