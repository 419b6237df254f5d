using System.Globalization;
using System.Text;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Expressions;

/// <summary>
/// Type-checks a condition against the bus types and emits it as C#. The emitted code is fully qualified,
/// uses invariant number formats and escaped literals, and neither boxes nor allocates: paths become member
/// accesses (<c>?.</c> where a receiver may be null), operators stay C# operators (lifted over nullable values),
/// functions call <c>global::FlowGen.FlowFunctions</c>. Never throws: problems become errors with offsets into the condition text.
/// </summary>
internal static class ExpressionCompiler
{
    private const string Functions = "global::FlowGen.FlowFunctions";

    /// <summary>Compiles a condition; the code is a C# <c>bool</c> expression (a nullable bool is compared with <c>true</c>).</summary>
    public static CompiledExpression CompileCondition(Expr root, IBusResolver bus)
    {
        var compiler = new Compiler(bus);
        var value = compiler.Compile(root);
        if (value is not null && value.Type.Category != TypeCategory.Boolean)
        {
            compiler.Error(ExpressionErrorIds.TypeMismatch, root, $"a condition must be true or false, but this is {value.DisplayType}");
            value = null;
        }
        return compiler.Finish(value is null ? null : Compiler.AsBool(value));
    }

    /// <summary>Compiles a value expression (e.g. an iteration source or a mapping); the type may be nullable.</summary>
    public static CompiledExpression CompileValue(Expr root, IBusResolver bus)
    {
        var compiler = new Compiler(bus);
        var value = compiler.Compile(root);
        if (value is { IsNullLiteral: true })
        {
            compiler.Error(ExpressionErrorIds.TypeMismatch, root, "a value expression cannot be just null");
            value = null;
        }
        return compiler.Finish(value);
    }

    // C# operator precedence, higher binds tighter.
    private static class Precedence
    {
        public const int Primary = 16;
        public const int Unary = 14;
        public const int Multiplicative = 13;
        public const int Additive = 12;
        public const int Relational = 10;
        public const int Equality = 9;
        public const int ConditionalAnd = 5;
        public const int ConditionalOr = 4;
        public const int Conditional = 3;
    }

    /// <summary>A checked sub-expression: its code and what the checker knows about its value.</summary>
    /// <param name="MayBeNull">The expression may evaluate to null (for a value type: its C# type is T?).</param>
    /// <param name="ReceiverMayBeNull">A member read on it needs <c>?.</c> (the last step itself may be null; differs from MayBeNull inside a <c>?.</c> chain).</param>
    /// <param name="Source">The expression as the flow wrote it, for messages.</param>
    /// <param name="Literal">The literal kind when the value is a literal (possibly negated).</param>
    /// <param name="IntegerConstant">The value of an integer constant, for range and overflow checks.</param>
    /// <param name="DeclaredNullable">The C# declaration itself is <c>T?</c> (a <c>decimal?</c> property), as opposed to a
    /// value that may be null only where the condition reads it (a state value not yet written, a member behind a
    /// <c>?.</c>): messages name the declared type, as the user wrote it.</param>
    private sealed record Value(
        string Code,
        int Precedence,
        ExpressionType Type,
        bool MayBeNull,
        bool ReceiverMayBeNull,
        string Source,
        LiteralKind? Literal = null,
        long? IntegerConstant = null,
        bool DeclaredNullable = false)
    {
        public bool IsNullLiteral => Literal == LiteralKind.Null;

        /// <summary>For a string join (<c>a + b + c</c>): the code of each part, so that a longer join stays one call.</summary>
        public IReadOnlyList<string>? ConcatParts { get; init; }

        public bool IsNullableValueType => Type.IsValueType && MayBeNull;

        public string DisplayType => IsNullLiteral ? "null" : Type.Display + (Type.IsValueType && DeclaredNullable ? "?" : "");

        public string CSharpType => Type.Name + (IsNullableValueType ? "?" : "");

        public string Describe() => IsNullLiteral ? "null" : $"{DisplayType} ({Source})";
    }

    private sealed class Compiler
    {
        private readonly IBusResolver _bus;
        private readonly List<ExpressionError> _errors = new();

        public Compiler(IBusResolver bus) => _bus = bus;

        public CompiledExpression Finish(Value? value)
        {
            if (_errors.Count > 0 || value is null)
            {
                if (_errors.Count == 0) _errors.Add(new ExpressionError(ExpressionErrorIds.Syntax, 0, 0, "the condition could not be compiled"));
                var sorted = _errors.Distinct().OrderBy(e => e.Start).ThenBy(e => e.Length).ToEquatableArray();
                return new CompiledExpression(null, null, sorted);
            }
            return new CompiledExpression(value.Code, value.CSharpType, EquatableArray<ExpressionError>.Empty) { MayBeNull = value.MayBeNull };
        }

        public void Error(string id, Expr at, string message) => Error(id, at.Start, at.Length, message);

        public void Error(string id, int start, int length, string message) => _errors.Add(new ExpressionError(id, start, length, message));

        private Value? Mismatch(Expr at, string message)
        {
            Error(ExpressionErrorIds.TypeMismatch, at, message);
            return null;
        }

        public Value? Compile(Expr expr) => expr switch
        {
            LiteralExpr literal => CompileLiteral(literal),
            PathExpr path => CompilePath(path),
            UnaryExpr unary => CompileUnary(unary),
            BinaryExpr binary => CompileBinary(binary),
            CallExpr call => CompileCall(call),
            RoleExpr role => CompileRole(role),
            ConditionalExpr conditional => CompileConditional(conditional),
            _ => Mismatch(expr, "this expression is not supported"),
        };

        /// <summary>
        /// <c>c ? a : b</c>: the condition must be true or false; the two values need one type (numbers are promoted as C#
        /// does, null goes with any type that can hold it). A value that may be null on either side may be null.
        /// </summary>
        private Value? CompileConditional(ConditionalExpr conditional)
        {
            var test = Compile(conditional.Condition);
            var whenTrue = Compile(conditional.WhenTrue);
            var whenFalse = Compile(conditional.WhenFalse);
            if (test is null || whenTrue is null || whenFalse is null) return null;
            if (test.Type.Category != TypeCategory.Boolean)
                return Mismatch(conditional.Condition, $"the condition before '?' must be true or false, but this is {test.DisplayType}");

            Value a = whenTrue, b = whenFalse;
            ExpressionType type;
            if (a.IsNullLiteral && b.IsNullLiteral)
                return Mismatch(conditional, "both values of '?:' are null: give one of them a type");
            if (a.Type.IsNumeric && b.Type.IsNumeric)
            {
                var numbers = Numeric(a, b, conditional, "choose between");
                if (numbers is null) return null;
                (a, b, var common) = numbers.Value;
                type = common == a.Type.Name ? a.Type : common == b.Type.Name ? b.Type : ExpressionTypes.Describe(_bus.Types, common).Type;
                // Both as the common type, so that C# picks it for the whole expression.
                if (a.Type.Name != common) a = a with { Code = $"({common}{(a.MayBeNull ? "?" : "")})" + Wrap(a, Precedence.Unary), Precedence = Precedence.Unary };
                if (b.Type.Name != common) b = b with { Code = $"({common}{(b.MayBeNull ? "?" : "")})" + Wrap(b, Precedence.Unary), Precedence = Precedence.Unary };
            }
            else if (a.IsNullLiteral || b.IsNullLiteral)
            {
                type = a.IsNullLiteral ? b.Type : a.Type;
            }
            else if (a.CSharpType == b.CSharpType || a.Type.Name == b.Type.Name)
            {
                type = a.Type;
            }
            else
            {
                return Mismatch(conditional, $"the two values of '?:' need one type, but {a.Describe()} and {b.Describe()} differ");
            }

            var mayBeNull = a.MayBeNull || b.MayBeNull;
            // A value type that may be null on one side: both sides as T?, and a null literal as default(T?).
            string Side(Value v) => v.IsNullLiteral
                ? (type.IsValueType ? $"default({type.Name}?)" : "null")
                : type.IsValueType && mayBeNull && !v.MayBeNull ? $"({type.Name}?)" + Wrap(v, Precedence.Unary) : Wrap(v, Precedence.Conditional + 1);
            var code = $"{Wrap(AsBool(test), Precedence.ConditionalOr)} ? {Side(a)} : {Side(b)}";
            return new Value(code, Precedence.Conditional, type, mayBeNull, mayBeNull, PrintText(conditional));
        }

