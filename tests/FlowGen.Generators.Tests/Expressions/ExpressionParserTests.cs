using FlowGen.Generators.Expressions;
using Xunit;

namespace FlowGen.Generators.Tests.Expressions;

public class ExpressionParserTests
{
    /// <summary>
    /// Every condition of Kstry's corpus (XML entities decoded), written here so that this suite needs nothing beside
    /// the repository; the corpus suite parses them in the files themselves (CorpusTests.Every_condition_in_the_corpus_parses).
    /// </summary>
    public static readonly TheoryData<string> CorpusConditions = new()
    {
        "!r:check-img@triple",
        "!var.askHungry.data",
        "@contains (var.cc, 2) && @contains(var.c, \"\") ",
        "@notBlank(var.a)",
        "@notBlank(var.a) &&@blank(var.aa)",
        "@size(var.cc) == 3 && @notEmpty(var.c) && @notEmpty(var.cc) && @isEmpty(var.ccc)",
        "@toInt(var.a, -1) == -1",
        "@validId(var.b) && @validId(var.bb) ",
        "O1: (@equals(var.a, var.a)) && (@notEquals(var.a, var.b) && @notNull(var.c))",
        "false",
        "true",
        "r:check-img@triple",
        "req.a>0",
        "req.a>=1",
        "req.a<1",
        "req.a==0",
        "req.source!='app'",
        "req.source=='app'",
        "res.img != null",
        "res.img == null",
        "res.needEvaluate==true",
        "var.askWeek.data != 6 && var.askWeek.data != 7",
        "var.askWeek.data == 6 || var.askWeek.data == 7",
        "var.num>5",
        "var.num<=5",
        "var.askHungry.data",
    };

    [Theory]
    [MemberData(nameof(CorpusConditions))]
    public void Corpus_conditions_parse_without_errors(string text)
    {
        var parsed = ExpressionParser.Parse(text);

        Assert.Empty(parsed.Errors);
        Assert.NotNull(parsed.Root);
        Assert.Equal(text, parsed.Text);
    }

    // ---- printing helper: a fully parenthesised form shows the tree shape ----

    private static string Tree(Expr e) => e switch
    {
        LiteralExpr { Kind: LiteralKind.String } s => "'" + s.Value + "'",
        LiteralExpr l => l.Value,
        PathExpr p => p.Root + string.Concat(p.Segments.Select(s => "." + s.Name)),
        UnaryExpr u => "(" + (u.Operator == UnaryOperator.Not ? "!" : "-") + Tree(u.Operand) + ")",
        BinaryExpr b => "(" + Tree(b.Left) + " " + b.Operator + " " + Tree(b.Right) + ")",
        CallExpr c => "@" + c.Function + "(" + string.Join(", ", c.Arguments.Select(Tree)) + ")",
        RoleExpr r => "[" + r.Permission + "]",
        _ => "?",
    };

    private static Expr ParseOk(string text)
    {
        var parsed = ExpressionParser.Parse(text);
        Assert.True(parsed.Errors.IsEmpty, string.Join("; ", parsed.Errors.Select(e => $"{e.Id}@{e.Start}+{e.Length}: {e.Message}")));
        return parsed.Root!;
    }

