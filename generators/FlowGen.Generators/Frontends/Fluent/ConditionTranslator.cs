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

        if (expression is InvocationExpressionSyntax invocation && WriteFunction(invocation, cancellationToken)) return;

        throw new UntranslatableException(expression, Describe(expression));
    }

    /// <summary>
    /// A call of a .NET method that a function of the expression language does the same as (the docs' table in
    /// fluent.md): <c>s.ToUpper()</c> is <c>@upper(s)</c>, <c>Math.Max(a, b)</c> is <c>@max(a, b)</c>, <c>x.ToString()</c> is
    /// <c>str(x)</c> (invariant culture). False for any other call, which stays untranslatable.
    /// </summary>
    private bool WriteFunction(InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        if (_model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method) return false;
        var receiver = (invocation.Expression as MemberAccessExpressionSyntax)?.Expression;
        var arguments = invocation.ArgumentList.Arguments.Select(a => a.Expression).ToList();
        if (method.ReducedFrom is { } extension) method = extension; // s.Sum() is Enumerable.Sum(s)
        if (!method.IsStatic || invocation.Expression is MemberAccessExpressionSyntax && method.IsExtensionMethod)
        {
            if (receiver is null) return false;
            arguments.Insert(0, receiver);
        }
        var function = (method.ContainingType?.ToDisplayString(), method.Name, arguments.Count) switch
        {
            ("string", "ToUpper" or "ToUpperInvariant", 1) => "upper",
            ("string", "ToLower" or "ToLowerInvariant", 1) => "lower",
            ("string", "Trim", 1) => "trim",
            ("string", "StartsWith", 2) when method.Parameters[0].Type.SpecialType == SpecialType.System_String => "startsWith",
            ("string", "EndsWith", 2) when method.Parameters[0].Type.SpecialType == SpecialType.System_String => "endsWith",
            ("string", "Contains", 2) => "contains",
            ("string", "IsNullOrEmpty", 1) => "isEmpty",
            ("string", "IsNullOrWhiteSpace", 1) => "isBlank",
            ("string", "Concat", 2) => "concat",
            ("System.Math", "Abs", 1) => "abs",
            ("System.Math", "Max", 2) => "max",
            ("System.Math", "Min", 2) => "min",
            ("System.Linq.Enumerable", "Sum", 1) => "sum",
            ("System.Linq.Enumerable", "Count", 1) => "count",
            ("System.Linq.Enumerable", "Any", 1) => "notEmpty",
            ("System.Linq.Enumerable", "Contains", 2) => "contains",
            (_, "ToString", 1) when !method.IsStatic && method.Parameters.Length == 0 => "str",
            _ => null,
        };
        if (function is null) return false;
        Append((function == "str" ? "" : "@") + function + "(", invocation);
        for (var i = 0; i < arguments.Count; i++)
        {
            if (i > 0) Append(", ", invocation);
            Write(arguments[i], cancellationToken);
        }
        Append(")", invocation);
        return true;
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
        InvocationExpressionSyntax => "a method call that no function of the expression language stands for (fluent.md lists those that do; call C# in a task and compare its result instead)",
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
