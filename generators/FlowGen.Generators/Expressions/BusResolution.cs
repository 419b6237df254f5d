using FlowGen.Generators.Model;

namespace FlowGen.Generators.Expressions;

/// <summary>A value on the data bus as generated code reads it.</summary>
/// <param name="Code">The C# expression that reads it (e.g. <c>state.Request</c>); must be a primary expression.</param>
/// <param name="Type">The value's type, a <see cref="TypeTable"/> key (full name).</param>
/// <param name="IsNullable">True when the value may be null at the condition (e.g. a state value no task may have written yet).</param>
internal sealed record BusValue(string Code, string Type, bool IsNullable);

/// <summary>What a condition can read: the flow's request, result and the named state/var values before it.</summary>
internal interface IBusResolver
{
    /// <summary>The shapes of every type a path may walk through.</summary>
    TypeTable Types { get; }

    /// <summary><c>req</c> gives the request object, <c>res</c> the result object; null for <c>sta</c>/<c>var</c> or when the flow has none.</summary>
    BusValue? ResolveRoot(string root);

    /// <summary><c>sta</c>/<c>var</c> plus a value name gives that bus value (exact name first, then ignoring case); null when no task writes it on the way to the condition.</summary>
    BusValue? ResolveNamed(string root, string name);
}

/// <summary>
/// A type-checked expression. <paramref name="Code"/> is a C# expression (a bool for conditions) and
/// <paramref name="Type"/> its C# type (e.g. <c>bool</c>, <c>int?</c>); both are null when <paramref name="Errors"/> is not empty.
/// </summary>
internal sealed record CompiledExpression(string? Code, string? Type, EquatableArray<ExpressionError> Errors)
{
    /// <summary>The value may be null at run time (a reference read through a path that may be null, a function that keeps null).</summary>
    public bool MayBeNull { get; init; }
}
