using System.Collections.Concurrent;
using FlowGen;
using Xunit;

namespace FlowGen.Tests;

public sealed record OrderLine(string Sku, int Qty, int Price);

public sealed record LinesRequest(IReadOnlyList<OrderLine> Lines);

/// <summary>The tasks of the foreach flows: each records what it saw, so that a test can tell which item ran when.</summary>
[FlowComponent("lines")]
public sealed class LineDesk
{
    private int _inFlight;
    private readonly TaskCompletionSource _threeAtOnce = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>Lines with no quantity fail while this is above 0 (once per failure counted down).</summary>
    public int FailuresLeft { get; set; } = int.MaxValue;

    public int MostAtOnce { get; private set; }

    [FlowTask("reserve")]
    public void Reserve([FromVar("line")] OrderLine line, [FromVar("index")] int index)
    {
        Calls.Enqueue($"reserve {index}:{line.Sku}");
        if (line.Qty == 0 && FailuresLeft-- > 0) throw new InvalidOperationException($"nothing to reserve for {line.Sku}");
    }

    [FlowTask("log")]
    public void Log([FromVar("line")] OrderLine line) => Calls.Enqueue("log " + line.Sku);

    [FlowTask("done")]
    [ToResult]
    public string Done([FromVar("total")] int total) => $"total={total}";

    /// <summary>Waits (up to 10 s) until three lines are held at once: it returns only if the foreach runs them together.</summary>
    [FlowTask("hold")]
    [ToVar("held")]
    public async Task<string> HoldAsync([FromVar("line")] OrderLine line, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _inFlight);
        lock (Calls) MostAtOnce = Math.Max(MostAtOnce, now);
        if (now >= 3) _threeAtOnce.TrySetResult();
        try
        {
            await _threeAtOnce.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            if (line.Qty == 0) throw new InvalidOperationException($"nothing to hold for {line.Sku}");
            Calls.Enqueue("hold " + line.Sku);
            return line.Sku;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    [FlowTask("held")]
    [ToResult]
    public string Held([FromVar("held")] string? held) => $"held={Calls.Count(c => c.StartsWith("hold ", StringComparison.Ordinal))} last={held ?? "none"}";
}

[Flow("foreach-lines")] public sealed partial class ForeachLinesFlow : IFlow<LinesRequest, string>;

[Flow("foreach-bpmn")] public sealed partial class ForeachBpmnFlow : IFlow<LinesRequest, string>;

[Flow("foreach-parallel")] public sealed partial class ForeachParallelFlow : IFlow<LinesRequest, string>;

[Flow("foreach-lenient")] public sealed partial class ForeachLenientFlow : IFlow<LinesRequest, string>;

/// <summary>The YAML flow's foreach in the fluent form.</summary>
[Flow("foreach-fluent")]
public sealed partial class ForeachFluentFlow : IFlow<LinesRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<LinesRequest> flow) => flow
        .Set("var.total", bus => 0)
        .ForEach(bus => bus.Request.Lines, body => body
            .Task<LineDesk>(s => s.Reserve)
            .Set("var.total", bus => bus.Var<int>("total") + bus.Var<OrderLine>("line").Qty * bus.Var<OrderLine>("line").Price),
            item: "line", id: "FluentEach")
        .Task<LineDesk>(s => s.Done);
}

// Flows/foreach*.flow.yaml and foreach.bpmn, compiled by the real generator.
public sealed class ForeachTests
{
    private static readonly LinesRequest Three = new([new("a", 1, 10), new("b", 2, 5), new("c", 3, 1)]);

    [Fact]
    public async Task A_foreach_runs_its_whole_body_once_per_item_in_order_in_every_form()
    {
        foreach (var (form, run) in new (string, Func<LineDesk, FlowRunOptions?, ValueTask<FlowResult<string>>>)[]
                 {
                     ("yaml", (s, o) => new ForeachLinesFlow(s).RunAsync(Three, o)),
                     ("bpmn", (s, o) => new ForeachBpmnFlow(s).RunAsync(Three, o)),
                     ("fluent", (s, o) => new ForeachFluentFlow(s).RunAsync(Three, o)),
                 })
        {
            foreach (var options in new FlowRunOptions?[] { null, new FlowRunOptions { Tracking = TrackingMode.Node } })
            {
                var desk = new LineDesk();
                var result = await run(desk, options);

                Assert.True(result.IsSuccess, form + ": " + result);
                Assert.Equal("total=23", result.Value); // 1*10 + 2*5 + 3*1
                Assert.Equal(["reserve 0:a", "reserve 1:b", "reserve 2:c"], desk.Calls.Where(c => c.StartsWith("reserve", StringComparison.Ordinal)));
                if (form == "yaml")
                {
                    // The fork inside the body: each line's log ran after its reserve and before the next line's.
                    var calls = desk.Calls.ToList();
                    Assert.Equal(6, calls.Count);
                    for (var i = 0; i < 3; i++) Assert.Equal("log " + "abc"[i], calls[2 * i + 1]);
                }
                if (options is not null)
                {
                    // The trace has the body's nodes once per item.
                    Assert.True(3 == result.Trace!.Nodes.Count(n => n.NodeId is "Lines/Reserve" or "EachLine/Reserve" or "FluentEach/reserve"), result.Trace.ToString());
                }
            }
        }
    }

    [Fact]
    public async Task An_empty_or_absent_collection_runs_the_body_no_time()
    {
        var desk = new LineDesk();
        var flow = new ForeachLinesFlow(desk);

        Assert.Equal("total=0", (await flow.RunAsync(new LinesRequest([]))).Value);
        Assert.Equal("total=0", (await flow.RunAsync(new LinesRequest(null!))).Value);
        Assert.Empty(desk.Calls);
    }

