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
