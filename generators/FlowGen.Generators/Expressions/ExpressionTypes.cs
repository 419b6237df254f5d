using System.Globalization;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Expressions;

/// <summary>What the type checker knows about a type: its C# name, category and, when the table has it, its shape.</summary>
/// <param name="Name">The C# spelling without nullable annotation: a keyword (<c>int</c>) or a <c>global::</c> name.</param>
/// <param name="Display">The short name for messages.</param>
/// <param name="ElementType">The item type for collections (strings excluded), else null.</param>
internal sealed record ExpressionType(string Name, string Display, TypeCategory Category, bool IsValueType, TypeShape? Shape, string? ElementType)
{
    public static readonly ExpressionType Null = new("null", "null", TypeCategory.Other, false, null, null);
    public static readonly ExpressionType Bool = new("bool", "bool", TypeCategory.Boolean, true, null, null);
    public static readonly ExpressionType Int = new("int", "int", TypeCategory.Integer, true, null, null);
    public static readonly ExpressionType Long = new("long", "long", TypeCategory.Integer, true, null, null);
    public static readonly ExpressionType Double = new("double", "double", TypeCategory.Floating, true, null, null);
    public static readonly ExpressionType Float = new("float", "float", TypeCategory.Floating, true, null, null);
    public static readonly ExpressionType Decimal = new("decimal", "decimal", TypeCategory.Decimal, true, null, null);
    public static readonly ExpressionType String = new("string", "string", TypeCategory.String, false, null, null);
    public static readonly ExpressionType Char = new("char", "char", TypeCategory.Char, true, null, null);

    public bool IsNumeric => Category is TypeCategory.Integer or TypeCategory.Floating or TypeCategory.Decimal;

    public bool IsCollection => ElementType is not null;
}

/// <summary>C# type facts the checker needs: keyword aliases, numeric promotion and implicit conversions.</summary>
internal static class ExpressionTypes
{
    private static readonly Dictionary<string, string> Keywords = new(StringComparer.Ordinal)
    {
        ["global::System.Boolean"] = "bool", ["global::System.SByte"] = "sbyte", ["global::System.Byte"] = "byte",
        ["global::System.Int16"] = "short", ["global::System.UInt16"] = "ushort", ["global::System.Int32"] = "int",
        ["global::System.UInt32"] = "uint", ["global::System.Int64"] = "long", ["global::System.UInt64"] = "ulong",
        ["global::System.Single"] = "float", ["global::System.Double"] = "double", ["global::System.Decimal"] = "decimal",
        ["global::System.String"] = "string", ["global::System.Char"] = "char", ["global::System.Object"] = "object",
    };

    private static readonly Dictionary<string, (long Min, ulong Max)> IntegerRanges = new(StringComparer.Ordinal)
    {
        ["sbyte"] = (sbyte.MinValue, (ulong)sbyte.MaxValue),
        ["byte"] = (0, byte.MaxValue),
        ["short"] = (short.MinValue, (ulong)short.MaxValue),
        ["ushort"] = (0, ushort.MaxValue),
        ["int"] = (int.MinValue, int.MaxValue),
        ["uint"] = (0, uint.MaxValue),
        ["long"] = (long.MinValue, long.MaxValue),
        ["ulong"] = (0, ulong.MaxValue),
    };

    // C# implicit numeric conversions (spec 10.2.3), without identity.
    private static readonly Dictionary<string, string[]> ImplicitNumeric = new(StringComparer.Ordinal)
    {
        ["sbyte"] = new[] { "short", "int", "long", "float", "double", "decimal" },
        ["byte"] = new[] { "short", "ushort", "int", "uint", "long", "ulong", "float", "double", "decimal" },
        ["short"] = new[] { "int", "long", "float", "double", "decimal" },
        ["ushort"] = new[] { "int", "uint", "long", "ulong", "float", "double", "decimal" },
        ["int"] = new[] { "long", "float", "double", "decimal" },
        ["uint"] = new[] { "long", "ulong", "float", "double", "decimal" },
        ["long"] = new[] { "float", "double", "decimal" },
        ["ulong"] = new[] { "float", "double", "decimal" },
        ["float"] = new[] { "double" },
    };

