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

    /// <summary>The items of a foreach's collection, as a list (null: no items).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static IReadOnlyList<TItem> Items<TItem>(IEnumerable<TItem>? source)
        => source is null ? [] : source as IReadOnlyList<TItem> ?? source.ToList();

    /// <summary>
    /// Runs a parallel foreach: up to <paramref name="parallelism"/> items at once on the thread pool, each on its own
    /// state (<paramref name="forItem"/>: a copy of the bus holding the item and its index) through the body. The
    /// first item that fails fails the run (its error, at the node inside the body where it happened): items running
    /// are cancelled through their token and no further item starts.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static async ValueTask ForEachAsync<TState, TItem>(
        TState state,
        int node,
        IReadOnlyList<TItem> items,
        int parallelism,
        CancellationToken cancellationToken,
        Func<TState, TItem, int, CancellationToken, TState> forItem,
        Func<TState, ValueTask> body)
        where TState : FlowContext
    {
        if (items.Count == 0) return;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var next = -1;
        async Task Work()
        {
            for (var index = Interlocked.Increment(ref next); index < items.Count && !stop.IsCancellationRequested; index = Interlocked.Increment(ref next))
            {
                var itemState = forItem(state, items[index], index, stop.Token);
                await body(itemState).ConfigureAwait(false);
                if (!itemState.EndItemOf(state, node)) stop.Cancel();
            }
        }

        var workers = new Task[Math.Min(Math.Max(parallelism, 1), items.Count)];
        for (var w = 0; w < workers.Length; w++) workers[w] = Task.Run(Work);
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

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

        if (parallelism <= 1) return await OneAtATimeAsync(context, node, items, strategy, call, cancellationToken).ConfigureAwait(false);

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

        // A fixed set of workers on the thread pool, each taking the next item until none is left or the
        // iteration is decided (an item failed under all, one succeeded under any, the run was cancelled).
        var next = -1;
        async Task Work()
        {
            for (var index = Interlocked.Increment(ref next); index < items.Count && !stop.IsCancellationRequested; index = Interlocked.Increment(ref next))
                await RunItem(index).ConfigureAwait(false);
        }

        var workers = new Task[Math.Min(parallelism, items.Count)];
        for (var w = 0; w < workers.Length; w++) workers[w] = Task.Run(Work);
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && strategy == IterationStrategy.Any)
        {
            // Items in flight, cancelled because one had already succeeded.
        }
        catch when (strategy == IterationStrategy.All)
        {
            // The first item's failure in item order, not in completion order.
            var first = workers.Select(w => w.Exception?.InnerException).OfType<FlowIterationException>().OrderBy(e => e.ItemIndex).FirstOrDefault();
            throw first ?? workers.First(w => w.IsFaulted || w.IsCanceled).Exception?.InnerException ?? new OperationCanceledException(cancellationToken);
        }
        return Collect(items.Count, results, succeeded, strategy, lastFailure, cancellationToken);
    }

    /// <summary>
    /// Items one after the other: no token source, no task per item, and an item whose call finished synchronously
    /// costs its call and one array store.
    /// </summary>
    private static async ValueTask<IReadOnlyList<TResult>> OneAtATimeAsync<TItem, TResult>(
        FlowContext context, int node, IReadOnlyList<TItem> items, IterationStrategy strategy,
        Func<TItem, CancellationToken, ValueTask<TResult>> call, CancellationToken cancellationToken)
    {
        var results = new TResult[items.Count];
        var succeeded = strategy == IterationStrategy.All ? null : new bool[items.Count];
        Exception? lastFailure = null;
        for (var i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var pending = call(items[i], cancellationToken);
                results[i] = pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                lastFailure = exception;
                if (strategy == IterationStrategy.All) throw new FlowIterationException($"item {i} failed: {exception.Message}", i, exception);
                if (strategy == IterationStrategy.Best) context.RecordIterationFailure(node, i, exception);
                continue;
            }
            if (strategy == IterationStrategy.Any) return [results[i]]; // one success is enough
            if (succeeded is not null) succeeded[i] = true;
        }
        return Collect(items.Count, results, succeeded, strategy, lastFailure, cancellationToken);
    }

    /// <summary>The iteration's value: every result (all), the successes in item order (best), the first success (any).</summary>
    private static IReadOnlyList<TResult> Collect<TResult>(int count, TResult[] results, bool[]? succeeded, IterationStrategy strategy, Exception? lastFailure, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (strategy == IterationStrategy.Any)
        {
            for (var i = 0; i < count; i++)
            {
                if (succeeded![i]) return [results[i]];
            }
            throw new FlowIterationException($"no item succeeded; the last failure: {lastFailure?.Message}", -1, lastFailure);
        }
        if (strategy == IterationStrategy.Best)
        {
            var kept = new List<TResult>(count);
            for (var i = 0; i < count; i++)
            {
                if (succeeded![i]) kept.Add(results[i]);
            }
            return kept;
        }
        return results;
    }
}
