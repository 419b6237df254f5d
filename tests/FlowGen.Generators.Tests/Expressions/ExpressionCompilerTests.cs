using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;
using Xunit;

namespace FlowGen.Generators.Tests.Expressions;

public class ExpressionCompilerTests
{
    private const string F = "global::FlowGen.FlowFunctions";

    internal static CompiledExpression Compile(string text)
    {
        var parsed = ExpressionParser.Parse(text);
        Assert.True(parsed.Errors.IsEmpty, string.Join("; ", parsed.Errors.Select(e => e.Message)));
        return ExpressionCompiler.CompileCondition(parsed.Root!, TestBus.Instance);
    }

    private static string Emit(string text)
    {
        var compiled = Compile(text);
        Assert.True(compiled.Errors.IsEmpty, string.Join("; ", compiled.Errors.Select(e => $"{e.Id}@{e.Start}+{e.Length}: {e.Message}")));
        Assert.Equal("bool", compiled.Type);
        return compiled.Code!;
    }

    /// <summary>Conditions and the exact C# they compile to; <see cref="EmittedCodeCompilesTests"/> compiles each one.</summary>
    public static readonly TheoryData<string, string> Emitted = new()
    {
        // paths, case-insensitive member lookup, ?. on receivers that may be null
        { "req.count > 20", "state.Request.Count > 20" },
        { "req.Count >= 1", "state.Request.Count >= 1" },
        { "req.a>0", "state.Request.a > 0" },
        { "sta.num > 5", "state.Num > 5" },
        { "var.num<=5", "state.Num <= 5" },
        { "res.img != null", "state.Result?.Img != null" },
        { "res.img == null", "state.Result?.Img == null" },
        { "res.needEvaluate==true", "state.Result?.NeedEvaluate == true" },
        { "res.needEvaluate", "state.Result?.NeedEvaluate == true" },
        { "!res.needEvaluate", "!(state.Result?.NeedEvaluate == true)" },
        { "var.askHungry.data", "state.AskHungry.Data" },
        { "!var.askHungry.data", "!state.AskHungry.Data" },
        { "var.askWeek.data != 6 && var.askWeek.data != 7", "state.AskWeek?.Data != 6 && state.AskWeek?.Data != 7" },
        { "var.askWeek.data == 6 || var.askWeek.data == 7", "state.AskWeek?.Data == 6 || state.AskWeek?.Data == 7" },
        { "req.inner.level > 1", "state.Request.Inner?.Level > 1" },
        { "req.inner.child.name == 'x'", "state.Request.Inner?.Child?.Name == \"x\"" },
        { "req.main.child.flag", "state.Request.Main.Child?.Flag == true" },
        { "req.main.level < 3", "state.Request.Main.Level < 3" },
        { "req.maybeCount < 20", "state.Request.MaybeCount < 20" },
        { "req.maybeCount == null", "state.Request.MaybeCount == null" },
        { "req.flag", "state.Request.Flag == true" },
        { "req.flag && req.active || !req.flag", "state.Request.Flag == true && state.Request.Active || !(state.Request.Flag == true)" },
        { "req.active and not (req.count > 1 or req.count < -1)", "state.Request.Active && !(state.Request.Count > 1 || state.Request.Count < -1)" },
        { "var.goods.id > 0", "state.Goods?.id > 0" },
        { "var.goods.Id > 0", "state.Goods?.Id > 0" },
        { "var.goods.title == 'x'", "state.Goods?.Title == \"x\"" },

        // literals: strings escaped for C#, numbers invariant, decimal literals get m
        { "req.source=='app'", "state.Request.Source == \"app\"" },
        { "req.source!='app'", "state.Request.Source != \"app\"" },
        { "req.source == \"a\\\"b\\\\c\\n\"", "state.Request.Source == \"a\\\"b\\\\c\\n\"" },
        { "req.source == 'caf\u00e9'", "state.Request.Source == \"caf\u00e9\"" }, // printable non-ASCII stays readable
        { "req.source == 'a\u2028b\u202Ec'", "state.Request.Source == \"a\\u2028b\\u202ec\"" }, // line and paragraph separators, bidi controls escaped
        { "req.name != null", "state.Request.Name != null" },
        { "req.price > 1.5", "state.Request.Price > 1.5m" },
        { "req.price > -1.5", "state.Request.Price > -1.5m" },
        { "req.price > 1", "state.Request.Price > 1" },
        { "req.ratio > 1.5", "state.Request.Ratio > 1.5" },
        { "req.id == 3000000000", "state.Request.Id == 3000000000L" },
        { "req.count == -2147483648", "state.Request.Count == -2147483648L" },
        { "req.id > 0", "state.Request.Id > 0" },
        { "true", "true" },
        { "false", "false" },
        { "true != false", "true != false" },

        // enums, chars
        { "req.kind == 'web'", "state.Request.Kind == global::Demo.Kind.Web" },
        { "'WAIT_PAY' != req.kind", "global::Demo.Kind.WaitPay != state.Request.Kind" },
        { "req.maybeKind == 'App'", "state.Request.MaybeKind == global::Demo.Kind.App" },
        { "req.maybeKind == null", "state.Request.MaybeKind == null" },
        { "req.kind == req.maybeKind", "state.Request.Kind == state.Request.MaybeKind" },
        { "req.grade == 'A'", "state.Request.Grade == 'A'" },
        { "req.grade >= req.grade", "state.Request.Grade >= state.Request.Grade" },

        // arithmetic and precedence
        { "req.count + 1 > req.id * 2", "state.Request.Count + 1 > state.Request.Id * 2" },
        // between with an end left out (exclusive) or kept (inclusive, the default); is [not] empty
        { "req.count between 1 and 5 exclusive", "state.Request.Count >= 1 && state.Request.Count < 5" },
        { "req.count between 1 exclusive and 5 inclusive", "state.Request.Count > 1 && state.Request.Count <= 5" },
        { "var.cc is empty", F + ".IsEmpty(state.Cc)" },
        // string and number functions
        { "@upper(req.source) == 'APP'", F + ".Upper(state.Request.Source) == \"APP\"" },
        { "@trim(@lower(req.source)) != 'x'", F + ".Trim(" + F + ".Lower(state.Request.Source)) != \"x\"" },
        { "@startsWith(req.source, 'ap') && @endsWith(req.source, 'p')", F + ".StartsWith(state.Request.Source, \"ap\") && " + F + ".EndsWith(state.Request.Source, \"p\")" },
        { "@len(var.cc) == 3", F + ".Size(state.Cc) == 3" },
        { "@abs(req.count) > 1", F + ".Abs(state.Request.Count) > 1" },
        { "@round(req.price) >= 2", F + ".Round(state.Request.Price) >= 2" },
        { "@round(req.count) == 0", "state.Request.Count == 0" },
        { "@concat(req.source, '!') == 'app!'", F + ".Concat(state.Request.Source, \"!\") == \"app!\"" },
        { "@sum(var.cc) == 6 && @count(var.cc) == 3", F + ".Sum(state.Cc) == 6 && " + F + ".Size(state.Cc) == 3" },
        { "@first(var.cc) == 1", F + ".FirstValue(state.Cc) == 1" },
        // c ? a : b
        { "(req.count > 1 ? req.count : 0) >= 1", "(state.Request.Count > 1 ? state.Request.Count : 0) >= 1" },
        { "req.source == (req.active ? 'app' : 'web')", "state.Request.Source == (state.Request.Active ? \"app\" : \"web\")" },
        { "req.active ? req.count > 1 : req.count > 10", "state.Request.Active ? state.Request.Count > 1 : state.Request.Count > 10" },
        { "(req.active ? req.id : req.count) > 2", "(state.Request.Active ? state.Request.Id : (long)state.Request.Count) > 2" },
        { "(req.active ? req.maybeCount : 0) > 2", "(state.Request.Active ? state.Request.MaybeCount : (int?)0) > 2" },
        { "var.cc is not empty", F + ".NotEmpty(state.Cc)" },
        { "(req.count + 1) * 2 > 3", "(state.Request.Count + 1) * 2 > 3" },
        { "req.count - (1 - 2) > 0", "state.Request.Count - (1 - 2) > 0" },
        { "req.count % 2 == 0", "state.Request.Count % 2 == 0" },
        { "req.count / 2.0 > 1", "state.Request.Count / 2.0 > 1" },
        { "-req.count < -1", "-state.Request.Count < -1" },
        { "- -req.count < 1", "-(-state.Request.Count) < 1" },
        { "req.maybeCount + 1 > 2", "state.Request.MaybeCount + 1 > 2" },
        { "req.price * 2 > req.count", "state.Request.Price * 2 > state.Request.Count" },
        { "(req.count > 1) == (req.id < 2)", "state.Request.Count > 1 == state.Request.Id < 2" },
        { "(req.active || req.flag) && true", "(state.Request.Active || state.Request.Flag == true) && true" },

        { "format('{0}-{1:0.00}', req.source, req.price) == 'a-1.00' && any(var.scores)", "global::System.String.Format(global::System.Globalization.CultureInfo.InvariantCulture, \"{0}-{1:0.00}\", (object?)state.Request.Source, (object?)state.Request.Price) == \"a-1.00\" && " + F + ".NotEmpty(state.Scores)" },
        { "env('FLOWGEN_NOT_SET') == null", "global::System.Environment.GetEnvironmentVariable(\"FLOWGEN_NOT_SET\") == null" },
        // dates and durations: now() from the run's clock, a duration literal is a TimeSpan
        { "now() - 90m < now() && 2d > 36h", "state.Clock.GetUtcNow() - global::System.TimeSpan.FromMinutes(90) < state.Clock.GetUtcNow() && global::System.TimeSpan.FromDays(2) > global::System.TimeSpan.FromHours(36)" },
        { "str(now() + 500ms) != '' && 30s + 1s == 31s", F + ".Str(state.Clock.GetUtcNow() + global::System.TimeSpan.FromMilliseconds(500)) != \"\" && global::System.TimeSpan.FromSeconds(30) + global::System.TimeSpan.FromSeconds(1) == global::System.TimeSpan.FromSeconds(31)" },

        // list items by index (null when there is none), text joined with '+' into one String.Concat, str()
        { "req.tags[0] > 4", F + ".ItemValue(state.Request.Tags, 0) > 4" },
        { "req.source + '-' + req.count + (req.active ? '!' : '') == 'a-1'", "global::System.String.Concat(state.Request.Source, \"-\", " + F + ".Str(state.Request.Count), (state.Request.Active ? \"!\" : \"\")) == \"a-1\"" },
        { "str(req.count) == '5' && str(req.kind) != 'App'", F + ".Str(state.Request.Count) == \"5\" && " + F + ".Str(state.Request.Kind) != \"App\"" },

        // functions
        { "@notBlank(var.a)", F + ".NotBlank(state.A)" },
        { "@notBlank(var.a) &&@blank(var.aa)", F + ".NotBlank(state.A) && " + F + ".IsBlank(state.Aa)" },
        { "isBlank(req.name)", F + ".IsBlank(state.Request.Name)" },
        { "@contains (var.cc, 2) && @contains(var.c, \"\") ", F + ".Contains(state.Cc, 2) && " + F + ".Contains(state.C, \"\")" },
        { "@contains(req.source, 'ap')", F + ".Contains(state.Request.Source, \"ap\")" },
        { "@contains(req.inner.name, 'ap')", F + ".Contains(state.Request.Inner?.Name, \"ap\")" },
        { "@contains(req.tags, req.count)", F + ".Contains(state.Request.Tags, state.Request.Count)" },
        { "@contains(var.scores, 2)", F + ".Contains(state.Scores, 2)" },
        { "@contains(var.scores, req.count)", F + ".Contains(state.Scores, state.Request.Count)" },
        { "@contains(var.kinds, 'web')", F + ".Contains(state.Kinds, global::Demo.Kind.Web)" },
        { "@contains(var.prices, 1.5)", F + ".Contains(state.Prices, 1.5m)" },
        { "@size(var.cc) == 3 && @notEmpty(var.c) && @notEmpty(var.cc) && @isEmpty(var.ccc)",
            F + ".Size(state.Cc) == 3 && " + F + ".NotEmpty(state.C) && " + F + ".NotEmpty(state.Cc) && " + F + ".IsEmpty(state.Ccc)" },
        { "@size(req.source) > 2", F + ".Size(state.Request.Source) > 2" },
        { "@notEmpty(req.source)", F + ".NotEmpty(state.Request.Source)" },
        { "@size(var.scores) > 0", F + ".Size(state.Scores) > 0" },
        { "@toInt(var.a, -1) == -1", F + ".ToInt(state.A, -1) == -1" },
        { "@toInt(var.price, 0) > 1", F + ".ToInt(state.Price, 0) > 1" },
        { "@toInt(var.big, 0) > 1", F + ".ToInt((decimal?)state.Big, 0) > 1" },
        { "@toInt(req.maybeCount, req.count) > 1", F + ".ToInt(state.Request.MaybeCount, state.Request.Count) > 1" },
        { "@validId(var.b) && @validId(var.bb) ", F + ".ValidId(state.B) && " + F + ".ValidId(state.Bb)" },
        { "@validId(req.ratio)", F + ".ValidId(state.Request.Ratio)" },
        { "O1: (@equals(var.a, var.a)) && (@notEquals(var.a, var.b) && @notNull(var.c))",
            // && is associative: a && (b && c) is written a && b && c, which evaluates and short-circuits the same way.
            F + ".AreEqual(state.A, state.A) && " + F + ".AreNotEqual(state.A, state.B) && " + F + ".NotNull(state.C)" },
        { "@equals(var.num, var.maybe)", F + ".AreEqual<int?>(state.Num, state.Maybe)" },
        { "@equals(req.count, req.id)", F + ".AreEqual<long>(state.Request.Count, state.Request.Id)" },
        { "@equals(req.kind, 'web')", F + ".AreEqual(state.Request.Kind, global::Demo.Kind.Web)" },
        { "@equals(req.source, null)", F + ".AreEqual(state.Request.Source, null)" },
        { "@equals(req.count > 1, true)", F + ".AreEqual((state.Request.Count > 1), true)" },
        { "@notNull(req.inner) && @isNull(res)", F + ".NotNull(state.Request.Inner) && " + F + ".IsNull(state.Result)" },
        { "@notNull(req.maybeCount)", F + ".NotNull(state.Request.MaybeCount)" },
        { "@max(req.count, req.id) > 3", F + ".Max<long>(state.Request.Count, state.Request.Id) > 3" },
        { "@min(req.count, 10) < 3", F + ".Min(state.Request.Count, 10) < 3" },
        { "@max(req.maybeCount, 1) > 3", F + ".Max(state.Request.MaybeCount, 1) > 3" },
        { "@max(req.maybeCount, req.id) > 3", F + ".Max<long>(state.Request.MaybeCount, state.Request.Id) > 3" },
        { "@max(req.price, 1.5) > 3", F + ".Max(state.Request.Price, 1.5m) > 3" },
        { "@min(var.askWeek.data, var.num) == 6", F + ".Min(state.AskWeek?.Data, state.Num) == 6" },
        { "@size(var.cc) + 1 > 2", F + ".Size(state.Cc) + 1 > 2" },
    };

