using Microsoft.CodeAnalysis;
using Xunit;
using static FlowGen.Generators.Tests.Generator.GeneratorHarness;

namespace FlowGen.Generators.Tests.Generator;

// Durable flows in the fluent form: Trigger, Key, OnFailure, Receive (On/After), Sleep, SleepUntil and Finish are read
// into the same waits a YAML receive gives, and their mistakes are diagnostics at the C# code.
public sealed class FluentDurableTests
{
    private const string Types = """
        using FlowGen;
        using FlowGen.Durable;
        namespace Shop;
        [FlowEvent("viewed")] public sealed record Viewed(string UserId, string ProductId, int Count, decimal Price);
        [FlowEvent("ordered")] public sealed record Ordered(string UserId, decimal Total, System.Guid OrderId);
        [FlowEvent("coupon-used")] public sealed record CouponUsed(string Customer, string Code);
        public sealed record NotAnEvent(string UserId);
        public sealed record Done(string Text);
        public sealed record Expiry(System.DateTimeOffset At);
        [FlowComponent("shop")]
        public sealed class Tasks
        {
            [FlowTask("count"), ToState("views")] public int Count(Viewed request) => request.Count;
            [FlowTask("grant"), ToState("expiry")] public Expiry Grant(Viewed request) => new(System.DateTimeOffset.UtcNow);
            [FlowTask("remind")] public void Remind(Viewed request, [FromState("last")] Viewed? last) { }
        }
        """;

    private static string Flow(string body) => Types + $$"""

        [Flow("watch")]
        public sealed partial class WatchFlow : IFlow<Viewed, Done>
        {
            [FlowDefinition]
            private static void Define(FlowBuilder<Viewed> flow) => {{body}};
        }
        """;

    private const string Campaign = """
        flow
                .Trigger<Viewed>(when: e => e.ProductId != "")
                .Key(bus => bus.Request.UserId)
                .OnFailure(FlowFailurePolicy.Suspend)
                .Task<Tasks>(t => t.Count)
                .Receive(r => r
                    .On<Viewed>(to: "last", when: e => e.Count > 1, then: b => b.Task<Tasks>(t => t.Remind))
                    .On<Ordered>(then: b => b.Finish())
                    .After("3d", then: b => b.Fail("EXPIRED")))
                .Task<Tasks>(t => t.Grant)
                .SleepUntil(bus => bus.State<Expiry>("expiry").At)
                .Sleep("PT2H", id: "Nap")
                .Receive(r => r.On<CouponUsed>(key: e => e.Customer).After("1d"), id: "Last")
        """;

    private static Diagnostic Single(GeneratorHarness.Run run, string id) => run.Single(id);

    [Fact]
    public void A_fluent_durable_flow_compiles_into_the_waits_a_yaml_receive_gives()
    {
        var run = GeneratorHarness.RunGenerator(Flow(Campaign));
        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        var code = run.Source("Shop.WatchFlow.g.cs")!;
        Assert.Contains("global::FlowGen.Durable.IDurableFlow", code);
        Assert.Contains("string? global::FlowGen.Durable.IDurableFlow.Trigger => \"viewed\";", code);
        Assert.Contains("FlowFailurePolicy? global::FlowGen.Durable.IDurableFlow.FailurePolicy => global::FlowGen.Durable.FlowFailurePolicy.Suspend;", code);
        Assert.Contains("(e.ProductId != \"\")", code);                            // the trigger's condition
        Assert.Contains("FlowKeys.Format(e.Customer)", code);                     // the arm's own key path
        Assert.Contains("(e.Count > 1)", code);                                   // the arm's condition over the event
        Assert.Contains("state.Sta_last = e;", code);                             // to: "last" writes sta.last
        Assert.Contains("receive-1.viewed", code);
        Assert.Contains("receive-1.after", code);
        Assert.Contains("Continue_Nap", code);
        Assert.Contains("Continue_Last", code);
        Assert.Contains("/* 3 d */", code);
    }

    [Fact]
    public void A_trigger_on_a_type_without_FlowEvent_is_FG0710_at_the_call()
    {
        var source = Flow("""flow.Trigger<NotAnEvent>().Key(bus => bus.Request.UserId).Task<Tasks>(t => t.Count)""");
        var d = Single(GeneratorHarness.RunGenerator(source), "FG0710");
        Assert.Equal(Find(source, "Trigger<NotAnEvent>"), Position(d));
        Assert.Contains("[FlowEvent", d.GetMessage());
    }

    [Fact]
    public void An_arm_on_a_type_without_FlowEvent_is_FG0710_at_the_arm()
    {
        var source = Flow("""flow.Task<Tasks>(t => t.Count).Receive(r => r.On<NotAnEvent>().After("1d"))""");
        var d = Single(GeneratorHarness.RunGenerator(source), "FG0710");
        Assert.Equal(Find(source, "On<NotAnEvent>"), Position(d));
    }

