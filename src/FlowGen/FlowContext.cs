using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Polly.Timeout;

namespace FlowGen;

/// <summary>
/// One run of a flow: its options, cancellation, error and trace. Generated flows derive their typed state
/// (request, result and bus values) from it, so a task that takes a <see cref="FlowContext"/> parameter gets
/// the run itself, without an allocation. Members marked as not browsable are for generated code.
/// </summary>
public abstract class FlowContext
{
    private readonly FlowDescriptor _flow;
    private readonly string[] _nodeIds;
    private readonly string?[] _nodeNames;
    private FlowError? _error;
    private CancellationTokenSource? _runCancellation;
    private int[]? _running;
    private int _loopIterations;
    private int _loopLimit;
    private ScopeState[]? _scopes;
    private List<IterationFailure>? _iterationFailures;
    private int _failedNode = -1;
    private string? _requestId;
    private CancellationToken _callerToken;
    private FlowTrace? _trace;
    private long _runStarted;
    private Activity? _activity;
    private Activity?[]? _taskActivities;
    private bool _measure;
    private (KeyValuePair<string, object?>[] Inputs, KeyValuePair<string, object?>[] Outputs)?[]? _details;
    private bool _started;
    // True when tasks are watched (a trace, spans per task, or a timeout naming the running tasks): only then do
    // TaskStarting and TaskCompleted do more than one check.
    private bool _observed;
    private int[] _resumeNodes = [];
    // Nodes to enter again on resume besides the failed one; made on the first failure (locked while used).
    private List<int>? _stopped;
    // Durable flows: the wait node the run stopped at (-1: none), when its earliest timer is due and which arm that is.
    private int _waitNode = -1;
    private DateTimeOffset? _waitDue;
    private int _waitDueArm = -1;
    // Set by a task: the instance suspends (reason) or ends after the task.
    private string? _suspendReason;
    private bool _ended;
    // True while the state is new or cleared and nothing has touched it since: a plain run then sets only what differs.
    private bool _pristine = true;

    /// <param name="flow">What the generated flow says about itself.</param>
    protected FlowContext(FlowDescriptor flow)
    {
        _flow = flow;
        FlowId = flow.FlowId;
        _nodeIds = flow.NodeIds;
        _nodeNames = flow.NodeNames;
    }

    /// <summary>The flow id.</summary>
    public string FlowId { get; }

    /// <summary>The flow's structural version (the generated <c>FlowVersion</c>): which build of the flow this run is.</summary>
    public string? FlowVersion => _flow.Version;

    /// <summary>The options of the current run.</summary>
    public FlowRunOptions Options { get; private set; } = FlowRunOptions.Default;

    /// <summary>The run's id: <see cref="FlowRunOptions.RequestId"/>, or a new one (32 hex digits, unique in the process) made on first use.</summary>
    public string RequestId => _requestId ??= Options.RequestId ?? NewRequestId();

    // Made ids: 32 hex digits like a Guid's "N" form, a random half per process and a counter, because
    // Guid.NewGuid asks the operating system for randomness each time (about a microsecond here, per tracked run).
    private static readonly string s_idPrefix = Guid.NewGuid().ToString("N").Substring(0, 16);
    private static long s_idCounter = Random.Shared.NextInt64(0, long.MaxValue / 2);

