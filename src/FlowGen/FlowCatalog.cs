using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace FlowGen;

/// <summary>
/// One flow of the catalog: its id, its request and result types, and how to run it from the service provider.
/// The generated registration (<c>AddFlowGenFlows</c>, FlowGen.Hosting's <c>AddFlowGen</c>) adds one per flow.
/// </summary>
public sealed class FlowCatalogEntry
{
    private readonly Func<IServiceProvider, object> _resolve;
    private readonly Func<IServiceProvider, object?, FlowRunOptions?, CancellationToken, ValueTask<FlowResult<object?>>> _run;

    private readonly Func<FlowDescriptor>? _descriptor;

    private FlowCatalogEntry(string flowId, Type flowType, Type requestType, Type resultType, Func<IServiceProvider, object> resolve,
        Func<IServiceProvider, object?, FlowRunOptions?, CancellationToken, ValueTask<FlowResult<object?>>> run, Func<FlowDescriptor>? descriptor)
    {
        _descriptor = descriptor;
        FlowId = flowId;
        FlowType = flowType;
        RequestType = requestType;
        ResultType = resultType;
        _resolve = resolve;
        _run = run;
    }

    /// <summary>The flow id (the start event's id).</summary>
    public string FlowId { get; }

    /// <summary>The generated flow class.</summary>
    public Type FlowType { get; }

    /// <summary>The request the flow takes.</summary>
    public Type RequestType { get; }

    /// <summary>The result the flow returns.</summary>
    public Type ResultType { get; }

    /// <summary>What the runtime knows of the flow (its nodes, version and pictures), or null for an entry made without it.</summary>
    public FlowDescriptor? Descriptor => _descriptor?.Invoke();

    /// <summary>The entry of a generated flow class (called by the generated registration).</summary>
    public static FlowCatalogEntry For<TFlow, TRequest, TResult>(string flowId) where TFlow : class, IFlow<TRequest, TResult>
        => For<TFlow, TRequest, TResult>(flowId, null);

    /// <summary>The entry of a generated flow class with its descriptor (called by the generated registration).</summary>
    public static FlowCatalogEntry For<TFlow, TRequest, TResult>(string flowId, Func<FlowDescriptor>? descriptor) where TFlow : class, IFlow<TRequest, TResult>
        => new(flowId, typeof(TFlow), typeof(TRequest), typeof(TResult),
            static provider => provider.GetRequiredService<TFlow>(),
            async (provider, request, options, cancellationToken) =>
            {
                if (request is not TRequest typed)
                {
                    if (request is not null || default(TRequest) is not null)
                        return FlowResult<object?>.Failure(FlowCatalog.Mismatch(flowId,
                            $"takes a {typeof(TRequest).Name}, but the request is {(request is null ? "null" : "a " + request.GetType().Name)}"));
                    typed = default!;
                }
                var result = await provider.GetRequiredService<TFlow>().RunAsync(typed, options, cancellationToken).ConfigureAwait(false);
                return result.IsSuccess ? FlowResult<object?>.Success(result.Value, result.Trace) : FlowResult<object?>.Failure(result.Error!, result.Trace);
            }, descriptor);

    internal object Resolve(IServiceProvider provider) => _resolve(provider);

    internal ValueTask<FlowResult<object?>> RunAsync(IServiceProvider provider, object? request, FlowRunOptions? options, CancellationToken cancellationToken)
        => _run(provider, request, options, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"{FlowId}: {RequestType.Name} -> {ResultType.Name} ({FlowType.FullName})";
}

/// <summary>
/// Every flow of the application by id, for callers that choose the flow at run time (Kstry's
/// <c>StoryEngine.fire(startId)</c>). Typed where the caller knows the types, untyped where it does not; an unknown id
/// or a request or result of another type is a failed <see cref="FlowResult{T}"/> (<see cref="FlowErrorCodes.UnknownFlow"/>,
/// <see cref="FlowErrorCodes.FlowTypeMismatch"/>), never an exception. Registered by the generated
/// <c>AddFlowGenFlows</c> with the flows' lifetime.
/// </summary>
public sealed class FlowCatalog
{
    private readonly IServiceProvider _services;
    private readonly Dictionary<string, FlowCatalogEntry> _byId = new(StringComparer.Ordinal);

    /// <summary>The catalog of the entries registered in <paramref name="services"/>.</summary>
    public FlowCatalog(IServiceProvider services, IEnumerable<FlowCatalogEntry> entries)
    {
        _services = services;
        // AddFlowGenFlows called twice registers an entry twice: the first one is kept.
        foreach (var entry in entries) _byId.TryAdd(entry.FlowId, entry);
    }

    /// <summary>The flows, by id.</summary>
    public IReadOnlyCollection<FlowCatalogEntry> Entries => _byId.Values;

    /// <summary>The entry of a flow id, or false when no flow has that id.</summary>
    public bool TryFind(string flowId, [NotNullWhen(true)] out FlowCatalogEntry? entry) => _byId.TryGetValue(flowId, out entry);

    /// <summary>Runs the flow with this id, typed: its request must be a <typeparamref name="TRequest"/> and its result a <typeparamref name="TResult"/>.</summary>
    public ValueTask<FlowResult<TResult>> RunAsync<TRequest, TResult>(string flowId, TRequest request, FlowRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!_byId.TryGetValue(flowId, out var entry)) return new(FlowResult<TResult>.Failure(Unknown(flowId)));
        if (entry.Resolve(_services) is not IFlow<TRequest, TResult> flow)
            return new(FlowResult<TResult>.Failure(Mismatch(flowId,
                $"takes a {entry.RequestType.Name} and returns a {entry.ResultType.Name}, but the caller runs it as IFlow<{typeof(TRequest).Name}, {typeof(TResult).Name}>")));
        return flow.RunAsync(request, options, cancellationToken);
    }

    /// <summary>Runs the flow with this id when the caller does not know its types: the request must be of the flow's request type.</summary>
    public ValueTask<FlowResult<object?>> RunAsync(string flowId, object? request, FlowRunOptions? options = null, CancellationToken cancellationToken = default)
        => _byId.TryGetValue(flowId, out var entry)
            ? entry.RunAsync(_services, request, options, cancellationToken)
            : new(FlowResult<object?>.Failure(Unknown(flowId)));

    private FlowError Unknown(string flowId)
    {
        var known = _byId.Keys.Order(StringComparer.Ordinal).ToList();
        var near = known.Where(k => Distance(k, flowId) <= Math.Max(1, flowId.Length / 5)).ToList();
        var hint = near.Count > 0 ? $"did you mean {string.Join(" or ", near.Select(n => "'" + n + "'"))}? "
            : "";
        return new FlowError(FlowErrorCodes.UnknownFlow, flowId, null, null,
            $"no flow has the id '{flowId}'; {hint}the registered flows are {(known.Count == 0 ? "none (call AddFlowGenFlows or AddFlowGen)" : string.Join(", ", known.Take(20)) + (known.Count > 20 ? $", ... ({known.Count} in all)" : ""))}");
    }

    /// <summary>Levenshtein distance, for the 'did you mean' of an unknown id.</summary>
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 3) return int.MaxValue;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    internal static FlowError Mismatch(string flowId, string why) => new(FlowErrorCodes.FlowTypeMismatch, flowId, null, null, $"the flow {why}");
}
