using FlowGen.Durable;
using Microsoft.Extensions.Logging;

namespace FlowGen.Orleans;

/// <summary>
/// Sends each piece of an instance's work to the grain of its flow and key, wherever on the cluster it is. A call that
/// fails because a silo died or is leaving (its grains move) is sent again, with a growing pause, until
/// <see cref="OrleansFlowOptions.DispatchTimeout"/>: the work is idempotent (an event applied already is skipped by the
/// instance's inbox sequence, a timer that moved on does nothing), so sending it twice is safe.
/// </summary>
public sealed class OrleansFlowWorkDispatcher(IGrainFactory grains, OrleansFlowOptions options, ILogger<OrleansFlowWorkDispatcher> logger) : IFlowWorkDispatcher
{
    /// <inheritdoc />
    public async Task<FlowWorkResult> DispatchAsync(FlowWork work, CancellationToken cancellationToken = default)
    {
        var grain = grains.GetGrain<IFlowInstanceGrain>(FlowGrainKeys.Of(work.FlowId, work.Key));
        var deadline = DateTime.UtcNow + options.DispatchTimeout;
        var pause = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Until the deadline, a silo without the build of the instance's version defers the work (and its
                // activation goes); the last try lets it suspend the instance, as the embedded engine does.
                var mayDefer = DateTime.UtcNow < deadline;
                var result = (await grain.RunAsync(FlowWorkMessage.From(work with { MayDefer = mayDefer })).WaitAsync(options.CallTimeout, cancellationToken).ConfigureAwait(false)).ToResult();
                if (result.Status != FlowWorkStatus.Deferred || !mayDefer) return result;
                logger.LogDebug("FlowGen: {Kind} for {Flow}/{Key} deferred by a silo without the build of its version (attempt {Attempt}); sending it again", work.Kind, work.FlowId, work.Key, attempt);
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 2000));
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested && DateTime.UtcNow < deadline && IsTransient(exception))
            {
                logger.LogDebug(exception, "FlowGen: {Kind} for {Flow}/{Key} failed (attempt {Attempt}); sending it again", work.Kind, work.FlowId, work.Key, attempt);
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 2000));
            }
        }
    }

    // A silo that died or is leaving, a call that timed out, a message the cluster refused while it changed.
    private static bool IsTransient(Exception exception)
        => exception is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException or OrleansException or System.Net.Sockets.SocketException or IOException
           || exception.InnerException is { } inner && IsTransient(inner);
}

/// <summary>Settings of durable flows on Orleans (<c>AddOrleansDurableFlows</c>).</summary>
public sealed class OrleansFlowOptions
{
    /// <summary>How long a piece of work is sent again while the cluster changes (a silo died, grains move). Default: 2 minutes.</summary>
    public TimeSpan DispatchTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long one call to a grain may take before it is sent again. A call to a grain on a silo that was just killed
    /// waits this long before it goes to the grain's new activation: the time instances wait after a silo dies. Keep it
    /// above the longest step (tasks included). Default: 10 seconds.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often each silo looks for inbox events left pending (a silo died while it routed them) and routes again those
    /// pending for at least one round. Default: 10 seconds.
    /// </summary>
    public TimeSpan PendingSweep { get; set; } = TimeSpan.FromSeconds(10);
}
