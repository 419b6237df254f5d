namespace FlowGen;

/// <summary>
/// Marks the static method of a <see cref="FlowAttribute"/> class that defines its flow with a
/// <see cref="FlowBuilder{TRequest}"/>: <c>static void Define(FlowBuilder&lt;TRequest&gt; flow) =&gt; flow.Task(...)...;</c>.
/// FlowGen's generator reads the method's code at build time and compiles the flow it describes, exactly as it
/// compiles a BPMN, JSON or YAML flow file. The method is never called: what it says is the flow, not what it does.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class FlowDefinitionAttribute : Attribute
{
}

/// <summary>
/// The fluent flow builder. A definition is one chain of calls on the method's parameter; each call adds a node
/// after the previous one (or, for the settings methods, configures the node just added). Branch bodies are
/// lambdas over a builder of their own. Every argument must be a constant, a method group or a lambda the
/// generator can read (FG0710-FG0712 otherwise). Calling these methods at run time does nothing: they exist so
/// that the definition is type-checked C# with IntelliSense.
/// </summary>
/// <typeparam name="TRequest">The flow's request type, so that conditions over <see cref="FlowBus{TRequest}.Request"/> are typed.</typeparam>
public sealed class FlowBuilder<TRequest>
{
    // ---- nodes ----

    /// <summary>Runs a [FlowTask] method: <c>.Task&lt;UserService&gt;(s =&gt; s.LoadUserAsync)</c>. The node id defaults to the task's name.</summary>
    public FlowBuilder<TRequest> Task<TComponent>(Func<TComponent, Delegate> method, string? id = null, string? name = null) => this;

    /// <summary>Runs a task by its component and task names, as flow files do (<c>task-component</c>, <c>task-service</c>).</summary>
    public FlowBuilder<TRequest> Task(string component, string service, string? id = null, string? name = null) => this;

    /// <summary>Runs a [FlowTask] method once per item of a collection on the bus (<c>ite-source</c>): its [FromItem] parameter takes the item.</summary>
    public FlowBuilder<TRequest> ForEach<TComponent, TItem>(Func<FlowBus<TRequest>, IEnumerable<TItem>> source, Func<TComponent, Delegate> method, string? id = null, string? name = null) => this;

    /// <summary>
    /// Runs a body of several steps once per item of a collection on the bus (a foreach): the body reads the item as
    /// <c>bus.Var&lt;TItem&gt;(item)</c> and its index as <c>bus.Var&lt;int&gt;(index)</c>. With <paramref name="parallel"/>
    /// above 1, up to that many items run at once, each on a copy of the bus.
    /// </summary>
    public FlowBuilder<TRequest> ForEach<TItem>(Func<FlowBus<TRequest>, IEnumerable<TItem>> source, Action<FlowBuilder<TRequest>> body,
        string item = "item", string index = "index", int parallel = 0, string? id = null, string? name = null) => this;

    /// <summary>
    /// Publishes the event <paramref name="eventName"/> (a <c>[FlowEvent]</c> type), its members given by the
    /// <c>.Input("event.member", bus =&gt; ...)</c> calls after it: to the durable engine with the step, or to
    /// <see cref="FlowRunOptions.Events"/> (docs/events.md).
    /// </summary>
    public FlowBuilder<TRequest> Publish(string eventName, string? id = null, string? name = null) => this;

    /// <summary>Runs a subflow defined in a flow file (a BPMN subProcess, or a JSON/YAML subflow) by its id: a call activity. Fluent definitions define flows, not subflows.</summary>
    public FlowBuilder<TRequest> Call(string subflowId, string? id = null, string? name = null) => this;

    /// <summary>Runs the branches together and continues when all have finished: a parallel fork and join.</summary>
    public FlowBuilder<TRequest> Parallel(params Action<FlowBuilder<TRequest>>[] branches) => this;

    /// <summary>Runs <paramref name="then"/> when the condition holds, else <paramref name="otherwise"/> (or nothing): an exclusive gateway and its merge.</summary>
    public FlowBuilder<TRequest> If(Func<FlowBus<TRequest>, bool> condition, Action<FlowBuilder<TRequest>> then, Action<FlowBuilder<TRequest>>? otherwise = null) => this;

    /// <summary>Runs the first case whose condition holds, in order, else the default: an exclusive gateway with several flows.</summary>
    public FlowBuilder<TRequest> Choose(Action<FlowChoice<TRequest>> cases) => this;

    /// <summary>Runs every case whose condition holds, together, and continues when they have finished: an inclusive gateway and its join.</summary>
    public FlowBuilder<TRequest> Inclusive(Action<FlowChoice<TRequest>> cases) => this;

