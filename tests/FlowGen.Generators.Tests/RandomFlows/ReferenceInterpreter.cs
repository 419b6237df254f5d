using FlowGen;

namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>The request a random flow runs with: the fields conditions read and the items an iterated task runs over.</summary>
internal sealed record FlowInput(int A, int B, int C, int[] Items)
{
    public override string ToString() => $"a={A} b={B} c={C} items=[{string.Join(",", Items)}]";
}

/// <summary>
/// What a run did: the visits the tasks logged, the result, and the error (null on success); for a durable flow also the
/// waits it stopped at, one per step, and the wait it still stands at when the events ran out (null when it ended).
/// </summary>
internal sealed record FlowOutcome(IReadOnlyList<string> Visits, int Result, string? ErrorCode, string? ErrorNode, IReadOnlyList<string>? Waits = null, string? WaitingAt = null);

/// <summary>
/// A reference interpreter of the flow semantics that docs/concepts.md, loops.md and subprocesses.md document, written
/// over the random-flow model (never over generated code). Tokens move depth first:
/// <list type="bullet">
/// <item>a task (and a start) takes every flow without a condition and every flow whose condition holds; its default flow
/// when no other is taken; none true, no default and every flow conditional: FLOW_NO_MATCHING_BRANCH;</item>
/// <item>an exclusive gateway takes the first flow in document order whose condition holds (no condition, or <c>true</c>,
/// counts as true), else its default flow, else FLOW_NO_MATCHING_BRANCH;</item>
/// <item>a parallel gateway takes every flow, an inclusive gateway chooses like a task;</item>
/// <item>a flow not taken sends a skip (dead-path elimination) except from a node on a loop; a skip passes through nodes
/// without running them, a skipped subflow passes it to what follows;</item>
/// <item>a gateway, task, subflow or call with several incoming flows (back edges of loops not counted) is a join (a task,
/// subflow or call as an inclusive gateway, Kstry's implicit join): a parallel one waits for every
/// incoming branch, arrived or skipped, and fails with FLOW_JOIN_INCOMPLETE when some were skipped and some arrived; an
/// inclusive one, and an exclusive one outside a loop (Kstry's implicit join), go on once with the branches that arrived;
/// all are skipped when every branch was; an exclusive one on a loop passes every live branch on at once;</item>
/// <item>a flow back to a node on the current depth-first path is a loop round: counted over the run, over the limit it
/// fails with FLOW_LOOP_LIMIT at the node it goes back to;</item>
/// <item>a subflow or call activity runs its body on the same bus, each run a fresh copy with ids prefixed by the path of
/// subflow nodes; the caller goes on once the body's branches have all ended;</item>
/// <item>a wait (durable flows: a receive, a timer, an event gateway) stops the step; what comes is chosen by
/// <see cref="Choose"/> from the request, the wait and the number of deliveries so far, exactly as the driver of the
/// engine chooses it (<see cref="DurableDriver"/>): an event whose condition fails is dropped and the wait goes on; the
/// arm taken goes on and its siblings are skipped, as an exclusive gateway's; after <see cref="MaxDeliveries"/>
/// deliveries the run is left waiting.</item>
/// </list>
/// A failure stops its own branch; the others go on, so on a failure <see cref="FlowOutcome.Visits"/> is every visit a
/// run may have made, and <see cref="Errors"/> every error that may come first.
/// </summary>
internal sealed class ReferenceInterpreter : IBusValues
{
    private const int StandardLoopLimit = 10_000;

    /// <summary>How many events and timers a durable run is given before it is left waiting.</summary>
    public const int MaxDeliveries = 12;
    private readonly RandomFlow _flow;
    private readonly FlowInput _input;
    private readonly Dictionary<string, int> _vars = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _visits = [];
    private readonly Dictionary<FlowGraph, GraphFacts> _facts = [];
    private readonly HashSet<(Frame, string)> _driving = [];
    private readonly HashSet<(Frame, string)> _repeat = [];
    private readonly List<string> _waits = [];
    private string? _waitingAt;
    private int _deliveries;
    private int _result;
    private int _rounds;
    private int _steps;

    private ReferenceInterpreter(RandomFlow flow, FlowInput input)
    {
        _flow = flow;
        _input = input;
    }

    /// <summary>Every error the run may end with: the first in run order when only one branch can fail.</summary>
    public List<(string Code, string Node)> Errors { get; } = [];