    private static string NewRequestId()
    {
        var next = (ulong)Interlocked.Increment(ref s_idCounter);
        return string.Create(32, next, static (chars, value) =>
        {
            s_idPrefix.AsSpan().CopyTo(chars);
            value.TryFormat(chars[16..], out _, "x16");
        });
    }

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
            var stopped = Stopped;
            lock (stopped) return [_nodeIds[_failedNode], .. stopped.Select(n => _nodeIds[n])];
        }
    }

    /// <summary>
    /// Prepares a run: options, timeout, tracking. A new run needs a state that has not run yet; a resumed run
    /// (<paramref name="resume"/>) needs a failed one, and enters its <see cref="ResumeNodeIds"/> again. Returns
    /// the <see cref="FlowErrorCodes.InvalidResume"/> error, leaving the state untouched, when neither holds.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FlowError? BeginRun(FlowRunOptions? options, CancellationToken cancellationToken, bool resume)
    {
        // A new or cleared state (pristine: never !_started otherwise) of a flow with no timeout and no branches to cancel.
        if (options is null && !resume && _pristine && _flow.PassesCallerToken)
        {
            BeginPristineRun(cancellationToken);
            return null;
        }
        return BeginRunWith(options, cancellationToken, resume);
    }

    private FlowError? BeginRunWith(FlowRunOptions? options, CancellationToken cancellationToken, bool resume)
    {
        _pristine = false;
        string? problem = null;
        if (resume && _failedNode < 0) problem = "there is nothing to resume: the run has not failed";
        else if (!resume && _started) problem = "this state has run already: create a new state for each run, or resume a failed one";
        if (problem is not null) return new FlowError(FlowErrorCodes.InvalidResume, FlowId, null, null, problem);
        Options = options ?? FlowRunOptions.Default;
        if (resume)
        {
            var stopped = Stopped;
            lock (stopped)
            {
                _resumeNodes = [_failedNode, .. stopped];
                stopped.Clear();
            }
        }
        _started = true;
        _error = null;
        _failedNode = -1;
        _waitNode = -1;
        _waitDue = null;
        _waitDueArm = -1;
        _suspendReason = null;
        _ended = false;
        _timedOut = null;
        _failed = null;
        _callerToken = cancellationToken;
        _loopIterations = 0;
        _loopLimit = Options.MaxLoopIterations ?? _flow.LoopLimit;
        _scopes = _flow.Scopes.Length == 0 ? null : new ScopeState[_flow.Scopes.Length];
        // A run token of its own only where it is needed: to stop sibling branches' tasks after a failure, or for
        // a timeout. Otherwise the caller's token is passed through and nothing is allocated.
        _running = null;
        var timeout = Options.Timeout ?? _flow.DefaultTimeout;
        if (_flow.CancelsBranches || timeout is not null)
        {
            _runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (timeout is { } limit)
            {
                _running = new int[_nodeIds.Length];
                _runCancellation.CancelAfter(limit);
            }
            CancellationToken = _runCancellation.Token;
        }
        else
        {
            CancellationToken = cancellationToken;
        }
        _trace = Options.Tracking != TrackingMode.None ? new FlowTrace(FlowId) { RequestId = RequestId, FlowVersion = _flow.Version, Flow = _flow } : null;
        Role = Options.Role ?? Options.Roles?.Find(FlowId, Options.BusinessId);
        _details = Options.Tracking >= TrackingMode.ServiceDetail ? new (KeyValuePair<string, object?>[], KeyValuePair<string, object?>[])?[_nodeIds.Length] : null;
        _measure = FlowTelemetry.MetricsEnabled;
        if (_trace is not null || _measure) _runStarted = Stopwatch.GetTimestamp();
        // A span only when someone listens: no listener, no allocation.
        _activity = FlowTelemetry.Source.HasListeners() ? StartRunActivity(resume) : null;
        _taskActivities = _activity is not null && Options.TraceTasks ? new Activity?[_nodeIds.Length] : null;
        _observed = _trace is not null || _running is not null || _taskActivities is not null;
        return null;
    }

    /// <summary>
    /// The common start: a new run with the default options, of a flow with no timeout and no branches to cancel, on a
    /// new or cleared state that nothing has touched since. Every other field already holds what the general path would
    /// write, so only these are set, and no options are read.
    /// </summary>
    private void BeginPristineRun(CancellationToken cancellationToken)
    {
        _pristine = false;
        _started = true;
        Role = null;
        if (cancellationToken.CanBeCanceled)
        {
            _callerToken = cancellationToken;
            CancellationToken = cancellationToken;
        }
        _loopLimit = _flow.LoopLimit;
        if (_flow.Scopes.Length != 0) _scopes = new ScopeState[_flow.Scopes.Length];
        _measure = FlowTelemetry.MetricsEnabled;
        if (_measure) _runStarted = Stopwatch.GetTimestamp();
        if (FlowTelemetry.Source.HasListeners()) _activity = StartRunActivity(resume: false);
    }

    private Activity? StartRunActivity(bool resume)
    {
        var activity = FlowTelemetry.Source.StartActivity("flow " + FlowId, ActivityKind.Internal);
        if (activity is null) return null;
        activity.SetTag(FlowTelemetry.Tags.FlowId, FlowId);
        if (activity.IsAllDataRequested)
        {
            if (_flow.Version is { } version) activity.SetTag(FlowTelemetry.Tags.FlowVersion, version);
            activity.SetTag(FlowTelemetry.Tags.RequestId, RequestId);
            if (Options.BusinessId is { } businessId) activity.SetTag(FlowTelemetry.Tags.BusinessId, businessId);
            if (resume) activity.SetTag("flowgen.resume", true);
        }
        return activity;
    }

    /// <summary>True from <see cref="BeginRun"/> until the state is cleared: generated code does not reuse such a state as a thread's spare.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool HasStarted => _started;

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
        _runCancellation?.Dispose();
        _runCancellation = null;
        if (_trace is not null) _trace.Duration = Stopwatch.GetElapsedTime(_runStarted);
        if (_trace is not null && Options.TraceCompleted is { } hook) hook(_trace);
        // Cancellation counts only where a node saw it: a run whose last node finished has succeeded. A task that
        // ended its instance (EndInstance) stopped the run on purpose: that is a success too.
        var error = _ended ? null : Error;
        if (_measure) FlowTelemetry.RecordRun(FlowId, Stopwatch.GetElapsedTime(_runStarted), error);
        if (_activity is { } activity)
        {
            activity.SetTag(FlowTelemetry.Tags.Outcome, error is null ? "success" : "failure");
            if (error is not null)
            {
                activity.SetTag(FlowTelemetry.Tags.ErrorCode, error.Code);
                activity.SetTag(FlowTelemetry.Tags.NodeId, error.NodeId);
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
            }
            activity.Stop();
            _activity = null;
        }
        return error is null ? FlowResult<T>.Success(result, _trace) : FlowResult<T>.Failure(error, _trace);
    }

    /// <summary>False when the run has failed or was cancelled: the node must not start.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CanRun(int node)
    {
        // The common case inline: no subprocess scopes, no error, not cancelled.
        if (_scopes is null && Volatile.Read(ref _error) is null && !CancellationToken.IsCancellationRequested) return true;
        return CanRunChecked(node);
    }

    private bool CanRunChecked(int node)
    {
        if (_scopes is not null && StoppedByScope(node)) return false;
        if (Volatile.Read(ref _error) is null)
        {
            if (!CancellationToken.IsCancellationRequested) return true;
            Fail(node, CancelledError(node));
            return false;
        }
        // The run has stopped: remember where this branch was, so that a resumed run continues it too (inside a
        // subprocess: the subprocess, which runs again from its start).
        if (_flow.ResumeAt is { } resumeAt) node = resumeAt[node];
        if (node != _failedNode) AddStopped(node);
        return false;
    }

    /// <summary>A timestamp when tracking, else 0; marks the task as running when the run has a timeout.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long TaskStarting(int node) => _observed ? TaskStartingObserved(node) : 0;

    private long TaskStartingObserved(int node)
    {
        if (_running is { } running) Interlocked.Increment(ref running[node]);
        if (_taskActivities is { } spans) spans[node] = StartTaskActivity(node);
        return _trace is null ? 0 : Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// The run's role: <see cref="FlowRunOptions.Role"/>, or the one <see cref="FlowRunOptions.Roles"/> finds. A task
    /// that takes the FlowContext may set it; role conditions after it see the new role.
    /// </summary>
    public FlowRole? Role { get; set; }

    /// <summary>True when the run's role holds the permission (a role condition such as <c>r:check-img@triple</c>).</summary>
    public bool HasPermission(string permission) => Role?.Has(permission) == true;

    /// <summary>
    /// Which implementation of a task with abilities the run's role picks (Kstry's abilities): the index of the
    /// ability whose permission (<c>r:service@ability</c> or <c>pr:component@service@ability</c>, given in pairs) the
    /// role holds, or -1 for the plain method when it holds none. A role granted two abilities by name is ambiguous,
    /// as in Kstry (TASK_SERVICE_MATCH_ERROR): <see cref="FlowAbilityException"/>, which fails the run with
    /// <see cref="FlowErrorCodes.AbilityAmbiguous"/>. A wildcard (<c>r:service@*</c>) alone picks the first
    /// ability in declaration order.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int ChooseAbility(params ReadOnlySpan<string> permissions)
    {
        if (Role is not { } role) return -1;
        var chosen = -1;
        for (var i = 0; i + 1 < permissions.Length; i += 2)
        {
            if (!role.HasExactly(permissions[i]) && !role.HasExactly(permissions[i + 1])) continue;
            if (chosen >= 0)
                throw new FlowAbilityException($"the role '{role.Name}' is granted two abilities of the task, {Ability(permissions[chosen * 2])} and {Ability(permissions[i])}, so which one runs is not clear; grant it one of them");
            chosen = i / 2;
        }
        if (chosen >= 0) return chosen;
        for (var i = 0; i + 1 < permissions.Length; i += 2)
        {
            if (role.Has(permissions[i]) || role.Has(permissions[i + 1])) return i / 2;
        }
        return -1;

        static string Ability(string permission) => "'" + permission.Substring(permission.LastIndexOf('@') + 1) + "'";
    }

    /// <summary>The run's variables as a task with this service scope (<c>kv-scope</c>) sees them.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public FlowVariables VariablesFor(string? service) => new(Options.Variables, service, Options.BusinessId);

    /// <summary>True when the run has a span (someone listens to the "FlowGen" source): generated code then reports its gateways' decisions.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool HasSpan => _activity is not null;

    /// <summary>
    /// A gateway's decision, as an event "gateway {node id}" on the run's span: the flows it took and the nodes they go to
    /// (comma-separated; empty when it took none). Called by generated code when <see cref="HasSpan"/>.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Decided(int node, string flows, string targets)
    {
        if (_activity is not { IsAllDataRequested: true } activity) return;
        var tags = new ActivityTagsCollection
        {
            [FlowTelemetry.Tags.NodeId] = _nodeIds[node],
            [FlowTelemetry.Tags.FlowsTaken] = flows,
            [FlowTelemetry.Tags.TakenTo] = targets,
        };
        lock (activity) activity.AddEvent(new ActivityEvent("gateway " + _nodeIds[node], tags: tags));
    }

    /// <summary>A decision of several flows (an inclusive gateway, a task's conditional flows): null entries were not taken.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Decided(int node, string?[] flows, string?[] targets)
        => Decided(node, string.Join(",", flows.Where(f => f is not null)), string.Join(",", targets.Where(t => t is not null)));

    /// <summary>
    /// True when nothing watches the run's tasks one by one (no trace, no task spans, no timeout naming running tasks,
    /// no details): generated code then runs its synchronous stretches fused, without a call per node.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool RunsPlain
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => !_observed && _details is null;
    }

    /// <summary>True when the run records tasks' inputs and outputs (tracking ServiceDetail and up): generated code then reports them.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool TracksDetails => _details is not null;

    /// <summary>A task's inputs and outputs, kept for its trace entry (called by generated code when <see cref="TracksDetails"/>).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void TaskDetails(int node, KeyValuePair<string, object?>[] inputs, KeyValuePair<string, object?>[] outputs)
    {
        if (_details is { } details) details[node] = (inputs, outputs);
    }

    /// <summary>Records a finished task when tracking (outcome "success", or "fallback" when its task-demotion answered).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TaskCompleted(int node, long started, bool byFallback = false)
    {
        if (_observed) TaskCompletedObserved(node, started, byFallback);
    }

    private void TaskCompletedObserved(int node, long started, bool byFallback)
    {
        if (_running is { } running) Interlocked.Decrement(ref running[node]);
        Record(node, started, byFallback ? "fallback" : "success");
    }

    /// <summary>
    /// True when an exception only says that the run itself was cancelled (caller, run timeout, or a failed
    /// sibling branch): that is no reason to fall back to another task.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool IsRunCancellation(Exception exception)
        => exception is OperationCanceledException && exception is not TimeoutRejectedException && CancellationToken.IsCancellationRequested;

    /// <summary>Records a task's exception as the run's error (cancellation by the run is reported as such).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void TaskFailed(int node, long started, Exception exception)
    {
        Record(node, started, "failed");
        var error = TaskError(node, exception);
        // Counted as running until its error is made, so that a timeout error names it too.
        if (_running is { } running) Interlocked.Decrement(ref running[node]);
        Fail(node, error);
    }

    /// <summary>The run's error for a task's exception: its own code where the exception carries one.</summary>
    private FlowError TaskError(int node, Exception exception)
    {
        FlowError error;
        if (IsRunCancellation(exception))
            error = CancelledError(node);
        else if (exception is OperationCanceledException && exception is not TimeoutRejectedException && TimedOutScope(node) is var scope and >= 0)
            error = ScopeTimeoutError(scope, node);
        else if (exception is FlowIterationException iteration)
            error = new FlowError(FlowErrorCodes.IterationFailed, FlowId, _nodeIds[node], _nodeNames[node], $"the iteration failed: {iteration.Message}", iteration.InnerException ?? iteration);
        else if (exception is TimeoutRejectedException timeout)
            error = new FlowError(FlowErrorCodes.TaskTimedOut, FlowId, _nodeIds[node], _nodeNames[node],
                $"the task did not finish within its timeout of {timeout.Timeout.TotalMilliseconds:0} ms{(timeout.InnerException is FlowHttpCanceledException http ? ": " + http.Message : "")}", exception);
        else if (exception is FlowAbilityException ability)
            error = new FlowError(FlowErrorCodes.AbilityAmbiguous, FlowId, _nodeIds[node], _nodeNames[node], ability.Message, exception);
        else if (exception is FlowHttpException { Code: not FlowErrorCodes.TaskFailed } http)
            // An HTTP task's failure with a code of its own (an answer too large, an empty answer): its message says it all.
            error = new FlowError(http.Code, FlowId, _nodeIds[node], _nodeNames[node], http.Message, exception);
        else if (exception is FlowTaskException coded)
            error = new FlowError(coded.Code, FlowId, _nodeIds[node], _nodeNames[node], coded.Message, exception);
        else
            error = new FlowError(FlowErrorCodes.TaskFailed, FlowId, _nodeIds[node], _nodeNames[node],
                $"the task threw {exception.GetType().Name}: {exception.Message}", exception);
        return error;
    }

    /// <summary>
    /// A task with an error route (<c>on-error=continue</c>) failed: when the error's code is one the route takes
    /// (<paramref name="codes"/>, or any code when null), it is recorded in the trace as caught, @failed('task') becomes
    /// true and the error is returned for the bus; otherwise (and for the run's own cancellation) the run fails.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public FlowError? TaskErrorCaught(int node, long started, Exception exception, string[]? codes = null)
    {
        if (IsRunCancellation(exception))
        {
            TaskFailed(node, started, exception);
            return null;
        }
        var error = TaskError(node, exception);
        if (codes is not null && Array.IndexOf(codes, error.Code) < 0)
        {
            Record(node, started, "failed");
            if (_running is { } still) Interlocked.Decrement(ref still[node]);
            Fail(node, error);
            return null;
        }
        if (_running is { } running) Interlocked.Decrement(ref running[node]);
        var marks = LazyInitializer.EnsureInitialized(ref _failed, () => new bool[_nodeIds.Length]);
        Volatile.Write(ref marks[node], true);
        Record(node, started, "caught " + error.Code);
        return error;
    }

    // The tasks whose failure an error route caught: @failed reads it.
    private bool[]? _failed;

    /// <summary>A task with an error route starts (again, round a loop): @failed is false for it until it fails.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void ClearCaught(int node)
    {
        if (_failed is { } marks) Volatile.Write(ref marks[node], false);
    }

    /// <summary>True when the task with this node id failed and its error route caught it: the condition <c>@failed('Task_1')</c>.</summary>
    public bool Failed(string nodeId)
    {
        var node = Array.IndexOf(_nodeIds, nodeId);
        return node >= 0 && _failed is { } marks && Volatile.Read(ref marks[node]);
    }

    /// <summary>
    /// A task with <c>strict-mode=false</c> failed: the failure is recorded in the trace and the run goes on
    /// without the values the task would have written. Cancellation of the run is still a failure.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool TaskIgnored(int node, long started, Exception exception)
    {
        if (IsRunCancellation(exception))
        {
            TaskFailed(node, started, exception);
            return false;
        }
        if (_running is { } running) Interlocked.Decrement(ref running[node]);
        if (exception is TimeoutRejectedException) MarkTimedOut(node);
        Record(node, started, exception is TimeoutRejectedException ? "timed out" : "ignored");
        return true;
    }

    // The tasks whose timeout the run went on after (on-timeout, a BPMN timer boundary event): @timedOut reads it.
    private bool[]? _timedOut;

    private void MarkTimedOut(int node)
    {
        var marks = LazyInitializer.EnsureInitialized(ref _timedOut, () => new bool[_nodeIds.Length]);
        Volatile.Write(ref marks[node], true);
    }

    /// <summary>
    /// True when the task with this node id timed out and the run went on (the task's <c>on-timeout</c> setting, a BPMN
    /// timer boundary event): the condition <c>@timedOut('Task_1')</c>.
    /// </summary>
    public bool TimedOut(string nodeId)
    {
        var node = Array.IndexOf(_nodeIds, nodeId);
        return node >= 0 && _timedOut is { } marks && Volatile.Read(ref marks[node]);
    }

    /// <summary>A task failed: its timeout is one the run goes on after (on-timeout), any other failure fails the run.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool TaskTimeoutIgnored(int node, long started, Exception exception)
    {
        if (exception is TimeoutRejectedException) return TaskIgnored(node, started, exception);
        TaskFailed(node, started, exception);
        return false;
    }

    /// <summary>An interceptor threw: the node fails with FLOW_TASK_FAILED naming the interceptor's exception.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void InterceptorFailed(int node, Exception exception)
        => Fail(node, new FlowError(FlowErrorCodes.TaskFailed, FlowId, _nodeIds[node], _nodeNames[node],
            $"an interceptor threw {exception.GetType().Name}: {exception.Message}", exception));

    /// <summary>Records a node an interceptor skipped.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void NodeSkipped(int node) => Record(node, _trace is null ? 0 : Stopwatch.GetTimestamp(), "skipped");

    /// <summary>Counts one more time round a loop; false (and the run fails) past the loop limit.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool LoopIteration(int node)
    {
        if (Interlocked.Increment(ref _loopIterations) <= _loopLimit) return true;
        Fail(node, FlowErrorCodes.LoopLimit, $"the run went round its loops more than {_loopLimit} times; raise FlowRunOptions.MaxLoopIterations or the loop-limit property if that is expected");
        return false;
    }

    /// <summary>Ends the run with an error at a node. The first error wins.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Fail(int node, string code, string message, Exception? exception = null)
        => Fail(node, new FlowError(code, FlowId, _nodeIds[node], _nodeNames[node], message, exception));

    /// <summary>Ends the run because the request failed its schema, listing every failing field.</summary>
    public void FailValidation(int node, IReadOnlyList<FlowFieldError> errors)
        => Fail(node, new FlowError(FlowErrorCodes.ValidationFailed, FlowId, _nodeIds[node], _nodeNames[node],
            "the request is invalid: " + string.Join("; ", errors), null) { FieldErrors = errors });

    private void Fail(int node, FlowError error)
    {
        _pristine = false;
        // Inside a subprocess with strict-mode=false the failure ends that subprocess only.
        for (var scope = _scopes is null ? -1 : _flow.NodeScopes![node]; scope >= 0; scope = _flow.Scopes[scope].Parent)
        {
            if (!_flow.Scopes[scope].IgnoreFailure) continue;
            var state = _scopes![scope];
            if (state is not null && Interlocked.CompareExchange(ref state.Error, error, null) is null)
            {
                try { state.Cancellation.Cancel(); } catch (ObjectDisposedException) { }
            }
            return;
        }
        // A node inside a subprocess resumes by running the subprocess again.
        if (_flow.ResumeAt is { } resumeAt) node = resumeAt[node];
        if (Interlocked.CompareExchange(ref _error, error, null) is null)
        {
            _failedNode = node;
            // Sibling branches stop too: their running tasks see the token, their next nodes do not start.
            try { _runCancellation?.Cancel(); } catch (ObjectDisposedException) { }
            return;
        }
        // A later failure loses to the first error but its node still has to run again on resume.
        AddStopped(node);
    }

    private List<int> Stopped => LazyInitializer.EnsureInitialized(ref _stopped);

    private void AddStopped(int node)
    {
        var stopped = Stopped;
        lock (stopped) if (!stopped.Contains(node)) stopped.Add(node);
    }

    /// <summary>
    /// Clears a finished run, so that this object can hold the next one: generated <c>RunAsync(request)</c> keeps
    /// one finished state per thread for the next run, which then allocates nothing. The generated state clears
    /// its bus values and join counters, then calls this.
    /// </summary>
    protected void ClearRun()
    {
        // An object reference is written only where it changes: each such write costs a GC write barrier.
        if (!ReferenceEquals(Options, FlowRunOptions.Default)) Options = FlowRunOptions.Default;
        if (SuspendedId is not null) SuspendedId = null;
        _outbox?.Clear();
        CancellationToken = default;
        Role = null;
        _error = null;
        _runCancellation = null;
        _running = null;
        _loopIterations = 0;
        _scopes = null;
        _iterationFailures = null;
        _failedNode = -1;
        _requestId = null;
        _callerToken = default;
        _trace = null;
        _activity = null;
        _taskActivities = null;
        _details = null;
        _observed = false;
        _started = false;
        if (_resumeNodes.Length != 0) _resumeNodes = [];
        _stopped?.Clear();
        _timedOut = null;
        _failed = null;
        _waitNode = -1;
        _waitDue = null;
        _waitDueArm = -1;
        _suspendReason = null;
        _ended = false;
        if (!ReferenceEquals(Clock, TimeProvider.System)) Clock = TimeProvider.System;
        RunsDurably = false;
        _pristine = true;
    }

    // ---- Durable flows ----

    /// <summary>
    /// The clock of a durable flow's waits (timers are due at <c>Clock.GetUtcNow()</c> plus their duration). The
    /// durable engine sets its <see cref="TimeProvider"/>, so tests and samples can run on fake time.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>The current time on <see cref="Clock"/>.</summary>
    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>
    /// Stops the run at a wait node of a durable flow (a receive, a timer, an event gateway): the engine persists
    /// the state and continues it when an event or the timer comes. <paramref name="due"/> is the earliest timer
    /// of the wait and <paramref name="dueArm"/> which of its arms that timer is.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Wait(int node, DateTimeOffset? due = null, int dueArm = -1)
    {
        if (!RunsDurably)
        {
            Fail(node, FlowErrorCodes.Waiting, "the flow waits here for an event or a time, which only a FlowEngine can do: register the flow with a FlowEngine and start it there (docs/durable.md)");
            return;
        }
        _waitNode = node;
        _waitDue = due;
        _waitDueArm = dueArm;
        Record(node, _trace is null ? 0 : Stopwatch.GetTimestamp(), "waiting");
    }

    /// <summary>True when a FlowEngine runs this state (a durable step): waits stop the run instead of failing it.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool RunsDurably { get; set; }

    /// <summary>The id of a node by its index (the generated <c>Node</c> value).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public string NodeIdAt(int node) => _nodeIds[node];

    /// <summary>A one-element array of a node's id, made once per node of the flow (shared: never change it).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public string[] NodeIdArray(int node)
    {
        var cache = _flow.SingleNodeIds ??= new string[]?[_nodeIds.Length];
        return cache[node] ??= [_nodeIds[node]];
    }

    /// <summary>The index of a node by its id, or -1.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int NodeIndexOf(string nodeId) => Array.IndexOf(_nodeIds, nodeId);

    /// <summary>The wait node the run stopped at, or -1.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int WaitingNode => _waitNode;

    /// <summary>When the earliest timer of the wait is due, or null.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public DateTimeOffset? WaitDue => _waitDue;

    /// <summary>Which arm of the wait the earliest timer is (generated numbering), or -1.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int WaitDueArm => _waitDueArm;

    /// <summary>Restores a persisted wait: the timer that was pending when the instance was saved.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void RestoreWait(int node, DateTimeOffset? due, int dueArm)
    {
        _pristine = false;
        _waitNode = node;
        _waitDue = due;
        _waitDueArm = dueArm;
    }

    /// <summary>
    /// Called by a task: suspends this durable instance once the task returns. Its values are kept, the next node
    /// does not start, and the instance waits (status Suspended, error <see cref="FlowErrorCodes.Suspended"/> with
    /// the reason) until it is resumed or cancelled; a resumed instance continues at the node after the task. In a
    /// plain run (no engine) the run ends with that error.
    /// </summary>
    public void SuspendInstance(string reason)
    {
        _pristine = false;
        _suspendReason = reason ?? throw new ArgumentNullException(nameof(reason));
        Interlocked.CompareExchange(ref _error, new FlowError(FlowErrorCodes.Suspended, FlowId, null, null, "a task suspended the instance: " + reason), null);
    }

    /// <summary>Called by a task: ends the run (and a durable instance) successfully once the task returns; no further node starts.</summary>
    public void EndInstance()
    {
        _pristine = false;
        _ended = true;
        Interlocked.CompareExchange(ref _error, new FlowError(FlowErrorCodes.Suspended, FlowId, null, null, "ended by a task"), null);
    }

    /// <summary>True when a task asked for its instance to be suspended (see <see cref="SuspendInstance"/>).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool SuspendedByTask => _suspendReason is not null && !_ended;

    /// <summary>True when a task ended the run (see <see cref="EndInstance"/>).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool EndedByTask => _ended;

    /// <summary>
    /// The nodes a resumed durable instance enters again, as indexes: the failed node (if a node failed) and every
    /// node a branch was about to enter when the run stopped.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int[] ContinueNodes()
    {
        var stopped = Stopped;
        lock (stopped) return _failedNode >= 0 ? [_failedNode, .. stopped] : [.. stopped];
    }

    /// <summary>Items of iterated tasks (strategy best) that failed, in the order they failed.</summary>
    public IReadOnlyList<IterationFailure> IterationFailures
    {
        get
        {
            var failures = _iterationFailures;
            if (failures is null) return [];
            lock (failures) return failures.ToArray();
        }
    }

    /// <summary>The degree of parallelism of an ite-async task: the run's setting, else the flow file's, else the standard one.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int IterationParallelism(int fromFlowFile) => Options.MaxIterationParallelism ?? (fromFlowFile > 0 ? fromFlowFile : FlowIteration.StandardParallelism);

    /// <summary>Records an item that failed under the best strategy.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void RecordIterationFailure(int node, int itemIndex, Exception exception)
    {
        var failures = LazyInitializer.EnsureInitialized(ref _iterationFailures);
        lock (failures) failures.Add(new IterationFailure(_nodeIds[node], itemIndex, exception));
    }

    /// <summary>
    /// Starts one item of a parallel foreach on this (new) state: the run's options, role, clock, trace and the
    /// subprocess scopes around the foreach are the parent run's; the token is the item's (cancelled when another item
    /// fails or the run stops). The generated <c>State.ForItem</c> calls it after copying the bus.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void BeginItemOf(FlowContext parent, CancellationToken cancellationToken, bool detached = false)
    {
        _pristine = false;
        _started = true;
        Options = parent.Options;
        _requestId = parent.RequestId;
        Role = parent.Role;
        Clock = parent.Clock;
        // A fire-and-forget subflow is no part of a durable step (which may be saved before it ends): its events go to
        // FlowRunOptions.Events like a request/response run's. A parallel foreach item's go to its run (EndItemOf).
        RunsDurably = !detached && parent.RunsDurably;
        _callerToken = parent._callerToken;
        CancellationToken = cancellationToken;
        _loopLimit = parent._loopLimit;
        _scopes = parent._scopes is { } scopes ? (ScopeState[])scopes.Clone() : _flow.Scopes.Length == 0 ? null : new ScopeState[_flow.Scopes.Length];
        // A fire-and-forget subflow may outlive the run: it records into no trace of the run's.
        _trace = detached ? null : parent._trace;
        _details = detached ? null : parent._details;
        _observed = _trace is not null;
        if (_trace is not null) _runStarted = parent._runStarted;
    }

    /// <summary>
    /// Ends one item of a parallel foreach: its failure (at the node inside the body where it happened) becomes the
    /// parent run's. False when the item failed.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool EndItemOf(FlowContext parent, int node)
    {
        // The events the item's body published belong to the run's step.
        if (_outbox is { Count: > 0 })
        {
            var outbox = LazyInitializer.EnsureInitialized(ref parent._outbox);
            lock (outbox) outbox.AddRange(TakeOutbox());
        }
        if (Volatile.Read(ref _error) is not { } error) return true;
        parent.Fail(_failedNode >= 0 ? _failedNode : node, error);
        return false;
    }

    /// <summary>
    /// Ends a fire-and-forget subflow's run on this copy of the bus: its failure goes to <see cref="FlowRunOptions.DetachedFailed"/>
    /// and the flowgen.detached.failures counter, never to the run that started it.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void EndDetached()
    {
        if (Volatile.Read(ref _error) is not { } error) return;
        FlowTelemetry.RecordDetachedFailure(FlowId, error);
        try
        {
            Options.DetachedFailed?.Invoke(error);
        }
        catch
        {
            // A throwing hook has nobody to report to: the subflow has no caller.
        }
    }

    // Events the run's publish nodes made: handed to the durable engine with the step, or posted to Options.Events.
    private List<Durable.FlowEvent>? _outbox;

    /// <summary>
    /// A publish node's event: a durable run keeps it for the engine (which takes it before it saves the step); any
    /// other run posts it to <see cref="FlowRunOptions.Events"/> at once, and fails without one.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Publish(string name, object payload)
    {
        var flowEvent = new Durable.FlowEvent(name, payload, time: Clock.GetUtcNow());
        if (RunsDurably)
        {
            var outbox = LazyInitializer.EnsureInitialized(ref _outbox);
            lock (outbox) outbox.Add(flowEvent);
            return;
        }
        var sink = Options.Events ?? throw new InvalidOperationException($"the run has no FlowRunOptions.Events to publish event '{name}' to: pass one (a FlowEventChannel, or register one with AddFlowGen)");
        sink.Post(flowEvent);
    }

    /// <summary>The events a durable step published, in order (taken once).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public IReadOnlyList<Durable.FlowEvent> TakeOutbox()
    {
        if (_outbox is not { } outbox) return [];
        lock (outbox)
        {
            var events = outbox.ToArray();
            outbox.Clear();
            return events;
        }
    }

    /// <summary>For a saved failed run (on-failure: suspend): the nodes a resume enters, the failed one first.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int[] SuspendNodes()
    {
        if (_failedNode < 0) return [];
        var stopped = Stopped;
        lock (stopped) return [_failedNode, .. stopped];
    }

    /// <summary>The id a saved failed run was loaded from (on-failure: suspend), or null: where a failing resume saves it again.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public string? SuspendedId { get; private set; }

    /// <summary>Restores a saved failed run loaded from its store: it failed at the first of <paramref name="at"/>, the others were stopped.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void RestoreSuspended(string id, int[] at)
    {
        _pristine = false;
        _started = true;
        SuspendedId = id;
        if (at.Length == 0) return;
        _failedNode = at[0];
        var stopped = Stopped;
        lock (stopped)
        {
            stopped.Clear();
            for (var i = 1; i < at.Length; i++) stopped.Add(at[i]);
        }
    }

    /// <summary>Starts a subprocess's scope: a token of its own (with its timeout), and no error yet.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void EnterScope(int scope)
    {
        var definition = _flow.Scopes[scope];
        var parent = definition.Parent >= 0 ? _scopes![definition.Parent].Cancellation.Token : CancellationToken;
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(parent);
        if (definition.TimeoutMilliseconds > 0) cancellation.CancelAfter(definition.TimeoutMilliseconds);
        _scopes![scope] = new ScopeState(cancellation);
    }

    /// <summary>The token of a subprocess's scope: cancelled by its timeout, its failure, or the run's.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public CancellationToken ScopeToken(int scope) => _scopes![scope].Cancellation.Token;

    /// <summary>
    /// Ends a subprocess's scope. A failure it contained (strict-mode=false) is recorded against the subprocess
    /// node and the caller goes on; a timeout nobody observed becomes that failure. Returns false when the run
    /// cannot go on.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool ExitScope(int scope, long started)
    {
        var state = _scopes![scope];
        var definition = _flow.Scopes[scope];
        if (_running is { } running) Interlocked.Decrement(ref running[definition.EntryNode]);
        if (state.Error is null && state.Cancellation.IsCancellationRequested && !CancellationToken.IsCancellationRequested)
        {
            var timeout = ScopeTimeoutError(scope, definition.EntryNode);
            // With strict-mode=false the timeout belongs to this subprocess; otherwise it goes up like any failure.
            if (definition.IgnoreFailure) state.Error = timeout;
            else Fail(definition.EntryNode, timeout);
        }
        state.Cancellation.Dispose();
        if (state.Error is not null && definition.IgnoreFailure)
        {
            Record(definition.EntryNode, started, "ignored");
            return Volatile.Read(ref _error) is null;
        }
        Record(definition.EntryNode, started, Volatile.Read(ref _error) is null ? "success" : "failed");
        return Volatile.Read(ref _error) is null;
    }

    /// <summary>True when a subprocess around the node failed or timed out: the node does not start.</summary>
    private bool StoppedByScope(int node)
    {
        for (var scope = _flow.NodeScopes![node]; scope >= 0; scope = _flow.Scopes[scope].Parent)
        {
            var state = _scopes![scope];
            if (state is null) continue;
            if (state.Error is not null) return true;
            if (state.Cancellation.IsCancellationRequested && !CancellationToken.IsCancellationRequested)
            {
                Fail(node, ScopeTimeoutError(scope, node));
                return true;
            }
        }
        return false;
    }

    /// <summary>The innermost scope around a node whose token was cancelled while the run's was not: a subprocess timeout.</summary>
    private int TimedOutScope(int node)
    {
        if (_scopes is null || CancellationToken.IsCancellationRequested) return -1;
        for (var scope = _flow.NodeScopes![node]; scope >= 0; scope = _flow.Scopes[scope].Parent)
        {
            if (_scopes[scope] is { } state && state.Cancellation.IsCancellationRequested && state.Error is null && _flow.Scopes[scope].TimeoutMilliseconds > 0) return scope;
        }
        return -1;
    }

    private FlowError ScopeTimeoutError(int scope, int node)
    {
        var entry = _flow.Scopes[scope].EntryNode;
        return new FlowError(FlowErrorCodes.SubprocessTimedOut, FlowId, _nodeIds[entry], _nodeNames[entry],
            $"the subprocess took longer than its timeout of {_flow.Scopes[scope].TimeoutMilliseconds} ms (at {_nodeIds[node]})");
    }

    private sealed class ScopeState(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;

        public FlowError? Error;
    }

    private FlowError CancelledError(int? node)
    {
        var timeout = Options.Timeout ?? _flow.DefaultTimeout;
        var timedOut = !_callerToken.IsCancellationRequested && timeout is not null;
        var message = timedOut
            ? $"the run took longer than its timeout of {timeout!.Value.TotalMilliseconds:0} ms{RunningNodes()}"
            : "the run was cancelled by the caller";
        return new FlowError(
            timedOut ? FlowErrorCodes.FlowTimedOut : FlowErrorCodes.Cancelled,
            FlowId,
            node is null ? null : _nodeIds[node.Value],
            node is null ? null : _nodeNames[node.Value],
            message);
    }

    /// <summary>The tasks still running when a run timed out, for its error message.</summary>
    private string RunningNodes()
    {
        if (_running is not { } running) return "";
        var names = new List<string>();
        for (var i = 0; i < running.Length; i++)
        {
            if (Volatile.Read(ref running[i]) > 0) names.Add(_nodeNames[i] is { } name ? $"{_nodeIds[i]} ({name})" : _nodeIds[i]);
        }
        return names.Count == 0 ? "" : "; still running: " + string.Join(", ", names);
    }

    private Activity? StartTaskActivity(int node)
    {
        var activity = FlowTelemetry.Source.StartActivity("task " + _nodeIds[node], ActivityKind.Internal, _activity!.Context);
        if (activity is null) return null;
        activity.SetTag(FlowTelemetry.Tags.FlowId, FlowId);
        activity.SetTag(FlowTelemetry.Tags.NodeId, _nodeIds[node]);
        if (_nodeNames[node] is { } name) activity.SetTag(FlowTelemetry.Tags.NodeName, name);
        return activity;
    }

    private void Record(int node, long started, string outcome)
    {
        if (_taskActivities is { } spans && Interlocked.Exchange(ref spans[node], null) is { } span)
        {
            span.SetTag(FlowTelemetry.Tags.Outcome, outcome);
            if (outcome == "failed") span.SetStatus(ActivityStatusCode.Error);
            span.Stop();
        }
        var trace = _trace;
        if (trace is null) return;
        var now = Stopwatch.GetTimestamp();
        KeyValuePair<string, object?>[]? inputs = null, outputs = null;
        if (_details is { } details && details[node] is { } detail)
        {
            details[node] = null;
            (inputs, outputs) = detail;
        }
        // One entry, made once: the service and the details are set as it is created.
        trace.Add(new NodeTrace(_nodeIds[node], _nodeNames[node], Stopwatch.GetElapsedTime(_runStarted, started), Stopwatch.GetElapsedTime(started, now), outcome, Environment.CurrentManagedThreadId)
        {
            Service = Options.Tracking >= TrackingMode.Service ? _flow.Services?[node] : null,
            Inputs = inputs,
            Outputs = outputs,
        });
    }
}
