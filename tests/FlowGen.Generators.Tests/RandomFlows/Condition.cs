using System.Globalization;

namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>What a condition reads: the request's fields a, b, c, the vars earlier tasks wrote, and the event a receive is offered.</summary>
internal interface IBusValues
{
    int Request(string field);

    int Var(string name);

    /// <summary>The <c>V</c> of the event on offer (in the condition of a flow from an event gateway to a receive).</summary>
    int EventValue { get; }
}

/// <summary>A condition of a random flow: a small AST written out as condition-language text and evaluated by the interpreter.</summary>
internal abstract record Condition
{
    public abstract string Text { get; }

    public abstract bool Evaluate(IBusValues bus);

    /// <summary>The vars the condition reads.</summary>
    public abstract IEnumerable<string> Vars();
}

/// <summary>An integer operand: <c>req.a</c>, <c>var.v3</c>, or a sum or remainder of them.</summary>
internal abstract record Operand
{
    public abstract string Text { get; }

    public abstract int Value(IBusValues bus);

    public abstract IEnumerable<string> Vars();
}

internal sealed record RequestField(string Field) : Operand
{
    public override string Text => "req." + Field;

    public override int Value(IBusValues bus) => bus.Request(Field);

    public override IEnumerable<string> Vars() => [];
}

internal sealed record VarValue(string Name) : Operand
{
    public override string Text => "var." + Name;

    public override int Value(IBusValues bus) => bus.Var(Name);

    public override IEnumerable<string> Vars() => [Name];
}

/// <summary><c>event.v</c>: the value of the event a receive is offered.</summary>
internal sealed record EventField : Operand
{
    public override string Text => "event.v";

    public override int Value(IBusValues bus) => bus.EventValue;

    public override IEnumerable<string> Vars() => [];
}

internal sealed record Sum(Operand Left, Operand Right) : Operand
{
    public override string Text => Left.Text + " + " + Right.Text;

    public override int Value(IBusValues bus) => Left.Value(bus) + Right.Value(bus);

    public override IEnumerable<string> Vars() => Left.Vars().Concat(Right.Vars());
}

internal sealed record Remainder(Operand Left, int Divisor) : Operand
{
    public override string Text => Left.Text + " % " + Divisor.ToString(CultureInfo.InvariantCulture);

    public override int Value(IBusValues bus) => Left.Value(bus) % Divisor;

    public override IEnumerable<string> Vars() => Left.Vars();
}

internal sealed record Compare(Operand Left, string Operator, int Right) : Condition
{
    public override string Text => Left.Text + " " + Operator + " " + Right.ToString(CultureInfo.InvariantCulture);

    public override bool Evaluate(IBusValues bus)
    {
        var left = Left.Value(bus);
        return Operator switch
        {
            "==" => left == Right,
            "!=" => left != Right,
            "<" => left < Right,
            "<=" => left <= Right,
            ">" => left > Right,
            ">=" => left >= Right,
            _ => throw new InvalidOperationException(Operator),
        };
    }

    public override IEnumerable<string> Vars() => Left.Vars();
}

internal sealed record Both(Condition Left, Condition Right) : Condition
{
    public override string Text => "(" + Left.Text + ") && (" + Right.Text + ")";

    public override bool Evaluate(IBusValues bus) => Left.Evaluate(bus) && Right.Evaluate(bus);

    public override IEnumerable<string> Vars() => Left.Vars().Concat(Right.Vars());
}

internal sealed record Either(Condition Left, Condition Right) : Condition
{
    public override string Text => "(" + Left.Text + ") || (" + Right.Text + ")";

    public override bool Evaluate(IBusValues bus) => Left.Evaluate(bus) || Right.Evaluate(bus);

    public override IEnumerable<string> Vars() => Left.Vars().Concat(Right.Vars());
}

internal sealed record Negation(Condition Inner) : Condition
{
    public override string Text => "!(" + Inner.Text + ")";

    public override bool Evaluate(IBusValues bus) => !Inner.Evaluate(bus);

    public override IEnumerable<string> Vars() => Inner.Vars();
}

/// <summary>The literal <c>true</c>: an exclusive gateway takes it like a flow without a condition.</summary>
internal sealed record Always : Condition
{
    public override string Text => "true";

    public override bool Evaluate(IBusValues bus) => true;

    public override IEnumerable<string> Vars() => [];
}