    public static (FlowOutcome Outcome, IReadOnlyList<(string Code, string Node)> Errors) Run(RandomFlow flow, FlowInput input)
    {
        var interpreter = new ReferenceInterpreter(flow, input);
        interpreter.Arrive(new Frame(flow.Main, ""), flow.Main.StartId, live: true);
        var first = interpreter.Errors.FirstOrDefault();
        var waits = flow.Durable ? interpreter._waits : null;
        return (new FlowOutcome(interpreter._visits, interpreter._waitingAt is null ? interpreter._result : 0, first.Code, first.Node, waits, interpreter._waitingAt), interpreter.Errors);
    }

    /// <summary>
    /// What happens at a wait, for the interpreter and the engine's driver alike: which of its <paramref name="arms"/>
    /// (the event gateway's flows in document order, or the lone receive or timer) comes, and the value of the event
    /// (every third delivery 9, so that most conditions over it hold in the end).
    /// </summary>
    public static (int Arm, int Value) Choose(FlowInput input, string waitId, int delivery, int arms)
    {
        var hash = 17;
        foreach (var c in waitId) hash = unchecked(hash * 31 + c);
        hash = unchecked(hash * 31 + input.A * 7 + input.B * 11 + input.C * 13 + delivery * 101) & 0x7fffffff;
        return (hash % arms, delivery % 3 == 2 ? 9 : hash / 7 % 10);
    }

    public int Request(string field) => field switch { "a" => _input.A, "b" => _input.B, "c" => _input.C, _ => throw new InvalidOperationException(field) };

    public int EventValue { get; private set; }

    public int Var(string name) => _vars.TryGetValue(name, out var value) ? value : 0;

    /// <summary>A run of one graph: the main flow, or one run of a subflow body, with its own join counters.</summary>
    private sealed class Frame(FlowGraph graph, string prefix)
    {
        public FlowGraph Graph { get; } = graph;
        public string Prefix { get; } = prefix;
        public Dictionary<string, (int Pending, int Arrived)> Joins { get; } = [];
        public bool Failed { get; set; }
    }

    /// <summary>What the interpreter works out once per graph: back edges (depth first from the start) and the nodes on cycles.</summary>
    private sealed class GraphFacts
    {
        public HashSet<GraphEdge> BackEdges { get; } = [];
        public HashSet<string> OnCycle { get; } = new(StringComparer.Ordinal);

        /// <summary>The nodes the start reaches: a join counts only the flows that can reach it in this run (FG0202 warns of the rest).</summary>
        public HashSet<string> Reachable { get; } = new(StringComparer.Ordinal);
    }

    private GraphFacts Facts(FlowGraph graph)
    {
        if (_facts.TryGetValue(graph, out var known)) return known;
        var facts = new GraphFacts();
        var onPath = new HashSet<string>(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        void Walk(string id)
        {
            onPath.Add(id);
            foreach (var edge in graph.Outgoing(id))
            {
                if (onPath.Contains(edge.To)) facts.BackEdges.Add(edge);
                else if (!done.Contains(edge.To)) Walk(edge.To);
            }
            onPath.Remove(id);
            done.Add(id);
        }
        Walk(graph.StartId);
        facts.Reachable.UnionWith(done);
        foreach (var node in graph.Nodes)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var stack = new Stack<string>(graph.Outgoing(node.Id).Select(e => e.To));
            while (stack.Count > 0)
            {
                var id = stack.Pop();
                if (id == node.Id) { facts.OnCycle.Add(node.Id); break; }
                if (seen.Add(id)) foreach (var e in graph.Outgoing(id)) stack.Push(e.To);
            }
        }
        _facts[graph] = facts;
        return facts;
    }

    private static bool IsGateway(GraphNode node) => node.Kind is GraphNodeKind.Exclusive or GraphNodeKind.Parallel or GraphNodeKind.Inclusive;

    private void Fail(Frame frame, string code, string node)
    {
        // A subflow body's start has no node of its own: the subflow node takes its place (subprocesses.md, node ids).
        Errors.Add((code, node == frame.Graph.StartId && frame.Prefix.Length > 0 ? frame.Prefix.TrimEnd('/') : frame.Prefix + node));
        frame.Failed = true;
    }

