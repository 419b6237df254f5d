using System.ComponentModel;

namespace FlowGen;

/// <summary>
/// Continuations for generated node methods. A node whose work finished synchronously goes straight on to the
/// next node, with no async state machine; only a step that is still running pays for one.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FlowSteps
{
    /// <summary>
    /// Starts a fire-and-forget subflow (<c>await: false</c>) on the thread pool, on <paramref name="copy"/> of the
    /// run's bus made now, and returns at once: the run goes on without waiting for it, and its failure is reported
    /// (FlowRunOptions.DetachedFailed), not the run's.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Detach<TState>(TState state, Func<TState, TState> copy, Func<TState, ValueTask> body) where TState : FlowContext
    {
        var detached = copy(state);
        _ = Task.Run(async () =>
        {
            await body(detached).ConfigureAwait(false);
            detached.EndDetached();
        });
    }

    /// <summary>Runs <paramref name="next"/> once <paramref name="step"/> has succeeded (a step returns false when the run failed).</summary>
    public static ValueTask Then<TFlow, TState>(ValueTask<bool> step, TFlow flow, TState state, Func<TFlow, TState, ValueTask> next)
    {
        if (!step.IsCompletedSuccessfully) return ThenAsync(step, flow, state, next);
        return step.Result ? next(flow, state) : default;
    }

    /// <summary>A step that goes on to the next node itself: its completion, whatever it returned.</summary>
    public static ValueTask Done(ValueTask<bool> step)
    {
        if (step.IsCompletedSuccessfully)
        {
            _ = step.Result;
            return default;
        }
        // An async method's ValueTask<bool> wraps its Task<bool>: waiting on it as a Task allocates nothing more.
        return new ValueTask(step.AsTask());
    }

    private static async ValueTask ThenAsync<TFlow, TState>(ValueTask<bool> step, TFlow flow, TState state, Func<TFlow, TState, ValueTask> next)
    {
        if (await step.ConfigureAwait(false)) await next(flow, state).ConfigureAwait(false);
    }

    /// <summary>A fork's branches: done at once when each finished synchronously, else awaited in order.</summary>
    public static ValueTask WhenAll(ValueTask first, ValueTask second)
    {
        if (!first.IsCompletedSuccessfully || !second.IsCompletedSuccessfully) return AwaitAsync(first, second);
        first.GetAwaiter().GetResult();
        second.GetAwaiter().GetResult();
        return default;
    }

    /// <inheritdoc cref="WhenAll(ValueTask, ValueTask)"/>
    public static ValueTask WhenAll(ValueTask first, ValueTask second, ValueTask third)
    {
        if (!first.IsCompletedSuccessfully || !second.IsCompletedSuccessfully || !third.IsCompletedSuccessfully) return AwaitAsync(first, second, third);
        first.GetAwaiter().GetResult();
        second.GetAwaiter().GetResult();
        third.GetAwaiter().GetResult();
        return default;
    }

    /// <inheritdoc cref="WhenAll(ValueTask, ValueTask)"/>
    public static ValueTask WhenAll(ValueTask first, ValueTask second, ValueTask third, ValueTask fourth)
    {
        if (!first.IsCompletedSuccessfully || !second.IsCompletedSuccessfully || !third.IsCompletedSuccessfully || !fourth.IsCompletedSuccessfully)
            return AwaitAsync(first, second, third, fourth);
        first.GetAwaiter().GetResult();
        second.GetAwaiter().GetResult();
        third.GetAwaiter().GetResult();
        fourth.GetAwaiter().GetResult();
        return default;
    }

    /// <inheritdoc cref="WhenAll(ValueTask, ValueTask)"/>
    public static ValueTask WhenAll(ValueTask[] branches)
    {
        foreach (var branch in branches)
        {
            if (!branch.IsCompletedSuccessfully) return AwaitAsync(branches);
        }
        foreach (var branch in branches) branch.GetAwaiter().GetResult();
        return default;
    }

    private static async ValueTask AwaitAsync(ValueTask[] branches)
    {
        foreach (var branch in branches) await branch.ConfigureAwait(false);
    }

    private static async ValueTask AwaitAsync(ValueTask first, ValueTask second)
    {
        await first.ConfigureAwait(false);
        await second.ConfigureAwait(false);
    }

    private static async ValueTask AwaitAsync(ValueTask first, ValueTask second, ValueTask third)
    {
        await first.ConfigureAwait(false);
        await second.ConfigureAwait(false);
        await third.ConfigureAwait(false);
    }

    private static async ValueTask AwaitAsync(ValueTask first, ValueTask second, ValueTask third, ValueTask fourth)
    {
        await first.ConfigureAwait(false);
        await second.ConfigureAwait(false);
        await third.ConfigureAwait(false);
        await fourth.ConfigureAwait(false);
    }
}
