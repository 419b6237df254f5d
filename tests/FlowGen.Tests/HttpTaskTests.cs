using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// Flows/http-user.flow.yaml: HTTP tasks declared in the flow file, run against a real HTTP server started by the
// test on 127.0.0.1 (HttpListener): success, non-2xx answers, timeouts with retry, and malformed bodies.

public sealed record HttpUserRequest(string BaseUrl, string Id, string Token);

[FlowComponent("http-user")]
public sealed class HttpUserTasks
{
    [FlowTask("describe"), ToResult]
    public string Describe([FromState("user")] JsonElement user, [FromState("receipt")] JsonElement receipt)
        => $"{user.GetProperty("name").GetString()}|{receipt.GetProperty("received").GetRawText()}|{receipt.GetProperty("query").GetString()}";
}

[Flow("http-user")]
public sealed partial class HttpUserFlow : IFlow<HttpUserRequest, string>;

[FlowComponent("http-branch")]
public sealed class HttpBranchTasks
{
    [FlowTask("vip"), ToResult] public string Vip() => "vip";

    [FlowTask("coded"), ToResult] public string Coded() => "coded";

    [FlowTask("other"), ToResult] public string Other() => "other";
}

[Flow("http-branch")]
public sealed partial class HttpBranchFlow : IFlow<HttpUserRequest, string>;

[Flow("http-chain")]
public sealed partial class HttpChainFlow : IFlow<HttpUserRequest, string>;

[Flow("http-xml")]
public sealed partial class HttpXmlFlow : IFlow<HttpUserRequest, string>;

/// <summary>A ps-go rule's request: its body fields.</summary>
public sealed record RegisterRequest(string BaseUrl, string Phone);

[Flow("register")]
public sealed partial class RegisterFlow : IFlow<RegisterRequest, System.Text.Json.Nodes.JsonObject>;

public sealed class HttpServerFixture : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();

    public HttpServerFixture()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUrl = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    public ConcurrentDictionary<string, int> Calls { get; } = new();

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        var calls = Calls.AddOrUpdate(path, 1, (_, n) => n + 1);
        var (status, body) = (0, "");
        if (context.Request.Headers["X-Token"] is not "secret" && path.StartsWith("/users/", StringComparison.Ordinal))
            (status, body) = (401, "{\"error\":\"no token\"}");
        else switch (path)
        {
            case "/users/1":
                (status, body) = (200, "{\"name\":\"ada\",\"vip\":true}");
                break;
            case "/users/flaky":
                (status, body) = calls == 1 ? (503, "busy") : (200, "{\"name\":\"grace\"}");
                break;
            case "/users/slow":
                await Task.Delay(6000);
                (status, body) = (200, "{\"name\":\"late\"}");
                break;
            case "/users/plain":
                (status, body) = (200, "{\"name\":\"lin\"}");
                break;
            case "/users/coded":
                (status, body) = (200, "{\"code\":3,\"name\":\"zed\"}");
                break;
            case "/users/xmlbomb":
                (status, body) = (200, "<!DOCTYPE a [<!ENTITY x \"boom\">]><a>&x;</a>");
                break;
            case "/users/broken":
                (status, body) = (200, "{\"name\": ada");
                break;
            case "/members/7":
                (status, body) = (200, "{\"user_info\":{\"unclose_order_id\":\"o-42\",\"tags\":[\"a\",\"b\"]}}");
                break;
            case "/orders/o-42":
                // The query names the first tag of the member: the URL placeholder read it by index.
                (status, body) = context.Request.Url.Query == "?first=a"
                    ? (200, "{\"items\":[{\"sku\":\"s-1\",\"qty\":2},{\"sku\":\"s-2\",\"qty\":1}],\"total\":12.5}")
                    : (400, "{\"error\":\"wrong query " + context.Request.Url.Query + "\"}");
                break;
            case "/psgo/register":
                (status, body) = context.Request.Url.Query == "?phone=12345"
                    ? (200, "{\"code\":200,\"data\":{\"id\":\"u-7\"}}")
                    : (400, "{\"code\":400}");
                break;
            case "/psgo/coupon":
                using (var reader = new StreamReader(context.Request.InputStream))
                {
                    var sent = await reader.ReadToEndAsync();
                    (status, body) = sent == "{\"user_id\": \"u-7\", \"kind\": \"welcome\"}" ? (200, "{\"code\":0,\"coupon\":\"c-1\"}") : (400, "{\"got\":" + JsonSerializer.Serialize(sent) + "}");
                }
                break;
            case "/psgo/msg":
                (status, body) = (500, "{\"msg\":\"the text service is down\"}");
                break;
            case "/xml/order":
                context.Response.ContentType = "application/xml";
                (status, body) = (200, "<?xml version=\"1.0\"?><order id=\"7\"><item sku=\"a\"><qty>2</qty></item><item sku=\"b\"><qty>1</qty></item><status>paid</status></order>");
                break;
            case "/audit":
                using (var reader = new StreamReader(context.Request.InputStream))
                {
                    var sent = await reader.ReadToEndAsync();
                    // An XML body is echoed as a JSON string, a JSON body as itself.
                    var received = sent.StartsWith("<", StringComparison.Ordinal) ? JsonSerializer.Serialize(context.Request.ContentType + " " + sent) : sent;
                    body = "{\"received\":" + received + ",\"query\":\"" + context.Request.Url.Query + "\"}";
                }
                status = 201;
                break;
            default:
                (status, body) = (404, "{\"error\":\"no such user\"}");
                break;
        }
        context.Response.StatusCode = status;
        var bytes = Encoding.UTF8.GetBytes(body);
        try
        {
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception)
        {
            // The client gave up (a timeout test): nothing to answer.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
    }
}

