using System.Text;

namespace FlowGen.Generators.Frontends.Dialects;

/// <summary>
/// The JavaScript of rulego's script nodes that FlowGen translates into its expression language: expressions over
/// <c>msg</c> and <c>metadata</c> with JavaScript's operators, and the statements of a filter (<c>return &lt;expr&gt;;</c>)
/// and a transform (<c>metadata['k'] = &lt;expr&gt;;</c>, <c>msg.k = &lt;expr&gt;;</c>, <c>msgType = &lt;expr&gt;;</c> and the final
/// <c>return {msg, metadata, msgType}</c>). Each translated character keeps the file offset it came from, so that the
/// expression checks report at the script's column. Anything else is untranslatable, with the reason.
/// </summary>
internal static class JsSubset
{
    /// <summary>A translated piece: the expression text and the file offset of each character (plus the end).</summary>
    public sealed record Piece(string Text, int[] Offsets);

    /// <summary>A statement of a transform: the written target (<c>var.k</c>) and its value.</summary>
    public sealed record Assignment(string Target, int TargetOffset, Piece Value);

    /// <summary>What cannot be translated: the offset (within the script) and why.</summary>
    public sealed record Problem(int Start, int Length, string Why);

    /// <summary>
    /// Translates an expression: <c>msg.k</c>, <c>metadata.k</c> and <c>msgType</c> become the flow language's <c>msg.k</c> (the bus
    /// value a transform wrote on the way, else the request's field).
    /// </summary>
    public static (Piece? Piece, Problem? Problem) Expression(string script, int start, int end, int[] offsets)
    {
        var text = new StringBuilder();
        var map = new List<int>();
        void Emit(string s, int at)
        {
            text.Append(s);
            for (var k = 0; k < s.Length; k++) map.Add(offsets[Math.Min(at, offsets.Length - 1)]);
        }
        var i = start;
        while (i < end)
        {
            var c = script[i];
            if (c is '\'' or '"')
            {
                // A string literal: copied as it is (the expression language reads both quotes and the same escapes).
                var j = i + 1;
                while (j < end && script[j] != c) j += script[j] == '\\' ? 2 : 1;
                if (j >= end) return (null, new Problem(i, end - i, "a string that is not closed"));
                for (var k = i; k <= j; k++) Emit(script[k].ToString(), k);
                i = j + 1;
                continue;
            }
            if (c == '`') return (null, new Problem(i, 1, "a template string (`...`)"));
            if (char.IsLetter(c) || c is '_' or '$')
            {
                var j = i;
                while (j < end && (char.IsLetterOrDigit(script[j]) || script[j] is '_' or '$')) j++;
                var word = script.Substring(i, j - i);
                if (word is "msg" or "metadata")
                {
                    // msg.k / msg['k'] / metadata.k / metadata['k']
                    var (key, next) = Member(script, j, end);
                    if (key is null) return (null, new Problem(i, Math.Max(1, next - i), $"'{word}' as a whole (read one of its fields: {word}.name or {word}['name'])"));
                    // msg.k: the bus value var.k where a transform wrote it on the way, else the request's field k (the
                    // request carries the message's fields and its metadata's).
                    Emit("msg." + key, i);
                    i = next;
                    // Further members (msg.order.total) follow as they are.
                    continue;
                }
                if (word == "msgType")
                {
                    Emit("msg.msgType", i);
                    i = j;
                    continue;
                }
                if (word is "true" or "false" or "null") { Emit(word, i); i = j; continue; }
                if (word == "undefined") { Emit("null", i); i = j; continue; }
                return (null, new Problem(i, j - i, $"'{word}' (only msg, metadata, literals and operators are translated; a variable, a function or a method is not)"));
            }
            if (char.IsDigit(c))
            {
                var j = i;
                while (j < end && (char.IsDigit(script[j]) || script[j] == '.')) j++;
                for (var k = i; k < j; k++) Emit(script[k].ToString(), k);
                i = j;
                continue;
            }
            if (c == '=' && At(script, i, end, "===")) { Emit("==", i); i += 3; continue; }
            if (c == '!' && At(script, i, end, "!==")) { Emit("!=", i); i += 3; continue; }
            if (c == '.' && i + 1 < end && char.IsLetter(script[i + 1]))
            {
                // A member after a path (msg.order.total): copied; a method call after it is caught below.
                var j = i + 1;
                while (j < end && (char.IsLetterOrDigit(script[j]) || script[j] == '_')) j++;
                if (j < end && SkipSpace(script, j, end) is var p && p < end && script[p] == '(')
                    return (null, new Problem(i + 1, j - i - 1, $"the method call '{script.Substring(i + 1, j - i - 1)}(...)'"));
                for (var k = i; k < j; k++) Emit(script[k].ToString(), k);
                i = j;
                continue;
            }
            if (c == '[') return (null, new Problem(i, 1, "an index that is not a field name in quotes"));
            if (c is '{' or '}' or ';') return (null, new Problem(i, 1, $"'{c}'"));
            if (c == '=')
            {
                if (At(script, i, end, "=="))
                {
                    Emit("==", i);
                    i += 2;
                    continue;
                }
                // The second character of !=, <= or >= (the first was copied already).
                if (i > start && script[i - 1] is '!' or '<' or '>') { Emit("=", i); i++; continue; }
                return (null, new Problem(i, 1, "an assignment inside an expression"));
            }
            Emit(c.ToString(), i);
            i++;
        }
        map.Add(offsets[Math.Min(end, offsets.Length - 1)]);
        var result = text.ToString().Trim();
        if (result.Length == 0) return (null, new Problem(start, Math.Max(1, end - start), "an empty expression"));
        // Trimming moved the start: drop the offsets of the leading spaces.
        var lead = 0;
        while (lead < text.Length && char.IsWhiteSpace(text[lead])) lead++;
        return (new Piece(result, map.Skip(lead).Take(result.Length).Append(map[Math.Min(lead + result.Length, map.Count - 1)]).ToArray()), null);
    }

