using FlowGen.Durable;
using Orleans.Concurrency;

namespace FlowGen.Orleans;

/// <summary>
/// One durable instance's place on the cluster: the grain of a flow and correlation key (<see cref="FlowGrainKeys"/>).
/// Orleans keeps one activation of it in the cluster and runs its calls one at a time, which is what the embedded engine's
/// mailbox does for the key; it moves to another silo when its silo dies.
/// </summary>
public interface IFlowInstanceGrain : IGrainWithStringKey
{
    /// <summary>Runs a piece of the instance's work with the silo's engine (<see cref="FlowEngine.RunWorkAsync"/>).</summary>
    Task<FlowWorkResultMessage> RunAsync(FlowWorkMessage work);
}

/// <summary>
/// The grain: it holds nothing between calls (the instance is in the store every silo shares), and runs each piece of
/// work with the engine of the silo it is on, the same steps as the embedded engine (<see cref="FlowEngine.RunWorkAsync"/>).
/// </summary>
public sealed class FlowInstanceGrain(FlowEngine engine) : Grain, IFlowInstanceGrain
{
    /// <inheritdoc />
    public async Task<FlowWorkResultMessage> RunAsync(FlowWorkMessage work)
    {
        var result = await engine.RunWorkAsync(work.ToWork()).ConfigureAwait(true);
        // This silo has no build of the instance's version (a cluster upgraded one silo at a time): the activation goes,
        // so that the dispatcher's next try activates the grain again, maybe on a silo that has the build.
        if (result.Status == FlowWorkStatus.Deferred) DeactivateOnIdle();
        return FlowWorkResultMessage.From(result);
    }
}

/// <summary>
/// Takes events from outside the cluster (an Orleans client, another service): <c>client.GetGrain&lt;IFlowEventGateway&gt;(0)</c>
/// publishes on whichever silo takes the call. A stateless worker: every silo has activations, no call waits for another.
/// </summary>
public interface IFlowEventGateway : IGrainWithIntegerKey
{
    /// <summary>
    /// Publishes an event whose payload is UTF-8 JSON (read with the engine's JSON contexts) and returns when it has been
    /// applied. Give events an id and publish again after a failure: the inbox takes an id once, and a pending one is
    /// applied before the call returns.
    /// </summary>
    Task<FlowPublishResult> PublishAsync(string name, byte[] payload, string? id, DateTimeOffset? time);
}

/// <summary>The gateway grain: <see cref="FlowEngine.PublishJsonAsync"/> on the silo that takes the call.</summary>
[StatelessWorker]
public sealed class FlowEventGateway(FlowEngine engine) : Grain, IFlowEventGateway
{
    /// <inheritdoc />
    public async Task<FlowPublishResult> PublishAsync(string name, byte[] payload, string? id, DateTimeOffset? time)
        => await engine.PublishJsonAsync(name, payload, id, time).ConfigureAwait(true);
}

/// <summary>The grain key of a flow and correlation key: the flow id's length, the flow id, then the key (any characters in either).</summary>
public static class FlowGrainKeys
{
    /// <summary>"<c>12:order-review/o-1</c>" for flow "order-review" and key "o-1".</summary>
    public static string Of(string flowId, string key) => flowId.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + flowId + "/" + key;
}
