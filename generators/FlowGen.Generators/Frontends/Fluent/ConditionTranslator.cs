using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FlowGen.Generators.Frontends.Fluent;

/// <summary>
/// Translates a builder lambda over the bus (<c>bus =&gt; bus.Request.Amount &gt; 100 &amp;&amp; bus.State&lt;string&gt;("level") == "vip"</c>)
/// into FlowGen's expression language (<c>req.Amount &gt; 100 &amp;&amp; sta.level == 'vip'</c>), so that fluent conditions are
/// parsed, type-checked and emitted by the one expression pipeline every form uses. Each character of the result
/// remembers the C# offset it came from, so that FG05xx diagnostics land on the C# code.
/// </summary>
internal sealed class ConditionTranslator
{
    private readonly SemanticModel _model;
    private readonly IParameterSymbol _bus;
    private readonly bool _overEvent;
    private readonly StringBuilder _text = new();
    private readonly List<int> _offsets = [];

    private ConditionTranslator(SemanticModel model, IParameterSymbol bus, bool overEvent)
    {
        _model = model;
        _bus = bus;
        _overEvent = overEvent;
    }

    /// <summary>The translated text and the C# offset of each of its characters (plus the end), or the construct that cannot be translated.</summary>
    /// <param name="overEvent">
    /// True for a lambda over an event of a durable flow (<c>e =&gt; e.Total &gt; 0</c>): its parameter is the event,
    /// <c>event</c> in the expression language, and it has no bus.
    /// </param>
    public static (string Text, int[] Offsets, SyntaxNode? Unsupported, string? Why) Translate(SemanticModel model, IParameterSymbol bus, ExpressionSyntax body, CancellationToken cancellationToken, bool overEvent = false)
    {
        var translator = new ConditionTranslator(model, bus, overEvent);
        try
        {
            translator.Write(body, cancellationToken);
        }
        catch (UntranslatableException ex)
        {
            return ("", [], ex.Node, ex.Why);
        }
        translator._offsets.Add(body.Span.End);
        return (translator._text.ToString(), translator._offsets.ToArray(), null, null);
    }

    private void Append(string text, SyntaxNode from)
    {
        _text.Append(text);
        for (var i = 0; i < text.Length; i++) _offsets.Add(from.SpanStart);
    }

    private void Write(ExpressionSyntax expression, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        switch (expression)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                Append("(", parenthesized);
                Write(parenthesized.Expression, cancellationToken);
                Append(")", parenthesized.CloseParenToken.Parent!);
                return;

            case BinaryExpressionSyntax binary when Operator(binary.Kind()) is { } op:
                Write(binary.Left, cancellationToken);
                Append(" " + op + " ", binary);
                Write(binary.Right, cancellationToken);
                return;

            case ConditionalExpressionSyntax conditional:
                // c ? a : b, parenthesised as a whole: the condition language reads it as C# does.
                Append("(", conditional);
                Write(conditional.Condition, cancellationToken);
                Append(" ? ", conditional);
                Write(conditional.WhenTrue, cancellationToken);
                Append(" : ", conditional);
                Write(conditional.WhenFalse, cancellationToken);
                Append(")", conditional);
                return;

            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not:
                Append("!", not);
                Write(not.Operand, cancellationToken);
                return;

            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression } minus:
                Append("-", minus);
                Write(minus.Operand, cancellationToken);
                return;

            case IsPatternExpressionSyntax { Pattern: ConstantPatternSyntax equal } isConstant:
                Write(isConstant.Expression, cancellationToken);
                Append(" == ", isConstant);
                Write(equal.Expression, cancellationToken);
                return;

            case IsPatternExpressionSyntax { Pattern: UnaryPatternSyntax { Pattern: ConstantPatternSyntax notEqual } } isNot:
                Write(isNot.Expression, cancellationToken);
                Append(" != ", isNot);
                Write(notEqual.Expression, cancellationToken);
                return;

