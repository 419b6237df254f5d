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
        }
        [Flow("nested-joins")] public sealed partial class NestedJoinsFlow : IFlow<Req, int>;
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

    private static (FlowResult<int> Result, List<string> Log) CompileAndRun(string flow, string flowClass, int a)
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("flows/regression.flow.json", flow));
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
