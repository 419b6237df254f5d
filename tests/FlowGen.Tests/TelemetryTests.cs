using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using FlowGen;
using Xunit;

namespace FlowGen.Tests;

[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryCollection;

// The ActivitySource and Meter "FlowGen", read with real listeners (as OpenTelemetry's SDK reads them). These
// tests run alone, so that no other test's runs reach the listeners.
[Collection(nameof(TelemetryTests))]
public sealed class TelemetryTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();

    public TelemetryTests()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == FlowTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => _spans.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(_activities);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == FlowTelemetry.Name) listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Measured(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Measured(instrument, value, tags));
        _meters.Start();
    }

    private void Measured(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags) copy[tag.Key] = tag.Value;
        _measurements.Enqueue((instrument.Name, value, copy));
    }

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }

    [Fact]
    public async Task A_run_is_one_span_with_its_flow_request_and_outcome()
    {
        var result = await new EqParallelFluent(new EqTasks(new Recorder())).RunAsync(new EqRequest(10, []), new FlowRunOptions { RequestId = "req-1" });

        Assert.True(result.IsSuccess, result.ToString());
        var span = Assert.Single(_spans);
        Assert.Equal("flow eq-parallel-fluent", span.DisplayName);
        Assert.Equal("eq-parallel-fluent", span.GetTagItem(FlowTelemetry.Tags.FlowId));
        Assert.Equal("req-1", span.GetTagItem(FlowTelemetry.Tags.RequestId));
        Assert.Equal(EqParallelFluent.FlowVersion, span.GetTagItem(FlowTelemetry.Tags.FlowVersion));
        Assert.Equal("success", span.GetTagItem(FlowTelemetry.Tags.Outcome));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.True(span.Duration >= TimeSpan.FromMilliseconds(5)); // part-b waits 5 ms
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_run_span_is_a_child_of_the_callers_span_and_never_stays_current_in_the_callers_code(bool completesAsynchronously)
    {
        // The caller's own span, as an ASP.NET Core request would have.
        using var callerSource = new ActivitySource("FlowGen.Tests.Caller");
        using var callerListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == callerSource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(callerListener);
        using var request = callerSource.StartActivity("request")!;
        Assert.Same(request, Activity.Current);

        // part-b of the parallel flow awaits 5 ms (the run ends on another thread); the choice flow's tasks are synchronous.
        var result = completesAsynchronously
            ? await new EqParallelFluent(new EqTasks(new Recorder())).RunAsync(new EqRequest(10, []))
            : await new EqChoiceBpmn(new EqTasks(new Recorder())).RunAsync(new EqRequest(10, []));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Same(request, Activity.Current);
        var run = Assert.Single(_spans);
        Assert.Equal(request.SpanId, run.ParentSpanId);
        Assert.Equal(request.TraceId, run.TraceId);
        // The caller's next span is the request's child, not the ended run's.
        using var next = callerSource.StartActivity("next")!;
        Assert.Equal(request.SpanId, next.ParentSpanId);
    }

    [Theory]
    [InlineData(10, "f5", "Small")]
    [InlineData(500, "f3", "Big")]
    [InlineData(-1, "f4", "Bad")]
    public async Task A_gateways_decision_is_an_event_on_the_run_span_with_the_flow_it_took(int amount, string flow, string target)
    {
        await new EqChoiceBpmn(new EqTasks(new Recorder())).RunAsync(new EqRequest(amount, []));

        var span = Assert.Single(_spans);
        var decision = Assert.Single(span.Events, e => e.Name == "gateway Level");
        var tags = decision.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("Level", tags[FlowTelemetry.Tags.NodeId]);
        Assert.Equal(flow, tags[FlowTelemetry.Tags.FlowsTaken]);
        Assert.Equal(target, tags[FlowTelemetry.Tags.TakenTo]);
    }

    [Fact]
    public async Task An_inclusive_gateways_decision_lists_every_flow_it_took()
    {
        // inclusive.bpmn: Gateway_Split takes Flow_Coupon when req.amount > 10 and Flow_Sms when req.source == 'app'.
        var result = await new OrderInclusiveFlow(new Extras(new Recorder())).RunAsync(new OrderRequest(50, "app"));

        Assert.True(result.IsSuccess, result.ToString());
        var decision = Assert.Single(Assert.Single(_spans).Events, e => e.Name == "gateway Gateway_Split");
        var tags = decision.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("Flow_Coupon,Flow_Sms", tags[FlowTelemetry.Tags.FlowsTaken]);
        Assert.Equal("Task_Coupon,Task_Sms", tags[FlowTelemetry.Tags.TakenTo]);
    }

    [Fact]
    public async Task With_TraceTasks_each_task_is_a_child_span_with_its_node_and_outcome()
    {
        var result = await new EqParallelFluent(new EqTasks(new Recorder())).RunAsync(new EqRequest(10, []), new FlowRunOptions { TraceTasks = true });

        Assert.True(result.IsSuccess, result.ToString());
        var run = Assert.Single(_spans, s => s.DisplayName.StartsWith("flow ", StringComparison.Ordinal));
        var tasks = _spans.Where(s => s.DisplayName.StartsWith("task ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["A", "B", "C", "Sum"], tasks.Select(t => (string)t.GetTagItem(FlowTelemetry.Tags.NodeId)!).Order());
        Assert.All(tasks, t => Assert.Equal(run.SpanId, t.ParentSpanId));
        Assert.All(tasks, t => Assert.Equal(run.TraceId, t.TraceId));
        Assert.Equal("Flaky", tasks.Single(t => (string?)t.GetTagItem(FlowTelemetry.Tags.NodeId) == "C").GetTagItem(FlowTelemetry.Tags.NodeName));
        Assert.All(tasks, t => Assert.Equal("success", t.GetTagItem(FlowTelemetry.Tags.Outcome)));
    }

    [Fact]
    public async Task A_failed_run_marks_its_span_and_counts_the_failure_by_code()
    {
        var result = await new EqChoiceBpmn(new EqTasks(new Recorder())).RunAsync(new EqRequest(-1, []));

        Assert.False(result.IsSuccess);
        var span = Assert.Single(_spans);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("BAD_AMOUNT", span.GetTagItem(FlowTelemetry.Tags.ErrorCode));
        Assert.Equal("Bad", span.GetTagItem(FlowTelemetry.Tags.NodeId));
        var failure = Assert.Single(_measurements, m => m.Instrument == "flowgen.failures");
        Assert.Equal(1, failure.Value);
        Assert.Equal("BAD_AMOUNT", failure.Tags[FlowTelemetry.Tags.ErrorCode]);
        Assert.Equal("eq-choice-bpmn", failure.Tags[FlowTelemetry.Tags.FlowId]);
    }

    [Fact]
    public async Task Runs_are_counted_and_timed_by_flow_and_outcome()
    {
        var flow = new EqChoiceJson(new EqTasks(new Recorder()));
        await flow.RunAsync(new EqRequest(500, []));
        await flow.RunAsync(new EqRequest(5, []));
        await flow.RunAsync(new EqRequest(-5, []));

        var runs = _measurements.Where(m => m.Instrument == "flowgen.runs").ToList();
        Assert.Equal(3, runs.Count);
        Assert.Equal(2, runs.Count(r => (string?)r.Tags[FlowTelemetry.Tags.Outcome] == "success"));
        Assert.All(runs, r => Assert.Equal("eq-choice-json", r.Tags[FlowTelemetry.Tags.FlowId]));
        var durations = _measurements.Where(m => m.Instrument == "flowgen.run.duration").ToList();
        Assert.Equal(3, durations.Count);
        Assert.All(durations, d => Assert.InRange(d.Value, 0, 60_000));
    }
}

// Tracking modes (Kstry's NONE, NODE, SERVICE, SERVICE_DETAIL, ALL), the trace hook and the JSON form.
public sealed class TrackingTests
{
    [Fact]
    public async Task Service_detail_records_each_tasks_service_inputs_and_outputs()
    {
        var result = await new EqChoiceBpmn(new EqTasks(new Recorder())).RunAsync(new EqRequest(500, []), new FlowRunOptions { Tracking = TrackingMode.ServiceDetail });

        var classify = Assert.Single(result.Trace!.Nodes, n => n.NodeId == "Classify");
        Assert.Equal("eq/classify", classify.Service);
        Assert.Equal("request", Assert.Single(classify.Inputs!).Key);
        Assert.Equal(new KeyValuePair<string, object?>("sta.level", "big"), Assert.Single(classify.Outputs!));
        var big = Assert.Single(result.Trace.Nodes, n => n.NodeId == "Big");
        Assert.Equal(new KeyValuePair<string, object?>("level", "big"), Assert.Single(big.Inputs!));
        Assert.Equal(new KeyValuePair<string, object?>("res", "big:big"), Assert.Single(big.Outputs!));
        Assert.Contains("out: res=big:big", result.Trace.ToString());
    }

    [Fact]
    public async Task A_trace_names_the_version_of_the_flow_that_ran()
    {
        var result = await new EqChoiceBpmn(new EqTasks(new Recorder())).RunAsync(new EqRequest(5, []), new FlowRunOptions { Tracking = TrackingMode.Node });

        Assert.Matches("^[0-9a-f]{16}$", EqChoiceBpmn.FlowVersion);
        // The same flow written in JSON under another id: the same structure, so the same version (ids are names).
        Assert.Equal(EqChoiceJson.FlowVersion, EqChoiceBpmn.FlowVersion);
        Assert.NotEqual(EqParallelBpmn.FlowVersion, EqChoiceBpmn.FlowVersion);
        Assert.Equal(EqChoiceBpmn.FlowVersion, result.Trace!.FlowVersion);
        Assert.StartsWith($"flow eq-choice-bpmn (version {EqChoiceBpmn.FlowVersion}):", result.Trace.ToString());
        Assert.Contains($"\"flowVersion\": \"{EqChoiceBpmn.FlowVersion}\"", result.Trace.ToJson());
    }

    [Theory]
    [InlineData(TrackingMode.Node, false, false)]
    [InlineData(TrackingMode.Service, true, false)]
    [InlineData(TrackingMode.All, true, true)]
    public async Task Each_mode_records_what_it_promises(TrackingMode mode, bool services, bool details)
    {
        var result = await new EqChoiceJson(new EqTasks(new Recorder())).RunAsync(new EqRequest(5, []), new FlowRunOptions { Tracking = mode });

        Assert.Equal(["Classify", "Small"], result.Trace!.Nodes.Select(n => n.NodeId));
        Assert.All(result.Trace.Nodes, n => Assert.Equal(services, n.Service is not null));
        Assert.All(result.Trace.Nodes, n => Assert.Equal(details, n.Inputs is not null));
    }

    [Fact]
    public async Task No_tracking_records_nothing()
    {
        var result = await new EqChoiceJson(new EqTasks(new Recorder())).RunAsync(new EqRequest(5, []));

        Assert.Null(result.Trace);
    }

    [Fact]
    public async Task The_hook_receives_the_finished_trace_of_failed_runs_too_and_it_reads_as_json()
    {
        FlowTrace? received = null;
        var options = new FlowRunOptions { Tracking = TrackingMode.ServiceDetail, RequestId = "r-7", TraceCompleted = trace => received = trace };

        var result = await new EqChoiceBpmn(new EqTasks(new Recorder())).RunAsync(new EqRequest(-3, []), options);

        Assert.False(result.IsSuccess);
        Assert.Same(result.Trace, received);
        using var json = System.Text.Json.JsonDocument.Parse(received!.ToJson());
        Assert.Equal("eq-choice-bpmn", json.RootElement.GetProperty("flowId").GetString());
        Assert.Equal("r-7", json.RootElement.GetProperty("requestId").GetString());
        var node = json.RootElement.GetProperty("nodes")[0];
        Assert.Equal("Classify", node.GetProperty("nodeId").GetString());
        Assert.Equal("eq/classify", node.GetProperty("service").GetString());
        Assert.Equal("success", node.GetProperty("outcome").GetString());
        Assert.Equal("bad", node.GetProperty("outputs").GetProperty("sta.level").GetString());
    }
}