public sealed class HttpTaskTests(HttpServerFixture server) : IClassFixture<HttpServerFixture>
{
    private HttpUserFlow Flow() => new(new FlowHttpClient(), new HttpUserTasks());

    [Fact]
    public async Task A_flow_calls_the_services_its_file_declares_and_reads_their_json()
    {
        var result = await Flow().RunAsync(new HttpUserRequest(server.BaseUrl, "1", "secret"));

        Assert.True(result.IsSuccess, result.ToString());
        // The POST body was rendered from the template: the user's JSON as is, the token as a JSON string.
        Assert.Equal("ada|{\"user\": {\"name\":\"ada\",\"vip\":true}, \"note\": \"secret\"}|?user=1", result.Value);
    }

    [Theory]
    [InlineData("1", "vip")]       // {"name":"ada","vip":true}: a JSON true, and a name that is there
    [InlineData("coded", "coded")] // {"code":3,"name":"zed"}: a JSON number compared with 3, a string with 'zed'
    [InlineData("plain", "other")] // {"name":"lin"}: no vip and no code, so neither condition holds
    public async Task Conditions_read_the_json_answer_of_an_http_task(string id, string expected)
    {
        var result = await new HttpBranchFlow(new FlowHttpClient(), new HttpBranchTasks()).RunAsync(new HttpUserRequest(server.BaseUrl, id, "secret"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
    }

    [Fact]
    public async Task A_field_of_one_answer_feeds_the_next_call_and_the_result_is_made_from_both_answers()
    {
        var result = await new HttpChainFlow(new FlowHttpClient()).RunAsync(new HttpUserRequest(server.BaseUrl, "7", "secret"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("o-42|s-2|12.5|s-1x2|b|{\"missing\": null, \"tag\": \"b\"}", result.Value);
        Assert.Equal(1, server.Calls["/orders/o-42"]);
    }

    [Fact]
    public async Task An_xml_answer_is_read_by_path_and_an_xml_body_escapes_its_values()
    {
        var result = await new HttpXmlFlow(new FlowHttpClient()).RunAsync(new HttpUserRequest(server.BaseUrl, "1", "a<b & \"c\""));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("7|paid|b|two|application/xml <confirm><order>7</order><note>a&lt;b &amp; &quot;c&quot;</note></confirm>", result.Value);
    }

    [Fact]
    public async Task An_xml_answer_with_a_dtd_is_refused_and_nothing_in_it_is_expanded()
    {
        var result = await Flow().RunAsync(new HttpUserRequest(server.BaseUrl, "xmlbomb", "secret"));

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.TaskFailed, result.Error!.Code);
        Assert.Contains("not well-formed XML", result.Error.Message);
        Assert.DoesNotContain("boom", result.Error.Message.Replace("\"boom\"", ""));
    }

    [Fact]
    public async Task A_ps_go_rule_runs_its_layers_and_answers_with_its_response_template()
    {
        var result = await new RegisterFlow(new FlowHttpClient()).RunAsync(new RegisterRequest(server.BaseUrl, "12345"));

        Assert.True(result.IsSuccess, result.ToString());
        // send_msg failed and ignoreError let the run go on: its member takes the defaultBody's value.
        Assert.Equal("{\"code\":0,\"user\":\"u-7\",\"msg\":\"no message sent\",\"note\":\"user u-7 registered\",\"data\":\"registered\"}", result.Value!.ToJsonString());
    }

    [Fact]
    public async Task A_ps_go_rules_request_rules_are_checked_before_any_component_runs()
    {
        var result = await new RegisterFlow(new FlowHttpClient()).RunAsync(new RegisterRequest(server.BaseUrl, "12"));

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.ValidationFailed, result.Error!.Code);
        Assert.Equal("register", result.Error.NodeId); // the start: no component ran
        Assert.Contains(result.Error.FieldErrors, f => f.ToString().Contains("phone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_status_that_is_not_success_ends_the_run_with_the_status_and_body()
    {
        var result = await Flow().RunAsync(new HttpUserRequest(server.BaseUrl, "404", "secret"));

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.TaskFailed, result.Error.Code);
        Assert.Equal("load-user", result.Error.NodeId);
        var http = Assert.IsType<FlowHttpException>(result.Error.Exception);
        Assert.Equal(404, http.Status);
        Assert.Contains($"GET {server.BaseUrl}/users/404 answered 404", result.Error.Message);
        Assert.Contains("no such user", result.Error.Message);
    }

    [Fact]
    public async Task A_missing_header_value_is_sent_and_the_service_refuses_it()
    {
        var result = await Flow().RunAsync(new HttpUserRequest(server.BaseUrl, "1", "wrong"));

        Assert.Equal(401, Assert.IsType<FlowHttpException>(result.Error!.Exception).Status);
    }

    [Fact]
    public async Task A_failed_attempt_is_retried()
    {
        var result = await Flow().RunAsync(new HttpUserRequest(server.BaseUrl, "flaky", "secret"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.StartsWith("grace|", result.Value);
        Assert.Equal(2, server.Calls["/users/flaky"]);
    }

    [Fact]
    public async Task A_service_slower_than_the_timeout_ends_the_run_with_a_timeout()
    {
        var result = await Flow().RunAsync(new HttpUserRequest(server.BaseUrl, "slow", "secret"));

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.TaskTimedOut, result.Error.Code);
        Assert.Equal("load-user", result.Error.NodeId);
        Assert.Contains("timeout of 2000 ms", result.Error.Message);
        // The message names the call that did not answer (without its query string).
        Assert.Contains($"GET {server.BaseUrl}/users/slow had not answered when the task was stopped", result.Error.Message);
        // Each attempt reached the server and was given up (the retry itself is shown by A_failed_attempt_is_retried;
        // on a loaded machine the second attempt may time out before its request is read).
        Assert.InRange(server.Calls["/users/slow"], 1, 2);
    }

    [Fact]
    public async Task A_body_that_is_not_json_ends_the_run_with_a_clear_error()
    {
        var result = await Flow().RunAsync(new HttpUserRequest(server.BaseUrl, "broken", "secret"));

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.TaskFailed, result.Error.Code);
        Assert.Contains("with a body that is not JSON", result.Error.Message);
        Assert.Contains("{\"name\": ada", result.Error.Message);
    }

    [Fact]
    public async Task A_response_that_fails_its_check_ends_the_run_naming_the_check_and_the_value()
    {
        var result = await Flow().RunAsync(new HttpUserRequest(server.BaseUrl, "coded", "secret"));

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.TaskFailed, result.Error.Code);
        Assert.Contains("the response check 'code != 3' failed: code is 3", result.Error.Message);
    }
}
