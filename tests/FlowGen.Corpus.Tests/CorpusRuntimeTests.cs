using System.Reflection;
using System.Runtime.Loader;
using FlowGen.Generators.Tests.Generator;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Corpus.Tests;

// Kstry's corpus files, read in place, compiled by the real generator together with components written
// here, emitted, loaded and run: each flow behaves as its text annotation says.
public sealed class CorpusRuntimeTests
{
    private const string FlowComponents = """
        using FlowGen;
        using System.Collections.Generic;
        using System.Threading;
        namespace Corpus;

        // Kstry's tests pass a request whose 'a' the tasks change.
        public sealed class CountRequest { private int _a; public int A { get => _a; set => _a = value; } public int Add(int n) => Interlocked.Add(ref _a, n); }

        [FlowComponent("method-invoke-service")]
        public sealed class MethodInvokeService
        {
            [FlowTask("increase-one"), ToResult] public int IncreaseOne(CountRequest request) => request.Add(1);
            [FlowTask("increase-two"), ToResult] public int IncreaseTwo(CountRequest request) => request.Add(2);
            [FlowTask("notice-result"), ToResult] public int NoticeResult(CountRequest request) => request.A;
        }

        [FlowComponent("hello_service")]
        public sealed class HelloService
        {
            [FlowTask("say_hello1")] public void SayHello1() { }
            [FlowTask("say_hello2")] public void SayHello2() { }
        }

        // Kstry validates the request with JSR303 annotations; here the task validates it (DataAnnotations).
        [FlowComponent("goods_service")]
        public sealed class GoodsService
        {
            [FlowTask("check_params")]
            public void CheckParams(CountRequest request)
            {
                if (request.A <= 0) throw new System.ComponentModel.DataAnnotations.ValidationException("a must be positive");
            }
        }

        [Flow("story-def-test-flow-001")] public sealed partial class Flow001 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-002")] public sealed partial class Flow002 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-003")] public sealed partial class Flow003 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-00301")] public sealed partial class Flow00301 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-006")] public sealed partial class Flow006 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-00602")] public sealed partial class Flow00602 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-011")] public sealed partial class Flow011 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-00201")] public sealed partial class Flow00201 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-007")] public sealed partial class Flow007 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-008")] public sealed partial class Flow008 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-004")] public sealed partial class Flow004 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-009")] public sealed partial class Flow009 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-010")] public sealed partial class Flow010 : IFlow<CountRequest, int>;
        [Flow("story-def-test-flow-01001")] public sealed partial class Flow01001 : IFlow<CountRequest, int>;
        """;

    private const string IteratorComponents = """
        using FlowGen;
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        namespace Corpus;

        public sealed class NumbersRequest { public List<int> NumList { get; set; } = new(); }

        [FlowComponent("calculate-service")]
        public sealed class CalculateService
        {
            [FlowTask("batch-square2"), ToResult] public int BatchSquare([FromItem] int number) => number * number;
            [FlowTask("square"), ToResult] public async Task<int> SquareAsync([FromItem] int number, CancellationToken ct) { await Task.Delay(10 * (6 - number), ct); return number * number; }
            // Even numbers fail: best keeps the odd squares.
            [FlowTask("square-best-strategy"), ToResult] public int SquareBest([FromItem] int number) => number % 2 == 0 ? throw new InvalidOperationException("even") : number * number;
            // Numbers below 3 fail: any stops at the first success.
            [FlowTask("square-any-strategy"), ToResult] public int SquareAny([FromItem] int number) => number < 3 ? throw new InvalidOperationException("small") : number * number;
        }

        [Flow("story-def-iterate-test_001")] public sealed partial class Iterate001 : IFlow<NumbersRequest, IReadOnlyList<int>>;
        [Flow("story-def-iterate-test_002")] public sealed partial class Iterate002 : IFlow<NumbersRequest, IReadOnlyList<int>>;
        [Flow("story-def-iterate-test_003")] public sealed partial class Iterate003 : IFlow<NumbersRequest, int>;
        [Flow("story-def-iterate-test_004")] public sealed partial class Iterate004 : IFlow<NumbersRequest, IReadOnlyList<int>>;
        [Flow("story-def-iterate-test_005")] public sealed partial class Iterate005 : IFlow<NumbersRequest, IReadOnlyList<int>>;
        [Flow("story-def-iterate-test_006")] public sealed partial class Iterate006 : IFlow<NumbersRequest, int>;
        """;

