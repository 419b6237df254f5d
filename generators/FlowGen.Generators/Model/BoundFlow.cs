using FlowGen.Generators.Binding;
using FlowGen.Generators.Diagnostics;

namespace FlowGen.Generators.Model;

/// <summary>A flow bound to its C# class and task methods and checked: everything the emitter needs, as data.</summary>
internal sealed record BoundFlow(
    FlowClassModel Class,
    FlowDefinition Flow,
    EquatableArray<BoundNode> Nodes,
    EquatableArray<BusField> Fields,
    EquatableArray<ComponentDependency> Components,
    EquatableArray<string> ValueTypes,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool TypeIsValue(string type) => ValueTypes.Contains(type);

    public bool HasErrors => Flow.HasErrors || Diagnostics.Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);

    /// <summary>The request schema of the flow file, bound to the request type; null when the flow has none.</summary>
    public BoundRequestSchema? RequestSchema { get; init; }

    /// <summary>For a durable flow (one with waits or a trigger): its events, key and waits; null otherwise.</summary>
    public BoundDurable? Durable { get; init; }
}

/// <summary>
/// What makes a flow durable: the correlation key of its instances, the event that starts one (a triggered flow),
/// the events it takes with the key each is routed by, and its waits.
/// </summary>
/// <param name="KeyCode">C# reading the instance key from <c>state</c> (the request), or null: the instance id is the key.</param>
/// <param name="TriggerCondition">C# bool over <c>state</c> (whose request is the trigger event), or null.</param>
/// <param name="FailurePolicy">fail or suspend: what a task failure does to an instance ("" when the flow file does not say).</param>
internal sealed record BoundDurable(
    string? KeyCode,
    string? TriggerEvent,
    string? TriggerCondition,
    string FailurePolicy,
    EquatableArray<BoundEventKey> Events,
    EquatableArray<BoundWait> Waits)
{
    /// <summary>For an older build kept beside the current one: the flow id whose instances it continues (<c>continues</c>), or null.</summary>
    public string? Continues { get; init; }
}

/// <summary>An event a durable flow takes: its C# type and the C# that reads its correlation key from <c>e</c> (null: no key).</summary>
internal sealed record BoundEventKey(string Name, string Type, string? KeyCode);

/// <summary>A node where a durable run stops (an event gateway or a lone catch), with the arms it waits for.</summary>
internal sealed record BoundWait(string NodeId, EquatableArray<BoundArm> Arms);

/// <summary>
/// One thing a wait waits for: an event (with an optional condition over <c>e</c> and the bus field it writes) or a
/// time (a duration, or a date read from the bus). <paramref name="ContinueAt"/> is the node the run enters when it
/// comes: the arm's catch node under an event gateway, else the node after the catch.
/// </summary>
internal sealed record BoundArm(
    string NodeId,
    string? EventName,
    string? EventType,
    string? ConditionCode,
    string? ToField,
    long DurationTicks,
    string? DateCode,
    string ContinueAt);

/// <summary>A node in emission order, with its call (for tasks) and its outgoing branches.</summary>
/// <param name="Policy">Timeout, retries and strict-mode of the call, or null for a plain call.</param>
/// <param name="Fallback">The task called when the call fails (task-demotion), or null.</param>
internal sealed record BoundNode(
    FlowNode Node,
    BoundCall? Call,
    EquatableArray<BoundBranch> Outgoing,
    int IncomingCount,
    bool IsSkipped,
    TaskPolicy? Policy = null,
    BoundCall? Fallback = null,
    LoopMembership? Loop = null,
    BoundIteration? Iteration = null)
{
    /// <summary>The node's <c>set</c> assignments, checked and compiled, in the order written.</summary>
    public EquatableArray<BoundAssignment> Assignments { get; init; } = EquatableArray<BoundAssignment>.Empty;

    /// <summary>For a subprocess or call activity with <c>foreach</c>: the collection whose items each run the whole body; else null.</summary>
    public BoundForeach? Foreach { get; init; }
}

/// <summary>
/// A foreach: the body of a subprocess runs once per item of <see cref="SourceCode"/>, with the item in
/// <see cref="ItemField"/> and its index in <see cref="IndexField"/>; one item at a time, or up to
/// <see cref="Parallelism"/> items at once, each on a copy of the bus.
/// </summary>
/// <param name="Parallelism">0: one item after another, on the flow's bus; n: up to n items at once.</param>
internal sealed record BoundForeach(string SourceText, string SourceCode, string ItemType, string ItemName, string IndexName, int Parallelism)
{
    /// <summary>The bus field the item is written to (<c>state.Var_item</c>).</summary>
    public string ItemField { get; init; } = "";

    /// <summary>The bus field the index is written to (<c>state.Var_index</c>).</summary>
    public string IndexField { get; init; } = "";
}

/// <summary>A checked assignment: <c>state.Var_total = &lt;Code&gt;;</c>.</summary>
/// <param name="Field">The written field (<c>state.Var_total</c>).</param>
/// <param name="BusName">How traces and comments name it (<c>var.total</c>).</param>
/// <param name="Code">The C# expression, of the field's type.</param>
/// <param name="Text">The expression as the flow file wrote it, for the comment above the write.</param>
internal sealed record BoundAssignment(string Field, string BusName, string Code, string Text, LocationInfo Location)
{
    /// <summary>A publish: <see cref="Code"/> is a statement (<c>state.Publish(...)</c>), not a value for <see cref="Field"/>.</summary>
    public bool IsStatement { get; init; }
}

