namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>The node kinds a random flow is made of: the graph form's node types.</summary>
internal enum GraphNodeKind { Start, End, Fail, Task, Exclusive, Parallel, Inclusive, Subflow, Call, Receive, Timer, EventGateway }

/// <summary>How a test task computes its value from what it reads (the component method and the interpreter share it).</summary>
internal enum TaskFormula { Mix, CounterInit, CounterIncrement, Iterate }

/// <summary>
/// A [FlowTask] method of the test component: it records its visit (service name and value) in the request's log and
/// writes its value to <see cref="WritesVar"/>. The value is a pure function of the request and the vars it reads.
/// </summary>
internal sealed record TaskSpec(string Service, int Salt, TaskFormula Formula, IReadOnlyList<string> ReadsVars, string WritesVar, bool Async, bool Static, bool ToResult)
{
    /// <summary>An iterated task's item that throws (it logs nothing), or null when every item succeeds.</summary>
    public int? FailsOn { get; init; }

    public int Compute(int a, int b, int c, IReadOnlyList<int> reads, int item) => Formula switch
    {
        TaskFormula.CounterInit => c % 3,
        TaskFormula.CounterIncrement => reads[0] + 1,
        TaskFormula.Iterate => (Salt + 2 * item + a) % 10,
        _ => (Salt + 3 * a + b + 5 * reads.Sum()) % 10,
    };
}

internal sealed class GraphNode(string id, GraphNodeKind kind)
{
    public string Id { get; set; } = id;
    public GraphNodeKind Kind { get; set; } = kind;
    /// <summary>The method a task calls, or a gateway that calls a service.</summary>
    public TaskSpec? Task { get; set; }
    public bool OpenAsync { get; set; }
    public string? FailCode { get; set; }
    /// <summary>The body of an embedded subflow.</summary>
    public FlowGraph? Body { get; set; }
    /// <summary>The subflow a call activity runs.</summary>
    public string? Calls { get; set; }
    public bool IteAsync { get; set; }
    /// <summary>An iterated task's <c>ite-strategy</c> (<c>all</c>, <c>best</c>, <c>any</c>), or null for the default (all).</summary>
    public string? IteStrategy { get; set; }
    /// <summary>A setting written as it is (a mutation that makes the flow invalid).</summary>
    public (string Name, string Value)? ExtraSetting { get; set; }
    /// <summary>The event a receive waits for (<see cref="TestComponents.Events"/>).</summary>
    public string? Event { get; set; }
    /// <summary>How long a timer waits, as an ISO 8601 duration.</summary>
    public string? Duration { get; set; }

    public GraphNode Clone() => new(Id, Kind)
    {
        Task = Task, OpenAsync = OpenAsync, FailCode = FailCode, Body = Body?.Clone(), Calls = Calls, IteAsync = IteAsync, IteStrategy = IteStrategy, ExtraSetting = ExtraSetting,
        Event = Event, Duration = Duration,
    };
}

internal sealed class GraphEdge(string from, string to)
{
    public string From { get; set; } = from;
    public string To { get; set; } = to;
    public Condition? When { get; set; }
    public bool IsDefault { get; set; }

    public GraphEdge Clone() => new(From, To) { When = When, IsDefault = IsDefault };
}

/// <summary>A graph: a flow, a subflow definition or an embedded subflow's body. Edges keep document order.</summary>
internal sealed class FlowGraph(string startId)
{
    public string StartId { get; set; } = startId;
    public List<GraphNode> Nodes { get; } = [];
    public List<GraphEdge> Edges { get; } = [];

    public GraphNode Node(string id) => Nodes.First(n => n.Id == id);

    public IEnumerable<GraphEdge> Outgoing(string id) => Edges.Where(e => e.From == id);

    public IEnumerable<GraphEdge> Incoming(string id) => Edges.Where(e => e.To == id);

    public FlowGraph Clone()
    {
        var copy = new FlowGraph(StartId);
        copy.Nodes.AddRange(Nodes.Select(n => n.Clone()));
        copy.Edges.AddRange(Edges.Select(e => e.Clone()));
        return copy;
    }

    /// <summary>Every graph: this one and the bodies of its embedded subflows, to any depth.</summary>
    public IEnumerable<FlowGraph> AllGraphs() => new[] { this }.Concat(Nodes.Where(n => n.Body is not null).SelectMany(n => n.Body!.AllGraphs()));
}

/// <summary>One random flow: its main graph, the subflows it calls (defined in its own file) and its settings.</summary>
internal sealed class RandomFlow(int seed, string id)
{
    public int Seed { get; } = seed;
    public string Id { get; } = id;
    public FlowGraph Main { get; set; } = new(id);
    public Dictionary<string, FlowGraph> Subflows { get; } = new(StringComparer.Ordinal);
    public int? LoopLimit { get; set; }
    public bool Yaml { get; set; }

    /// <summary>
    /// A durable flow (docs/durable.md): it may wait for events and timers outside forks and subflows, its request is
    /// <c>DReq</c> with the key <c>req.key</c>, and a FlowEngine runs it (<see cref="FlowChecker"/>).
    /// </summary>
    public bool Durable { get; set; }

    /// <summary>Written as a BPMN file (<see cref="BpmnFlowWriter"/>) rather than a flow document.</summary>
    public bool Bpmn { get; set; }

    public string ClassName => "F_" + Id.Replace('-', '_');
    public string ComponentName => "c-" + Id;
    public string ComponentClass => "C_" + Id.Replace('-', '_');
    public string Path => "flows/" + Id + (Bpmn ? ".bpmn" : Yaml ? ".flow.yaml" : ".flow.json");
    public string RequestType => Durable ? "DReq" : "Req";

    public IEnumerable<FlowGraph> AllGraphs() => Main.AllGraphs().Concat(Subflows.Values.SelectMany(g => g.AllGraphs()));

    /// <summary>Every task method the flow's component holds (a called subflow's tasks once).</summary>
    public IEnumerable<TaskSpec> Tasks() => AllGraphs().SelectMany(g => g.Nodes).Select(n => n.Task).OfType<TaskSpec>().DistinctBy(t => t.Service);

    public RandomFlow Clone()
    {
        var copy = new RandomFlow(Seed, Id) { Main = Main.Clone(), LoopLimit = LoopLimit, Yaml = Yaml, Bpmn = Bpmn, Durable = Durable };
        foreach (var (name, graph) in Subflows) copy.Subflows[name] = graph.Clone();
        return copy;
    }
}