    [Theory]
    [MemberData(nameof(Emitted))]
    public void Emits_exact_CSharp(string condition, string expected) => Assert.Equal(expected, Emit(condition));

    [Fact]
    public void Compiled_expressions_are_equatable()
    {
        Assert.Equal(Compile("req.count > 1 && @notBlank(var.a)"), Compile("req.count > 1 && @notBlank(var.a)"));
        Assert.Equal(Compile("req.nope > 1"), Compile("req.nope > 1"));
    }

    [Fact]
    public void Value_expressions_keep_their_type()
    {
        CompiledExpression Value(string text) => ExpressionCompiler.CompileValue(ExpressionParser.Parse(text).Root!, TestBus.Instance);

        Assert.Equal(("state.Request.Inner?.Level", "int?"), (Value("req.inner.level").Code, Value("req.inner.level").Type));
        Assert.Equal("int", Value("req.count + 1").Type);
        Assert.Equal("long", Value("req.count + req.id").Type);
        Assert.Equal("decimal", Value("req.price * 2").Type);
        Assert.Equal("string", Value("req.source").Type);
        Assert.Equal("global::System.Collections.Generic.List<int>", Value("var.cc").Type);
        Assert.Equal("bool?", Value("res.needEvaluate").Type);
    }

    // ---- errors ----

