using FlowGen.Durable;
using Xunit;

namespace FlowGen.Orleans.Tests;

/// <summary>What the cluster tests wait for in the store every silo shares (linked into tests/FlowGen.Orleans.ProcessTests too).</summary>
internal static class ClusterWaits
{
    /// <summary>
    /// The instances of a flow once there are <paramref name="count"/> of them and none is waiting any more; fails with their
    /// statuses after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<List<FlowInstance>> EndedAsync(IFlowStore store, string flowId, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            List<FlowInstance> instances = [.. await store.QueryAsync(new FlowInstanceQuery { FlowId = flowId, Limit = 100_000 })];
            if (instances.Count == count && instances.All(i => i.Status != FlowInstanceStatus.Waiting)) return instances;
            Assert.True(DateTime.UtcNow < deadline,
                $"after {timeout.TotalSeconds:0} s, {count} instances of {flowId} expected ended: {string.Join(", ", instances.GroupBy(i => i.Status).Select(g => $"{g.Count()} {g.Key}"))}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until every inbox event is marked processed (marks are written in batches, within a second).</summary>
    public static async Task NothingPendingAsync(IFlowStore store, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await store.ReadPendingEventsAsync(0, 10) is { Count: > 0 } pending)
        {
            Assert.True(DateTime.UtcNow < deadline, "events still pending in the inbox: " + string.Join(", ", pending.Select(e => e.Id)));
            await Task.Delay(100);
        }
    }
}
