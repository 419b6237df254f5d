using System.ComponentModel;

namespace FlowGen;

/// <summary>How an iterated task (ite-source) treats its items' failures.</summary>
public enum IterationStrategy
{
    /// <summary>Every item must succeed; the first failure fails the task.</summary>
    All,

    /// <summary>As many items as possible: failures are recorded in <see cref="FlowContext.IterationFailures"/>, the successes kept.</summary>
    Best,

    /// <summary>One success is enough: the first success ends the iteration.</summary>
    Any,
}

/// <summary>An item of an iterated task that failed under <see cref="IterationStrategy.Best"/>.</summary>
/// <param name="NodeId">The iterated task.</param>
/// <param name="ItemIndex">The item's position in the source.</param>
/// <param name="Exception">What the task threw for it.</param>
public sealed record IterationFailure(string NodeId, int ItemIndex, Exception Exception);

/// <summary>An iterated task failed: an item failed under <c>all</c>, or none succeeded under <c>any</c>.</summary>
public sealed class FlowIterationException(string message, int itemIndex, Exception? inner) : Exception(message, inner)
{
    /// <summary>The failing item's position, or -1 when no item succeeded.</summary>
    public int ItemIndex { get; } = itemIndex;
}

/// <summary>
/// Runs a task once per item of its <c>ite-source</c>: one at a time, or (ite-async) several at a time with
/// a bounded degree of parallelism. Results keep the items' order, whatever order they complete in.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FlowIteration
{
    /// <summary>The degree of parallelism of an ite-async task when neither the flow file nor the run sets one.</summary>
    public const int StandardParallelism = 8;

    public static async ValueTask<IReadOnlyList<TResult>> RunAsync<TItem, TResult>(
        FlowContext context,
        int node,
        IEnumerable<TItem>? source,
        IterationStrategy strategy,
        int parallelism,
        Func<TItem, CancellationToken, ValueTask<TResult>> call,
        CancellationToken cancellationToken)
    {
        var items = source is null ? [] : source as IReadOnlyList<TItem> ?? source.ToList();
        if (items.Count == 0)
        {
            if (strategy == IterationStrategy.Any) throw new FlowIterationException("the iteration source is empty, so no item could succeed", -1, null);
            return [];
        }

        var results = new TResult[items.Count];
        var succeeded = new bool[items.Count];
        Exception? lastFailure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task RunItem(int index)
        {
            try
            {
                results[index] = await call(items[index], stop.Token).ConfigureAwait(false);
                succeeded[index] = true;
                if (strategy == IterationStrategy.Any) stop.Cancel(); // one success is enough
            }
            // An item cancelled because another already decided the iteration is no failure of its own.
            catch (Exception exception) when (!(exception is OperationCanceledException && stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
            {
                lastFailure = exception;
                switch (strategy)
                {
                    case IterationStrategy.All:
                        stop.Cancel();
                        throw new FlowIterationException($"item {index} failed: {exception.Message}", index, exception);
                    case IterationStrategy.Best:
                        context.RecordIterationFailure(node, index, exception);
                        break;
                }
            }
        }

        if (parallelism <= 1)
        {
            for (var i = 0; i < items.Count && !(strategy == IterationStrategy.Any && i > 0 && succeeded[i - 1]); i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await RunItem(i).ConfigureAwait(false);
            }
        }
        else
        {
            using var slots = new SemaphoreSlim(parallelism);
            var running = new Task[items.Count];
            for (var i = 0; i < items.Count; i++)
            {
                var index = i;
                running[i] = Task.Run(async () =>
                {
                    await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                    try { await RunItem(index).ConfigureAwait(false); }
                    finally { slots.Release(); }
                });
            }
            try
            {
                await Task.WhenAll(running).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && strategy == IterationStrategy.Any)
            {
                // Items that never started because one had already succeeded.
            }
            catch when (strategy == IterationStrategy.All)
            {
                // The first item's failure in item order, not in completion order.
                var failed = running.Select((t, i) => (t, i)).FirstOrDefault(p => p.t.Exception?.InnerException is FlowIterationException);
                throw failed.t?.Exception?.InnerException ?? running.First(t => t.IsFaulted || t.IsCanceled).Exception?.InnerException ?? new OperationCanceledException(cancellationToken);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (strategy == IterationStrategy.Any)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (succeeded[i]) return [results[i]];
            }
            throw new FlowIterationException($"no item succeeded; the last failure: {lastFailure?.Message}", -1, lastFailure);
        }
        if (strategy == IterationStrategy.Best)
        {
            var kept = new List<TResult>(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                if (succeeded[i]) kept.Add(results[i]);
            }
            return kept;
        }
        return results;
    }
}
