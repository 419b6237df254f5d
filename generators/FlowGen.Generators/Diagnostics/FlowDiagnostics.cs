using Microsoft.CodeAnalysis;

namespace FlowGen.Generators.Diagnostics;

/// <summary>
/// Every FG diagnostic. Ids are fixed and grouped: 00xx flow-file syntax, 01xx structure, 02xx reachability
/// and gateways, 03xx binding to C#, 04xx types and the bus, 05xx expressions, 06xx settings, 07xx C#-side
/// analyzer rules, 9xxx internal. Each id has a page at docs/diagnostics/FGxxxx.md, shipped in the package (HelpLinks).
/// </summary>
internal static class FlowDiagnostics
{

    public const string CategorySyntax = "FlowGen.Syntax";
    public const string CategoryStructure = "FlowGen.Structure";
    public const string CategoryGateways = "FlowGen.Gateways";
    public const string CategoryBinding = "FlowGen.Binding";
    public const string CategoryBus = "FlowGen.Bus";
    public const string CategoryExpressions = "FlowGen.Expressions";
    public const string CategorySettings = "FlowGen.Settings";
    public const string CategoryUsage = "FlowGen.Usage";
    public const string CategoryInternal = "FlowGen.Internal";

    private static DiagnosticDescriptor Error(string id, string title, string message, string category)
        => new(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    private static DiagnosticDescriptor Warning(string id, string title, string message, string category)
        => new(id, title, message, category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    // The pages shipped in the package (docs/diagnostics), when the generator runs from it; a project's FlowGenHelpLinkBase
    // replaces it when the diagnostic is reported (HelpLinks).
    public static string HelpLink(string id) => HelpLinks.Default.Link(id);

    // 00xx: syntax of flow files
    public static readonly DiagnosticDescriptor MalformedXml = Error("FG0001", "Flow file is not well-formed XML",
        "The BPMN file is not well-formed XML: {0}. Fix the XML at this position (or re-save the diagram in Camunda Modeler).", CategorySyntax);
    public static readonly DiagnosticDescriptor NotBpmn = Error("FG0002", "Flow file is not a BPMN 2.0 definitions document",
        "The root element is '{0}', but a BPMN file must start with <definitions> in the namespace http://www.omg.org/spec/BPMN/20100524/MODEL. Save the diagram as BPMN 2.0 XML.", CategorySyntax);
    public static readonly DiagnosticDescriptor UnsupportedElement = Error("FG0003", "BPMN element not supported",
        "{0} is a BPMN element FlowGen does not support yet{1}. Replace it with a service task or gateway, or remove it.", CategorySyntax);
    public static readonly DiagnosticDescriptor MissingId = Error("FG0004", "BPMN element without id",
        "This <{0}> element has no id attribute. Give it a unique id (Camunda Modeler does this on save).", CategorySyntax);

    public static readonly DiagnosticDescriptor MalformedDocument = Error("FG0005", "Flow file is not well-formed JSON or YAML",
        "The {0} flow file cannot be read: {1}. Fix: {2}.", CategorySyntax);
    public static readonly DiagnosticDescriptor DocumentShape = Error("FG0006", "Flow document has the wrong shape",
        "{0}. {1}.", CategorySyntax);
    public static readonly DiagnosticDescriptor UnknownKey = Warning("FG0007", "Unknown key in a flow document",
        "'{0}' is not a key of {1}, so it is ignored{2}. Known keys: {3}.", CategorySyntax);

    public static readonly DiagnosticDescriptor InvisibleCharacter = Warning("FG0008", "Bidirectional or invisible control character in a flow file",
        "The flow file holds {0} (U+{1}), an invisible character that can make text display in another order than it is read (the 'Trojan Source' pattern){2}. Remove it, or write the text without it; FlowGen never copies it into generated code as it is.", CategorySyntax);

    // Limits on untrusted input: each has a default and an MSBuild property to raise it (docs/security.md).
    public static readonly DiagnosticDescriptor FileTooLarge = Error("FG0009", "Flow file too large",
        "The flow file has {0} characters, more than the limit of {1}, so it is not read. Split its flows into several files, or raise the limit with <FlowGenMaxFileSize> in the project file.", CategorySyntax);
    public static readonly DiagnosticDescriptor NestedTooDeep = Error("FG0010", "Flow file nested too deeply",
        "{0} is nested more than {1} levels deep, so the file is not read further. Flatten the structure, or raise the limit with <FlowGenMaxNesting> in the project file.", CategorySyntax);
    public static readonly DiagnosticDescriptor TooManyNodes = Error("FG0011", "Flow has too many nodes",
        "{0} has {1} nodes, more than the limit of {2}, so it is not checked or compiled. Split it into subprocesses or called flows, or raise the limit with <FlowGenMaxNodes> in the project file.", CategorySyntax);
    public static readonly DiagnosticDescriptor GeneratedTooLarge = Error("FG0012", "Generated code too large",
        "The code generated for flow '{0}' has {1} characters, more than the limit of {2}, so none is written. Shorten the long texts in the flow file (ids, names, HTTP bodies), split the flow, or raise the limit with <FlowGenMaxGeneratedSize> in the project file.", CategorySyntax);
    // A fixed limit (no property): aliases that multiply a document are an attack, not a way to write a flow.
    public static readonly DiagnosticDescriptor ScriptNotTranslated = Error("FG0014", "Script outside the translatable subset",
        "The script of {0} cannot be translated into FlowGen's expressions: it has {1}. Instead, {2}.", CategorySyntax);
    public static readonly DiagnosticDescriptor AliasesExpandTooFar = Error("FG0013", "YAML aliases expand too far",
        "With the alias {0}, the aliases of this YAML file stand for more than {1} values, so the file is not read further. An alias repeats its anchor's whole value, and aliases inside anchored values multiply (the 'billion laughs' pattern). Write the values out, or repeat only small values with anchors.", CategorySyntax);

    // 01xx: structure
    public static readonly DiagnosticDescriptor NoStartEvent = Error("FG0101", "Process has no start event",
        "Process '{0}' has no start event, so no flow can begin. Add a start event: its id becomes the flow id.", CategoryStructure);
    public static readonly DiagnosticDescriptor DuplicateId = Error("FG0102", "Duplicate element id",
        "The id '{0}' is used more than once ({1} here, {2} before). Element ids must be unique within a file, and flow ids (start event ids) and subprocess ids across all flow files: rename one of them.", CategoryStructure);
    public static readonly DiagnosticDescriptor DanglingFlow = Error("FG0103", "Sequence flow refers to a missing element",
        "Sequence flow '{0}' has {1} '{2}', which is not a node of the same process. Point it at an existing node (in BPMN: reconnect the flow in the modeler).", CategoryStructure);
    public static readonly DiagnosticDescriptor SeveralIncoming = Error("FG0104", "A loop entered by branches that may arrive together",
        "The loop through {0} is entered by {1} sequence flows ({2}), and {3} can take more than one of them in the same run, so the loop would go round once per branch, at the same time. Join those branches with a parallel or inclusive gateway before the loop, or choose between them with an exclusive gateway.", CategoryStructure);
    public static readonly DiagnosticDescriptor DuplicateConnection = Error("FG0113", "Connection written twice",
        "{0} connects {1} to {2} a second time (the first is {3}). Two flows between the same nodes would run the target twice or make the choice ambiguous: remove one, or join their conditions with || in one flow.", CategoryStructure);
    public static readonly DiagnosticDescriptor CycleWithoutExit = Error("FG0105", "Cycle with no way out",
        "{0} is on a cycle ({1}) that a run cannot leave: no node on it chooses a flow out of it, so a run entering it goes round forever. Add an exclusive gateway on the cycle with an exit to an end event, or break the cycle.", CategoryStructure);
    public static readonly DiagnosticDescriptor LoopNotSupported = Error("FG0106", "Loop of a kind not supported yet",
        "{0} is on a loop ({1}) of a kind FlowGen does not run yet: {2}. {3}; move the rest into a task or a flow of its own.", CategoryStructure);
    public static readonly DiagnosticDescriptor StartWithIncoming = Error("FG0107", "Start event with incoming flow",
        "Start event '{0}' has incoming sequence flows. A start event only begins a flow: connect the flow to a gateway or task instead.", CategoryStructure);
    public static readonly DiagnosticDescriptor SubprocessStarts = Error("FG0109", "Subprocess with several start events",
        "Subprocess '{0}' has {1} start events, but a subprocess runs from one. Keep one start event and join the branches after it.", CategoryStructure);
    public static readonly DiagnosticDescriptor RecursiveCall = Error("FG0110", "Flow calls itself",
        "{0} calls '{1}', which is already running on this path ({2}). A subprocess cannot call itself directly or through others: break the cycle.", CategoryStructure);
    public static readonly DiagnosticDescriptor UnknownCalledElement = Error("FG0308", "Unknown called element",
        "{0} calls '{1}', but no subProcess in the project's flow files has that id{2}. Fix calledElement, or add the file with the subprocess as an AdditionalFiles item.", CategoryBinding);
    public static readonly DiagnosticDescriptor EndWithOutgoing = Error("FG0108", "End event with outgoing flow",
        "End event '{0}' has outgoing sequence flows. An end event ends its branch: remove the outgoing flow or use a task or gateway.", CategoryStructure);

    // 02xx: reachability and gateways
    public static readonly DiagnosticDescriptor EndNotReachable = Error("FG0201", "No end event can be reached",
        "Flow '{0}' has no path from its start event to an end event. Connect the last node to an end event.", CategoryGateways);
    public static readonly DiagnosticDescriptor UnreachableNode = Warning("FG0202", "Unreachable node",
        "{0} cannot be reached from any start event, so it never runs. Connect it with a sequence flow or delete it.", CategoryGateways);
    public static readonly DiagnosticDescriptor DeadEnd = Error("FG0203", "Node without outgoing flow",
        "{0} has no outgoing sequence flow, so its branch stops without reaching an end event. Connect it to the next node or to an end event.", CategoryGateways);
    public static readonly DiagnosticDescriptor JoinMayNeverComplete = Error("FG0204", "Parallel join may never complete",
        "Parallel gateway '{0}' waits for all {1} incoming flows, but '{2}' arrives only when {3} chooses that branch, so a run that takes another branch fails at this join. Use an inclusive gateway as the join, or set strict-mode=false on this gateway.", CategoryGateways);
    public static readonly DiagnosticDescriptor ConditionsMayAllBeFalse = Warning("FG0205", "Conditions may all be false and there is no default flow",
        "{0} chooses among conditional flows with no default flow, and its conditions may all be false; the run then fails with FLOW_NO_MATCHING_BRANCH. Mark one outgoing flow as default, or add a complementary condition.", CategoryGateways);
    public static readonly DiagnosticDescriptor ConditionIgnored = Warning("FG0206", "Condition on a parallel gateway's flow is ignored",
        "Sequence flow '{0}' leaves parallel gateway '{1}' and has a condition, but a parallel gateway takes every branch. Remove the condition or use an inclusive gateway.", CategoryGateways);
    public static readonly DiagnosticDescriptor InvalidDefaultFlow = Warning("FG0207", "Invalid default flow",
        "{0}: {1}", CategoryGateways);
    public static readonly DiagnosticDescriptor SeveralUnconditionalFlows = Warning("FG0208", "Exclusive gateway with several flows without a condition",
        "Sequence flow '{0}' leaves exclusive gateway '{1}' without a condition, but '{2}' comes before it in the gateway's order and has no condition either, so the gateway always takes '{2}' when it gets that far and never takes '{0}'. Give '{2}' a condition, or remove one of the two flows.", CategoryGateways);

    // 03xx: binding
    public static readonly DiagnosticDescriptor UnknownComponent = Error("FG0301", "Unknown task component",
        "{0} uses task-component '{1}', but no class has [FlowComponent(\"{1}\")]. Known components: {2}. Add the component or fix the name (or set allow-absent=true to skip the task).", CategoryBinding);
    public static readonly DiagnosticDescriptor UnknownTask = Error("FG0302", "Unknown task service",
        "{0} uses task-service '{1}'{2}, but no method has [FlowTask(\"{1}\")] there. Known tasks: {3}. Add the method or fix the name (or set allow-absent=true to skip the task).", CategoryBinding);
    public static readonly DiagnosticDescriptor AmbiguousTask = Error("FG0303", "Ambiguous task service",
        "{0} uses task-service '{1}' without task-component, and several components have it: {2}. Add a task-component property.", CategoryBinding);
    public static readonly DiagnosticDescriptor MissingTaskService = Error("FG0304", "Task without task-service",
        "{0} has no task-service property (or an empty one), so FlowGen does not know which method to call. Add task-service (and task-component) properties.", CategoryBinding);
    public static readonly DiagnosticDescriptor UnsupportedMethod = Error("FG0305", "Task method cannot be called by a flow",
        "{0} binds to {1}, which {2}. Change the method's signature.", CategoryBinding);
    public static readonly DiagnosticDescriptor UnknownFallback = Error("FG0306", "Unknown fallback task",
        "{0} falls back to '{1}' (task-demotion), but {2}. Name an existing task as pr:component@service.", CategoryBinding);
    public static readonly DiagnosticDescriptor IncompatibleFallback = Error("FG0307", "Fallback task does not fit",
        "{0} falls back to {1}, which returns {2}, but the task's own result {3} is written to the bus as {4}. A fallback must produce a value the task's outputs accept: change its return type.", CategoryBinding);

    // 04xx: types and the bus
    public static readonly DiagnosticDescriptor MissingValue = Error("FG0401", "Parameter the bus cannot supply",
        "Parameter '{0}' of {1} (called by {2}): {3}. Bind it with [FromRequest], [FromState] or [FromVar] to a value an earlier task produces.", CategoryBus);
    public static readonly DiagnosticDescriptor TypeMismatch = Error("FG0402", "Type mismatch on the bus",
        "{0} needs {1} for {2}, but {3} produces {4}. Change one of the types so that they match.", CategoryBus);
    public static readonly DiagnosticDescriptor NotOnEveryPath = Warning("FG0403", "Value not produced on every path",
        "{0} reads {1}, which {2} produces on some paths to it but not all; on the others it is {3}. Produce it on every path, or make the parameter nullable and handle null.", CategoryBus);
    public static readonly DiagnosticDescriptor ConflictingProducers = Error("FG0404", "Producers disagree on a bus value's type",
        "{0} is written as {1} by {2} and as {3} by {4}. One name must have one type: rename one value or change a type.", CategoryBus);
    public static readonly DiagnosticDescriptor BadIterationSource = Error("FG0406", "Iteration source is not a collection",
        "{0} iterates over '{1}', but {2}. ite-source and foreach must name a collection on the bus (an array or IEnumerable<T>), such as req.items.", CategoryBus);
    public static readonly DiagnosticDescriptor ItemTypeMismatch = Error("FG0407", "Item type does not fit the task",
        "{0} iterates over {1} items of {2}, but parameter '{3}' of {4} takes {5}. Change the parameter to take {1}, or iterate over another collection.", CategoryBus);
    public static readonly DiagnosticDescriptor IterationShape = Error("FG0408", "Task cannot be iterated this way",
        "{0}: {1}.", CategoryBus);
    public static readonly DiagnosticDescriptor SchemaMismatch = Error("FG0409", "Request schema does not fit the request type",
        "Request field '{0}' {1}. {2}.", CategoryBus);
    public static readonly DiagnosticDescriptor SchemaRuleWithoutEffect = Warning("FG0410", "Request schema rule has no effect",
        "Request field '{0}' {1}. {2}.", CategoryBus);
    public static readonly DiagnosticDescriptor BadAssignment = Error("FG0414", "Assignment cannot be made",
        "{0} sets '{1}', but {2}. {3}", CategoryBus);
    public static readonly DiagnosticDescriptor ResultTemplate = Error("FG0415", "Result template does not fit the result type",
        "The result template of {0} does not fit {1}: {2}. {3}", CategoryBus);
    public static readonly DiagnosticDescriptor TaskInput = Error("FG0416", "Task input does not fit its parameter",
        "The input of {0} for parameter '{1}' of {2} does not fit: {3}. {4}", CategoryBus);
    public static readonly DiagnosticDescriptor StateWrittenTwice = Warning("FG0405", "Write-once value written twice",
        "{0} is written by {1} and again by {2} on the same path, but sta values are write-once. Use a var value ([ToVar]) for a value that changes.", CategoryBus);

    // 05xx: expressions
    public static readonly DiagnosticDescriptor ExpressionSyntax = Error("FG0501", "Condition syntax error",
        "{0} '{1}' on {2}: {3}.", CategoryExpressions);
    public static readonly DiagnosticDescriptor ExpressionUnknownName = Error("FG0502", "Unknown name in condition",
        "{0} '{1}' on {2}: {3}.", CategoryExpressions);
    public static readonly DiagnosticDescriptor ExpressionTypeMismatch = Error("FG0503", "Type error in condition",
        "{0} '{1}' on {2}: {3}.", CategoryExpressions);
    public static readonly DiagnosticDescriptor ExpressionUnknownFunction = Error("FG0504", "Unknown function in condition",
        "{0} '{1}' on {2}: {3}.", CategoryExpressions);
    public static readonly DiagnosticDescriptor ExpressionRoleMalformed = Error("FG0505", "Malformed role expression",
        "{0} '{1}' on {2}: {3}.", CategoryExpressions);
    public static readonly DiagnosticDescriptor ExpressionTooLong = Error("FG0506", "Condition too long",
        "{0} '{1}' on {2}: {3}.", CategoryExpressions);

    // 06xx: settings
    public static readonly DiagnosticDescriptor UnknownProperty = Warning("FG0601", "Unknown property",
        "{0} has property '{1}', which FlowGen does not know{2}. Remove it or fix its name.", CategorySettings);
    public static readonly DiagnosticDescriptor InvalidPropertyValue = Warning("FG0602", "Invalid property value",
        "{0} has {1}='{2}', but {3}.", CategorySettings);
    public static readonly DiagnosticDescriptor PropertyNotApplied = Warning("FG0603", "Property not applied yet",
        "{0} has '{1}', which this version of FlowGen reads but does not apply yet. The run behaves as if it were absent.", CategorySettings);
    public static readonly DiagnosticDescriptor InstructNotRun = Warning("FG0605", "Kstry instruct not run",
        "{0} has the Kstry instruct '{1}'{2}, which FlowGen does not run: the task runs without it. Do its work in the task's C# method (or, for many tasks, in an IFlowInterceptor), then remove it.", CategorySettings);
    public static readonly DiagnosticDescriptor TimeoutCannotStopTask = Warning("FG0604", "Timeout cannot stop the task",
        "{0} has a timeout of {1} ms, but {2} takes no CancellationToken, so the timeout could never stop it and is left out. Add a CancellationToken parameter and pass it on, or remove the timeout.", CategorySettings);

    // Durable flows (waits, triggers, correlation keys)
    public static readonly DiagnosticDescriptor WaitNotOnMainPath = Error("FG0111", "Wait in a second parallel branch, a subprocess or an iteration",
        "{0} waits inside {1}. A durable instance waits at one place at a time: keep a fork's waits in one of its branches or on the flow's main path (before the fork or after the join), outside subprocesses.", CategoryStructure);
    public static readonly DiagnosticDescriptor EventGatewayTarget = Error("FG0112", "Event gateway leads to something other than an event",
        "{0} leads to {1}. An event gateway waits for the first of its targets to happen, so each flow from it must go to a receive (message catch) or a timer; put the task after the catch.", CategoryStructure);
    public static readonly DiagnosticDescriptor WaitOutgoing = Error("FG0114", "A wait goes on along one flow without a condition",
        "{0} goes on along {1}, but a wait that stops the run goes on along exactly one flow, without a condition or a default marker. Put an exclusive gateway after it to choose, or a parallel gateway to fork.", CategoryStructure);
    public static readonly DiagnosticDescriptor UnknownEvent = Error("FG0309", "Unknown event",
        "{0} names event '{1}', but no type in the compilation is marked [FlowEvent(\"{1}\")]{2}. Mark the event's C# type with [FlowEvent(\"{1}\")], or fix the name.", CategoryBinding);
    public static readonly DiagnosticDescriptor CorrelationKey = Error("FG0411", "Correlation key cannot be read",
        "{0}: {1}. {2}.", CategoryBus);
    public static readonly DiagnosticDescriptor TriggerType = Error("FG0412", "Triggered flow's request is not its trigger event",
        "Flow class '{0}' runs flow '{1}', which starts on event '{2}' of type {3}, but its request type is {4}. The trigger event is the request of a triggered flow: implement IFlow<{3}, ...>.", CategoryBus);
    public static readonly DiagnosticDescriptor SeededDurableFlow = Error("FG0413", "Durable flow cannot take seeded bus values",
        "Flow class '{0}' seeds the bus ({1}), but flow '{2}' is durable: the engine starts its instances from the request alone, so the seeded values would never be written. Move them into the request and read them as req values, or remove Vars and States from [Flow].", CategoryBus);

    // 07xx: C#-side rules (reported by FlowGen.Analyzers)
    public static readonly DiagnosticDescriptor FlowClassNotPartial = Error("FG0701", "Flow class must be partial",
        "Class '{0}' has [Flow(\"{1}\")] but is not partial, so FlowGen cannot add RunAsync to it. Add the partial modifier.", CategoryUsage);
    public static readonly DiagnosticDescriptor FlowIdNotFound = Error("FG0702", "No flow with this id",
        "[Flow(\"{0}\")] on '{1}' names no flow in the project's flow files{2}. Fix the id (a BPMN start event id), or add the flow file as an AdditionalFiles item.", CategoryUsage);
    public static readonly DiagnosticDescriptor FlowClassWithoutInterface = Error("FG0703", "Flow class must implement IFlow<TRequest, TResult>",
        "Class '{0}' has [Flow(\"{1}\")] but does not implement FlowGen.IFlow<TRequest, TResult>, so FlowGen does not know the request and result types. Add ': IFlow<MyRequest, MyResult>'.", CategoryUsage);
    public static readonly DiagnosticDescriptor TaskOutsideComponent = Error("FG0704", "Flow task outside a component",
        "Method '{0}' has [FlowTask] but its class '{1}' has no [FlowComponent], so no flow can find it. Add [FlowComponent(\"name\")] to the class.", CategoryUsage);
    public static readonly DiagnosticDescriptor DuplicateTask = Error("FG0705", "Duplicate task name in a component",
        "Component '{0}' has two methods with [FlowTask(\"{1}\")]: '{2}' and '{3}'. Task names must be unique within a component.", CategoryUsage);
    public static readonly DiagnosticDescriptor DuplicateFlowClass = Error("FG0706", "Two classes for one flow",
        "Flow '{0}' is claimed by '{1}' and '{2}'. One flow id must have one [Flow] class.", CategoryUsage);

    public static readonly DiagnosticDescriptor FlowClassShape = Error("FG0707", "Flow class must be a top-level, non-generic class, not a record",
        "Class '{0}' has [Flow] but {1}, so FlowGen cannot generate it. Declare the flow class as a top-level, non-generic partial class.", CategoryUsage);
    public static readonly DiagnosticDescriptor DuplicateComponent = Error("FG0708", "Two components with one name",
        "Component name '{0}' is used by '{1}' and '{2}'. Flows find components by name: give each [FlowComponent] a unique name.", CategoryUsage);

    public static readonly DiagnosticDescriptor TaskPolicyValue = Warning("FG0709", "Task policy value out of range",
        "[FlowTask(\"{0}\")] on '{1}' has {2} = {3}, but {4}. Change the value.", CategoryUsage);

    public static readonly DiagnosticDescriptor FluentUnreadable = Error("FG0710", "Flow definition cannot be read at build time",
        "{0} {1}.{2}", CategoryUsage);
    public static readonly DiagnosticDescriptor FluentNotConstant = Error("FG0711", "Builder argument is not a constant",
        "{0} {1}.{2}", CategoryUsage);
    public static readonly DiagnosticDescriptor FluentUntranslatable = Error("FG0712", "Builder condition cannot be translated",
        "{0} {1}, which FlowGen's expression language cannot express.{2} Compare bus values (bus.Request..., bus.State<T>(\"name\"), bus.Var<T>(\"name\")) with constants, using == != < <= > >= && || ! and arithmetic.", CategoryUsage);
    public static readonly DiagnosticDescriptor FluentNotATask = Error("FG0713", "Builder task is not a flow task",
        "{0} {1}.{2}", CategoryUsage);

    // 9xxx: internal
    public static readonly DiagnosticDescriptor InternalError = Error("FG9001", "FlowGen internal error",
        "FlowGen failed while processing {0}: {1}. This is a bug in FlowGen; please report it with the flow file.", CategoryInternal);

    public static readonly IReadOnlyList<DiagnosticDescriptor> All =
    [
        MalformedXml, NotBpmn, UnsupportedElement, MissingId, MalformedDocument, DocumentShape, UnknownKey,
        InvisibleCharacter, FileTooLarge, NestedTooDeep, TooManyNodes, GeneratedTooLarge, AliasesExpandTooFar, ScriptNotTranslated,
        NoStartEvent, DuplicateId, DanglingFlow, SeveralIncoming, CycleWithoutExit, LoopNotSupported, StartWithIncoming, EndWithOutgoing, SubprocessStarts, RecursiveCall, UnknownCalledElement, DuplicateConnection,
        EndNotReachable, UnreachableNode, DeadEnd, JoinMayNeverComplete, ConditionsMayAllBeFalse, ConditionIgnored, InvalidDefaultFlow, SeveralUnconditionalFlows,
        UnknownComponent, UnknownTask, AmbiguousTask, MissingTaskService, UnsupportedMethod, UnknownFallback, IncompatibleFallback,
        MissingValue, TypeMismatch, NotOnEveryPath, ConflictingProducers, StateWrittenTwice, BadAssignment, ResultTemplate, TaskInput, BadIterationSource, ItemTypeMismatch, IterationShape, SchemaMismatch, SchemaRuleWithoutEffect,
        ExpressionSyntax, ExpressionUnknownName, ExpressionTypeMismatch, ExpressionUnknownFunction, ExpressionRoleMalformed, ExpressionTooLong,
        UnknownProperty, InvalidPropertyValue, PropertyNotApplied, TimeoutCannotStopTask, InstructNotRun,
        WaitNotOnMainPath, EventGatewayTarget, WaitOutgoing, UnknownEvent, CorrelationKey, TriggerType, SeededDurableFlow,
        FlowClassNotPartial, FlowIdNotFound, FlowClassWithoutInterface, TaskOutsideComponent, DuplicateTask, DuplicateFlowClass, FlowClassShape, DuplicateComponent, TaskPolicyValue, FluentUnreadable, FluentNotConstant, FluentUntranslatable, FluentNotATask,
        InternalError,
    ];

    private static readonly Dictionary<string, DiagnosticDescriptor> ById = All.ToDictionary(d => d.Id, StringComparer.Ordinal);

    public static DiagnosticDescriptor Find(string id) => ById[id];
}
