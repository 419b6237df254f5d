using System.ComponentModel;
using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;

namespace FlowGen;

/// <summary>
/// The functions flow conditions may call (Kstry's <c>@notNull(...)</c>, <c>@size(...)</c>, ...). Generated code
/// calls these directly; they are generic or overloaded per shape so that no call boxes or allocates
/// (only <see cref="IEnumerable{T}"/> that is neither a collection nor a list is enumerated).
/// </summary>
public static class FlowFunctions
{
    /// <summary><c>@notNull(x)</c>: true when <paramref name="value"/> is not null.</summary>
    public static bool NotNull<T>(T value) => value is not null;

    /// <summary>
    /// A set's value that may be null, written to a bus value that cannot be: the value, or an exception naming the
    /// expression (the run fails with FLOW_ASSIGNMENT_FAILED at the node).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static T Value<T>(T? value, string expression) where T : struct
        => value ?? throw new InvalidOperationException($"'{expression}' is null (a bus value or member it reads is not set); write coalesce({expression}, <default>) to give a null a value");

    /// <summary><c>@isNull(x)</c>: true when <paramref name="value"/> is null.</summary>
    public static bool IsNull<T>(T value) => value is null;

    /// <summary><c>@notBlank(s)</c>: true when <paramref name="value"/> has a character that is not white space.</summary>
    public static bool NotBlank(string? value) => !string.IsNullOrWhiteSpace(value);

    /// <summary><c>@blank(s)</c> / <c>@isBlank(s)</c>: true when <paramref name="value"/> is null, empty or only white space.</summary>
    public static bool IsBlank(string? value) => string.IsNullOrWhiteSpace(value);

    /// <summary><c>@notEmpty(s)</c>: true when the string is not null or empty.</summary>
    public static bool NotEmpty(string? value) => !string.IsNullOrEmpty(value);

    /// <summary><c>@notEmpty(c)</c>: true when the list has an item.</summary>
    public static bool NotEmpty<T>(List<T>? items) => items is { Count: > 0 };

    /// <summary><c>@notEmpty(c)</c>: true when the array has an item.</summary>
    public static bool NotEmpty<T>(T[]? items) => items is { Length: > 0 };

    /// <summary><c>@notEmpty(c)</c>: true when the immutable array has an item (a default array is empty).</summary>
    public static bool NotEmpty<T>(ImmutableArray<T> items) => !items.IsDefaultOrEmpty;

    /// <summary><c>@notEmpty(c)</c>: true when the sequence has an item.</summary>
    public static bool NotEmpty<T>(IEnumerable<T>? items) => items is not null && HasAny(items);

    /// <summary><c>@isEmpty(s)</c>: true when the string is null or empty.</summary>
    public static bool IsEmpty(string? value) => string.IsNullOrEmpty(value);

    /// <summary><c>@isEmpty(c)</c>: true when the list is null or has no item.</summary>
    public static bool IsEmpty<T>(List<T>? items) => !NotEmpty(items);

    /// <summary><c>@isEmpty(c)</c>: true when the array is null or has no item.</summary>
    public static bool IsEmpty<T>(T[]? items) => !NotEmpty(items);

    /// <summary><c>@isEmpty(c)</c>: true when the immutable array is default or has no item.</summary>
    public static bool IsEmpty<T>(ImmutableArray<T> items) => items.IsDefaultOrEmpty;

    /// <summary><c>@isEmpty(c)</c>: true when the sequence is null or has no item.</summary>
    public static bool IsEmpty<T>(IEnumerable<T>? items) => !NotEmpty(items);

    /// <summary><c>@size(s)</c>: the string's length; 0 for null.</summary>
    public static int Size(string? value) => value?.Length ?? 0;

    /// <summary><c>@size(c)</c>: the number of items; 0 for null.</summary>
    public static int Size<T>(List<T>? items) => items?.Count ?? 0;

    /// <summary><c>@size(c)</c>: the number of items; 0 for null.</summary>
    public static int Size<T>(T[]? items) => items?.Length ?? 0;

