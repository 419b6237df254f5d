using System.Diagnostics.CodeAnalysis;

namespace FlowGen;

/// <summary>The outcome of one flow run: a result, or an error naming the node that failed.</summary>
public readonly struct FlowResult<T>
{
    private FlowResult(T? value, FlowError? error, FlowTrace? trace)
    {
        Value = value;
        Error = error;
        Trace = trace;
    }

    /// <summary>A successful run.</summary>
    public static FlowResult<T> Success(T? value, FlowTrace? trace = null) => new(value, null, trace);

    /// <summary>A failed run.</summary>
    public static FlowResult<T> Failure(FlowError error, FlowTrace? trace = null) => new(default, error, trace);

    /// <summary>True when the run reached its end without an error.</summary>
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>The result (bus scope <c>res</c>); default when no task wrote it or the run failed.</summary>
    public T? Value { get; }

    /// <summary>The error of a failed run, else null.</summary>
    public FlowError? Error { get; }

    /// <summary>The per-node trace when <see cref="FlowRunOptions.Tracking"/> asked for one, else null.</summary>
    public FlowTrace? Trace { get; }

    /// <summary>The value of a successful run; throws <see cref="FlowFailedException"/> for a failed one.</summary>
    public T? GetValueOrThrow() => Error is null ? Value : throw new FlowFailedException(Error);

    /// <inheritdoc />
    public override string ToString() => Error is null ? $"Success: {Value}" : $"Failure: {Error}";
}

/// <summary>Thrown by <see cref="FlowResult{T}.GetValueOrThrow"/> for a failed run.</summary>
public sealed class FlowFailedException(FlowError error) : Exception(error.ToString(), error.Exception)
{
    /// <summary>The flow error.</summary>
    public FlowError Error { get; } = error;
}