    /// <summary>A token (live) or a skip arrives at a node along one flow.</summary>
    private void Arrive(Frame frame, string id, bool live)
    {
        if (++_steps > 200_000) throw new InvalidOperationException("the interpreter took too many steps");
        var graph = frame.Graph;
        var node = graph.Node(id);
        var facts = Facts(graph);
        var incoming = graph.Incoming(id).Count(e => !facts.BackEdges.Contains(e) && facts.Reachable.Contains(e.From));
        // A task, subflow or call with several incoming flows joins them as an inclusive gateway would (Kstry).
        if (!((IsGateway(node) || node.Kind is GraphNodeKind.Task or GraphNodeKind.Subflow or GraphNodeKind.Call) && incoming > 1))
        {
            if (!live) Skip(frame, node);
            else if (graph.Incoming(id).Any(facts.BackEdges.Contains)) DriveLoop(frame, node);
            else RunNode(frame, node);
            return;
        }
        var (pending, arrived) = frame.Joins.TryGetValue(id, out var counts) ? counts : (incoming, 0);
        pending--;
        if (live) arrived++;
        frame.Joins[id] = (pending, arrived);
        // On a loop an exclusive merge passes each branch on (only alternatives meet there); elsewhere it joins (Kstry).
        if (node.Kind is GraphNodeKind.Exclusive or GraphNodeKind.Task && facts.OnCycle.Contains(id))
        {
            if (live) RunNode(frame, node);
            else if (pending == 0 && arrived == 0) Skip(frame, node);
            return;
        }
        if (pending != 0) return;
        // The join is done: a durable flow's loop through a wait comes round to it again, one step per round.
        frame.Joins.Remove(id);
        if (arrived == 0) { Skip(frame, node); return; }
        if (node.Kind == GraphNodeKind.Parallel && arrived != incoming)
        {
            Fail(frame, FlowErrorCodes.JoinIncomplete, id);
            return;
        }
        RunNode(frame, node);
    }

    private void Skip(Frame frame, GraphNode node)
    {
        var facts = Facts(frame.Graph);
        foreach (var edge in frame.Graph.Outgoing(node.Id).Where(e => !facts.BackEdges.Contains(e)).ToList())
            Arrive(frame, edge.To, live: false);
    }

    private void RunNode(Frame frame, GraphNode node)
    {
        switch (node.Kind)
        {
            case GraphNodeKind.EventGateway:
                Wait(frame, node, frame.Graph.Outgoing(node.Id).ToList());
                return;
            case GraphNodeKind.Receive or GraphNodeKind.Timer when !frame.Graph.Incoming(node.Id).Any(e => frame.Graph.Node(e.From).Kind == GraphNodeKind.EventGateway):
                if (!Wait(frame, node, arms: null)) return;
                break;
            case GraphNodeKind.End:
                return;
            case GraphNodeKind.Fail:
                Fail(frame, node.FailCode!, node.Id);
                return;
            case GraphNodeKind.Subflow:
            case GraphNodeKind.Call:
                var body = node.Body ?? _flow.Subflows[node.Calls!];
                var inner = new Frame(body, frame.Prefix + node.Id + "/");
                Arrive(inner, body.StartId, live: true);
                if (inner.Failed) { frame.Failed = true; return; }
                break;
        }
        if (node.Task is { } task && !Execute(frame, node, task)) return;
        var edges = frame.Graph.Outgoing(node.Id).ToList();
        if (edges.Count == 0) return;
        // A subflow's outgoing flows leave the made node <id>#end, where the caller goes on (subprocesses.md, node ids).
        if (node.Kind is GraphNodeKind.Subflow or GraphNodeKind.Call) node = new GraphNode(node.Id + "#end", node.Kind);
        switch (node.Kind)
        {
            case GraphNodeKind.Exclusive:
                Exclusive(frame, node, edges);
                break;
            case GraphNodeKind.Parallel:
                foreach (var edge in edges) Take(frame, edge, live: true);
                break;
            default:
                Inclusive(frame, node, edges);
                break;
        }
    }

    /// <summary>
    /// A wait: at an event gateway (<paramref name="arms"/> its flows) the arm that comes goes on and the others are
    /// skipped; a lone receive or timer goes on after its delivery. An event whose condition fails is dropped. A wait
    /// stands on the main path or in the first branch of a fork, whose other branches the interpreter runs after this
    /// one (the engine runs them in the same step as the wait: the visits are compared as a multiset then).
    /// </summary>
    /// <returns>False when the run stays here: a failure came first (the engine ends the step), or the deliveries ran out.</returns>
    private bool Wait(Frame frame, GraphNode node, List<GraphEdge>? arms)
    {
        if (Errors.Count > 0) return false;
        _waits.Add(node.Id);
        while (true)
        {
            if (_deliveries >= MaxDeliveries)
            {
                _waitingAt = node.Id;
                return false;
            }
            var (arm, value) = Choose(_input, node.Id, _deliveries++, arms?.Count ?? 1);
            if (arms is null) return true;
            var chosen = arms[arm];
            EventValue = value;
            if (frame.Graph.Node(chosen.To).Kind == GraphNodeKind.Receive && chosen.When is { } when && !when.Evaluate(this)) continue;
            foreach (var edge in arms.Where(e => e != chosen)) Take(frame, edge, live: false);
            Take(frame, chosen, live: true);
            return true;
        }
    }