    [Fact]
    public async Task A_failed_item_fails_the_run_at_its_node_and_a_resume_starts_again_at_that_item()
    {
        var desk = new LineDesk { FailuresLeft = 1 };
        var flow = new ForeachLinesFlow(desk);
        var state = new ForeachLinesFlow.State(new LinesRequest([new("a", 1, 10), new("b", 0, 5), new("c", 3, 1)]));

        var failed = await flow.RunAsync(state);

        Assert.False(failed.IsSuccess);
        Assert.Equal("Lines/Reserve", failed.Error!.NodeId);
        Assert.Contains("nothing to reserve for b", failed.Error.Message);

        var resumed = await flow.ResumeAsync(state);

        Assert.True(resumed.IsSuccess, resumed.ToString());
        Assert.Equal("total=13", resumed.Value); // a's 10 kept from the first run, b's 0, c's 3
        Assert.Equal(["reserve 0:a", "reserve 1:b", "reserve 1:b", "reserve 2:c"], desk.Calls.Where(c => c.StartsWith("reserve", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task With_strict_mode_false_a_failed_item_ends_its_own_body_and_the_next_item_runs()
    {
        var desk = new LineDesk();
        var result = await new ForeachLenientFlow(desk).RunAsync(new LinesRequest([new("a", 1, 10), new("b", 0, 5), new("c", 3, 1)]),
            new FlowRunOptions { Tracking = TrackingMode.Node });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("total=13", result.Value); // b's body stopped at its reserve: its Add did not run
        Assert.Equal(["reserve 0:a", "reserve 1:b", "reserve 2:c"], desk.Calls);
        Assert.Contains(result.Trace!.Nodes, n => n.NodeId == "LenientEach" && n.Outcome == "ignored");
    }

    [Fact]
    public async Task A_parallel_foreach_runs_items_together_up_to_its_bound_each_on_a_copy_of_the_bus()
    {
        var desk = new LineDesk();
        var lines = Enumerable.Range(0, 7).Select(i => new OrderLine("s" + i, 1, 1)).ToList();

        var result = await new ForeachParallelFlow(desk).RunAsync(new LinesRequest(lines));

        Assert.True(result.IsSuccess, result.ToString());
        // Each item's var.held stayed on its copy of the bus: the flow's own var.held was never written.
        Assert.Equal("held=7 last=none", result.Value);
        Assert.Equal(3, desk.MostAtOnce);
    }

    [Fact]
    public async Task A_parallel_foreach_fails_the_run_with_the_first_failed_items_error()
    {
        var desk = new LineDesk();
        var lines = new List<OrderLine> { new("a", 1, 1), new("b", 1, 1), new("bad", 0, 1), new("d", 1, 1) };

        var result = await new ForeachParallelFlow(desk).RunAsync(new LinesRequest(lines), new FlowRunOptions { Tracking = TrackingMode.Node });

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.TaskFailed, result.Error!.Code);
        Assert.Equal("HoldEach/Hold", result.Error.NodeId);
        Assert.Contains("nothing to hold for bad", result.Error.Message);
        Assert.Contains(result.Trace!.Nodes, n => n.NodeId == "HoldEach/Hold" && n.Outcome == "failed");
    }

    [Fact]
    public void Each_flow_carries_its_picture_as_a_mermaid_flowchart()
    {
        Assert.StartsWith("flowchart TD", ForeachLinesFlow.Mermaid, StringComparison.Ordinal);
        Assert.Contains("Lines: foreach line in req.lines", ForeachLinesFlow.Mermaid, StringComparison.Ordinal);
        Assert.Contains("HoldEach: foreach line in req.lines, 3 at once", ForeachParallelFlow.Mermaid, StringComparison.Ordinal);
        Assert.Contains("subgraph", ForeachFluentFlow.Mermaid, StringComparison.Ordinal);
        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", ForeachLinesFlow.Svg, StringComparison.Ordinal);
        Assert.Contains("Lines: foreach line in", ForeachLinesFlow.Svg, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trace_is_drawn_on_its_flows_picture_with_outcomes_and_times()
    {
        var state = new ForeachLinesFlow.State(new LinesRequest([new("a", 1, 10), new("b", 0, 5)]));
        var failed = await new ForeachLinesFlow(new LineDesk { FailuresLeft = 1 }).RunAsync(state, new FlowRunOptions { Tracking = TrackingMode.Node });

        var picture = failed.Trace!.ToMermaid();

        Assert.StartsWith("flowchart TD", picture, StringComparison.Ordinal);
        var reserve = "n" + Array.IndexOf(Enum.GetNames<ForeachLinesFlow.Node>(), nameof(ForeachLinesFlow.Node.Lines_Reserve));
        Assert.Contains($"  class {reserve} failed", picture, StringComparison.Ordinal);  // its last run (line b) failed
        Assert.Contains(" ms ×2\"]", picture, StringComparison.Ordinal);                  // it ran twice: its total time and count
        Assert.Contains("classDef failed", picture, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => new FlowTrace("by-hand").ToMermaid());

        var svg = System.Xml.Linq.XDocument.Parse(failed.Trace.ToSvg());
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        var group = svg.Descendants(ns + "g").Single(g => (string?)g.Attribute("id") == reserve);
        Assert.Equal("failed", (string?)group.Attribute("class"));
        Assert.Contains(" ms ×2", group.Element(ns + "title")!.Value, StringComparison.Ordinal);
        Assert.Single(svg.Descendants(ns + "style"));
    }
}