    private const string AsyncComponents = """
        using FlowGen;
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        namespace Corpus;

        public sealed class InfoRequest { }

        // Kstry puts retry and demotion on the method (@Invoke); FlowGen reads them from [FlowTask].
        [FlowComponent("async-method-service")]
        public sealed class AsyncMethodService
        {
            private int _emptyInfo2Calls;

            [FlowTask("say_empty_info")] public async Task SayEmptyInfoAsync(CancellationToken ct) => await Task.Delay(5, ct);
            [FlowTask("say_info"), ToResult] public async Task<string> SayInfoAsync(CancellationToken ct) { await Task.Delay(5, ct); return "info"; }

            // Fails once; the retry succeeds.
            [FlowTask("say_empty_info2", Retry = 1)]
            public void SayEmptyInfo2() { if (Interlocked.Increment(ref _emptyInfo2Calls) == 1) throw new InvalidOperationException("first call fails"); }

            // Always fails; the retry fails too; the demotion answers.
            [FlowTask("say_info2", Retry = 1, Demotion = "async-method-service@say_info2_demotion"), ToResult]
            public string SayInfo2() => throw new InvalidOperationException("always fails");
            [FlowTask("say_info2_demotion")] public string SayInfo2Demotion() => "demotion";

            // Fails, retry fails, demotion fails: strict-mode off ignores it.
            [FlowTask("say_empty_info3", Retry = 1, Demotion = "async-method-service@say_empty_info3_demotion", StrictMode = false)]
            public void SayEmptyInfo3() => throw new InvalidOperationException("always fails");
            [FlowTask("say_empty_info3_demotion")] public void SayEmptyInfo3Demotion() => throw new InvalidOperationException("the demotion fails too");

            // Slower than its 3 ms timeout: the demotion answers.
            [FlowTask("say_info3", Demotion = "async-method-service@say_info3_demotion"), ToResult]
            public async Task<string> SayInfo3Async(CancellationToken ct) { await Task.Delay(2000, ct); return "too late"; }
            [FlowTask("say_info3_demotion")] public string SayInfo3Demotion() => "demotion after timeout";
        }

        [Flow("story-def-async-method-001")] public sealed partial class Async001 : IFlow<InfoRequest, string>;
        [Flow("story-def-async-method-002")] public sealed partial class Async002 : IFlow<InfoRequest, string>;
        [Flow("story-def-async-method-003")] public sealed partial class Async003 : IFlow<InfoRequest, string>;
        [Flow("story-def-async-method-004")] public sealed partial class Async004 : IFlow<InfoRequest, string>;
        [Flow("story-def-async-method-005")] public sealed partial class Async005 : IFlow<InfoRequest, string>;
        [Flow("story-def-async-method-006")] public sealed partial class Async006 : IFlow<InfoRequest, string>;
        """;

    [Theory]
    [InlineData("Async001", "info")]                     // 【正常】 sync chain, tasks with timeouts
    [InlineData("Async002", "info")]                     // 【正常】 async chain (open-async), tasks with timeouts
    [InlineData("Async003", "info")]                     // 【正常】 an exception resolved by the retry
    [InlineData("Async004", "demotion")]                 // 【正常】 retry fails, the demotion answers
    [InlineData("Async005", "demotion")]                 // 【正常】 retry and demotion fail, strict mode off ignores it
    [InlineData("Async006", "demotion after timeout")]   // 【正常】 the task times out, the demotion answers
    public async Task Async_method_test_flows_behave_as_annotated(string flowClass, string expected)
    {
        using var run = CorpusAssembly.Compile("async_method_test.bpmn", AsyncComponents);

        var (success, value, error) = await run.RunAsync($"Corpus.{flowClass}", run.Create("Corpus.InfoRequest"), "Corpus.AsyncMethodService");

        Assert.True(success, error?.ToString());
        Assert.Equal(expected, value);
    }

