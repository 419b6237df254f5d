using System.Globalization;
using System.Text;
using System.Text.Json;
using FlowGen.Durable;
using Microsoft.AspNetCore.Http;

namespace FlowGen.WebConsole;

/// <summary>
/// The console's pages, rendered on the server: plain HTML with one style sheet and one small script (the actions).
/// Every text from a flow, instance or event goes through <see cref="Html.Text"/>; the flows' SVG pictures are
/// inlined as the generator wrote them (their texts were escaped at build time, docs/pictures.md).
/// </summary>
internal sealed class ConsolePages(string prefix, FlowGenConsoleOptions options)
{
    /// <summary>The most instances of a status the home page counts (it says 1,000+ beyond).</summary>
    public const int CountLimit = 1000;

    /// <summary>A link inside the console: the application's path base, the console's prefix, then <paramref name="path"/> (already escaped).</summary>
    public string Link(HttpContext context, string path) => context.Request.PathBase + prefix + "/" + path;

    public string Home(HttpContext context, IReadOnlyList<ConsoleFlow> flows, bool hasEngine, Dictionary<FlowInstanceStatus, int>? counts)
    {
        var body = new StringBuilder();
        body.Append("<h1>Flows</h1>");
        if (flows.Count == 0) body.Append("<p class=\"muted\">No flow is registered (AddFlowGen or AddFlowGenFlows).</p>");
        else
        {
            body.Append("<table id=\"flows\"><tr><th>Flow</th><th>Kind</th><th>Version</th><th>Nodes</th><th>Request → result</th>");
            if (hasEngine) body.Append("<th>Instances</th>");
            body.Append("</tr>");
            foreach (var flow in flows)
            {
                body.Append("<tr><td><a href=\"").Append(Link(context, "flows/" + Html.Segment(flow.FlowId))).Append("\">").Append(Html.Text(flow.FlowId)).Append("</a></td>")
                    .Append("<td>").Append(flow.Durable is null ? "request/response" : flow.Durable.Trigger is { } trigger ? "durable, started by " + Html.Text(trigger) : "durable").Append("</td>")
                    .Append("<td><code>").Append(Html.Text(flow.Version)).Append("</code></td>")
                    .Append("<td>").Append(flow.Descriptor?.NodeIds.Length.ToString(CultureInfo.InvariantCulture) ?? "").Append("</td>")
                    .Append("<td><code>").Append(Html.Text(flow.RequestType.Name)).Append("</code> → <code>").Append(Html.Text(flow.ResultType?.Name)).Append("</code></td>");
                if (hasEngine)
                {
                    body.Append("<td>");
                    if (flow.Durable is not null) body.Append("<a href=\"").Append(Link(context, "instances?flow=" + Html.Segment(flow.FlowId))).Append("\">instances</a>");
                    body.Append("</td>");
                }
                body.Append("</tr>");
            }
            body.Append("</table>");
        }
        if (counts is not null)
        {
            body.Append("<h2>Durable instances</h2><p>");
            var first = true;
            foreach (var (status, count) in counts)
            {
                if (!first) body.Append(" · ");
                first = false;
                body.Append("<a href=\"").Append(Link(context, "instances?status=" + status.ToString().ToLowerInvariant())).Append("\">")
                    .Append(Math.Min(count, CountLimit).ToString("N0", CultureInfo.InvariantCulture)).Append(count > CountLimit ? "+" : "").Append(' ').Append(status.ToString().ToLowerInvariant()).Append("</a>");
            }
            body.Append("</p>");
            SearchForm(body, context, flows, new Search(null, null, null, null, options.MaxInstances, null));
        }
        return Layout(context, "Flows", body);
    }

