using System.ComponentModel;
using System.Diagnostics;

namespace FlowGen;

/// <summary>
/// One run of a flow: its options, cancellation, error and trace. Generated flows derive their typed state
/// (request, result and bus values) from it, so a task that takes a <see cref="FlowContext"/> parameter gets
/// the run itself, without an allocation. Members marked as not browsable are for generated code.
/// </summary>
public abstract class FlowContext
{
    private readonly string[] _nodeIds;
    private readonly string?[] _nodeNames;
    private FlowError? _error;
    private int _failedNode = -1;
    private string? _requestId;
    private CancellationToken _callerToken;
    private CancellationTokenSource? _timeout;
    private FlowTrace? _trace;
    private long _runStarted;
    private bool _started;
    private int[] _resumeNodes = [];
    private readonly List<int> _stopped = [];

    /// <param name="flowId">The flow id.</param>
    /// <param name="nodeIds">The flow's node ids, indexed like the generated <c>Node</c> enum.</param>
    /// <param name="nodeNames">The flow's node names, same order.</param>
    protected FlowContext(string flowId, string[] nodeIds, string?[] nodeNames)
    {
        FlowId = flowId;
        _nodeIds = nodeIds;
        _nodeNames = nodeNames;
    }

    /// <summary>The flow id.</summary>
    public string FlowId { get; }

    /// <summary>The options of the current run.</summary>
    public FlowRunOptions Options { get; private set; } = FlowRunOptions.Default;

    /// <summary>The run's id: <see cref="FlowRunOptions.RequestId"/>, or a new one made on first use.</summary>
    public string RequestId => _requestId ??= Options.RequestId ?? Guid.NewGuid().ToString("N");

    /// <summary>The business id of the run, if any.</summary>
    public string? BusinessId => Options.BusinessId;

    /// <summary>Cancelled when the caller cancels or the run's timeout passes.</summary>
    public CancellationToken CancellationToken { get; private set; }

    /// <summary>The error that ended the run, or null.</summary>
    public FlowError? Error => Volatile.Read(ref _error);

    /// <summary>The id of the node that failed, where <c>ResumeAsync</c> continues; null when none failed.</summary>
    public string? FailedNodeId => _failedNode < 0 ? null : _nodeIds[_failedNode];

    /// <summary>The index of the failed node (the generated <c>Node</c> value), or -1.</summary>
    protected int FailedNodeIndex => _failedNode;

    /// <summary>
    /// The nodes a resumed run enters again: the node that failed, and every node that a branch was about to
    /// enter when the failure stopped the run. Empty while the run has not failed.
    /// </summary>
    public IReadOnlyList<string> ResumeNodeIds
    {
        get
        {
            if (_failedNode < 0) return [];
            lock (_stopped) return [_nodeIds[_failedNode], .. _stopped.Select(n => _nodeIds[n])];
        }
    }

    /// <summary>
    /// Prepares a run: options, timeout, tracking. A new run needs a state that has not run yet; a resumed run
    /// (<paramref name="resume"/>) needs a failed one, and enters its <see cref="ResumeNodeIds"/> again. Returns
    /// the <see cref="FlowErrorCodes.InvalidResume"/> error, leaving the state untouched, when neither holds.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public FlowError? BeginRun(FlowRunOptions? options, CancellationToken cancellationToken, bool resume)
    {
        string? problem = null;
        if (resume && _failedNode < 0) problem = "there is nothing to resume: the run has not failed";
        else if (!resume && _started) problem = "this state has run already: create a new state for each run, or resume a failed one";
        if (problem is not null) return new FlowError(FlowErrorCodes.InvalidResume, FlowId, null, null, problem);
        Options = options ?? FlowRunOptions.Default;
        if (resume)
        {
            lock (_stopped)
            {
                _resumeNodes = [_failedNode, .. _stopped];
                _stopped.Clear();
            }
        }
        _started = true;
        _error = null;
        _failedNode = -1;
        _callerToken = cancellationToken;
        if (Options.Timeout is { } timeout)
        {
            _timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _timeout.CancelAfter(timeout);
            CancellationToken = _timeout.Token;
        }
        else
        {
            CancellationToken = cancellationToken;
        }
        if (Options.Tracking != TrackingMode.None)
        {
            _trace = new FlowTrace(FlowId);
            _runStarted = Stopwatch.GetTimestamp();
        }
        else
        {
            _trace = null;
        }
        return null;
    }

