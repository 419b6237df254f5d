namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>
/// Makes a random flow from a seed, block by block (tasks, exclusive / parallel / inclusive splits with their joins,
/// forking tasks, loops, embedded and called subflows, iterated tasks, end and fail nodes), so most flows are valid;
/// then, for some, one mutation (an edge removed or added, a join of another kind, an unknown var, a bad setting) that
/// the checks should reject, or that changes how the flow runs. Now and then a task joins branches itself (Kstry's implicit join).
/// One flow in four is durable: it waits now and then (a timer, a receive, an event gateway whose arms go on as branches),
/// never inside a fork, a loop or a subflow (FG0111), and a FlowEngine runs it.
/// Conditions read the request (a, b, c) and vars that tasks certain to have run before (or joined before) wrote, so
/// different requests take different paths and every value is deterministic whatever order branches run in.
/// </summary>
internal sealed class GraphGenerator
{
    private readonly Random _random;
    private readonly RandomFlow _flow;
    private int _next;
    private int _loops;
    private readonly List<string> _reusableSubflows = [];

    private GraphGenerator(int seed, string id)
    {
        _random = new Random(seed);
        _flow = new RandomFlow(seed, id);
    }

    /// <summary>An edge waiting for the node it goes to.</summary>
    private readonly record struct Open(string From, Condition? When, bool IsDefault);

    /// <summary>Where a block is made: its graph, whether it is inside a loop or a fork, how deep in subflows, and whether a wait may stand there.</summary>
    private sealed record Scope(FlowGraph Graph, bool InLoop, bool TopLevel, int Depth, bool CanWait = false);

    /// <summary>What a timer waits: ISO 8601 durations (the driver moves its clock past them).</summary>
    private static readonly string[] s_durations = ["PT30S", "PT5M", "PT2H", "P1D"];

