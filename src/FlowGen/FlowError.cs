namespace FlowGen;

/// <summary>Why a flow run failed, and where.</summary>
/// <param name="Code">One of <see cref="FlowErrorCodes"/>.</param>
/// <param name="FlowId">The flow that failed.</param>
/// <param name="NodeId">The id of the node that failed (the BPMN element id), or null for flow-level errors.</param>
/// <param name="NodeName">The node's name as drawn, or null.</param>
/// <param name="Message">A sentence for people.</param>
/// <param name="Exception">The exception a task threw, if any.</param>
public sealed record FlowError(string Code, string FlowId, string? NodeId, string? NodeName, string Message, Exception? Exception = null)
{
    /// <summary>For <see cref="FlowErrorCodes.ValidationFailed"/>: every request field that failed its schema, in schema order.</summary>
    public IReadOnlyList<FlowFieldError> FieldErrors { get; init; } = [];

    /// <summary>
    /// For a request/response flow with <c>on-failure: suspend</c> run with <see cref="FlowRunOptions.Suspensions"/>: the
    /// id the failed run was saved under, to resume it later with the generated <c>ResumeSuspendedAsync(id)</c> (in this
    /// process or another). Null when the run was not saved.
    /// </summary>
    public string? SuspendedId { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var node = NodeId is null ? "" : NodeName is null ? $" at node '{NodeId}'" : $" at node '{NodeId}' ({NodeName})";
        return $"{Code}: flow '{FlowId}'{node}: {Message}";
    }
}

/// <summary>The error codes a run can end with. Each is documented in docs/errors.md.</summary>
public static class FlowErrorCodes
{
    /// <summary>
    /// The flow was not generated because its flow file has errors (FG diagnostics, which fail the build unless their
    /// severity was lowered): its class holds only a body that fails every run with this code.
    /// </summary>
    public const string NotGenerated = "FLOW_NOT_GENERATED";

    /// <summary>A task threw an exception (after its retries and fallback, if it has them).</summary>
    public const string TaskFailed = "FLOW_TASK_FAILED";

    /// <summary>A task's last attempt took longer than its <c>timeout</c> property (and no fallback saved it).</summary>
    public const string TaskTimedOut = "FLOW_TASK_TIMEOUT";

    /// <summary>An iterated task failed: an item failed (strategy all), or no item succeeded (strategy any).</summary>
    public const string IterationFailed = "FLOW_ITERATION_FAILED";

    /// <summary>A subprocess took longer than its <c>timeout</c> property.</summary>
    public const string SubprocessTimedOut = "FLOW_SUBPROCESS_TIMEOUT";

    /// <summary>A loop went round more often than the run allows (<see cref="FlowRunOptions.MaxLoopIterations"/>).</summary>
    public const string LoopLimit = "FLOW_LOOP_LIMIT";

    /// <summary>An exclusive or inclusive gateway found no true condition and has no default flow.</summary>
    public const string NoMatchingBranch = "FLOW_NO_MATCHING_BRANCH";

    /// <summary>The caller's cancellation token was cancelled during the run.</summary>
    public const string Cancelled = "FLOW_CANCELLED";

    /// <summary>The run took longer than <see cref="FlowRunOptions.Timeout"/>.</summary>
    public const string FlowTimedOut = "FLOW_TIMEOUT";

    /// <summary>A strict parallel join was reached by some branches while others were skipped.</summary>
    public const string JoinIncomplete = "FLOW_JOIN_INCOMPLETE";

    /// <summary>A condition threw while it was evaluated (for example a division by zero).</summary>
    public const string ConditionFailed = "FLOW_CONDITION_FAILED";

    /// <summary>
    /// An expression of a node's <c>set</c> threw while it was evaluated (for example a division by zero); the error
    /// names the bus value being set, and no value after it in that <c>set</c> was written.
    /// </summary>
    public const string AssignmentFailed = "FLOW_ASSIGNMENT_FAILED";

    /// <summary>
    /// The request failed the flow file's request schema; <see cref="FlowError.FieldErrors"/> lists every failing
    /// field. Reported at the start node, before any task runs.
    /// </summary>
    public const string ValidationFailed = "FLOW_VALIDATION_FAILED";

    /// <summary>A state was run a second time, or a run that had not failed was resumed.</summary>
    public const string InvalidResume = "FLOW_INVALID_RESUME";

    /// <summary>
    /// A durable instance is suspended: a task asked for it (<see cref="FlowContext.SuspendInstance"/>), or it was
    /// suspended by hand. Resuming it continues where it stopped.
    /// </summary>
    public const string Suspended = "FLOW_SUSPENDED";

    /// <summary>
    /// A durable flow reached a wait (an event or a timer) in a plain run: only a <c>FlowEngine</c> can keep an
    /// instance waiting. The error names the wait node.
    /// </summary>
    public const string Waiting = "FLOW_WAITING";

    /// <summary>
    /// A persisted instance was saved by another build of its flow (a different <c>FlowVersion</c>) and no
    /// registered flow continues that version. The message names both versions.
    /// </summary>
    public const string VersionMismatch = "FLOW_VERSION_MISMATCH";

    /// <summary>A persisted instance's state could not be read or written (for example a bus type the JSON options do not know).</summary>
    public const string StateUnreadable = "FLOW_STATE_UNREADABLE";