    public string Flow(HttpContext context, ConsoleFlow flow, bool hasEngine)
    {
        var body = new StringBuilder();
        body.Append("<h1>Flow ").Append(Html.Text(flow.FlowId)).Append("</h1><dl class=\"facts\">");
        Fact(body, "Version", "<code>" + Html.Text(flow.Version) + "</code>");
        Fact(body, "Kind", flow.Durable is null ? "request/response" : "durable");
        if (flow.Durable?.Trigger is { } trigger) Fact(body, "Started by", "the event <code>" + Html.Text(trigger) + "</code>");
        if (flow.Durable is { Events.Count: > 0 } durable) Fact(body, "Events", string.Join(", ", durable.Events.Keys.Select(e => "<code>" + Html.Text(e) + "</code>")));
        Fact(body, "Request", "<code>" + Html.Text(flow.RequestType.FullName) + "</code>");
        if (flow.ResultType is not null) Fact(body, "Result", "<code>" + Html.Text(flow.ResultType.FullName) + "</code>");
        if (flow.Descriptor is { } descriptor) Fact(body, "Nodes", descriptor.NodeIds.Length.ToString(CultureInfo.InvariantCulture));
        body.Append("</dl>");
        if (hasEngine && flow.Durable is not null)
            body.Append("<p><a href=\"").Append(Link(context, "instances?flow=" + Html.Segment(flow.FlowId))).Append("\">Its instances</a></p>");
        if (flow.Descriptor?.Svg is { } svg)
        {
            body.Append("<h2>Picture</h2><div class=\"picture\" id=\"picture\">").Append(svg).Append("</div>")
                .Append("<p><a href=\"").Append(Link(context, "flows/" + Html.Segment(flow.FlowId) + "/picture.svg")).Append("\">picture.svg</a></p>");
        }
        if (flow.Descriptor?.Mermaid is { } mermaid)
            body.Append("<details><summary>Mermaid</summary><pre>").Append(Html.Text(mermaid)).Append("</pre></details>");
        return Layout(context, "Flow " + flow.FlowId, body);
    }

    public string Instances(HttpContext context, IReadOnlyList<ConsoleFlow> flows, Search search, IReadOnlyList<FlowInstance> found, string? error)
    {
        var body = new StringBuilder("<h1>Instances</h1>");
        SearchForm(body, context, flows, search);
        if (error is not null)
        {
            body.Append("<p class=\"error\">").Append(Html.Text(error)).Append("</p>");
            return Layout(context, "Instances", body);
        }
        body.Append("<p class=\"muted\">").Append(found.Count.ToString(CultureInfo.InvariantCulture)).Append(found.Count == search.Limit ? " (the first " + search.Limit.ToString(CultureInfo.InvariantCulture) + ", oldest first)" : "").Append(" found</p>");
        body.Append("<table id=\"instances\"><tr><th>Instance</th><th>Flow</th><th>Key</th><th>Status</th><th>At</th><th>Due</th><th>Error</th><th>Updated</th></tr>");
        foreach (var instance in found)
        {
            body.Append("<tr><td><a href=\"").Append(Link(context, "instances/" + Html.Segment(instance.Id))).Append("\"><code>").Append(Html.Text(instance.Id)).Append("</code></a></td>")
                .Append("<td>").Append(Html.Text(instance.FlowId)).Append("</td>")
                .Append("<td>").Append(Html.Text(instance.Key)).Append("</td>")
                .Append("<td>").Append(Status(instance.Status)).Append("</td>")
                .Append("<td>").Append(Html.Text(string.Join(", ", instance.Nodes))).Append("</td>")
                .Append("<td>").Append(Time(instance.DueAt)).Append("</td>")
                .Append("<td>").Append(Html.Text(instance.Unreadable?.Code ?? instance.ErrorCode)).Append("</td>")
                .Append("<td>").Append(Time(instance.Updated)).Append("</td></tr>");
        }
        body.Append("</table>");
        return Layout(context, "Instances", body);
    }

