using System.ComponentModel;

namespace FlowGen;

/// <summary>
/// Continuations for generated node methods. A node whose work finished synchronously goes straight on to the
/// next node, with no async state machine; only a step that is still running pays for one.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FlowSteps
{
    /// <summary>Runs <paramref name="next"/> once <paramref name="step"/> has succeeded (a step returns false when the run failed).</summary>
    public static ValueTask Then<TFlow, TState>(ValueTask<bool> step, TFlow flow, TState state, Func<TFlow, TState, ValueTask> next)
    {
        if (!step.IsCompletedSuccessfully) return ThenAsync(step, flow, state, next);
        return step.Result ? next(flow, state) : default;
    }

    private static async ValueTask ThenAsync<TFlow, TState>(ValueTask<bool> step, TFlow flow, TState state, Func<TFlow, TState, ValueTask> next)
    {
        if (await step.ConfigureAwait(false)) await next(flow, state).ConfigureAwait(false);
    }
}
