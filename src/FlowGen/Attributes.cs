namespace FlowGen;

/// <summary>
/// Marks a partial class as the C# face of a flow. The class must implement
/// <see cref="IFlow{TRequest, TResult}"/>; the generator writes its <c>RunAsync</c>, its constructor and its state.
/// </summary>
/// <param name="flowId">The flow id: in BPMN, the id of the flow's start event (Kstry's convention).</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class FlowAttribute(string flowId) : Attribute
{
    /// <summary>The flow id this class runs.</summary>
    public string FlowId { get; } = flowId;

    /// <summary>
    /// The type whose public properties seed the rewritable bus scope <c>var</c> at the start of a run (Kstry's
    /// <c>varScopeData</c>): each property <c>Channel</c> is the bus value <c>var.channel</c>, of the property's type,
    /// present from the start for conditions and tasks. The generated <c>RunAsync</c> then has an overload taking an
    /// instance (<c>vars</c>).
    /// </summary>
    public Type? Vars { get; set; }

    /// <summary>
    /// Like <see cref="Vars"/>, for the write-once bus scope <c>sta</c> (Kstry's <c>staScopeData</c>): each property
    /// <c>Limit</c> is <c>sta.limit</c>. The generated <c>RunAsync</c> overload takes an instance (<c>states</c>).
    /// </summary>
    public Type? States { get; set; }
}

/// <summary>
/// Marks a class whose <see cref="FlowTaskAttribute"/> methods a flow can call. In BPMN the name is the
/// <c>task-component</c> property of a service task.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class FlowComponentAttribute(string name) : Attribute
{
    /// <summary>The component name used by flows.</summary>
    public string Name { get; } = name;
}

/// <summary>
/// Marks the C# type of an event that durable flows wait for or start on: flow files name it
/// (<c>event: product-viewed</c>, a BPMN message's name), and the generator checks each wait's key path, condition
/// and bus write against this type. Publish instances of it with <c>FlowEngine.PublishAsync</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class FlowEventAttribute(string name) : Attribute
{
    /// <summary>The event name used by flows.</summary>
    public string Name { get; } = name;
}

/// <summary>
/// Marks a method as a flow task. In BPMN the name is the <c>task-service</c> property of a service task.
/// The method may be sync or return Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class FlowTaskAttribute(string name) : Attribute
{
    /// <summary>The task (service) name used by flows.</summary>
    public string Name { get; } = name;

    /// <summary>
    /// Milliseconds each attempt may take (like Kstry's <c>@Invoke(timeout)</c>); 0 for none. A node's
    /// <c>timeout</c> property wins.
    /// </summary>
    public int Timeout { get; set; }

    /// <summary>Retries after a failed attempt; a node's <c>retry-times</c> property wins.</summary>
    public int Retry { get; set; }

    /// <summary>The fallback task, <c>component@service</c> (Kstry's demotion); a node's <c>task-demotion</c> property wins.</summary>
    public string? Demotion { get; set; }

    /// <summary>False: a failure is recorded and the flow goes on; a node's <c>strict-mode</c> property wins.</summary>
    public bool StrictMode { get; set; } = true;

    /// <summary>
    /// Makes this method an ability of the task (Kstry's ability): it runs instead of the task's plain method when
    /// the run's role holds <c>r:{task}@{ability}</c> (or <c>pr:{component}@{task}@{ability}</c>). It takes the same
    /// parameters and returns the same type as the plain method.
    /// </summary>
    public string? Ability { get; set; }
}

/// <summary>
/// Binds a task parameter (or a property or constructor parameter of a <see cref="FromBusAttribute"/> object) to the
/// request, or to a property path inside it (<c>"id"</c>, <c>"address.city"</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class FromRequestAttribute : Attribute
{
    /// <summary>Binds the whole request.</summary>
    public FromRequestAttribute() { }

    /// <summary>Binds a property path of the request.</summary>
    public FromRequestAttribute(string path) => Path = path;

    /// <summary>The property path inside the request, or null for the whole request.</summary>
    public string? Path { get; }
}