    private static ExpressionError SingleError(string text)
    {
        var compiled = Compile(text);
        Assert.Null(compiled.Code);
        Assert.Null(compiled.Type);
        return Assert.Single(compiled.Errors);
    }

    [Theory]
    [InlineData("req.source == 20", 0, 16, "cannot compare string (req.source) with int (20)")]
    [InlineData("req.a > 1 && req.source > 20", 13, 15, "cannot compare string (req.source) with int (20)")]
    [InlineData("req.source < 'b'", 0, 16, "cannot compare string (req.source) with string ('b') using '<': strings can only be compared with == and !=")]
    [InlineData("req.active > false", 0, 18, "cannot compare bool (req.active) with bool (false) using '>': true/false values can only be compared with == and !=")]
    [InlineData("req.count == 3000000000", 0, 23, "cannot compare int (req.count) with 3000000000: the number is outside the range of int")]
    [InlineData("var.big > -1", 0, 12, "cannot compare ulong (var.big) with -1: the number is outside the range of ulong")]
    [InlineData("req.count == null", 0, 17, "cannot compare int (req.count) with null: int is never null")]
    [InlineData("req.maybeCount > null", 0, 21, "cannot compare int? (req.maybeCount) with null using '>': use == or != with null")]
    [InlineData("null == null", 0, 12, "cannot compare null with null")]
    [InlineData("req.kind == 'nope'", 0, 18, "'nope' is not a member of Kind (req.kind); its members are: App, Web, WaitPay")]
    [InlineData("req.kind == 1", 0, 13, "cannot compare Kind (req.kind) with int (1)")]
    [InlineData("req.price > req.ratio", 0, 21, "cannot compare decimal (req.price) with double (req.ratio): decimal and floating-point numbers do not mix; convert one of them in a task")]
    [InlineData("req.inner == req.main", 0, 21, "cannot compare Nested (req.inner) with Nested (req.main)")]
    [InlineData("format('{2}', req.count) == 'x'", 7, 5, "the format text reads {2}, but only 1 value is given after it")]
    [InlineData("format(req.source) == 'x'", 7, 10, "@format needs its format text as a string literal, such as format('{0}-{1}', req.id, var.kind)")]
    [InlineData("all(var.scores)", 4, 10, "@all needs a collection of true/false, but long[] (var.scores) holds long")]
    [InlineData("req.count + 2d > 1", 0, 14, "'+' cannot combine int (req.count) with TimeSpan (2d): a date takes + and - with a duration (2d, 30s), and a date minus a date is a duration")]
    [InlineData("now() > 2d", 0, 10, "cannot compare DateTimeOffset (@now()) with TimeSpan (2d)")]
    [InlineData("req.count[0] > 2", 9, 3, "'[0]' reads an item of a list or a JSON array, but int (req.count) is neither")]
    [InlineData("req.source[1] == 'a'", 10, 3, "'[1]' reads an item of a list or a JSON array, but string (req.source) is neither")]
    [InlineData("req.source - 1 > 2", 0, 14, "'-' needs numbers on both sides, but string (req.source) is not a number")]
    [InlineData("req.source + 1 > 2", 0, 18, "cannot compare string (req.source + 1) with int (2)")]
    [InlineData("req.inner + 'x' == 'y'", 0, 9, "'+' with a string needs a number, a string, true/false, a char, an enum, a date or a duration, but Nested (req.inner) is none of them")]
    [InlineData("req.count / 0 > 1", 0, 13, "'/' by zero: req.count / 0 has no value")]
    [InlineData("2147483647 + 1 > req.count", 0, 14, "2147483647 + 1 overflows int")]
    [InlineData("req.count", 0, 9, "a condition must be true or false, but this is int")]
    [InlineData("req.inner.level", 0, 15, "a condition must be true or false, but this is int")] // Level is declared int: the ?. before it is no part of its type
    [InlineData("@size(var.cc)", 0, 13, "a condition must be true or false, but this is int")]
    [InlineData("req.count && true", 0, 9, "'&&' needs true or false on both sides, but int (req.count) is not")]
    [InlineData("req.active || 'x'", 14, 3, "'||' needs true or false on both sides, but string ('x') is not")]
    [InlineData("!req.count", 1, 9, "'!' needs true or false, but int (req.count) is not")]
    [InlineData("-req.source == 1", 1, 10, "'-' needs a number, but string (req.source) is not")]
    [InlineData("@notBlank(req.count)", 10, 9, "@notBlank needs a string, but int (req.count) is not")]
    [InlineData("@size(req.count) > 1", 6, 9, "@size needs a collection or a string, but int (req.count) is not")]
    [InlineData("@contains(var.cc, 'x')", 18, 3, "@contains cannot look for string ('x') in List<int> (var.cc), a collection of int")]
    [InlineData("@contains(var.cc, req.id)", 18, 6, "@contains cannot look for long (req.id) in List<int> (var.cc), a collection of int")]
    [InlineData("@contains(var.cc, req.maybeCount)", 18, 14, "@contains cannot look for int? (req.maybeCount) in List<int> (var.cc), a collection of int")]
    [InlineData("@contains(req.source, 1)", 22, 1, "@contains on a string looks for a string, but int (1) is not")]
    [InlineData("@contains(req.count, 1)", 10, 9, "@contains needs a collection or a string, but int (req.count) is not")]
    [InlineData("@toInt(var.a, 1.5) > 0", 14, 3, "@toInt needs an int as its default, but double (1.5) is not")]
    [InlineData("@toInt(var.a, req.id) > 0", 14, 6, "@toInt needs an int as its default, but long (req.id) is not")]
    [InlineData("@toInt(req.active, 0) > 0", 7, 10, "@toInt needs a number or a string, but bool (req.active) is not")]
    [InlineData("@validId(req.inner)", 9, 9, "@validId needs a number or a string, but Nested (req.inner) is not")]
    [InlineData("@max(req.count, 'a') > 0", 16, 3, "@max needs numbers, but string ('a') is not a number")]
    [InlineData("@equals(req.source, 1)", 0, 22, "cannot compare string (req.source) with int (1)")]
    [InlineData("@notNull(null)", 9, 4, "@notNull needs a value, not null")]
    [InlineData("@sum(req.source) > 1", 5, 10, "@sum needs a collection, but string (req.source) is not")]
    [InlineData("@concat(req.source, 1) == 'a'", 0, 22, "@concat needs two strings, but got string (req.source) and int (1)")]
    [InlineData("(req.count ? 1 : 2) > 0", 1, 9, "the condition before '?' must be true or false, but this is int")]
    [InlineData("(req.active ? 'a' : 1) == 1", 0, 22, "the two values of '?:' need one type, but string ('a') and int (1) differ")]
    [InlineData("(req.active ? null : null) == null", 0, 26, "both values of '?:' are null: give one of them a type")]
    public void Type_mismatches(string text, int start, int length, string message)
    {
        var e = SingleError(text);
        Assert.Equal("FG0503", e.Id);
        Assert.Equal(message, e.Message);
        Assert.Equal((start, length), (e.Start, e.Length));
    }

