using System.Text;

namespace FlowGen.Generators.Emit;

/// <summary>A StringBuilder with indentation: the generated code is written as text, never through SyntaxFactory.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public SourceWriter Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _indent * 4);
        _text.Append(line).Append('\n');
        return this;
    }

    /// <summary>A line at column 0 (preprocessor directives).</summary>
    public SourceWriter Directive(string line)
    {
        _text.Append(line).Append('\n');
        return this;
    }

    public SourceWriter Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
        return this;
    }

    /// <summary>A bare block (<c>{</c> on its own line), to scope the variables of what follows.</summary>
    public SourceWriter OpenBlock()
    {
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        return Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();

    public static string Literal(string? value)
    {
        if (value is null) return "null";
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (char.IsControl(c)) text.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }

    /// <summary>Text safe inside a // comment.</summary>
    public static string Comment(string? value) => value is null ? "" : string.Join(" ", value.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
