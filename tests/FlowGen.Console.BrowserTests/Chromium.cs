using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FlowGen.WebConsole.BrowserTests;

/// <summary>
/// A real headless Chromium driven over its DevTools protocol (a WebSocket on 127.0.0.1): navigate, click where an
/// element is (real mouse events), read the page, take screenshots. No driver package and nothing downloaded: the
/// browser is Debian's chromium (FLOWGEN_CHROMIUM names another). The process and its profile folder go on dispose.
/// </summary>
public sealed partial class Chromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _calls = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _reader = Task.CompletedTask;
    private int _nextId;

    private Chromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static async Task<Chromium> StartAsync()
    {
        var path = Environment.GetEnvironmentVariable("FLOWGEN_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(path))
            throw new InvalidOperationException($"no Chromium at {path}: install Debian's chromium package (.ci/run does: apt-get install chromium) or set FLOWGEN_CHROMIUM");
        var profile = Path.Combine(Path.GetTempPath(), "flowgen-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync", "--metrics-recording-only", "--mute-audio",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--window-size=1400,1000", "--user-data-dir=" + profile, "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{path} did not start");
        var browser = new Chromium(process, profile);
        try
        {
            // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on its standard error.
            var port = await Task.Run(() =>
            {
                string? line;
                while ((line = process.StandardError.ReadLine()) is not null)
                {
                    if (DevToolsLine().Match(line) is { Success: true } match) return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                }
                throw new InvalidOperationException($"Chromium ended (exit code {(process.HasExited ? process.ExitCode : -1)}) before it listened for DevTools");
            }).WaitAsync(TimeSpan.FromSeconds(30));
            _ = Task.Run(() => process.StandardError.ReadToEnd()); // keep the pipe drained
            _ = Task.Run(() => process.StandardOutput.ReadToEnd());
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
            var page = targets.First(t => (string?)t!["type"] == "page")!;
            await browser._socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), CancellationToken.None);
            browser._reader = browser.ReadAsync();
            await browser.CallAsync("Page.enable");
            await browser.CallAsync("Runtime.enable");
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens a page and waits until it has loaded.</summary>
    public async Task GoAsync(Uri url)
    {
        await CallAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        await WaitAsync($"location.href === {JsonSerializer.Serialize(url.ToString())} && document.readyState === 'complete'", "the page " + url);
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var answer = await CallAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (answer["exceptionDetails"] is { } exception) throw new InvalidOperationException($"the page threw for {expression}: {exception.ToJsonString()}");
        return answer["result"]?["value"]?.DeepClone();
    }

    /// <summary>Waits until a JavaScript condition holds in the page (10 s at most).</summary>
    public async Task WaitAsync(string condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                if ((await EvaluateAsync($"!!({condition})"))?.GetValue<bool>() == true) return;
            }
            catch (InvalidOperationException)
            {
                // A page being replaced by the next one: look again.
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 10 s for {what} ({condition})");
            await Task.Delay(50);
        }
    }

    /// <summary>Clicks the middle of the element a CSS selector finds, with real mouse events (as a user's click).</summary>
    public async Task ClickAsync(string selector)
    {
        await WaitAsync($"document.querySelector({JsonSerializer.Serialize(selector)})", selector);
        var box = (await EvaluateAsync($"(() => {{ const e = document.querySelector({JsonSerializer.Serialize(selector)}); e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"))!.AsArray();
        var x = box[0]!.GetValue<double>();
        var y = box[1]!.GetValue<double>();
        foreach (var type in new[] { "mouseMoved", "mousePressed", "mouseReleased" })
            await CallAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = type, ["x"] = x, ["y"] = y, ["button"] = "left", ["clickCount"] = 1 });
    }

    /// <summary>Takes a screenshot of the whole page as PNG into <paramref name="file"/>.</summary>
    public async Task ScreenshotAsync(string file)
    {
        var shot = await CallAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, Convert.FromBase64String((string)shot["data"]!));
    }

    private async Task<JsonObject> CallAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        var reply = await answer.Task.WaitAsync(TimeSpan.FromSeconds(30));
        if (reply["error"] is { } error) throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}");
        return reply["result"]?.AsObject() ?? new JsonObject();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var part = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (part.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage) continue;
                var node = JsonNode.Parse(message.ToArray())!.AsObject();
                message.SetLength(0);
                if (node["id"] is { } id && _calls.TryRemove(id.GetValue<int>(), out var call)) call.TrySetResult(node);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
        }
        foreach (var call in _calls.Values) call.TrySetException(new InvalidOperationException("the DevTools connection closed"));
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            if (_socket.State == WebSocketState.Open) await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception exception) when (exception is WebSocketException or TimeoutException or OperationCanceledException)
        {
        }
        _socket.Dispose();
        await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(static _ => { });
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"DevTools listening on ws://127\.0\.0\.1:(\d+)/")]
    private static partial Regex DevToolsLine();
}