    [Fact]
    public void Unknown_member_lists_the_available_ones()
    {
        var e = SingleError("req.nope > 1");
        Assert.Equal("FG0502", e.Id);
        Assert.Equal((4, 4), (e.Start, e.Length));
        Assert.Equal("Req (req) has no member 'nope'; its members are: Count, Source, Name, Inner, Main, Tags, Price, Ratio, Kind, MaybeKind, ... (6 more)", e.Message);

        var nested = SingleError("req.inner.nope == 'x'");
        Assert.Equal((10, 4), (nested.Start, nested.Length));
        Assert.Equal("Nested (req.inner) has no member 'nope'; its members are: Name, Level, Child, Flag", nested.Message);

        var onInt = SingleError("req.count.value > 1");
        Assert.Equal((10, 5), (onInt.Start, onInt.Length));
        Assert.Equal("int (req.count) has no member 'value': it has no readable members", onInt.Message);
    }

    [Fact]
    public void Ambiguous_case_insensitive_member()
    {
        var e = SingleError("var.goods.ID > 1");
        Assert.Equal("FG0502", e.Id);
        Assert.Equal((10, 2), (e.Start, e.Length));
        Assert.Equal("'ID' matches several members of Goods when case is ignored (Id, id): write the exact name", e.Message);
    }