    /// <summary>Describes a type name from a <see cref="TypeTable"/>, unwrapping <c>Nullable&lt;T&gt;</c> and a trailing <c>?</c>.</summary>
    public static (ExpressionType Type, bool IsNullable) Describe(TypeTable table, string typeName)
    {
        var name = (typeName ?? "").Trim();
        var nullable = false;
        var shape = table.Find(name);
        if (shape is { IsNullableValueType: true, UnderlyingType: { } underlying })
        {
            nullable = true;
            name = underlying;
            shape = table.Find(name);
        }
        else if (shape is null && name.EndsWith("?", StringComparison.Ordinal))
        {
            nullable = true;
            name = name.Substring(0, name.Length - 1);
            shape = table.Find(name);
        }
        else if (shape is null && name.StartsWith("global::System.Nullable<", StringComparison.Ordinal) && name.EndsWith(">", StringComparison.Ordinal))
        {
            nullable = true;
            name = name.Substring("global::System.Nullable<".Length, name.Length - "global::System.Nullable<".Length - 1);
            shape = table.Find(name);
        }

        if (Keywords.TryGetValue(name, out var keyword))
        {
            name = keyword;
            shape ??= table.Find(keyword);
        }

        var builtin = BuiltinCategory(name);
        var category = shape?.Category ?? builtin ?? TypeCategory.Other;
        if (shape is not null && shape.Category == TypeCategory.Other && builtin is not null) category = builtin.Value;
        var isValueType = shape?.IsValueType ?? ((builtin is not null && builtin != TypeCategory.String && builtin != TypeCategory.Object) || name is DateTimeOffsetName or DateTimeName or TimeSpanName);
        var element = shape?.ElementType;
        if (element is null && name.EndsWith("[]", StringComparison.Ordinal)) element = name.Substring(0, name.Length - 2);
        if (category == TypeCategory.String) element = null;
        var display = shape?.DisplayName ?? ShortName(name);
        return (new ExpressionType(name, display, category, isValueType, shape, element), nullable);
    }

    public const string DateTimeOffsetName = "global::System.DateTimeOffset";
    public const string DateTimeName = "global::System.DateTime";
    public const string TimeSpanName = "global::System.TimeSpan";

    /// <summary>A point in time: DateTimeOffset or DateTime.</summary>
    public static bool IsTime(string name) => name is DateTimeOffsetName or DateTimeName;

    public static TypeCategory? BuiltinCategory(string keyword) => keyword switch
    {
        "bool" => TypeCategory.Boolean,
        "sbyte" or "byte" or "short" or "ushort" or "int" or "uint" or "long" or "ulong" => TypeCategory.Integer,
        "float" or "double" => TypeCategory.Floating,
        "decimal" => TypeCategory.Decimal,
        "string" => TypeCategory.String,
        "char" => TypeCategory.Char,
        "object" => TypeCategory.Object,
        _ => null,
    };

    public static string ShortName(string name)
    {
        var n = name.StartsWith("global::", StringComparison.Ordinal) ? name.Substring("global::".Length) : name;
        var generic = n.IndexOf('<');
        var lastDot = generic < 0 ? n.LastIndexOf('.') : n.LastIndexOf('.', generic);
        return lastDot < 0 ? n : n.Substring(lastDot + 1);
    }

    /// <summary>
    /// The type C#'s binary numeric promotion gives two numeric operands, or null when C# has no such operator
    /// (decimal with float/double, ulong with a signed type).
    /// <paramref name="leftNonNegativeConstant"/>/<paramref name="rightNonNegativeConstant"/> say an operand is an
    /// integer constant >= 0, which C# converts to an unsigned type.
    /// </summary>
    public static string? Promote(string left, string right, bool leftNonNegativeConstant = false, bool rightNonNegativeConstant = false)
    {
        if (left == right) return left;
        if (!IsKnownNumeric(left) || !IsKnownNumeric(right)) return null;
        if (left == "decimal" || right == "decimal")
        {
            var other = left == "decimal" ? right : left;
            return other is "float" or "double" ? null : "decimal";
        }
        if (left == "double" || right == "double") return "double";
        if (left == "float" || right == "float") return "float";
        if (left == "ulong" || right == "ulong")
        {
            var (other, otherConstant) = left == "ulong" ? (right, rightNonNegativeConstant) : (left, leftNonNegativeConstant);
            return IsSigned(other) && !otherConstant ? null : "ulong";
        }
        if (left == "long" || right == "long") return "long";
        if (left == "uint" || right == "uint")
        {
            var (other, otherConstant) = left == "uint" ? (right, rightNonNegativeConstant) : (left, leftNonNegativeConstant);
            return IsSigned(other) && !otherConstant ? "long" : "uint";
        }
        return "int";
    }

    /// <summary>The type of an arithmetic result: C# computes on at least int.</summary>
    public static string ArithmeticResult(string promoted) => promoted is "sbyte" or "byte" or "short" or "ushort" or "char" ? "int" : promoted;

    public static bool IsKnownNumeric(string name) => IntegerRanges.ContainsKey(name) || name is "float" or "double" or "decimal";

    public static bool IsIntegral(string name) => IntegerRanges.ContainsKey(name);

    private static bool IsSigned(string name) => name is "sbyte" or "short" or "int" or "long";

    public static bool HasImplicitNumericConversion(string from, string to) =>
        from == to || (ImplicitNumeric.TryGetValue(from, out var targets) && Array.IndexOf(targets, to) >= 0);

    public static bool FitsInteger(string type, long value) =>
        IntegerRanges.TryGetValue(type, out var range) && value >= range.Min && (value < 0 || (ulong)value <= range.Max);

    private static readonly HashSet<string> ReservedWords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
        "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
        "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
        "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>A member name as C# code: reserved words get an <c>@</c>.</summary>
    public static string Identifier(string name) => ReservedWords.Contains(name) ? "@" + name : name;
}
