using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// Kstry's data features, typed: the caller's seeds of the var and sta scopes ([Flow(Vars = ..., States = ...)]), task
// parameters read from the result ([FromResult]), and parameter objects filled from the bus ([FromBus]). Each read is
// checked like any bus read (FG0401, FG0402, FG0403), and each seed like a producer (FG0404, FG0405).
public sealed class BusDataTests
{
    internal const string Components = """
        using FlowGen;
        namespace Shop;
        public sealed record Req(long Id, string Source);
        public sealed class Page { public string? Img { get; set; } public int Price { get; set; } }
        public sealed class OrderVars { public string Channel { get; set; } = ""; public int Attempts { get; set; } }
        public sealed record OrderState(decimal Limit);
        public sealed record PriceInput([FromVar("channel")] string Channel, [FromRequest("id")] long Id)
        {
            [FromState("limit")] public decimal Limit { get; init; }
            [FromResult("Img")] public string? Img { get; init; }
            public string Ignored { get; set; } = "";
        }
        public sealed class Outer { [FromBus] public PriceInput? Inner { get; set; } [FromVar("attempts")] public int Attempts { get; set; } }
        public sealed record Missing([FromVar("nowhere")] string Nowhere);
        public sealed record BadPath { [FromResult("Nope")] public string? Nope { get; init; } }
        [FlowComponent("goods")]
        public sealed class Goods
        {
            [FlowTask("base"), ToResult] public Page Base(Req request) => new() { Img = "a.png" };
            [FlowTask("price"), ToVar("attempts")] public int Price([FromBus] PriceInput input, [FromResult] Page page) => 1;
            [FlowTask("web")] public void Web([FromResult("Img")] string img) { }
            [FlowTask("outer")] public void UseOuter([FromBus] Outer outer) { }
            [FlowTask("channel-number")] public void ChannelNumber([FromVar("channel")] int channel) { }
            [FlowTask("channel-writer"), ToVar("channel")] public long WriteChannel() => 1;
            [FlowTask("limit-writer"), ToState("limit")] public decimal WriteLimit() => 1;
            [FlowTask("result-number")] public void ResultNumber([FromResult] int page) { }
            [FlowTask("missing")] public void UseMissing([FromBus] Missing missing) { }
            [FlowTask("bad-path")] public void UseBadPath([FromBus] BadPath bad) { }
            [FlowTask("not-an-object")] public void NotAnObject([FromBus] System.IDisposable what) { }
        }
        [Flow("seeded", Vars = typeof(OrderVars), States = typeof(OrderState))]
        public sealed partial class SeededFlow : IFlow<Req, Page>;
        """;

    private const string Start = """<startEvent id="seeded" />""";
    private const string End = """<endEvent id="e" />""";

    private static GeneratorHarness.Run Check(params string[] body)
        => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/seeded.bpmn", Process(string.Join("\n", body))));

    /// <summary>start -> t1 -> t2 -> ... -> end.</summary>
    private static GeneratorHarness.Run Chain(params (string Id, string Service)[] tasks)
    {
        var body = new List<string> { Start };
        body.AddRange(tasks.Select(t => Task(t.Id, "goods", t.Service)));
        body.Add(End);
        var ids = new[] { "seeded" }.Concat(tasks.Select(t => t.Id)).Append("e").ToList();
        for (var i = 0; i + 1 < ids.Count; i++) body.Add(Flow("f" + i, ids[i], ids[i + 1]));
        return Check(body.ToArray());
    }

    private static int Line(Diagnostic d) => d.Location.GetLineSpan().StartLinePosition.Line + 1;

    /// <summary>The flow of the SeededFlow snapshot: seeds, a parameter object and result reads, a condition over all three scopes.</summary>
    internal static string SeededFlow() => Process(string.Join("\n", Start, Task("Base", "goods", "base"), Task("Price", "goods", "price"), """<exclusiveGateway id="Which" default="Other" />""",
            Task("Web", "goods", "web"), End, """<endEvent id="e2" />""",
            Flow("a", "seeded", "Base"), Flow("b", "Base", "Price"), Flow("c", "Price", "Which"),
            Flow("ToWeb", "Which", "Web", "var.channel == 'web' &amp;&amp; sta.limit &gt; 10 &amp;&amp; res.img != null"), Flow("Other", "Which", "e2"), Flow("d", "Web", "e")));

