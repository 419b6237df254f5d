using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// The generated code for representative flows, compared with checked-in Snapshots/*.verified.cs files.
// On a difference the test writes *.received.cs beside them; set FLOWGEN_ACCEPT_SNAPSHOTS=1 to accept.
public sealed class SnapshotTests
{
    private const string Components = """
        using FlowGen;
        using System.Threading;
        using System.Threading.Tasks;
        namespace Shop;
        public sealed record Req(long Id, string Source, int Amount);
        public sealed class Page { public string? Sku { get; set; } public string? Shop { get; set; } public bool Hidden { get; set; } }
        public sealed class Risk { [ToState("blocked")] public bool Blocked { get; init; } }
        [FlowComponent("goods")]
        public sealed class Goods
        {
            [FlowTask("base"), ToResult, ToState("page")] public Page Base(Req request, CancellationToken ct) => new();
            [FlowTask("risk")] public Risk Check([FromState("page")] Page page) => new();
            [FlowTask("sku"), ToState("sku")] public Task<string> SkuAsync([FromRequest("id")] long id, CancellationToken ct) => Task.FromResult("s");
            [FlowTask("shop"), ToState("shop")] public ValueTask<string> ShopAsync(long id) => new("x");
            [FlowTask("post")] public void Post([FromState("page")] Page page, string sku, string shop) { }
            [FlowTask("hide")] public static void Hide([FromState("page")] Page page) { }
        }
        [Flow("page")]
        public sealed partial class PageFlow : IFlow<Req, Page>;
        """;

    private static string PageFlow() => Process(string.Join("\n",
        """<startEvent id="page" />""", Task("Base", "goods", "base"), Task("Risk", "goods", "risk"),
        """<exclusiveGateway id="Safe" name="Safe?" default="ToFork" />""", """<parallelGateway id="Fork" />""",
        Task("Sku", "goods", "sku"), Task("Shop", "goods", "shop"), """<parallelGateway id="Join" />""", Task("Post", "goods", "post"), Task("Hide", "goods", "hide"),
        """<inclusiveGateway id="Extras" default="NoExtra" />""", Task("Coupon", "goods", "hide"), """<inclusiveGateway id="ExtrasDone" />""",
        """<endEvent id="Shown" />""", """<endEvent id="Hidden" />""",
        Flow("f1", "page", "Base"), Flow("f2", "Base", "Risk"), Flow("f3", "Risk", "Safe"),
        Flow("ToHide", "Safe", "Hide", "sta.blocked == true"), Flow("ToFork", "Safe", "Fork"),
        Flow("f4", "Fork", "Sku"), Flow("f5", "Fork", "Shop"), Flow("f6", "Sku", "Join"), Flow("f7", "Shop", "Join"), Flow("f8", "Join", "Post"),
        Flow("f9", "Post", "Extras"), Flow("WithCoupon", "Extras", "Coupon", "req.source == 'app' &amp;&amp; req.amount &gt; 100"), Flow("NoExtra", "Extras", "ExtrasDone"),
        Flow("f10", "Coupon", "ExtrasDone"), Flow("f11", "ExtrasDone", "Shown"), Flow("f12", "Hide", "Hidden")));

    [Fact]
    public void Page_flow_with_exclusive_parallel_and_inclusive_gateways()
    {
        var source = Verify("PageFlow", "Shop.PageFlow.g.cs", PageFlow());
        Assert.DoesNotContain("Polly", source); // tasks without a policy are called directly
    }

    [Fact]
    public void Seeded_bus_result_reads_and_parameter_objects()
        => Verify("SeededFlow", "Shop.SeededFlow.g.cs", BusDataTests.SeededFlow(), "/flows/seeded.bpmn", BusDataTests.Components);

    [Fact]
    public void Registration_of_the_flows_in_an_assembly() => Verify("Registrations", "FlowGenRegistrations.g.cs", PageFlow());