    /// <summary>
    /// Runs <paramref name="body"/>, then again while <paramref name="until"/> does not hold (a do-while loop): an
    /// exclusive merge before the body and an exclusive gateway after it whose flow back is the default.
    /// </summary>
    public FlowBuilder<TRequest> RepeatUntil(Action<FlowBuilder<TRequest>> body, Func<FlowBus<TRequest>, bool> until) => this;

    /// <summary>Ends the run with an error of this code (an error end event); nothing may follow it in its branch.</summary>
    public FlowBuilder<TRequest> Fail(string code, string? message = null, string? id = null) => this;

    /// <summary>Ends the run here, successfully (an end event; YAML's <c>finish()</c>); nothing may follow it in its branch.</summary>
    public FlowBuilder<TRequest> Finish(string? id = null) => this;

    // ---- durable flows: waits ----

    /// <summary>
    /// Waits for the first of its arms to happen, an event (<see cref="FlowReceive{TRequest}.On{TEvent}"/>) or a time
    /// (<see cref="FlowReceive{TRequest}.After"/>), runs that arm's branch, and goes on after the Receive: a receive
    /// action, an event-based gateway in BPMN. The flow becomes durable: a <c>FlowEngine</c> runs it.
    /// </summary>
    public FlowBuilder<TRequest> Receive(Action<FlowReceive<TRequest>> arms, string? id = null, string? name = null) => this;

    /// <summary>Waits for a time (<c>2h</c>, <c>7d</c>, <c>PT30M</c>), then goes on: a sleep action, a timer catch event in BPMN.</summary>
    public FlowBuilder<TRequest> Sleep(string duration, string? id = null, string? name = null) => this;

    /// <summary>Waits until the date a bus value holds (a <c>DateTimeOffset</c> or <c>DateTime</c>, read as UTC when unspecified), then goes on.</summary>
    public FlowBuilder<TRequest> SleepUntil(Func<FlowBus<TRequest>, DateTimeOffset> date, string? id = null, string? name = null) => this;

    // ---- settings of the node just added ----

    /// <summary>Limits each attempt of the task to this many milliseconds (<c>timeout</c>).</summary>
    public FlowBuilder<TRequest> Timeout(int milliseconds) => this;

    /// <summary>Retries the task after a failure (<c>retry</c>, <c>retry-delay</c>, <c>retry-backoff</c>).</summary>
    public FlowBuilder<TRequest> Retry(int times, int delayMilliseconds = 0, RetryBackoff backoff = RetryBackoff.Constant) => this;

    /// <summary>Calls another task when the task fails (<c>demotion</c>).</summary>
    public FlowBuilder<TRequest> Fallback<TComponent>(Func<TComponent, Delegate> method) => this;

    /// <summary>A failure of the task is recorded and the run goes on (<c>strict-mode=false</c>, ps-go's ignore-error).</summary>
    public FlowBuilder<TRequest> IgnoreError() => this;

    /// <summary>After Call: the run goes on without waiting for the subflow (<c>await: false</c>); it runs on a copy of the bus and its failure goes to FlowRunOptions.DetachedFailed.</summary>
    public FlowBuilder<TRequest> FireAndForget() => this;

    /// <summary>Also writes the task's value to the sta value of this name (<c>output</c>).</summary>
    public FlowBuilder<TRequest> Output(string name) => this;

    /// <summary>Any node setting by its flow-file name (<c>.Setting("ite-async", "true")</c>), for settings without a method of their own.</summary>
    public FlowBuilder<TRequest> Setting(string name, string value) => this;

    /// <summary>
    /// An error route of the task just added (docs/error-routes.md): when it fails (with <paramref name="code"/>, or any
    /// failure when null), <paramref name="handler"/> runs instead of the run failing, with the FlowError as var.error;
    /// the flow goes on after the task either way.
    /// </summary>
    public FlowBuilder<TRequest> OnError(Action<FlowBuilder<TRequest>> handler, string? code = null) => this;

    /// <summary>
    /// Sets a bus value (<c>"var.total"</c> or <c>"sta.label"</c>) from an expression over the bus, translated into the
    /// flow language and type-checked at build time like a condition (docs/assignments.md). Right after Task, ForEach or
    /// Call it is that node's <c>set</c>, written once the task has run; anywhere else it is a node of its own.
    /// </summary>
    public FlowBuilder<TRequest> Set<T>(string name, Func<FlowBus<TRequest>, T> value) => this;

