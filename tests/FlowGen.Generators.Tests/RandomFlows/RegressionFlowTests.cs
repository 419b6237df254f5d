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