    [Theory]
    [InlineData("req.a || req.b && req.c", "(req.a Or (req.b And req.c))")]
    [InlineData("req.a && req.b || req.c", "((req.a And req.b) Or req.c)")]
    [InlineData("req.a == 1 && req.b != 2", "((req.a Equal 1) And (req.b NotEqual 2))")]
    [InlineData("req.a < 1 == req.b > 2", "((req.a Less 1) Equal (req.b Greater 2))")]
    [InlineData("req.a + 1 < req.b * 2", "((req.a Add 1) Less (req.b Multiply 2))")]
    [InlineData("1 + 2 * 3 - 4 / 5 % 6", "((1 Add (2 Multiply 3)) Subtract ((4 Divide 5) Modulo 6))")]
    [InlineData("1 - 2 - 3", "((1 Subtract 2) Subtract 3)")]
    [InlineData("(1 + 2) * 3", "((1 Add 2) Multiply 3)")]
    [InlineData("!req.a && req.b", "((!req.a) And req.b)")]
    [InlineData("!(req.a && req.b)", "(!(req.a And req.b))")]
    [InlineData("-req.a * 2", "((-req.a) Multiply 2)")]
    [InlineData("- -1", "(-(-1))")]
    [InlineData("req.a <= 1 || req.a >= 2", "((req.a LessOrEqual 1) Or (req.a GreaterOrEqual 2))")]
    [InlineData("req.a and req.b or not req.c", "((req.a And req.b) Or (!req.c))")]
    [InlineData("req.a AND req.b OR NOT req.c", "((req.a And req.b) Or (!req.c))")]
    [InlineData("!!req.a", "(!(!req.a))")]
    public void Operators_follow_C_precedence(string text, string expected)
    {
        Assert.Equal(expected, Tree(ParseOk(text)));
    }

    [Theory]
    [InlineData("20", "Integer", "20")]
    [InlineData("1.5", "Floating", "1.5")]
    [InlineData("007", "Integer", "007")]
    [InlineData("true", "Boolean", "true")]
    [InlineData("false", "Boolean", "false")]
    [InlineData("null", "Null", "null")]
    [InlineData("'app'", "String", "app")]
    [InlineData("\"app\"", "String", "app")]
    [InlineData("''", "String", "")]
    [InlineData(@"'it\'s'", "String", "it's")]
    [InlineData(@"""say \""hi\""""", "String", "say \"hi\"")]
    [InlineData(@"'a\\b\n\t\u0041'", "String", "a\\b\n\tA")]
    [InlineData("'a\"b'", "String", "a\"b")]
    public void Literals(string text, string kind, string value)
    {
        var literal = Assert.IsType<LiteralExpr>(ParseOk(text));
        Assert.Equal(kind, literal.Kind.ToString());
        Assert.Equal(value, literal.Value);
        Assert.Equal(0, literal.Start);
        Assert.Equal(text.Length, literal.Length);
    }

    [Fact]
    public void Paths_record_root_segments_and_offsets()
    {
        var path = Assert.IsType<PathExpr>(ParseOk("  var.askWeek.data"));
        Assert.Equal("var", path.Root);
        Assert.Equal(new[] { "askWeek", "data" }, path.Segments.Select(s => s.Name));
        Assert.Equal(2, path.Start);
        Assert.Equal(16, path.Length);
        Assert.Equal(new PathSegment("askWeek", 6, 7), path.Segments[0]);
        Assert.Equal(new PathSegment("data", 14, 4), path.Segments[1]);

        var req = Assert.IsType<PathExpr>(ParseOk("req"));
        Assert.Equal("req", req.Root);
        Assert.True(req.Segments.IsEmpty);
    }

    [Fact]
    public void Binary_nodes_span_their_operands()
    {
        var b = Assert.IsType<BinaryExpr>(ParseOk("req.source != 'app'"));
        Assert.Equal(BinaryOperator.NotEqual, b.Operator);
        Assert.Equal((0, 19), (b.Start, b.Length));
        Assert.Equal((14, 5), (b.Right.Start, b.Right.Length));
    }

    [Fact]
    public void Parentheses_widen_the_node_span()
    {
        var b = Assert.IsType<BinaryExpr>(ParseOk("(req.a) && req.b"));
        Assert.Equal((0, 7), (b.Left.Start, b.Left.Length));
        Assert.Equal((0, 16), (b.Start, b.Length));
    }