    [Fact]
    public void Flow_settings_inside_a_branch_are_FG0710()
    {
        var source = Flow("""flow.Task<Tasks>(t => t.Count).If(bus => bus.Request.Count > 1, then: b => b.Key(bus => bus.Request.UserId))""");
        var d = Single(GeneratorHarness.RunGenerator(source), "FG0710");
        Assert.Equal(Find(source, "Key(bus"), Position(d));
        Assert.Contains("sets the whole flow", d.GetMessage());
    }

    [Fact]
    public void A_method_call_in_an_event_condition_is_FG0712_at_the_call()
    {
        var source = Flow("""flow.Task<Tasks>(t => t.Count).Receive(r => r.On<Viewed>(when: e => e.ProductId.Substring(1) == "p").After("1d"))""");
        var d = Single(GeneratorHarness.RunGenerator(source), "FG0712");
        Assert.Equal(Find(source, "e.ProductId.Substring"), Position(d));
    }

    [Fact]
    public void An_event_condition_that_does_not_type_check_is_FG05xx_in_the_CSharp_file()
    {
        // C# accepts string.Length; the condition language gives strings no members (FG0502), at the member.
        var source = Flow("""flow.Task<Tasks>(t => t.Count).Receive(r => r.On<Ordered>(when: e => e.Total > 0 && e.UserId.Length > 3).After("1d"))""");
        var run = GeneratorHarness.RunGenerator(source);
        var d = Assert.Single(run.Diagnostics, x => x.Id.StartsWith("FG05", StringComparison.Ordinal));
        Assert.Equal("FG0502", d.Id);
        Assert.EndsWith("Source0.cs", d.Location.GetLineSpan().Path);
        Assert.Equal(Find(source, "e.UserId.Length").Item1, Position(d).Item1);
    }

    [Fact]
    public void A_key_of_an_unkeyable_type_is_FG0411()
    {
        var source = Flow("""flow.Trigger<Viewed>().Key(bus => bus.Request.Price).Task<Tasks>(t => t.Count).Receive(r => r.On<Viewed>().After("1d"))""");
        var d = GeneratorHarness.RunGenerator(source).WithId("FG0411").First();
        Assert.Equal(Find(source, "bus.Request.Price"), Position(d));
        Assert.Contains("decimal", d.GetMessage());
    }

    [Fact]
    public void A_bad_duration_is_FG0602_at_the_arm()
    {
        var source = Flow("""flow.Task<Tasks>(t => t.Count).Receive(r => r.On<Viewed>().After("soon"))""");
        var d = Single(GeneratorHarness.RunGenerator(source), "FG0602");
        Assert.Equal(Find(source, "After(\"soon\")"), Position(d));
    }

    [Fact]
    public void Receives_in_two_parallel_branches_are_FG0111_at_the_second()
    {
        var source = Flow("""flow.Trigger<Viewed>().Key(bus => bus.Request.UserId).Parallel(a => a.Sleep("1h"), b => b.Receive(r => r.On<Viewed>().After("1d")))""");
        var d = GeneratorHarness.RunGenerator(source).WithId("FG0111").First();
        Assert.Equal(Find(source, "Receive(r =>"), Position(d));
        Assert.Contains("Receive 'receive-1' waits inside a branch of Parallel 'fork-1' while another branch waits at Sleep 'sleep-1'", d.GetMessage());
    }

    [Fact]
    public void A_receive_in_one_parallel_branch_compiles()
    {
        var run = GeneratorHarness.RunGenerator(Flow("""flow.Trigger<Viewed>().Key(bus => bus.Request.UserId).Parallel(a => a.Task<Tasks>(t => t.Count), b => b.Receive(r => r.On<Viewed>(to: "last").After("1d"))).Task<Tasks>(t => t.Remind)"""));
        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.True(run.CompileErrors.IsEmpty, string.Join("\n", run.CompileErrors));
    }

    [Fact]
    public void A_call_after_a_receive_whose_every_arm_ends_the_run_is_FG0710()
    {
        var source = Flow("""flow.Task<Tasks>(t => t.Count).Receive(r => r.On<Viewed>(then: b => b.Finish()).After("1d", then: b => b.Fail("LATE"))).Task<Tasks>(t => t.Grant)""");
        var d = Single(GeneratorHarness.RunGenerator(source), "FG0710");
        Assert.Equal(Find(source, "Task<Tasks>(t => t.Grant)"), Position(d));
        Assert.Contains("every arm ends the run", d.GetMessage());
    }

    [Fact]
    public void Finish_ends_a_branch_successfully_and_nothing_may_follow_it()
    {
        var ok = GeneratorHarness.RunGenerator(Flow("""flow.Task<Tasks>(t => t.Count).If(bus => bus.Request.Count > 1, then: b => b.Finish()).Task<Tasks>(t => t.Grant)"""));
        Assert.True(ok.Diagnostics.IsEmpty, string.Join("\n", ok.Diagnostics));
        Assert.Empty(ok.CompileErrors);

        var source = Flow("""flow.Task<Tasks>(t => t.Count).Finish().Task<Tasks>(t => t.Grant)""");
        var d = Single(GeneratorHarness.RunGenerator(source), "FG0710");
        Assert.Contains("follows Finish", d.GetMessage());
    }
}