    /// <summary><c>@size(c)</c>: the number of items; 0 for a default array.</summary>
    public static int Size<T>(ImmutableArray<T> items) => items.IsDefault ? 0 : items.Length;

    /// <summary><c>@size(c)</c>: the number of items; 0 for null. Collections report their count; other sequences are counted.</summary>
    public static int Size<T>(IEnumerable<T>? items)
    {
        switch (items)
        {
            case null: return 0;
            case IReadOnlyCollection<T> c: return c.Count;
            case ICollection<T> c: return c.Count;
        }
        var count = 0;
        using var e = items.GetEnumerator();
        while (e.MoveNext()) count++;
        return count;
    }

    /// <summary><c>@contains(s, sub)</c>: true when <paramref name="value"/> contains <paramref name="part"/> (ordinal); false when either is null.</summary>
    public static bool Contains(string? value, string? part) => value is not null && part is not null && value.Contains(part, StringComparison.Ordinal);

    /// <summary><c>@contains(s, c)</c>: true when <paramref name="value"/> contains the character.</summary>
    public static bool Contains(string? value, char part) => value is not null && value.Contains(part);

    /// <summary><c>@contains(c, item)</c>: true when the list holds <paramref name="item"/> (default equality); false for null.</summary>
    public static bool Contains<T>(List<T>? items, T? item) => items is not null && items.Contains(item!);

    /// <summary><c>@contains(c, item)</c>: true when the array holds <paramref name="item"/> (default equality); false for null.</summary>
    public static bool Contains<T>(T[]? items, T? item) => items is not null && Array.IndexOf(items, item) >= 0;

    /// <summary><c>@contains(c, item)</c>: true when the immutable array holds <paramref name="item"/> (default equality).</summary>
    public static bool Contains<T>(ImmutableArray<T> items, T? item) => !items.IsDefaultOrEmpty && items.IndexOf(item!) >= 0;

    /// <summary><c>@contains(c, item)</c>: true when the sequence holds <paramref name="item"/> (default equality); false for null.</summary>
    public static bool Contains<T>(IEnumerable<T>? items, T? item)
    {
        if (items is null) return false;
        if (items is ICollection<T> collection) return collection.Contains(item!);
        var comparer = EqualityComparer<T>.Default;
        foreach (var x in items)
        {
            if (comparer.Equals(x, item!)) return true;
        }
        return false;
    }

    /// <summary><c>@equals(a, b)</c>: default equality (ordinal for strings); two nulls are equal.</summary>
    public static bool AreEqual<T>(T a, T b) => EqualityComparer<T>.Default.Equals(a, b);

    /// <summary><c>@notEquals(a, b)</c>: the negation of <see cref="AreEqual{T}"/>.</summary>
    public static bool AreNotEqual<T>(T a, T b) => !EqualityComparer<T>.Default.Equals(a, b);

    /// <summary><c>@toInt(x, default)</c>: <paramref name="value"/> when it fits an int, else <paramref name="defaultValue"/> (also for null).</summary>
    public static int ToInt(long? value, int defaultValue) =>
        value is { } v && v >= int.MinValue && v <= int.MaxValue ? (int)v : defaultValue;

    /// <summary><c>@toInt(x, default)</c>: <paramref name="value"/> when it is a whole number that fits an int, else <paramref name="defaultValue"/>.</summary>
    public static int ToInt(double? value, int defaultValue) =>
        value is { } v && v >= int.MinValue && v <= int.MaxValue && Math.Floor(v) == v ? (int)v : defaultValue;

    /// <summary><c>@toInt(x, default)</c>: <paramref name="value"/> when it is a whole number that fits an int, else <paramref name="defaultValue"/>.</summary>
    public static int ToInt(decimal? value, int defaultValue) =>
        value is { } v && v >= int.MinValue && v <= int.MaxValue && decimal.Truncate(v) == v ? (int)v : defaultValue;

    /// <summary><c>@toInt(s, default)</c>: the string parsed as an int (invariant culture, surrounding white space allowed), else <paramref name="defaultValue"/>.</summary>
    public static int ToInt(string? value, int defaultValue) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : defaultValue;

