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
}

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
    BoundIteration? Iteration = null);

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
    EquatableArray<BusAssignment> Assignments);

/// <summary>One bus write after a task: <c>Target = value.Property</c>.</summary>
internal sealed record BusAssignment(string Target, string? Property);

/// <summary>An outgoing sequence flow with its compiled condition (null: always taken unless a choice says otherwise).</summary>
/// <param name="IsBackEdge">True for a flow back to the start of a loop: taking it goes round again.</param>
internal sealed record BoundBranch(FlowEdge Edge, string? ConditionCode, bool IsBackEdge = false);

/// <summary>A typed bus value: one field of the generated state.</summary>
internal sealed record BusField(string FieldName, string Type, bool IsValueType, string Scope, string BusName);

/// <summary>A component the flow's constructor takes.</summary>
internal sealed record ComponentDependency(string Type, string FieldName, string ParameterName);