    /// <summary>A filter's script: one <c>return &lt;expr&gt;;</c> (optionally in a block of such statements, the first return kept).</summary>
    public static (Piece? Piece, Problem? Problem) Filter(string script, int[] offsets)
    {
        var statements = Statements(script);
        if (statements.Count != 1 || !StartsWithWord(script, statements[0].Start, "return"))
            return (null, new Problem(0, script.Length, "a filter script FlowGen translates is one statement: return <condition>;"));
        var (start, end) = statements[0];
        return Expression(script, start + "return".Length, end, offsets);
    }

    /// <summary>A transform's script: its assignments to metadata, msg and msgType, and the final return of them.</summary>
    public static (List<Assignment>? Assignments, Problem? Problem) Transform(string script, int[] offsets)
    {
        var assignments = new List<Assignment>();
        foreach (var (start, end) in Statements(script))
        {
            var s = SkipSpace(script, start, end);
            if (StartsWithWord(script, s, "return"))
            {
                var rest = script.Substring(s + 6, end - s - 6).Trim();
                if (rest is "msg" || (rest.StartsWith("{", StringComparison.Ordinal) && rest.EndsWith("}", StringComparison.Ordinal)
                    && rest.Trim('{', '}').Split(',').All(p => p.Trim().Replace("\"", "'") is "'msg':msg" or "'metadata':metadata" or "'msgType':msgType" or "msg" or "metadata" or "msgType"
                        || p.Replace(" ", "").Replace("\"", "'") is "'msg':msg" or "'metadata':metadata" or "'msgType':msgType" or "msg:msg" or "metadata:metadata" or "msgType:msgType")))
                    continue;
                return (null, new Problem(s, end - s, "a return of something else than msg, metadata and msgType"));
            }
            var eq = FindAssignment(script, s, end);
            if (eq < 0) return (null, new Problem(s, end - s, "a statement that is not an assignment to metadata, msg or msgType"));
            var left = script.Substring(s, eq - s).Trim();
            string? target = null;
            if (left == "msgType") target = "var.msgType";
            else
            {
                foreach (var root in new[] { "metadata", "msg" })
                {
                    if (!left.StartsWith(root, StringComparison.Ordinal)) continue;
                    var (key, next) = Member(left, root.Length, left.Length);
                    if (key is not null && next == left.Length) target = "var." + key;
                }
            }
            if (target is null) return (null, new Problem(s, eq - s, $"an assignment to '{left}' (a transform writes metadata.k, msg.k or msgType)"));
            var (piece, problem) = Expression(script, eq + 1, end, offsets);
            if (problem is not null) return (null, problem);
            assignments.Add(new Assignment(target, offsets[s], piece!));
        }
        return (assignments, null);
    }