    [Fact]
    public void Seeded_values_result_reads_and_parameter_objects_compile_without_diagnostics()
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/seeded.bpmn", SeededFlow()));

        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        var source = run.Source("Shop.SeededFlow.g.cs")!;
        Assert.Contains("RunAsync(global::Shop.Req request, global::Shop.OrderVars? vars, global::Shop.OrderState? states = null, ", source);
        Assert.Contains("Var_channel = varSeed.Channel;", source);
        Assert.Contains("Sta_limit = staSeed.Limit;", source);
        Assert.Contains("new global::Shop.PriceInput(state.Var_channel!, state.Request.Id) { Limit = state.Sta_limit, Img = state.Result?.Img }", source);
    }

    [Fact]
    public void A_seeded_var_that_a_task_writes_later_is_one_field_with_both_writers()
    {
        var run = Chain(("Base", "base"), ("Price", "price"));

        Assert.Empty(run.Diagnostics);
        Assert.Contains("/// <summary>var.attempts, seeded by the caller (Shop.OrderVars.Attempts), written by Price.</summary>", run.Source("Shop.SeededFlow.g.cs"));
    }

    [Fact]
    public void A_reader_whose_type_does_not_fit_the_seed_is_FG0402_naming_the_seed()
    {
        var d = Chain(("T", "channel-number")).Single("FG0402");
        Assert.Contains("parameter 'channel'", d.GetMessage());
        Assert.Contains("the caller's seed Shop.OrderVars.Channel (as var.channel)", d.GetMessage());
    }

    [Fact]
    public void A_task_writing_a_seeded_var_with_another_type_is_FG0404()
    {
        var d = Chain(("T", "channel-writer")).Single("FG0404");
        Assert.Contains("the caller's seed Shop.OrderVars.Channel", d.GetMessage());
        Assert.Equal(5, Line(d));
    }

    [Fact]
    public void A_task_writing_a_seeded_sta_value_again_is_FG0405()
    {
        var d = Chain(("T", "limit-writer")).Single("FG0405");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("the caller's seed Shop.OrderState.Limit", d.GetMessage());
    }

    [Fact]
    public void A_result_read_with_no_ToResult_task_is_FG0401()
    {
        var d = Chain(("T", "web")).Single("FG0401");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains("none has [ToResult]", d.GetMessage());
    }

    [Fact]
    public void A_result_read_before_the_ToResult_task_is_FG0401_pointing_at_the_writer()
    {
        var d = Chain(("Web", "web"), ("Base", "base")).Single("FG0401");
        Assert.Contains("res is written by serviceTask 'Base', which does not run before this task", d.GetMessage());
        Assert.Single(d.AdditionalLocations);
    }

    [Fact]
    public void A_result_written_on_some_paths_only_is_FG0403()
    {
        var run = Check(Start, """<exclusiveGateway id="x" default="skip" />""", Task("Base", "goods", "base"), """<exclusiveGateway id="m" />""", Task("Web", "goods", "web"), End,
            Flow("a", "seeded", "x"), Flow("yes", "x", "Base", "req.source == 'app'"), Flow("skip", "x", "m"), Flow("b", "Base", "m"), Flow("c", "m", "Web"), Flow("d", "Web", "e"));
        var d = run.Single("FG0403");
        Assert.Contains("reads res, which serviceTask 'Base' produces on some paths", d.GetMessage());
    }

    [Fact]
    public void A_result_read_of_the_wrong_type_is_FG0402()
    {
        var d = Chain(("Base", "base"), ("T", "result-number")).Single("FG0402");
        Assert.Contains("parameter 'page'", d.GetMessage());
        Assert.Contains("(as res)", d.GetMessage());
    }

    [Fact]
    public void A_parameter_object_member_the_bus_cannot_supply_is_FG0401_naming_the_member()
    {
        var d = Chain(("T", "missing")).Single("FG0401");
        Assert.Contains("Parameter 'missing.Nowhere' of Goods.UseMissing", d.GetMessage());
        Assert.Contains("no task in this flow writes var.nowhere", d.GetMessage());
    }

    [Fact]
    public void A_parameter_object_member_path_that_does_not_resolve_is_FG0401()
    {
        var d = Chain(("Base", "base"), ("T", "bad-path")).Single("FG0401");
        Assert.Contains("'bad.Nope'", d.GetMessage());
        Assert.Contains("the path 'res.Nope' does not resolve", d.GetMessage());
    }

    [Fact]
    public void Nested_parameter_objects_are_built_inside_out()
    {
        var run = Chain(("Base", "base"), ("T", "outer"));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        Assert.Contains("new global::Shop.Outer() { Inner = new global::Shop.PriceInput(state.Var_channel!, state.Request.Id) { Limit = state.Sta_limit, Img = state.Result?.Img }, Attempts = state.Var_attempts }",
            run.Source("Shop.SeededFlow.g.cs"));
    }

    [Fact]
    public void FromBus_on_a_type_the_flow_cannot_create_is_FG0305()
    {
        var d = Chain(("T", "not-an-object")).Single("FG0305");
        Assert.Contains("'what' [FromBus], but System.IDisposable is not a class or struct the flow can create", d.GetMessage());
    }

    [Fact]
    public void A_flow_with_errors_keeps_the_seeded_entry_point_so_callers_compile()
    {
        const string caller = """
            namespace Shop
            {
                public static class Caller
                {
                    public static System.Threading.Tasks.ValueTask<FlowGen.FlowResult<Page>> Call(SeededFlow flow) => flow.RunAsync(new Req(1, "app"), new OrderVars(), new OrderState(1));
                }
            }
            """;
        var run = GeneratorHarness.RunGenerator(GeneratorHarness.Compilation(Components, caller),
            GeneratorHarness.Driver(new InMemoryText("/flows/seeded.bpmn", Process(string.Join("\n", Start, Task("T", "goods", "channel-number"), End, Flow("a", "seeded", "T"), Flow("b", "T", "e"))))));
        Assert.True(run.NotGenerated("Shop.SeededFlow.g.cs"));
        Assert.Empty(run.CompileErrors);
    }

    [Fact]
    public void A_durable_flow_that_declares_seeds_is_FG0413()
    {
        var yaml = """
            flow: seeded
            key: req.id
            actions:
              - name: Wait
                type: receive
                receive:
                  - { event: paid, then: finish() }
            """;
        var run = GeneratorHarness.RunGenerator(
            GeneratorHarness.Compilation(Components, """namespace Shop { [FlowGen.FlowEvent("paid")] public sealed record Paid(long Id); }"""),
            GeneratorHarness.Driver(new InMemoryText("/flows/seeded.flow.yaml", yaml)));
        var d = run.Single("FG0413");
        Assert.Contains("Flow class 'SeededFlow' seeds the bus (Vars = Shop.OrderVars, States = Shop.OrderState), but flow 'seeded' is durable", d.GetMessage());
    }
}
