using System.ComponentModel;

namespace FlowGen;

/// <summary>What an interceptor wraps: a task, or a whole subprocess.</summary>
public enum FlowInterceptionKind
{
    /// <summary>A task (or a gateway that calls a service).</summary>
    Task,

    /// <summary>A subprocess or call activity, around all of its nodes.</summary>
    Subprocess,
}

/// <summary>The node an interceptor is called for.</summary>
/// <param name="Run">The run (its flow id, request id, bus and error).</param>
/// <param name="NodeId">The node's id in the flow (inside subprocesses: <c>Call/Inner</c>).</param>
/// <param name="NodeName">The node's name, if any.</param>
/// <param name="Kind">Task or subprocess.</param>
/// <param name="Scopes">The flow id, then the ids of the subprocesses the node runs in (outermost first).</param>
public sealed record FlowInterception(FlowContext Run, string NodeId, string? NodeName, FlowInterceptionKind Kind, IReadOnlyList<string> Scopes);

/// <summary>
/// Runs code around tasks and subprocesses, as Kstry's interceptors do: before (which may skip the node),
/// after a success, on an error, and finally. Register implementations in DI (or pass them to a flow's
/// constructor); they apply to the flows and subprocesses <see cref="Scopes"/> names, in <see cref="Order"/>.
/// </summary>
public interface IFlowInterceptor
{
    /// <summary>Flow ids and subprocess ids this interceptor applies to; empty for every flow.</summary>
    IReadOnlyCollection<string> Scopes { get; }

    /// <summary>Lower runs first (outermost); after, error and finally run in reverse order.</summary>
    int Order { get; }

    /// <summary>Before the node; return false to skip it (the flow goes on as if it had run, without its values).</summary>
    ValueTask<bool> BeforeAsync(FlowInterception interception, CancellationToken cancellationToken);

    /// <summary>After the node succeeded.</summary>
    ValueTask AfterAsync(FlowInterception interception, CancellationToken cancellationToken);

    /// <summary>After the node failed, with the error the run ends with.</summary>
    ValueTask ErrorAsync(FlowInterception interception, FlowError error, CancellationToken cancellationToken);

    /// <summary>After the node, whatever happened (not when <see cref="BeforeAsync"/> was not reached).</summary>
    ValueTask FinallyAsync(FlowInterception interception, CancellationToken cancellationToken);
}

/// <summary>A base class with empty members, so that an interceptor overrides only what it needs.</summary>
public abstract class FlowInterceptor : IFlowInterceptor
{
    /// <inheritdoc />
    public virtual IReadOnlyCollection<string> Scopes => [];

    /// <inheritdoc />
    public virtual int Order => 0;

    /// <inheritdoc />
    public virtual ValueTask<bool> BeforeAsync(FlowInterception interception, CancellationToken cancellationToken) => new(true);

    /// <inheritdoc />
    public virtual ValueTask AfterAsync(FlowInterception interception, CancellationToken cancellationToken) => default;

    /// <inheritdoc />
    public virtual ValueTask ErrorAsync(FlowInterception interception, FlowError error, CancellationToken cancellationToken) => default;

    /// <inheritdoc />
    public virtual ValueTask FinallyAsync(FlowInterception interception, CancellationToken cancellationToken) => default;
}

/// <summary>
/// The interceptors of one flow instance, matched to its nodes once (in the flow's constructor), so that a
/// node with no interceptor pays one null check.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FlowInterceptors
{
    private readonly FlowInterceptorChain?[] _byNode;

    private FlowInterceptors(FlowInterceptorChain?[] byNode) => _byNode = byNode;

    /// <param name="interceptors">The registered interceptors (null or empty: none).</param>
    /// <param name="flow">The flow.</param>
    /// <param name="nodeScopes">For each node: the flow id and the subprocess ids it runs in; null for nodes that cannot be intercepted.</param>
    /// <param name="subprocessNodes">For each node: true for a subprocess node.</param>
    public static FlowInterceptors? Create(IEnumerable<IFlowInterceptor>? interceptors, FlowDescriptor flow, string[]?[] nodeScopes, bool[] subprocessNodes)
    {
        var all = interceptors?.OrderBy(i => i.Order).ToArray() ?? [];
        if (all.Length == 0) return null;
        var byNode = new FlowInterceptorChain?[nodeScopes.Length];
        for (var node = 0; node < nodeScopes.Length; node++)
        {
            if (nodeScopes[node] is not { } scopes) continue;
            var matching = all.Where(i => i.Scopes.Count == 0 || i.Scopes.Any(s => Array.IndexOf(scopes, s) >= 0)).ToArray();
            if (matching.Length > 0)
                byNode[node] = new FlowInterceptorChain(matching, flow.NodeIds[node], flow.NodeNames[node], subprocessNodes[node] ? FlowInterceptionKind.Subprocess : FlowInterceptionKind.Task, scopes);
        }
        return new FlowInterceptors(byNode);
    }

    /// <summary>The interceptors of a node, or null.</summary>
    public FlowInterceptorChain? For(int node) => _byNode[node];
}

/// <summary>The interceptors around one node, outermost first.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FlowInterceptorChain(IFlowInterceptor[] interceptors, string nodeId, string? nodeName, FlowInterceptionKind kind, string[] scopes)
{
    /// <summary>
    /// Runs the node inside the interceptors. Returns false when the node failed (the run's error is set);
    /// true when it succeeded or an interceptor skipped it.
    /// </summary>
    public async ValueTask<bool> RunAsync<TFlow, TState>(TFlow flow, TState state, int node, Func<TFlow, TState, ValueTask<bool>> body)
        where TState : FlowContext
    {
        var interception = new FlowInterception(state, nodeId, nodeName, kind, scopes);
        var token = state.CancellationToken;
        var entered = 0;
        var result = false;
        try
        {
            var skipped = false;
            foreach (var interceptor in interceptors)
            {
                if (!await interceptor.BeforeAsync(interception, token).ConfigureAwait(false))
                {
                    skipped = true;
                    break;
                }
                entered++;
            }
            if (skipped)
            {
                state.NodeSkipped(node);
                result = true;
            }
            else
            {
                var succeeded = await body(flow, state).ConfigureAwait(false);
                for (var i = entered - 1; i >= 0; i--)
                {
                    if (succeeded) await interceptors[i].AfterAsync(interception, token).ConfigureAwait(false);
                    else if (state.Error is { } error) await interceptors[i].ErrorAsync(interception, error, token).ConfigureAwait(false);
                }
                result = succeeded;
            }
        }
        catch (Exception exception)
        {
            // An interceptor that throws fails the node like the task would have.
            state.InterceptorFailed(node, exception);
            result = false;
        }

        for (var i = entered - 1; i >= 0; i--)
        {
            try
            {
                await interceptors[i].FinallyAsync(interception, token).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                state.InterceptorFailed(node, exception);
                result = false;
            }
        }
        return result;
    }
}