    public string Instance(HttpContext context, FlowInstance instance, IReadOnlyList<FlowHistoryEntry> history, ConsoleFlow? flow, string? picture)
    {
        var body = new StringBuilder();
        body.Append("<h1>").Append(Html.Text(instance.FlowId)).Append(" / ").Append(Html.Text(instance.Key)).Append(' ')
            .Append("<span id=\"instance-status\" class=\"status status-").Append(instance.Status).Append("\">").Append(instance.Status).Append("</span></h1>");
        body.Append("<dl class=\"facts\">");
        Fact(body, "Instance", "<code>" + Html.Text(instance.Id) + "</code>");
        Fact(body, "Flow", flow is null ? Html.Text(instance.FlowId) + " <span class=\"muted\">(not in this application)</span>"
            : "<a href=\"" + Link(context, "flows/" + Html.Segment(instance.FlowId)) + "\">" + Html.Text(instance.FlowId) + "</a>");
        Fact(body, "Version", "<code>" + Html.Text(instance.Version) + "</code>" + (flow?.Version is { } current && current != instance.Version ? " <span class=\"error\">(this build is " + Html.Text(current) + ")</span>" : ""));
        if (instance.Nodes.Length > 0) Fact(body, "At", "<code>" + Html.Text(string.Join(", ", instance.Nodes)) + "</code>");
        if (instance.Events.Length > 0) Fact(body, "Waits for", string.Join(", ", instance.Events.Select(e => "<code>" + Html.Text(e) + "</code>")));
        if (instance.DueAt is { } due) Fact(body, "Timer due", Time(due));
        if ((instance.Unreadable?.Code ?? instance.ErrorCode) is { } code)
            Fact(body, "Error", "<code>" + Html.Text(code) + "</code>" + (instance.ErrorNode is { } node ? " at <code>" + Html.Text(node) + "</code>" : "")
                + "<br><span class=\"error\" id=\"instance-error\">" + Html.Text(instance.Unreadable?.Message ?? instance.ErrorMessage) + "</span>");
        Fact(body, "Created", Time(instance.Created));
        Fact(body, "Updated", Time(instance.Updated) + " (revision " + instance.Revision.ToString(CultureInfo.InvariantCulture) + ")");
        body.Append("</dl>");

        if (!options.ReadOnly)
        {
            var actions = new List<(string Action, string Label)>();
            if (instance.Status == FlowInstanceStatus.Waiting) actions.Add(("suspend", "Suspend"));
            if (instance.Status == FlowInstanceStatus.Suspended) actions.Add(("resume", "Resume"));
            // A suspended instance's resume runs its failed node again; a failed one needs a repair for that.
            if (instance.Status == FlowInstanceStatus.Failed && instance.Nodes.Length > 0)
                actions.Add(("repair", "Repair (run " + string.Join(", ", instance.Nodes) + " again)"));
            if (instance.Status is FlowInstanceStatus.Waiting or FlowInstanceStatus.Suspended) actions.Add(("cancel", "Cancel"));
            if (actions.Count > 0)
            {
                body.Append("<div class=\"actions\"><input id=\"reason\" placeholder=\"reason (suspend, cancel)\" size=\"30\">");
                foreach (var (action, label) in actions)
                {
                    body.Append("<button type=\"button\" id=\"action-").Append(action).Append("\" data-action=\"").Append(action).Append("\" data-url=\"")
                        .Append(Link(context, "api/instances/" + Html.Segment(instance.Id) + "/" + action)).Append("\">").Append(Html.Text(label)).Append("</button>");
                }
                body.Append("<span id=\"action-status\" class=\"muted\"></span></div>");
            }
        }

        if (picture is not null)
        {
            body.Append("<h2>Where it is</h2><p class=\"legend\"><span class=\"ran\">ran</span><span class=\"fellback\">fell back</span><span class=\"waiting\">waiting</span><span class=\"failed\">failed</span><span class=\"skipped\">skipped</span><span class=\"ignored\">ignored</span></p>")
                .Append("<div class=\"picture\" id=\"picture\">").Append(picture).Append("</div>");
        }

        body.Append("<h2>History</h2>");
        if (history.Count == 0) body.Append("<p class=\"muted\">No history: the store keeps none (IFlowStore.KeepsHistory), or FlowEngineOptions.History is off.</p>");
        else
        {
            body.Append("<table id=\"history\"><tr><th>#</th><th>Time</th><th>Cause</th><th>By</th><th>Status after</th><th>At</th><th>Nodes run</th><th>Error</th></tr>");
            foreach (var entry in history)
            {
                body.Append("<tr><td>").Append(entry.Revision.ToString(CultureInfo.InvariantCulture)).Append("</td>")
                    .Append("<td>").Append(Time(entry.Time)).Append("</td>")
                    .Append("<td>").Append(Html.Text(entry.Cause)).Append(entry.Event is { } name ? " <code>" + Html.Text(name) + "</code>" : "").Append("</td>")
                    .Append("<td>").Append(Html.Text(entry.By)).Append("</td>")
                    .Append("<td>").Append(Status(entry.Status)).Append("</td>")
                    .Append("<td>").Append(Html.Text(string.Join(", ", entry.Nodes))).Append("</td>")
                    .Append("<td>").Append(Html.Text(string.Join(" → ", entry.Ran.Select(r => r.Outcome == "success" ? r.NodeId : r.NodeId + " (" + r.Outcome + ")")))).Append("</td>")
                    .Append("<td>").Append(entry.ErrorCode is null ? "" : "<code>" + Html.Text(entry.ErrorCode) + "</code> " + Html.Text(entry.ErrorMessage)).Append("</td></tr>");
            }
            body.Append("</table>");
        }

        if (options.ShowState)
        {
            body.Append("<h2>State (request and bus values)</h2><pre id=\"state\">").Append(Html.Text(PrettyState(instance.State))).Append("</pre>");
        }
        return Layout(context, instance.FlowId + " / " + instance.Key, body);
    }

