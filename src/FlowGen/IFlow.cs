namespace FlowGen;

/// <summary>A compiled flow: one typed entry point, implemented by generated code.</summary>
/// <typeparam name="TRequest">The request the flow starts with (bus scope <c>req</c>).</typeparam>
/// <typeparam name="TResult">The result the flow produces (bus scope <c>res</c>).</typeparam>
public interface IFlow<in TRequest, TResult>
{
    /// <summary>Runs the flow once. Never throws for a failure inside the flow: the result carries the error.</summary>
    ValueTask<FlowResult<TResult>> RunAsync(TRequest request, FlowRunOptions? options = null, CancellationToken cancellationToken = default);
}
