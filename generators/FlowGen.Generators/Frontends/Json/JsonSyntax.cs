namespace FlowGen.Generators.Frontends.Json;

/// <summary>
/// Strict JSON (RFC 8259) for *.flow.json files, checked before the shared document reader reads the file as the YAML
/// flow style it also is: YAML accepts trailing commas, single quotes, comments and unquoted words, which JSON tools
/// (editors, schema validators, the services that produce these files) reject, and its messages speak of YAML.
/// Iterative, with an explicit stack bounded by the nesting limit: no input can overflow the compiler's stack.
/// </summary>
internal static class JsonSyntax
{
    /// <summary>The first JSON syntax error as (offset, length, message saying what to do), or null for valid JSON.</summary>
    public static (int Offset, int Length, string Message)? FirstError(string text, int maxDepth)
    {
        var stack = new Stack<char>(); // '{' or '['
        var i = 0;
        // What may come next: a value, an object key (or '}' right after '{'), ':' , ',' or a closer.
        var expect = Expect.Value;
        var sawValue = false;
        while (true)
        {
            i = SkipSpace(text, i);
            if (i >= text.Length)
            {
                if (stack.Count > 0) return (text.Length, 0, $"the file ends inside {(stack.Peek() == '{' ? "an object" : "an array")}: close it with '{(stack.Peek() == '{' ? '}' : ']')}'");
                return sawValue ? null : (0, 0, "the file is empty: a JSON flow file holds one object");
            }
            var c = text[i];
            if (stack.Count == 0 && sawValue) return (i, 1, $"unexpected {Describe(text, i)} after the end of the JSON object: a file holds one object");
            switch (expect)
            {
                case Expect.Value:
                case Expect.ValueOrClose:
                    if (c == ']' && expect == Expect.ValueOrClose && stack.Count > 0 && stack.Peek() == '[')
                    {
                        stack.Pop();
                        i++;
                        expect = AfterValue(stack, ref sawValue);
                        continue;
                    }
                    if (c is '{' or '[')
                    {
                        if (stack.Count >= maxDepth) return (i, 1, $"the JSON is nested more than {maxDepth} levels deep");
                        stack.Push(c);
                        i++;
                        expect = c == '{' ? Expect.KeyOrClose : Expect.ValueOrClose;
                        continue;
                    }
                    if (c == '"')
                    {
                        if (ReadString(text, ref i) is { } bad) return bad;
                        expect = AfterValue(stack, ref sawValue);
                        continue;
                    }
                    if (c == '-' || (c >= '0' && c <= '9'))
                    {
                        if (ReadNumber(text, ref i) is { } bad) return bad;
                        expect = AfterValue(stack, ref sawValue);
                        continue;
                    }
                    if (Word(text, i, "true") || Word(text, i, "false") || Word(text, i, "null"))
                    {
                        i += text[i] == 'f' ? 5 : 4;
                        expect = AfterValue(stack, ref sawValue);
                        continue;
                    }
                    if (c == '\'') return (i, 1, "JSON strings are written in double quotes (\"...\"), not single quotes");
                    if (c is ']' or '}') return (i, 1, "a value is missing here: remove the comma before it (JSON allows no trailing comma)");
                    if (c == '/') return (i, 1, "JSON has no comments: remove it (or name the file *.flow.yaml and write # comments)");
                    return (i, 1, $"expected a value (a \"string\", a number, true, false, null, an object or an array), but found {Describe(text, i)}" +
                        (char.IsLetter(c) ? ": text must be in double quotes" : ""));
                case Expect.KeyOrClose:
                case Expect.Key:
                    if (c == '}' && expect == Expect.KeyOrClose)
                    {
                        stack.Pop();
                        i++;
                        expect = AfterValue(stack, ref sawValue);
                        continue;
                    }
                    if (c == '"')
                    {
                        if (ReadString(text, ref i) is { } bad) return bad;
                        expect = Expect.Colon;
                        continue;
                    }
                    if (c == '}') return (i, 1, "a member is missing here: remove the comma before '}' (JSON allows no trailing comma)");
                    if (c == '\'') return (i, 1, "JSON keys are written in double quotes (\"key\"), not single quotes");
                    if (c == '/') return (i, 1, "JSON has no comments: remove it (or name the file *.flow.yaml and write # comments)");
                    return (i, 1, $"expected a key in double quotes, but found {Describe(text, i)}");
                case Expect.Colon:
                    if (c == ':') { i++; expect = Expect.Value; continue; }
                    return (i, 1, $"expected ':' after the key, but found {Describe(text, i)}");
                case Expect.CommaOrClose:
                    var open = stack.Peek();
                    if (c == ',') { i++; expect = open == '{' ? Expect.Key : Expect.Value; continue; }
                    if ((open == '{' && c == '}') || (open == '[' && c == ']'))
                    {
                        stack.Pop();
                        i++;
                        expect = AfterValue(stack, ref sawValue);
                        continue;
                    }
                    return (i, 1, $"expected ',' or '{(open == '{' ? '}' : ']')}' after a {(open == '{' ? "member of an object" : "value in an array")}, but found {Describe(text, i)}");
            }
        }
    }