    /// <summary>
    /// Right after Task: gives the task's parameter <paramref name="name"/> (<c>"priority"</c>), or a member of an object
    /// built for it (<c>"order.total"</c>), from an expression over the bus, evaluated when the task is called (an input).
    /// </summary>
    public FlowBuilder<TRequest> Input<T>(string name, Func<FlowBus<TRequest>, T> value) => this;

    // ---- settings of the flow ----

    /// <summary>The run's time limit in milliseconds when the caller gives none (<c>flow-timeout</c>).</summary>
    public FlowBuilder<TRequest> FlowTimeout(int milliseconds) => this;

    /// <summary>How many rounds any loop of a run may go at most (<c>loop-limit</c>).</summary>
    public FlowBuilder<TRequest> LoopLimit(int rounds) => this;

    /// <summary>
    /// A triggered flow: an instance starts on each event of type <typeparamref name="TEvent"/> (by its
    /// <see cref="FlowEventAttribute"/> name) for which <paramref name="when"/> holds; the event is the request, so
    /// <typeparamref name="TEvent"/> is the flow's request type (<c>trigger: { event, when }</c>).
    /// </summary>
    public FlowBuilder<TRequest> Trigger<TEvent>(Func<TEvent, bool>? when = null) => this;

    /// <summary>The correlation key of the flow's instances: a path on the request (<c>key: req.userId</c>); events with that key go to the instance.</summary>
    public FlowBuilder<TRequest> Key(Func<FlowBus<TRequest>, object?> key) => this;

    /// <summary>What a task failure does to an instance (<c>on-failure</c>): fail it, or suspend it for a repair and a resume.</summary>
    public FlowBuilder<TRequest> OnFailure(Durable.FlowFailurePolicy policy) => this;

    /// <summary>Marks this flow as an older build kept for the instances of flow <paramref name="flowId"/> (<c>continues</c>, see versions).</summary>
    public FlowBuilder<TRequest> Continues(string flowId) => this;
}

/// <summary>The arms of <see cref="FlowBuilder{TRequest}.Receive"/>: the first that happens is taken.</summary>
public sealed class FlowReceive<TRequest>
{
    /// <summary>
    /// An event of type <typeparamref name="TEvent"/> (its <see cref="FlowEventAttribute"/> name). <paramref name="when"/>:
    /// a condition over the event; <paramref name="key"/>: the event's correlation path when it is not the flow's key
    /// path; <paramref name="to"/>: the bus value the event is written to (<c>lastView</c> for sta.lastView, or
    /// <c>var.name</c>); <paramref name="then"/>: the branch that runs when this arm is taken (none: go on after the Receive).
    /// </summary>
    public FlowReceive<TRequest> On<TEvent>(Action<FlowBuilder<TRequest>>? then = null, Func<TEvent, bool>? when = null, Func<TEvent, object?>? key = null, string? to = null, string? id = null) => this;

    /// <summary>A time after the wait began (<c>2h</c>, <c>7d</c>, <c>PT30M</c>); <paramref name="then"/> runs when it comes first.</summary>
    public FlowReceive<TRequest> After(string duration, Action<FlowBuilder<TRequest>>? then = null, string? id = null) => this;
}

/// <summary>The cases of <see cref="FlowBuilder{TRequest}.Choose"/> and <see cref="FlowBuilder{TRequest}.Inclusive"/>.</summary>
public sealed class FlowChoice<TRequest>
{
    /// <summary>A branch taken when the condition holds.</summary>
    public FlowChoice<TRequest> When(Func<FlowBus<TRequest>, bool> condition, Action<FlowBuilder<TRequest>> branch) => this;

    /// <summary>The branch taken when no condition holds (the default flow).</summary>
    public FlowChoice<TRequest> Otherwise(Action<FlowBuilder<TRequest>> branch) => this;
}

/// <summary>
/// The data bus as conditions and iteration sources see it: <c>bus =&gt; bus.Request.Amount &gt; 100 &amp;&amp; bus.State&lt;string&gt;("level") == "vip"</c>.
/// Read by the generator and translated into FlowGen's expression language (req, sta, var, res); never evaluated.
/// </summary>
public sealed class FlowBus<TRequest>
{
    private FlowBus()
    {
    }

    /// <summary>req: the request.</summary>
    public TRequest Request => throw Unread();

    /// <summary>sta.<paramref name="name"/>: a write-once value of the bus.</summary>
    public T State<T>(string name) => throw Unread();

    /// <summary>var.<paramref name="name"/>: a rewritable value of the bus.</summary>
    public T Var<T>(string name) => throw Unread();

    private static NotSupportedException Unread() => new("FlowBus is read by FlowGen's generator at build time and never evaluated at run time.");
}
