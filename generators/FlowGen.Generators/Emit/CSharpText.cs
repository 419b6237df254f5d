using System.Globalization;
using System.Text;

namespace FlowGen.Generators.Emit;

/// <summary>
/// The one way text from outside (flow files, attribute strings, file paths) enters generated C#: one function per
/// context. Each knows every character C# reads as a line break (CR, LF, U+0085, U+2028, U+2029), the bidi controls
/// (the "Trojan Source" characters) and the other invisible format characters, so no flow text can end a comment,
/// leave a string, start a directive or hide what the code does. Nothing else in Emit/ writes such text.
/// </summary>
/// <remarks>
/// As a last line of defence the generator checks every file it writes with <see cref="FindUnsafe"/> and writes no
/// code at all when a character that none of these functions lets through is found.
/// </remarks>
internal static class CSharpText
{
    /// <summary>Comments show this much of a long text, then "...".</summary>
    public const int CommentLength = 160;

    /// <summary>Identifiers made from flow text are at most this long (a hash of the whole text keeps long ones apart).</summary>
    public const int IdentifierLength = 64;

    /// <summary>Characters C# treats as the end of a line (C# spec, new-line).</summary>
    public static bool IsLineBreak(char c) => c is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029';

    /// <summary>
    /// The Unicode bidirectional controls: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI. In source code
    /// they make text display in another order than the compiler reads it (CVE-2021-42574).
    /// </summary>
    public static bool IsBidiControl(char c) => c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>
    /// True for a character that must never appear as it is in generated code outside an escape: line breaks other
    /// than where the writer puts them, control characters (NUL included), format characters (bidi controls,
    /// zero-width characters, the BOM), line and paragraph separators, and halves of surrogate pairs standing alone.
    /// </summary>
    internal static bool IsUnsafeAt(string text, int i)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c)) return i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]);
        if (char.IsLowSurrogate(c)) return i == 0 || !char.IsHighSurrogate(text[i - 1]);
        if (c < 0x20 || c == 0x7f || IsLineBreak(c) || IsBidiControl(c)) return true;
        return CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse;
    }

    /// <summary>
    /// Text for a <c>//</c> comment (or a <c>/* */</c> one): one line, line breaks and tabs as spaces, other unsafe
    /// characters shown as <c>\uXXXX</c> (C# reads no escapes in comments), <c>*/</c> broken up, at most
    /// <see cref="CommentLength"/> characters.
    /// </summary>
    public static string Comment(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var value = text!;
        var result = new StringBuilder(Math.Min(value.Length, CommentLength + 8));
        var space = false;
        for (var i = 0; i < value.Length; i++)
        {
            if (result.Length >= CommentLength)
            {
                result.Append("...");
                break;
            }
            var c = value[i];
            if (IsLineBreak(c) || c == '\t' || c == ' ')
            {
                // Runs of white space read as one space, and none at the start.
                if (result.Length > 0) space = true;
                continue;
            }
            if (space) { result.Append(' '); space = false; }
            if (IsUnsafeAt(value, i)) AppendEscape(result, c);
            else if (c == '/' && result.Length > 0 && result[result.Length - 1] == '*') result.Append(' ').Append(c);
            else result.Append(c);
        }
        return result.ToString();
    }

    /// <summary>Text inside an XML doc comment (<c>/// &lt;summary&gt;</c>): <see cref="Comment"/>, then XML-escaped.</summary>
    public static string XmlDoc(string? text)
        => Comment(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");

    /// <summary>A regular C# string literal, quotes included (<c>null</c> for null): every unsafe character escaped.</summary>
    public static string StringLiteral(string? text)
    {
        if (text is null) return "null";
        var result = new StringBuilder(text.Length + 2).Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"': result.Append("\\\""); break;
                case '\\': result.Append("\\\\"); break;
                case '\n': result.Append("\\n"); break;
                case '\r': result.Append("\\r"); break;
                case '\t': result.Append("\\t"); break;
                case '\0': result.Append("\\0"); break;
                default:
                    if (IsUnsafeAt(text, i)) AppendEscape(result, c);
                    else result.Append(c);
                    break;
            }
        }
        return result.Append('"').ToString();
    }

    /// <summary>A C# char literal, quotes included.</summary>
    public static string CharLiteral(char c) => c switch
    {
        '\'' => "'\\''",
        '\\' => "'\\\\'",
        '\n' => "'\\n'",
        '\r' => "'\\r'",
        '\t' => "'\\t'",
        '\0' => "'\\0'",
        _ when c < 0x20 || c > 0x7e => "'\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) + "'",
        _ => "'" + c + "'",
    };

    /// <summary>
    /// A <c>#line</c> directive for a line of a flow file, or null when the path cannot be written in one: C# reads a
    /// directive's file name without escapes up to the next quote, so a path holding a quote, a line break or an
    /// unsafe character gets no mapping (its diagnostics keep their flow-file locations all the same).
    /// </summary>
    public static string? LineDirective(int zeroBasedLine, string path)
    {
        if (path.Length == 0) return null;
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '"' || IsUnsafeAt(path, i)) return null;
        }
        return "#line " + (zeroBasedLine + 1).ToString(CultureInfo.InvariantCulture) + " \"" + path + "\"";
    }

    /// <summary>
    /// A C# identifier made from flow text (a node id): letters, digits and '_' kept, anything else '_'; a leading
    /// digit gets '_' before it, a keyword '_' after it; a text longer than <see cref="IdentifierLength"/> is cut and
    /// gets a hash of the whole text. Callers that need one name per text keep them unique (see FlowEmitter's names).
    /// </summary>
    public static string Identifier(string text)
    {
        var result = new StringBuilder(Math.Min(text.Length, IdentifierLength) + 1);
        foreach (var c in text)
        {
            if (result.Length >= IdentifierLength - 17) break;
            result.Append(IsIdentifierCharacter(c) ? c : '_');
        }
        if (text.Length > IdentifierLength - 17) result.Append('_').Append(Hash(text));
        if (result.Length == 0 || char.IsDigit(result[0])) result.Insert(0, '_');
        var name = result.ToString();
        return IsKeyword(name) ? name + "_" : name;
    }

    /// <summary>A character kept as it is in identifiers made from flow text (never a format or combining character).</summary>
    public static bool IsIdentifierCharacter(char c) => c == '_' || (!char.IsSurrogate(c) && char.IsLetterOrDigit(c));

    public static bool IsKeyword(string name)
        => Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None
        || Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetContextualKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None;

    /// <summary>A stable 64-bit FNV-1a hash of the text, as 16 hex digits.</summary>
    public static string Hash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The offset of the first character in generated code that none of the functions above lets through (any line
    /// break but LF, a control or format character, a lone surrogate), or -1. The generator writes no code for a file
    /// where this finds one.
    /// </summary>
    public static int FindUnsafe(string generated)
    {
        for (var i = 0; i < generated.Length; i++)
        {
            var c = generated[i];
            if (c == '\n' || (c >= 0x20 && c < 0x7f)) continue;
            if (IsUnsafeAt(generated, i)) return i;
        }
        return -1;
    }

    private static void AppendEscape(StringBuilder text, char c)
        => text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
}