    [Fact]
    public void Calls_with_and_without_at_and_space_before_parenthesis()
    {
        var call = Assert.IsType<CallExpr>(ParseOk("@contains (var.cc, 2)"));
        Assert.Equal("contains", call.Function);
        Assert.Equal(2, call.Arguments.Count);
        Assert.Equal((0, 21), (call.Start, call.Length));

        var bare = Assert.IsType<CallExpr>(ParseOk("notNull(var.a)"));
        Assert.Equal("notNull", bare.Function);

        // Java developers write any case: the canonical name is kept.
        Assert.Equal("notBlank", Assert.IsType<CallExpr>(ParseOk("@NOTBLANK(var.a)")).Function);
        Assert.Equal("(@toInt(var.a, (-1)) Equal (-1))", Tree(ParseOk("@toInt(var.a, -1) == -1")));
    }

    [Fact]
    public void Every_function_parses_with_its_arity()
    {
        foreach (var f in ExpressionFunctions.All)
        {
            var args = string.Join(", ", Enumerable.Repeat("var.x", f.Arity));
            var call = Assert.IsType<CallExpr>(ParseOk($"@{f.Name}({args})"));
            Assert.Equal(f.Name, call.Function);
            Assert.Equal(f.Arity, call.Arguments.Count);
        }
    }

    [Fact]
    public void Order_prefix()
    {
        var parsed = ExpressionParser.Parse("O1: (@equals(var.a, var.a))");
        Assert.Empty(parsed.Errors);
        Assert.Equal(1, parsed.Order);
        var call = Assert.IsType<CallExpr>(parsed.Root);
        Assert.Equal(4, call.Start); // offsets stay relative to the full text

        Assert.Equal(12, ExpressionParser.Parse(" o12:req.a").Order);
        Assert.Null(ExpressionParser.Parse("req.a").Order);
    }

    [Fact]
    public void Role_expressions()
    {
        var role = Assert.IsType<RoleExpr>(ParseOk("r:check-img@triple"));
        Assert.Equal("r:check-img@triple", role.Permission);
        Assert.Equal((0, 18), (role.Start, role.Length));

        var not = Assert.IsType<UnaryExpr>(ParseOk("!r:check-img@triple"));
        Assert.Equal(UnaryOperator.Not, not.Operator);
        Assert.Equal((1, 18), (not.Operand.Start, not.Operand.Length));

        Assert.Equal("([pr:goods@read] Or [r:admin])", Tree(ParseOk("pr:goods@read || r:admin")));
    }