    /// <summary>The nodes a resumed run enters (taken once, by the generated <c>ResumeAsync</c>).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int[] TakeResumeNodes()
    {
        var nodes = _resumeNodes;
        _resumeNodes = [];
        return nodes;
    }

    /// <summary>Ends a run: the result on success, else the error.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public FlowResult<T> EndRun<T>(T? result)
    {
        _timeout?.Dispose();
        _timeout = null;
        if (_trace is not null) _trace.Duration = Stopwatch.GetElapsedTime(_runStarted);
        // Cancellation counts only where a node saw it: a run whose last node finished has succeeded.
        var error = Error;
        return error is null ? FlowResult<T>.Success(result, _trace) : FlowResult<T>.Failure(error, _trace);
    }

    /// <summary>False when the run has failed or was cancelled: the node must not start.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool CanRun(int node)
    {
        if (Volatile.Read(ref _error) is null)
        {
            if (!CancellationToken.IsCancellationRequested) return true;
            Fail(node, CancelledError(node));
            return false;
        }
        // The run has stopped: remember where this branch was, so that a resumed run continues it too.
        lock (_stopped) _stopped.Add(node);
        return false;
    }

    /// <summary>A timestamp when tracking, else 0.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public long TaskStarting() => _trace is null ? 0 : Stopwatch.GetTimestamp();

    /// <summary>Records a finished task when tracking.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void TaskCompleted(int node, long started) => Record(node, started, "success");

    /// <summary>Records a task's exception as the run's error (cancellation by the run is reported as such).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void TaskFailed(int node, long started, Exception exception)
    {
        Record(node, started, "failed");
        var error = exception is OperationCanceledException && CancellationToken.IsCancellationRequested
            ? CancelledError(node)
            : new FlowError(FlowErrorCodes.TaskFailed, FlowId, _nodeIds[node], _nodeNames[node],
                $"the task threw {exception.GetType().Name}: {exception.Message}", exception);
        Fail(node, error);
    }

    /// <summary>Ends the run with an error at a node. The first error wins.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Fail(int node, string code, string message, Exception? exception = null)
        => Fail(node, new FlowError(code, FlowId, _nodeIds[node], _nodeNames[node], message, exception));

    private void Fail(int node, FlowError error)
    {
        if (Interlocked.CompareExchange(ref _error, error, null) is null)
        {
            _failedNode = node;
            return;
        }
        // A later failure loses to the first error but its node still has to run again on resume.
        lock (_stopped) _stopped.Add(node);
    }

    private FlowError CancelledError(int? node)
    {
        var timedOut = !_callerToken.IsCancellationRequested && Options.Timeout is not null;
        return new FlowError(
            timedOut ? FlowErrorCodes.FlowTimedOut : FlowErrorCodes.Cancelled,
            FlowId,
            node is null ? null : _nodeIds[node.Value],
            node is null ? null : _nodeNames[node.Value],
            timedOut ? $"the run took longer than its timeout of {Options.Timeout}" : "the run was cancelled by the caller");
    }

    private void Record(int node, long started, string outcome)
    {
        var trace = _trace;
        if (trace is null) return;
        var now = Stopwatch.GetTimestamp();
        trace.Add(new NodeTrace(_nodeIds[node], _nodeNames[node], Stopwatch.GetElapsedTime(_runStarted, started), Stopwatch.GetElapsedTime(started, now), outcome, Environment.CurrentManagedThreadId));
    }
}
