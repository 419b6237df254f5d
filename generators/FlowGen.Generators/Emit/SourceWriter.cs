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

    /// <summary>
    /// A line of code that comes from a flow file (a compiled condition), mapped to that file's line with #line so
    /// that errors and breakpoints land there; unmapped when the path cannot be written in a directive.
    /// </summary>
    public SourceWriter MappedLine(string code, Model.LocationInfo location)
    {
        var directive = CSharpText.LineDirective(location.StartLine, location.FilePath);
        if (directive is null) return Line(code);
        Directive(directive);
        Line(code);
        return Directive("#line default");
    }
}
