using FlowGen.Durable;
using FlowGen.WebConsole.Tests;
using Xunit;

namespace FlowGen.WebConsole.BrowserTests;

/// <summary>
/// The console as an operator uses it, in a real headless Chromium against a real Kestrel server: open the instance
/// list, open a suspended instance, press Resume, see its status change. Screenshots are kept as test artefacts
/// (FLOWGEN_TEST_ARTIFACTS, else artifacts/ beside the test assembly; .ci/run keeps them with its results).
/// </summary>
public sealed class ConsoleBrowserTests
{
    private static readonly string Artifacts = Environment.GetEnvironmentVariable("FLOWGEN_TEST_ARTIFACTS") is { Length: > 0 } folder
        ? folder : Path.Combine(AppContext.BaseDirectory, "artifacts");

    [Fact]
    public async Task An_operator_finds_a_suspended_instance_and_resumes_it()
    {
        await using var app = await ConsoleTestApp.StartAsync();
        await app.SendAsync("order-submitted", new OrderSubmitted("o-100", 120m));
        await app.SendAsync("order-submitted", new OrderSubmitted("o-101", 75m));
        var instance = (await app.Engine.FindAsync("order-review", "o-101"))!;
        await app.Engine.SuspendAsync(instance.Id, "waiting for the warehouse");

        await using var browser = await Chromium.StartAsync();

        // The flows, then the flow's instances through its link.
        await browser.GoAsync(new Uri(app.BaseAddress, "flowgen/"));
        Assert.Equal("order-review", (await browser.EvaluateAsync("document.querySelector('#flows a').textContent"))!.GetValue<string>());
        await browser.ScreenshotAsync(Path.Combine(Artifacts, "console-flows.png"));
        await browser.ClickAsync("#flows td:last-child a");
        await browser.WaitAsync("document.querySelector('#instances')", "the instance list");
        Assert.Equal(2, (await browser.EvaluateAsync("document.querySelectorAll('#instances tr').length - 1"))!.GetValue<int>());
        await browser.ScreenshotAsync(Path.Combine(Artifacts, "console-instances.png"));

        // The suspended instance: its status, its error, its position on the picture.
        await browser.ClickAsync($"#instances a[href$='/instances/{instance.Id}']");
        await browser.WaitAsync("document.querySelector('#instance-status')", "the instance page");
        Assert.Equal("Suspended", await Text(browser, "#instance-status"));
        Assert.Contains("waiting for the warehouse", await Text(browser, "#instance-error"));
        Assert.True((await browser.EvaluateAsync("document.querySelector('#picture svg').getBoundingClientRect().width"))!.GetValue<double>() > 100);
        Assert.Equal(1, (await browser.EvaluateAsync("document.querySelectorAll('#picture g.failed').length"))!.GetValue<int>());
        await browser.ScreenshotAsync(Path.Combine(Artifacts, "console-instance-suspended.png"));

        // Resume: the page's script posts the action, the engine resumes the instance, the page shows it waiting again.
        await browser.ClickAsync("#action-resume");
        await browser.WaitAsync("document.querySelector('#instance-status')?.textContent === 'Waiting'", "the status to become Waiting");
        Assert.Equal(FlowInstanceStatus.Waiting, (await app.Engine.GetAsync(instance.Id))!.Status);
        Assert.Equal(1, (await browser.EvaluateAsync("document.querySelectorAll('#picture g.waiting').length"))!.GetValue<int>());
        Assert.Contains("resume", await Text(browser, "#history"));
        await browser.ScreenshotAsync(Path.Combine(Artifacts, "console-instance-resumed.png"));

        var shot = await File.ReadAllBytesAsync(Path.Combine(Artifacts, "console-instance-resumed.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, shot[..4]);
        Assert.Contains(app.Logged, l => l.Contains($"resume of instance {instance.Id} (order-review/o-101) by (anonymous): now Waiting"));
    }

    private static async Task<string> Text(Chromium browser, string selector)
        => (await browser.EvaluateAsync($"document.querySelector('{selector}').textContent"))!.GetValue<string>();
}