    /// <summary><c>@validId(x)</c>: true for a number greater than zero.</summary>
    public static bool ValidId(long? value) => value > 0;

    /// <summary><c>@validId(x)</c>: true for a number greater than zero.</summary>
    public static bool ValidId(double? value) => value > 0;

    /// <summary><c>@validId(x)</c>: true for a number greater than zero.</summary>
    public static bool ValidId(decimal? value) => value > 0;

    /// <summary><c>@validId(s)</c>: true for a string id that is not blank.</summary>
    public static bool ValidId(string? value) => !string.IsNullOrWhiteSpace(value);

    /// <summary><c>@upper(s)</c>: the string in upper case (invariant culture); null stays null.</summary>
    public static string? Upper(string? value) => value?.ToUpperInvariant();

    /// <summary><c>@lower(s)</c>: the string in lower case (invariant culture); null stays null.</summary>
    public static string? Lower(string? value) => value?.ToLowerInvariant();

    /// <summary><c>@trim(s)</c>: the string without leading and trailing white space; null stays null.</summary>
    public static string? Trim(string? value) => value?.Trim();

    /// <summary><c>@startsWith(s, prefix)</c>: ordinal; false when either is null.</summary>
    public static bool StartsWith(string? value, string? prefix) => value is not null && prefix is not null && value.StartsWith(prefix, StringComparison.Ordinal);

    /// <summary><c>@endsWith(s, suffix)</c>: ordinal; false when either is null.</summary>
    public static bool EndsWith(string? value, string? suffix) => value is not null && suffix is not null && value.EndsWith(suffix, StringComparison.Ordinal);

    /// <summary><c>@abs(x)</c>: the absolute value, in the number's own type.</summary>
    public static T Abs<T>(T value) where T : struct, INumber<T> => T.Abs(value);

    /// <summary><c>@abs(x)</c> of a value that may be null: null stays null.</summary>
    public static T? Abs<T>(T? value) where T : struct, INumber<T> => value is { } x ? T.Abs(x) : null;

    /// <summary><c>@round(x)</c>: to the nearest whole number, halves away from zero (2.5 is 3, -2.5 is -3), in the number's own type.</summary>
    public static double Round(double value) => Math.Round(value, MidpointRounding.AwayFromZero);

    /// <summary><c>@round(x)</c> of a float.</summary>
    public static float Round(float value) => MathF.Round(value, MidpointRounding.AwayFromZero);

    /// <summary><c>@round(x)</c> of a decimal.</summary>
    public static decimal Round(decimal value) => Math.Round(value, MidpointRounding.AwayFromZero);

    /// <summary><c>@round(x)</c> of a double that may be null: null stays null.</summary>
    public static double? Round(double? value) => value is { } x ? Round(x) : null;

    /// <summary><c>@round(x)</c> of a float that may be null: null stays null.</summary>
    public static float? Round(float? value) => value is { } x ? Round(x) : null;

    /// <summary><c>@round(x)</c> of a decimal that may be null: null stays null.</summary>
    public static decimal? Round(decimal? value) => value is { } x ? Round(x) : null;

    /// <summary><c>str(s)</c> of a string: the string itself (null stays null).</summary>
    public static string? Str(string? value) => value;

    /// <summary><c>str(b)</c>: <c>true</c> or <c>false</c>, as the flow language writes them.</summary>
    public static string Str(bool value) => value ? "true" : "false";

    /// <summary><c>str(b)</c> of a bool that may be null: null stays null.</summary>
    public static string? Str(bool? value) => value is { } b ? Str(b) : null;

    /// <summary><c>str(c)</c>: the character as a string.</summary>
    public static string Str(char value) => value.ToString();

    /// <summary><c>str(c)</c> of a char that may be null: null stays null.</summary>
    public static string? Str(char? value) => value?.ToString();

