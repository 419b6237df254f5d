using System.Text.Json;
using FlowGen.Durable;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowGen.WebConsole;

/// <summary>
/// The console's endpoints: pages (server-rendered HTML, <see cref="ConsolePages"/>), pictures (SVG), a JSON API
/// (<see cref="ConsoleJson"/>) and the actions, which call the engine's own API (<see cref="FlowEngine.SuspendAsync(string, string, string?, CancellationToken)"/>,
/// <see cref="FlowEngine.ResumeAsync(string, string?, CancellationToken)"/>, <see cref="FlowEngine.CancelAsync(string, string?, string?, CancellationToken)"/>,
/// <see cref="FlowEngine.RepairAsync"/>) and are logged. Every handler is a plain request delegate: no reflection-based
/// binding, so the console is trimming and Native AOT safe.
/// </summary>
internal sealed class ConsoleEndpoints(string prefix, FlowGenConsoleOptions options, ILogger logger)
{
    /// <summary>The actions, as their API paths name them.</summary>
    public static readonly string[] Actions = ["suspend", "resume", "cancel", "repair"];

    /// <summary>The header every action request carries (the console's script sends it; cross-site forms cannot).</summary>
    public const string ActionHeader = "X-FlowGen-Console";

    private readonly ConsolePages _pages = new(prefix, options);

    public async Task HomeAsync(HttpContext context)
    {
        var (catalog, engine) = Services(context);
        var flows = Flows(catalog, engine);
        var counts = engine is null ? null : await CountAsync(engine, context.RequestAborted);
        await WriteHtmlAsync(context, _pages.Home(context, flows, engine is not null, counts));
    }

    public async Task FlowAsync(HttpContext context)
    {
        var (catalog, engine) = Services(context);
        var flowId = Route(context, "flowId");
        if (Flows(catalog, engine).FirstOrDefault(f => f.FlowId == flowId) is not { } flow)
        {
            await WriteHtmlAsync(context, _pages.NotFound(context, $"There is no flow '{flowId}' in this application."), StatusCodes.Status404NotFound);
            return;
        }
        await WriteHtmlAsync(context, _pages.Flow(context, flow, engine is not null));
    }

    public async Task FlowPictureAsync(HttpContext context)
    {
        var (catalog, engine) = Services(context);
        var flowId = Route(context, "flowId");
        if (Flows(catalog, engine).FirstOrDefault(f => f.FlowId == flowId)?.Descriptor?.Svg is not { } svg)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await WriteAsync(context, svg, "image/svg+xml; charset=utf-8");
    }

    public async Task InstancesAsync(HttpContext context)
    {
        var (catalog, engine) = Services(context);
        if (engine is null)
        {
            await WriteHtmlAsync(context, _pages.NotFound(context, "This application registers no durable flow engine (AddDurableFlows): it has no instances."), StatusCodes.Status404NotFound);
            return;
        }
        var search = Search.From(context.Request.Query, options.MaxInstances);
        if (search.InstanceId is { Length: > 0 } id)
        {
            context.Response.Redirect(_pages.Link(context, "instances/" + Html.Segment(id)));
            return;
        }
        var (found, error) = await QueryAsync(engine, search, context.RequestAborted);
        await WriteHtmlAsync(context, _pages.Instances(context, Flows(catalog, engine), search, found, error));
    }

    public async Task InstanceAsync(HttpContext context)
    {
        var (catalog, engine) = Services(context);
        var id = Route(context, "instanceId");
        if (engine is null || await engine.Store.GetAsync(id, context.RequestAborted) is not { } instance)
        {
            await WriteHtmlAsync(context, _pages.NotFound(context, $"There is no instance '{id}'."), StatusCodes.Status404NotFound);
            return;
        }
        var history = await engine.HistoryAsync(id, options.MaxHistory, context.RequestAborted);
        var flow = Flows(catalog, engine).FirstOrDefault(f => f.FlowId == instance.FlowId);
        await WriteHtmlAsync(context, _pages.Instance(context, instance, history, flow, Picture(flow, instance, history)));
    }

    public async Task InstancePictureAsync(HttpContext context)
    {
        var (catalog, engine) = Services(context);
        var id = Route(context, "instanceId");
        if (engine is null || await engine.Store.GetAsync(id, context.RequestAborted) is not { } instance)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var history = await engine.HistoryAsync(id, options.MaxHistory, context.RequestAborted);
        if (Picture(Flows(catalog, engine).FirstOrDefault(f => f.FlowId == instance.FlowId), instance, history) is not { } svg)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await WriteAsync(context, svg, "image/svg+xml; charset=utf-8");
    }

