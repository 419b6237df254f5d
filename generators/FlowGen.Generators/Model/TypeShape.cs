namespace FlowGen.Generators.Model;

/// <summary>How the expression language and the bus checks see a C# type.</summary>
internal enum TypeCategory
{
    Other,
    Boolean,
    Integer,
    Floating,
    Decimal,
    String,
    Char,
    Enum,
    Object,
}

/// <summary>
/// A projection of a C# type onto what flows need: its name, its category, whether null is possible and its
/// readable properties. Property types are referenced by full name into a <see cref="TypeTable"/>, so that
/// recursive types stay finite. Must be cacheable as a Roslyn incremental value: immutable, pointwise equality.
/// </summary>
/// <param name="FullName">The fully qualified C# name with <c>global::</c>, without nullable annotation (e.g. <c>int</c>, <c>global::Demo.Req</c>).</param>
/// <param name="DisplayName">The short name used in messages (e.g. <c>int</c>, <c>Req</c>).</param>
/// <param name="IsValueType">True for structs and enums.</param>
/// <param name="IsNullableValueType">True for <c>Nullable&lt;T&gt;</c>; <see cref="UnderlyingType"/> then names T.</param>
/// <param name="UnderlyingType">The T of <c>Nullable&lt;T&gt;</c>, else null.</param>
/// <param name="ElementType">The item type when the type is an array or implements IEnumerable&lt;T&gt; (strings excluded), else null.</param>
internal sealed record TypeShape(
    string FullName,
    string DisplayName,
    TypeCategory Category,
    bool IsValueType,
    bool IsNullableValueType,
    string? UnderlyingType,
    string? ElementType,
    EquatableArray<PropertyShape> Properties)
{
    /// <summary>Full names of the base classes and interfaces the type converts to implicitly.</summary>
    public EquatableArray<string> Supertypes { get; init; } = EquatableArray<string>.Empty;

    /// <summary>True for record classes and record structs: <c>with</c> can copy them with a member changed.</summary>
    public bool IsRecord { get; init; }

    /// <summary>
    /// The public instance constructors of a class or struct of the project's own (not of System), for templates that
    /// build a value by member name (a flow's result template).
    /// </summary>
    public EquatableArray<ConstructorShape> Constructors { get; init; } = EquatableArray<ConstructorShape>.Empty;
}

/// <summary>A public constructor: its parameters in order.</summary>
internal sealed record ConstructorShape(EquatableArray<ParameterShape> Parameters);

/// <summary>A constructor parameter: its name, its type's full name, whether it may be null and whether it has a default value.</summary>
internal sealed record ParameterShape(string Name, string Type, bool IsNullable, bool HasDefault);

/// <summary>A readable instance property (or field) of a type.</summary>
/// <param name="Name">The C# member name.</param>
/// <param name="Type">Full name of the member's type (a key of the <see cref="TypeTable"/>).</param>
/// <param name="IsNullable">True when the member may hold null (reference type annotated or oblivious, or Nullable&lt;T&gt;).</param>
internal sealed record PropertyShape(string Name, string Type, bool IsNullable)
{
    /// <summary>"set" for a public setter or writable field, "init" for an init accessor, null when read-only.</summary>
    public string? Setter { get; init; }

    /// <summary>The member is declared <c>required</c>: an object initializer must set it.</summary>
    public bool IsRequired { get; init; }
}

/// <summary>All type shapes one flow needs, keyed by full name.</summary>
internal sealed record TypeTable(EquatableArray<TypeShape> Types)
{
    public static readonly TypeTable Empty = new(EquatableArray<TypeShape>.Empty);

    public TypeShape? Find(string fullName)
    {
        foreach (var t in Types)
        {
            if (string.Equals(t.FullName, fullName, StringComparison.Ordinal)) return t;
        }
        return null;
    }
}