    private enum Expect { Value, ValueOrClose, Key, KeyOrClose, Colon, CommaOrClose }

    private static Expect AfterValue(Stack<char> stack, ref bool sawValue)
    {
        if (stack.Count == 0) sawValue = true;
        return Expect.CommaOrClose;
    }

    private static int SkipSpace(string text, int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t' or '\n' or '\r' or '\uFEFF') i++;
        return i;
    }

    private static bool Word(string text, int i, string word) => string.CompareOrdinal(text, i, word, 0, word.Length) == 0;

    private static (int, int, string)? ReadString(string text, ref int i)
    {
        var start = i++;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"') { i++; return null; }
            if (c == '\\')
            {
                if (i + 1 >= text.Length) break;
                var e = text[i + 1];
                if (e == 'u')
                {
                    for (var k = 2; k < 6; k++)
                    {
                        if (i + k >= text.Length || !Uri.IsHexDigit(text[i + k])) return (i, 2, "a \\u escape needs four hex digits (\\u00e9)");
                    }
                    i += 6;
                    continue;
                }
                if (e is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't') { i += 2; continue; }
                return (i, 2, $"'\\{e}' is not a JSON escape: use \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX");
            }
            if (c < 0x20) return (i, 1, c is '\n' or '\r' ? "a JSON string cannot hold a line break: write \\n" : "a JSON string cannot hold a control character: write it as \\uXXXX");
            i++;
        }
        return (start, 1, "this string has no closing '\"'");
    }

    private static (int, int, string)? ReadNumber(string text, ref int i)
    {
        var start = i;
        if (text[i] == '-') i++;
        if (i >= text.Length || !char.IsDigit(text[i])) return (start, Math.Max(1, i - start), "a number needs digits after '-'");
        if (text[i] == '0' && i + 1 < text.Length && char.IsDigit(text[i + 1])) return (start, 2, "JSON numbers have no leading zeros");
        while (i < text.Length && text[i] >= '0' && text[i] <= '9') i++;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            if (i >= text.Length || !char.IsDigit(text[i])) return (start, i - start, "a number needs digits after '.'");
            while (i < text.Length && text[i] >= '0' && text[i] <= '9') i++;
        }
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-') i++;
            if (i >= text.Length || !char.IsDigit(text[i])) return (start, i - start, "a number needs digits in its exponent");
            while (i < text.Length && text[i] >= '0' && text[i] <= '9') i++;
        }
        return null;
    }

    private static string Describe(string text, int i) => text[i] switch
    {
        '"' => "a string",
        var c when char.IsLetter(c) => "'" + new string(text.Skip(i).TakeWhile(char.IsLetterOrDigit).Take(20).ToArray()) + "'",
        var c => "'" + c + "'",
    };
}
