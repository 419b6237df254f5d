using System.Reflection;
using System.Text;
using FlowGen.Generators.Expressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace FlowGen.Generators.Tests.Expressions;

/// <summary>
/// Proves the emitted C# is valid: every condition from <see cref="ExpressionCompilerTests.Emitted"/> and the Kstry
/// corpus becomes a method <c>bool Check(State state) =&gt; &lt;emitted&gt;;</c> over real types, compiled with the
/// FlowGen runtime and nullable warnings on (no error and no warning allowed), then run.
/// </summary>
public class EmittedCodeCompilesTests
{
    private static readonly Lazy<(IReadOnlyList<string> Conditions, Assembly Assembly)> Compiled = new(CompileAll);

    /// <summary>More conditions whose exact code is not pinned elsewhere.</summary>
    private static readonly string[] Extra =
    {
        // The orchestration platform's operators (=, in, not in, like, not like, is [not] null, between).
        "req.count = 0",
        "req.count in (0, 1, 2)",
        "req.count not in (1, 2)",
        "req.count between -1 and 1",
        "req.count between 1 and 5",
        "req.source is null",
        "req.source is not null",
        "req.source like 'ap%'",
        "req.source not like '_pp'",
        "req.source in ('app', 'web') and req.count between 0 and 10",
        "req.count between 0 and 10 exclusive",
        "req.count between 0 exclusive and 10",
        "req.count between -1 exclusive and 0 inclusive",
        "req.source is empty",
        "req.source is not empty and var.cc is not empty",
        "@upper(req.source) == 'APP' && @startsWith(@trim(req.source), 'a') && !@endsWith(req.source, 'x')",
        "@abs(req.count - 3) == 3 && @round(var.price) >= 0 && @round(req.ratio) > 0",
        "@abs(req.maybeCount) > 2",
        "@sum(var.cc) == 6 && @first(var.cc) == 1 && @count(var.cc) == 3 && @concat(req.source, null) == 'app'",
        "@first(var.cc) == null && @sum(var.cc) == 0",
        "(req.maybeCount > 2 ? req.maybeCount : null) == 3 && req.source == (req.count > 0 ? 'web' : 'app')",
        "req.kind == 'app'",
        "@isEmpty(var.ccc)",
        "req.count >= 0 && req.source == null",
        "@contains(req.source, 'a') || @contains(var.c, 'x')",
        "@max(var.price, 2) > 1.5",
        "@min(var.ratio, 1) < 0.5",
        "req.count * -1 > 0",
        "var.num - -1 > 0",
        "@validId(var.big)",
        "@validId(var.maybe) || @validId(var.price) || @validId(req.count)",
        "@notEmpty(var.scores) && @isEmpty(var.scores)",
        "@notNull(var.goods.title)",
        "@size(var.kinds) > 1 && @contains(var.kinds, req.kind)",
        "@equals(req.maybeKind, 'web')",
        "@equals(req.grade, 'x') && @notEquals(var.price, 1.5)",
        "@equals(var.big, 1) && var.big > 1",
        "req.price % 2 == 0",
        "req.ratio / 0 > 1",
        "@toInt(req.source, 0) == 0 && @toInt(var.ratio, 0) == 0 && @toInt(req.maybeCount, 0) == 0",
        "@max(req.maybeCount, var.maybe) == null",
        "@min(var.price, req.count) > 0",
        "req.inner.child.child.level + req.main.level >= req.count",
        "@contains(req.source, req.grade)",
        "@size(req.tags) + @size(var.c) * 2 > @toInt(var.a, 0) % 3",
    };

    private static IEnumerable<string> Conditions() =>
        ((IEnumerable<object[]>)ExpressionCompilerTests.Emitted).Select(row => (string)row[0])
            .Concat(Extra)
            .Concat(((IEnumerable<object[]>)ExpressionParserTests.CorpusConditions).Select(row => (string)row[0]).Where(c => !c.Contains("r:", StringComparison.Ordinal)))
            .Distinct();

