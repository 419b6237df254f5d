using System.ComponentModel;
using System.Text.Json;

namespace FlowGen.Durable;

/// <summary>
/// Saved failed runs of request/response flows with <c>on-failure: suspend</c> (ps-go's suspend): a failed run's state
/// (request, bus values, join counts and the nodes to enter again) is saved to an <see cref="IFlowStore"/> as a
/// suspended instance, and the generated <c>ResumeSuspendedAsync(id)</c> loads it and continues it, in this process or
/// another one on the same store, without making the flow a durable one. Pass it as
/// <see cref="FlowRunOptions.Suspensions"/> (or register it with <c>AddFlowGen(o =&gt; o.Suspensions = ...)</c>).
/// Give it a store of its own: a <see cref="FlowEngine"/> on the same store would count these runs as instances of flows
/// it does not run.
/// </summary>
public sealed class FlowSuspensions
{
    private readonly SemaphoreSlim _initialize = new(1, 1);
    private volatile bool _initialized;

    /// <param name="store">Where the runs are saved: SQLite, PostgreSQL or <see cref="InMemoryFlowStore"/> (tests).</param>
    /// <param name="json">How the request and bus values are written: <see cref="FlowStateJson.Options"/> with the application's
    /// source-generated contexts that list its request and bus types. Default: FlowGen's own types and primitives only.</param>
    /// <param name="clock">The time of the saved rows (default: the system clock).</param>
    public FlowSuspensions(IFlowStore store, JsonSerializerOptions? json = null, TimeProvider? clock = null)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Json = json ?? FlowStateJson.Options();
        Clock = clock ?? TimeProvider.System;
    }

    /// <summary>The store the runs are saved to.</summary>
    public IFlowStore Store { get; }

    /// <summary>The JSON options of the saved states.</summary>
    public JsonSerializerOptions Json { get; }

    /// <summary>The clock of the saved rows.</summary>
    public TimeProvider Clock { get; }

    /// <summary>The saved runs that are still suspended (of one flow, or of all), oldest first.</summary>
    public async Task<IReadOnlyList<FlowInstance>> ListAsync(string? flowId = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.QueryAsync(new FlowInstanceQuery { Status = FlowInstanceStatus.Suspended, FlowId = flowId, Limit = limit }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Saves a failed run: a new suspended row, or the row it was resumed from (<paramref name="id"/>) again with its new
    /// error. Returns the row's id.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public async ValueTask<string> SaveAsync(string flowId, string version, string? id, string[] at, byte[] state, FlowError error, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var now = Clock.GetUtcNow();
        var existing = id is null ? null : await Store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        // The key of a saved run is its id: one suspended row per failed run, never two runs under one key.
        var newId = id ?? Guid.NewGuid().ToString("N");
        var instance = existing ?? new FlowInstance { Id = newId, FlowId = flowId, Key = newId, Version = version, Created = now };
        var revision = existing?.Revision ?? 0;
        instance.Version = version;
        instance.Status = FlowInstanceStatus.Suspended;
        instance.Nodes = at;
        instance.State = state;
        instance.ErrorCode = error.Code;
        instance.ErrorNode = error.NodeId;
        instance.ErrorMessage = error.Message;
        instance.Updated = now;
        await Store.SaveAsync(instance, revision, cancellationToken).ConfigureAwait(false);
        return instance.Id;
    }

    /// <summary>
    /// The saved run <paramref name="id"/> of flow <paramref name="flowId"/>, ready to resume; or the error that says why it
    /// cannot be (unknown id, another flow, another version, not suspended any more).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public async ValueTask<(FlowInstance? Run, FlowError? Problem)> LoadAsync(string id, string flowId, string version, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var run = await Store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        string? why = run switch
        {
            null => $"no saved run has the id '{id}'",
            { Unreadable: { } unreadable } => $"the saved run '{id}' cannot be read: {unreadable.Message}",
            _ when run.FlowId != flowId => $"the saved run '{id}' is a run of flow '{run.FlowId}', not of '{flowId}'",
            _ when run.Status != FlowInstanceStatus.Suspended => $"the saved run '{id}' is {run.Status.ToString().ToLowerInvariant()}, not suspended: it was resumed to its end already",
            _ when run.Version != version => $"the saved run '{id}' was saved by version {run.Version} of the flow, and this build is version {version}: resume it with the build that saved it",
            _ => null,
        };
        return why is null ? (run, null) : (null, new FlowError(why.Contains("version", StringComparison.Ordinal) ? FlowErrorCodes.VersionMismatch : FlowErrorCodes.InvalidResume, flowId, null, null, why));
    }

    /// <summary>Marks a saved run done: its resume reached the end.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public async ValueTask CompleteAsync(string id, CancellationToken cancellationToken = default)
    {
        if (await Store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } run) return;
        var revision = run.Revision;
        run.Status = FlowInstanceStatus.Completed;
        run.Nodes = [];
        run.ErrorCode = null;
        run.ErrorNode = null;
        run.ErrorMessage = null;
        run.Updated = Clock.GetUtcNow();
        await Store.SaveAsync(run, revision, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized) return;
        await _initialize.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_initialized) await Store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            _initialized = true;
        }
        finally
        {
            _initialize.Release();
        }
    }
}