/// <summary>A node on a loop: the loop's exit target (where a skipped loop hands on its skip) and whether flows come back to this node.</summary>
internal sealed record LoopMembership(string ExitTargetId, bool IsHeader);

/// <summary>An iterated task: its source, item type, strategy and how many items run at once.</summary>
/// <param name="SourceCode">The C# expression that reads the ite-source.</param>
/// <param name="Strategy">A <c>FlowGen.IterationStrategy</c> member name.</param>
/// <param name="Parallelism">0 for one item at a time; else the flow file's ite-parallelism (or -1 for the run's default).</param>
internal sealed record BoundIteration(string SourceText, string SourceCode, string ItemType, string Strategy, int Parallelism);

/// <summary>A task's policy: each attempt limited by the timeout, retries around the attempts, then strict mode.</summary>
/// <param name="Backoff">A <c>FlowGen.RetryBackoff</c> member name.</param>
/// <param name="IgnoreFailure">strict-mode=false: a failure is recorded and the run goes on.</param>
internal sealed record TaskPolicy(int TimeoutMilliseconds, int Retries, int RetryDelayMilliseconds, string Backoff, bool IgnoreFailure)
{
    /// <summary>on-timeout=continue (a BPMN timer boundary event): the run goes on after a timeout, and @timedOut says so; other failures fail it.</summary>
    public bool ContinueOnTimeout { get; init; }

    /// <summary>on-error=continue (an error route): a failure is caught, its FlowError written to <see cref="ErrorField"/>, and @failed says so.</summary>
    public bool CatchErrors { get; init; }

    /// <summary>The error codes the route catches (error-codes); empty: every code.</summary>
    public EquatableArray<string> ErrorCodes { get; init; } = EquatableArray<string>.Empty;

    /// <summary>The bus field the caught FlowError is written to (<c>state.Var_error</c>).</summary>
    public string? ErrorField { get; init; }

    public bool NeedsPipeline => TimeoutMilliseconds > 0 || Retries > 0;
}

/// <summary>
/// A task call: the receiver (a component field, or a type for static methods), the argument expressions,
/// and where the produced value goes.
/// </summary>
internal sealed record BoundCall(
    string Receiver,
    string MethodName,
    string ComponentName,
    string TaskName,
    ReturnKind ReturnKind,
    string? ValueType,
    EquatableArray<string> Arguments,
    EquatableArray<BusAssignment> Assignments)
{
    /// <summary>The method's parameter names, one per argument (for traces of tasks' inputs).</summary>
    public EquatableArray<string> ParameterNames { get; init; } = EquatableArray<string>.Empty;

    /// <summary>True when the first argument is a constant object built once (an HTTP task's request): the emitter makes it a static field.</summary>
    public bool FirstArgumentIsConstant { get; init; }

    /// <summary>Ability methods called instead of <see cref="MethodName"/> when the run's role holds their permissions, in order.</summary>
    public EquatableArray<AbilityCall> Abilities { get; init; } = EquatableArray<AbilityCall>.Empty;
}

/// <summary>An ability of a task: the method, and the two permissions (r: and pr:) that select it.</summary>
internal sealed record AbilityCall(string Ability, string MethodName, string Permission, string ComponentPermission);

/// <summary>One bus write after a task: <c>Target = value.Property</c>.</summary>
internal sealed record BusAssignment(string Target, string? Property);

/// <summary>An outgoing sequence flow with its compiled condition (null: always taken unless a choice says otherwise).</summary>
/// <param name="IsBackEdge">True for a flow back to the start of a loop: taking it goes round again.</param>
internal sealed record BoundBranch(FlowEdge Edge, string? ConditionCode, bool IsBackEdge = false);

/// <summary>A typed bus value: one field of the generated state.</summary>
internal sealed record BusField(string FieldName, string Type, bool IsValueType, string Scope, string BusName)
{
    /// <summary>For a value the caller seeds: the property of the flow's Vars or States type it is read from, else null.</summary>
    public string? SeedProperty { get; init; }
}

/// <summary>A component the flow's constructor takes.</summary>
internal sealed record ComponentDependency(string Type, string FieldName, string ParameterName);

/// <summary>A flow's request schema bound to the request type: what the generated validator checks, in schema order.</summary>
internal sealed record BoundRequestSchema(string FileName, int Line, EquatableArray<BoundRequestField> Fields);

/// <summary>One schema field bound to a C# member of the request (or of a nested object).</summary>
/// <param name="Path">The field's path as written (<c>address.city</c>), for messages.</param>
/// <param name="Member">The C# member it checks.</param>
/// <param name="Type">The member's C# type.</param>
/// <param name="CanBeNull">True for reference types and Nullable&lt;T&gt;: required and default apply.</param>
/// <param name="LengthMember">Length or Count, for minLen/maxLen.</param>
/// <param name="DefaultCode">The default as a C# literal, or null.</param>
/// <param name="DefaultVia">How the default is stored: "with" (a record copy of the request) or "set" (the member is settable).</param>
/// <param name="MinCode">min as a C# literal of the member's type, or null.</param>
/// <param name="MaxCode">max as a C# literal of the member's type, or null.</param>
/// <param name="EnumCodes">The allowed values as C# literals, or empty.</param>
internal sealed record BoundRequestField(
    string Path,
    string Member,
    SchemaField Field,
    string Type,
    bool CanBeNull,
    string? LengthMember,
    string? DefaultCode,
    string? DefaultVia,
    string? MinCode,
    string? MaxCode,
    EquatableArray<string> EnumCodes,
    EquatableArray<BoundRequestField> Fields);