    private const string MonoComponents = """
        using FlowGen;
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        namespace Corpus;

        public sealed class MonoRequest { }

        // Kstry's Mono (reactive) methods are ValueTask/Task methods here; retry and demotion on the method as @Invoke does.
        [FlowComponent("mono-service")]
        public sealed class MonoService
        {
            private int _info3Calls;

            [FlowTask("say_info"), ToResult] public async ValueTask<string> SayInfoAsync(CancellationToken ct) { await Task.Delay(5, ct); return "info"; }
            [FlowTask("say_empty_info")] public async ValueTask SayEmptyInfoAsync(CancellationToken ct) => await Task.Delay(5, ct);
            [FlowTask("say_empty_info5")] public Task SayEmptyInfo5Async() => Task.CompletedTask;

            // Fails, retry fails, demotion fails: strict mode off returns normally.
            [FlowTask("say_empty_info6", Retry = 1, Demotion = "mono-service@failing_demotion", StrictMode = false)]
            public ValueTask SayEmptyInfo6Async() => throw new InvalidOperationException("always fails");
            [FlowTask("failing_demotion")] public void FailingDemotion() => throw new InvalidOperationException("the demotion fails too");

            // Fails, retry fails: the demotion returns normally.
            [FlowTask("say_empty_info2", Retry = 1, Demotion = "mono-service@quiet_demotion")]
            public Task SayEmptyInfo2Async() => Task.FromException(new InvalidOperationException("always fails"));
            [FlowTask("quiet_demotion")] public void QuietDemotion() { }

            // Fails once: the retry returns normally.
            [FlowTask("say_empty_info3", Retry = 1)]
            public ValueTask SayEmptyInfo3Async() => Interlocked.Increment(ref _info3Calls) == 1 ? throw new InvalidOperationException("first call fails") : default;

            // Slower than the node's timeout; the node's strict-mode=false ignores it.
            [FlowTask("say_empty_info4")] public async Task SayEmptyInfo4Async(CancellationToken ct) => await Task.Delay(5000, ct);

            // Fails; the node's task-demotion answers with a value.
            [FlowTask("say_info2"), ToResult] public ValueTask<string> SayInfo2Async() => throw new InvalidOperationException("always fails");
            [FlowTask("say_info2_demotion")] public ValueTask<string> SayInfo2DemotionAsync() => new("demotion");
        }

        [Flow("story-def-mono-success-001")] public sealed partial class Mono001 : IFlow<MonoRequest, string>;
        [Flow("story-def-mono-success-002")] public sealed partial class Mono002 : IFlow<MonoRequest, string>;
        [Flow("story-def-mono-success-003")] public sealed partial class Mono003 : IFlow<MonoRequest, string>;
        [Flow("story-def-mono-success-004")] public sealed partial class Mono004 : IFlow<MonoRequest, string>;
        [Flow("story-def-mono-success-005")] public sealed partial class Mono005 : IFlow<MonoRequest, string>;
        [Flow("story-def-mono-success-006")] public sealed partial class Mono006 : IFlow<MonoRequest, string>;
        [Flow("story-def-mono-success-007")] public sealed partial class Mono007 : IFlow<MonoRequest, string>;
        [Flow("story-def-mono-success-008")] public sealed partial class Mono008 : IFlow<MonoRequest, string>;
        """;

    [Theory]
    [InlineData("Mono001", "info")]       // 【正常】 retry and demotion fail, strict mode off returns normally
    [InlineData("Mono002", "info")]       // 【正常】 async (open-async): with and without a value
    [InlineData("Mono003", "info")]       // 【正常】 retry fails, the demotion returns normally
    [InlineData("Mono004", "info")]       // 【正常】 the retry returns normally
    [InlineData("Mono005", "info")]       // 【正常】 strict-mode=false: a timed-out task's result is ignored
    [InlineData("Mono006", "demotion")]   // 【正常】 the node's task-demotion answers
    [InlineData("Mono007", "info")]       // 【正常】 timeout and retry-times on the nodes
    [InlineData("Mono008", "info")]       // 【正常】 strict-mode=false on the node, the method's demotion fails
    public async Task Mono_flow_test_flows_behave_as_annotated(string flowClass, string expected)
    {
        using var run = CorpusAssembly.Compile("mono_flow_test.bpmn", MonoComponents);

        var (success, value, error) = await run.RunAsync($"Corpus.{flowClass}", run.Create("Corpus.MonoRequest"), "Corpus.MonoService");

        Assert.True(success, error?.ToString());
        Assert.Equal(expected, value);
    }

