using FlowGen.Generators.Expressions;

namespace FlowGen.Generators.Checks;

/// <summary>Structural questions about condition ASTs, ignoring where they were written.</summary>
internal static class ExpressionShapes
{
    /// <summary>True when exactly one of the two conditions is true for any input (<c>c</c> and <c>!c</c>, <c>a &lt; 1</c> and <c>a &gt;= 1</c>).</summary>
    public static bool AreComplementary(Expr a, Expr b)
    {
        if (a is UnaryExpr { Operator: UnaryOperator.Not } na && Same(na.Operand, b)) return true;
        if (b is UnaryExpr { Operator: UnaryOperator.Not } nb && Same(nb.Operand, a)) return true;
        if (a is BinaryExpr x && b is BinaryExpr y && Negation(x.Operator) is { } negated)
        {
            if (y.Operator == negated && Same(x.Left, y.Left) && Same(x.Right, y.Right)) return true;
            if (Mirror(y.Operator) == negated && Same(x.Left, y.Right) && Same(x.Right, y.Left)) return true;
        }
        return false;
    }

    private static BinaryOperator? Negation(BinaryOperator op) => op switch
    {
        BinaryOperator.Less => BinaryOperator.GreaterOrEqual,
        BinaryOperator.GreaterOrEqual => BinaryOperator.Less,
        BinaryOperator.Greater => BinaryOperator.LessOrEqual,
        BinaryOperator.LessOrEqual => BinaryOperator.Greater,
        BinaryOperator.Equal => BinaryOperator.NotEqual,
        BinaryOperator.NotEqual => BinaryOperator.Equal,
        _ => null,
    };

    private static BinaryOperator Mirror(BinaryOperator op) => op switch
    {
        BinaryOperator.Less => BinaryOperator.Greater,
        BinaryOperator.Greater => BinaryOperator.Less,
        BinaryOperator.LessOrEqual => BinaryOperator.GreaterOrEqual,
        BinaryOperator.GreaterOrEqual => BinaryOperator.LessOrEqual,
        _ => op,
    };

    public static bool Same(Expr a, Expr b) => (a, b) switch
    {
        (LiteralExpr x, LiteralExpr y) => x.Kind == y.Kind && x.Value == y.Value,
        (PathExpr x, PathExpr y) => x.Root == y.Root && x.Segments.Count == y.Segments.Count
            && x.Segments.Zip(y.Segments, (s, t) => s.Name == t.Name).All(v => v),
        (UnaryExpr x, UnaryExpr y) => x.Operator == y.Operator && Same(x.Operand, y.Operand),
        (BinaryExpr x, BinaryExpr y) => x.Operator == y.Operator && Same(x.Left, y.Left) && Same(x.Right, y.Right),
        (CallExpr x, CallExpr y) => x.Function == y.Function && x.Arguments.Count == y.Arguments.Count
            && x.Arguments.Zip(y.Arguments, Same).All(v => v),
        (RoleExpr x, RoleExpr y) => x.Permission == y.Permission,
        _ => false,
    };
}
