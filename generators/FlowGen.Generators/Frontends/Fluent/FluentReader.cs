using System.Globalization;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Frontends.Fluent;

/// <summary>
/// Reads a [FlowDefinition] method's builder chain from syntax and the semantic model (never running it) into the
/// same graph the other front ends make: tasks by method group, conditions translated into the expression
/// language, Parallel/If/Choose/Inclusive as gateways with their joins. What cannot be read statically is
/// FG0710-FG0713 at that code, and the flow is not compiled. The generator reports them, not an analyzer: a flow
/// that is not compiled leaves its class without RunAsync (CS0535), and the command-line compiler does not run
/// analyzers on a compilation with errors, so an analyzer's FG071x would never be seen in a build.
/// </summary>
internal sealed class FluentReader
{
    public const string DefinitionAttribute = "FlowGen.FlowDefinitionAttribute";
    private const string FlowAttribute = "FlowGen.FlowAttribute";
    private const string ComponentAttribute = "FlowGen.FlowComponentAttribute";
    private const string TaskAttribute = "FlowGen.FlowTaskAttribute";
    private const string EventAttribute = "FlowGen.FlowEventAttribute";

    /// <summary>The builder calls that set the whole flow: only on the definition's own builder.</summary>
    private static readonly string[] FlowSettings = ["FlowTimeout", "LoopLimit", "Trigger", "Key", "OnFailure", "Continues"];