    [Fact]
    public void Subprocess_with_a_scope_and_a_loop()
    {
        var body = string.Join("\n", """<startEvent id="page" />""", Task("Base", "goods", "base"),
            """<callActivity id="Stats" name="Statistics" calledElement="StatsBody"><extensionElements><c:properties><c:property name="timeout" value="500" /><c:property name="strict-mode" value="false" /></c:properties></extensionElements></callActivity>""",
            Task("Risk", "goods", "risk"), """<exclusiveGateway id="Again" name="Blocked?" default="Done" />""", """<endEvent id="End" />""",
            Flow("a", "page", "Base"), Flow("b", "Base", "Stats"), Flow("c", "Stats", "Risk"), Flow("d", "Risk", "Again"),
            Flow("Loop", "Again", "Risk", "sta.blocked == true"), Flow("Done", "Again", "End"),
            """<subProcess id="StatsBody">""", """<startEvent id="S" />""", Task("Sku", "goods", "sku"), Task("Shop", "goods", "shop"), """<endEvent id="SE1" />""", """<endEvent id="SE2" />""",
            Flow("s1", "S", "Sku"), Flow("s2", "S", "Shop"), Flow("s3", "Sku", "SE1"), Flow("s4", "Shop", "SE2"), "</subProcess>");
        var source = Verify("SubprocessLoopFlow", "Shop.PageFlow.g.cs", Process(body));
        Assert.Contains("Loop_Risk(state, again: false)", source);
        Assert.Contains("state.EnterScope(0);", source);
    }

    [Fact]
    public void Task_policies_timeout_retry_fallback_and_strict_mode()
    {
        var body = string.Join("\n", """<startEvent id="page" />""",
            Task("Base", "goods", "base", """<c:property name="timeout" value="200" /><c:property name="retry-times" value="2" /><c:property name="retry-delay" value="10" /><c:property name="retry-backoff" value="exponential" />"""),
            Task("Sku", "goods", "sku", """<c:property name="strict-mode" value="false" /><c:property name="task-demotion" value="pr:goods@shop" />"""),
            """<endEvent id="End" />""", Flow("a", "page", "Base"), Flow("b", "Base", "Sku"), Flow("c", "Sku", "End"));
        var source = Verify("PolicyFlow", "Shop.PageFlow.g.cs", Process(body));
        Assert.Contains("FlowPolicies.Create(200, 2, 10, global::FlowGen.RetryBackoff.Exponential)", source);
    }

    [Fact]
    public void Yaml_steps_flow_with_a_request_schema_a_condition_and_ignore_error()
    {
        const string yaml = """
            flow: page
            request:
              source: { type: string, required: true, enum: [app, web] }
              amount: { type: integer, min: 1, max: 1000 }
            steps:
              - { id: Base, task-component: goods, task-service: base }
              - - { id: Sku, task-component: goods, task-service: sku, ignore-error: true, timeout: 300 }
                - { id: Shop, task-component: goods, task-service: shop, when: "req.source == 'app'" }
              - { id: Post, task-component: goods, task-service: hide }
            """;
        var source = Verify("YamlStepsFlow", "Shop.PageFlow.g.cs", yaml, "/flows/page.flow.yaml");
        Assert.Contains("CheckRequest(state) is { } invalid", source);
        Assert.Contains("is not (\"app\" or \"web\")", source);
    }