    /// <summary>
    /// A persisted instance's row holds a value the engine cannot read: its <c>nodes</c> or <c>events</c> column is not
    /// a JSON array of strings, or its status is none of <c>FlowInstanceStatus</c>'s. The engine does not continue it
    /// and starts no other instance of its flow and key over it.
    /// </summary>
    public const string InstanceUnreadable = "FLOW_INSTANCE_UNREADABLE";

    /// <summary>
    /// A persisted instance that is not finished belongs to a flow id no registered build runs (neither a current
    /// build nor one kept with <c>ContinueVersion</c>/<c>continues</c>); or <see cref="FlowCatalog"/> was asked to run a
    /// flow id that no registered flow has.
    /// </summary>
    public const string UnknownFlow = "FLOW_UNKNOWN_FLOW";

    /// <summary>
    /// <see cref="FlowCatalog"/> was asked to run a flow with a request, or as a result type, the flow does not have. The
    /// message names the flow's types and the caller's.
    /// </summary>
    public const string FlowTypeMismatch = "FLOW_TYPE_MISMATCH";

    /// <summary>
    /// A durable flow store cannot be used at start-up because its data is damaged: a SQLite file that is not a
    /// database or is corrupt, or FlowGen tables that lack columns FlowGen writes. The message names the file (or the
    /// database and schema).
    /// </summary>
    public const string StoreDamaged = "FLOW_STORE_DAMAGED";

    /// <summary>
    /// A durable flow store cannot be reached or opened at start-up (a file that cannot be opened or written, a
    /// database server that refuses the connection). The message names the file (or the host and database).
    /// </summary>
    public const string StoreUnavailable = "FLOW_STORE_UNAVAILABLE";

    /// <summary>
    /// An HTTP task's answer was larger than its limit (the task's <c>http-max-response</c>, else
    /// <c>FlowHttpOptions.MaxResponseBytes</c>, 4 MB by default). The answer is not read beyond the limit.
    /// </summary>
    public const string HttpResponseTooLarge = "FLOW_HTTP_RESPONSE_TOO_LARGE";

    /// <summary>
    /// The run's role holds the permissions of two abilities of one task, so which implementation runs is not clear
    /// (Kstry's TASK_SERVICE_MATCH_ERROR). The message names the role and the two abilities.
    /// </summary>
    public const string AbilityAmbiguous = "FLOW_ABILITY_AMBIGUOUS";

    /// <summary>An HTTP task whose answer goes to the bus (<c>http-output</c>, <c>output</c>) got a success status with an empty body.</summary>
    public const string HttpEmptyResponse = "FLOW_HTTP_EMPTY_RESPONSE";
}

/// <summary>One request field that failed a rule of the flow file's request schema.</summary>
/// <param name="Field">The field's path as written in the schema (<c>address.city</c>).</param>
/// <param name="Rule">The rule that failed: required, minLen, maxLen, min, max or enum.</param>
/// <param name="Message">What is wrong, for people: <c>must have at least 11 characters (it has 8)</c>.</param>
public sealed record FlowFieldError(string Field, string Rule, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Field} {Message}";
}

/// <summary>Helpers for generated request validators.</summary>
public static class FlowValidation
{
    /// <summary>Records a failing field; the list is made on the first failure only, so a valid request allocates nothing.</summary>
    public static void Add(ref List<FlowFieldError>? errors, string field, string rule, string message)
        => (errors ??= []).Add(new FlowFieldError(field, rule, message));

    /// <summary>
    /// The request's DataAnnotations, as generated flows check them when they start: a context for the request
    /// (the trim-safe constructor: no reflection over the request's type).
    /// </summary>
    public static System.ComponentModel.DataAnnotations.ValidationContext ContextFor(object request, string displayName)
        => new(request, displayName, null, null);

    /// <summary>Checks one DataAnnotations attribute of a request member and records it when it fails, with the attribute's own message.</summary>
    public static void Check(ref List<FlowFieldError>? errors, System.ComponentModel.DataAnnotations.ValidationAttribute rule, object? value,
        System.ComponentModel.DataAnnotations.ValidationContext context, string member, string displayName, string ruleName)
    {
        context.MemberName = member;
        context.DisplayName = displayName;
        if (rule.GetValidationResult(value, context) is { } failed)
            Add(ref errors, member, ruleName, failed.ErrorMessage ?? $"fails [{ruleName}]");
    }

    /// <summary>Runs the request's own IValidatableObject.Validate and records what it reports, one entry per result.</summary>
    public static void CheckObject(ref List<FlowFieldError>? errors, System.ComponentModel.DataAnnotations.IValidatableObject request,
        System.ComponentModel.DataAnnotations.ValidationContext context)
    {
        context.MemberName = null;
        foreach (var failed in request.Validate(context))
        {
            if (failed is null) continue;
            Add(ref errors, string.Join(",", failed.MemberNames), "Validate", failed.ErrorMessage ?? "fails Validate");
        }
    }

    /// <summary>A number in messages, culture-independent.</summary>
    public static string Text<T>(T value) where T : IFormattable => value.ToString(null, System.Globalization.CultureInfo.InvariantCulture);
}