    public static RandomFlow Generate(int seed) => Generate(seed, "f" + ((uint)seed).ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static RandomFlow Generate(int seed, string id)
    {
        var generator = new GraphGenerator(seed, id);
        var flow = generator._flow;
        flow.Yaml = generator._random.Next(2) == 0;
        // One flow in three as BPMN, chosen from the seed so that the flows themselves do not change with the form.
        flow.Bpmn = ((uint)seed % 3) == 0;
        // One flow in four durable, also from the seed, so that the other flows do not change with it.
        flow.Durable = ((uint)seed / 3 % 4) == 1;
        var main = flow.Main;
        main.Nodes.Add(new GraphNode(id, GraphNodeKind.Start));
        var scope = new Scope(main, InLoop: false, TopLevel: true, Depth: 0, CanWait: flow.Durable);
        var vars = new List<string>();
        var end = generator.Sequence(scope, new Open(id, null, false), 2 + generator._random.Next(10), vars);
        if (end is { } open) generator.Connect(main, open, generator.AddNode(main, GraphNodeKind.End).Id);
        if (flow.Durable && !main.Nodes.Any(n => n.Kind is GraphNodeKind.Receive or GraphNodeKind.Timer))
        {
            // A durable flow waits at least once: a timer on the start's flow.
            var first = main.Outgoing(id).First();
            var timer = generator.Timer(main);
            generator.Connect(main, new Open(id, first.When, first.IsDefault), timer.Id);
            first.From = timer.Id;
            first.When = null;
            first.IsDefault = false;
        }
        if (generator._loops > 0 && generator._random.Next(6) == 0) flow.LoopLimit = 1 + generator._random.Next(3);
        if (generator._random.Next(5) == 0) generator.Mutate();
        return flow;
    }

    private string NewId(string prefix) => prefix + (_next++).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private GraphNode AddNode(FlowGraph graph, GraphNodeKind kind, string prefix = "n")
    {
        var node = new GraphNode(NewId(prefix), kind);
        graph.Nodes.Add(node);
        return node;
    }

    private void Connect(FlowGraph graph, Open open, string to) => graph.Edges.Add(new GraphEdge(open.From, to) { When = open.When, IsDefault = open.IsDefault });

    private bool Chance(int percent) => _random.Next(100) < percent;

    private Open? Sequence(Scope scope, Open open, int budget, List<string> vars)
    {
        while (budget > 0)
        {
            if (scope.CanWait && Chance(25))
            {
                var waited = WaitBlock(scope, open, Math.Min(budget, 3), vars);
                if (waited is null) return null;
                open = waited.Value;
                budget -= 2;
                continue;
            }
            var roll = _random.Next(100);
            var size = 1;
            Open? next;
            if (roll < 35 || budget == 1) next = TaskBlock(scope, open, vars);
            else if (roll < 50) { size = 3; next = ExclusiveBlock(scope, open, Math.Min(budget - 1, 4), vars); }
            else if (roll < 60 && !scope.InLoop) { size = 3; next = ParallelBlock(scope, open, Math.Min(budget - 1, 4), vars); }
            else if (roll < 70 && !scope.InLoop) { size = 3; next = InclusiveBlock(scope, open, Math.Min(budget - 1, 4), vars); }
            else if (roll < 75 && !scope.InLoop) { size = 2; next = ForkingTaskBlock(scope, open, vars); }
            else if (roll < 83 && !scope.InLoop && budget >= 3) { size = 3; next = LoopBlock(scope, open, Math.Min(budget - 2, 3), vars); }
            else if (roll < 88 && !scope.InLoop && scope.Depth < 2) { size = 3; next = EmbeddedSubflow(scope, open, Math.Min(budget, 4), vars); }
            else if (roll < 93 && !scope.InLoop && scope.Depth < 2) { size = 3; next = CallBlock(scope, open, vars); }
            else if (roll < 97) next = IterationBlock(scope, open);
            else if (!scope.InLoop && !scope.TopLevel) return Terminal(scope, open);
            else next = TaskBlock(scope, open, vars);
            if (next is null) return null;
            open = next.Value;
            budget -= size;
        }
        return open;
    }

    private TaskSpec NewTask(string id, List<string> vars, bool topLevel)
    {
        var reads = vars.Count == 0 ? [] : Enumerable.Range(0, _random.Next(3)).Select(_ => vars[_random.Next(vars.Count)]).Distinct().ToList();
        return new TaskSpec(id, _random.Next(10), TaskFormula.Mix, reads, "v" + id, Async: Chance(25), Static: Chance(15), ToResult: topLevel && Chance(30));
    }

    private Open TaskBlock(Scope scope, Open open, List<string> vars)
    {
        var node = AddNode(scope.Graph, GraphNodeKind.Task, "t");
        node.Task = NewTask(node.Id, vars, scope.TopLevel);
        Connect(scope.Graph, open, node.Id);
        vars.Add(node.Task.WritesVar);
        return new Open(node.Id, null, false);
    }

    private Open IterationBlock(Scope scope, Open open)
    {
        var node = AddNode(scope.Graph, GraphNodeKind.Task, "t");
        node.Task = new TaskSpec(node.Id, _random.Next(10), TaskFormula.Iterate, [], "l" + node.Id, Async: Chance(25), Static: false, ToResult: false)
        {
            FailsOn = Chance(40) ? _random.Next(10) : null,
        };
        node.IteAsync = Chance(40);
        // any with ite-async keeps whichever success finishes first (iteration.md): not one answer to compare.
        var roll = _random.Next(100);
        node.IteStrategy = roll < 45 ? null : roll < 60 ? "all" : roll < 80 || node.IteAsync ? "best" : "any";
        Connect(scope.Graph, open, node.Id);
        return new Open(node.Id, null, false);
    }

    /// <summary>A gateway, which calls a service of its own now and then (its value is visible to its conditions).</summary>
    private GraphNode Gateway(Scope scope, GraphNodeKind kind, List<string> vars)
    {
        var node = AddNode(scope.Graph, kind, "g");
        if (Chance(20))
        {
            node.Task = NewTask(node.Id, vars, scope.TopLevel);
            vars.Add(node.Task.WritesVar);
        }
        if (kind != GraphNodeKind.Exclusive && Chance(30)) node.OpenAsync = true;
        return node;
    }

    private Condition NewCondition(List<string> vars)
    {
        Operand Operand()
        {
            var roll = _random.Next(10);
            Operand single = vars.Count > 0 && roll < 5 ? new VarValue(vars[_random.Next(vars.Count)]) : new RequestField(new[] { "a", "b", "c" }[_random.Next(3)]);
            return roll switch
            {
                7 => new Sum(single, new RequestField("b")),
                8 => new Remainder(single, 2 + _random.Next(2)),
                _ => single,
            };
        }
        Condition Compare() => new Compare(Operand(), new[] { "==", "!=", "<", "<=", ">", ">=" }[_random.Next(6)], _random.Next(10));
        return _random.Next(10) switch
        {
            0 => new Both(Compare(), Compare()),
            1 => new Either(Compare(), Compare()),
            2 => new Negation(Compare()),
            _ => Compare(),
        };
    }

    /// <summary>The branches of a split: conditions, at most one default, and now and then a flow without a condition.</summary>
    private List<Open> Branches(GraphNode split, int count, bool conditional, List<string> vars)
    {
        var readable = split.Task is null ? vars : vars.Append(split.Task.WritesVar).ToList();
        var branches = new List<Open>();
        var withDefault = conditional && Chance(60);
        var unconditionalLast = conditional && Chance(15);
        for (var i = 0; i < count; i++)
        {
            if (!conditional) branches.Add(new Open(split.Id, null, false));
            else if (i == count - 1 && unconditionalLast) branches.Add(new Open(split.Id, Chance(30) ? new Always() : null, false));
            else if (i == count - 1 && withDefault) branches.Add(new Open(split.Id, null, true));
            else branches.Add(new Open(split.Id, NewCondition(readable), false));
        }
        return branches;
    }

    /// <summary>Makes each branch's body, then joins the branches that go on at a new node of <paramref name="joinKind"/>.</summary>
    private Open? JoinBranches(Scope scope, List<Open> branches, int budget, List<string> vars, GraphNodeKind joinKind, bool terminals, bool alternatives = false)
    {
        var branchScope = scope with { TopLevel = false };
        var ends = new List<Open>();
        var written = new List<string>();
        var emptyBranch = false;
        for (var i = 0; i < branches.Count; i++)
        {
            var branch = branches[i];
            var branchVars = new List<string>(vars);
            Open? end = branch;
            var roll = _random.Next(100);
            // Waits may stand in alternative branches (of an exclusive split or an event gateway), and in the first branch
            // of a fork, whose other branches run on to the join in the same step; never in two of a fork's (FG0111).
            var canWait = scope.CanWait && (alternatives || i == 0);
            if (terminals && roll < 15) end = Terminal(scope, branch);
            else if (roll < 70 || emptyBranch) end = Sequence(branchScope with { CanWait = canWait }, branch, 1 + _random.Next(Math.Max(1, budget)), branchVars);
            // Two empty branches would connect the split to the join twice (FG0113).
            if (end == branch) emptyBranch = true;
            if (end is { } e) ends.Add(e);
            written.AddRange(branchVars.Except(vars));
        }
        if (ends.Count == 0) return null;
        // Now and then no join gateway at all: the next task joins the branches itself (Kstry's implicit join).
        if (!scope.InLoop && Chance(12)) joinKind = GraphNodeKind.Task;
        var join = AddNode(scope.Graph, joinKind, joinKind == GraphNodeKind.Task ? "t" : "j");
        foreach (var end in ends) Connect(scope.Graph, end, join.Id);
        vars.AddRange(written.Distinct());
        if (joinKind == GraphNodeKind.Task)
        {
            join.Task = NewTask(join.Id, vars, scope.TopLevel);
            vars.Add(join.Task.WritesVar);
        }
        else if (Chance(10) && !scope.InLoop)
        {
            // A join that calls a service: it runs once the branches have joined.
            join.Task = NewTask(join.Id, vars, scope.TopLevel);
            vars.Add(join.Task.WritesVar);
        }
        return new Open(join.Id, null, false);
    }

    private Open? ExclusiveBlock(Scope scope, Open open, int budget, List<string> vars)
    {
        var split = Gateway(scope, GraphNodeKind.Exclusive, vars);
        Connect(scope.Graph, open, split.Id);
        var branches = Branches(split, 2 + _random.Next(2), conditional: true, vars);
        var roll = _random.Next(100);
        var join = scope.InLoop || roll < 80 ? GraphNodeKind.Exclusive : roll < 95 ? GraphNodeKind.Inclusive : GraphNodeKind.Parallel;
        return JoinBranches(scope, branches, budget, vars, join, terminals: !scope.InLoop, alternatives: true);
    }

    private Open? ParallelBlock(Scope scope, Open open, int budget, List<string> vars)
    {
        var split = Gateway(scope, GraphNodeKind.Parallel, vars);
        Connect(scope.Graph, open, split.Id);
        var branches = Branches(split, 2 + _random.Next(2), conditional: false, vars);
        var join = Chance(85) ? GraphNodeKind.Parallel : GraphNodeKind.Inclusive;
        return JoinBranches(scope, branches, budget, vars, join, terminals: true);
    }

    private Open? InclusiveBlock(Scope scope, Open open, int budget, List<string> vars)
    {
        var split = Gateway(scope, GraphNodeKind.Inclusive, vars);
        Connect(scope.Graph, open, split.Id);
        var branches = Branches(split, 2 + _random.Next(2), conditional: true, vars);
        var roll = _random.Next(100);
        var join = roll < 85 ? GraphNodeKind.Inclusive : roll < 93 ? GraphNodeKind.Exclusive : GraphNodeKind.Parallel;
        return JoinBranches(scope, branches, budget, vars, join, terminals: true);
    }

    /// <summary>A task whose own outgoing flows fork: all of them (no conditions) or as an inclusive gateway would.</summary>
    private Open? ForkingTaskBlock(Scope scope, Open open, List<string> vars)
    {
        var task = TaskBlock(scope, open, vars);
        var split = scope.Graph.Node(task.From);
        var conditional = Chance(50);
        var branches = Branches(split, 2, conditional, vars);
        return JoinBranches(scope, branches, 2, vars, conditional ? GraphNodeKind.Inclusive : GraphNodeKind.Parallel, terminals: false);
    }

    /// <summary>
    /// A loop of tasks and exclusive gateways (loops.md) over a counter var: a do-while (body, then the check) or a while
    /// (the check first). A task before the loop sets the counter from the request.
    /// </summary>
    private Open LoopBlock(Scope scope, Open open, int budget, List<string> vars)
    {
        _loops++;
        var init = AddNode(scope.Graph, GraphNodeKind.Task, "t");
        var counter = "c" + init.Id;
        init.Task = new TaskSpec(init.Id, 0, TaskFormula.CounterInit, [], counter, Async: Chance(20), Static: false, ToResult: false);
        Connect(scope.Graph, open, init.Id);
        vars.Add(counter);
        var bound = 1 + _random.Next(4);
        var loopScope = scope with { InLoop = true, TopLevel = false, CanWait = false };
        Condition Again() => new Compare(new VarValue(counter), "<", bound);
        Condition Leave() => new Compare(new VarValue(counter), ">=", bound);

        Open Body(Open from)
        {
            var increment = AddNode(scope.Graph, GraphNodeKind.Task, "t");
            increment.Task = new TaskSpec(increment.Id, 0, TaskFormula.CounterIncrement, [counter], counter, Async: Chance(20), Static: Chance(20), ToResult: false);
            Connect(scope.Graph, from, increment.Id);
            return Sequence(loopScope, new Open(increment.Id, null, false), budget, vars) ?? throw new InvalidOperationException("a loop body ended");
        }

        var head = AddNode(scope.Graph, GraphNodeKind.Exclusive, "h");
        Connect(scope.Graph, new Open(init.Id, null, false), head.Id);
        if (Chance(50))
        {
            // do-while: head merges the entry and the way back; the check after the body chooses.
            var last = Body(new Open(head.Id, null, false));
            var check = Gateway(scope with { InLoop = true }, GraphNodeKind.Exclusive, vars);
            Connect(scope.Graph, last, check.Id);
            var leaveByDefault = Chance(60);
            if (leaveByDefault)
            {
                Connect(scope.Graph, new Open(check.Id, Again(), false), head.Id);
                return new Open(check.Id, null, true);
            }
            var backByDefault = Chance(50);
            Connect(scope.Graph, new Open(check.Id, backByDefault ? null : Again(), backByDefault), head.Id);
            return new Open(check.Id, Leave(), false);
        }
        // while: the head chooses.
        var end = Body(new Open(head.Id, Again(), false));
        Connect(scope.Graph, end, head.Id);
        return Chance(60) ? new Open(head.Id, null, true) : new Open(head.Id, Leave(), false);
    }

    private Open EmbeddedSubflow(Scope scope, Open open, int budget, List<string> vars)
    {
        // Subprocess ids are one namespace across the project's flow files (subprocesses.md), so the flow id is in it.
        var node = AddNode(scope.Graph, GraphNodeKind.Subflow, "s");
        node.Id += "-" + _flow.Id;
        node.Body = Body(node.Id, budget, vars, scope.Depth + 1);
        Connect(scope.Graph, open, node.Id);
        return new Open(node.Id, null, false);
    }

    private FlowGraph Body(string owner, int budget, List<string> vars, int depth)
    {
        var body = new FlowGraph(owner + "_start");
        body.Nodes.Add(new GraphNode(body.StartId, GraphNodeKind.Start));
        var end = Sequence(new Scope(body, InLoop: false, TopLevel: false, depth), new Open(body.StartId, null, false), budget, vars);
        if (end is { } e) Connect(body, e, AddNode(body, GraphNodeKind.End).Id);
        return body;
    }

    /// <summary>A call activity: of a new subflow, or again of one called at the top level before (so the calls never overlap).</summary>
    private Open CallBlock(Scope scope, Open open, List<string> vars)
    {
        string name;
        var written = new List<string>();
        if (scope.TopLevel && _reusableSubflows.Count > 0 && Chance(40))
        {
            name = _reusableSubflows[_random.Next(_reusableSubflows.Count)];
        }
        else
        {
            name = "sub-" + _flow.Id + "-" + NewId("");
            _flow.Subflows[name] = Body(name, 1 + _random.Next(4), written, scope.Depth + 1);
            if (scope.TopLevel) _reusableSubflows.Add(name);
        }
        var node = AddNode(scope.Graph, GraphNodeKind.Call, "k");
        node.Calls = name;
        Connect(scope.Graph, open, node.Id);
        vars.AddRange(_flow.Subflows[name].AllGraphs().SelectMany(g => g.Nodes).Select(n => n.Task).OfType<TaskSpec>()
            .Where(t => t.Formula is TaskFormula.Mix or TaskFormula.CounterInit or TaskFormula.CounterIncrement).Select(t => t.WritesVar).Except(vars).Distinct().ToList());
        return new Open(node.Id, null, false);
    }

    private GraphNode Timer(FlowGraph graph)
    {
        var timer = AddNode(graph, GraphNodeKind.Timer, "z");
        timer.Duration = s_durations[_random.Next(s_durations.Length)];
        return timer;
    }

    private GraphNode Receive(FlowGraph graph, string name)
    {
        var receive = AddNode(graph, GraphNodeKind.Receive, "r");
        receive.Event = name;
        return receive;
    }

    /// <summary>
    /// A wait of a durable flow: a timer, a receive, or an event gateway with two or three arms (receives of different
    /// events, some with a condition over the event, and at most one timer) that go on as branches and meet again.
    /// </summary>
    private Open? WaitBlock(Scope scope, Open open, int budget, List<string> vars)
    {
        var roll = _random.Next(100);
        if (roll < 40)
        {
            var single = roll < 20 ? Timer(scope.Graph) : Receive(scope.Graph, TestComponents.Events[_random.Next(TestComponents.Events.Length)]);
            Connect(scope.Graph, open, single.Id);
            return new Open(single.Id, null, false);
        }
        var gateway = AddNode(scope.Graph, GraphNodeKind.EventGateway, "w");
        Connect(scope.Graph, open, gateway.Id);
        var events = TestComponents.Events.OrderBy(_ => _random.Next()).ToList();
        var count = 2 + _random.Next(2);
        var timerArm = Chance(60) ? _random.Next(count) : -1;
        var arms = new List<Open>();
        for (var i = 0; i < count; i++)
        {
            var arm = i == timerArm ? Timer(scope.Graph) : Receive(scope.Graph, events[i]);
            Connect(scope.Graph, new Open(gateway.Id, arm.Kind == GraphNodeKind.Receive && Chance(40) ? EventCondition(vars) : null, false), arm.Id);
            arms.Add(new Open(arm.Id, null, false));
        }
        roll = _random.Next(100);
        var join = roll < 80 ? GraphNodeKind.Exclusive : roll < 95 ? GraphNodeKind.Inclusive : GraphNodeKind.Parallel;
        return JoinBranches(scope, arms, budget, vars, join, terminals: true, alternatives: true);
    }

    /// <summary>A condition on the flow to a receive: over the event's value, and now and then the bus too.</summary>
    private Condition EventCondition(List<string> vars)
    {
        var onEvent = new Compare(new EventField(), new[] { ">=", ">=", "<", "==", "!=" }[_random.Next(5)], _random.Next(10));
        return Chance(20) ? new Both(onEvent, NewCondition(vars)) : onEvent;
    }

    private Open? Terminal(Scope scope, Open open)
    {
        var node = Chance(50) ? AddNode(scope.Graph, GraphNodeKind.End, "e") : AddNode(scope.Graph, GraphNodeKind.Fail, "x");
        if (node.Kind == GraphNodeKind.Fail) node.FailCode = "E_" + node.Id.ToUpperInvariant();
        Connect(scope.Graph, open, node.Id);
        return null;
    }

    /// <summary>One change that the checks may reject (or that changes how the flow runs); never a second flow into a task.</summary>
    private void Mutate()
    {
        var graphs = _flow.AllGraphs().ToList();
        var graph = graphs[_random.Next(graphs.Count)];
        var gateways = graph.Nodes.Where(n => n.Kind is GraphNodeKind.Exclusive or GraphNodeKind.Parallel or GraphNodeKind.Inclusive).ToList();
        switch (_flow.Durable ? _random.Next(8) : _random.Next(7))
        {
            case 7 when graph != _flow.Main:
                // A wait inside a subflow: FG0111.
                var split = graph.Edges[_random.Next(graph.Edges.Count)];
                var timer = Timer(graph);
                graph.Edges.Add(new GraphEdge(timer.Id, split.To));
                split.To = timer.Id;
                break;
            case 0 when graph.Edges.Count > 1:
                graph.Edges.RemoveAt(1 + _random.Next(graph.Edges.Count - 1));
                break;
            case 1 when gateways.Count > 0:
                var targets = graph.Nodes.Where(n => n.Kind is GraphNodeKind.Exclusive or GraphNodeKind.Parallel or GraphNodeKind.Inclusive or GraphNodeKind.End or GraphNodeKind.Fail).ToList();
                var from = gateways[_random.Next(gateways.Count)];
                graph.Edges.Add(new GraphEdge(from.Id, targets[_random.Next(targets.Count)].Id) { When = Chance(50) ? NewCondition([]) : null });
                break;
            case 2 when gateways.Count > 0:
                var gateway = gateways[_random.Next(gateways.Count)];
                gateway.Kind = (GraphNodeKind)((int)GraphNodeKind.Exclusive + _random.Next(3));
                break;
            case 3:
                var edge = graph.Edges[_random.Next(graph.Edges.Count)];
                edge.When = new Compare(new VarValue("nope"), ">", 1);
                edge.IsDefault = false;
                break;
            case 4 when gateways.Count > 0:
                gateways[_random.Next(gateways.Count)].ExtraSetting = Chance(50) ? ("open-async", "maybe") : ("colour", "blue");
                break;
            case 5:
                var defaults = graph.Edges.Where(e => e.IsDefault).ToList();
                if (defaults.Count > 0) defaults[_random.Next(defaults.Count)].IsDefault = false;
                break;
            default:
                var any = graph.Edges[_random.Next(graph.Edges.Count)];
                any.When ??= NewCondition([]);
                break;
        }
    }
}