/// <summary>
/// Binds a task parameter (or a property or constructor parameter of a <see cref="FromBusAttribute"/> object) to a
/// write-once bus value (Kstry's <c>sta</c> scope), optionally a path inside it.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class FromStateAttribute(string name) : Attribute
{
    /// <summary>The bus value name, optionally followed by a property path (<c>"goods.price"</c>).</summary>
    public string Name { get; } = name;
}

/// <summary>
/// Binds a task parameter (or a property or constructor parameter of a <see cref="FromBusAttribute"/> object) to a
/// rewritable bus value (Kstry's <c>var</c> scope), optionally a path inside it.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class FromVarAttribute(string name) : Attribute
{
    /// <summary>The bus value name, optionally followed by a property path.</summary>
    public string Name { get; } = name;
}

/// <summary>
/// Binds a task parameter (or a property or constructor parameter of a <see cref="FromBusAttribute"/> object) to the
/// flow's result as earlier tasks' <see cref="ToResultAttribute"/> wrote it so far (Kstry's <c>res</c> scope, which
/// conditions read as <c>res.img</c>), or to a property path inside it (<c>"Img"</c>, <c>"shop.name"</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class FromResultAttribute : Attribute
{
    /// <summary>Binds the whole result.</summary>
    public FromResultAttribute() { }

    /// <summary>Binds a property path of the result.</summary>
    public FromResultAttribute(string path) => Path = path;

    /// <summary>The property path inside the result, or null for the whole result.</summary>
    public string? Path { get; }
}

/// <summary>
/// Makes a task parameter an object the flow builds from the bus (Kstry's <c>@TaskParam</c> object with
/// <c>@ReqTaskField</c>, <c>@VarTaskField</c>, <c>@StaTaskField</c>): the generated code calls the type's public
/// constructor with the most parameters, each filled like a task parameter (by its <see cref="FromRequestAttribute"/>,
/// <see cref="FromStateAttribute"/>, <see cref="FromVarAttribute"/> or <see cref="FromResultAttribute"/>, else by
/// name), then sets each settable property that carries one of these attributes. A property or constructor parameter
/// may itself be marked <see cref="FromBusAttribute"/> (a nested object). The bus checks treat every member as a read
/// of its own.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class FromBusAttribute : Attribute
{
}

/// <summary>
/// The task's return value (on a method) or the property's value (on a property of the returned type)
/// becomes the flow's result (Kstry's <c>res</c> scope).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ToResultAttribute : Attribute
{
}

/// <summary>
/// The task's return value (on a method), the property's value (on a property of the returned type) or the
/// whole value (on the returned type) is written to the write-once bus scope <c>sta</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class ToStateAttribute : Attribute
{
    /// <summary>Writes under the property's name (camelCase), or for a method or type under the type's name (camelCase).</summary>
    public ToStateAttribute() { }

    /// <summary>Writes under the given name.</summary>
    public ToStateAttribute(string name) => Name = name;

    /// <summary>The bus value name, or null for the default name.</summary>
    public string? Name { get; }
}

/// <summary>
/// Like <see cref="ToStateAttribute"/>, for the rewritable bus scope <c>var</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class ToVarAttribute : Attribute
{
    /// <summary>Writes under the property's name (camelCase), or for a method or type under the type's name (camelCase).</summary>
    public ToVarAttribute() { }

    /// <summary>Writes under the given name.</summary>
    public ToVarAttribute(string name) => Name = name;

    /// <summary>The bus value name, or null for the default name.</summary>
    public string? Name { get; }
}

/// <summary>
/// Binds a task parameter to the node's <c>task-property</c> setting (Kstry's task property, which its tasks read with
/// <c>getTaskProperty()</c>): one task method, configured per node in the flow file. The text is converted to the
/// parameter's type at build time (a string, a number, a bool); a node without the setting passes null to a nullable
/// parameter and is FG0401 for another.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class FromTaskPropertyAttribute : Attribute
{
}

/// <summary>
/// Binds a task parameter to the current item of the task's iteration (the <c>ite-source</c> property). A
/// parameter named <c>item</c> binds to it without the attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class FromItemAttribute : Attribute
{
}
