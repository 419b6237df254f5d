using System.Collections.Concurrent;
using System.Runtime.Loader;
using FlowGen.Generators.Tests.Generator;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>Bugs the random-flow test found, each kept as the minimal flow it shrank to, with the behaviour the docs give it.</summary>
public sealed class RegressionFlowTests
{
    private const string Components = """
        #nullable enable
        using System.Collections.Concurrent;
        using FlowGen;
        namespace Regression;
        public sealed record Req(int A, ConcurrentQueue<string> Log);
        [FlowComponent("c")]
        public sealed class C
        {
            [FlowTask("t4"), ToVar("vt4")]
            public int T4(Req request) { request.Log.Enqueue("t4"); return request.A; }
            [FlowTask("t1"), ToVar("vt1")]
            public int T1(Req request) { request.Log.Enqueue("t1"); return 1; }
            [FlowTask("t2"), ToVar("vt2")]
            public int T2(Req request) { request.Log.Enqueue("t2"); return 2; }
            [FlowTask("after"), ToResult]
            public int After(Req request, [FromVar("vt1")] int one, [FromVar("vt2")] int two) { request.Log.Enqueue("after"); return one + two; }
        }
        """;

    /// <summary>
    /// A parallel join (j6) that no choice comes before, followed by another join (j7): the emitter called Skip_j6 from
    /// j6's arrival although it writes Skip_ methods only for nodes a run may not take (CS0103). Found by seed 14010.
    /// </summary>
    [Fact]
    public void Nested_parallel_joins_without_a_choice_compile_and_run_every_branch()
    {
        const string flow = """
            {
              "flow": "nested-joins",
              "graph": {
                "nodes": [
                  { "id": "nested-joins", "type": "start" },
                  { "id": "g0", "type": "parallel" },
                  { "id": "g3", "type": "parallel" },
                  { "id": "t4", "type": "task", "task-component": "c", "task-service": "t4" },
                  { "id": "j6", "type": "parallel" },
                  { "id": "j7", "type": "parallel" },
                  { "id": "x11", "type": "fail", "code": "E_X11" }
                ],
                "connections": [
                  { "from": "nested-joins", "to": "g0" },
                  { "from": "g0", "to": "g3" },
                  { "from": "g3", "to": "t4" },
                  { "from": "g3", "to": "j6" },
                  { "from": "t4", "to": "j6" },
                  { "from": "j6", "to": "j7" },
                  { "from": "g0", "to": "j7" },
                  { "from": "j7", "to": "x11" }
                ]
              }
            }
            """;
        var (result, log) = CompileAndRun(flow, "Regression.NestedJoinsFlow", 5);
        // Both joins complete, so the run reaches the fail end after the one task.
        Assert.Equal("E_X11", result.Error?.Code);
        Assert.Equal("x11", result.Error?.NodeId);
        Assert.Equal(["t4"], log);
    }

    /// <summary>
    /// An exclusive gateway merging both branches of a parallel fork: what followed ran once per branch, at the same time,
    /// each reading what the other branch may or may not have written yet (seed 15196). It now joins them, as Kstry does.
    /// </summary>
    [Fact]
    public void An_exclusive_merge_of_a_forks_branches_runs_what_follows_once_after_both()
    {
        const string flow = """
            {
              "flow": "exclusive-merge",
              "graph": {
                "nodes": [
                  { "id": "exclusive-merge", "type": "start" },
                  { "id": "g0", "type": "parallel" },
                  { "id": "t1", "task-component": "c", "task-service": "t1" },
                  { "id": "t2", "task-component": "c", "task-service": "t2" },
                  { "id": "j3", "type": "exclusive" },
                  { "id": "t4", "task-component": "c", "task-service": "after" },
                  { "id": "n9", "type": "end" }
                ],
                "connections": [
                  { "from": "exclusive-merge", "to": "g0" },
                  { "from": "g0", "to": "t1" },
                  { "from": "g0", "to": "t2" },
                  { "from": "t1", "to": "j3" },
                  { "from": "t2", "to": "j3" },
                  { "from": "j3", "to": "t4" },
                  { "from": "t4", "to": "n9" }
                ]
              }
            }
            """;
        var (result, log) = CompileAndRun(flow, "Regression.ExclusiveMergeFlow", 5);
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(3, result.Value);
        Assert.Equal(["after", "t1", "t2"], log.Order(StringComparer.Ordinal));
        Assert.Equal("after", log[^1]);
    }