    private const string SkuComponents = """
        using FlowGen;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        namespace Corpus;

        public sealed class SkuRequest { }
        public sealed class Sku { public int Id { get; init; } public string? Name { get; set; } public string? Image { get; set; } }

        [FlowComponent("sku-service")]
        public sealed class SkuService
        {
            [FlowTask("get-sku-list"), ToState("sku-list"), ToResult] public List<Sku> GetSkus() => [new() { Id = 1 }, new() { Id = 2 }, new() { Id = 3 }];
            [FlowTask("set-sku-name")] public void SetName([FromItem] Sku sku) => sku.Name = $"sku-{sku.Id}";
            [FlowTask("set-sku-img")] public async Task SetImageAsync([FromItem] Sku sku, CancellationToken ct) { await Task.Delay(5, ct); sku.Image = $"img-{sku.Id}.png"; }
        }

        [Flow("story-def-iterate-test_100")] public sealed partial class Iterate100 : IFlow<SkuRequest, List<Sku>>;
        """;

    [Fact]
    public async Task Test_iterator_02_the_tasks_of_an_iterated_subprocess_iterate_over_its_source()
    {
        // ite-source sits on the subProcess (sta.sku-list); its two tasks iterate over it, with their own
        // strategy (best) and ite-async.
        using var run = CorpusAssembly.Compile("test_iterator_02.bpmn", SkuComponents);

        var (success, value, error) = await run.RunAsync("Corpus.Iterate100", run.Create("Corpus.SkuRequest"), "Corpus.SkuService");

        Assert.True(success, error?.ToString());
        var skus = ((System.Collections.IEnumerable)value!).Cast<object>().ToList();
        Assert.Equal(3, skus.Count);
        Assert.All(skus, sku =>
        {
            var id = (int)sku.GetType().GetProperty("Id")!.GetValue(sku)!;
            Assert.Equal($"sku-{id}", sku.GetType().GetProperty("Name")!.GetValue(sku));
            Assert.Equal($"img-{id}.png", sku.GetType().GetProperty("Image")!.GetValue(sku));
        });
    }

    private const string SubprocessComponents = """
        using FlowGen;
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        namespace Corpus;

        // Each task adds a mark, so a test sees which ran.
        public sealed class TraceRequest { private int _calls; public int Calls => _calls; public string Marks { get; private set; } = ""; public void Mark(string m) { Interlocked.Increment(ref _calls); lock (this) Marks += m + ";"; } }

        [FlowComponent("sub-process-service")]
        public sealed class SubProcessService
        {
            [FlowTask("say_info"), ToResult] public int SayInfo(TraceRequest request) { request.Mark("info"); return request.Calls; }
            [FlowTask("mono_say_info"), ToResult] public async Task<int> MonoSayInfoAsync(TraceRequest request, CancellationToken ct) { await Task.Delay(5, ct); request.Mark("mono-info"); return request.Calls; }
            [FlowTask("say_empty_info")] public void SayEmptyInfo(TraceRequest request) => request.Mark("empty");
            [FlowTask("mono_say_empty_info")] public async Task MonoSayEmptyInfoAsync(TraceRequest request, CancellationToken ct) { await Task.Delay(5, ct); request.Mark("mono-empty"); }
            [FlowTask("say_error")] public void SayError(TraceRequest request) { request.Mark("error"); throw new InvalidOperationException("the subprocess fails"); }
            [FlowTask("say_timeout")] public async Task SayTimeoutAsync(TraceRequest request, CancellationToken ct) { request.Mark("timeout"); await Task.Delay(2000, ct); request.Mark("too-late"); }
        }

        [Flow("story-def-subprocess-test-001")] public sealed partial class Sub001 : IFlow<TraceRequest, int>;
        [Flow("story-def-subprocess-test-002")] public sealed partial class Sub002 : IFlow<TraceRequest, int>;
        [Flow("story-def-subprocess-test-003")] public sealed partial class Sub003 : IFlow<TraceRequest, int>;
        [Flow("story-def-subprocess-test-004")] public sealed partial class Sub004 : IFlow<TraceRequest, int>;
        """;

    [Theory]
    [InlineData("Sub001", null)]        // 【正常】 nested subprocesses, sync
    [InlineData("Sub002", null)]        // 【正常】 nested subprocesses, async
    [InlineData("Sub003", "error")]     // 【正常】 a failing subprocess with strict-mode=false: the rest completes
    [InlineData("Sub004", "timeout")]   // 【正常】 a timed-out subprocess with strict-mode=false: the rest completes
    public async Task Subprocess_test_001_flows_behave_as_annotated(string flowClass, string? ignoredMark)
    {
        using var run = CorpusAssembly.Compile("subprocess_test_001.bpmn", SubprocessComponents);
        var request = run.Create("Corpus.TraceRequest");

        var (success, _, error) = await run.RunAsync($"Corpus.{flowClass}", request, "Corpus.SubProcessService");

        Assert.True(success, error?.ToString());
        var marks = (string)request.GetType().GetProperty("Marks")!.GetValue(request)!;
        Assert.Contains("info", marks);                       // the nested subprocesses' tasks ran
        if (ignoredMark is not null) Assert.Contains(ignoredMark, marks);
        Assert.DoesNotContain("too-late", marks);
    }