    private static (IReadOnlyList<string>, Assembly) CompileAll()
    {
        var conditions = Conditions().ToList();
        var source = new StringBuilder();
        source.AppendLine("#nullable enable");
        source.AppendLine("namespace Checks");
        source.AppendLine("{");
        source.AppendLine("    public static class Conditions");
        source.AppendLine("    {");
        for (var i = 0; i < conditions.Count; i++)
        {
            var compiled = ExpressionCompilerTests.Compile(conditions[i]);
            Assert.True(compiled.Errors.IsEmpty, conditions[i] + ": " + string.Join("; ", compiled.Errors.Select(e => e.Message)));
            source.AppendLine($"        // {FlowGen.Generators.Emit.CSharpText.Comment(conditions[i])}");
            source.AppendLine($"        public static bool Check{i}(global::Demo.State state) => {compiled.Code};");
        }
        source.AppendLine("    }");
        source.AppendLine("}");
        var text = source.ToString();

        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => p.Length > 0)
            .Select(p => MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(FlowGen.FlowFunctions).Assembly.Location))
            .ToList();
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "EmittedConditions",
            new[] { CSharpSyntaxTree.ParseText(TestBus.DemoTypesSource, parse), CSharpSyntaxTree.ParseText(text, parse) },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (problems.Count > 0)
        {
            var lines = text.Split('\n');
            var report = string.Join("\n", problems.Select(d =>
            {
                var line = d.Location.GetLineSpan().StartLinePosition.Line;
                var where = d.Location.SourceTree?.FilePath == "" && line < lines.Length ? lines[line].Trim() : "";
                return $"{d.Id} {d.GetMessage()} in: {where}";
            }));
            Assert.Fail(report);
        }
        Assert.True(result.Success);
        return (conditions, Assembly.Load(stream.ToArray()));
    }

    [Fact]
    public void Every_emitted_condition_compiles_without_warnings()
    {
        var (conditions, assembly) = Compiled.Value;
        Assert.True(conditions.Count > 100, $"only {conditions.Count} conditions");
        Assert.NotNull(assembly.GetType("Checks.Conditions"));
    }

    [Fact]
    public void Emitted_conditions_run_on_null_and_filled_state_without_throwing()
    {
        var (conditions, assembly) = Compiled.Value;
        var type = assembly.GetType("Checks.Conditions")!;
        var nulls = New(assembly, "Demo.State");
        var filled = New(assembly, "Demo.State");
        Set(filled, "Result", New(assembly, "Demo.Res"));
        Set(filled, "AskWeek", New(assembly, "Demo.Answer"));
        Set(filled, "Goods", New(assembly, "Demo.Goods"));
        Set(filled, "Cc", new List<int> { 1, 2, 3 });
        Set(filled, "Maybe", 2);
        Set(filled, "A", "12");
        var request = filled.GetType().GetProperty("Request")!.GetValue(filled)!;
        var inner = New(assembly, "Demo.Nested");
        Set(inner, "Child", New(assembly, "Demo.Nested"));
        Set(request, "Inner", inner);
        Set(request, "Tags", new List<int> { 5 });
        Set(request, "Source", "app");
        Set(request, "MaybeCount", 3);

        for (var i = 0; i < conditions.Count; i++)
        {
            var method = type.GetMethod("Check" + i)!;
            foreach (var state in new[] { nulls, filled })
            {
                try
                {
                    method.Invoke(null, new[] { state });
                }
                catch (TargetInvocationException e)
                {
                    Assert.Fail($"{conditions[i]} threw {e.InnerException}");
                }
            }
        }

        // A few answers on the filled state.
        Assert.True(Run("@size(var.cc) == 3 && @notEmpty(var.c) && @notEmpty(var.cc) && @isEmpty(var.ccc)", filled) is false); // var.c is empty
        Assert.True(Run("@contains (var.cc, 2) && @contains(var.c, \"\") ", filled) is false);
        Assert.True(Run("@toInt(var.a, -1) == -1", filled) is false); // "12" parses
        Assert.True(Run("@equals(var.num, var.maybe)", filled) is false);
        Assert.True(Run("req.source=='app'", filled) is true);
        Assert.True(Run("req.inner.child.name == 'x'", filled) is false);
        Assert.True(Run("res.needEvaluate", filled) is false);
        Assert.True(Run("@max(req.maybeCount, 1) > 3", filled) is false);
        Assert.True(Run("req.source like 'ap%'", filled) is true);
        Assert.True(Run("req.source not like '_pp'", filled) is false);
        Assert.True(Run("req.source is not null", filled) is true);
        Assert.True(Run("req.source is null", nulls) is true);
        Assert.True(Run("req.source like 'ap%'", nulls) is false);   // null matches no pattern
        Assert.True(Run("req.source in ('app', 'web') and req.count between 0 and 10", filled) is true);
        // Half-open bounds: req.count is 0.
        Assert.True(Run("req.count between 0 and 10 exclusive", filled) is true);
        Assert.True(Run("req.count between 0 exclusive and 10", filled) is false);
        Assert.True(Run("req.count between -1 exclusive and 0 inclusive", filled) is true);
        // String functions keep null as null (no match); @abs and @round in the number's own type.
        Assert.True(Run("@upper(req.source) == 'APP' && @startsWith(@trim(req.source), 'a') && !@endsWith(req.source, 'x')", filled) is true);
        Assert.True(Run("@upper(req.source) == 'APP' && @startsWith(@trim(req.source), 'a') && !@endsWith(req.source, 'x')", nulls) is false);
        Assert.True(Run("@abs(req.maybeCount) > 2", filled) is true);   // 3
        Assert.True(Run("@abs(req.maybeCount) > 2", nulls) is false);   // null
        // Collections: var.cc is [1, 2, 3] when filled, null otherwise.
        Assert.True(Run("@sum(var.cc) == 6 && @first(var.cc) == 1 && @count(var.cc) == 3 && @concat(req.source, null) == 'app'", filled) is true);
        Assert.True(Run("@first(var.cc) == null && @sum(var.cc) == 0", nulls) is true);
        // c ? a : b: req.maybeCount is 3 when filled, null otherwise; req.count is 0.
        Assert.True(Run("(req.maybeCount > 2 ? req.maybeCount : null) == 3 && req.source == (req.count > 0 ? 'web' : 'app')", filled) is true);
        Assert.True(Run("(req.maybeCount > 2 ? req.maybeCount : null) == 3 && req.source == (req.count > 0 ? 'web' : 'app')", nulls) is false);
        // is [not] empty: null counts as empty.
        Assert.True(Run("req.source is empty", nulls) is true);
        Assert.True(Run("req.source is empty", filled) is false);
        Assert.True(Run("req.source is not empty and var.cc is not empty", filled) is true);
        Assert.True(Run("req.source is not empty and var.cc is not empty", nulls) is false);

        bool Run(string condition, object state) =>
            (bool)type.GetMethod("Check" + conditions.ToList().IndexOf(condition))!.Invoke(null, new[] { state })!;
    }

    private static object New(Assembly assembly, string type) => Activator.CreateInstance(assembly.GetType(type)!)!;

    private static void Set(object target, string property, object? value) => target.GetType().GetProperty(property)!.SetValue(target, value);

    [Theory]
    [InlineData("req.count > 20", false)]
    [InlineData("req.count >= 0 && req.source == null", true)]
    [InlineData("res.img == null", true)]
    [InlineData("res.needEvaluate", false)]
    [InlineData("!res.needEvaluate", true)]
    [InlineData("var.askWeek.data != 6 && var.askWeek.data != 7", true)]
    [InlineData("var.askWeek.data == 6 || var.askWeek.data == 7", false)]
    [InlineData("req.inner.level > 1", false)]
    [InlineData("req.kind == 'app'", true)]
    [InlineData("@size(var.cc) == 3 && @notEmpty(var.c) && @notEmpty(var.cc) && @isEmpty(var.ccc)", false)]
    [InlineData("@isEmpty(var.ccc)", true)]
    [InlineData("@toInt(var.a, -1) == -1", true)]
    [InlineData("@validId(var.b) && @validId(var.bb) ", false)]
    [InlineData("O1: (@equals(var.a, var.a)) && (@notEquals(var.a, var.b) && @notNull(var.c))", false)]
    [InlineData("@equals(var.num, var.maybe)", false)]
    [InlineData("@min(req.count, 10) < 3", true)]
    public void Emitted_conditions_evaluate_like_the_flow_means(string condition, bool expected)
    {
        var (conditions, assembly) = Compiled.Value;
        var index = conditions.ToList().IndexOf(condition);
        Assert.True(index >= 0, condition + " is not in the compiled set");
        var state = Activator.CreateInstance(assembly.GetType("Demo.State")!)!;
        var actual = (bool)assembly.GetType("Checks.Conditions")!.GetMethod("Check" + index)!.Invoke(null, new[] { state })!;
        Assert.Equal(expected, actual);
    }
}
