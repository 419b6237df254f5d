using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// Components and events of a referenced assembly (a services library, an event contracts package) bind like the
// project's own: only public ones, since generated code in another assembly calls them.
public sealed class ReferencedAssemblyTests
{
    private const string Library = """
        using FlowGen;
        namespace Shop.Services;
        [FlowEvent("paid")] public sealed record Paid(string OrderId, decimal Amount);
        public sealed record Receipt(string Text);
        [FlowComponent("billing")]
        public class Billing
        {
            [FlowTask("receipt"), ToState("receipt")] public Receipt Make(Paid request) => new("paid " + request.OrderId);
            [FlowTask("audit")] protected void Audit(Paid request) { }
            [FlowTask("archive")] internal void Archive(Paid request) { }
        }
        [FlowComponent("hidden")] internal sealed class Hidden { [FlowTask("x")] public void X() { } }
        [FlowEvent("secret")] internal sealed record Secret(string OrderId);
        public static class Outer
        {
            [FlowComponent("nested")] public sealed class Nested { [FlowTask("note"), ToState("note")] public string Note(Paid request) => request.OrderId; }
        }
        """;

    private const string App = """
        using FlowGen;
        using Shop.Services;
        namespace App;
        public sealed record Done(string Text);
        [Flow("billing-flow")] public sealed partial class BillingFlow : IFlow<Paid, Done>;
        """;

    private static readonly Lazy<MetadataReference> s_library = new(() =>
    {
        var compilation = GeneratorHarness.Compilation(Library).WithAssemblyName("Shop.Services");
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    });

    private static CSharpCompilation AppCompilation(string app = App) => GeneratorHarness.Compilation(app).AddReferences(s_library.Value);

    private static string Flow(string component = "billing", string service = "receipt", string waitEvent = "paid") => $$"""
        flow: billing-flow
        trigger: { event: paid }
        key: req.orderId
        actions:
          - name: Bill
            task-component: {{component}}
            task-service: {{service}}
          - name: Wait
            type: receive
            receive:
              - { event: {{waitEvent}}, when: event.amount > 0, then: call("Bill") }
              - { after: 1d, then: finish() }
        """;

    private static GeneratorHarness.Run Run(string flow, string app = App)
        => GeneratorHarness.RunGenerator(AppCompilation(app), GeneratorHarness.Driver(new InMemoryText("/f/billing.flow.yaml", flow)));

    [Fact]
    public void A_public_component_and_event_of_a_reference_bind_and_the_generated_code_compiles()
    {
        var run = Run(Flow());
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        var source = run.Source("App.BillingFlow.g.cs")!;
        Assert.Contains("global::Shop.Services.Billing billing", source);
        Assert.Contains("[\"paid\"] = typeof(global::Shop.Services.Paid)", source);
    }

    [Fact]
    public void A_component_nested_in_a_public_type_of_a_reference_binds()
    {
        var run = Run(Flow(component: "nested", service: "note"));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        Assert.Contains("global::Shop.Services.Outer.Nested", run.Source("App.BillingFlow.g.cs"));
    }

    [Fact]
    public void A_component_the_reference_does_not_make_public_is_unknown_FG0301()
    {
        var run = Run(Flow(component: "hidden", service: "x"));
        var d = Assert.Single(run.WithId("FG0301"));
        Assert.Contains("'hidden'", d.GetMessage());
        Assert.Contains("billing", d.GetMessage()); // the known components include the reference's public ones
    }

    [Fact]
    public void A_protected_task_method_of_a_reference_is_FG0305_naming_the_assembly()
    {
        var run = Run(Flow(service: "audit"));
        var d = Assert.Single(run.WithId("FG0305"));
        Assert.Contains("Billing.Audit", d.GetMessage());
        Assert.Contains("not public", d.GetMessage());
        Assert.Contains("Shop.Services", d.GetMessage());
    }

    [Fact]
    public void An_internal_task_method_of_a_reference_is_not_seen_FG0302()
    {
        // The compiler does not import a reference's internal members at all.
        var run = Run(Flow(service: "archive"));
        var d = Assert.Single(run.WithId("FG0302"));
        Assert.Contains("'archive'", d.GetMessage());
    }

    [Fact]
    public void An_event_the_reference_does_not_make_public_is_unknown_FG0309()
    {
        var run = Run(Flow(waitEvent: "secret"));
        var d = Assert.Single(run.WithId("FG0309"));
        Assert.Contains("'secret'", d.GetMessage());
    }

    [Fact]
    public void The_projects_own_component_wins_over_a_references_component_of_the_same_name()
    {
        var run = Run(Flow(), App + """

            [FlowComponent("billing")]
            public sealed class LocalBilling
            {
                [FlowTask("receipt"), ToState("receipt")] public Receipt Make(Paid request) => new("local " + request.OrderId);
            }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompileErrors);
        var source = run.Source("App.BillingFlow.g.cs")!;
        Assert.Contains("global::App.LocalBilling", source);
        Assert.DoesNotContain("global::Shop.Services.Billing ", source);
    }

    [Fact]
    public void Editing_unrelated_CSharp_reads_no_reference_again_and_leaves_every_step_cached()
    {
        var compilation = AppCompilation();
        var driver = GeneratorHarness.Driver(new InMemoryText("/f/billing.flow.yaml", Flow())).RunGenerators(compilation);
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App { public sealed class Unrelated { public int X => 1; } }", new CSharpParseOptions(LanguageVersion.Latest)));

        driver = driver.RunGenerators(edited);

        var result = driver.GetRunResult().Results.Single();
        Assert.True(result.TrackedSteps.ContainsKey(TrackingNames.ReferencedTypes));
        var steps = typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!);
        var reasons = steps.Where(result.TrackedSteps.ContainsKey).SelectMany(s => result.TrackedSteps[s].SelectMany(r => r.Outputs).Select(o => (Step: s, o.Reason))).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(r.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{r.Step}: {r.Reason}"));
    }
}