            case LiteralExpressionSyntax literal:
                Append(Literal(literal.Token.Value, literal), literal);
                return;
        }

        // A constant (a const field or local, an enum member) is written as its value.
        var constant = _model.GetConstantValue(expression, cancellationToken);
        if (constant.HasValue)
        {
            var type = _model.GetTypeInfo(expression, cancellationToken).Type;
            if (type?.TypeKind == TypeKind.Enum && _model.GetSymbolInfo(expression, cancellationToken).Symbol is IFieldSymbol member)
                Append(Literal(member.Name, expression), expression); // enums compare by member name ('History')
            else
                Append(Literal(constant.Value, expression), expression);
            return;
        }

        if (BusPath(expression, cancellationToken) is { } path)
        {
            Append(path, expression);
            return;
        }

        throw new UntranslatableException(expression, Describe(expression));
    }

    /// <summary>req/sta/var paths: bus.Request.A.B, bus.State&lt;T&gt;("x").C, bus.Var&lt;T&gt;("y").</summary>
    private string? BusPath(ExpressionSyntax expression, CancellationToken cancellationToken)
    {
        switch (expression)
        {
            case IdentifierNameSyntax when _overEvent && IsBus(expression, cancellationToken):
                return "event";

            case MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } access:
                if (!_overEvent && IsBus(access.Expression, cancellationToken))
                    return access.Name.Identifier.ValueText == "Request" ? "req" : null;
                var owner = BusPath(access.Expression, cancellationToken);
                if (owner is null) return null;
                // Only properties and fields: a method call on a value is not a path.
                return _model.GetSymbolInfo(access, cancellationToken).Symbol is IPropertySymbol or IFieldSymbol
                    ? owner + "." + access.Name.Identifier.ValueText
                    : null;

            case InvocationExpressionSyntax
            {
                Expression: MemberAccessExpressionSyntax { Name: GenericNameSyntax { Identifier.ValueText: "State" or "Var" } name } access,
                ArgumentList.Arguments.Count: 1,
            } invocation when !_overEvent && IsBus(access.Expression, cancellationToken):
                var argument = invocation.ArgumentList.Arguments[0];
                var value = _model.GetConstantValue(argument.Expression, cancellationToken);
                if (!value.HasValue || value.Value is not string busName || busName.Length == 0)
                    throw new UntranslatableException(argument, "a bus value name that is not a constant text");
                return (name.Identifier.ValueText == "State" ? "sta." : "var.") + busName;

            default:
                return null;
        }
    }

    private bool IsBus(ExpressionSyntax expression, CancellationToken cancellationToken)
        => expression is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(_model.GetSymbolInfo(expression, cancellationToken).Symbol, _bus);

    private static string? Operator(SyntaxKind kind) => kind switch
    {
        SyntaxKind.LogicalAndExpression => "&&",
        SyntaxKind.LogicalOrExpression => "||",
        SyntaxKind.EqualsExpression => "==",
        SyntaxKind.NotEqualsExpression => "!=",
        SyntaxKind.LessThanExpression => "<",
        SyntaxKind.LessThanOrEqualExpression => "<=",
        SyntaxKind.GreaterThanExpression => ">",
        SyntaxKind.GreaterThanOrEqualExpression => ">=",
        SyntaxKind.AddExpression => "+",
        SyntaxKind.SubtractExpression => "-",
        SyntaxKind.MultiplyExpression => "*",
        SyntaxKind.DivideExpression => "/",
        SyntaxKind.ModuloExpression => "%",
        _ => null,
    };

    private static string Literal(object? value, SyntaxNode at) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        string s => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "'",
        char c => Literal(c.ToString(), at),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new UntranslatableException(at, $"the constant {value} has a type conditions cannot hold"),
    };

    private string Describe(ExpressionSyntax expression) => expression switch
    {
        InvocationExpressionSyntax => "a method call (call C# in a task and compare its result instead)",
        ConditionalExpressionSyntax => "the ?: operator (write the condition with && and ||)",
        LambdaExpressionSyntax => "a lambda",
        ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax => "'new'",
        IdentifierNameSyntax => $"'{expression}', which is neither the {(_overEvent ? "event" : "bus")} nor a constant",
        _ => $"'{expression}'",
    };

    private sealed class UntranslatableException(SyntaxNode node, string why) : Exception(why)
    {
        public SyntaxNode Node { get; } = node;

        public string Why { get; } = why;
    }
}