    [Fact]
    public void Missing_bus_value()
    {
        var e = SingleError("req.count > 1 && var.missing.data > 1");
        Assert.Equal("FG0502", e.Id);
        Assert.Equal((17, 11), (e.Start, e.Length));
        Assert.Equal("no task writes var.missing on the way to this condition", e.Message);

        Assert.Equal("no task writes sta.other on the way to this condition", SingleError("sta.other").Message);
    }

    [Fact]
    public void Flow_without_request()
    {
        var bus = new NoRequestBus();
        var compiled = ExpressionCompiler.CompileCondition(ExpressionParser.Parse("req.a > 1").Root!, bus);
        var e = Assert.Single(compiled.Errors);
        Assert.Equal(("FG0502", 0, 3), (e.Id, e.Start, e.Length));
        Assert.Equal("unknown name 'req': this flow has no request", e.Message);
    }

    private sealed class NoRequestBus : IBusResolver
    {
        public TypeTable Types => TypeTable.Empty;
        public BusValue? ResolveRoot(string root) => null;
        public BusValue? ResolveNamed(string root, string name) => null;
    }

    [Fact]
    public void Role_expressions_test_the_runs_permissions()
    {
        var compiled = Compile("!r:check-img@triple && pr:goods@load");
        Assert.Empty(compiled.Errors);
        Assert.Equal("!state.HasPermission(\"r:check-img@triple\") && state.HasPermission(\"pr:goods@load\")", compiled.Code);
    }

