namespace FlowGen.Generators.Expressions;

/// <summary>A function of the condition language (Kstry's <c>@name(args)</c>).</summary>
/// <param name="Name">The canonical name, as the docs spell it.</param>
/// <param name="Arity">The number of arguments.</param>
/// <param name="Signature">The arguments, for messages (e.g. <c>collection or string, item</c>).</param>
internal sealed record ExpressionFunction(string Name, int Arity, string Signature)
{
    /// <summary>The most arguments it takes (more than <see cref="Arity"/> for a function such as format).</summary>
    public int MaxArity { get; init; } = Arity;

    public bool Takes(int count) => count >= Arity && count <= MaxArity;
}

/// <summary>The functions conditions may call; each compiles to a call into <c>global::FlowGen.FlowFunctions</c>.</summary>
internal static class ExpressionFunctions
{
    public static readonly ExpressionFunction NotNull = new("notNull", 1, "value");
    public static readonly ExpressionFunction IsNull = new("isNull", 1, "value");
    public static readonly ExpressionFunction NotBlank = new("notBlank", 1, "string");
    public static readonly ExpressionFunction Blank = new("blank", 1, "string");
    public static readonly ExpressionFunction IsBlank = new("isBlank", 1, "string");
    public static readonly ExpressionFunction NotEmpty = new("notEmpty", 1, "collection or string");
    public static readonly ExpressionFunction IsEmpty = new("isEmpty", 1, "collection or string");
    public static readonly ExpressionFunction Size = new("size", 1, "collection or string");
    public static readonly ExpressionFunction Contains = new("contains", 2, "collection or string, item or substring");
    public static readonly ExpressionFunction EqualsFunction = new("equals", 2, "value, value");
    public static readonly ExpressionFunction NotEquals = new("notEquals", 2, "value, value");
    public static readonly ExpressionFunction ToInt = new("toInt", 2, "number or string, default int");
    public static readonly ExpressionFunction ValidId = new("validId", 1, "number or string");
    public static readonly ExpressionFunction Max = new("max", 2, "number, number");
    public static readonly ExpressionFunction Min = new("min", 2, "number, number");
    public static readonly ExpressionFunction Like = new("like", 2, "string, pattern with % and _");
    public static readonly ExpressionFunction TimedOut = new("timedOut", 1, "the id of a task with on-timeout=continue, as a string");
    public static readonly ExpressionFunction Failed = new("failed", 1, "the id of a task with an error route (on-error=continue), as a string");
    public static readonly ExpressionFunction Upper = new("upper", 1, "string");
    public static readonly ExpressionFunction Lower = new("lower", 1, "string");
    public static readonly ExpressionFunction Trim = new("trim", 1, "string");
    public static readonly ExpressionFunction StartsWith = new("startsWith", 2, "string, prefix");
    public static readonly ExpressionFunction EndsWith = new("endsWith", 2, "string, suffix");
    public static readonly ExpressionFunction Len = new("len", 1, "collection or string");
    public static readonly ExpressionFunction Abs = new("abs", 1, "number");
    public static readonly ExpressionFunction Round = new("round", 1, "number");
    public static readonly ExpressionFunction Concat = new("concat", 2, "string, string");
    public static readonly ExpressionFunction Count = new("count", 1, "collection or string");
    public static readonly ExpressionFunction Sum = new("sum", 1, "collection of numbers");
    public static readonly ExpressionFunction First = new("first", 1, "collection");
    public static readonly ExpressionFunction Item = new("item", 2, "collection, index (a whole number from 0)");
    public static readonly ExpressionFunction Str = new("str", 1, "number, string, true/false, char or enum");
    public static readonly ExpressionFunction Now = new("now", 0, "no argument");
    public static readonly ExpressionFunction Env = new("env", 1, "the name of an environment variable, as a string");
    public static readonly ExpressionFunction Config = new("config", 1, "the key of a variable (configuration), as a string");
    public static readonly ExpressionFunction Format = new("format", 1, "a format text such as '{0}-{1}', then its values") { MaxArity = 11 };
    public static readonly ExpressionFunction AnyItem = new("any", 1, "collection");
    public static readonly ExpressionFunction AllTrue = new("all", 1, "collection of true/false");
    public static readonly ExpressionFunction Coalesce = new("coalesce", 2, "value, the value to take when the first is null or missing");

    /// <summary>All functions, in the order the docs list them.</summary>
    public static readonly IReadOnlyList<ExpressionFunction> All = new[]
    {
        NotNull, IsNull, NotBlank, Blank, IsBlank, NotEmpty, IsEmpty, Size, Contains, EqualsFunction, NotEquals, ToInt, ValidId, Max, Min, Like, TimedOut, Failed,
        Upper, Lower, Trim, StartsWith, EndsWith, Len, Abs, Round, Concat, Count, Sum, First, Item, Str, Now, Env, Config, Format, AnyItem, AllTrue, Coalesce,
    };

    /// <summary>Finds a function by name: exact first, then ignoring case (Kstry flows are written by Java developers).</summary>
    public static ExpressionFunction? Find(string name)
    {
        foreach (var f in All)
        {
            if (string.Equals(f.Name, name, StringComparison.Ordinal)) return f;
        }
        foreach (var f in All)
        {
            if (string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)) return f;
        }
        return null;
    }

    /// <summary>The names of all functions, for messages.</summary>
    public static string Names => string.Join(", ", All.Select(f => "@" + f.Name));

    /// <summary>The message for a call with the wrong number of arguments.</summary>
    public static string ArityMessage(ExpressionFunction f, int given) =>
        $"@{f.Name} takes {(f.MaxArity > f.Arity ? $"{f.Arity} to {f.MaxArity} arguments" : $"{f.Arity} argument{(f.Arity == 1 ? "" : "s")}")} ({f.Signature}), but {given} {(given == 1 ? "was" : "were")} given";

    /// <summary>The message for an unknown function.</summary>
    public static string UnknownMessage(string name) => $"unknown function '@{name}': the functions are {Names}";
}