    public string NotFound(HttpContext context, string message)
        => Layout(context, "Not found", new StringBuilder("<h1>Not found</h1><p>").Append(Html.Text(message)).Append("</p>"));

    private void SearchForm(StringBuilder body, HttpContext context, IReadOnlyList<ConsoleFlow> flows, Search search)
    {
        body.Append("<form class=\"search\" method=\"get\" action=\"").Append(Link(context, "instances")).Append("\">");
        body.Append("<label>Flow<select name=\"flow\"><option value=\"\">any</option>");
        foreach (var flow in flows.Where(f => f.Durable is not null))
        {
            body.Append("<option value=\"").Append(Html.Text(flow.FlowId)).Append('"').Append(flow.FlowId == search.FlowId ? " selected" : "").Append('>')
                .Append(Html.Text(flow.FlowId)).Append("</option>");
        }
        body.Append("</select></label>");
        body.Append("<label>Key<input name=\"key\" value=\"").Append(Html.Text(search.Key)).Append("\"></label>");
        body.Append("<label>Status<select name=\"status\"><option value=\"\">any</option>");
        foreach (var status in Enum.GetValues<FlowInstanceStatus>())
        {
            var name = status.ToString().ToLowerInvariant();
            body.Append("<option value=\"").Append(name).Append('"').Append(status == search.Status ? " selected" : "").Append('>').Append(name).Append("</option>");
        }
        body.Append("</select></label>");
        body.Append("<label>Instance id<input name=\"id\" size=\"18\"></label>");
        body.Append("<button type=\"submit\">Search</button></form>");
    }

    private string Layout(HttpContext context, string title, StringBuilder body)
    {
        var user = context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : null;
        var page = new StringBuilder(4096 + body.Length);
        page.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(Html.Text(title)).Append(" · ").Append(Html.Text(options.Title)).Append("</title>")
            .Append("<link rel=\"stylesheet\" href=\"").Append(Link(context, "console.css")).Append("\">")
            .Append("<script src=\"").Append(Link(context, "console.js")).Append("\" defer></script></head><body>")
            .Append("<header><a class=\"brand\" href=\"").Append(Link(context, "")).Append("\">").Append(Html.Text(options.Title)).Append("</a>")
            .Append("<a href=\"").Append(Link(context, "")).Append("\">Flows</a>")
            .Append("<a href=\"").Append(Link(context, "instances")).Append("\">Instances</a>");
        if (user is not null) page.Append("<span class=\"muted\">").Append(Html.Text(user)).Append("</span>");
        if (options.ReadOnly) page.Append("<span class=\"muted\">read-only</span>");
        page.Append("</header><main>").Append(body).Append("</main></body></html>");
        return page.ToString();
    }

    private static void Fact(StringBuilder body, string name, string html) => body.Append("<dt>").Append(name).Append("</dt><dd>").Append(html).Append("</dd>");

    private static string Status(FlowInstanceStatus status)
        => Enum.IsDefined(status)
            ? "<span class=\"status status-" + status + "\">" + status + "</span>"
            : "<span class=\"status\">" + ((int)status).ToString(CultureInfo.InvariantCulture) + "</span>";

    private static string Time(DateTimeOffset? time) => time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z" : "";

    private static string PrettyState(byte[] state)
    {
        if (state.Length == 0) return "(empty)";
        try
        {
            using var document = JsonDocument.Parse(state);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(state.Length * 2);
            // Relaxed: the text is HTML-escaped after (Html.Text), so '+' and '<' need not be \u escapes to read well.
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })) document.RootElement.WriteTo(json);
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (JsonException exception)
        {
            return "the state cannot be read: " + exception.Message;
        }
    }
}