    [Theory]
    [InlineData("pr:goods")]
    [InlineData("r:check@a@b")]
    [InlineData("r:check@")]
    public void A_malformed_permission_is_FG0505(string permission)
    {
        var e = SingleError(permission);
        Assert.Equal("FG0505", e.Id);
        Assert.Equal((0, permission.Length), (e.Start, e.Length));
        Assert.Contains("is not a permission", e.Message);
    }

    [Fact]
    public void Several_errors_in_text_order()
    {
        var compiled = Compile("req.x > 1 && req.source == 2 || pr:a");
        Assert.Equal(new[] { ("FG0502", 4), ("FG0503", 13), ("FG0505", 32) }, compiled.Errors.Select(e => (e.Id, e.Start)));
    }

    [Fact]
    public void Unknown_function_in_a_hand_built_tree()
    {
        var call = new CallExpr("nope", EquatableArray<Expr>.Empty, 0, 6);
        var e = Assert.Single(ExpressionCompiler.CompileCondition(call, TestBus.Instance).Errors);
        Assert.Equal(("FG0504", 0, 6), (e.Id, e.Start, e.Length));

        var arity = new CallExpr("size", EquatableArray<Expr>.Empty, 0, 7);
        Assert.Equal("FG0504", Assert.Single(ExpressionCompiler.CompileCondition(arity, TestBus.Instance).Errors).Id);
    }
}
