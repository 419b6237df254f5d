using FlowGen.Generators.Model;

namespace FlowGen.Generators.Binding;

// Small, equatable projections of the C# side, made once per [FlowComponent] or [Flow] class. They hold
// names and shapes only (no symbols, no locations), so editing unrelated code leaves them equal and every
// flow output cached.

internal enum ReturnKind { Void, Value, Task, TaskOfT, ValueTask, ValueTaskOfT }

internal enum ParameterSource { Auto, Request, RequestPath, State, Var, CancellationToken, Context, Item, Variables, Constant, Result, Object, TaskProperty }

internal enum BusScope { State, Var, Result }

/// <summary>A task method parameter (or a member of a [FromBus] parameter object) and where its value comes from.</summary>
/// <param name="Path">For RequestPath/State/Var: the path or value name (with optional ".member" path); for Result: the path inside the
/// result, or null; for Constant: the C# expression passed.</param>
internal sealed record ParameterModel(string Name, string Type, bool IsNullable, ParameterSource Source, string? Path)
{
    /// <summary>For Object (a [FromBus] parameter): its constructor's arguments, then the properties it sets, in that order.</summary>
    public EquatableArray<ParameterModel> Members { get; init; } = EquatableArray<ParameterModel>.Empty;

    /// <summary>For a member of a [FromBus] object: true for a constructor argument, false for a property it sets.</summary>
    public bool IsConstructorArgument { get; init; }

    /// <summary>For a member of a [FromBus] object: the parameter (or member) it belongs to, for messages (<c>input.Channel</c>).</summary>
    public string? Owner { get; init; }

    /// <summary>How messages name it: the parameter's name, or <c>owner.Member</c>.</summary>
    public string Label => Owner is null ? Name : Owner + "." + Name;
}

/// <summary>A bus value the caller seeds for a run: one public property of the flow's Vars or States type.</summary>
/// <param name="Scope">State or Var.</param>
/// <param name="Name">The bus name (the property's name in camelCase).</param>
/// <param name="Property">The C# property it is read from.</param>
/// <param name="SeedType">The seed type's full name (for messages and the generated code).</param>
internal sealed record SeedModel(BusScope Scope, string Name, string Type, bool IsNullable, string Property, string SeedType);

/// <summary>A value a task writes to the bus: the whole return value, or one property of it.</summary>
internal sealed record OutputModel(BusScope Scope, string Name, string Type, bool IsNullable, string? Property);

/// <summary>A [FlowTask] method.</summary>
/// <param name="ValueType">The type of the produced value (T of Task&lt;T&gt;, or the return type), null for void/Task/ValueTask.</param>
/// <param name="Problem">Why a flow cannot call this method (generic, ref parameter...), or null.</param>
internal sealed record TaskMethodModel(
    string TaskName,
    string MethodName,
    bool IsStatic,
    ReturnKind ReturnKind,
    string? ValueType,
    EquatableArray<ParameterModel> Parameters,
    EquatableArray<OutputModel> Outputs,
    string? Problem)
{
    /// <summary>The policy the method's [FlowTask] asks for (Kstry's @Invoke); a node's properties win.</summary>
    public TaskDefaults Defaults { get; init; } = TaskDefaults.None;

    /// <summary>True when the produced value may be null (annotated, oblivious, or Nullable&lt;T&gt;).</summary>
    public bool ValueIsNullable { get; init; }

    /// <summary>The ability this method implements ([FlowTask(Ability = ...)]), or null for the task's plain method.</summary>
    public string? Ability { get; init; }

    /// <summary>For a plain method: the task's ability methods, picked at run time by the run's role.</summary>
    public EquatableArray<TaskMethodModel> Abilities { get; init; } = EquatableArray<TaskMethodModel>.Empty;
}

/// <summary>Timeout, retries, fallback and strict mode written on a [FlowTask] attribute.</summary>
internal sealed record TaskDefaults(int TimeoutMilliseconds, int Retries, string? Demotion, bool IgnoreFailure)
{
    public static readonly TaskDefaults None = new(0, 0, null, false);
}

/// <summary>A [FlowComponent] class with its tasks and the shapes of the types they use.</summary>
internal sealed record ComponentModel(
    string Name,
    string TypeFullName,
    string TypeName,
    EquatableArray<TaskMethodModel> Tasks,
    TypeTable Types);

/// <summary>A [Flow] class: the flow id it runs and the C# names generated code needs.</summary>
internal sealed record FlowClassModel(
    string FlowId,
    string? Namespace,
    string ClassName,
    string Accessibility,
    string RequestType,
    string ResultType,
    TypeTable Types,
    bool IsValid)
{
    /// <summary>True when the class itself declares <c>FlowGen.Durable.IDurableFlow</c> (the generator adds it to durable flows).</summary>
    public bool DeclaresDurable { get; init; }

    /// <summary>The type of [Flow(Vars = ...)], or null: the caller seeds the var scope with an instance of it.</summary>
    public string? VarsType { get; init; }

    /// <summary>The type of [Flow(States = ...)], or null: the caller seeds the sta scope with an instance of it.</summary>
    public string? StatesType { get; init; }

    /// <summary>The bus values the Vars and States types seed, in declaration order (vars first).</summary>
    public EquatableArray<SeedModel> Seeds { get; init; } = EquatableArray<SeedModel>.Empty;

    /// <summary>The request type's DataAnnotations (Kstry's JSR-303), checked when the flow starts; empty without any.</summary>
    public EquatableArray<AnnotationRule> RequestRules { get; init; } = EquatableArray<AnnotationRule>.Empty;

    /// <summary>True when the request type implements IValidatableObject: its Validate runs after the attributes.</summary>
    public bool RequestIsValidatable { get; init; }
}

/// <summary>
/// One DataAnnotations attribute on a member of the request: checked at run time by an instance of the attribute made
/// once, as the attribute is written (no reflection over the request).
/// </summary>
/// <param name="Member">The C# member name.</param>
/// <param name="DisplayName">The name messages use: [Display(Name = ...)] when given, else the member name.</param>
/// <param name="Rule">The attribute's name without "Attribute" (Required, Range, ...).</param>
/// <param name="Creation">The C# expression that makes the attribute (<c>new global::...RangeAttribute(1, 100) { ErrorMessage = "..." }</c>).</param>
internal sealed record AnnotationRule(string Member, string DisplayName, string Rule, string Creation);

/// <summary>A [FlowEvent] type: the event name flows use and the type's shape (for key paths, conditions and bus writes).</summary>
internal sealed record EventModel(string Name, string TypeFullName, string TypeName, TypeTable Types);
