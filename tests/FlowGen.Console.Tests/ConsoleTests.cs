using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using FlowGen.Durable;
using Xunit;

namespace FlowGen.WebConsole.Tests;

/// <summary>
/// The console over HTTP against a real Kestrel server: its pages, pictures and JSON API, the four actions going
/// through the engine (and into the instance's history), the escaping of what instances carry, and authorization.
/// The same pages in a real browser: tests/FlowGen.Console.BrowserTests.
/// </summary>
public sealed class ConsoleTests
{
    [Fact]
    public async Task Lists_the_flows_with_their_pictures()
    {
        await using var app = await ConsoleTestApp.StartAsync();
        using var http = Client(app);

        var home = await http.GetStringAsync("flowgen/");
        Assert.Contains(">order-review</a>", home);
        Assert.Contains("durable, started by order-submitted", home);
        Assert.Contains(OrderReviewFlow.FlowVersion, home);

        var flow = await http.GetStringAsync("flowgen/flows/order-review");
        Assert.Contains("<svg", flow);
        Assert.Contains("flowchart", flow); // the Mermaid text, escaped inside <pre>

        var svg = XDocument.Parse(await http.GetStringAsync("flowgen/flows/order-review/picture.svg"));
        var groups = svg.Descendants().Where(e => e.Name.LocalName == "g" && ((string?)e.Attribute("id"))?.StartsWith('n') == true).ToList();
        Assert.Equal(OrderReviewFlow.Descriptor.NodeIds.Length, groups.Count);

        using var flows = JsonDocument.Parse(await http.GetStringAsync("flowgen/api/flows"));
        var entry = Assert.Single(flows.RootElement.EnumerateArray());
        Assert.Equal("order-review", entry.GetProperty("id").GetString());
        Assert.True(entry.GetProperty("durable").GetBoolean());
        Assert.Contains("Approval", entry.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()));

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("flowgen/flows/no-such-flow")).StatusCode);
    }

    [Fact]
    public async Task Shows_an_instance_where_it_waits_with_its_history_and_state()
    {
        await using var app = await ConsoleTestApp.StartAsync();
        using var http = Client(app);
        await app.SendAsync("order-submitted", new OrderSubmitted("o-1", 120m));
        var instance = (await app.Engine.FindAsync("order-review", "o-1"))!;
        Assert.Equal(FlowInstanceStatus.Waiting, instance.Status);

        var list = await http.GetStringAsync("flowgen/instances?status=waiting&flow=order-review");
        Assert.Contains(instance.Id, list);
        Assert.DoesNotContain(instance.Id, await http.GetStringAsync("flowgen/instances?status=failed"));
        Assert.Contains(instance.Id, await http.GetStringAsync("flowgen/instances?key=o-1"));

        var page = await http.GetStringAsync($"flowgen/instances/{instance.Id}");
        Assert.Contains("id=\"instance-status\" class=\"status status-Waiting\"", page);
        Assert.Contains("<code>Approval</code>", page);
        Assert.Contains("<code>order-approved</code>", page);
        Assert.Contains("o-1", page[page.IndexOf("id=\"state\"", StringComparison.Ordinal)..]);
        Assert.Contains("id=\"action-suspend\"", page);
        Assert.DoesNotContain("id=\"action-resume\"", page);

        // The picture: the task that ran is green, the wait is blue (class on its node group).
        var svg = XDocument.Parse(await http.GetStringAsync($"flowgen/instances/{instance.Id}/picture.svg"));
        Assert.Equal("ran", ClassOf(svg, "Check"));
        Assert.Equal("waiting", ClassOf(svg, "Approval"));
        Assert.Null(ClassOf(svg, "Ship"));

        using var json = JsonDocument.Parse(await http.GetStringAsync($"flowgen/api/instances/{instance.Id}"));
        var history = json.RootElement.GetProperty("history").EnumerateArray().ToList();
        var start = Assert.Single(history);
        Assert.Equal("start", start.GetProperty("cause").GetString());
        Assert.Equal("order-submitted", start.GetProperty("event").GetString());
        Assert.Contains("Check", start.GetProperty("ran").EnumerateArray().Select(r => r.GetProperty("node").GetString()));
        Assert.Equal("o-1", json.RootElement.GetProperty("key").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("flowgen/instances/0000000000000000")).StatusCode);
        var search = await http.GetAsync($"flowgen/instances?id={instance.Id}");
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        Assert.EndsWith($"/flowgen/instances/{instance.Id}", search.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task Suspend_resume_and_cancel_go_through_the_engine_into_the_history_and_the_log()
    {
        await using var app = await ConsoleTestApp.StartAsync();
        using var http = Client(app);
        await app.SendAsync("order-submitted", new OrderSubmitted("o-2", 50m));
        var id = (await app.Engine.FindAsync("order-review", "o-2"))!.Id;

        var suspended = await ActAsync(http, id, "suspend", "carrier strike");
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        Assert.Equal(FlowInstanceStatus.Suspended, (await app.Engine.GetAsync(id))!.Status);
        Assert.Contains("suspended by hand: carrier strike", (await app.Engine.GetAsync(id))!.ErrorMessage);
        // Suspended, it takes no events: the approval is parked, not applied.
        Assert.Equal(HttpStatusCode.OK, (await ActAsync(http, id, "resume")).StatusCode);
        Assert.Equal(FlowInstanceStatus.Waiting, (await app.Engine.GetAsync(id))!.Status);

        // Resuming a waiting instance is refused with the engine's reason, and changes nothing.
        var refused = await ActAsync(http, id, "resume");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("only a suspended instance resumes", await refused.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, (await ActAsync(http, id, "cancel", "customer called")).StatusCode);
        var cancelled = (await app.Engine.GetAsync(id))!;
        Assert.Equal(FlowInstanceStatus.Cancelled, cancelled.Status);
        Assert.Contains("customer called", cancelled.ErrorMessage);

        var history = await app.Engine.HistoryAsync(id);
        Assert.Equal(["start", "suspend", "resume", "cancel"], history.Select(h => h.Cause));
        Assert.All(history.Skip(1), h => Assert.Equal("(anonymous)", h.By));
        Assert.Equal([1L, 2L, 3L, 4L], history.Select(h => h.Revision));

        var logged = app.Logged.Where(l => l.Contains("FlowGen.Console")).ToList();
        Assert.Contains(logged, l => l.Contains($"suspend of instance {id} (order-review/o-2) by (anonymous): now Suspended"));
        Assert.Contains(logged, l => l.Contains($"resume of instance {id} (order-review/o-2) by (anonymous): now Waiting"));
        Assert.Contains(logged, l => l.Contains($"resume of instance {id} by (anonymous) refused"));
        Assert.Contains(logged, l => l.Contains($"cancel of instance {id} (order-review/o-2) by (anonymous): now Cancelled"));
    }

    [Fact]
    public async Task Repair_runs_the_failed_node_again()
    {
        await using var app = await ConsoleTestApp.StartAsync();
        using var http = Client(app);
        app.Tasks.FailShipping = true;
        await app.SendAsync("order-submitted", new OrderSubmitted("o-3", 80m));
        await app.SendAsync("order-approved", new OrderApproved("o-3", "ann"));
        var failed = (await app.Engine.FindAsync("order-review", "o-3"))!;
        Assert.Equal(FlowInstanceStatus.Failed, failed.Status);
        Assert.Equal(FlowErrorCodes.TaskFailed, failed.ErrorCode);
        Assert.Equal("Ship", failed.ErrorNode);

        var page = await http.GetStringAsync($"flowgen/instances/{failed.Id}");
        Assert.Contains("id=\"action-repair\"", page);
        Assert.Contains("the carrier refused order o-3", page);
        Assert.Equal("failed", ClassOf(XDocument.Parse(await http.GetStringAsync($"flowgen/instances/{failed.Id}/picture.svg")), "Ship"));

        app.Tasks.FailShipping = false;
        var repaired = await ActAsync(http, failed.Id, "repair");
        Assert.Equal(HttpStatusCode.OK, repaired.StatusCode);
        Assert.Equal(FlowInstanceStatus.Completed, (await app.Engine.GetAsync(failed.Id))!.Status);
        Assert.Equal(1, app.Tasks.Shipped);
        Assert.Equal("repair", (await app.Engine.HistoryAsync(failed.Id))[^1].Cause);

        // A completed instance is not repaired again.
        Assert.Equal(HttpStatusCode.Conflict, (await ActAsync(http, failed.Id, "repair")).StatusCode);
        Assert.Equal(1, app.Tasks.Shipped);
    }

    [Fact]
    public async Task An_action_without_the_console_header_or_on_a_read_only_console_is_refused()
    {
        await using (var app = await ConsoleTestApp.StartAsync())
        {
            using var http = Client(app);
            await app.SendAsync("order-submitted", new OrderSubmitted("o-4", 10m));
            var id = (await app.Engine.FindAsync("order-review", "o-4"))!.Id;
            // A form posted from another site cannot carry the header.
            var forged = await http.PostAsync($"flowgen/api/instances/{id}/cancel", new FormUrlEncodedContent([new("reason", "x")]));
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            Assert.Equal(FlowInstanceStatus.Waiting, (await app.Engine.GetAsync(id))!.Status);
        }
        await using (var app = await ConsoleTestApp.StartAsync(readOnly: true))
        {
            using var http = Client(app);
            await app.SendAsync("order-submitted", new OrderSubmitted("o-5", 10m));
            var id = (await app.Engine.FindAsync("order-review", "o-5"))!.Id;
            Assert.Equal(HttpStatusCode.Forbidden, (await ActAsync(http, id, "cancel")).StatusCode);
            Assert.Equal(FlowInstanceStatus.Waiting, (await app.Engine.GetAsync(id))!.Status);
            Assert.DoesNotContain("data-action", await http.GetStringAsync($"flowgen/instances/{id}"));
        }
    }

    [Fact]
    public async Task With_a_policy_nothing_is_shown_or_changed_without_it()
    {
        await using var app = await ConsoleTestApp.StartAsync(policy: true);
        using var http = Client(app);
        await app.SendAsync("order-submitted", new OrderSubmitted("o-6", 10m));
        var id = (await app.Engine.FindAsync("order-review", "o-6"))!.Id;
        string[] pages =
        [
            "flowgen/", "flowgen/flows/order-review", "flowgen/flows/order-review/picture.svg", "flowgen/instances", $"flowgen/instances/{id}",
            $"flowgen/instances/{id}/picture.svg", "flowgen/api/flows", "flowgen/api/instances", $"flowgen/api/instances/{id}", "flowgen/console.js", "flowgen/console.css",
        ];
        foreach (var page in pages)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(page)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsUser(http, HttpMethod.Get, page, "eve", role: null)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await SendAsUser(http, HttpMethod.Get, page, "ann", "operator")).StatusCode);
        }
        foreach (var action in new[] { "suspend", "resume", "cancel", "repair" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await ActAsync(http, id, action)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsUser(http, HttpMethod.Post, $"flowgen/api/instances/{id}/{action}", "eve", null, console: true)).StatusCode);
        }
        Assert.Equal(FlowInstanceStatus.Waiting, (await app.Engine.GetAsync(id))!.Status);
        Assert.Single(await app.Engine.HistoryAsync(id));

        // The operator's action is made, and kept under the operator's name.
        Assert.Equal(HttpStatusCode.OK, (await SendAsUser(http, HttpMethod.Post, $"flowgen/api/instances/{id}/suspend", "ann", "operator", console: true)).StatusCode);
        Assert.Equal("ann", (await app.Engine.HistoryAsync(id))[^1].By);
        Assert.Contains(app.Logged, l => l.Contains($"suspend of instance {id} (order-review/o-6) by ann: now Suspended"));

        // The application's own endpoints are not the console's: the policy is on the console's group only.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("")).StatusCode);
    }

    [Fact]
    public async Task What_an_instance_carries_is_escaped()
    {
        await using var app = await ConsoleTestApp.StartAsync();
        using var http = Client(app);
        const string key = "<script>alert(1)</script>\u202Egnp.exe\u2028\"'&";
        await app.SendAsync("order-submitted", new OrderSubmitted(key, 5m));
        var instance = (await app.Engine.FindAsync("order-review", key))!;

        foreach (var page in new[] { $"flowgen/instances/{instance.Id}", "flowgen/instances?key=" + Uri.EscapeDataString(key), "flowgen/instances?status=waiting" })
        {
            var html = await http.GetStringAsync(page);
            Assert.DoesNotContain("<script>alert", html);
            Assert.DoesNotContain('\u202E', html);
            Assert.DoesNotContain('\u2028', html);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u202Egnp.exe\\u2028", html);
        }
        // Scripts come from the console only.
        var response = await http.GetAsync($"flowgen/instances/{instance.Id}");
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());

        var bad = await http.GetAsync("flowgen/api/instances?status=<b>");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("none of waiting, suspended, completed, failed, cancelled", await bad.Content.ReadAsStringAsync());
        Assert.Contains("&lt;b&gt;", await http.GetStringAsync("flowgen/instances?status=%3Cb%3E"));
    }

    private static HttpClient Client(ConsoleTestApp app) => new() { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    private static Task<HttpResponseMessage> ActAsync(HttpClient http, string id, string action, string? reason = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"flowgen/api/instances/{id}/{action}")
        {
            Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, string?> { ["reason"] = reason }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-FlowGen-Console", "1");
        return http.SendAsync(request);
    }

    private static Task<HttpResponseMessage> SendAsUser(HttpClient http, HttpMethod method, string path, string user, string? role, bool console = false)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Test-User", user);
        if (role is not null) request.Headers.Add("X-Test-Role", role);
        if (console)
        {
            request.Headers.Add("X-FlowGen-Console", "1");
            request.Content = new StringContent("{}", Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }
        return http.SendAsync(request);
    }

    /// <summary>The class a run picture gives a node's group (null when it has none).</summary>
    private static string? ClassOf(XDocument svg, string nodeId)
    {
        var index = Array.IndexOf(OrderReviewFlow.Descriptor.NodeIds, nodeId);
        Assert.True(index >= 0, $"no node {nodeId}");
        var group = svg.Descendants().Single(e => e.Name.LocalName == "g" && (string?)e.Attribute("id") == "n" + index);
        return (string?)group.Attribute("class");
    }
}