    public Task ApiFlowsAsync(HttpContext context)
    {
        var (catalog, engine) = Services(context);
        return WriteAsync(context, ConsoleJson.Flows(Flows(catalog, engine)), "application/json; charset=utf-8");
    }

    public async Task ApiInstancesAsync(HttpContext context)
    {
        var (_, engine) = Services(context);
        if (engine is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, "this application registers no durable flow engine (AddDurableFlows)");
            return;
        }
        var (found, error) = await QueryAsync(engine, Search.From(context.Request.Query, options.MaxInstances), context.RequestAborted);
        if (error is not null)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }
        await WriteAsync(context, ConsoleJson.Instances(found), "application/json; charset=utf-8");
    }

    public async Task ApiInstanceAsync(HttpContext context)
    {
        var (_, engine) = Services(context);
        var id = Route(context, "instanceId");
        if (engine is null || await engine.Store.GetAsync(id, context.RequestAborted) is not { } instance)
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, $"there is no instance '{id}'");
            return;
        }
        var history = await engine.HistoryAsync(id, options.MaxHistory, context.RequestAborted);
        await WriteAsync(context, ConsoleJson.Instance(instance, history, options.ShowState), "application/json; charset=utf-8");
    }

    /// <summary>An action on an instance: checked, done through the engine, logged with who asked and what came of it.</summary>
    public async Task ActAsync(HttpContext context, string action)
    {
        var id = Route(context, "instanceId");
        var user = context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name ?? "(authenticated)" : "(anonymous)";
        if (options.ReadOnly)
        {
            logger.LogWarning("Console: {Action} of instance {InstanceId} by {User} refused: the console is read-only", action, id, user);
            await WriteErrorAsync(context, StatusCodes.Status403Forbidden, "the console is read-only (FlowGenConsoleOptions.ReadOnly)");
            return;
        }
        if (!string.Equals(context.Request.Headers[ActionHeader], "1", StringComparison.Ordinal))
        {
            logger.LogWarning("Console: {Action} of instance {InstanceId} by {User} refused: the request lacks the {Header} header (not sent by the console's page)", action, id, user, ActionHeader);
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"an action must carry the header {ActionHeader}: 1 (the console's page sends it)");
            return;
        }
        var (_, engine) = Services(context);
        if (engine is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, "this application registers no durable flow engine (AddDurableFlows)");
            return;
        }
        var reason = await ReasonAsync(context);
        try
        {
            var instance = action switch
            {
                "suspend" => await engine.SuspendAsync(id, string.IsNullOrWhiteSpace(reason) ? "from the console" : reason, user, context.RequestAborted),
                "resume" => await engine.ResumeAsync(id, user, context.RequestAborted),
                "cancel" => await engine.CancelAsync(id, string.IsNullOrWhiteSpace(reason) ? "from the console" : reason, user, context.RequestAborted),
                _ => await engine.RepairAsync(id, user, context.RequestAborted),
            };
            logger.LogInformation("Console: {Action} of instance {InstanceId} ({FlowId}/{Key}) by {User}: now {Status}{Error}",
                action, id, instance.FlowId, instance.Key, user, instance.Status, instance.ErrorCode is null ? "" : $" ({instance.ErrorCode}: {instance.ErrorMessage})");
            await WriteAsync(context, ConsoleJson.Instance(instance, [], showState: false), "application/json; charset=utf-8");
        }
        catch (Exception exception) when (exception is FlowInstanceStateException or FlowInstanceFaultException or FlowConcurrencyException)
        {
            logger.LogWarning("Console: {Action} of instance {InstanceId} by {User} refused: {Reason}", action, id, user, exception.Message);
            await WriteErrorAsync(context, StatusCodes.Status409Conflict, exception.Message);
        }
    }

    public static async Task AssetAsync(HttpContext context, string name, string contentType)
    {
        await using var stream = typeof(ConsoleEndpoints).Assembly.GetManifestResourceStream("FlowGen.WebConsole." + name)
            ?? throw new InvalidOperationException($"the console's {name} is missing from its assembly");
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-cache";
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    // ---- helpers ----

    private static (FlowCatalog? Catalog, FlowEngine? Engine) Services(HttpContext context)
        => (context.RequestServices.GetService<FlowCatalog>(), context.RequestServices.GetService<FlowEngine>());

    /// <summary>The application's flows: the catalog's (every generated flow), marked durable when the engine runs them.</summary>
    private static IReadOnlyList<ConsoleFlow> Flows(FlowCatalog? catalog, FlowEngine? engine)
    {
        var flows = new List<ConsoleFlow>();
        foreach (var entry in catalog?.Entries ?? [])
        {
            IDurableFlow? durable = null;
            engine?.Flows.TryGetValue(entry.FlowId, out durable);
            flows.Add(new ConsoleFlow(entry.FlowId, entry.Descriptor, entry.RequestType, entry.ResultType, durable));
        }
        foreach (var (id, durable) in engine?.Flows ?? new Dictionary<string, IDurableFlow>())
        {
            if (!flows.Exists(f => f.FlowId == id)) flows.Add(new ConsoleFlow(id, null, durable.RequestType, null, durable));
        }
        flows.Sort(static (a, b) => string.CompareOrdinal(a.FlowId, b.FlowId));
        return flows;
    }

    private static string? Picture(ConsoleFlow? flow, FlowInstance instance, IReadOnlyList<FlowHistoryEntry> history)
        => flow?.Descriptor is { Svg: not null } descriptor ? FlowPictures.Svg(descriptor, FlowPictures.Marks(instance, history)) : null;

    private static async Task<Dictionary<FlowInstanceStatus, int>> CountAsync(FlowEngine engine, CancellationToken cancellationToken)
    {
        // The active ones only, and at most one more than the page says (1,000+): the store has no count, so counting
        // means reading rows, and a million waiting instances are not read for a page.
        var counts = new Dictionary<FlowInstanceStatus, int>();
        foreach (var status in new[] { FlowInstanceStatus.Waiting, FlowInstanceStatus.Suspended })
            counts[status] = (await engine.Store.QueryAsync(new FlowInstanceQuery { Status = status, Limit = ConsolePages.CountLimit + 1 }, cancellationToken)).Count;
        return counts;
    }

    private static async Task<(IReadOnlyList<FlowInstance> Found, string? Error)> QueryAsync(FlowEngine engine, Search search, CancellationToken cancellationToken)
    {
        if (search.Error is not null) return ([], search.Error);
        var query = new FlowInstanceQuery
        {
            FlowId = string.IsNullOrEmpty(search.FlowId) ? null : search.FlowId,
            Key = string.IsNullOrEmpty(search.Key) ? null : search.Key,
            Status = search.Status,
            Limit = search.Limit,
        };
        return (await engine.Store.QueryAsync(query, cancellationToken), null);
    }

    private static string Route(HttpContext context, string name) => context.Request.RouteValues[name] as string ?? "";

    private static async Task<string?> ReasonAsync(HttpContext context)
    {
        if (context.Request.ContentLength is 0 || context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true) return null;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String
                ? reason.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Task WriteHtmlAsync(HttpContext context, string html, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        // Scripts only from the console itself; the pictures' style blocks are inline.
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return WriteAsync(context, html, "text/html; charset=utf-8");
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        return WriteAsync(context, ConsoleJson.Error(error), "application/json; charset=utf-8");
    }

    private static Task WriteAsync(HttpContext context, string text, string contentType)
    {
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }
}

/// <summary>A flow as the console shows it.</summary>
internal sealed record ConsoleFlow(string FlowId, FlowDescriptor? Descriptor, Type RequestType, Type? ResultType, IDurableFlow? Durable)
{
    public string? Version => Durable?.Version ?? Descriptor?.Version;
}

/// <summary>An instance search from the query string (flow, key, status, id, limit).</summary>
internal sealed record Search(string? FlowId, string? Key, FlowInstanceStatus? Status, string? InstanceId, int Limit, string? Error)
{
    public static Search From(IQueryCollection query, int max)
    {
        string? error = null;
        FlowInstanceStatus? status = null;
        var statusText = query["status"].ToString();
        if (statusText.Length > 0)
        {
            if (Enum.TryParse<FlowInstanceStatus>(statusText, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(statusText, out _)) status = parsed;
            else error = $"status '{statusText}' is none of waiting, suspended, completed, failed, cancelled";
        }
        var limit = max;
        var limitText = query["limit"].ToString();
        if (limitText.Length > 0)
        {
            if (int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var asked) && asked > 0) limit = Math.Min(asked, max);
            else error = $"limit '{limitText}' is not a positive whole number";
        }
        return new Search(query["flow"].ToString(), query["key"].ToString(), status, query["id"].ToString(), limit, error);
    }
}