    [Theory]
    [InlineData("Flow001", 5, 6)]     // 【正常】 a single node
    [InlineData("Flow002", 5, 7)]     // 【正常】 two branches from the start event, both run
    [InlineData("Flow003", 5, 7)]     // 【正常】 exclusive gateway: the true branch (increase-two)
    [InlineData("Flow006", 5, 8)]     // 【正常】 parallel gateway: both branches
    [InlineData("Flow00602", 5, 7)]   // 【正常】 parallel join with an unreachable branch, strict-mode=false
    [InlineData("Flow011", -1, 2)]    // 【正常】 a task's result decides the next condition: -1+1=0, so req.a==0 -> increase-two
    [InlineData("Flow011", 5, 7)]     //          6 > 0 -> increase-one
    [InlineData("Flow004", 5, 8)]     // 【正常】 gateway and subprocess: +1 beside a subprocess of two +1 tasks
    [InlineData("Flow00201", 5, 8)]   // 【正常】 conditional flows leaving a task: only the true one
    [InlineData("Flow009", 5, 7)]     // 【正常】 false branches of an inclusive gateway are skipped through a task merge and an exclusive merge
    [InlineData("Flow010", 0, 3)]     // 【正常】 a service on an exclusive gateway runs before its conditions: 0+2=2 >= 1 -> increase-one
    [InlineData("Flow01001", 0, 3)]   // 【正常】 a service on an inclusive gateway, the same way
    public async Task Test_flow_01_flows_behave_as_annotated(string flowClass, int a, int expected)
    {
        using var run = CorpusAssembly.Compile("test_flow_01.bpmn", FlowComponents);
        var request = run.Create("Corpus.CountRequest");
        request.GetType().GetProperty("A")!.SetValue(request, a);

        var (success, value, error) = await run.RunAsync($"Corpus.{flowClass}", request, "Corpus.MethodInvokeService", "Corpus.HelloService");

        Assert.True(success, error?.ToString());
        Assert.Equal(expected, (int)request.GetType().GetProperty("A")!.GetValue(request)!);
        Assert.NotNull(value);
    }

    private const string LoadComponents = """
        using FlowGen;
        using System.Threading;
        namespace Corpus;

        public sealed class SayRequest { public int Said; }

        [FlowComponent("goods_service")]
        public sealed class GoodsService
        {
            [FlowTask("say_request")] public void SayRequest(SayRequest request) => Interlocked.Increment(ref request.Said);
        }

        [Flow("story-def-load_error_01")] public sealed partial class LoadError01 : IFlow<SayRequest, int>;
        """;

    [Fact]
    public async Task A_task_with_two_incoming_flows_in_load_bpmn_006_runs_once_after_both()
    {
        // Kstry accepts this file (kstry-core LoadBpmnConfigTest.loadTest006 asserts no error, though its annotation says
        // 【异常】): the task gets an implicit join before it, so it runs once, after both of its incoming flows.
        using var run = CorpusAssembly.Compile("load_bpmn_006.bpmn", LoadComponents);
        var request = run.Create("Corpus.SayRequest");

        var (success, _, error) = await run.RunAsync("Corpus.LoadError01", request, "Corpus.GoodsService");

        Assert.True(success, error?.ToString());
        // Three tasks, each once: without the join the last one would run once per incoming flow (four calls).
        Assert.Equal(3, (int)request.GetType().GetField("Said")!.GetValue(request)!);
    }

    [Theory]
    [InlineData("Flow007", FlowErrorCodes.TaskFailed, "Activity_0041xxu")]    // 【异常】 the request's validation fails
    [InlineData("Flow008", FlowErrorCodes.NoMatchingBranch, "Activity_0u3omyj")] // 【异常】 every flow after the task is false: the flow is interrupted
    public async Task Test_flow_01_failing_flows_fail_as_annotated(string flowClass, string code, string node)
    {
        using var run = CorpusAssembly.Compile("test_flow_01.bpmn", FlowComponents);

        var (success, _, error) = await run.RunAsync($"Corpus.{flowClass}", run.Create("Corpus.CountRequest"), "Corpus.MethodInvokeService", "Corpus.HelloService", "Corpus.GoodsService");

        Assert.False(success);
        Assert.Equal(code, error!.Code);
        Assert.Equal(node, error.NodeId);
    }

