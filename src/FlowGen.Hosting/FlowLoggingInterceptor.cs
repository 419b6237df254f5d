using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace FlowGen.Hosting;

/// <summary>
/// Logs every task and subprocess of every flow through ILogger (source-generated LoggerMessage methods), and
/// opens a logging scope around each with the flow id, node id and the run's request id, so that what the task
/// itself logs carries them too.
/// </summary>
public sealed partial class FlowLoggingInterceptor(ILogger<FlowLoggingInterceptor> logger) : FlowInterceptor
{
    private readonly ConditionalWeakTable<FlowInterception, IDisposable> _scopes = new();

    /// <summary>Outermost, so that the scope covers the other interceptors too.</summary>
    public override int Order => int.MinValue;

    /// <inheritdoc />
    public override ValueTask<bool> BeforeAsync(FlowInterception interception, CancellationToken cancellationToken)
    {
        // Not an async method: the scope it opens (an AsyncLocal) stays in effect for the task that follows.
        if (logger.BeginScope(new RunScope(interception.Run.FlowId, interception.NodeId, interception.Run.RequestId)) is { } scope)
            _scopes.AddOrUpdate(interception, scope);
        NodeStarting(logger, interception.Run.FlowId, interception.NodeId, interception.Run.RequestId);
        return new ValueTask<bool>(true);
    }

    /// <inheritdoc />
    public override ValueTask AfterAsync(FlowInterception interception, CancellationToken cancellationToken)
    {
        NodeCompleted(logger, interception.Run.FlowId, interception.NodeId, interception.Run.RequestId);
        return default;
    }

    /// <inheritdoc />
    public override ValueTask ErrorAsync(FlowInterception interception, FlowError error, CancellationToken cancellationToken)
    {
        NodeFailed(logger, error.Exception, interception.Run.FlowId, interception.NodeId, interception.Run.RequestId, error.Code, error.Message);
        return default;
    }

    /// <inheritdoc />
    public override ValueTask FinallyAsync(FlowInterception interception, CancellationToken cancellationToken)
    {
        if (_scopes.TryGetValue(interception, out var scope))
        {
            _scopes.Remove(interception);
            scope.Dispose();
        }
        return default;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Flow {FlowId}: node {NodeId} starting (request {RequestId})")]
    private static partial void NodeStarting(ILogger logger, string flowId, string nodeId, string requestId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Flow {FlowId}: node {NodeId} completed (request {RequestId})")]
    private static partial void NodeCompleted(ILogger logger, string flowId, string nodeId, string requestId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Flow {FlowId}: node {NodeId} failed (request {RequestId}): {ErrorCode} {ErrorMessage}")]
    private static partial void NodeFailed(ILogger logger, Exception? exception, string flowId, string nodeId, string requestId, string errorCode, string errorMessage);

    /// <summary>The logging scope's state: FlowId, NodeId and RequestId as named values (structured logging reads them).</summary>
    private sealed class RunScope(string flowId, string nodeId, string requestId) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 3;

        public KeyValuePair<string, object> this[int index] => index switch
        {
            0 => new("FlowId", flowId),
            1 => new("NodeId", nodeId),
            2 => new("RequestId", requestId),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"flow {flowId}, node {nodeId}, request {requestId}";
    }
}
