using System.ComponentModel;

namespace FlowGen.Durable;

/// <summary>Turns the end of a durable step (a run that waited, ended, failed or was suspended) into a <see cref="DurableStep"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DurableSteps
{
    /// <summary>Where the instance is after a step, and the nodes it is at (as indexes).</summary>
    public readonly record struct StepOutcome(FlowInstanceStatus Status, int[] At);

    /// <summary>Where a finished step leaves the instance.</summary>
    public static StepOutcome Outcome(FlowContext state, FlowError? error)
    {
        if (state.EndedByTask) return new(FlowInstanceStatus.Completed, []);
        if (error is null)
            return state.WaitingNode >= 0 ? new(FlowInstanceStatus.Waiting, [state.WaitingNode]) : new(FlowInstanceStatus.Completed, []);
        // A failure (or a task's suspend): the nodes a resume enters again. A wait another parallel branch had reached
        // is one of them: the resume waits there again, instead of ending without that branch.
        var nodes = state.ContinueNodes();
        if (state.WaitingNode >= 0 && Array.IndexOf(nodes, state.WaitingNode) < 0) nodes = [.. nodes, state.WaitingNode];
        return new(state.SuspendedByTask ? FlowInstanceStatus.Suspended : FlowInstanceStatus.Failed, nodes);
    }

    /// <summary>The step, with the saved state.</summary>
    public static DurableStep Make(FlowContext state, StepOutcome outcome, byte[] saved, string[]?[] waitEvents, object? result, FlowTrace? trace, string? caught)
    {
        string[] nodes;
        if (outcome.At.Length == 1)
        {
            nodes = state.NodeIdArray(outcome.At[0]);
        }
        else
        {
            nodes = new string[outcome.At.Length];
            for (var i = 0; i < nodes.Length; i++) nodes[i] = state.NodeIdAt(outcome.At[i]);
        }
        var waiting = outcome.Status == FlowInstanceStatus.Waiting;
        return new DurableStep
        {
            Status = outcome.Status,
            State = saved,
            Nodes = nodes,
            Events = waiting ? waitEvents[outcome.At[0]] ?? [] : [],
            DueAt = waiting ? state.WaitDue : null,
            Error = outcome.Status is FlowInstanceStatus.Failed or FlowInstanceStatus.Suspended ? state.Error : null,
            Result = outcome.Status == FlowInstanceStatus.Completed ? result : null,
            Trace = trace,
            Caught = caught,
            Published = state.TakeOutbox(),
        };
    }
}