    /// <summary>Runs a task; false when it failed (an iteration whose strategy the failing items break).</summary>
    private bool Execute(Frame frame, GraphNode node, TaskSpec task)
    {
        if (task.Formula == TaskFormula.Iterate) return Iterate(frame, node, task);
        var value = task.Compute(_input.A, _input.B, _input.C, task.ReadsVars.Select(Var).ToList(), 0);
        _visits.Add($"{task.Service}={value}");
        _vars[task.WritesVar] = value;
        if (task.ToResult) _result = value;
        return true;
    }

    /// <summary>
    /// An iterated task by its strategy (iteration.md): <c>all</c> fails at the first failing item (with ite-async the
    /// others may have run: the failed run's visits are a bound), <c>best</c> keeps the successes, <c>any</c> stops at
    /// the first success and fails when none (or no item) succeeds.
    /// </summary>
    private bool Iterate(Frame frame, GraphNode node, TaskSpec task)
    {
        var strategy = node.IteStrategy ?? "all";
        for (var i = 0; i < _input.Items.Length; i++)
        {
            var item = _input.Items[i];
            if (item == task.FailsOn)
            {
                if (strategy != "all") continue;
                if (node.IteAsync)
                {
                    // The items started with it may still log before they are cancelled.
                    foreach (var later in _input.Items.Skip(i + 1).Where(later => later != task.FailsOn)) _visits.Add(Visit(task, later));
                }
                Fail(frame, FlowErrorCodes.IterationFailed, node.Id);
                return false;
            }
            _visits.Add(Visit(task, item));
            if (strategy == "any") return true;
        }
        if (strategy != "any") return true;
        Fail(frame, FlowErrorCodes.IterationFailed, node.Id);
        return false;
    }

    private string Visit(TaskSpec task, int item) => $"{task.Service}[{item}]={task.Compute(_input.A, _input.B, _input.C, [], item)}";

    private void Exclusive(Frame frame, GraphNode node, List<GraphEdge> edges)
    {
        var chosen = edges.Where(e => !e.IsDefault).FirstOrDefault(e => e.When is null || e.When.Evaluate(this)) ?? edges.FirstOrDefault(e => e.IsDefault);
        if (chosen is null)
        {
            Fail(frame, FlowErrorCodes.NoMatchingBranch, node.Id);
            return;
        }
        if (!Facts(frame.Graph).OnCycle.Contains(node.Id))
        {
            foreach (var edge in edges.Where(e => e != chosen)) Take(frame, edge, live: false);
        }
        Take(frame, chosen, live: true);
    }

    private void Inclusive(Frame frame, GraphNode node, List<GraphEdge> edges)
    {
        var taken = edges.Select(e => !e.IsDefault && (e.When is null || e.When.Evaluate(this))).ToArray();
        var other = taken.Any(t => t);
        for (var i = 0; i < edges.Count; i++)
        {
            if (edges[i].IsDefault) taken[i] = !other;
        }
        if (!taken.Any(t => t))
        {
            Fail(frame, FlowErrorCodes.NoMatchingBranch, node.Id);
            return;
        }
        for (var i = 0; i < edges.Count; i++) Take(frame, edges[i], taken[i]);
    }

    private void Take(Frame frame, GraphEdge edge, bool live)
    {
        if (!Facts(frame.Graph).BackEdges.Contains(edge))
        {
            Arrive(frame, edge.To, live);
            return;
        }
        if (!live) return;
        _rounds++;
        if (_rounds > (_flow.LoopLimit ?? StandardLoopLimit))
        {
            Fail(frame, FlowErrorCodes.LoopLimit, edge.To);
            return;
        }
        DriveLoop(frame, frame.Graph.Node(edge.To));
    }

    /// <summary>
    /// Runs a loop's first node, and again for each round a back edge asks for while it runs, in a loop rather than by
    /// recursion (as the generated loop driver does), so ten thousand rounds do not deepen the stack.
    /// </summary>
    private void DriveLoop(Frame frame, GraphNode node)
    {
        var key = (frame, node.Id);
        if (!_driving.Add(key))
        {
            _repeat.Add(key);
            return;
        }
        try
        {
            do RunNode(frame, node); while (_repeat.Remove(key));
        }
        finally
        {
            _driving.Remove(key);
        }
    }
}
