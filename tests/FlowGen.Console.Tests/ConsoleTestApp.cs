using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json.Serialization;
using FlowGen;
using FlowGen.Durable;
using FlowGen.Persistence.Sqlite;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FlowGen.WebConsole.Tests;

[FlowEvent("order-submitted")]
public sealed record OrderSubmitted(string OrderId, decimal Total);

[FlowEvent("order-approved")]
public sealed record OrderApproved(string OrderId, string By);

public sealed record ReviewOutcome(string Text);

/// <summary>The review's tasks; <see cref="FailShipping"/> makes the ship task throw (the repair tests clear it).</summary>
[FlowComponent("review")]
public sealed class ReviewTasks
{
    public volatile bool FailShipping;
    public int Shipped;

    [FlowTask("check")]
    public void Check(OrderSubmitted order)
    {
        if (order.Total <= 0) throw new ArgumentException($"order {order.OrderId} has no total");
    }

    [FlowTask("ship")]
    public void Ship(OrderSubmitted order)
    {
        if (FailShipping) throw new InvalidOperationException($"the carrier refused order {order.OrderId}");
        Interlocked.Increment(ref Shipped);
    }
}

[Flow("order-review")]
public sealed partial class OrderReviewFlow : IFlow<OrderSubmitted, ReviewOutcome>;

[JsonSerializable(typeof(OrderSubmitted))]
[JsonSerializable(typeof(OrderApproved))]
[JsonSerializable(typeof(ReviewOutcome))]
internal sealed partial class ReviewJson : JsonSerializerContext;

/// <summary>
/// A real ASP.NET Core application on 127.0.0.1 (a free port) with the order review as a durable flow in a SQLite file
/// and the console mapped at /flowgen: with the policy "flow-operators" (a user named by the X-Test-User header, whose
/// X-Test-Role header says "operator") when <c>policy</c> is true.
/// </summary>
public sealed class ConsoleTestApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _folder;

    private ConsoleTestApp(WebApplication app, string folder)
    {
        _app = app;
        _folder = folder;
    }

    public Uri BaseAddress { get; private set; } = null!;

    public FlowEngine Engine => _app.Services.GetRequiredService<FlowEngine>();

    public ReviewTasks Tasks => _app.Services.GetRequiredService<ReviewTasks>();

    public FlowEventChannel Events => _app.Services.GetRequiredService<FlowEventChannel>();

    public static async Task<ConsoleTestApp> StartAsync(bool policy = false, bool readOnly = false)
    {
        var folder = Path.Combine(Path.GetTempPath(), "flowgen-console-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var log = new List<string>();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ListLoggerProvider(log));
        builder.Services.AddSingleton<IFlowStore>(new SqliteFlowStore(Path.Combine(folder, "flows.db")));
        builder.Services.AddSingleton(new FlowRunOptions { Tracking = TrackingMode.Node });
        builder.Services.AddFlowGen(o => o.LogTasks = false);
        builder.Services.AddDurableFlows(o => o.JsonContexts.Add(ReviewJson.Default));
        if (policy)
        {
            builder.Services.AddAuthentication("test").AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>("test", null);
            builder.Services.AddAuthorization(o => o.AddPolicy("flow-operators", p => p.RequireAuthenticatedUser().RequireRole("operator")));
        }
        var app = builder.Build();
        if (policy)
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }
        var console = app.MapFlowGenConsole("/flowgen", o =>
        {
            o.Title = "Order review";
            o.ReadOnly = readOnly;
        });
        if (policy) console.RequireAuthorization("flow-operators");
        app.MapGet("/", () => "the application's own page");
        await app.StartAsync();
        var test = new ConsoleTestApp(app, folder);
        test._log = log;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        test.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return test;
    }

    private List<string> _log = [];

    /// <summary>What the application logged so far (the console logs every action).</summary>
    public IReadOnlyList<string> Logged
    {
        get
        {
            lock (_log) return _log.ToArray();
        }
    }

    /// <summary>Sends an event through the hosted channel and waits until the engine has taken it.</summary>
    public async Task SendAsync(string name, object payload)
    {
        // Taken means applied: an instance started or continued, or the event dropped (counted after its delivery ran,
        // unlike Accepted, which is counted before the delivery is handed to a mailbox).
        long Taken() => Engine.Counters.Started + Engine.Counters.Delivered + Engine.Counters.Dropped;
        var before = Taken();
        await Events.WriteAsync(name, payload);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Taken() == before)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the engine did not take {name} in 20 s");
            await Task.Delay(5);
        }
        await Engine.DrainAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a pool: left in the temporary folder.
        }
    }

    /// <summary>Test authentication: the user the X-Test-User header names, with the role X-Test-Role names.</summary>
    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var user = Request.Headers["X-Test-User"].ToString();
            if (user.Length == 0) return Task.FromResult(AuthenticateResult.NoResult());
            var claims = new List<Claim> { new(ClaimTypes.Name, user) };
            var role = Request.Headers["X-Test-Role"].ToString();
            if (role.Length > 0) claims.Add(new Claim(ClaimTypes.Role, role));
            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "test"));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, "test")));
        }
    }

    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines, categoryName);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> lines, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel)) return;
                lock (lines) lines.Add($"{logLevel} {category}: {formatter(state, exception)}");
            }
        }
    }
}