    /// <summary>The same flow in BPMN, JSON and YAML compiles to the same code, apart from comments naming the file and line.</summary>
    [Fact]
    public void The_graph_forms_generate_the_same_code_as_BPMN()
    {
        static string Code(string form)
        {
            var run = GeneratorHarness.RunGenerator(Bpmn.Components, new InMemoryText(DocumentDiagnosticTests.PathOf(form), DocumentDiagnosticTests.Form(form)));
            Assert.Empty(run.Diagnostics);
            var lines = run.Source("Demo.DemoFlow.g.cs")!.Replace("\r\n", "\n").Split('\n')
                .Select(l => l.Trim())
                .Where(l => !l.StartsWith("//", StringComparison.Ordinal) && !l.StartsWith("#line", StringComparison.Ordinal) && !l.StartsWith("/// <summary>Runs flow", StringComparison.Ordinal))
                .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"f\.(bpmn|flow\.json|flow\.yaml)", "FILE"))
                .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\s*// [^""]*$", "")) // trailing comments name edges by their ids
                // So do a gateway's decision events (their targets are the same in every form).
                .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"state\.Decided\(([^,]+), (chosen switch \{[^}]*\}|new string\?\[\] \{[^}]*\}), ", "state.Decided($1, FLOWS, "));
            return string.Join("\n", lines);
        }

        var bpmn = Code("bpmn");
        Assert.Equal(bpmn, Code("json"));
        Assert.Equal(bpmn, Code("yaml"));
    }

    [Fact]
    public void Durable_flow_with_a_trigger_receives_a_condition_a_bus_write_and_timers()
    {
        const string yaml = """
            flow: campaign
            trigger: { event: viewed, when: "event.productId != ''" }
            key: req.userId
            on-failure: suspend
            actions:
              - name: Count
                task-component: shop
                task-service: count
                case:
                  - when: sta.views >= 3
                    then: call("Remind")
                  - default: call("Watch")
              - name: Watch
                type: receive
                receive:
                  - { event: viewed, to: sta.last, then: call("Count") }
                  - { event: ordered, when: event.total > 0, then: finish() }
                  - { after: 7d, then: fail("EXPIRED") }
              - name: Remind
                type: sleep
                duration: PT2H
              - name: Send
                task-component: shop
                task-service: send
            """;
        var source = Verify("DurableFlow", "Shop.CampaignFlow.g.cs", yaml, "/flows/campaign.flow.yaml", DurableComponents);
        Assert.Contains("global::FlowGen.Durable.IDurableFlow", source);
        Assert.Contains("state.Wait((int)Node.Watch, due, dueArm);", source);
    }

    private const string DurableComponents = """
        using FlowGen;
        namespace Shop;
        [FlowEvent("viewed")] public sealed record Viewed(string UserId, string ProductId);
        [FlowEvent("ordered")] public sealed record Ordered(string UserId, decimal Total);
        public sealed record Done(string Text);
        [FlowComponent("shop")]
        public sealed class Campaign
        {
            [FlowTask("count"), ToState("views")] public int Count([FromState("views")] int? views) => (views ?? 0) + 1;
            [FlowTask("send")] public void Send(Viewed request, [FromState("last")] Viewed? last) { }
        }
        [Flow("campaign")]
        public sealed partial class CampaignFlow : IFlow<Viewed, Done>;
        """;

    private static string Verify(string name, string hintName, string bpmn, string path = "/flows/page.bpmn", string components = Components)
    {
        var run = GeneratorHarness.RunGenerator(components, new InMemoryText(path, bpmn));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        var actual = run.Source(hintName)!.Replace("\r\n", "\n");
        var folder = Path.Combine(GeneratorHarness.RepositoryRoot(), "tests", "FlowGen.Generators.Tests", "Snapshots");
        var verified = Path.Combine(folder, name + ".verified.cs");
        var received = Path.Combine(folder, name + ".received.cs");
        if (File.Exists(verified) && File.ReadAllText(verified).Replace("\r\n", "\n") == actual)
        {
            File.Delete(received);
            return actual;
        }
        if (Environment.GetEnvironmentVariable("FLOWGEN_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verified, actual);
            return actual;
        }
        File.WriteAllText(received, actual);
        Assert.Fail($"The generated code differs from {verified}; see {received} (set FLOWGEN_ACCEPT_SNAPSHOTS=1 to accept).");
        return actual;
    }
}
