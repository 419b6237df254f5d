using FlowGen.Generators.Model;

namespace FlowGen.Generators.Expressions;

// The condition AST. Every node must be cacheable as a Roslyn incremental value: immutable records with
// pointwise equality, holding only strings, numbers, enums and equatable arrays (no ISymbol or SyntaxNode).
// Start and Length are character offsets into the condition text that was passed to ExpressionParser.Parse.

/// <summary>A node of a condition expression.</summary>
internal abstract record Expr(int Start, int Length)
{
    /// <summary>The offset just after the node.</summary>
    public int End => Start + Length;
}

/// <summary>The kind of a literal.</summary>
internal enum LiteralKind
{
    Null,
    Boolean,
    Integer,
    Floating,
    String,

    /// <summary>A duration: a whole number and a unit, <c>2d</c>, <c>30s</c>, <c>500ms</c> (a TimeSpan).</summary>
    Duration,
}

/// <summary>
/// A literal. <paramref name="Value"/> is "true"/"false" for booleans, "null" for null, the digits as written for
/// numbers (e.g. "20", "1.5") and the unescaped content for strings.
/// </summary>
internal sealed record LiteralExpr(LiteralKind Kind, string Value, int Start, int Length) : Expr(Start, Length);

/// <summary>One <c>.name</c> step of a path.</summary>
internal sealed record PathSegment(string Name, int Start, int Length)
{
    /// <summary>For an index step (<c>[0]</c> in <c>sta.orders[0].id</c>): the index; <see cref="Name"/> is then <c>[0]</c>.</summary>
    public int? Index { get; init; }
}

/// <summary>A read from the data bus: <c>req.a.b</c>, <c>sta.name</c>, <c>var.name.data</c>, <c>res.img</c>.</summary>
/// <param name="Root">One of <c>req</c>, <c>sta</c>, <c>var</c>, <c>res</c> (see <see cref="PathRoots"/>).</param>
internal sealed record PathExpr(string Root, EquatableArray<PathSegment> Segments, int Start, int Length) : Expr(Start, Length);

/// <summary>A prefix operator.</summary>
internal enum UnaryOperator
{
    Not,
    Negate,
}

/// <summary><c>!x</c> (also <c>not x</c>) or <c>-x</c>.</summary>
internal sealed record UnaryExpr(UnaryOperator Operator, Expr Operand, int Start, int Length) : Expr(Start, Length);

/// <summary>An infix operator, from the loosest to the tightest binding.</summary>
internal enum BinaryOperator
{
    Or,
    And,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

/// <summary><c>left op right</c>.</summary>
internal sealed record BinaryExpr(BinaryOperator Operator, Expr Left, Expr Right, int Start, int Length) : Expr(Start, Length);

/// <summary>A function call, <c>@name(args)</c> or <c>name(args)</c>. <paramref name="Function"/> is the canonical name (see <see cref="ExpressionFunctions"/>) when the function is known, else the name as written.</summary>
/// <summary><c>c ? a : b</c>: <paramref name="WhenTrue"/> when the condition holds, else <paramref name="WhenFalse"/>.</summary>
internal sealed record ConditionalExpr(Expr Condition, Expr WhenTrue, Expr WhenFalse, int Start, int Length) : Expr(Start, Length);

internal sealed record CallExpr(string Function, EquatableArray<Expr> Arguments, int Start, int Length) : Expr(Start, Length);

/// <summary>A Kstry role expression such as <c>r:check-img@triple</c> or <c>pr:...</c>; <paramref name="Permission"/> is the whole text.</summary>
internal sealed record RoleExpr(string Permission, int Start, int Length) : Expr(Start, Length);

/// <summary>A problem in a condition, at character offsets into the condition text. <paramref name="Id"/> is one of <see cref="ExpressionErrorIds"/>.</summary>
internal sealed record ExpressionError(string Id, int Start, int Length, string Message);

/// <summary>
/// The result of parsing one condition. <paramref name="Root"/> is null exactly when <paramref name="Errors"/> is not
/// empty. <paramref name="Order"/> is the Kstry <c>O1:</c> prefix, when present.
/// </summary>
internal sealed record ParsedCondition(string Text, Expr? Root, int? Order, EquatableArray<ExpressionError> Errors);

/// <summary>The diagnostic ids the expression language reports (the 05xx range).</summary>
internal static class ExpressionErrorIds
{
    /// <summary>Syntax error: an unexpected or missing token.</summary>
    public const string Syntax = "FG0501";

    /// <summary>Unknown name: a bare identifier, an unknown member or a bus value no task writes.</summary>
    public const string UnknownName = "FG0502";

    /// <summary>Type mismatch: a comparison, operator, function argument or condition of the wrong type.</summary>
    public const string TypeMismatch = "FG0503";

    /// <summary>Unknown function or wrong number of arguments.</summary>
    public const string UnknownFunction = "FG0504";

    /// <summary>A condition with more terms, or nested deeper, than the limits allow (FlowGenMaxExpressionTerms).</summary>
    public const string TooLong = "FG0506";

    /// <summary>A role expression, which FlowGen does not support yet.</summary>
    public const string RoleMalformed = "FG0505";
}

/// <summary>The roots of a bus path.</summary>
internal static class PathRoots
{
    public const string Request = "req";
    public const string State = "sta";
    public const string Var = "var";
    public const string Result = "res";

    /// <summary>The event a durable flow's receive (or trigger) takes: readable in its condition and key.</summary>
    public const string Event = "event";

    /// <summary>
    /// rulego's message (the rulego dialect, docs/dialects/rulego.md): <c>msg.k</c> is the bus value <c>var.k</c> when one is
    /// written on the way, else the request's <c>k</c>.
    /// </summary>
    public const string Message = "msg";

    public static bool IsRoot(string name) => name is Request or State or Var or Result or Event or Message;

    /// <summary>True for the roots whose first segment names a bus value (sta, var) rather than a member.</summary>
    public static bool IsNamedValues(string name) => name is State or Var;
}