    /// <summary><c>str(d)</c> of a date: ISO 8601, round-trip (<c>2026-12-07T18:00:00.0000000+00:00</c>).</summary>
    public static string Str(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    /// <summary><c>str(d)</c> of a date that may be null: null stays null.</summary>
    public static string? Str(DateTimeOffset? value) => value is { } d ? Str(d) : null;

    /// <summary><c>str(d)</c> of a DateTime: ISO 8601, round-trip.</summary>
    public static string Str(DateTime value) => value.ToString("O", CultureInfo.InvariantCulture);

    /// <summary><c>str(d)</c> of a DateTime that may be null: null stays null.</summary>
    public static string? Str(DateTime? value) => value is { } d ? Str(d) : null;

    /// <summary><c>str(t)</c> of a duration: <c>[-][d.]hh:mm:ss[.fffffff]</c> (<c>1.12:00:00</c> for 36h).</summary>
    public static string Str(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    /// <summary><c>str(t)</c> of a duration that may be null: null stays null.</summary>
    public static string? Str(TimeSpan? value) => value is { } t ? Str(t) : null;

    /// <summary><c>str(x)</c>: a number (or an enum's member name) as text in the invariant culture (2.5, never 2,5).</summary>
    public static string Str<T>(T value) where T : struct, IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    /// <summary><c>str(x)</c> of a number or enum that may be null: null stays null.</summary>
    public static string? Str<T>(T? value) where T : struct, IFormattable => value?.ToString(null, CultureInfo.InvariantCulture);

    /// <summary>The item at <paramref name="index"/> of a list (<c>req.orders[0]</c>); null when the list is null or has no such item.</summary>
    public static T? Item<T>(IEnumerable<T>? items, int index) where T : class
        => items switch
        {
            null => null,
            IReadOnlyList<T> list => index < list.Count ? list[index] : null,
            _ => items.Skip(index).FirstOrDefault(),
        };

    /// <summary>The item at <paramref name="index"/> of a list of values; null when the list is null or has no such item.</summary>
    public static T? ItemValue<T>(IEnumerable<T>? items, int index) where T : struct
    {
        switch (items)
        {
            case null:
                return null;
            case IReadOnlyList<T> list:
                return index < list.Count ? list[index] : null;
        }
        foreach (var item in items)
        {
            if (index-- == 0) return item;
        }
        return null;
    }

    /// <summary>The item at <paramref name="index"/> of a list of values that may be null; null when there is no such item.</summary>
    public static T? ItemNullable<T>(IEnumerable<T?>? items, int index) where T : struct
    {
        switch (items)
        {
            case null:
                return null;
            case IReadOnlyList<T?> list:
                return index < list.Count ? list[index] : null;
        }
        foreach (var item in items)
        {
            if (index-- == 0) return item;
        }
        return null;
    }

    /// <summary><c>any(c)</c> of true/false values: one of them is true; false for null or empty.</summary>
    public static bool Any(IEnumerable<bool>? items)
    {
        if (items is null) return false;
        foreach (var item in items)
        {
            if (item) return true;
        }
        return false;
    }

    /// <summary><c>all(c)</c>: every value is true; true for an empty collection, false for null (nothing to vouch for).</summary>
    public static bool All(IEnumerable<bool>? items)
    {
        if (items is null) return false;
        foreach (var item in items)
        {
            if (!item) return false;
        }
        return true;
    }

    /// <summary><c>@concat(a, b)</c>: the two strings joined; a null one counts as empty.</summary>
    public static string Concat(string? a, string? b) => string.Concat(a, b);

    /// <summary><c>@sum(c)</c>: the sum of the numbers, in their own type; 0 for null or empty.</summary>
    public static T Sum<T>(IEnumerable<T>? items) where T : struct, INumber<T>
    {
        var total = T.Zero;
        if (items is null) return total;
        foreach (var item in items) total += item;
        return total;
    }

    /// <summary><c>@first(c)</c> of a collection of values: the first item, or null when the collection is null or empty.</summary>
    public static T? FirstValue<T>(IEnumerable<T>? items) where T : struct
    {
        if (items is null) return null;
        foreach (var item in items) return item;
        return null;
    }

    /// <summary><c>@first(c)</c> of a collection of objects or of nullable values: the first item, or null when there is none.</summary>
    public static T? First<T>(IEnumerable<T>? items)
    {
        if (items is null) return default;
        foreach (var item in items) return item;
        return default;
    }

    /// <summary><c>@max(a, b)</c>: the larger number.</summary>
    public static T Max<T>(T a, T b) where T : struct, INumber<T> => T.Max(a, b);

    /// <summary><c>@max(a, b)</c>: the larger number; null when either is null.</summary>
    public static T? Max<T>(T? a, T? b) where T : struct, INumber<T> => a is { } x && b is { } y ? T.Max(x, y) : null;

    /// <summary><c>@min(a, b)</c>: the smaller number.</summary>
    public static T Min<T>(T a, T b) where T : struct, INumber<T> => T.Min(a, b);

    /// <summary><c>@min(a, b)</c>: the smaller number; null when either is null.</summary>
    public static T? Min<T>(T? a, T? b) where T : struct, INumber<T> => a is { } x && b is { } y ? T.Min(x, y) : null;

    private static bool HasAny<T>(IEnumerable<T> items)
    {
        switch (items)
        {
            case IReadOnlyCollection<T> c: return c.Count > 0;
            case ICollection<T> c: return c.Count > 0;
        }
        using var e = items.GetEnumerator();
        return e.MoveNext();
    }

    /// <summary>
    /// SQL's <c>like</c>: <c>%</c> matches any run of characters, <c>_</c> one character, everything else
    /// itself (ordinal). A null value matches nothing.
    /// </summary>
    public static bool Like(string? value, string? pattern)
    {
        if (value is null || pattern is null) return false;
        return Match(value.AsSpan(), pattern.AsSpan());

        static bool Match(ReadOnlySpan<char> text, ReadOnlySpan<char> pattern)
        {
            int t = 0, p = 0, starP = -1, starT = 0;
            while (t < text.Length)
            {
                if (p < pattern.Length && (pattern[p] == '_' || pattern[p] == text[t]) && pattern[p] != '%')
                {
                    t++;
                    p++;
                }
                else if (p < pattern.Length && pattern[p] == '%')
                {
                    starP = p++;
                    starT = t;
                }
                else if (starP >= 0)
                {
                    p = starP + 1;
                    t = ++starT;
                }
                else
                {
                    return false;
                }
            }
            while (p < pattern.Length && pattern[p] == '%') p++;
            return p == pattern.Length;
        }
    }

    // ---- JSON values (an HTTP task's http-output): read by path, compared as the other side's type. ----

    /// <summary>The property at <paramref name="name"/> of a JSON object, or an undefined value when there is none.</summary>
    public static System.Text.Json.JsonElement JsonPath(System.Text.Json.JsonElement value, string name)
        => value.ValueKind == System.Text.Json.JsonValueKind.Object && value.TryGetProperty(name, out var property) ? property : default;

    /// <summary>The property at a path of names, or an undefined value when a step is missing.</summary>
    public static System.Text.Json.JsonElement JsonPath(System.Text.Json.JsonElement value, string first, string second)
        => JsonPath(JsonPath(value, first), second);

    /// <summary>The property at a path of names, or an undefined value when a step is missing.</summary>
    public static System.Text.Json.JsonElement JsonPath(System.Text.Json.JsonElement value, params string[] names)
    {
        foreach (var name in names) value = JsonPath(value, name);
        return value;
    }

    /// <summary>A value as a JSON node of a result template built as a JsonObject: a JSON value as it is (none: null), text, numbers and true/false as JSON values.</summary>
    public static System.Text.Json.Nodes.JsonNode? ToJson(System.Text.Json.JsonElement value)
        => value.ValueKind is System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.Null ? null : System.Text.Json.Nodes.JsonNode.Parse(value.GetRawText());

    /// <summary>Text as a JSON string; null stays null.</summary>
    public static System.Text.Json.Nodes.JsonNode? ToJson(string? value) => value is null ? null : System.Text.Json.Nodes.JsonValue.Create(value);

    /// <summary>true or false as JSON.</summary>
    public static System.Text.Json.Nodes.JsonNode ToJson(bool value) => System.Text.Json.Nodes.JsonValue.Create(value);

    /// <summary>true, false or null as JSON.</summary>
    public static System.Text.Json.Nodes.JsonNode? ToJson(bool? value) => value is { } b ? ToJson(b) : null;

    /// <summary>A number (or a date, a duration, an enum as its text) as JSON; null stays null.</summary>
    public static System.Text.Json.Nodes.JsonNode? ToJson<T>(T? value) where T : struct, IFormattable
        => value is not { } v ? null
            : v is int or long or short or byte or sbyte or uint or ulong or ushort or decimal or double or float
                ? System.Text.Json.Nodes.JsonNode.Parse(v.ToString(null, CultureInfo.InvariantCulture))
                : System.Text.Json.Nodes.JsonValue.Create(v.ToString(null, CultureInfo.InvariantCulture));

    /// <summary>A number (or a date, a duration, an enum as its text) as JSON.</summary>
    public static System.Text.Json.Nodes.JsonNode? ToJson<T>(T value) where T : struct, IFormattable => ToJson((T?)value);

    /// <summary><c>coalesce(a, b)</c> of a JSON value: a when it is there and not JSON null, else b.</summary>
    public static System.Text.Json.JsonElement Coalesce(System.Text.Json.JsonElement value, System.Text.Json.JsonElement fallback)
        => value.ValueKind is System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.Null ? fallback : value;

    /// <summary>A literal as a JSON value, for <c>coalesce(json, literal)</c>.</summary>
    public static System.Text.Json.JsonElement JsonOf(string? value) => System.Text.Json.JsonSerializer.SerializeToElement(value, FlowJsonStrings.Default.String);

    /// <summary>A number literal as a JSON value.</summary>
    public static System.Text.Json.JsonElement JsonOf(decimal value) => System.Text.Json.JsonDocument.Parse(value.ToString(CultureInfo.InvariantCulture)).RootElement.Clone();

    /// <summary>true or false as a JSON value.</summary>
    public static System.Text.Json.JsonElement JsonOf(bool value) => System.Text.Json.JsonDocument.Parse(value ? "true" : "false").RootElement.Clone();

    /// <summary>The item at <paramref name="index"/> of a JSON array (<c>sta.user.orders[0]</c>), or an undefined value when there is none.</summary>
    public static System.Text.Json.JsonElement JsonIndex(System.Text.Json.JsonElement value, int index)
        => value.ValueKind == System.Text.Json.JsonValueKind.Array && index < value.GetArrayLength() ? value[index] : default;

    /// <summary><c>str(x)</c> of a JSON value: a string's text, a number's or true/false's JSON text, an object's or array's JSON; null for none or JSON null.</summary>
    public static string? Str(System.Text.Json.JsonElement value) => value.ValueKind switch
    {
        System.Text.Json.JsonValueKind.String => value.GetString(),
        System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.Null => null,
        _ => value.GetRawText(),
    };

    /// <summary>A JSON string's text; null for any other kind of value (or none).</summary>
    public static string? JsonString(System.Text.Json.JsonElement value)
        => value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;

    /// <summary>A JSON number as a decimal; null for any other kind of value, or a number out of decimal's range.</summary>
    public static decimal? JsonNumber(System.Text.Json.JsonElement value)
        => value.ValueKind == System.Text.Json.JsonValueKind.Number && value.TryGetDecimal(out var number) ? number : null;

    /// <summary>true or false for JSON true and false; null for any other kind of value.</summary>
    public static bool? JsonBool(System.Text.Json.JsonElement value) => value.ValueKind switch
    {
        System.Text.Json.JsonValueKind.True => true,
        System.Text.Json.JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>The value as JSON text; null when there is no value or it is JSON null (for comparisons with null).</summary>
    public static string? JsonText(System.Text.Json.JsonElement value)
        => value.ValueKind is System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.Null ? null : value.GetRawText();
}
