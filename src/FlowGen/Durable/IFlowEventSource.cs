using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace FlowGen.Durable;

/// <summary>
/// Where a hosted FlowEngine reads events from: an external transport (a queue, a log, a webhook) implements this.
/// The runner commits each event to the engine's inbox, then acknowledges it to the source, so an event is never
/// lost between the two; a redelivered event with the same id is detected as a duplicate.
/// </summary>
public interface IFlowEventSource
{
    /// <summary>The events, in the order the source delivers them, until the token is cancelled.</summary>
    IAsyncEnumerable<FlowEventDelivery> ReadAllAsync(CancellationToken cancellationToken);
}

/// <summary>An event from a source, with the acknowledgement the runner sends once the event is committed.</summary>
public sealed class FlowEventDelivery(FlowEvent flowEvent, Func<ValueTask>? acknowledge = null)
{
    /// <summary>The event.</summary>
    public FlowEvent Event { get; } = flowEvent ?? throw new ArgumentNullException(nameof(flowEvent));

    /// <summary>Tells the source the event is committed (and may be deleted there).</summary>
    public ValueTask AcknowledgeAsync() => acknowledge?.Invoke() ?? default;
}

/// <summary>
/// The in-process event source: the application writes events here (from a controller, a consumer, a test) and the
/// hosted runner takes them in order. Registered as a singleton by <c>AddDurableFlows</c>.
/// </summary>
public sealed class FlowEventChannel : IFlowEventSource, IFlowEventSink
{
    private readonly Channel<FlowEvent> _channel = Channel.CreateUnbounded<FlowEvent>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Posts an event a flow published (a publish node): written at once (the channel has no bound).</summary>
    public void Post(FlowEvent flowEvent)
    {
        if (!_channel.Writer.TryWrite(flowEvent)) throw new InvalidOperationException($"the event channel is closed: event '{flowEvent.Name}' cannot be posted");
    }

    /// <summary>Queues an event for the engine.</summary>
    public ValueTask WriteAsync(FlowEvent flowEvent, CancellationToken cancellationToken = default) => _channel.Writer.WriteAsync(flowEvent, cancellationToken);

    /// <summary>Queues an event for the engine.</summary>
    public ValueTask WriteAsync(string name, object payload, string? id = null, CancellationToken cancellationToken = default)
        => WriteAsync(new FlowEvent(name, payload, id), cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<FlowEventDelivery> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await _channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (_channel.Reader.TryRead(out var flowEvent)) yield return new FlowEventDelivery(flowEvent);
        }
    }
}

/// <summary>
/// Where request/response runs post the events their publish nodes make (<see cref="FlowRunOptions.Events"/>): a
/// <see cref="FlowEventChannel"/> feeds them to the durable engine's hosted runner. Durable runs hand them to the engine.
/// </summary>
public interface IFlowEventSink
{
    /// <summary>Takes one event; it must not block.</summary>
    void Post(FlowEvent flowEvent);
}
