using System.Text.Json.Serialization;
using FlowGen.Durable;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

[FlowEvent("order_start")]
public sealed record OrderStart(string UserId, int A, int B);

[FlowEvent("compute_request")]
public sealed record ComputeRequest(string UserId, int A, int B);

[FlowEvent("compute_result")]
public sealed record ComputeResult(string UserId, int Sum);

[FlowComponent("report-actions")]
public sealed class ReportActions
{
    public System.Collections.Concurrent.ConcurrentQueue<int> Totals { get; } = new();

    [FlowTask("report_total")]
    public void Report(int total) => Totals.Enqueue(total);
}

[Flow("order_parent")] public sealed partial class OrderParentFlow : IFlow<OrderStart, string>;

[Flow("adder")] public sealed partial class AdderFlow : IFlow<ComputeRequest, string>;

[Flow("publish-order")] public sealed partial class PublishOrderFlow : IFlow<OrderStart, string>;

[JsonSerializable(typeof(OrderStart))]
[JsonSerializable(typeof(ComputeRequest))]
[JsonSerializable(typeof(ComputeResult))]
internal sealed partial class SendJson : JsonSerializerContext;

/// <summary>Playwell's send between two activities on the durable engine, and a publish step of a request/response flow.</summary>
public sealed class PlaywellSendTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly ReportActions _reports = new();
    private FlowEngine _engine = null!;

    public async Task InitializeAsync()
    {
        var options = new FlowEngineOptions { Clock = _clock };
        options.JsonContexts.Add(SendJson.Default);
        _engine = new FlowEngine([new OrderParentFlow(_reports), new AdderFlow()], new InMemoryFlowStore(), options);
        await _engine.StartAsync();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task A_sent_event_starts_the_child_whose_sent_result_the_parent_receives()
    {
        await _engine.PublishAsync(new FlowEvent("order_start", new OrderStart("u1", 2, 3)));
        await _engine.DrainAsync();
        await _engine.DrainAsync();

        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("adder", "u1"))!.Status);
        Assert.Equal(FlowInstanceStatus.Completed, (await _engine.FindAsync("order_parent", "u1"))!.Status);
        Assert.Equal([5], _reports.Totals);
    }

    [Fact]
    public async Task A_publish_step_of_a_request_response_flow_posts_its_event_to_the_runs_sink()
    {
        var channel = new FlowEventChannel();
        var flow = new PublishOrderFlow();

        var result = await flow.RunAsync(new OrderStart("u9", 4, 5), new FlowRunOptions { Events = channel });
        var without = await flow.RunAsync(new OrderStart("u9", 4, 5));

        Assert.True(result.IsSuccess, result.ToString());
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await using var deliveries = channel.ReadAllAsync(cancel.Token).GetAsyncEnumerator();
        Assert.True(await deliveries.MoveNextAsync());
        Assert.Equal("compute_request", deliveries.Current.Event.Name);
        Assert.Equal(new ComputeRequest("u9", 40, 5), deliveries.Current.Event.Payload);
        Assert.False(without.IsSuccess);
        Assert.Equal("Announce", without.Error!.NodeId);
        Assert.Contains("no FlowRunOptions.Events", without.Error.Message);
    }
}