    [Fact]
    public async Task Test_flow_00301_an_exclusive_gateway_without_matching_branch_fails_as_annotated()
    {
        using var run = CorpusAssembly.Compile("test_flow_01.bpmn", FlowComponents);

        var (success, _, error) = await run.RunAsync("Corpus.Flow00301", run.Create("Corpus.CountRequest"), "Corpus.MethodInvokeService", "Corpus.HelloService");

        Assert.False(success);                                             // 【异常】 in Kstry: no matching branch
        Assert.Equal(FlowErrorCodes.NoMatchingBranch, error!.Code);
        Assert.Equal("Gateway_07psz77", error.NodeId);
    }

    [Theory]
    [InlineData("Iterate001", "1,4,9,16,25")]   // all (default), sync (ite-stride is read but not applied: one item per call)
    [InlineData("Iterate002", "1,9,25")]        // best: the failing even numbers are left out
    [InlineData("Iterate003", "9")]             // any: the first success
    [InlineData("Iterate004", "1,4,9,16,25")]   // all, async: results keep the item order
    [InlineData("Iterate005", "1,9,25")]        // best, async
    [InlineData("Iterate006", "9|16|25")]       // any, async: whichever success comes first (items run concurrently)
    public async Task Test_iterator_01_flows_behave_as_annotated(string flowClass, string expected)
    {
        using var run = CorpusAssembly.Compile("test_iterator_01.bpmn", IteratorComponents);
        var request = run.Create("Corpus.NumbersRequest");
        ((List<int>)request.GetType().GetProperty("NumList")!.GetValue(request)!).AddRange([1, 2, 3, 4, 5]);

        var (success, value, error) = await run.RunAsync($"Corpus.{flowClass}", request, "Corpus.CalculateService");

        Assert.True(success, error?.ToString());
        Assert.Contains(value is IEnumerable<int> list ? string.Join(",", list) : value!.ToString(), expected.Split('|'));
    }

    /// <summary>A corpus file and C# components compiled by the real generator into an assembly loaded in its own context.</summary>
    private sealed class CorpusAssembly : IDisposable
    {
        private readonly AssemblyLoadContext _context;
        private readonly Assembly _assembly;

        private CorpusAssembly(AssemblyLoadContext context, Assembly assembly)
        {
            _context = context;
            _assembly = assembly;
        }

        public static CorpusAssembly Compile(string file, string csharp)
        {
            var path = Path.Combine(CorpusFile.Folder(), file);
            var run = GeneratorHarness.RunGenerator(csharp, new InMemoryText(path, File.ReadAllText(path)));
            Assert.Empty(run.CompileErrors);
            using var stream = new MemoryStream();
            var result = run.Output.Emit(stream);
            Assert.True(result.Success, string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
            stream.Position = 0;
            var context = new AssemblyLoadContext("corpus-" + file, isCollectible: true);
            return new CorpusAssembly(context, context.LoadFromStream(stream));
        }

        public object Create(string type) => Activator.CreateInstance(_assembly.GetType(type, throwOnError: true)!)!;

        public async Task<(bool Success, object? Value, FlowError? Error)> RunAsync(string flowType, object request, params string[] componentTypes)
        {
            var type = _assembly.GetType(flowType, throwOnError: true)!;
            var constructor = type.GetConstructors().Single();
            var arguments = constructor.GetParameters().Select(p => componentTypes.Select(Create).FirstOrDefault(c => p.ParameterType.IsInstanceOfType(c))).ToArray();
            var flow = constructor.Invoke(arguments);
            var runAsync = type.GetMethods().Single(m => m.Name == "RunAsync" && m.GetParameters()[0].ParameterType == request.GetType());
            var valueTask = runAsync.Invoke(flow, [request, null, CancellationToken.None])!;
            var task = (Task)valueTask.GetType().GetMethod("AsTask")!.Invoke(valueTask, null)!;
            await task;
            var result = task.GetType().GetProperty("Result")!.GetValue(task)!;
            var error = (FlowError?)result.GetType().GetProperty("Error")!.GetValue(result);
            return (error is null, result.GetType().GetProperty("Value")!.GetValue(result), error);
        }

        public void Dispose() => _context.Unload();
    }
}