    /// <summary>
    /// An inclusive gateway with a flow without a condition (always taken) and a default flow (so never taken) to a fail
    /// end that no join follows: the emitter wrote <c>var branch1 = default;</c> (CS8716). Found by seed 31142.
    /// </summary>
    [Fact]
    public void A_never_taken_default_flow_to_an_end_compiles_and_is_not_taken()
    {
        const string flow = """
            {
              "flow": "never-default",
              "graph": {
                "nodes": [
                  { "id": "never-default", "type": "start" },
                  { "id": "g1", "type": "inclusive", "open-async": true },
                  { "id": "x3", "type": "fail", "code": "E_X3" },
                  { "id": "t4", "task-component": "c", "task-service": "t4" },
                  { "id": "n12", "type": "end" }
                ],
                "connections": [
                  { "from": "never-default", "to": "g1" },
                  { "from": "g1", "to": "x3", "default": true },
                  { "from": "g1", "to": "t4" },
                  { "from": "t4", "to": "n12" }
                ]
              }
            }
            """;
        var (result, log) = CompileAndRun(flow, "Regression.NeverDefaultFlow", 5);
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(["t4"], log);
    }

    /// <summary>
    /// A durable flow's loop through a wait with a fork and join on it (t9 forks to t11 and the join j12): the join's
    /// counts of the first round met the branches of the second, and the instance ended after its second round without
    /// going on. Such loops are now FG0106 at the loop, with the rule for loops through a wait. Found by seed 14069.
    /// </summary>
    [Fact]
    public void A_fork_on_a_loop_through_a_wait_is_FG0106()
    {
        const string flow = """
            {
              "flow": "wait-loop-fork",
              "key": "req.key",
              "graph": {
                "nodes": [
                  { "id": "wait-loop-fork", "type": "start" },
                  { "id": "g0", "type": "exclusive" },
                  { "id": "r3", "type": "receive", "event": "e1" },
                  { "id": "t9", "task-component": "d", "task-service": "t9" },
                  { "id": "t11", "task-component": "d", "task-service": "t11" },
                  { "id": "j12", "type": "parallel" },
                  { "id": "g15", "type": "exclusive" },
                  { "id": "n19", "type": "end" }
                ],
                "connections": [
                  { "from": "wait-loop-fork", "to": "g0" },
                  { "from": "g0", "to": "r3" },
                  { "from": "r3", "to": "t9" },
                  { "from": "t9", "to": "t11" },
                  { "from": "t9", "to": "j12" },
                  { "from": "t11", "to": "j12" },
                  { "from": "j12", "to": "g15" },
                  { "from": "g15", "to": "n19", "when": "req.a > 100" },
                  { "from": "g15", "to": "g0", "default": true }
                ]
              }
            }
            """;
        var run = RunDurable(flow, "flows/wait-loop-fork.flow.json");
        var error = Assert.Single(run.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("FG0106", error.Id);
        var message = error.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("task 't9' has several outgoing flows inside the loop", message, StringComparison.Ordinal);
        Assert.Contains("A loop through a wait may hold tasks, exclusive gateways and waits", message, StringComparison.Ordinal);
        Assert.Equal("flows/wait-loop-fork.flow.json", error.Location.GetLineSpan().Path);
    }

    /// <summary>
    /// A loop (h2 .. g9) whose only way out is a flow into a timer of a durable flow: the loop got no driver, but its flow
    /// back called one (CS0103 'Repeat_h2'). Found by seed 14415; checked against the reference interpreter on the engine.
    /// </summary>
    [Fact]
    public void A_loop_left_only_into_a_timer_compiles_and_runs_its_rounds_then_waits()
    {
        var flow = new RandomFlow(14415, "loop-into-timer") { Durable = true };
        var graph = flow.Main;
        graph.Nodes.Add(new GraphNode(flow.Id, GraphNodeKind.Start));
        graph.Nodes.Add(new GraphNode("t1", GraphNodeKind.Task) { Task = new TaskSpec("t1", 0, TaskFormula.CounterInit, [], "ct1", Async: false, Static: false, ToResult: false) });
        graph.Nodes.Add(new GraphNode("h2", GraphNodeKind.Exclusive));
        graph.Nodes.Add(new GraphNode("t3", GraphNodeKind.Task) { Task = new TaskSpec("t3", 0, TaskFormula.CounterIncrement, ["ct1"], "ct1", Async: true, Static: false, ToResult: true) });
        graph.Nodes.Add(new GraphNode("g9", GraphNodeKind.Exclusive));
        graph.Nodes.Add(new GraphNode("z10", GraphNodeKind.Timer) { Duration = "P1D" });
        graph.Nodes.Add(new GraphNode("n11", GraphNodeKind.End));
        graph.Edges.Add(new GraphEdge(flow.Id, "t1"));
        graph.Edges.Add(new GraphEdge("t1", "h2"));
        graph.Edges.Add(new GraphEdge("h2", "t3"));
        graph.Edges.Add(new GraphEdge("t3", "g9"));
        graph.Edges.Add(new GraphEdge("g9", "h2") { When = new Compare(new VarValue("ct1"), "<", 4) });
        graph.Edges.Add(new GraphEdge("g9", "z10") { IsDefault = true });
        graph.Edges.Add(new GraphEdge("z10", "n11"));
        var verdict = Assert.Single(FlowChecker.Check([flow]));
        Assert.True(verdict.Accepted, verdict.Problem ?? string.Join("\n", verdict.Messages ?? []));
    }

    /// <summary>
    /// A parallel fork whose branches an exclusive gateway joins (Kstry's implicit join), then a receive: FG0111 said the
    /// receive waited in two branches of the fork ("... while another branch waits at" itself). The wait is after the
    /// join, on the main path. Found by seed 14139; checked against the reference interpreter on the engine.
    /// </summary>
    [Fact]
    public void A_wait_after_branches_an_exclusive_gateway_joins_is_on_the_main_path()
    {
        var flow = new RandomFlow(14139, "wait-after-join") { Durable = true };
        var graph = flow.Main;
        TaskSpec Task(string id, IReadOnlyList<string> reads, bool result = false) => new(id, 1, TaskFormula.Mix, reads, "v" + id, Async: id == "t2", Static: false, ToResult: result);
        graph.Nodes.Add(new GraphNode(flow.Id, GraphNodeKind.Start));
        graph.Nodes.Add(new GraphNode("g1", GraphNodeKind.Parallel));
        graph.Nodes.Add(new GraphNode("t1", GraphNodeKind.Task) { Task = Task("t1", []) });
        graph.Nodes.Add(new GraphNode("t2", GraphNodeKind.Task) { Task = Task("t2", []) });
        graph.Nodes.Add(new GraphNode("j3", GraphNodeKind.Exclusive));
        graph.Nodes.Add(new GraphNode("w4", GraphNodeKind.EventGateway));
        graph.Nodes.Add(new GraphNode("r5", GraphNodeKind.Receive) { Event = "e1" });
        graph.Nodes.Add(new GraphNode("z6", GraphNodeKind.Timer) { Duration = "PT5M" });
        graph.Nodes.Add(new GraphNode("t7", GraphNodeKind.Task) { Task = Task("t7", ["vt1", "vt2"], result: true) });
        graph.Nodes.Add(new GraphNode("n8", GraphNodeKind.End));
        graph.Edges.Add(new GraphEdge(flow.Id, "g1"));
        graph.Edges.Add(new GraphEdge("g1", "t1"));
        graph.Edges.Add(new GraphEdge("g1", "t2"));
        graph.Edges.Add(new GraphEdge("t1", "j3"));
        graph.Edges.Add(new GraphEdge("t2", "j3"));
        graph.Edges.Add(new GraphEdge("j3", "w4"));
        graph.Edges.Add(new GraphEdge("w4", "r5") { When = new Compare(new EventField(), ">=", 5) });
        graph.Edges.Add(new GraphEdge("w4", "z6"));
        graph.Edges.Add(new GraphEdge("r5", "t7"));
        graph.Edges.Add(new GraphEdge("z6", "t7"));
        graph.Edges.Add(new GraphEdge("t7", "n8"));
        var verdict = Assert.Single(FlowChecker.Check([flow]));
        Assert.True(verdict.Accepted, verdict.Problem ?? string.Join("\n", verdict.Messages ?? []));
    }

    /// <summary>
    /// A receive whose one flow has a condition: the instance went on along it whatever the condition said, and ended
    /// as a success (seeds 30243 and 31745). A wait goes on along one flow without a condition: FG0114 at the condition.
    /// </summary>
    [Fact]
    public void A_condition_on_a_waits_flow_is_FG0114_at_the_condition()
    {
        const string flow = """
            flow: wait-condition
            key: req.key
            graph:
              nodes:
                - { id: wait-condition, type: start }
                - { id: r0, type: receive, event: e1 }
                - { id: z1, type: timer, duration: PT5M }
                - { id: t2, task-component: d, task-service: t2 }
                - { id: e3, type: end }
              connections:
                - { from: wait-condition, to: r0 }
                - { from: r0, to: z1, when: "req.a >= 3" }
                - { from: z1, to: t2 }
                - { from: z1, to: e3 }
                - { from: t2, to: e3 }
            """;
        var run = RunDurable(flow, "flows/wait-condition.flow.yaml");
        var errors = run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(["FG0114", "FG0114"], errors.Select(e => e.Id));
        var onCondition = errors[0].Location.GetLineSpan();
        Assert.Equal((11, 32), (onCondition.StartLinePosition.Line, onCondition.StartLinePosition.Character));
        Assert.Contains("receive 'r0' goes on along the flow 'r0->z1' (with a condition)", errors[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains("timer 'z1' goes on along 2 flows: 'z1->t2', 'z1->e3'", errors[1].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>
    /// A fork whose first branch waits and ends on its own, while the other two branches meet and go on to another wait:
    /// the instance would wait at both at once, and FG0111 missed it because the two met at a join (seed 30951). Now the
    /// wait after the partial join is FG0111.
    /// </summary>
    [Fact]
    public void A_wait_after_a_join_of_some_of_a_forks_branches_is_FG0111_when_another_branch_waits()
    {
        const string flow = """
            flow: partial-join
            key: req.key
            graph:
              nodes:
                - { id: partial-join, type: start }
                - { id: g1, type: parallel }
                - { id: r2, type: receive, event: e1 }
                - { id: e3, type: end }
                - { id: t4, task-component: d, task-service: t4 }
                - { id: t5, task-component: d, task-service: t5 }
                - { id: j6, type: parallel }
                - { id: z7, type: timer, duration: PT5M }
                - { id: e8, type: end }
              connections:
                - { from: partial-join, to: g1 }
                - { from: g1, to: r2 }
                - { from: r2, to: e3 }
                - { from: g1, to: t4 }
                - { from: g1, to: t5 }
                - { from: t4, to: j6 }
                - { from: t5, to: j6 }
                - { from: j6, to: z7 }
                - { from: z7, to: e8 }
            """;
        var run = RunDurable(flow, "flows/partial-join.flow.yaml");
        var error = Assert.Single(run.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("FG0111", error.Id);
        Assert.Equal(11, error.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Contains("timer 'z7' waits inside a branch of parallel 'g1' while another branch waits at receive 'r2'", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>The C# side of the durable regression flows: a keyed request, an event and the tasks they call.</summary>
    private const string DurableComponents = """
        using FlowGen;
        namespace Regression;
        public sealed record DReq(string Key, int A);
        [FlowEvent("e1")] public sealed record E1(string Key, int V);
        [FlowComponent("d")]
        public sealed class D
        {
            [FlowTask("t2"), ToVar("vt2")] public int T2(DReq request) => 2;
            [FlowTask("t4"), ToVar("vt4")] public int T4(DReq request) => 4;
            [FlowTask("t5"), ToVar("vt5")] public int T5(DReq request) => 5;
            [FlowTask("t9"), ToVar("vt9")] public int T9(DReq request) => 9;
            [FlowTask("t11"), ToVar("vt11")] public int T11(DReq request) => 11;
        }
        """;

    /// <summary>
    /// A chain of 150 synchronous tasks is fused into stretches of at most 64 nodes, each ending in the next one's node
    /// method, so that no generated method grows with the flow (a local per block, one exception frame); the run still
    /// calls every task once, in order.
    /// </summary>
    [Fact]
    public void A_long_chain_of_synchronous_tasks_is_fused_in_bounded_stretches_and_runs_in_order()
    {
        var steps = string.Join(",\n", Enumerable.Range(1, 150).Select(i => $$"""    { "id": "s{{i}}", "task-component": "c", "task-service": "t1" }"""));
        var flow = $$"""
            {
              "flow": "long-chain",
              "steps": [
            {{steps}},
                { "id": "two", "task-component": "c", "task-service": "t2" },
                { "id": "sum", "task-component": "c", "task-service": "after" }
              ]
            }
            """;
        var generated = GeneratorHarness.RunGenerator(Components + "[Flow(\"long-chain\")] public sealed partial class LongChainFlow : IFlow<Req, int>;",
            new InMemoryText("flows/regression.flow.json", flow));
        var source = generated.Source("Regression.LongChainFlow.g.cs") ?? "";
        var stretches = System.Text.RegularExpressions.Regex.Matches(source, @"ValueTask Fused_\w+\(State state\)").Count;
        Assert.InRange(stretches, 3, 4);

        var (result, log) = CompileAndRun(flow, "Regression.LongChainFlow", 5);
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(3, result.Value);
        Assert.Equal([.. Enumerable.Repeat("t1", 150), "t2", "after"], log);
    }

    /// <summary>Runs the generator over one durable flow file (its flow id read from the file) and its own [Flow] class.</summary>
    private static GeneratorHarness.Run RunDurable(string flow, string path)
    {
        var flowId = System.Text.RegularExpressions.Regex.Match(flow, @"""?flow""?:\s*""?([\w-]+)").Groups[1].Value;
        var declaration = $"[Flow(\"{flowId}\")] public sealed partial class DurableRegressionFlow : IFlow<DReq, int>;";
        return GeneratorHarness.RunGenerator(DurableComponents + declaration, new InMemoryText(path, flow));
    }

    private static (FlowResult<int> Result, List<string> Log) CompileAndRun(string flow, string flowClass, int a)
    {
        // Each test compiles its own flow, with its own [Flow] class.
        var flowId = System.Text.Json.JsonDocument.Parse(flow).RootElement.GetProperty("flow").GetString();
        var declaration = $"[Flow(\"{flowId}\")] public sealed partial class {flowClass.Substring(flowClass.LastIndexOf('.') + 1)} : IFlow<Req, int>;";
        var run = GeneratorHarness.RunGenerator(Components + declaration, new InMemoryText("flows/regression.flow.json", flow));
        Assert.Empty(run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        var problems = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        using var stream = new MemoryStream();
        Assert.True(run.Output.Emit(stream).Success);
        stream.Position = 0;
        var context = new AssemblyLoadContext("regression", isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(stream);
            var component = Activator.CreateInstance(assembly.GetType("Regression.C")!)!;
            var flowType = assembly.GetType(flowClass)!;
            var instance = flowType.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First()
                .Invoke(flowType.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First().GetParameters()
                    .Select(p => p.ParameterType.IsInstanceOfType(component) ? component : null).ToArray());
            var requestType = assembly.GetType("Regression.Req")!;
            var log = new ConcurrentQueue<string>();
            var runAsync = flowType.GetMethods().Single(m => m.Name == "RunAsync" && m.GetParameters()[0].ParameterType == requestType);
            var result = ((ValueTask<FlowResult<int>>)runAsync.Invoke(instance, [Activator.CreateInstance(requestType, a, log), null, CancellationToken.None])!).AsTask().GetAwaiter().GetResult();
            return (result, log.ToList());
        }
        finally
        {
            context.Unload();
        }
    }
}
