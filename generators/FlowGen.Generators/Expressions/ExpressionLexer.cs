using System.Globalization;
using System.Text;

namespace FlowGen.Generators.Expressions;

internal enum TokenKind
{
    End,
    Identifier,
    Integer,
    Floating,
    String,
    Role,
    At,
    OpenParen,
    CloseParen,
    Comma,
    Dot,
    OrOr,
    AndAnd,
    Bang,
    EqualEqual,
    BangEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Question,
    Colon,
    OpenBracket,
    CloseBracket,
    Duration,
}

/// <summary>A token; <see cref="Value"/> is the identifier, the number as written or the unescaped string.</summary>
internal readonly struct Token
{
    public Token(TokenKind kind, int start, int length, string value)
    {
        Kind = kind;
        Start = start;
        Length = length;
        Value = value;
    }

    public TokenKind Kind { get; }
    public int Start { get; }
    public int Length { get; }
    public int End => Start + Length;
    public string Value { get; }
}

/// <summary>
/// Splits a condition into tokens. Never throws: a bad character or an unterminated string becomes an
/// <see cref="ExpressionErrorIds.Syntax"/> error and lexing goes on.
/// </summary>
internal static class ExpressionLexer
{
    public static List<Token> Tokenize(string text, int start, List<ExpressionError> errors)
    {
        var tokens = new List<Token>();
        var i = start;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, text.Length, 0, ""));
                return tokens;
            }

            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            if (IsIdentifierStart(c))
            {
                var s = i;
                while (i < text.Length && IsIdentifierPart(text[i])) i++;
                var name = text.Substring(s, i - s);
                if ((name == "r" || name == "pr") && i < text.Length && text[i] == ':')
                {
                    i++;
                    var permissionStart = i;
                    while (i < text.Length && IsPermissionPart(text[i])) i++;
                    if (i == permissionStart)
                    {
                        errors.Add(new ExpressionError(ExpressionErrorIds.Syntax, s, i - s, $"expected a permission after '{name}:' (e.g. r:check-img@triple)"));
                    }
                    tokens.Add(new Token(TokenKind.Role, s, i - s, text.Substring(s, i - s)));
                    continue;
                }
                tokens.Add(new Token(TokenKind.Identifier, s, i - s, name));
                continue;
            }

            if (c >= '0' && c <= '9')
            {
                tokens.Add(ReadNumber(text, ref i));
                continue;
            }

            if (c == '\'' || c == '"')
            {
                tokens.Add(ReadString(text, ref i, errors));
                continue;
            }

            var s0 = i;
            switch (c)
            {
                case '@': tokens.Add(new Token(TokenKind.At, i++, 1, "@")); break;
                case '(': tokens.Add(new Token(TokenKind.OpenParen, i++, 1, "(")); break;
                case ')': tokens.Add(new Token(TokenKind.CloseParen, i++, 1, ")")); break;
                case ',': tokens.Add(new Token(TokenKind.Comma, i++, 1, ",")); break;
                case '.': tokens.Add(new Token(TokenKind.Dot, i++, 1, ".")); break;
                case '+': tokens.Add(new Token(TokenKind.Plus, i++, 1, "+")); break;
                case '-': tokens.Add(new Token(TokenKind.Minus, i++, 1, "-")); break;
                case '*': tokens.Add(new Token(TokenKind.Star, i++, 1, "*")); break;
                case '/': tokens.Add(new Token(TokenKind.Slash, i++, 1, "/")); break;
                case '%': tokens.Add(new Token(TokenKind.Percent, i++, 1, "%")); break;
                case '?': tokens.Add(new Token(TokenKind.Question, i++, 1, "?")); break;
                case ':': tokens.Add(new Token(TokenKind.Colon, i++, 1, ":")); break;
                case '[': tokens.Add(new Token(TokenKind.OpenBracket, i++, 1, "[")); break;
                case ']': tokens.Add(new Token(TokenKind.CloseBracket, i++, 1, "]")); break;
                case '|':
                    if (next != '|') errors.Add(new ExpressionError(ExpressionErrorIds.Syntax, i, 1, "unexpected '|': use '||' (or 'or')"));
                    i += next == '|' ? 2 : 1;
                    tokens.Add(new Token(TokenKind.OrOr, s0, i - s0, "||"));
                    break;
                case '&':
                    if (next != '&') errors.Add(new ExpressionError(ExpressionErrorIds.Syntax, i, 1, "unexpected '&': use '&&' (or 'and')"));
                    i += next == '&' ? 2 : 1;
                    tokens.Add(new Token(TokenKind.AndAnd, s0, i - s0, "&&"));
                    break;
                case '=':
                    // '=' compares like '==' (the orchestration platform's operator).
                    i += next == '=' ? 2 : 1;
                    tokens.Add(new Token(TokenKind.EqualEqual, s0, i - s0, "=="));
                    break;
                case '!':
                    if (next == '=') { i += 2; tokens.Add(new Token(TokenKind.BangEqual, s0, 2, "!=")); }
                    else { i++; tokens.Add(new Token(TokenKind.Bang, s0, 1, "!")); }
                    break;
                case '<':
                    if (next == '=') { i += 2; tokens.Add(new Token(TokenKind.LessEqual, s0, 2, "<=")); }
                    else { i++; tokens.Add(new Token(TokenKind.Less, s0, 1, "<")); }
                    break;
                case '>':
                    if (next == '=') { i += 2; tokens.Add(new Token(TokenKind.GreaterEqual, s0, 2, ">=")); }
                    else { i++; tokens.Add(new Token(TokenKind.Greater, s0, 1, ">")); }
                    break;
                default:
                    // A surrogate pair is one character to the reader.
                    var length = char.IsHighSurrogate(c) && char.IsLowSurrogate(next) ? 2 : 1;
                    errors.Add(new ExpressionError(ExpressionErrorIds.Syntax, i, length, $"unexpected character '{text.Substring(i, length)}'"));
                    i += length;
                    break;
            }
        }
    }

    public static bool IsIdentifierStart(char c) => c == '_' || c == '$' || char.IsLetter(c);

    public static bool IsIdentifierPart(char c) => c == '_' || c == '$' || char.IsLetterOrDigit(c);

    private static bool IsPermissionPart(char c) => char.IsLetterOrDigit(c) || c is '-' or '_' or '@' or ':' or '.' or '/' or '*' or '#' or '$';

    private static Token ReadNumber(string text, ref int i)
    {
        var s = i;
        while (i < text.Length && text[i] >= '0' && text[i] <= '9') i++;
        var kind = TokenKind.Integer;
        // "1.5" is a number; "1." followed by a non-digit is left to the parser (a dot after a number is an error there).
        if (i + 1 < text.Length && text[i] == '.' && text[i + 1] >= '0' && text[i + 1] <= '9')
        {
            i++;
            while (i < text.Length && text[i] >= '0' && text[i] <= '9') i++;
            kind = TokenKind.Floating;
        }
        // A duration: a whole number and a unit (500ms, 30s, 10m, 1h, 2d), as the flow files write them elsewhere.
        if (kind == TokenKind.Integer)
        {
            foreach (var unit in new[] { "ms", "s", "m", "h", "d" })
            {
                var end = i + unit.Length;
                if (end <= text.Length && string.CompareOrdinal(text, i, unit, 0, unit.Length) == 0 && (end == text.Length || !IsIdentifierPart(text[end])))
                {
                    i = end;
                    return new Token(TokenKind.Duration, s, i - s, text.Substring(s, i - s));
                }
            }
        }
        return new Token(kind, s, i - s, text.Substring(s, i - s));
    }

    private static Token ReadString(string text, ref int i, List<ExpressionError> errors)
    {
        var s = i;
        var quote = text[i++];
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= text.Length)
            {
                errors.Add(new ExpressionError(ExpressionErrorIds.Syntax, s, i - s, $"unterminated string: expected a closing {quote} for the string opened at column {s + 1}"));
                return new Token(TokenKind.String, s, i - s, sb.ToString());
            }
            var c = text[i];
            if (c == quote)
            {
                i++;
                return new Token(TokenKind.String, s, i - s, sb.ToString());
            }
            if (c != '\\')
            {
                sb.Append(c);
                i++;
                continue;
            }
            if (i + 1 >= text.Length)
            {
                i++;
                continue; // reported as unterminated above
            }
            var e = text[i + 1];
            switch (e)
            {
                case '\\': sb.Append('\\'); i += 2; break;
                case '\'': sb.Append('\''); i += 2; break;
                case '"': sb.Append('"'); i += 2; break;
                case 'n': sb.Append('\n'); i += 2; break;
                case 'r': sb.Append('\r'); i += 2; break;
                case 't': sb.Append('\t'); i += 2; break;
                case '0': sb.Append('\0'); i += 2; break;
                case 'b': sb.Append('\b'); i += 2; break;
                case 'f': sb.Append('\f'); i += 2; break;
                case 'u':
                    if (i + 6 <= text.Length && int.TryParse(text.Substring(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        sb.Append((char)code);
                        i += 6;
                    }
                    else
                    {
                        var len = Math.Min(6, text.Length - i);
                        errors.Add(new ExpressionError(ExpressionErrorIds.Syntax, i, len, "expected four hex digits after '\\u'"));
                        i += 2;
                    }
                    break;
                default:
                    errors.Add(new ExpressionError(ExpressionErrorIds.Syntax, i, 2, $"unknown escape '\\{e}' in a string: use \\\\, \\', \\\", \\n, \\r, \\t, \\0 or \\uXXXX"));
                    sb.Append(e);
                    i += 2;
                    break;
            }
        }
    }
}