    private readonly SemanticModel _model;
    private readonly SourceText _text;
    private readonly string _path;
    private readonly CancellationToken _cancellationToken;
    // The graph being read: the flow's, or a foreach body's while it is read.
    private List<FlowNode> _nodes = [];
    private List<FlowEdge> _edges = [];
    private List<ErrorRoutes.Route> _routes = [];
    // Foreach bodies: embedded subprocesses, graphs of their own.
    private readonly List<FlowGraph> _bodies = [];
    private readonly List<DiagnosticInfo> _diagnostics = [];
    private readonly Dictionary<string, LocationInfo> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);

    private FluentReader(SemanticModel model, SyntaxTree tree, CancellationToken cancellationToken)
    {
        _model = model;
        _text = tree.GetText(cancellationToken);
        _path = tree.FilePath;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The flow a [FlowDefinition] method defines, checked like a flow file.</summary>
    public static FlowFile Read(IMethodSymbol method, MethodDeclarationSyntax syntax, SemanticModel model, CancellationToken cancellationToken)
    {
        var reader = new FluentReader(model, syntax.SyntaxTree, cancellationToken);
        var path = syntax.SyntaxTree.FilePath;
        try
        {
            var graph = reader.ReadMethod(method, syntax);
            var graphs = graph is null ? EquatableArray<FlowGraph>.Empty : new[] { graph }.ToEquatableArray();
            return StructureChecks.Check(path, graphs, reader._bodies.ToEquatableArray(), reader._diagnostics.ToEquatableArray(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var diagnostic = DiagnosticInfo.Create(FlowDiagnostics.InternalError, reader.Locate(syntax.Identifier.Span), $"flow definition {method.Name}", ex.GetType().Name + ": " + ex.Message);
            return new FlowFile(path, EquatableArray<FlowDefinition>.Empty, new[] { diagnostic }.ToEquatableArray());
        }
    }

    private FlowGraph? ReadMethod(IMethodSymbol method, MethodDeclarationSyntax syntax)
    {
        var flowId = method.ContainingType?.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == FlowAttribute)?.ConstructorArguments.FirstOrDefault().Value as string;
        if (flowId is null)
        {
            Problem(FlowDiagnostics.FluentUnreadable, syntax.Identifier.Span, $"[FlowDefinition] method '{method.Name}'", "is not inside a [Flow(\"id\")] class",
                "move it into the partial class that runs the flow");
            return null;
        }
        var definitions = method.ContainingType!.GetMembers().OfType<IMethodSymbol>()
            .Where(m => m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == DefinitionAttribute))
            .OrderBy(m => m.Locations.FirstOrDefault()?.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(m => m.Locations.FirstOrDefault()?.SourceSpan.Start)
            .ToList();
        if (definitions.Count > 1 && !SymbolEqualityComparer.Default.Equals(definitions[0], method))
        {
            Problem(FlowDiagnostics.FluentUnreadable, syntax.Identifier.Span, $"[FlowDefinition] method '{method.Name}'", $"is the second definition of flow '{flowId}' in {method.ContainingType.Name} (the first is '{definitions[0].Name}')",
                "keep one [FlowDefinition] method per flow class");
            return null;
        }
        if (!method.IsStatic || method.Parameters.Length != 1 || method.Parameters[0].Type.OriginalDefinition.ToDisplayString() != "FlowGen.FlowBuilder<TRequest>")
        {
            Problem(FlowDiagnostics.FluentUnreadable, syntax.Identifier.Span, $"[FlowDefinition] method '{method.Name}'", "must be static and take one FlowBuilder<TRequest> parameter",
                "declare it as static void Define(FlowBuilder<TRequest> flow) => flow...");
            return null;
        }

        var chain = syntax.ExpressionBody?.Expression ?? SingleStatement(syntax.Body);
        if (chain is null)
        {
            Problem(FlowDiagnostics.FluentUnreadable, syntax.Identifier.Span, $"[FlowDefinition] method '{method.Name}'", "is not one chain of builder calls",
                "write the body as one expression, flow.Task(...).Task(...)...; (no statements, loops or variables)");
            return null;
        }

        var location = Locate(syntax.Identifier.Span);
        var startProperties = new List<NodeProperty>();
        _ids[flowId] = location;
        var start = new FlowNode(flowId, method.ContainingType!.Name, NodeKind.StartEvent, "start", EquatableArray<NodeProperty>.Empty, location);
        _nodes.Add(start);
        var last = ReadChain(chain, method.Parameters[0], flowId, startProperties);
        if (last is not null)
        {
            var end = Synthetic("end", NodeKind.EndEvent, "end", location);
            Connect(last, end, location);
        }
        _nodes[0] = start with { Properties = startProperties.ToEquatableArray() };
        ErrorRoutes.LowerAll(_nodes, _edges, _routes, FlowLimits.Default, (routes, why) =>
            Problem(FlowDiagnostics.FluentUnreadable, new TextSpan(routes[0].Location.Start, routes[0].Location.Length), "'OnError'", why, ""));
        return new FlowGraph(flowId, _path, _nodes.ToEquatableArray(), _edges.ToEquatableArray(), location) { SourceKey = "from", TargetKey = "to" };
    }

    /// <summary>The calls of a chain <c>x.A(...).B(...)</c> in call order, and the expression it starts from (<c>x</c>).</summary>
    private static (List<InvocationExpressionSyntax> Calls, ExpressionSyntax Start) Unwind(ExpressionSyntax chain)
    {
        var calls = new List<InvocationExpressionSyntax>();
        var current = chain;
        while (current is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } invocation)
        {
            calls.Add(invocation);
            current = access.Expression;
        }
        calls.Reverse();
        return (calls, current);
    }

    /// <summary>A call of a method of the builder type <paramref name="type"/> (a generic definition's name), or null after reporting FG0710.</summary>
    private IInvocationOperation? CallOf(InvocationExpressionSyntax call, string type, string problem, string fix)
    {
        if (_model.GetOperation(call, _cancellationToken) is IInvocationOperation operation
            && operation.TargetMethod.ContainingType.OriginalDefinition.ToDisplayString() == type)
            return operation;
        // A call the compiler cannot bind (a typo in a method group: c => c.Ende) is the compiler's error to show: say
        // so, with its id, rather than call it a method that is not the builder's.
        if (_model.GetDiagnostics(call.Span, _cancellationToken).FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } error)
        {
            Problem(FlowDiagnostics.FluentUnreadable, error.Location.SourceSpan, $"'{Short(call)}'",
                $"does not compile ({error.Id}: {error.GetMessage(System.Globalization.CultureInfo.InvariantCulture)})", "fix that C# error first: FlowGen reads the definition once it compiles");
            return null;
        }
        Problem(FlowDiagnostics.FluentUnreadable, Span(call), $"'{Short(call)}'", problem, fix);
        return null;
    }

    /// <summary>Takes an id written in the definition as it is written: false (and FG0102, as in flow files) when it is taken.</summary>
    private bool Claim(string id, LocationInfo location)
    {
        if (_ids.TryGetValue(id, out var first))
        {
            _diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.DuplicateId, location, id, $"line {location.StartLine + 1}", $"line {first.StartLine + 1}").WithAdditional(first));
            return false;
        }
        _ids.Add(id, location);
        return true;
    }

    private bool IsParameter(ExpressionSyntax expression, IParameterSymbol parameter)
        => expression is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(_model.GetSymbolInfo(expression, _cancellationToken).Symbol, parameter);

    private static ExpressionSyntax? SingleStatement(BlockSyntax? body) => body is { Statements.Count: 1 } ? body.Statements[0] switch
    {
        ExpressionStatementSyntax expression => expression.Expression,
        ReturnStatementSyntax { Expression: { } returned } => returned,
        _ => null,
    } : null;

    /// <summary>Reads a chain rooted at <paramref name="root"/>, connected after <paramref name="previous"/>; returns the node it ends at, or null when it ends with Fail.</summary>
    private string? ReadChain(ExpressionSyntax chain, IParameterSymbol root, string previous, List<NodeProperty>? flowSettings)
    {
        var (calls, start) = Unwind(chain);
        if (!IsParameter(start, root))
        {
            Problem(FlowDiagnostics.FluentUnreadable, start.Span, $"'{Short(start)}'", $"is not a call on the builder '{root.Name}'",
                $"start the chain with {root.Name}.Task(...), {root.Name}.Parallel(...) or another builder method");
            return previous;
        }

        string? last = previous;
        FlowNode? lastNode = null;
        string? ender = null;
        foreach (var call in calls)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (CallOf(call, "FlowGen.FlowBuilder<TRequest>", "is not a FlowBuilder method", "use the builder's methods only") is not { } operation) continue;
            var name = operation.TargetMethod.Name;
            if (last is null && name is not ("Timeout" or "Retry" or "Fallback" or "IgnoreError" or "Output" or "Setting") && !FlowSettings.Contains(name))
            {
                Problem(FlowDiagnostics.FluentUnreadable, Span(call), $"'{name}'", $"follows {ender}, which ends its branch", $"remove it, or move {ender} to the end of the branch");
                continue;
            }

            switch (name)
            {
                case "ForEach" when operation.TargetMethod.Parameters.Any(p => p.Name == "body"):
                    last = ReadForeachBody(operation, call, last!);
                    lastNode = _nodes.LastOrDefault(n => n.Id == last);
                    break;
                case "Task" or "ForEach" or "Call" or "Fail" or "Finish" or "Publish":
                    var node = ReadNode(operation, call);
                    if (node is null) continue;
                    _nodes.Add(node);
                    Connect(last!, node.Id, node.Location);
                    last = name is "Fail" or "Finish" ? null : node.Id;
                    if (last is null) ender = name;
                    lastNode = node;
                    break;
                case "Parallel":
                    last = ReadParallel(operation, call, last!);
                    lastNode = null;
                    break;
                case "If":
                    last = ReadIf(operation, call, last!);
                    lastNode = null;
                    break;
                case "RepeatUntil":
                    last = ReadRepeat(operation, last!);
                    lastNode = null;
                    break;
                case "Choose" or "Inclusive":
                    last = ReadChoice(operation, call, last!, name == "Inclusive");
                    lastNode = null;
                    break;
                case "Sleep" or "SleepUntil":
                    var timer = ReadSleep(operation, call);
                    if (timer is null) continue;
                    _nodes.Add(timer);
                    Connect(last!, timer.Id, timer.Location);
                    last = timer.Id;
                    lastNode = timer;
                    break;
                case "Receive":
                    last = ReadReceive(operation, call, last!);
                    if (last is null) ender = "a Receive whose every arm ends the run";
                    lastNode = null;
                    break;
                case "OnError":
                    if (lastNode is not { Kind: NodeKind.ServiceTask } || lastNode.Id != last)
                    {
                        Problem(FlowDiagnostics.FluentUnreadable, Span(call), "'OnError'", "does not follow a Task", "call it right after the Task whose failure it handles");
                        continue;
                    }
                    last = ReadOnError(operation, call, lastNode.Id);
                    lastNode = null;
                    break;
                case "Input":
                    if (lastNode is not { Kind: NodeKind.ServiceTask } || lastNode.Id != last || (lastNode.FindProperty("task-service") ?? lastNode.FindProperty(TaskInputs.PublishSetting)) is null)
                    {
                        Problem(FlowDiagnostics.FluentUnreadable, Span(call), "'Input'", "does not follow a Task or Publish", "call it right after the Task whose parameter it gives (or the Publish whose event it fills)");
                        continue;
                    }
                    if (ReadAssignment(operation, call, "Input") is not { } input) continue;
                    var taskAt = _nodes.IndexOf(lastNode);
                    lastNode = lastNode with { Inputs = lastNode.Inputs.Append(input).ToEquatableArray() };
                    _nodes[taskAt] = lastNode;
                    break;
                case "Set":
                    if (ReadAssignment(operation, call) is not { } assignment) continue;
                    if (lastNode is { Kind: NodeKind.ServiceTask or NodeKind.CallActivity } && lastNode.Id == last)
                    {
                        // Right after the node it belongs to: the node's set, written after its task.
                        var at = _nodes.IndexOf(lastNode);
                        lastNode = lastNode with { Assignments = lastNode.Assignments.Append(assignment).ToEquatableArray() };
                        _nodes[at] = lastNode;
                    }
                    else
                    {
                        // Anywhere else: a node that only sets.
                        var location = Locate(Span(call));
                        var setNode = new FlowNode(Counted("set", location), null, NodeKind.ServiceTask, "Set", EquatableArray<NodeProperty>.Empty, location)
                        {
                            Assignments = new[] { assignment }.ToEquatableArray(),
                        };
                        _nodes.Add(setNode);
                        Connect(last!, setNode.Id, location);
                        last = setNode.Id;
                        lastNode = setNode;
                    }
                    break;
                case var _ when FlowSettings.Contains(name):
                    if (flowSettings is null)
                        Problem(FlowDiagnostics.FluentUnreadable, Span(call), $"'{name}'", "sets the whole flow", "call it on the definition's builder, not inside a branch");
                    else
                        ReadFlowSetting(operation, call, flowSettings);
                    break;
                default:
                    if (lastNode is null || lastNode.Kind == NodeKind.EndEvent)
                    {
                        Problem(FlowDiagnostics.FluentUnreadable, Span(call), $"'{name}'", "configures the node just added, but the previous call added none",
                            "call it right after Task, ForEach or Call");
                        continue;
                    }
                    var settings = ReadSettings(operation, call);
                    var index = _nodes.IndexOf(lastNode);
                    lastNode = lastNode with { Properties = lastNode.Properties.Concat(settings).ToEquatableArray() };
                    _nodes[index] = lastNode;
                    break;
            }
        }
        return last;
    }

    private FlowNode? ReadNode(IInvocationOperation operation, InvocationExpressionSyntax call)
    {
        var location = Locate(Span(call));
        var properties = new List<NodeProperty>();
        string? id = ConstantText(operation, "id");
        var name = ConstantText(operation, "name");
        var explicitId = id is not null;
        NodeKind kind;
        string element;
        switch (operation.TargetMethod.Name)
        {
            case "Task" when operation.TargetMethod.IsGenericMethod:
            case "ForEach":
                if (TaskOf(Argument(operation, "method")) is not { } task) return null;
                properties.Add(new NodeProperty("task-component", task.Component, location));
                properties.Add(new NodeProperty("task-service", task.Service, location));
                if (operation.TargetMethod.Name == "ForEach")
                {
                    if (Condition(Argument(operation, "source"), "iteration source") is not { } source) return null;
                    properties.Add(new NodeProperty("ite-source", source.Text, source.Location));
                }
                id ??= task.Service;
                kind = NodeKind.ServiceTask;
                element = operation.TargetMethod.Name == "ForEach" ? "ForEach" : "Task";
                break;
            case "Task":
                var component = ConstantText(operation, "component");
                var service = ConstantText(operation, "service");
                if (component is null || service is null) return null;
                properties.Add(new NodeProperty("task-component", component, location));
                properties.Add(new NodeProperty("task-service", service, location));
                id ??= service;
                kind = NodeKind.ServiceTask;
                element = "Task";
                break;
            case "Publish":
                var published = ConstantText(operation, "eventName");
                if (published is null) return null;
                properties.Add(new NodeProperty(TaskInputs.PublishSetting, published, location));
                id ??= "publish-" + published;
                kind = NodeKind.ServiceTask;
                element = "Publish";
                break;
            case "Call":
                var called = ConstantText(operation, "subflowId");
                if (called is null) return null;
                properties.Add(new NodeProperty("called-element", called, location));
                id ??= called;
                kind = NodeKind.CallActivity;
                element = "Call";
                break;
            case "Finish":
                id ??= "finish";
                kind = NodeKind.EndEvent;
                element = "Finish";
                break;
            default: // Fail
                var code = ConstantText(operation, "code");
                if (code is null) return null;
                properties.Add(new NodeProperty("error-code", code, location));
                if (ConstantText(operation, "message") is { } message) properties.Add(new NodeProperty("error-message", message, location));
                id ??= "fail-" + code;
                kind = NodeKind.EndEvent;
                element = "Fail";
                break;
        }
        if (!explicitId) id = Unique(id, location);
        else if (!Claim(id, location)) return null;
        return new FlowNode(id, name, kind, element, properties.ToEquatableArray(), location);
    }

    private List<NodeProperty> ReadSettings(IInvocationOperation operation, InvocationExpressionSyntax call)
    {
        var location = Locate(Span(call));
        var settings = new List<NodeProperty>();
        void Add(string name, string? value)
        {
            if (value is not null) settings.Add(new NodeProperty(name, value, location));
        }
        switch (operation.TargetMethod.Name)
        {
            case "Timeout":
                Add("timeout", ConstantInt(operation, "milliseconds"));
                break;
            case "Retry":
                Add("retry", ConstantInt(operation, "times"));
                if (IsGiven(operation, "delayMilliseconds") && ConstantInt(operation, "delayMilliseconds") is { } delay && delay != "0") Add("retry-delay", delay);
                if (IsGiven(operation, "backoff"))
                {
                    var backoff = Argument(operation, "backoff")!;
                    if (backoff.ConstantValue is { HasValue: true, Value: int value })
                        Add("retry-backoff", value switch { 1 => "linear", 2 => "exponential", _ => "constant" });
                    else
                        Problem(FlowDiagnostics.FluentNotConstant, backoff.Syntax.Span, "'backoff' of Retry", $"is '{Short(backoff.Syntax)}', which is not a constant",
                            "write RetryBackoff.Constant, RetryBackoff.Linear or RetryBackoff.Exponential");
                }
                break;
            case "Fallback":
                if (TaskOf(Argument(operation, "method")) is { } fallback) Add("demotion", fallback.Component + "@" + fallback.Service);
                break;
            case "IgnoreError":
                Add("strict-mode", "false");
                break;
            case "FireAndForget":
                Add("await", "false");
                break;
            case "Output":
                Add("output", ConstantText(operation, "name"));
                break;
            case "Setting":
                var name = ConstantText(operation, "name");
                if (name is not null) Add(name, ConstantText(operation, "value"));
                break;
        }
        return settings;
    }

    private string? ReadParallel(IInvocationOperation operation, InvocationExpressionSyntax call, string previous)
    {
        var location = Locate(Span(call));
        var branches = Branches(Argument(operation, "branches"));
        if (branches.Count == 0)
        {
            Problem(FlowDiagnostics.FluentUnreadable, Span(call), "'Parallel'", "has no branches", "pass a lambda per branch: .Parallel(b => b.Task(...), b => b.Task(...))");
            return previous;
        }
        var fork = Synthetic("fork", NodeKind.ParallelGateway, "Parallel", location);
        var join = Synthetic("join", NodeKind.ParallelGateway, "Parallel", location);
        Connect(previous, fork, location);
        foreach (var branch in branches)
        {
            var end = ReadBranch(branch, fork);
            if (end is not null) Connect(end, join, location);
        }
        return join;
    }

    private string? ReadIf(IInvocationOperation operation, InvocationExpressionSyntax call, string previous)
    {
        var location = Locate(Span(call));
        var condition = Condition(Argument(operation, "condition"), "condition");
        var then = Branches(Argument(operation, "then"));
        var otherwise = IsGiven(operation, "otherwise") ? Branches(Argument(operation, "otherwise")) : [];
        if (condition is null || then.Count != 1) return previous;
        var choice = Synthetic("if", NodeKind.ExclusiveGateway, "If", location);
        var merge = Synthetic("merge", NodeKind.ExclusiveGateway, "If", location);
        Connect(previous, choice, location);
        var before = _edges.Count;
        var thenEnd = ReadBranch(then[0], choice);
        if (thenEnd is not null) Connect(thenEnd, merge, location);
        MarkFirst(before, choice, condition, isDefault: false);
        if (otherwise.Count == 1)
        {
            before = _edges.Count;
            var elseEnd = ReadBranch(otherwise[0], choice);
            if (elseEnd is not null) Connect(elseEnd, merge, location);
            MarkFirst(before, choice, null, isDefault: true);
        }
        else
        {
            _edges.Add(new FlowEdge(EdgeId(choice, merge), null, choice, merge, null, true, location));
        }
        return merge;
    }

    /// <summary>
    /// ForEach(source, body, ...): an embedded subprocess whose body (a graph of its own, read from the lambda) runs once
    /// per item of the source, with the foreach settings.
    /// </summary>
    private string ReadForeachBody(IInvocationOperation operation, InvocationExpressionSyntax call, string previous)
    {
        var location = Locate(Span(call));
        var source = Condition(Argument(operation, "source"), "foreach source");
        var body = Branches(Argument(operation, "body"));
        if (source is null || body.Count != 1) return previous;
        var name = ConstantText(operation, "name");
        var id = ConstantText(operation, "id");
        if (id is null) id = Counted("foreach", location);
        else if (!Claim(id, location)) return previous;
        var properties = new List<NodeProperty> { new(ForeachChecks.Source, source.Text, source.Location) };
        if (IsGiven(operation, "item") && ConstantText(operation, "item") is { } item) properties.Add(new NodeProperty(ForeachChecks.Item, item, location));
        if (IsGiven(operation, "index") && ConstantText(operation, "index") is { } index) properties.Add(new NodeProperty(ForeachChecks.Index, index, location));
        if (IsGiven(operation, "parallel") && ConstantInt(operation, "parallel") is { } parallel) properties.Add(new NodeProperty(ForeachChecks.Parallel, parallel, location));

        // The body: read into a graph of its own, from a start node to an end node, with its own error routes.
        var (nodes, edges, routes) = (_nodes, _edges, _routes);
        (_nodes, _edges, _routes) = ([], [], []);
        var start = Unique(id + ".start", location);
        _nodes.Add(new FlowNode(start, null, NodeKind.StartEvent, "start", EquatableArray<NodeProperty>.Empty, location));
        if (ReadBranch(body[0], start) is { } last)
        {
            var end = Synthetic("end", NodeKind.EndEvent, "end", location);
            Connect(last, end, location);
        }
        ErrorRoutes.LowerAll(_nodes, _edges, _routes, FlowLimits.Default, (list, why) =>
            Problem(FlowDiagnostics.FluentUnreadable, new TextSpan(list[0].Location.Start, list[0].Location.Length), "'OnError'", why, ""));
        _bodies.Add(new FlowGraph(id, _path, _nodes.ToEquatableArray(), _edges.ToEquatableArray(), location) { Name = name, SourceKey = "from", TargetKey = "to" });
        (_nodes, _edges, _routes) = (nodes, edges, routes);

        _nodes.Add(new FlowNode(id, name, NodeKind.SubProcess, "ForEach", properties.ToEquatableArray(), location));
        Connect(previous, id, location);
        return id;
    }

    /// <summary>RepeatUntil: merge -> body -> check; the check leaves when the condition holds, else goes back to the merge.</summary>
    private string? ReadRepeat(IInvocationOperation operation, string previous)
    {
        var location = Locate(Span((InvocationExpressionSyntax)operation.Syntax));
        var body = Branches(Argument(operation, "body"));
        var until = Condition(Argument(operation, "until"), "loop condition");
        if (body.Count != 1 || until is null) return previous;
        var merge = Synthetic("loop", NodeKind.ExclusiveGateway, "RepeatUntil", location);
        Connect(previous, merge, location);
        var end = ReadBranch(body[0], merge);
        if (end is null)
        {
            Problem(FlowDiagnostics.FluentUnreadable, operation.Syntax.Span, "'RepeatUntil'", "has a body that ends the run (Fail or Finish), so it can never go round", "move Fail or Finish into an If inside the body");
            return previous;
        }
        var check = Synthetic("until", NodeKind.ExclusiveGateway, "RepeatUntil", until.Location);
        Connect(end, check, location);
        var exit = Synthetic("after-loop", NodeKind.ExclusiveGateway, "RepeatUntil", location);
        _edges.Add(new FlowEdge(EdgeId(check, exit), null, check, exit, until, false, until.Location));
        _edges.Add(new FlowEdge(EdgeId(check, merge), null, check, merge, null, true, location));
        return exit;
    }

    private string? ReadChoice(IInvocationOperation operation, InvocationExpressionSyntax call, string previous, bool inclusive)
    {
        var location = Locate(Span(call));
        var cases = Argument(operation, "cases");
        var lambda = Lambda(cases);
        if (lambda is null) return previous;
        var (body, parameter) = lambda.Value;
        var (calls, start) = Unwind(body);
        if (!IsParameter(start, parameter) || calls.Count == 0)
        {
            Problem(FlowDiagnostics.FluentUnreadable, body.Span, $"'{Short(body)}'", "is not a chain of When/Otherwise calls", $"write {parameter.Name} => {parameter.Name}.When(bus => ..., b => ...).Otherwise(b => ...)");
            return previous;
        }

        var kind = inclusive ? NodeKind.InclusiveGateway : NodeKind.ExclusiveGateway;
        var element = inclusive ? "Inclusive" : "Choose";
        var choice = Synthetic(inclusive ? "inclusive" : "choose", kind, element, location);
        var join = Synthetic(inclusive ? "join" : "merge", kind, element, location);
        Connect(previous, choice, location);
        var hasDefault = false;
        foreach (var caseCall in calls)
        {
            if (CallOf(caseCall, "FlowGen.FlowChoice<TRequest>", "is not a When or Otherwise case", "use When(bus => ..., b => ...) and Otherwise(b => ...) only") is not { } caseOperation) continue;
            var isDefault = caseOperation.TargetMethod.Name == "Otherwise";
            var condition = isDefault ? null : Condition(Argument(caseOperation, "condition"), "condition");
            if (!isDefault && condition is null) continue;
            var branches = Branches(Argument(caseOperation, "branch"));
            if (branches.Count != 1) continue;
            var branch = branches[0];
            var before = _edges.Count;
            var end = ReadBranch(branch, choice);
            if (end is not null) Connect(end, join, location);
            MarkFirst(before, choice, condition, isDefault);
            hasDefault |= isDefault;
        }
        if (!hasDefault && !inclusive)
            _edges.Add(new FlowEdge(EdgeId(choice, join), null, choice, join, null, true, location)); // no case holds: go on
        return join;
    }

    /// <summary>The settings of the whole flow: its time limit and loop limit, and those of a durable flow (its trigger, key, failure policy, the build it continues).</summary>
    private void ReadFlowSetting(IInvocationOperation operation, InvocationExpressionSyntax call, List<NodeProperty> flowSettings)
    {
        var location = Locate(Span(call));
        switch (operation.TargetMethod.Name)
        {
            case "FlowTimeout" or "LoopLimit":
                var isTimeout = operation.TargetMethod.Name == "FlowTimeout";
                if (ConstantInt(operation, isTimeout ? "milliseconds" : "rounds") is { } value)
                    flowSettings.Add(new NodeProperty(isTimeout ? "flow-timeout" : "loop-limit", value, location));
                break;
            case "Trigger":
                if (EventName(operation.TargetMethod.TypeArguments[0], call) is not { } eventName) return;
                flowSettings.Add(new NodeProperty("event", eventName, location));
                if (IsGiven(operation, "when") && Condition(Argument(operation, "when"), "trigger condition", overEvent: true) is { } when)
                    flowSettings.Add(new NodeProperty("trigger-when", when.Text, when.Location));
                break;
            case "Key":
                if (Condition(Argument(operation, "key"), "key") is { } key) flowSettings.Add(new NodeProperty("key", key.Text, key.Location));
                break;
            case "OnFailure":
                var policy = Argument(operation, "policy")!;
                if (policy.ConstantValue is { HasValue: true, Value: int chosen })
                    flowSettings.Add(new NodeProperty("on-failure", chosen == 1 ? "suspend" : "fail", location));
                else
                    Problem(FlowDiagnostics.FluentNotConstant, policy.Syntax.Span, "'policy' of OnFailure", $"is '{Short(policy.Syntax)}', which is not a constant",
                        "write FlowFailurePolicy.Fail or FlowFailurePolicy.Suspend");
                break;
            case "Continues":
                if (ConstantText(operation, "flowId") is { } continued) flowSettings.Add(new NodeProperty("continues", continued, location));
                break;
        }
    }

    /// <summary>Sleep(duration) or SleepUntil(bus =&gt; date): a timer catch node.</summary>
    private FlowNode? ReadSleep(IInvocationOperation operation, InvocationExpressionSyntax call)
    {
        var location = Locate(Span(call));
        NodeProperty timer;
        if (operation.TargetMethod.Name == "Sleep")
        {
            if (ConstantText(operation, "duration") is not { } duration) return null;
            timer = new NodeProperty("duration", duration, location);
        }
        else
        {
            if (Condition(Argument(operation, "date"), "date") is not { } date) return null;
            timer = new NodeProperty("date", date.Text, date.Location);
        }
        if (NodeId(operation, "sleep", location) is not { } id) return null;
        return new FlowNode(id, ConstantText(operation, "name"), NodeKind.TimerCatch, operation.TargetMethod.Name, new[] { timer }.ToEquatableArray(), location);
    }

    /// <summary>
    /// Receive(r =&gt; r.On&lt;E&gt;(...).After(...)): an event gateway, a catch node per arm (an event, or a time) with the
    /// arm's branch after it, and an exclusive merge where the branches meet again, as a YAML receive action is read.
    /// </summary>
    private string? ReadReceive(IInvocationOperation operation, InvocationExpressionSyntax call, string previous)
    {
        var location = Locate(Span(call));
        if (Lambda(Argument(operation, "arms")) is not { } lambda) return previous;
        var (body, parameter) = lambda;
        var (calls, start) = Unwind(body);
        if (!IsParameter(start, parameter) || calls.Count == 0)
        {
            Problem(FlowDiagnostics.FluentUnreadable, body.Span, $"'{Short(body)}'", "is not a chain of On/After arms",
                $"write {parameter.Name} => {parameter.Name}.On<MyEvent>(then: b => ...).After(\"7d\", then: b => ...)");
            return previous;
        }
        if (NodeId(operation, "receive", location) is not { } gateway) return previous;
        _nodes.Add(new FlowNode(gateway, ConstantText(operation, "name"), NodeKind.EventGateway, "Receive", EquatableArray<NodeProperty>.Empty, location));
        Connect(previous, gateway, location);
        var merge = Synthetic("merge", NodeKind.ExclusiveGateway, "Receive", location);
        var reached = false;
        foreach (var armCall in calls)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (CallOf(armCall, "FlowGen.FlowReceive<TRequest>", "is not an On or After arm", "use On<MyEvent>(...) and After(\"duration\", ...) only") is not { } arm) continue;
            var armLocation = Locate(Span(armCall));
            var properties = new List<NodeProperty>();
            ConditionSource? when = null;
            string armId;
            NodeKind kind;
            if (arm.TargetMethod.Name == "On")
            {
                if (EventName(arm.TargetMethod.TypeArguments[0], armCall) is not { } eventName) continue;
                properties.Add(new NodeProperty("event", eventName, armLocation));
                if (IsGiven(arm, "key"))
                {
                    if (Condition(Argument(arm, "key"), "key", overEvent: true) is not { } key) continue;
                    properties.Add(new NodeProperty("key", key.Text, key.Location));
                }
                if (ConstantText(arm, "to") is { } to)
                    properties.Add(new NodeProperty("to", to.StartsWith("sta.", StringComparison.Ordinal) || to.StartsWith("var.", StringComparison.Ordinal) ? to : "sta." + to, armLocation));
                if (IsGiven(arm, "when") && (when = Condition(Argument(arm, "when"), "condition", overEvent: true)) is null) continue;
                armId = gateway + "." + eventName;
                kind = NodeKind.MessageCatch;
            }
            else
            {
                if (ConstantText(arm, "duration") is not { } duration) continue;
                properties.Add(new NodeProperty("duration", duration, armLocation));
                armId = gateway + ".after";
                kind = NodeKind.TimerCatch;
            }
            // An arm's id as written (FG0102 when taken), else the receive's id and the event's name (or "after").
            if (ConstantText(arm, "id") is { } givenId)
            {
                if (!Claim(givenId, armLocation)) continue;
                armId = givenId;
            }
            else
            {
                armId = Unique(armId, armLocation);
            }
            _nodes.Add(new FlowNode(armId, null, kind, arm.TargetMethod.Name, properties.ToEquatableArray(), armLocation));
            _edges.Add(new FlowEdge(EdgeId(gateway, armId), null, gateway, armId, when, false, armLocation));
            var end = IsGiven(arm, "then") && Branches(Argument(arm, "then")) is { Count: 1 } then ? ReadBranch(then[0], armId) : armId;
            if (end is null) continue; // the arm's branch ends the run (Fail or Finish)
            Connect(end, merge, armLocation);
            reached = true;
        }
        if (reached) return merge;
        // Every arm ends the run: nothing follows the Receive.
        _nodes.RemoveAll(n => n.Id == merge);
        return null;
    }

    /// <summary>An event type's name: its [FlowEvent("name")].</summary>
    private string? EventName(ITypeSymbol type, InvocationExpressionSyntax call)
    {
        if (type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == EventAttribute)?.ConstructorArguments.FirstOrDefault().Value is string { Length: > 0 } name)
            return name;
        Problem(FlowDiagnostics.FluentUnreadable, Span(call), $"'{type.Name}'", "is not a flow event: it has no [FlowEvent(\"name\")]",
            $"mark the type [FlowEvent(\"name\")] (the name flows and FlowEngine.PublishAsync use), or wait for a type that has it");
        return null;
    }

    /// <summary>The id of a node a call adds: its id argument, kept as written (FG0102 when taken), else a made-up one.</summary>
    private string? NodeId(IInvocationOperation operation, string kind, LocationInfo location)
    {
        if (ConstantText(operation, "id") is { } id) return Claim(id, location) ? id : null;
        return Counted(kind, location);
    }

    /// <summary>Puts the condition (or the default mark) on the edge a branch added first out of its gateway.</summary>
    private void MarkFirst(int from, string gateway, ConditionSource? condition, bool isDefault)
    {
        for (var i = from; i < _edges.Count; i++)
        {
            if (_edges[i].SourceId != gateway) continue;
            _edges[i] = _edges[i] with { Condition = condition, IsDefault = isDefault };
            return;
        }
    }

    /// <summary>A branch lambda's chain, connected after the gateway; an empty branch (b =&gt; b) goes straight to the join.</summary>
    private string? ReadBranch((ExpressionSyntax Body, IParameterSymbol Parameter) branch, string gateway)
    {
        if (branch.Body is IdentifierNameSyntax) return gateway;
        return ReadChain(branch.Body, branch.Parameter, gateway, flowSettings: null);
    }

    private List<(ExpressionSyntax Body, IParameterSymbol Parameter)> Branches(IOperation? argument)
    {
        var result = new List<(ExpressionSyntax, IParameterSymbol)>();
        if (argument is null) return result;
        var items = argument is IArrayCreationOperation { Initializer: { } initializer } ? initializer.ElementValues : [argument];
        foreach (var item in items)
        {
            if (Lambda(item) is { } lambda) result.Add(lambda);
        }
        return result;
    }

    /// <summary>A lambda argument's expression body and parameter; a block body with one expression statement is accepted too.</summary>
    private (ExpressionSyntax Body, IParameterSymbol Parameter)? Lambda(IOperation? argument)
    {
        var value = Unwrap(argument);
        if (value is IAnonymousFunctionOperation { Symbol.Parameters.Length: 1 } function && function.Syntax is LambdaExpressionSyntax syntax)
        {
            // b => { } is an empty branch: it reads as the bare parameter (nothing runs on it).
            var body = syntax.ExpressionBody ?? (syntax.Block is { Statements.Count: 0 } ? Microsoft.CodeAnalysis.CSharp.SyntaxFactory.IdentifierName(function.Symbol.Parameters[0].Name) : SingleStatement(syntax.Block));
            if (body is not null) return (body, function.Symbol.Parameters[0]);
        }
        if (argument is not null)
            Problem(FlowDiagnostics.FluentUnreadable, argument.Syntax.Span, $"'{Short(argument.Syntax)}'", "is not a lambda with one expression",
                "pass a lambda such as b => b.Task<MyService>(s => s.DoWork)");
        return null;
    }

    private ConditionSource? Condition(IOperation? argument, string what, bool overEvent = false)
    {
        if (Lambda(argument) is not { } lambda) return null;
        var (text, offsets, unsupported, why) = ConditionTranslator.Translate(_model, lambda.Parameter, lambda.Body, _cancellationToken, overEvent);
        if (unsupported is not null)
        {
            Problem(FlowDiagnostics.FluentUntranslatable, unsupported.Span, $"The {what} '{Short(lambda.Body)}'", $"uses {why}", "");
            return null;
        }
        var lines = new int[offsets.Length];
        var columns = new int[offsets.Length];
        for (var i = 0; i < offsets.Length; i++)
        {
            var position = _text.Lines.GetLinePosition(offsets[i]);
            lines[i] = position.Line;
            columns[i] = position.Character;
        }
        return new ConditionSource(text, ExpressionParser.Parse(text), Locate(lambda.Body.Span), offsets.ToEquatableArray(), lines.ToEquatableArray(), columns.ToEquatableArray());
    }

    /// <summary>
    /// OnError: the handler branch is the task's error route; the task's own flow and the branch's end meet at a merge,
    /// where the chain goes on.
    /// </summary>
    private string ReadOnError(IInvocationOperation operation, InvocationExpressionSyntax call, string taskId)
    {
        var location = Locate(Span(call));
        var code = IsGiven(operation, "code") ? ConstantText(operation, "code") : null;
        var merge = Synthetic("after-error", NodeKind.ExclusiveGateway, "OnError", location);
        Connect(taskId, merge, location);
        var handler = Branches(Argument(operation, "handler"));
        if (handler.Count != 1) return merge;
        var before = _edges.Count;
        var end = ReadBranch(handler[0], taskId);
        var entry = _edges.Skip(before).FirstOrDefault(e => e.SourceId == taskId);
        if (entry is null)
        {
            Problem(FlowDiagnostics.FluentUnreadable, Span(call), "'OnError'", "has an empty handler", "give it the nodes that handle the failure: .OnError(b => b.Task(...))");
            return merge;
        }
        // The branch's first flow is the route itself: the lowering puts it behind the task's error gateway.
        _edges.Remove(entry);
        _routes.Add(new ErrorRoutes.Route(taskId, entry.TargetId, code, null, location));
        if (end is not null) Connect(end, merge, location);
        return merge;
    }

    /// <summary>A Set call: the bus name (a constant) and the value lambda, translated like a condition.</summary>
    private FlowAssignment? ReadAssignment(IInvocationOperation operation, InvocationExpressionSyntax call, string what = "Set")
    {
        var target = ConstantText(operation, "name");
        var nameArgument = Argument(operation, "name");
        if (target is null)
        {
            Problem(FlowDiagnostics.FluentNotConstant, (nameArgument?.Syntax ?? call).Span, $"'name' of {what}", "is not a constant string",
                what == "Set" ? "write the bus value as a literal, such as \"var.total\"" : "write the parameter as a literal, such as \"order.total\"");
            return null;
        }
        var value = Condition(Argument(operation, "value"), $"value of {what}");
        return value is null ? null : new FlowAssignment(target, Locate(nameArgument!.Syntax.Span), value);
    }

    /// <summary>The component and task names of a method group lambda (s =&gt; s.LoadUser), from its [FlowTask] and [FlowComponent].</summary>
    private (string Component, string Service)? TaskOf(IOperation? argument)
    {
        var value = Unwrap(argument);
        IMethodSymbol? method = null;
        if (value is IAnonymousFunctionOperation function && function.Body.Operations.FirstOrDefault() is IReturnOperation { ReturnedValue: { } returned })
            method = (Unwrap(returned) as IMethodReferenceOperation)?.Method;
        if (method is null)
        {
            if (argument is not null)
                Problem(FlowDiagnostics.FluentUnreadable, argument.Syntax.Span, $"'{Short(argument.Syntax)}'", "does not name a task method",
                    "pass a lambda that returns the method group: s => s.LoadUserAsync");
            return null;
        }
        var task = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == TaskAttribute)?.ConstructorArguments.FirstOrDefault().Value as string;
        var component = method.ContainingType.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ComponentAttribute)?.ConstructorArguments.FirstOrDefault().Value as string;
        if (task is null || component is null)
        {
            var missing = task is null ? $"{method.ContainingType.Name}.{method.Name} has no [FlowTask(\"name\")]" : $"{method.ContainingType.Name} has no [FlowComponent(\"name\")]";
            Problem(FlowDiagnostics.FluentNotATask, argument!.Syntax.Span, $"'{method.ContainingType.Name}.{method.Name}'", $"is not a flow task: {missing}",
                "mark the method [FlowTask(\"name\")] in a [FlowComponent(\"name\")] class");
            return null;
        }
        return (component, task);
    }

    private static IOperation? Unwrap(IOperation? operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    continue;
                case IDelegateCreationOperation creation:
                    operation = creation.Target;
                    continue;
                case IArgumentOperation argument:
                    operation = argument.Value;
                    continue;
                default:
                    return operation;
            }
        }
    }

    private static IArgumentOperation? ArgumentOf(IInvocationOperation operation, string parameter)
        => operation.Arguments.FirstOrDefault(a => a.Parameter?.Name == parameter);

    private static IOperation? Argument(IInvocationOperation operation, string parameter) => ArgumentOf(operation, parameter)?.Value;

    private static bool IsGiven(IInvocationOperation operation, string parameter) => ArgumentOf(operation, parameter) is { ArgumentKind: not ArgumentKind.DefaultValue };

    /// <summary>A text argument that must be a constant (ids, names, settings): FG0711 otherwise; null when omitted.</summary>
    private string? ConstantText(IInvocationOperation operation, string parameter)
        => Constant(operation, parameter) is { HasValue: true, Value: string text } ? text : null;

    private string? ConstantInt(IInvocationOperation operation, string parameter)
        => Constant(operation, parameter) is { HasValue: true, Value: int value } ? value.ToString(CultureInfo.InvariantCulture) : null;

    /// <summary>An argument that must be a constant (ids, names, settings): FG0711 otherwise; no value when omitted.</summary>
    private Optional<object?> Constant(IInvocationOperation operation, string parameter)
    {
        var argument = ArgumentOf(operation, parameter);
        if (argument is null || argument.ArgumentKind == ArgumentKind.DefaultValue) return default;
        if (argument.Value.ConstantValue.HasValue) return argument.Value.ConstantValue;
        Problem(FlowDiagnostics.FluentNotConstant, argument.Value.Syntax.Span, $"'{parameter}' of {operation.TargetMethod.Name}", $"is '{Short(argument.Value.Syntax)}', which is not a constant",
            "write a literal or a const: the generator reads the definition at build time and cannot run code");
        return default;
    }

    private string Synthetic(string kind, NodeKind nodeKind, string element, LocationInfo location)
    {
        var id = Counted(kind, location);
        _nodes.Add(new FlowNode(id, null, nodeKind, element, EquatableArray<NodeProperty>.Empty, location));
        return id;
    }

    /// <summary>The next made-up id of a kind of node: if-1, if-2, ... (one counter per kind).</summary>
    private string Counted(string kind, LocationInfo location)
    {
        _counters[kind] = _counters.TryGetValue(kind, out var n) ? n + 1 : 1;
        return Unique(kind + "-" + _counters[kind].ToString(CultureInfo.InvariantCulture), location);
    }

    /// <summary>A made-up node id: a task used twice without an id gets -2, -3 ...</summary>
    private string Unique(string id, LocationInfo location)
    {
        var candidate = id;
        for (var n = 2; _ids.ContainsKey(candidate); n++) candidate = id + "-" + n.ToString(CultureInfo.InvariantCulture);
        _ids.Add(candidate, location);
        return candidate;
    }

    private void Connect(string from, string to, LocationInfo location)
        => _edges.Add(new FlowEdge(EdgeId(from, to), null, from, to, null, false, location));

    private string EdgeId(string from, string to)
    {
        var id = from + "->" + to;
        var candidate = id;
        for (var n = 2; _edges.Any(e => e.Id == candidate); n++) candidate = id + "#" + n.ToString(CultureInfo.InvariantCulture);
        return candidate;
    }

    private LocationInfo Locate(TextSpan span) => LocationInfo.From(_path, _text, span);

    /// <summary>A builder call from its method name to its closing parenthesis (not from the start of the chain).</summary>
    private static TextSpan Span(InvocationExpressionSyntax call)
        => call.Expression is MemberAccessExpressionSyntax access ? TextSpan.FromBounds(access.Name.SpanStart, call.Span.End) : call.Span;

    private void Problem(DiagnosticDescriptor descriptor, TextSpan span, string what, string problem, string fix)
        => _diagnostics.Add(DiagnosticInfo.Create(descriptor, Locate(span), what, problem, fix.Length == 0 ? "" : " " + char.ToUpperInvariant(fix[0]) + fix.Substring(1) + "."));

    private static string Short(SyntaxNode node)
    {
        var text = node.ToString().Replace("\r", " ").Replace("\n", " ");
        while (text.Contains("  ")) text = text.Replace("  ", " ");
        return text.Length > 60 ? text.Substring(0, 57) + "..." : text;
    }
}
