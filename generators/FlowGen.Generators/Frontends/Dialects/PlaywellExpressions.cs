using System.Text;

namespace FlowGen.Generators.Frontends.Dialects;

/// <summary>
/// Playwell's expressions translated into FlowGen's: <c>$("name")</c> (a context var) is <c>var.name</c>,
/// <c>$("name", d)</c> is <c>coalesce(var.name, d)</c>, <c>eventAttr("k")</c> reads the event (or, where the event has been
/// received, the bus value it was written to), <c>eventTypeIs("e")</c> names the event, <c>str("text")</c> is a text,
/// <c>timestamp("10 seconds")</c> a duration and <c>timestamp()</c> the run's now, <c>resultVar("k")</c> the action's result;
/// <c>AND</c>, <c>OR</c>, <c>NOT</c> and the operators are FlowGen's. Every character keeps the file offset it came from.
/// </summary>
internal static class PlaywellExpressions
{
    /// <summary>What eventAttr reads where the expression stands: the event itself, or a path the event was written to.</summary>
    public sealed record Scope(string EventRoot, string? ResultRoot = null);

    /// <summary>The translation, the event names eventTypeIs named, and the result tests (resultOk, resultFailed, resultTimeout) it is.</summary>
    public sealed record Translation(string Text, int[] Offsets, List<string> EventTypes, string? ResultTest);

    public sealed record Problem(int Start, int Length, string Why);