        /// <summary>r:service[@ability] or pr:component@service[@ability]: true when the run's role holds the permission.</summary>
        private Value? CompileRole(RoleExpr role)
        {
            var colon = role.Permission.IndexOf(':');
            var parts = role.Permission.Substring(colon + 1).Split('@');
            var prefix = role.Permission.Substring(0, colon);
            if (parts.Any(p => p.Length == 0) || (prefix == "pr" && parts.Length < 2) || parts.Length > (prefix == "pr" ? 3 : 2))
            {
                Error(ExpressionErrorIds.RoleMalformed, role,
                    $"'{role.Permission}' is not a permission: write r:service or r:service@ability, or pr:component@service or pr:component@service@ability");
                return null;
            }
            return new Value($"state.HasPermission({FlowGen.Generators.Emit.CSharpText.StringLiteral(role.Permission)})", Precedence.Primary, ExpressionType.Bool, false, false, role.Permission);
        }

        // ---- literals and paths ----

        private Value? CompileLiteral(LiteralExpr literal)
        {
            switch (literal.Kind)
            {
                case LiteralKind.Null:
                    return new Value("null", Precedence.Primary, ExpressionType.Null, true, true, "null", LiteralKind.Null);
                case LiteralKind.Boolean:
                    var b = literal.Value == "true" ? "true" : "false";
                    return new Value(b, Precedence.Primary, ExpressionType.Bool, false, false, b, LiteralKind.Boolean);
                case LiteralKind.Integer:
                    if (!long.TryParse(literal.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    {
                        return Mismatch(literal, $"the number {literal.Value} is too large");
                    }
                    return n <= int.MaxValue
                        ? new Value(literal.Value, Precedence.Primary, ExpressionType.Int, false, false, literal.Value, LiteralKind.Integer, n)
                        : new Value(literal.Value + "L", Precedence.Primary, ExpressionType.Long, false, false, literal.Value, LiteralKind.Integer, n);
                case LiteralKind.Floating:
                    if (!double.TryParse(literal.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) || double.IsInfinity(d))
                    {
                        return Mismatch(literal, $"the number {literal.Value} is too large");
                    }
                    var code = literal.Value.IndexOf('.') >= 0 ? literal.Value : literal.Value + ".0";
                    return new Value(code, Precedence.Primary, ExpressionType.Double, false, false, literal.Value, LiteralKind.Floating);
                case LiteralKind.String:
                    return new Value(FlowGen.Generators.Emit.CSharpText.StringLiteral(literal.Value), Precedence.Primary, ExpressionType.String, false, false, "'" + literal.Value + "'", LiteralKind.String);
                case LiteralKind.Duration:
                {
                    // 2d is TimeSpan.FromDays(2): the unit is the letters after the number.
                    var digits = literal.Value.TrimEnd('m', 's', 'h', 'd');
                    var unit = literal.Value.Substring(digits.Length);
                    if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount > 36_500L * 24 * 3600 * 1000)
                        return Mismatch(literal, $"the duration {literal.Value} is too long");
                    var method = unit switch { "ms" => "FromMilliseconds", "s" => "FromSeconds", "m" => "FromMinutes", "h" => "FromHours", _ => "FromDays" };
                    return new Value($"global::System.TimeSpan.{method}({digits})", Precedence.Primary, Describe(ExpressionTypes.TimeSpanName), false, false, literal.Value);
                }
                default:
                    return Mismatch(literal, "unknown literal");
            }
        }

        private Value? CompilePath(PathExpr path)
        {
            if (path.Root == PathRoots.Message)
            {
                // rulego's msg.k: what a transform wrote (var.k) when that is written on the way here, else the request's k.
                var written = path.Segments.Count > 0 && path.Segments[0].Index is null && _bus.ResolveNamed(PathRoots.Var, path.Segments[0].Name) is not null;
                return CompilePath(path with { Root = written ? PathRoots.Var : PathRoots.Request });
            }
            Value current;
            var next = 0;
            var source = path.Root;
            if (PathRoots.IsNamedValues(path.Root))
            {
                if (path.Segments.Count == 0)
                {
                    Error(ExpressionErrorIds.UnknownName, path, $"expected a value name after '{path.Root}.' (e.g. {path.Root}.goodsDetail)");
                    return null;
                }
                var name = path.Segments[0];
                source = path.Root + "." + name.Name;
                var named = _bus.ResolveNamed(path.Root, name.Name);
                if (named is null)
                {
                    Error(ExpressionErrorIds.UnknownName, path.Start, name.Start + name.Length - path.Start, $"no task writes {source} on the way to this condition");
                    return null;
                }
                current = FromBus(named, source);
                next = 1;
            }
            else if (PathRoots.IsRoot(path.Root))
            {
                var root = _bus.ResolveRoot(path.Root);
                if (root is null)
                {
                    if (path.Root == PathRoots.Event)
                    {
                        Error(ExpressionErrorIds.UnknownName, path.Start, path.Root.Length, "unknown name 'event': only a receive's condition and key, and a trigger's condition, read the event");
                        return null;
                    }
                    var what = path.Root == PathRoots.Request ? "request" : "result";
                    Error(ExpressionErrorIds.UnknownName, path.Start, path.Root.Length, $"unknown name '{path.Root}': this flow has no {what}");
                    return null;
                }
                current = FromBus(root, source);
            }
            else
            {
                Error(ExpressionErrorIds.UnknownName, path.Start, path.Root.Length, $"unknown name '{path.Root}': paths start with req., sta., var. or res.");
                return null;
            }

            for (var i = next; i < path.Segments.Count; i++)
            {
                var segment = path.Segments[i];
                if (current.Type.Name == JsonElementName)
                {
                    // A JSON value (an HTTP task's http-output): the rest of the path reads its properties by name, and
                    // its arrays' items by index, at run time (a missing step gives an undefined value, never an exception).
                    var code = JsonCode(current);
                    foreach (var run in JsonSteps(path.Segments.Skip(i)))
                    {
                        code = run.Index is { } at
                            ? $"global::FlowGen.FlowFunctions.JsonIndex({code}, {at.ToString(System.Globalization.CultureInfo.InvariantCulture)})"
                            : $"global::FlowGen.FlowFunctions.JsonPath({code}, {string.Join(", ", run.Names.Select(n => FlowGen.Generators.Emit.CSharpText.StringLiteral(n)))})";
                    }
                    source += string.Concat(path.Segments.Skip(i).Select(s => s.Index is null ? "." + s.Name : s.Name));
                    current = new Value(code, Precedence.Primary, current.Type, false, false, source);
                    break;
                }
                if (segment.Index is { } index)
                {
                    // A list's item: null (or the element type's null) when the list is null or too short, never an exception.
                    if (!current.Type.IsCollection || current.Type.ElementType is null)
                    {
                        Error(ExpressionErrorIds.TypeMismatch, segment.Start, segment.Length, $"'{segment.Name}' reads an item of a list or a JSON array, but {current.Describe()} is neither");
                        return null;
                    }
                    var (element, elementNullable) = ExpressionTypes.Describe(_bus.Types, current.Type.ElementType);
                    source += segment.Name;
                    var method = !element.IsValueType ? "Item" : elementNullable ? "ItemNullable" : "ItemValue";
                    current = new Value($"global::FlowGen.FlowFunctions.{method}({current.Code}, {index.ToString(System.Globalization.CultureInfo.InvariantCulture)})",
                        Precedence.Primary, element, MayBeNull: true, ReceiverMayBeNull: true, source, DeclaredNullable: elementNullable);
                    continue;
                }
                var member = FindMember(current, segment);
                if (member is null) return null;
                source += "." + segment.Name;
                var (type, nullable) = ExpressionTypes.Describe(_bus.Types, member.Type);
                var access = current.ReceiverMayBeNull ? "?." : ".";
                var memberMayBeNull = member.IsNullable || nullable;
                current = new Value(
                    current.Code + access + ExpressionTypes.Identifier(member.Name),
                    Precedence.Primary,
                    type,
                    MayBeNull: memberMayBeNull || current.MayBeNull || current.ReceiverMayBeNull,
                    ReceiverMayBeNull: memberMayBeNull,
                    source,
                    DeclaredNullable: nullable);
            }
            return current with { Source = PathText(path) };
        }

        /// <summary>The JSON steps of a path: runs of property names (one JsonPath call each) and single indexes.</summary>
        private static IEnumerable<(List<string> Names, int? Index)> JsonSteps(IEnumerable<PathSegment> segments)
        {
            var names = new List<string>();
            foreach (var segment in segments)
            {
                if (segment.Index is { } index)
                {
                    if (names.Count > 0) yield return (names, null);
                    names = new List<string>();
                    yield return (names, index);
                    continue;
                }
                names.Add(segment.Name);
            }
            if (names.Count > 0) yield return (names, null);
        }

        private Value FromBus(BusValue value, string source)
        {
            var (type, nullable) = ExpressionTypes.Describe(_bus.Types, value.Type);
            var mayBeNull = value.IsNullable || nullable;
            return new Value(value.Code, Precedence.Primary, type, mayBeNull, mayBeNull, source, DeclaredNullable: nullable);
        }

        private PropertyShape? FindMember(Value receiver, PathSegment segment)
        {
            var shape = receiver.Type.Shape;
            var properties = shape?.Properties ?? EquatableArray<PropertyShape>.Empty;
            if (shape is not null && shape.Category != TypeCategory.Enum)
            {
                foreach (var p in properties)
                {
                    if (string.Equals(p.Name, segment.Name, StringComparison.Ordinal)) return p;
                }
                PropertyShape? match = null;
                var count = 0;
                foreach (var p in properties)
                {
                    if (string.Equals(p.Name, segment.Name, StringComparison.OrdinalIgnoreCase))
                    {
                        match = p;
                        count++;
                    }
                }
                if (count == 1) return match;
                if (count > 1)
                {
                    var names = string.Join(", ", properties.Where(p => string.Equals(p.Name, segment.Name, StringComparison.OrdinalIgnoreCase)).Select(p => p.Name));
                    Error(ExpressionErrorIds.UnknownName, segment.Start, segment.Length, $"'{segment.Name}' matches several members of {receiver.Type.Display} when case is ignored ({names}): write the exact name");
                    return null;
                }
            }

            string message;
            if (shape is null)
            {
                message = $"{receiver.Type.Display} ({receiver.Source}) has no member '{segment.Name}': FlowGen does not know the members of {receiver.Type.Display}";
            }
            else if (properties.Count == 0 || shape.Category == TypeCategory.Enum)
            {
                message = $"{receiver.Type.Display} ({receiver.Source}) has no member '{segment.Name}': it has no readable members";
            }
            else
            {
                const int shown = 10;
                var names = string.Join(", ", properties.Take(shown).Select(p => p.Name));
                if (properties.Count > shown) names += $", ... ({properties.Count - shown} more)";
                message = $"{receiver.Type.Display} ({receiver.Source}) has no member '{segment.Name}'; its members are: {names}";
            }
            Error(ExpressionErrorIds.UnknownName, segment.Start, segment.Length, message);
            return null;
        }

        // ---- operators ----

        public static Value AsBool(Value value) => value.MayBeNull
            ? value with { Code = Wrap(value, Precedence.Equality) + " == true", Precedence = Precedence.Equality, MayBeNull = false, ReceiverMayBeNull = false, Literal = null }
            : value;

        private static string Wrap(Value value, int precedence) => value.Precedence >= precedence ? value.Code : "(" + value.Code + ")";

        private Value? CompileUnary(UnaryExpr unary)
        {
            var operand = Compile(unary.Operand);
            if (operand is null) return null;
            if (unary.Operator == UnaryOperator.Not)
            {
                if (operand.Type.Category != TypeCategory.Boolean || operand.IsNullLiteral)
                {
                    return Mismatch(unary.Operand, $"'!' needs true or false, but {operand.Describe()} is not");
                }
                var code = "!" + Wrap(AsBool(operand), Precedence.Unary);
                return new Value(code, Precedence.Unary, ExpressionType.Bool, false, false, PrintText(unary));
            }

            if (!operand.Type.IsNumeric || operand.IsNullLiteral)
            {
                return Mismatch(unary.Operand, $"'-' needs a number, but {operand.Describe()} is not");
            }
            var name = operand.Type.Name;
            if (name == "ulong") return Mismatch(unary, $"cannot negate {operand.Describe()}: ulong has no negative values");
            var resultName = name is "uint" ? "long" : ExpressionTypes.ArithmeticResult(name);
            var type = resultName == name ? operand.Type : ExpressionTypes.Describe(_bus.Types, resultName).Type;
            var operandCode = Wrap(operand, Precedence.Unary);
            if (operandCode.StartsWith("-", StringComparison.Ordinal)) operandCode = "(" + operandCode + ")";
            return new Value("-" + operandCode, Precedence.Unary, type, operand.MayBeNull, false, PrintText(unary), operand.Literal, -operand.IntegerConstant, operand.DeclaredNullable);
        }

        private Value? CompileBinary(BinaryExpr binary)
        {
            var left = Compile(binary.Left);
            var right = Compile(binary.Right);
            if (left is null || right is null) return null;
            var source = PrintText(binary);

            switch (binary.Operator)
            {
                case BinaryOperator.And:
                case BinaryOperator.Or:
                {
                    var symbol = binary.Operator == BinaryOperator.And ? "&&" : "||";
                    var ok = true;
                    foreach (var (side, expr) in new[] { (left, binary.Left), (right, binary.Right) })
                    {
                        if (side.Type.Category != TypeCategory.Boolean || side.IsNullLiteral)
                        {
                            Mismatch(expr, $"'{symbol}' needs true or false on both sides, but {side.Describe()} is not");
                            ok = false;
                        }
                    }
                    if (!ok) return null;
                    var precedence = binary.Operator == BinaryOperator.And ? Precedence.ConditionalAnd : Precedence.ConditionalOr;
                    // && and || are associative: a chain read as a balanced tree is written without parentheses.
                    var code = Wrap(AsBool(left), precedence) + " " + symbol + " " + Wrap(AsBool(right), precedence);
                    return new Value(code, precedence, ExpressionType.Bool, false, false, source);
                }

                case BinaryOperator.Equal:
                case BinaryOperator.NotEqual:
                case BinaryOperator.Less:
                case BinaryOperator.LessOrEqual:
                case BinaryOperator.Greater:
                case BinaryOperator.GreaterOrEqual:
                {
                    var pair = Comparable(binary.Operator, left, right, binary);
                    if (pair is null) return null;
                    var (l, r) = pair.Value;
                    var precedence = binary.Operator is BinaryOperator.Equal or BinaryOperator.NotEqual ? Precedence.Equality : Precedence.Relational;
                    var code = Wrap(l, precedence) + " " + Symbol(binary.Operator) + " " + Wrap(r, precedence + 1);
                    return new Value(code, precedence, ExpressionType.Bool, false, false, source);
                }

                default:
                    return CompileArithmetic(binary, left, right, source);
            }
        }

        private Value? CompileArithmetic(BinaryExpr binary, Value left, Value right, string source)
        {
            var symbol = Symbol(binary.Operator);
            if (binary.Operator == BinaryOperator.Add && (IsText(left) || IsText(right)))
            {
                // Text joined with text, a number, true/false, a char or an enum (as str() writes it); null counts as empty.
                var leftText = left.IsNullLiteral ? NullString(left) : AsText(left, binary.Left, "'+' with a string");
                var rightText = right.IsNullLiteral ? NullString(right) : AsText(right, binary.Right, "'+' with a string");
                if (leftText is null || rightText is null) return null;
                // a + b + c is one String.Concat of every part (a null part counts as empty), not a call per '+'.
                var parts = (leftText.ConcatParts ?? [Wrap(leftText, Precedence.Additive)]).Concat(rightText.ConcatParts ?? [Wrap(rightText, Precedence.Additive)]).ToList();
                return new Value($"global::System.String.Concat({string.Join(", ", parts)})", Precedence.Primary, ExpressionType.String, false, false, source)
                {
                    ConcatParts = parts,
                };
            }
            if (IsTimeOrDuration(left) || IsTimeOrDuration(right)) return CompileTimeArithmetic(binary, left, right, source);
            foreach (var side in new[] { left, right })
            {
                if (!side.Type.IsNumeric || side.IsNullLiteral)
                {
                    return Mismatch(binary, $"'{symbol}' needs numbers on both sides, but {side.Describe()} is not a number");
                }
            }
            var numbers = Numeric(left, right, binary, "combine");
            if (numbers is null) return null;
            var (l, r, common) = numbers.Value;
            var resultName = ExpressionTypes.ArithmeticResult(common);
            var resultType = resultName == l.Type.Name ? l.Type : resultName == r.Type.Name ? r.Type : ExpressionTypes.Describe(_bus.Types, resultName).Type;

            var divides = binary.Operator is BinaryOperator.Divide or BinaryOperator.Modulo;
            if (divides && (ExpressionTypes.IsIntegral(resultName) || resultName == "decimal") && IsZeroConstant(r))
            {
                return Mismatch(binary, $"'{symbol}' by zero: {source} has no value");
            }

            long? constant = null;
            if (l.IntegerConstant is { } a && r.IntegerConstant is { } b && ExpressionTypes.IsIntegral(resultName))
            {
                // C# folds constant arithmetic at compile time and rejects an overflow (CS0220).
                try
                {
                    constant = binary.Operator switch
                    {
                        BinaryOperator.Add => checked(a + b),
                        BinaryOperator.Subtract => checked(a - b),
                        BinaryOperator.Multiply => checked(a * b),
                        BinaryOperator.Divide => a / b,
                        _ => a % b,
                    };
                }
                catch (OverflowException)
                {
                    constant = null;
                }
                if (constant is null || !ExpressionTypes.FitsInteger(resultName, constant.Value))
                {
                    return Mismatch(binary, $"{source} overflows {resultName}");
                }
            }

            var precedence = binary.Operator is BinaryOperator.Add or BinaryOperator.Subtract ? Precedence.Additive : Precedence.Multiplicative;
            var code = Wrap(l, precedence) + " " + symbol + " " + Wrap(r, precedence + 1);
            var literal = constant is not null ? LiteralKind.Integer : (LiteralKind?)null;
            return new Value(code, precedence, resultType, l.MayBeNull || r.MayBeNull, false, source, literal, constant, l.DeclaredNullable || r.DeclaredNullable);
        }

        private static bool IsTimeOrDuration(Value v) => !v.IsNullLiteral && (ExpressionTypes.IsTime(v.Type.Name) || v.Type.Name == ExpressionTypes.TimeSpanName);

        private ExpressionType Describe(string name) => ExpressionTypes.Describe(_bus.Types, name).Type;

        /// <summary>
        /// Dates and durations: a date plus or minus a duration is a date (<c>now() + 2d</c>), a date minus a date of the same
        /// kind is a duration, durations add and subtract; nothing else (no '*' of a date).
        /// </summary>
        private Value? CompileTimeArithmetic(BinaryExpr binary, Value left, Value right, string source)
        {
            var symbol = Symbol(binary.Operator);
            bool Time(Value v) => ExpressionTypes.IsTime(v.Type.Name);
            bool Span(Value v) => v.Type.Name == ExpressionTypes.TimeSpanName;
            ExpressionType? type = binary.Operator switch
            {
                BinaryOperator.Add when Time(left) && Span(right) => left.Type,
                BinaryOperator.Add when Span(left) && Time(right) => right.Type,
                BinaryOperator.Add or BinaryOperator.Subtract when Span(left) && Span(right) => left.Type,
                BinaryOperator.Subtract when Time(left) && Span(right) => left.Type,
                BinaryOperator.Subtract when Time(left) && Time(right) && left.Type.Name == right.Type.Name => Describe(ExpressionTypes.TimeSpanName),
                _ => null,
            };
            if (type is null)
                return Mismatch(binary, $"'{symbol}' cannot combine {left.Describe()} with {right.Describe()}: a date takes + and - with a duration (2d, 30s), and a date minus a date is a duration");
            var precedence = Precedence.Additive;
            var code = Wrap(left, precedence) + " " + symbol + " " + Wrap(right, precedence + 1);
            var mayBeNull = left.MayBeNull || right.MayBeNull;
            return new Value(code, precedence, type, mayBeNull, false, source, DeclaredNullable: left.DeclaredNullable || right.DeclaredNullable);
        }

        private static bool IsZeroConstant(Value v) =>
            v.IntegerConstant == 0
            || (v.Literal == LiteralKind.Floating && v.Source.TrimStart('-').All(c => c is '0' or '.'));

        /// <summary>Checks that two values can be compared with <paramref name="op"/>, adapting literals to the other side.</summary>
        private const string JsonElementName = "global::System.Text.Json.JsonElement";

        /// <summary>
        /// A JSON value compared with a string, a number or true/false is read as that: its text, its number (a
        /// decimal) or its truth, and null when it is something else (so '==' is false and '!=' true).
        /// </summary>
        private Value? FromJson(Value json, Value other, Expr at)
        {
            string function;
            ExpressionType type;
            if (other.IsNullLiteral) (function, type) = ("JsonText", ExpressionType.String);
            else if (other.Type.Category == TypeCategory.String) (function, type) = ("JsonString", ExpressionType.String);
            else if (other.Type.IsNumeric) (function, type) = ("JsonNumber", ExpressionType.Decimal);
            else if (other.Type.Category == TypeCategory.Boolean) (function, type) = ("JsonBool", ExpressionType.Bool);
            else
            {
                Mismatch(at, $"{json.Source} is a JSON value: compare it with a string, a number, true/false or null, not {other.Describe()}");
                return null;
            }
            return new Value($"global::FlowGen.FlowFunctions.{function}({JsonCode(json)})", Precedence.Primary, type, true, true, json.Source, DeclaredNullable: true);
        }

        /// <summary>A JSON value's code as a JsonElement: a JsonElement? that is null reads as an undefined value.</summary>
        private static string JsonCode(Value json) => json.MayBeNull ? $"({json.Code}).GetValueOrDefault()" : json.Code;

        private (Value Left, Value Right)? Comparable(BinaryOperator op, Value left, Value right, Expr at)
        {
            if ((left.Type.Name == JsonElementName) != (right.Type.Name == JsonElementName))
            {
                var converted = left.Type.Name == JsonElementName ? FromJson(left, right, at) : FromJson(right, left, at);
                if (converted is null) return null;
                if (left.Type.Name == JsonElementName) left = converted;
                else right = converted;
            }
            var ordering = op is not (BinaryOperator.Equal or BinaryOperator.NotEqual);
            var symbol = Symbol(op);
            if (left.IsNullLiteral || right.IsNullLiteral)
            {
                var other = left.IsNullLiteral ? right : left;
                if (other.IsNullLiteral) return Fail("cannot compare null with null");
                if (ordering) return Fail($"cannot compare {other.Describe()} with null using '{symbol}': use == or != with null");
                if (other.Type.IsValueType && !other.MayBeNull) return Fail($"cannot compare {other.Describe()} with null: {other.DisplayType} is never null");
                return (left, right);
            }

            var lc = left.Type.Category;
            var rc = right.Type.Category;
            if (left.Type.IsNumeric && right.Type.IsNumeric)
            {
                // C# warns (CS0652) when an integral value is compared with a constant outside its range.
                foreach (var (value, constant) in new[] { (left, right), (right, left) })
                {
                    if (constant.IntegerConstant is { } k && value.IntegerConstant is null && ExpressionTypes.IsIntegral(value.Type.Name)
                        && !ExpressionTypes.FitsInteger(value.Type.Name, k))
                    {
                        return Fail($"cannot compare {value.Describe()} with {constant.Source}: the number is outside the range of {value.Type.Name}");
                    }
                }
                var numbers = Numeric(left, right, at, "compare");
                return numbers is null ? null : (numbers.Value.Left, numbers.Value.Right);
            }
            if (lc == TypeCategory.String && rc == TypeCategory.String)
            {
                if (ordering) return Fail($"cannot compare {left.Describe()} with {right.Describe()} using '{symbol}': strings can only be compared with == and !=");
                return (left, right);
            }
            if (lc == TypeCategory.Boolean && rc == TypeCategory.Boolean)
            {
                if (ordering) return Fail($"cannot compare {left.Describe()} with {right.Describe()} using '{symbol}': true/false values can only be compared with == and !=");
                return (left, right);
            }
            if (lc == TypeCategory.Char || rc == TypeCategory.Char)
            {
                if (lc == rc) return (left, right);
                if (lc == TypeCategory.Char && AsCharLiteral(right) is { } rightChar) return (left, rightChar);
                if (rc == TypeCategory.Char && AsCharLiteral(left) is { } leftChar) return (leftChar, right);
            }
            if (lc == TypeCategory.Enum || rc == TypeCategory.Enum)
            {
                if (lc == rc && left.Type.Name == right.Type.Name) return (left, right);
                if (lc == TypeCategory.Enum && right.Literal == LiteralKind.String)
                {
                    var member = EnumMember(left, right, at);
                    return member is null ? null : (left, member);
                }
                if (rc == TypeCategory.Enum && left.Literal == LiteralKind.String)
                {
                    var member = EnumMember(right, left, at);
                    return member is null ? null : (member, right);
                }
            }
            if ((ExpressionTypes.IsTime(left.Type.Name) && ExpressionTypes.IsTime(right.Type.Name) && left.Type.Name == right.Type.Name)
                || (left.Type.Name == ExpressionTypes.TimeSpanName && right.Type.Name == ExpressionTypes.TimeSpanName))
                return (left, right);
            return Fail($"cannot compare {left.Describe()} with {right.Describe()}");

            (Value, Value)? Fail(string message)
            {
                Error(ExpressionErrorIds.TypeMismatch, at, message);
                return null;
            }
        }

        /// <summary>Numeric operands: literals adapt (a floating literal next to a decimal gets the m suffix), then C# promotion must exist.</summary>
        private (Value Left, Value Right, string Common)? Numeric(Value left, Value right, Expr at, string verb)
        {
            var l = AdaptLiteral(left, right);
            var r = AdaptLiteral(right, left);
            var common = ExpressionTypes.Promote(l.Type.Name, r.Type.Name, l.IntegerConstant >= 0, r.IntegerConstant >= 0);
            if (common is null)
            {
                var hint = (l.Type.Name, r.Type.Name) switch
                {
                    ("decimal", "double" or "float") or ("double" or "float", "decimal") => ": decimal and floating-point numbers do not mix; convert one of them in a task",
                    ("ulong", _) or (_, "ulong") => ": ulong does not mix with signed numbers",
                    _ => "",
                };
                Error(ExpressionErrorIds.TypeMismatch, at, $"cannot {verb} {left.Describe()} with {right.Describe()}{hint}");
                return null;
            }
            return (l, r, common);
        }

        private static Value AdaptLiteral(Value value, Value other)
        {
            if (value.Literal == LiteralKind.Floating && other.Literal is null && other.Type.Name == "decimal")
            {
                return value with { Code = value.Code + "m", Type = ExpressionType.Decimal };
            }
            return value;
        }

        private static Value? AsCharLiteral(Value value) =>
            value.Literal == LiteralKind.String && value.Source.Length == 3
                ? value with { Code = FlowGen.Generators.Emit.CSharpText.CharLiteral(value.Source[1]), Type = ExpressionType.Char, Literal = null }
                : null;

        /// <summary>A string literal naming a member of the enum <paramref name="enumValue"/> becomes that member.</summary>
        private Value? EnumMember(Value enumValue, Value literal, Expr at)
        {
            var name = literal.Source.Substring(1, literal.Source.Length - 2);
            var members = enumValue.Type.Shape?.Properties ?? EquatableArray<PropertyShape>.Empty;
            var member = FindEnumMember(members, name);
            if (member is null)
            {
                var list = members.IsEmpty ? "FlowGen does not know its members" : "its members are: " + string.Join(", ", members.Take(10).Select(m => m.Name)) + (members.Count > 10 ? ", ..." : "");
                Error(ExpressionErrorIds.TypeMismatch, at, $"'{name}' is not a member of {enumValue.Type.Display} ({enumValue.Source}); {list}");
                return null;
            }
            return literal with
            {
                Code = enumValue.Type.Name + "." + ExpressionTypes.Identifier(member),
                Type = enumValue.Type,
                Literal = null,
            };
        }

        private static string? FindEnumMember(EquatableArray<PropertyShape> members, string name)
        {
            foreach (var m in members)
            {
                if (string.Equals(m.Name, name, StringComparison.Ordinal)) return m.Name;
            }
            // Java enums are UPPER_SNAKE, C# ones PascalCase: 'WAIT_PAY' finds WaitPay when that is unique.
            foreach (var relaxed in new Func<string, string>[] { s => s.ToUpperInvariant(), s => s.Replace("_", "").ToUpperInvariant() })
            {
                string? found = null;
                var count = 0;
                foreach (var m in members)
                {
                    if (string.Equals(relaxed(m.Name), relaxed(name), StringComparison.Ordinal))
                    {
                        found = m.Name;
                        count++;
                    }
                }
                if (count == 1) return found;
                if (count > 1) return null;
            }
            return null;
        }

        private static string Symbol(BinaryOperator op) => op switch
        {
            BinaryOperator.Or => "||",
            BinaryOperator.And => "&&",
            BinaryOperator.Equal => "==",
            BinaryOperator.NotEqual => "!=",
            BinaryOperator.Less => "<",
            BinaryOperator.LessOrEqual => "<=",
            BinaryOperator.Greater => ">",
            BinaryOperator.GreaterOrEqual => ">=",
            BinaryOperator.Add => "+",
            BinaryOperator.Subtract => "-",
            BinaryOperator.Multiply => "*",
            BinaryOperator.Divide => "/",
            _ => "%",
        };

        // ---- functions ----

        private Value? CompileCall(CallExpr call)
        {
            var function = ExpressionFunctions.Find(call.Function);
            if (function is null)
            {
                Error(ExpressionErrorIds.UnknownFunction, call, ExpressionFunctions.UnknownMessage(call.Function));
                return null;
            }
            if (!function.Takes(call.Arguments.Count))
            {
                Error(ExpressionErrorIds.UnknownFunction, call, ExpressionFunctions.ArityMessage(function, call.Arguments.Count));
                return null;
            }

            var args = new Value[call.Arguments.Count];
            var ok = true;
            for (var i = 0; i < args.Length; i++)
            {
                var arg = Compile(call.Arguments[i]);
                if (arg is null) ok = false;
                else args[i] = arg;
            }
            if (!ok) return null;

            var source = PrintText(call);
            var name = "@" + function.Name;
            switch (function.Name)
            {
                case "notNull":
                case "isNull":
                    if (args[0].IsNullLiteral) return Mismatch(call.Arguments[0], $"{name} needs a value, not null");
                    return Bool(Emit(function.Name == "notNull" ? "NotNull" : "IsNull", null, args[0]));

                case "notBlank":
                case "blank":
                case "isBlank":
                    if (args[0].Type.Category != TypeCategory.String || args[0].IsNullLiteral)
                    {
                        return Mismatch(call.Arguments[0], $"{name} needs a string, but {args[0].Describe()} is not");
                    }
                    return Bool(Emit(function.Name == "notBlank" ? "NotBlank" : "IsBlank", null, args[0]));

                case "timedOut":
                case "failed":
                    // The run's own record, not the bus: did this task time out with on-timeout=continue, or fail into its error route?
                    if (call.Arguments[0] is not LiteralExpr { Kind: LiteralKind.String })
                        return Mismatch(call.Arguments[0], $"{name} needs the task's id as a string literal, such as {name}('Task_1')");
                    return Bool($"state.{(function.Name == "failed" ? "Failed" : "TimedOut")}({args[0].Code})");

                case "like":
                    if (args[0].Type.Category != TypeCategory.String || args[1].Type.Category != TypeCategory.String || args[1].IsNullLiteral)
                    {
                        return Mismatch(call, $"like needs a string and a pattern string, but got {args[0].Describe()} and {args[1].Describe()}");
                    }
                    return Bool(Emit("Like", null, args[0], args[1]));

                case "upper":
                case "lower":
                case "trim":
                {
                    if (args[0].Type.Category != TypeCategory.String || args[0].IsNullLiteral)
                        return Mismatch(call.Arguments[0], $"{name} needs a string, but {args[0].Describe()} is not");
                    // A null string stays null: comparing it still works as for any string that may be null.
                    var method = function.Name switch { "upper" => "Upper", "lower" => "Lower", _ => "Trim" };
                    return new Value(Emit(method, null, args[0]), Precedence.Primary, ExpressionType.String, args[0].MayBeNull, args[0].MayBeNull, source);
                }

                case "startsWith":
                case "endsWith":
                    if (args[0].Type.Category != TypeCategory.String || args[1].Type.Category != TypeCategory.String || args[0].IsNullLiteral || args[1].IsNullLiteral)
                        return Mismatch(call, $"{name} needs two strings, but got {args[0].Describe()} and {args[1].Describe()}");
                    return Bool(Emit(function.Name == "startsWith" ? "StartsWith" : "EndsWith", null, args[0], args[1]));

                case "abs":
                case "round":
                {
                    var x = args[0];
                    if (!x.Type.IsNumeric || x.IsNullLiteral) return Mismatch(call.Arguments[0], $"{name} needs a number, but {x.Describe()} is not a number");
                    if (function.Name == "round" && x.Type.Category is TypeCategory.Integer)
                        return x; // a whole number is already round
                    return new Value(Emit(function.Name == "abs" ? "Abs" : "Round", null, x), Precedence.Primary, x.Type, x.MayBeNull, x.MayBeNull, source, DeclaredNullable: x.DeclaredNullable);
                }

                case "concat":
                    if (args.Any(a => a.Type.Category != TypeCategory.String && !a.IsNullLiteral))
                        return Mismatch(call, $"{name} needs two strings, but got {args[0].Describe()} and {args[1].Describe()}");
                    // A null part counts as empty: the result is never null.
                    return new Value(Emit("Concat", null, NullString(args[0]), NullString(args[1])), Precedence.Primary, ExpressionType.String, false, false, source);

                case "format":
                {
                    // format('{0}-{1}', a, b): String.Format in the invariant culture; the text is checked here, not at run time.
                    if (call.Arguments[0] is not LiteralExpr { Kind: LiteralKind.String } pattern)
                        return Mismatch(call.Arguments[0], $"{name} needs its format text as a string literal, such as format('{{0}}-{{1}}', req.id, var.kind)");
                    if (FormatProblem(pattern.Value, args.Length - 1) is { } problem) return Mismatch(call.Arguments[0], problem);
                    var values = new List<string>();
                    for (var i = 1; i < args.Length; i++)
                    {
                        var v = args[i];
                        if (v.IsNullLiteral) { values.Add("(object?)null"); continue; }
                        // true/false as the flow language writes them; numbers and dates keep their format specifiers ({0:0.00}).
                        values.Add(v.Type.Category == TypeCategory.Boolean ? Emit("Str", null, v) : "(object?)" + Wrap(v, Precedence.Unary));
                    }
                    return new Value($"global::System.String.Format(global::System.Globalization.CultureInfo.InvariantCulture, {args[0].Code}{string.Concat(values.Select(v => ", " + v))})",
                        Precedence.Primary, ExpressionType.String, false, false, source);
                }

                case "coalesce":
                {
                    var (a, b) = (args[0], args[1]);
                    if (a.Type.Name == JsonElementName)
                    {
                        // A JSON value, or this when it is missing or JSON null (ps-go's defaultBody).
                        string? fallback = b.Type.Name == JsonElementName ? b.Code
                            : b.Literal is LiteralKind.String ? Emit("JsonOf", null, b)
                            : b.Literal is LiteralKind.Integer or LiteralKind.Floating ? $"{Functions}.JsonOf({b.Source}m)"
                            : b.Literal is LiteralKind.Boolean ? Emit("JsonOf", null, b)
                            : null;
                        if (fallback is null) return Mismatch(call.Arguments[1], $"{name} of a JSON value takes a JSON value or a literal (text, number, true/false) after it, not {b.Describe()}");
                        return new Value($"{Functions}.Coalesce({JsonCode(a)}, {fallback})", Precedence.Primary, a.Type, false, false, source);
                    }
                    if (a.IsNullLiteral || a.Type.Name != b.Type.Name && !(b.IsNullLiteral && !a.Type.IsValueType))
                        return Mismatch(call, $"{name} needs two values of one type, but got {a.Describe()} and {b.Describe()}");
                    return new Value($"({Wrap(a, Precedence.Conditional + 1)} ?? {Wrap(b, Precedence.Conditional + 1)})", Precedence.Primary, a.Type, b.MayBeNull, b.MayBeNull, source, DeclaredNullable: b.DeclaredNullable);
                }

                case "any":
                case "all":
                {
                    var c = args[0];
                    if (c.IsNullLiteral || !c.Type.IsCollection)
                        return Mismatch(call.Arguments[0], $"{name} needs a collection, but {c.Describe()} is not");
                    var (element, elementNullable) = ExpressionTypes.Describe(_bus.Types, c.Type.ElementType!);
                    var bools = element.Category == TypeCategory.Boolean && !elementNullable;
                    if (function.Name == "all" && !bools)
                        return Mismatch(call.Arguments[0], $"{name} needs a collection of true/false, but {c.Describe()} holds {element.Display}{(elementNullable ? "?" : "")}");
                    // any: a true item (of true/false values), or any item at all (of other values).
                    return Bool(Emit(function.Name == "all" ? "All" : bools ? "Any" : "NotEmpty", null, c));
                }

                case "config":
                    // The run's variables (FlowRunOptions.Variables; with AddFlowGen, the configuration's FlowGen:Variables section).
                    if (call.Arguments[0] is not LiteralExpr { Kind: LiteralKind.String })
                        return Mismatch(call.Arguments[0], $"{name} needs the key as a string literal, such as config('coupon-amount')");
                    return new Value($"state.VariablesFor(null)[{args[0].Code}]", Precedence.Primary, ExpressionType.String, true, true, source);

                case "env":
                    // The process's environment at run time (Playwell's and the API platform's environment lookups); null when unset.
                    if (call.Arguments[0] is not LiteralExpr { Kind: LiteralKind.String })
                        return Mismatch(call.Arguments[0], $"{name} needs the variable's name as a string literal, such as env('REGION')");
                    return new Value($"global::System.Environment.GetEnvironmentVariable({args[0].Code})", Precedence.Primary, ExpressionType.String, true, true, source);

                case "now":
                    // The run's clock (FlowContext.Clock): the durable engine's TimeProvider, so tests run on fake time.
                    return new Value("state.Clock.GetUtcNow()", Precedence.Primary, Describe(ExpressionTypes.DateTimeOffsetName), false, false, source);

                case "str":
                    return AsText(args[0], call.Arguments[0], name) is { } text ? text with { Source = source } : null;

                case "sum":
                case "first":
                {
                    var c = args[0];
                    if (c.IsNullLiteral || !c.Type.IsCollection)
                        return Mismatch(call.Arguments[0], $"{name} needs a collection, but {c.Describe()} is not");
                    var (element, elementNullable) = ExpressionTypes.Describe(_bus.Types, c.Type.ElementType!);
                    if (function.Name == "sum")
                    {
                        // The items' own type: a collection of int sums to an int (C# checks nothing: as a loop by hand would).
                        if (!element.IsNumeric || elementNullable)
                            return Mismatch(call.Arguments[0], $"{name} needs a collection of numbers, but {c.Describe()} holds {element.Display}{(elementNullable ? "?" : "")}");
                        return new Value(Emit("Sum", null, c), Precedence.Primary, element, false, false, source);
                    }
                    // The first item, or null when the collection is null or empty.
                    var method = element.IsValueType && !elementNullable ? "FirstValue" : "First";
                    return new Value(Emit(method, null, c), Precedence.Primary, element, true, true, source, DeclaredNullable: elementNullable);
                }

                case "item":
                {
                    // The item at an index computed at run time (a literal index is written list[2]): null when the
                    // collection is null or too short, never an exception, as for list[2].
                    var c = args[0];
                    var at = args[1];
                    if (c.IsNullLiteral || !c.Type.IsCollection)
                        return Mismatch(call.Arguments[0], $"{name} needs a collection, but {c.Describe()} is not");
                    if (at.Type.Category != TypeCategory.Integer)
                        return Mismatch(call.Arguments[1], $"{name} needs a whole number as the index, but {at.Describe()} is not");
                    var (element, elementNullable) = ExpressionTypes.Describe(_bus.Types, c.Type.ElementType!);
                    var method = !element.IsValueType ? "Item" : elementNullable ? "ItemNullable" : "ItemValue";
                    var index = at.MayBeNull ? $"(int)({Wrap(at, Precedence.Additive)} ?? -1)" : $"(int)({at.Code})";
                    return new Value($"{Functions}.{method}({Wrap(c, Precedence.Additive)}, {index})", Precedence.Primary, element, true, true, source, DeclaredNullable: elementNullable);
                }

                case "notEmpty":
                case "isEmpty":
                case "size":
                case "len":
                case "count":
                {
                    var c = args[0];
                    if (c.IsNullLiteral || (c.Type.Category != TypeCategory.String && !c.Type.IsCollection))
                    {
                        return Mismatch(call.Arguments[0], $"{name} needs a collection or a string, but {c.Describe()} is not");
                    }
                    var method = function.Name switch { "notEmpty" => "NotEmpty", "isEmpty" => "IsEmpty", _ => "Size" };
                    var code = Emit(method, null, c);
                    return function.Name is "size" or "len" or "count"
                        ? new Value(code, Precedence.Primary, ExpressionType.Int, false, false, source)
                        : Bool(code);
                }

                case "contains":
                    return CompileContains(call, args[0], args[1], source);

                case "equals":
                case "notEquals":
                {
                    var pair = Comparable(BinaryOperator.Equal, args[0], args[1], call);
                    if (pair is null) return null;
                    var (l, r) = pair.Value;
                    string? typeArgument = null;
                    if (!l.IsNullLiteral && !r.IsNullLiteral && l.CSharpType != r.CSharpType && (l.Type.IsValueType || r.Type.IsValueType))
                    {
                        var common = l.Type.IsNumeric && r.Type.IsNumeric ? ExpressionTypes.Promote(l.Type.Name, r.Type.Name, l.IntegerConstant >= 0, r.IntegerConstant >= 0) : l.Type.Name;
                        typeArgument = common + (l.MayBeNull || r.MayBeNull ? "?" : "");
                    }
                    return Bool(Emit(function.Name == "equals" ? "AreEqual" : "AreNotEqual", typeArgument, l, r));
                }

                case "toInt":
                {
                    var x = NumberOrStringArgument(name, args[0], call.Arguments[0]);
                    if (x is null) return null;
                    var d = args[1];
                    var isInt = d.Type.Category == TypeCategory.Integer && !d.MayBeNull
                        && (d.IntegerConstant is { } k ? ExpressionTypes.FitsInteger("int", k) : d.Type.Name is "int" or "short" or "ushort" or "byte" or "sbyte");
                    if (!isInt) return Mismatch(call.Arguments[1], $"{name} needs an int as its default, but {d.Describe()} is not");
                    var dCode = d.IntegerConstant is not null && d.Code.EndsWith("L", StringComparison.Ordinal) ? d.Code.Substring(0, d.Code.Length - 1) : d.Code;
                    return new Value(Emit("ToInt", null, x, d with { Code = dCode }), Precedence.Primary, ExpressionType.Int, false, false, source);
                }

                case "validId":
                {
                    var x = NumberOrStringArgument(name, args[0], call.Arguments[0]);
                    return x is null ? null : Bool(Emit("ValidId", null, x));
                }

                default: // max, min
                {
                    foreach (var (arg, expr) in new[] { (args[0], call.Arguments[0]), (args[1], call.Arguments[1]) })
                    {
                        if (!arg.Type.IsNumeric || arg.IsNullLiteral) return Mismatch(expr, $"{name} needs numbers, but {arg.Describe()} is not a number");
                    }
                    var numbers = Numeric(args[0], args[1], call, "compare");
                    if (numbers is null) return null;
                    var (l, r, common) = numbers.Value;
                    var typeArgument = l.Type.Name == r.Type.Name ? null : common;
                    var type = common == l.Type.Name ? l.Type : common == r.Type.Name ? r.Type : ExpressionTypes.Describe(_bus.Types, common).Type;
                    var code = Emit(function.Name == "max" ? "Max" : "Min", typeArgument, l, r);
                    return new Value(code, Precedence.Primary, type, l.MayBeNull || r.MayBeNull, l.MayBeNull || r.MayBeNull, source, DeclaredNullable: l.DeclaredNullable || r.DeclaredNullable);
                }
            }

            Value Bool(string code) => new(code, Precedence.Primary, ExpressionType.Bool, false, false, source);
        }

        private static bool IsText(Value value) => value.Type.Category == TypeCategory.String && !value.IsNullLiteral;

        /// <summary>
        /// A value as text (<c>str(x)</c>): a string as it is, a number, true/false, a char or an enum member through
        /// FlowFunctions.Str (invariant culture); null stays null. Other values are a type error naming <paramref name="what"/>.
        /// </summary>
        private Value? AsText(Value value, Expr at, string what)
        {
            if (value.IsNullLiteral) return Mismatch(at, $"{what} needs a value, not null");
            var category = value.Type.Category;
            if (category == TypeCategory.String) return value;
            if (value.Type.Name == JsonElementName)
                return new Value(Emit("Str", null, value), Precedence.Primary, ExpressionType.String, true, true, value.Source);
            if (!(value.Type.IsNumeric || category is TypeCategory.Boolean or TypeCategory.Char or TypeCategory.Enum || IsTimeOrDuration(value)))
                return Mismatch(at, $"{what} needs a number, a string, true/false, a char, an enum, a date or a duration, but {value.Describe()} is none of them");
            return new Value(Emit("Str", null, value), Precedence.Primary, ExpressionType.String, value.MayBeNull, value.MayBeNull, value.Source);
        }

        /// <summary>Why a format text does not fit its values (a {n} past the last value, a brace not closed), or null.</summary>
        private static string? FormatProblem(string format, int values)
        {
            for (var i = 0; i < format.Length; i++)
            {
                if (format[i] == '}' && i + 1 < format.Length && format[i + 1] == '}') { i++; continue; }
                if (format[i] == '}') return $"the format text has a '}}' at {i + 1} that no '{{' opens (write '}}}}' for a brace)";
                if (format[i] != '{') continue;
                if (i + 1 < format.Length && format[i + 1] == '{') { i++; continue; }
                var close = format.IndexOf('}', i);
                if (close < 0) return $"the format text has a '{{' at {i + 1} that is not closed (write '{{{{' for a brace)";
                var hole = format.Substring(i + 1, close - i - 1);
                var digits = new string(hole.TakeWhile(char.IsDigit).ToArray());
                if (digits.Length == 0 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    return $"'{{{hole}}}' in the format text is not a value's number such as {{0}}";
                if (n >= values) return $"the format text reads {{{n}}}, but only {values} value{(values == 1 ? " is" : "s are")} given after it";
                i = close;
            }
            return null;
        }

        /// <summary>A string argument that may be the null literal, typed so that overloads resolve.</summary>
        private static Value NullString(Value value) => value.IsNullLiteral ? value with { Code = "(string?)null", Precedence = Precedence.Unary } : value;

        private Value? CompileContains(CallExpr call, Value container, Value item, string source)
        {
            if (container.Type.Category == TypeCategory.String && !container.IsNullLiteral)
            {
                if (item.Type.Category is TypeCategory.String or TypeCategory.Char || item.IsNullLiteral)
                {
                    return new Value(Emit("Contains", null, container, NullString(item)), Precedence.Primary, ExpressionType.Bool, false, false, source);
                }
                return Mismatch(call.Arguments[1], $"@contains on a string looks for a string, but {item.Describe()} is not");
            }
            if (container.IsNullLiteral || !container.Type.IsCollection)
            {
                return Mismatch(call.Arguments[0], $"@contains needs a collection or a string, but {container.Describe()} is not");
            }

            var (elementType, elementNullable) = ExpressionTypes.Describe(_bus.Types, container.Type.ElementType!);
            var element = new Value("", Precedence.Primary, elementType, elementNullable, elementNullable, "item", DeclaredNullable: elementNullable);
            var converted = ConvertTo(item, element, call);
            if (converted is null)
            {
                // Messages name declared types: when only the nullability differs, say so rather than "decimal in a collection of decimal".
                var why = item.IsNullableValueType && !element.MayBeNull && !item.DeclaredNullable ? $" ({item.Source} may be null here)" : "";
                return Mismatch(call.Arguments[1], $"@contains cannot look for {item.Describe()} in {container.Describe()}, a collection of {element.DisplayType}{why}");
            }
            return new Value(Emit("Contains", null, container, converted), Precedence.Primary, ExpressionType.Bool, false, false, source);
        }

        /// <summary>The value converted (implicitly, as C# would) to the element type, or null when C# has no such conversion.</summary>
        private Value? ConvertTo(Value value, Value target, Expr at)
        {
            var to = target.Type;
            if (value.IsNullLiteral) return !to.IsValueType || target.MayBeNull ? value : null;
            var nullabilityOk = !value.IsNullableValueType || target.MayBeNull;
            if (value.Type.Name == to.Name) return nullabilityOk ? value : null;
            if (value.Type.IsNumeric && to.IsNumeric)
            {
                if (value.IntegerConstant is { } k && ExpressionTypes.IsIntegral(to.Name)) return ExpressionTypes.FitsInteger(to.Name, k) ? value : null;
                if (value.Literal == LiteralKind.Floating && to.Name == "decimal") return value with { Code = value.Code + "m", Type = to };
                if (value.Literal == LiteralKind.Floating && to.Name == "float") return value with { Code = value.Code + "f", Type = to };
                return nullabilityOk && ExpressionTypes.HasImplicitNumericConversion(value.Type.Name, to.Name) ? value : null;
            }
            if (to.Category == TypeCategory.Enum && value.Literal == LiteralKind.String)
            {
                var errorsBefore = _errors.Count;
                var member = EnumMember(target with { Source = "item" }, value, at);
                if (member is null) _errors.RemoveRange(errorsBefore, _errors.Count - errorsBefore);
                return member;
            }
            if (to.Category == TypeCategory.Char) return AsCharLiteral(value);
            return null;
        }

        private Value? NumberOrStringArgument(string function, Value value, Expr at)
        {
            if (value.IsNullLiteral || !(value.Type.IsNumeric || value.Type.Category == TypeCategory.String))
            {
                return Mismatch(at, $"{function} needs a number or a string, but {value.Describe()} is not");
            }
            // ulong converts implicitly to both double and decimal: pick one so the overload is not ambiguous.
            return value.Type.Name == "ulong"
                ? value with { Code = "(decimal?)" + Wrap(value, Precedence.Unary), Precedence = Precedence.Unary }
                : value;
        }

        private static string Emit(string method, string? typeArgument, params Value[] args)
        {
            var sb = new StringBuilder();
            sb.Append(Functions).Append('.').Append(method);
            if (typeArgument is not null) sb.Append('<').Append(typeArgument).Append('>');
            sb.Append('(');
            for (var i = 0; i < args.Length; i++)
            {
                if (i > 0) sb.Append(", ");
                // A comparison as an argument is parenthesised so that "F(a < b, c > d)" never reads as a generic call.
                sb.Append(Wrap(args[i], Precedence.Additive));
            }
            return sb.Append(')').ToString();
        }

        private static string PathText(PathExpr path)
        {
            var sb = new StringBuilder(path.Root);
            foreach (var s in path.Segments) (s.Index is null ? sb.Append('.') : sb).Append(s.Name);
            return sb.ToString();
        }

        /// <summary>The expression as flow text, for messages.</summary>
        private static string PrintText(Expr expr) => expr switch
        {
            LiteralExpr { Kind: LiteralKind.String } s => "'" + s.Value + "'",
            LiteralExpr l => l.Value,
            PathExpr p => PathText(p),
            UnaryExpr u => (u.Operator == UnaryOperator.Not ? "!" : "-") + PrintText(u.Operand),
            BinaryExpr b => PrintText(b.Left) + " " + Symbol(b.Operator) + " " + PrintText(b.Right),
            CallExpr c => "@" + c.Function + "(" + string.Join(", ", c.Arguments.Select(PrintText)) + ")",
            RoleExpr r => r.Permission,
            ConditionalExpr c => PrintText(c.Condition) + " ? " + PrintText(c.WhenTrue) + " : " + PrintText(c.WhenFalse),
            _ => "?",
        };
    }
}