    /// <summary>The msg and metadata keys a transform script writes (<c>msg.k = ...</c>, <c>metadata['k'] = ...</c>, msgType).</summary>
    public static IEnumerable<string> MsgWrites(string script)
    {
        foreach (var (start, end) in Statements(script))
        {
            var s = SkipSpace(script, start, end);
            var eq = FindAssignment(script, s, end);
            if (eq < 0) continue;
            var left = script.Substring(s, eq - s).Trim();
            if (left == "msgType") yield return "msgType";
            foreach (var root in new[] { "metadata", "msg" })
            {
                if (!left.StartsWith(root, StringComparison.Ordinal) || left.StartsWith("msgType", StringComparison.Ordinal)) continue;
                var (key, next) = Member(left, root.Length, left.Length);
                if (key is not null && next == left.Length) yield return key;
                break;
            }
        }
    }

    /// <summary>The statements of a script: split at ';' and line ends outside strings (a block's braces around it are not allowed).</summary>
    private static List<(int Start, int End)> Statements(string script)
    {
        var result = new List<(int, int)>();
        var start = 0;
        char quote = '\0';
        for (var i = 0; i <= script.Length; i++)
        {
            var c = i < script.Length ? script[i] : ';';
            if (quote != '\0')
            {
                if (c == '\\') i++;
                else if (c == quote) quote = '\0';
                continue;
            }
            if (c is '\'' or '"') { quote = c; continue; }
            if (c is ';' or '\n')
            {
                if (script.Substring(start, i - start).Trim().Length > 0) result.Add((start, i));
                start = i + 1;
            }
        }
        return result;
    }

    /// <summary>The position of a statement's single '=' (not ==, !=, &lt;=, &gt;=), or -1.</summary>
    private static int FindAssignment(string script, int start, int end)
    {
        char quote = '\0';
        for (var i = start; i < end; i++)
        {
            var c = script[i];
            if (quote != '\0') { if (c == '\\') i++; else if (c == quote) quote = '\0'; continue; }
            if (c is '\'' or '"') { quote = c; continue; }
            if (c != '=') continue;
            var before = i > start ? script[i - 1] : ' ';
            var after = i + 1 < end ? script[i + 1] : ' ';
            if (before is '=' or '!' or '<' or '>' || after == '=') { if (after == '=') i++; continue; }
            return i;
        }
        return -1;
    }

    /// <summary>After msg or metadata: <c>.name</c> or <c>['name']</c>; the key and where the member ends, or null.</summary>
    private static (string? Key, int Next) Member(string text, int at, int end)
    {
        if (at < end && text[at] == '.')
        {
            var j = at + 1;
            while (j < end && (char.IsLetterOrDigit(text[j]) || text[j] is '_' or '$')) j++;
            return j > at + 1 ? (text.Substring(at + 1, j - at - 1), j) : (null, j);
        }
        if (at + 1 < end && text[at] == '[' && text[at + 1] is '\'' or '"')
        {
            var quote = text[at + 1];
            var close = text.IndexOf(quote, at + 2);
            if (close > 0 && close + 1 < end + 1 && close + 1 <= text.Length - 1 && text[close + 1] == ']')
            {
                var key = text.Substring(at + 2, close - at - 2);
                if (key.Length > 0 && key.All(ch => char.IsLetterOrDigit(ch) || ch is '_' or '-')) return (key, close + 2);
            }
        }
        return (null, at);
    }

    private static bool At(string text, int i, int end, string token) => i + token.Length <= end && string.CompareOrdinal(text, i, token, 0, token.Length) == 0;

    private static int SkipSpace(string text, int i, int end)
    {
        while (i < end && char.IsWhiteSpace(text[i])) i++;
        return i;
    }

    private static bool StartsWithWord(string text, int i, string word)
    {
        i = SkipSpace(text, i, text.Length);
        return At(text, i, text.Length, word) && (i + word.Length >= text.Length || !char.IsLetterOrDigit(text[i + word.Length]));
    }
}