    public static (Translation? Translation, Problem? Problem) Translate(string text, int[] offsets, Scope scope)
    {
        var output = new StringBuilder();
        var map = new List<int>();
        var events = new List<string>();
        string? resultTest = null;
        void Emit(string s, int at)
        {
            output.Append(s);
            for (var k = 0; k < s.Length; k++) map.Add(offsets[Math.Min(at, offsets.Length - 1)]);
        }
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is '"' or '\'')
            {
                var j = i + 1;
                while (j < text.Length && text[j] != c) j += text[j] == '\\' ? 2 : 1;
                if (j >= text.Length) return (null, new Problem(i, text.Length - i, "a text that is not closed"));
                for (var k = i; k <= j; k++) Emit(text[k].ToString(), k);
                i = j + 1;
                continue;
            }
            if (char.IsLetter(c) || c is '_' or '$')
            {
                var j = i;
                while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] is '_' or '$')) j++;
                // Playwell's namespaced functions: math.abs, list.sumInt, regex.match, ...
                if (j < text.Length && text[j] == '.' && text.Substring(i, j - i) is "math" or "list" or "regex" or "map" or "counter")
                {
                    j++;
                    while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] == '_')) j++;
                }
                var word = text.Substring(i, j - i);
                var open = j;
                while (open < text.Length && text[open] == ' ') open++;
                if (open >= text.Length || text[open] != '(')
                {
                    // AND, OR, NOT, true, false, null are FlowGen's words too; any other name is not Playwell's.
                    if (word.ToUpperInvariant() is "AND" or "OR" or "NOT" || word is "true" or "false" or "null")
                    {
                        Emit(word.ToLowerInvariant(), i);
                        i = j;
                        continue;
                    }
                    return (null, new Problem(i, j - i, $"the name '{word}' (a context var is read as $(\"{word}\"))"));
                }
                var (args, close) = Arguments(text, open);
                if (args is null) return (null, new Problem(i, text.Length - i, $"a call of '{word}' that is not closed"));
                string? Literal(int n) => n < args.Count && args[n].Text.Trim() is var a && a.Length >= 2 && a[0] is '"' or '\'' && a[a.Length - 1] == a[0] ? a.Substring(1, a.Length - 2) : null;
                // A FlowGen call of the translated arguments (from argument 'from' on), each argument's characters mapped to where it starts.
                Problem? Call(string function, int from = 0, string separator = ", ", string opening = "(", string closing = ")")
                {
                    Emit(function + opening, i);
                    for (var n = from; n < args.Count; n++)
                    {
                        var (inner, problem) = Translate(args[n].Text, offsets.Skip(args[n].Start).ToArray(), scope);
                        if (problem is not null) return problem with { Start = problem.Start + args[n].Start };
                        if (n > from) Emit(separator, args[n].Start);
                        Emit(inner!.Text.Trim(), args[n].Start);
                    }
                    Emit(closing, close);
                    return null;
                }
                Problem? failed = null;
                switch (word)
                {
                    case "$" or "var" when Literal(0) is { } written && args.Count is 1 or 2:
                        var name = VarName(written);
                        if (args.Count == 1)
                        {
                            Emit("var." + name, i);
                        }
                        else
                        {
                            var (inner, problem) = Translate(args[1].Text, offsets.Skip(args[1].Start).ToArray(), scope);
                            if (problem is not null) return (null, problem with { Start = problem.Start + args[1].Start });
                            Emit("coalesce(var." + name + ", ", i);
                            foreach (var ch in inner!.Text) Emit(ch.ToString(), args[1].Start);
                            Emit(")", close);
                        }
                        break;
                    case "eventAttr" when Literal(0) is { } attribute:
                        Emit(scope.EventRoot + "." + Member(attribute), i);
                        break;
                    case "eventTypeIs" when Literal(0) is { } type:
                        events.Add(type);
                        Emit("true", i);
                        break;
                    case "str" when Literal(0) is { } s && args.Count == 1:
                        Emit("'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'", i);
                        break;
                    case "timestamp" when args.Count == 0:
                        Emit("now()", i);
                        break;
                    case "timestamp" when Literal(0) is { } span && Duration(span) is { } duration:
                        Emit(duration, i);
                        break;
                    case "resultOk" or "resultFailed" or "resultTimeout" when args.Count == 0:
                        resultTest = word;
                        Emit("true", i);
                        break;
                    case "resultVar" when Literal(0) is { } field && scope.ResultRoot is { } result:
                        Emit(result + "." + Member(field), i);
                        break;
                    case "eventAttr" when Literal(0) is { } attribute && args.Count == 2:
                        Emit("coalesce(" + scope.EventRoot + "." + Member(attribute) + ", ", i);
                        failed = Call("", from: 1, opening: "", closing: ")");
                        break;
                    case "containsAttr" when Literal(0) is { } attribute && args.Count == 1:
                        Emit("notNull(" + scope.EventRoot + "." + Member(attribute) + ")", i);
                        break;
                    case "isAttrEmpty" or "isAttrNotEmpty" when Literal(0) is { } attribute && args.Count == 1:
                        Emit((word == "isAttrEmpty" ? "isEmpty(" : "notEmpty(") + scope.EventRoot + "." + Member(attribute) + ")", i);
                        break;
                    case "isEmpty" or "isNotEmpty" when args.Count == 1:
                        failed = Call(word == "isEmpty" ? "isEmpty" : "notEmpty");
                        break;
                    case "toStr" when args.Count == 1:
                        failed = Call("str");
                        break;
                    case "str" when args.Count > 1 && Literal(0) is { } format && JavaFormat(format) is { } converted:
                        Emit("format('" + converted.Replace("\\", "\\\\").Replace("'", "\\'") + "', ", i);
                        failed = Call("", from: 1, opening: "", closing: ")");
                        break;
                    case "config" when Literal(0) is { } key && args.Count is 1 or 2:
                        if (args.Count == 1) Emit("config('" + key.Replace("'", "\\'") + "')", i);
                        else
                        {
                            Emit("coalesce(config('" + key.Replace("'", "\\'") + "'), ", i);
                            failed = Call("", from: 1, opening: "", closing: ")");
                        }
                        break;
                    case "all" or "any" when args.Count >= 1:
                        failed = Call("", separator: word == "all" ? " && " : " || ");
                        break;
                    case "dateTime" when args.Count == 0:
                        Emit("now()", i);
                        break;
                    case "math.abs" or "math.round" when args.Count == 1:
                        failed = Call(word.Substring(5));
                        break;
                    case "math.max" or "math.min" when args.Count == 2:
                        failed = Call(word.Substring(5));
                        break;
                    case "list.sumInt" or "list.sumDouble" when args.Count == 1:
                        failed = Call("sum");
                        break;
                    case "list.get" when args.Count == 2:
                        failed = Call("item");
                        break;
                    case "random" or "randInt" or "randomBoolean" or "list.randomChoice" or "list.shuffle":
                        return (null, new Problem(i, close + 1 - i, $"the function '{word}(...)', whose value changes from run to run (FlowGen's expressions give the same value for the same bus, so that a resumed or replayed run takes the same path)"));
                    default:
                        return (null, new Problem(i, close + 1 - i, $"the function '{word}(...)' (FlowGen translates $, var, eventAttr, containsAttr, isAttrEmpty, isAttrNotEmpty, eventTypeIs, str, toStr, isEmpty, isNotEmpty, config, all, any, timestamp, dateTime(), math.abs/round/max/min, list.sumInt/sumDouble/get and the result tests)"));
                }
                if (failed is not null) return (null, failed);
                i = close + 1;
                continue;
            }
            Emit(c.ToString(), i);
            i++;
        }
        map.Add(offsets[Math.Min(text.Length, offsets.Length - 1)]);
        return (new Translation(output.ToString(), map.ToArray(), events, resultTest), null);
    }

    /// <summary>
    /// A context var's name as a bus name: a foreach's <c>$each.ele</c> and <c>$each.idx</c> are <c>var.each_ele</c> and
    /// <c>var.each_idx</c>.
    /// </summary>
    public static string VarName(string name) => name.TrimStart('$').Replace('.', '_');

    /// <summary>The expression without its eventTypeIs and result tests: "true AND x" is "x", only "true" is null.</summary>
    public static string? WithoutTrueParts(string text)
    {
        var parts = System.Text.RegularExpressions.Regex.Split(text, @"\s+and\s+").Select(p => p.Trim()).Where(p => p != "true").ToList();
        return parts.Count == 0 ? null : string.Join(" and ", parts);
    }

    /// <summary>A Playwell event attribute (user_id) as a member name (userId): members match ignoring case.</summary>
    public static string Member(string attribute)
    {
        if (!attribute.Contains('_')) return attribute;
        var parts = attribute.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p.Substring(1)));
    }

    /// <summary>A Java format (<c>"%s is %d"</c>) as a FlowGen format text (<c>"{0} is {1}"</c>); null for a conversion other than %s, %d, %f and %%.</summary>
    private static string? JavaFormat(string format)
    {
        var sb = new StringBuilder();
        var n = 0;
        for (var k = 0; k < format.Length; k++)
        {
            var c = format[k];
            if (c is '{' or '}') { sb.Append(c).Append(c); continue; }
            if (c != '%') { sb.Append(c); continue; }
            if (k + 1 >= format.Length) return null;
            var spec = format[++k];
            if (spec == '%') sb.Append('%');
            else if (spec is 's' or 'd' or 'f') sb.Append('{').Append(n++.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('}');
            else return null;
        }
        return sb.ToString();
    }

    /// <summary>"10 seconds" as a FlowGen duration (10s); null for what is not a count and a unit.</summary>
    public static string? Duration(string text)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text.Trim(), @"^(\d+)\s*(milliseconds?|ms|seconds?|s|minutes?|m|hours?|h|days?|d)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!m.Success) return null;
        var unit = m.Groups[2].Value.ToLowerInvariant();
        var suffix = unit.StartsWith("milli", StringComparison.Ordinal) || unit == "ms" ? "ms" : unit.Substring(0, 1);
        return m.Groups[1].Value + suffix;
    }

    /// <summary>The arguments of a call at <paramref name="open"/> (its '('): each argument's text and start, and the ')' position.</summary>
    private static (List<(string Text, int Start)>? Args, int Close) Arguments(string text, int open)
    {
        var args = new List<(string, int)>();
        var depth = 0;
        var start = open + 1;
        char quote = '\0';
        for (var i = open + 1; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0') { if (c == '\\') i++; else if (c == quote) quote = '\0'; continue; }
            if (c is '"' or '\'') { quote = c; continue; }
            if (c == '(') depth++;
            else if (c == ')' && depth > 0) depth--;
            else if (c == ',' && depth == 0) { args.Add((text.Substring(start, i - start), start)); start = i + 1; }
            else if (c == ')')
            {
                if (text.Substring(start, i - start).Trim().Length > 0 || args.Count > 0) args.Add((text.Substring(start, i - start), start));
                return (args, i);
            }
        }
        return (null, text.Length);
    }
}
