using System.Globalization;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Expressions;

/// <summary>
/// Parses a condition into an <see cref="Expr"/> tree. Grammar, loosest first (C precedence):
/// <code>
/// condition  := [ ('O'|'o') digits ':' ] choice
/// choice     := or [ '?' choice ':' choice ]
/// or         := and ( ('||' | 'or') and )*
/// and        := equality ( ('&amp;&amp;' | 'and') equality )*
/// equality   := relational ( ('==' | '!=') relational )*
/// relational := additive ( ('&lt;' | '&lt;=' | '&gt;' | '&gt;=') additive )*
/// additive   := multiply ( ('+' | '-') multiply )*
/// multiply   := unary ( ('*' | '/' | '%') unary )*
/// unary      := ('!' | 'not' | '-') unary | primary
/// primary    := literal | path | ['@'] name '(' [choice (',' choice)*] ')' | role | '(' choice ')'
/// path       := ('req' | 'sta' | 'var' | 'res') ('.' name)*
/// role       := ('r' | 'pr') ':' permission
/// </code>
/// Never throws: every problem becomes an <see cref="ExpressionError"/> with the offset of the offending token.
/// </summary>
internal static class ExpressionParser
{
    private const int MaxErrors = 10;

    /// <summary>
    /// Nesting above this is refused whatever FlowGenMaxNesting says: the parser and every walk over the tree recurse
    /// once per level, and a stack overflow cannot be caught.
    /// </summary>
    public const int HardMaxDepth = 1_000;

    public static ParsedCondition Parse(string text, FlowLimits? limits = null)
    {
        text ??= "";
        limits ??= FlowLimits.Default;
        var errors = new List<ExpressionError>();
        var (order, bodyStart) = ReadOrder(text, errors);
        var tokens = ExpressionLexer.Tokenize(text, bodyStart, errors);
        if (TooManyTerms(tokens, limits.MaxExpressionTerms) is { } beyond)
        {
            // Refused before parsing: a condition this long costs time in every later step and in the C# compiler.
            var error = new ExpressionError(ExpressionErrorIds.TooLong, beyond.Start, beyond.Length,
                $"it has more than {limits.MaxExpressionTerms.ToString(CultureInfo.InvariantCulture)} terms (this is the first one past the limit); move the logic into a task that computes one value, or raise the limit with <FlowGenMaxExpressionTerms> in the project file");
            return new ParsedCondition(text, null, order, new[] { error }.ToEquatableArray());
        }
        var parser = new Parser(text, tokens, errors, Math.Min(limits.MaxNesting, HardMaxDepth));
        var root = parser.ParseCondition();

        if (errors.Count == 0)
        {
            return new ParsedCondition(text, root, order, EquatableArray<ExpressionError>.Empty);
        }

        // Lexer and parser errors arrive in two streams: report them in text order, without repeats.
        var sorted = errors
            .Distinct()
            .OrderBy(e => e.Start)
            .ThenBy(e => e.Length)
            .ToList();
        // After a syntax error the parser guesses where the condition goes on, and what it finds there (a stray
        // character, a name read out of place as an unknown one) follows from that guess: one bad spot is one error,
        // the first syntax error (or the nesting limit, where the parser gave up). Without one, each unknown name or
        // malformed role is an error of its own.
        if ((sorted.FirstOrDefault(e => e.Id == ExpressionErrorIds.TooLong) ?? sorted.FirstOrDefault(e => e.Id == ExpressionErrorIds.Syntax)) is { } first)
            return new ParsedCondition(text, null, order, new[] { first }.ToEquatableArray());
        return new ParsedCondition(text, null, order, sorted.Take(MaxErrors).ToEquatableArray());
    }

    /// <summary>The first operand (a name, number, string or role) past the limit, or null.</summary>
    private static Token? TooManyTerms(List<Token> tokens, int limit)
    {
        var terms = 0;
        var previous = TokenKind.End;
        foreach (var token in tokens)
        {
            // req.a.b is one term: a name after a dot continues a path.
            var term = token.Kind is TokenKind.Integer or TokenKind.Floating or TokenKind.String or TokenKind.Role or TokenKind.Duration
                || (token.Kind == TokenKind.Identifier && previous != TokenKind.Dot);
            previous = token.Kind;
            if (term && ++terms > limit) return token;
        }
        return null;
    }