    [Fact]
    public void Ast_has_value_equality()
    {
        var a = ExpressionParser.Parse("@size(var.cc) == 3 && req.source == 'x'");
        var b = ExpressionParser.Parse("@size(var.cc) == 3 && req.source == 'x'");
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, ExpressionParser.Parse("@size(var.cc) == 4 && req.source == 'x'"));
    }

    // ---- errors ----

    private static ExpressionError SingleError(string text)
    {
        var parsed = ExpressionParser.Parse(text);
        Assert.Null(parsed.Root);
        return Assert.Single(parsed.Errors);
    }

    [Fact]
    public void Indexes_are_segments_of_their_own_with_their_span()
    {
        var path = Assert.IsType<PathExpr>(ParseOk("sta.orders[12].id"));

        Assert.Equal(new[] { "orders", "[12]", "id" }, path.Segments.Select(s => s.Name));
        Assert.Equal(new PathSegment("[12]", 10, 4) { Index = 12 }, path.Segments[1]);
        Assert.Equal(17, path.Length);
    }

    [Theory]
    [InlineData("sta.orders[x] > 1", "expected a whole number (0 or more) inside '[' at column 11, such as sta.orders[0]")]
    [InlineData("sta.orders[-1] > 1", "expected a whole number (0 or more) inside '[' at column 11, such as sta.orders[0]")]
    [InlineData("sta.orders[1 > 1", "expected ']' after '[1' at column 11")]
    [InlineData("sta[0] > 1", "expected '.' and a value name after 'sta' before an index (e.g. sta.orders[0])")]
    public void A_malformed_index_is_a_syntax_error(string text, string message)
    {
        var e = SingleError(text);

        Assert.Equal("FG0501", e.Id);
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Unclosed_parenthesis_points_at_the_end_and_names_the_opening_column()
    {
        var e = SingleError("req.a && (req.b || req.c");
        Assert.Equal("FG0501", e.Id);
        Assert.Equal((24, 0), (e.Start, e.Length));
        Assert.Equal("expected ')' to close '(' opened at column 10, but the condition ends here", e.Message);
    }

    [Fact]
    public void Unclosed_parenthesis_before_another_token()
    {
        var e = SingleError("(req.a 'x'");
        Assert.Equal("FG0501", e.Id);
        Assert.Equal((7, 3), (e.Start, e.Length));
        Assert.StartsWith("expected ')' to close '(' opened at column 1", e.Message);
    }

    [Theory]
    [InlineData("req.a >", 7, 0, "expected a value after '>', but the condition ends here")]
    [InlineData("req.a > > 1", 8, 1, "expected a value (a path such as req.x, a literal or a function call), but found '>'")]
    [InlineData("req.a 1", 6, 1, "unexpected '1' after the end of the condition: expected an operator such as && or ||")]
    [InlineData("req.a)", 5, 1, "unexpected ')': there is no '(' to close")]
    [InlineData("req.a in 1", 9, 1, "expected '(' and a list of values after 'in', but found '1'")]
    [InlineData("req.a is 1", 9, 1, "expected null or empty after 'is' (is null, is not null, is empty, is not empty), but found '1'")]
    [InlineData("req.a between 1 or 2", 16, 2, "expected 'and' between the two bounds of 'between', but found 'or'")]
    [InlineData("req.a ? 1", 9, 0, "expected ':' and the value when the condition is false, for the '?' at column 7 (c ? a : b), but the condition ends here")]
    [InlineData("req.a & req.b", 6, 1, "unexpected '&': use '&&' (or 'and')")]
    [InlineData("req.a | req.b", 6, 1, "unexpected '|': use '||' (or 'or')")]
    [InlineData("req.a #> 1", 6, 1, "unexpected character '#'")]
    [InlineData("req.", 4, 0, "expected a member name after '.' at column 4, but the condition ends here")]
    [InlineData("var == 1", 4, 2, "expected '.' and a value name after 'var' (e.g. var.goodsDetail), but found '=='")]
    [InlineData("@ (1)", 2, 1, "expected a function name after '@' (e.g. @notNull(var.x)), but found '('")]
    [InlineData("@notNull var.a", 9, 3, "expected '(' after '@notNull', but found 'var'")]
    [InlineData("@notNull(var.a", 14, 0, "expected ',' or ')' to close the arguments of 'notNull' opened at column 9, but the condition ends here")]
    [InlineData("", 0, 0, "expected a condition, but the text is empty")]
    [InlineData("   ", 3, 0, "expected a condition, but the text is empty")]
    [InlineData("req.source == 'app", 14, 4, "unterminated string: expected a closing ' for the string opened at column 15")]
    [InlineData(@"req.source == 'a\qb'", 16, 2, @"unknown escape '\q' in a string: use \\, \', \"", \n, \r, \t, \0 or \uXXXX")]
    [InlineData("req.a > 99999999999999999999", 8, 20, "the number 99999999999999999999 is too large")]
    [InlineData("r: && req.a", 0, 2, "expected a permission after 'r:' (e.g. r:check-img@triple)")]
    public void Syntax_errors_have_exact_offsets(string text, int start, int length, string message)
    {
        var e = SingleError(text);
        Assert.Equal("FG0501", e.Id);
        Assert.Equal(message, e.Message);
        Assert.Equal((start, length), (e.Start, e.Length));
    }

    [Fact]
    public void Bare_identifier_is_an_unknown_name()
    {
        var e = SingleError("req.a > 1 && count > 2");
        Assert.Equal("FG0502", e.Id);
        Assert.Equal((13, 5), (e.Start, e.Length));
        Assert.Equal("unknown name 'count': paths start with req., sta., var. or res.", e.Message);

        var dotted = SingleError("request.count > 2");
        Assert.Equal((0, 7), (dotted.Start, dotted.Length));

        // Roots are lower-case.
        Assert.Equal("FG0502", SingleError("Req.count > 2").Id);
    }

    [Fact]
    public void Unknown_function_and_wrong_arity()
    {
        var unknown = SingleError("@foo(var.a) && req.a");
        Assert.Equal("FG0504", unknown.Id);
        Assert.Equal((0, 4), (unknown.Start, unknown.Length));
        Assert.StartsWith("unknown function '@foo': the functions are @notNull, @isNull,", unknown.Message);

        var bare = SingleError("foo(1)");
        Assert.Equal(("FG0504", 0, 3), (bare.Id, bare.Start, bare.Length));

        var arity = SingleError("req.a && @contains(var.cc)");
        Assert.Equal("FG0504", arity.Id);
        Assert.Equal((9, 17), (arity.Start, arity.Length));
        Assert.Equal("@contains takes 2 arguments (collection or string, item or substring), but 1 was given", arity.Message);

        Assert.Equal("@notNull takes 1 argument (value), but 0 were given", SingleError("@notNull()").Message);
    }

    [Fact]
    public void Several_errors_are_reported_in_text_order()
    {
        var parsed = ExpressionParser.Parse("foo.x > 1 && bar.y < 2");
        Assert.Null(parsed.Root);
        Assert.Equal(new[] { 0, 13 }, parsed.Errors.Select(e => e.Start));
        Assert.All(parsed.Errors, e => Assert.Equal("FG0502", e.Id));
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_crash()
    {
        var text = new string('(', 5000) + "req.a" + new string(')', 5000);
        var parsed = ExpressionParser.Parse(text);
        var e = Assert.Single(parsed.Errors);
        Assert.Equal("FG0506", e.Id);
        Assert.Contains("nested more than 64 levels", e.Message);
        Assert.Contains("FlowGenMaxNesting", e.Message);

        Assert.Single(ExpressionParser.Parse(new string('!', 5000) + "req.a").Errors);
        Assert.Single(ExpressionParser.Parse(new string('-', 5000) + "1").Errors);
    }

    [Fact]
    public void A_long_chain_of_and_or_is_a_shallow_balanced_tree_with_the_same_operands_in_order()
    {
        // 20,000 terms: once a stack overflow in the compiler; && and || are associative, so the tree is balanced.
        var terms = Enumerable.Range(0, 20_000).Select(i => $"req.a == {i}").ToList();
        var parsed = ExpressionParser.Parse(string.Join(" && ", terms), FlowGen.Generators.Model.FlowLimits.Default with { MaxExpressionTerms = 40_000 });
        Assert.Empty(parsed.Errors);
        Assert.True(Depth(parsed.Root!) <= 20, $"depth {Depth(parsed.Root!)}");
        var leaves = new List<string>();
        Collect(parsed.Root!, BinaryOperator.And, leaves);
        Assert.Equal(terms.Select(t => t.Replace("req.a == ", "")), leaves);

        static int Depth(Expr e) => e switch
        {
            BinaryExpr b => 1 + Math.Max(Depth(b.Left), Depth(b.Right)),
            UnaryExpr u => 1 + Depth(u.Operand),
            _ => 1,
        };
        static void Collect(Expr e, BinaryOperator op, List<string> into)
        {
            if (e is BinaryExpr b && b.Operator == op) { Collect(b.Left, op, into); Collect(b.Right, op, into); }
            else into.Add(((LiteralExpr)((BinaryExpr)e).Right).Value);
        }
    }

    [Fact]
    public void A_long_chain_of_a_non_associative_operator_counts_against_the_nesting_limit()
    {
        var parsed = ExpressionParser.Parse("req.a == " + string.Join(" - ", Enumerable.Repeat("1", 100)));
        var e = Assert.Single(parsed.Errors);
        Assert.Equal("FG0506", e.Id);
        Assert.Contains("chains such as a - b - c", e.Message);
        Assert.Empty(ExpressionParser.Parse("req.a == " + string.Join(" - ", Enumerable.Repeat("1", 50))).Errors);
    }

    [Fact]
    public void More_terms_than_the_limit_is_FG0506_at_the_first_term_past_it()
    {
        var text = string.Join(" || ", Enumerable.Range(0, 6).Select(i => $"req.a == {i}")); // 12 terms
        var limits = FlowGen.Generators.Model.FlowLimits.Default with { MaxExpressionTerms = 10 };
        var e = Assert.Single(ExpressionParser.Parse(text, limits).Errors);
        Assert.Equal("FG0506", e.Id);
        Assert.Equal(text.LastIndexOf("req.a", StringComparison.Ordinal), e.Start); // the 11th term
        Assert.Contains("more than 10 terms", e.Message);
        Assert.Contains("FlowGenMaxExpressionTerms", e.Message);
        Assert.Empty(ExpressionParser.Parse(text, limits with { MaxExpressionTerms = 12 }).Errors);
    }

    [Fact]
    public void Never_throws_on_truncations_and_mutations()
    {
        var seeds = ((IEnumerable<object[]>)CorpusConditions).Select(row => (string)row[0]).Concat(new[]
        {
            "O1: (@equals(var.a, 'x\\'y')) && !(req.a.b.c >= -1.5 || @max(req.a, 2) % 3 != 0) and not r:x@y",
            "\"unterminated \\",
            "'\\u12",
        }).ToList();
        const string alphabet = "()@!&|=<>+-*/%.,'\"\\ :Or0129aZ_r\u00e9\ud83d\ude00\t\n";
        var random = new Random(12345);
        var count = 0;
        foreach (var seed in seeds)
        {
            for (var i = 0; i <= seed.Length; i++)
            {
                Check(seed.Substring(0, i));
                Check(seed.Substring(i));
            }
            for (var n = 0; n < 300; n++)
            {
                var chars = seed.ToCharArray().ToList();
                var edits = random.Next(1, 4);
                for (var k = 0; k < edits; k++)
                {
                    var at = random.Next(chars.Count + 1);
                    switch (random.Next(3))
                    {
                        case 0: chars.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                        case 1 when at < chars.Count: chars.RemoveAt(at); break;
                        default: if (at < chars.Count) chars[at] = alphabet[random.Next(alphabet.Length)]; break;
                    }
                }
                Check(new string(chars.ToArray()));
            }
        }
        for (var n = 0; n < 2000; n++)
        {
            var chars = new char[random.Next(0, 40)];
            for (var k = 0; k < chars.Length; k++) chars[k] = alphabet[random.Next(alphabet.Length)];
            Check(new string(chars));
        }
        Assert.True(count > 10000);

        void Check(string text)
        {
            count++;
            var parsed = ExpressionParser.Parse(text);
            Assert.Equal(parsed.Root is null, !parsed.Errors.IsEmpty);
            foreach (var e in parsed.Errors)
            {
                Assert.True(e.Start >= 0 && e.Length >= 0 && e.Start + e.Length <= text.Length, $"error span {e.Start}+{e.Length} outside '{text}'");
                Assert.StartsWith("FG050", e.Id);
                Assert.False(string.IsNullOrEmpty(e.Message));
            }
            if (parsed.Root is not null)
            {
                // Whatever parses also compiles without throwing (errors are fine).
                _ = ExpressionCompiler.CompileCondition(parsed.Root, TestBus.Instance);
            }
        }
    }
}
