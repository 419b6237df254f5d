using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// Playwell workflows (*.playwell.yml, docs/dialects/playwell.md): what cannot be read is reported at its line and column.
public sealed class PlaywellDialectTests
{
    private const string Components = """
        using FlowGen;
        namespace Shop;
        [FlowEvent("user_behavior")] public sealed record UserBehavior(string UserId, string Behavior, decimal Amount);
        [FlowComponent("notes")] public sealed class Notes { [FlowTask("note")] public void Note(string text) { } }
        [Flow("w")] public sealed partial class W : IFlow<UserBehavior, string>;
        """;

    private static string Workflow(string condition, string actions) => $$"""
        activity:
          name: w
          domain_id_strategy: user_id
          trigger:
            type: event
            args:
              condition: {{condition}}
          actions:
        {{actions}}
        """;

    private static GeneratorHarness.Run Run(string text) => GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/w.playwell.yml", text));

    [Fact]
    public void A_function_flowgen_does_not_translate_is_FG0014_at_its_column()
    {
        var text = Workflow("eventTypeIs(\"user_behavior\") AND regexMatch(eventAttr(\"behavior\"), \"a.*\")", "    - { name: n, type: note, args: { text: str(\"x\") }, ctrl: finish() }");

        var d = Run(text).Single("FG0014");

        Assert.Equal(GeneratorHarness.Find(text, "regexMatch"), GeneratorHarness.Position(d));
        Assert.Contains("the function 'regexMatch(...)'", d.GetMessage());
    }

    [Fact]
    public void The_built_in_functions_of_playwells_manual_are_translated_and_type_checked()
    {
        var text = Workflow(
            "eventTypeIs(\"user_behavior\") AND containsAttr(\"amount\") AND isAttrNotEmpty(\"behavior\") AND all(eventAttr(\"amount\") > 1, math.max(eventAttr(\"amount\"), 2) < 1000) AND any(isNotEmpty(eventAttr(\"behavior\")), eventAttr(\"amount\", 0) == 5)",
            "    - { name: n, type: note, args: { text: 'str(\"%s paid %s\", var(\"who\"), toStr(math.abs(var(\"paid\"))))' }, ctrl: finish() }");

        text = text.Replace("  actions:", "    context_vars:\n      who: eventAttr(\"user_id\")\n      paid: eventAttr(\"amount\")\n  actions:");
        var run = Run(text);

        Assert.Empty(run.Diagnostics.Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));
        Assert.Empty(run.CompileErrors);
        var code = run.Source("Shop.W.g.cs")!;
        Assert.True(code.Contains("FlowFunctions.Max<decimal>(", StringComparison.Ordinal) && code.Contains("NotEmpty(", StringComparison.Ordinal) && code.Contains("String.Format(", StringComparison.Ordinal), code);
    }

    [Fact]
    public void A_function_whose_value_changes_from_run_to_run_is_FG0014_saying_so()
    {
        var text = Workflow("eventTypeIs(\"user_behavior\") AND randomBoolean(0.5)", "    - { name: n, type: note, args: { text: str(\"x\") }, ctrl: finish() }");

        Assert.Contains("whose value changes from run to run", Run(text).Single("FG0014").GetMessage());
    }

    [Fact]
    public void A_trigger_without_an_event_type_and_an_action_type_not_read_yet_are_FG0006()
    {
        Assert.Contains("names 0 event types", Run(Workflow("eventAttr(\"behavior\") == \"x\"", "    - { name: n, type: note, ctrl: finish() }")).Single("FG0006").GetMessage());

        var foreachRun = Run(Workflow("eventTypeIs(\"user_behavior\")", "    - { name: n, type: concurrent, args: [] }"));
        Assert.Contains(foreachRun.WithId("FG0006"), d => d.GetMessage().Contains("which FlowGen does not read yet"));
    }

    [Fact]
    public void A_call_of_an_action_that_does_not_exist_is_FG0103()
    {
        var run = Run(Workflow("eventTypeIs(\"user_behavior\")", "    - { name: n, type: note, args: { text: str(\"x\") }, ctrl: call(\"nowhere\") }"));

        Assert.Contains("nowhere", run.Single("FG0103").GetMessage());
    }
}