    /// <summary>Reads Kstry's order prefix <c>O1:</c> (a letter O, digits, a colon) at the start of the text.</summary>
    private static (int? Order, int BodyStart) ReadOrder(string text, List<ExpressionError> errors)
    {
        var i = 0;
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        if (i >= text.Length || (text[i] != 'O' && text[i] != 'o')) return (null, 0);
        var digitsStart = i + 1;
        var j = digitsStart;
        while (j < text.Length && text[j] >= '0' && text[j] <= '9') j++;
        if (j == digitsStart || j >= text.Length || text[j] != ':') return (null, 0);
        var digits = text.Substring(digitsStart, j - digitsStart);
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var order))
        {
            errors.Add(new ExpressionError(ExpressionErrorIds.Syntax, i, j + 1 - i, $"the order '{text.Substring(i, j - i)}' is too large"));
            return (null, j + 1);
        }
        return (order, j + 1);
    }

    private sealed class Parser
    {
        private readonly string _text;
        private readonly List<Token> _tokens;
        private readonly List<ExpressionError> _errors;
        private int _position;
        private int _depth;
        private readonly int _maxDepth;
        private bool _abandoned;
        private int _lastErrorStart = -1;
        private int _lastErrorEnd = -1;

        public Parser(string text, List<Token> tokens, List<ExpressionError> errors, int maxDepth)
        {
            _maxDepth = maxDepth;
            _text = text;
            _tokens = tokens;
            _errors = errors;
        }

        private Token Current => _tokens[_position];

        private Token Previous => _position > 0 ? _tokens[_position - 1] : _tokens[0];

        private Token Advance()
        {
            var t = _tokens[_position];
            if (t.Kind != TokenKind.End) _position++;
            return t;
        }

        private Token PeekAt(int offset) => _tokens[Math.Min(_position + offset, _tokens.Count - 1)];

        public Expr ParseCondition()
        {
            if (Current.Kind == TokenKind.End)
            {
                Error(ExpressionErrorIds.Syntax, Current.Start, 0, "expected a condition, but the text is empty");
                return Placeholder(Current);
            }

            var root = ParseChoice();
            if (Current.Kind != TokenKind.End && !_abandoned)
            {
                var t = Current;
                var message = t.Kind == TokenKind.CloseParen
                    ? "unexpected ')': there is no '(' to close"
                    : $"unexpected {Describe(t)} after the end of the condition: expected an operator such as && or ||";
                Error(ExpressionErrorIds.Syntax, t.Start, t.Length, message);
            }
            return root;
        }

        /// <summary><c>c ? a : b</c>, right to left (<c>a ? b : c ? d : e</c> is <c>a ? b : (c ? d : e)</c>); each level counts against the depth limit.</summary>
        private Expr ParseChoice()
        {
            var condition = ParseOr();
            if (Current.Kind != TokenKind.Question) return condition;
            var question = Advance();
            if (!Enter(question)) return Placeholder(question);
            try
            {
                var whenTrue = ParseChoice();
                if (Current.Kind != TokenKind.Colon)
                {
                    ExpectedAt(Current, $"expected ':' and the value when the condition is false, for the '?' at column {question.Start + 1} (c ? a : b)");
                    return condition;
                }
                Advance();
                var whenFalse = ParseChoice();
                return new ConditionalExpr(condition, whenTrue, whenFalse, condition.Start, whenFalse.End - condition.Start);
            }
            finally
            {
                _depth--;
            }
        }

        private Expr ParseOr()
        {
            var first = ParseAnd();
            if (!(Current.Kind == TokenKind.OrOr || IsKeyword(Current, "or"))) return first;
            var operands = new List<Expr> { first };
            while (Current.Kind == TokenKind.OrOr || IsKeyword(Current, "or"))
            {
                Advance();
                operands.Add(ParseAnd());
            }
            return Balanced(BinaryOperator.Or, operands, 0, operands.Count);
        }

        private Expr ParseAnd()
        {
            var first = ParseEquality();
            if (!(Current.Kind == TokenKind.AndAnd || IsKeyword(Current, "and"))) return first;
            var operands = new List<Expr> { first };
            while (Current.Kind == TokenKind.AndAnd || IsKeyword(Current, "and"))
            {
                Advance();
                operands.Add(ParseEquality());
            }
            return Balanced(BinaryOperator.And, operands, 0, operands.Count);
        }

        /// <summary>
        /// A chain of && (or of ||) as a balanced tree: the operators are associative, so (a && b) && (c && d)
        /// evaluates and short-circuits exactly as a && b && c && d, and a chain of thousands of terms stays a few
        /// levels deep for every walk over the tree.
        /// </summary>
        private static Expr Balanced(BinaryOperator op, List<Expr> operands, int from, int to)
        {
            if (to - from == 1) return operands[from];
            var middle = from + (to - from) / 2;
            var left = Balanced(op, operands, from, middle);
            var right = Balanced(op, operands, middle, to);
            return new BinaryExpr(op, left, right, left.Start, right.End - left.Start);
        }

        /// <summary>
        /// Each operator of a chain that is not associative (a - b - c) makes the tree one level deeper: it counts
        /// against the depth limit like a parenthesis, and is given back when the chain ends.
        /// </summary>
        private bool EnterChain(ref int levels)
        {
            if (!Enter(Current)) return false;
            levels++;
            return true;
        }

        private Expr ParseEquality()
        {
            var levels = 0;
            try { return ParseEqualityChain(ref levels); }
            finally { _depth -= levels; }
        }

        private Expr ParseEqualityChain(ref int levels)
        {
            var left = ParseRelational();
            while (true)
            {
                BinaryOperator op;
                switch (Current.Kind)
                {
                    case TokenKind.EqualEqual: op = BinaryOperator.Equal; break;
                    case TokenKind.BangEqual: op = BinaryOperator.NotEqual; break;
                    default: return left;
                }
                if (!EnterChain(ref levels)) return left;
                Advance();
                var right = ParseRelational();
                left = new BinaryExpr(op, left, right, left.Start, right.End - left.Start);
            }
        }

        private Expr ParseRelational()
        {
            var levels = 0;
            try { return ParseRelationalChain(ref levels); }
            finally { _depth -= levels; }
        }

        private Expr ParseRelationalChain(ref int levels)
        {
            var left = ParseAdditive();
            while (true)
            {
                if (ParseSqlOperator(left) is { } sql)
                {
                    if (!EnterChain(ref levels)) return sql;
                    left = sql;
                    continue;
                }
                BinaryOperator op;
                switch (Current.Kind)
                {
                    case TokenKind.Less: op = BinaryOperator.Less; break;
                    case TokenKind.LessEqual: op = BinaryOperator.LessOrEqual; break;
                    case TokenKind.Greater: op = BinaryOperator.Greater; break;
                    case TokenKind.GreaterEqual: op = BinaryOperator.GreaterOrEqual; break;
                    default: return left;
                }
                if (!EnterChain(ref levels)) return left;
                Advance();
                var right = ParseAdditive();
                left = new BinaryExpr(op, left, right, left.Start, right.End - left.Start);
            }
        }

        /// <summary>
        /// The orchestration platform's operators, read as the language's own: <c>x in (a, b)</c> is
        /// <c>x == a || x == b</c>, <c>not in</c> its negation, <c>x between a and b</c> is <c>x &gt;= a &amp;&amp; x &lt;= b</c>,
        /// <c>x is [not] null</c> a null comparison, <c>x [not] like 'p%'</c> a call of <c>like</c>.
        /// </summary>
        private Expr? ParseSqlOperator(Expr left)
        {
            var negated = false;
            if (IsKeyword(Current, "not") && (IsKeyword(PeekAt(1), "in") || IsKeyword(PeekAt(1), "like")))
            {
                Advance();
                negated = true;
            }
            if (IsKeyword(Current, "in"))
            {
                var keyword = Advance();
                if (Current.Kind != TokenKind.OpenParen)
                {
                    ExpectedAt(Current, $"expected '(' and a list of values after '{keyword.Value}'");
                    return left;
                }
                var open = Advance();
                var items = new List<Expr>();
                while (true)
                {
                    items.Add(ParseAdditive());
                    if (Current.Kind == TokenKind.Comma) { Advance(); continue; }
                    break;
                }
                var closed = Current.Kind == TokenKind.CloseParen;
                var end = closed ? Advance().Start + 1 : Current.Start;
                if (!closed) ExpectedAt(Current, $"expected ',' or ')' to close the list opened at column {open.Start + 1}");
                var tests = items.Select(item => (Expr)new BinaryExpr(negated ? BinaryOperator.NotEqual : BinaryOperator.Equal, left, item, left.Start, item.End - left.Start)).ToList();
                var result = Balanced(negated ? BinaryOperator.And : BinaryOperator.Or, tests, 0, tests.Count);
                return result with { Start = left.Start, Length = end - left.Start };
            }
            if (IsKeyword(Current, "like"))
            {
                Advance();
                var pattern = ParseAdditive();
                var call = new CallExpr("like", new[] { left, pattern }.ToEquatableArray(), left.Start, pattern.End - left.Start);
                return negated ? new UnaryExpr(UnaryOperator.Not, call, left.Start, call.Length) : call;
            }
            if (IsKeyword(Current, "is"))
            {
                Advance();
                var not = false;
                if (IsKeyword(Current, "not")) { Advance(); not = true; }
                if (IsKeyword(Current, "empty"))
                {
                    // x is [not] empty: @isEmpty(x) / @notEmpty(x), for strings and collections, null counting as empty.
                    var emptyToken = Advance();
                    var function = not ? ExpressionFunctions.NotEmpty.Name : ExpressionFunctions.IsEmpty.Name;
                    return new CallExpr(function, new[] { left }.ToEquatableArray(), left.Start, emptyToken.Start + emptyToken.Length - left.Start);
                }
                if (!IsKeyword(Current, "null"))
                {
                    ExpectedAt(Current, "expected null or empty after 'is' (is null, is not null, is empty, is not empty)");
                    return left;
                }
                var nullToken = Advance();
                var literal = new LiteralExpr(LiteralKind.Null, "null", nullToken.Start, nullToken.Length);
                return new BinaryExpr(not ? BinaryOperator.NotEqual : BinaryOperator.Equal, left, literal, left.Start, nullToken.Start + nullToken.Length - left.Start);
            }
            if (IsKeyword(Current, "between"))
            {
                Advance();
                var low = ParseAdditive();
                var lowOpen = BoundIsExclusive();
                if (!IsKeyword(Current, "and"))
                {
                    ExpectedAt(Current, "expected 'and' between the two bounds of 'between'");
                    return left;
                }
                Advance();
                var high = ParseAdditive();
                var highOpen = BoundIsExclusive();
                var end = Previous.End;
                var above = new BinaryExpr(lowOpen ? BinaryOperator.Greater : BinaryOperator.GreaterOrEqual, left, low, left.Start, low.End - left.Start);
                var below = new BinaryExpr(highOpen ? BinaryOperator.Less : BinaryOperator.LessOrEqual, left, high, left.Start, high.End - left.Start);
                return new BinaryExpr(BinaryOperator.And, above, below, left.Start, end - left.Start);
            }
            return null;
        }

        /// <summary>A bound of <c>between</c> followed by <c>exclusive</c> is left out, by <c>inclusive</c> (the default) kept.</summary>
        private bool BoundIsExclusive()
        {
            if (IsKeyword(Current, "exclusive")) { Advance(); return true; }
            if (IsKeyword(Current, "inclusive")) Advance();
            return false;
        }

        private Expr ParseAdditive()
        {
            var levels = 0;
            try { return ParseAdditiveChain(ref levels); }
            finally { _depth -= levels; }
        }

        private Expr ParseAdditiveChain(ref int levels)
        {
            var left = ParseMultiplicative();
            while (true)
            {
                BinaryOperator op;
                switch (Current.Kind)
                {
                    case TokenKind.Plus: op = BinaryOperator.Add; break;
                    case TokenKind.Minus: op = BinaryOperator.Subtract; break;
                    default: return left;
                }
                if (!EnterChain(ref levels)) return left;
                Advance();
                var right = ParseMultiplicative();
                left = new BinaryExpr(op, left, right, left.Start, right.End - left.Start);
            }
        }

        private Expr ParseMultiplicative()
        {
            var levels = 0;
            try { return ParseMultiplicativeChain(ref levels); }
            finally { _depth -= levels; }
        }

        private Expr ParseMultiplicativeChain(ref int levels)
        {
            var left = ParseUnary();
            while (true)
            {
                BinaryOperator op;
                switch (Current.Kind)
                {
                    case TokenKind.Star: op = BinaryOperator.Multiply; break;
                    case TokenKind.Slash: op = BinaryOperator.Divide; break;
                    case TokenKind.Percent: op = BinaryOperator.Modulo; break;
                    default: return left;
                }
                if (!EnterChain(ref levels)) return left;
                Advance();
                var right = ParseUnary();
                left = new BinaryExpr(op, left, right, left.Start, right.End - left.Start);
            }
        }

        private Expr ParseUnary()
        {
            UnaryOperator op;
            if (Current.Kind == TokenKind.Bang || IsKeyword(Current, "not")) op = UnaryOperator.Not;
            else if (Current.Kind == TokenKind.Minus) op = UnaryOperator.Negate;
            else return ParsePrimary();

            var opToken = Advance();
            if (!Enter(opToken)) return Placeholder(opToken);
            var operand = ParseUnary();
            _depth--;
            return new UnaryExpr(op, operand, opToken.Start, operand.End - opToken.Start);
        }

        private Expr ParsePrimary()
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.Duration:
                    Advance();
                    return new LiteralExpr(LiteralKind.Duration, t.Value, t.Start, t.Length);
                case TokenKind.Integer:
                    Advance();
                    if (!long.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    {
                        Error(ExpressionErrorIds.Syntax, t.Start, t.Length, $"the number {t.Value} is too large");
                    }
                    return new LiteralExpr(LiteralKind.Integer, t.Value, t.Start, t.Length);
                case TokenKind.Floating:
                    Advance();
                    if (!double.TryParse(t.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) || double.IsInfinity(d))
                    {
                        Error(ExpressionErrorIds.Syntax, t.Start, t.Length, $"the number {t.Value} is too large");
                    }
                    return new LiteralExpr(LiteralKind.Floating, t.Value, t.Start, t.Length);
                case TokenKind.String:
                    Advance();
                    return new LiteralExpr(LiteralKind.String, t.Value, t.Start, t.Length);
                case TokenKind.Role:
                    Advance();
                    return new RoleExpr(t.Value, t.Start, t.Length);
                case TokenKind.OpenParen:
                    return ParseParenthesized();
                case TokenKind.At:
                    return ParseAtCall();
                case TokenKind.Identifier:
                    return ParseName();
                default:
                    ReportExpectedValue(t);
                    // Keep operators and closers for the caller (a loop or a ')' check) to consume; skip anything else.
                    if (!IsOperatorOrCloser(t.Kind)) Advance();
                    return Placeholder(t);
            }
        }

        private Expr ParseParenthesized()
        {
            var open = Advance();
            if (!Enter(open)) return Placeholder(open);
            var inner = ParseChoice();
            _depth--;
            if (Current.Kind == TokenKind.CloseParen)
            {
                var close = Advance();
                // The node spans the parentheses, so that a message about "(a || b)" points at all of it.
                return inner with { Start = open.Start, Length = close.End - open.Start };
            }
            ExpectedAt(Current, $"expected ')' to close '(' opened at column {open.Start + 1}");
            return inner;
        }

        private Expr ParseAtCall()
        {
            var at = Advance();
            if (Current.Kind != TokenKind.Identifier)
            {
                ExpectedAt(Current, "expected a function name after '@' (e.g. @notNull(var.x))");
                return Placeholder(at);
            }
            var name = Advance();
            if (Current.Kind != TokenKind.OpenParen)
            {
                ExpectedAt(Current, $"expected '(' after '@{name.Value}'");
                return Placeholder(at, name.End - at.Start);
            }
            return ParseCallArguments(at, name);
        }

        private Expr ParseName()
        {
            var name = Current;
            var next = PeekAt(1);
            if (next.Kind == TokenKind.OpenParen && !PathRoots.IsRoot(name.Value))
            {
                Advance();
                return ParseCallArguments(name, name);
            }

            var keyword = name.Value.ToLowerInvariant();
            switch (keyword)
            {
                case "true":
                case "false":
                    Advance();
                    return new LiteralExpr(LiteralKind.Boolean, keyword, name.Start, name.Length);
                case "null":
                    Advance();
                    return new LiteralExpr(LiteralKind.Null, "null", name.Start, name.Length);
                case "and":
                case "or":
                    ReportExpectedValue(name);
                    return Placeholder(name);
            }

            Advance();
            var segments = new List<PathSegment>();
            var end = name.End;
            while (Current.Kind is TokenKind.Dot or TokenKind.OpenBracket)
            {
                if (Current.Kind == TokenKind.OpenBracket)
                {
                    // An index: sta.orders[0].id (a list's item, or a JSON array's), a whole number >= 0.
                    var open = Advance();
                    if (Current.Kind != TokenKind.Integer || !int.TryParse(Current.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
                    {
                        ExpectedAt(Current, $"expected a whole number (0 or more) inside '[' at column {open.Start + 1}, such as sta.orders[0]");
                        end = open.End;
                        break;
                    }
                    var number = Advance();
                    if (Current.Kind != TokenKind.CloseBracket)
                    {
                        ExpectedAt(Current, $"expected ']' after '[{number.Value}' at column {open.Start + 1}");
                        end = number.End;
                        break;
                    }
                    var close = Advance();
                    segments.Add(new PathSegment("[" + number.Value + "]", open.Start, close.End - open.Start) { Index = index });
                    end = close.End;
                    continue;
                }
                var dot = Advance();
                if (Current.Kind != TokenKind.Identifier)
                {
                    ExpectedAt(Current, $"expected a member name after '.' at column {dot.Start + 1}");
                    end = dot.End;
                    break;
                }
                var segment = Advance();
                segments.Add(new PathSegment(segment.Value, segment.Start, segment.Length));
                end = segment.End;
            }

            if (!PathRoots.IsRoot(name.Value))
            {
                Error(ExpressionErrorIds.UnknownName, name.Start, name.Length, $"unknown name '{name.Value}': paths start with req., sta., var. or res.");
                return Placeholder(name, end - name.Start);
            }
            if (PathRoots.IsNamedValues(name.Value) && segments.Count > 0 && segments[0].Index is not null)
            {
                ExpectedAt(Current, $"expected '.' and a value name after '{name.Value}' before an index (e.g. {name.Value}.orders[0])");
                return Placeholder(name, end - name.Start);
            }
            if (PathRoots.IsNamedValues(name.Value) && segments.Count == 0)
            {
                ExpectedAt(Current, $"expected '.' and a value name after '{name.Value}' (e.g. {name.Value}.goodsDetail)");
                return Placeholder(name, end - name.Start);
            }
            return new PathExpr(name.Value, segments.ToEquatableArray(), name.Start, end - name.Start);
        }

        private Expr ParseCallArguments(Token start, Token name)
        {
            var open = Advance();
            if (!Enter(open)) return Placeholder(start, open.End - start.Start);
            var arguments = new List<Expr>();
            var closed = false;
            if (Current.Kind == TokenKind.CloseParen)
            {
                Advance();
                closed = true;
            }
            else
            {
                while (true)
                {
                    arguments.Add(ParseChoice());
                    if (Current.Kind == TokenKind.Comma)
                    {
                        Advance();
                        continue;
                    }
                    if (Current.Kind == TokenKind.CloseParen)
                    {
                        Advance();
                        closed = true;
                        break;
                    }
                    ExpectedAt(Current, $"expected ',' or ')' to close the arguments of '{name.Value}' opened at column {open.Start + 1}");
                    break;
                }
            }
            _depth--;

            var end = closed ? Previous.End : (arguments.Count > 0 ? arguments[arguments.Count - 1].End : open.End);
            var function = ExpressionFunctions.Find(name.Value);
            if (function is null)
            {
                Error(ExpressionErrorIds.UnknownFunction, start.Start, name.End - start.Start, ExpressionFunctions.UnknownMessage(name.Value));
                return new CallExpr(name.Value, arguments.ToEquatableArray(), start.Start, end - start.Start);
            }
            if (closed && !function.Takes(arguments.Count))
            {
                Error(ExpressionErrorIds.UnknownFunction, start.Start, end - start.Start, ExpressionFunctions.ArityMessage(function, arguments.Count));
            }
            return new CallExpr(function.Name, arguments.ToEquatableArray(), start.Start, end - start.Start);
        }

        private bool Enter(Token at)
        {
            if (++_depth <= _maxDepth) return true;
            _depth--;
            Error(ExpressionErrorIds.TooLong, at.Start, at.Length, $"the condition is nested more than {_maxDepth.ToString(CultureInfo.InvariantCulture)} levels deep (parentheses, '!' and chains such as a - b - c count); split it, or raise the limit with <FlowGenMaxNesting> in the project file");
            // Give up on the rest: every enclosing level would otherwise report its missing ')'.
            _abandoned = true;
            _position = _tokens.Count - 1;
            return false;
        }

        private void ReportExpectedValue(Token t)
        {
            if (t.Kind == TokenKind.End)
            {
                var after = _position > 0 ? $" after {Describe(Previous)}" : "";
                Error(ExpressionErrorIds.Syntax, t.Start, 0, $"expected a value{after}, but the condition ends here");
            }
            else
            {
                Error(ExpressionErrorIds.Syntax, t.Start, t.Length, $"expected a value (a path such as req.x, a literal or a function call), but found {Describe(t)}");
            }
        }

        private void ExpectedAt(Token t, string message)
        {
            var found = t.Kind == TokenKind.End ? ", but the condition ends here" : $", but found {Describe(t)}";
            Error(ExpressionErrorIds.Syntax, t.Start, t.Length, message + found);
        }

        private void Error(string id, int start, int length, string message)
        {
            if (_abandoned) return;
            // One mistake often confuses the next few tokens: keep the first report for a place only.
            if (start == _lastErrorStart || start < _lastErrorEnd) return;
            _lastErrorStart = start;
            _lastErrorEnd = start + length;
            _errors.Add(new ExpressionError(id, start, length, message));
        }

        private string Describe(Token t) => t.Kind switch
        {
            TokenKind.End => "the end of the condition",
            TokenKind.String => $"the string {_text.Substring(t.Start, t.Length)}",
            _ => $"'{_text.Substring(t.Start, t.Length)}'",
        };

        private static bool IsKeyword(Token t, string keyword) =>
            t.Kind == TokenKind.Identifier && string.Equals(t.Value, keyword, StringComparison.OrdinalIgnoreCase);

        private static bool IsOperatorOrCloser(TokenKind kind) => kind is TokenKind.End or TokenKind.CloseParen or TokenKind.Comma
            or TokenKind.OrOr or TokenKind.AndAnd or TokenKind.EqualEqual or TokenKind.BangEqual
            or TokenKind.Less or TokenKind.LessEqual or TokenKind.Greater or TokenKind.GreaterEqual
            or TokenKind.Plus or TokenKind.Star or TokenKind.Slash or TokenKind.Percent or TokenKind.Question or TokenKind.Colon;

        /// <summary>Stands in for a node that could not be parsed; the condition then has errors and no root.</summary>
        private static Expr Placeholder(Token t, int? length = null) => new LiteralExpr(LiteralKind.Null, "null", t.Start, length ?? t.Length);
    }
}
