using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

/// <summary>
/// The rule behind <see cref="HostileTextTests"/>, checked on the generator's source: in the code that writes C#,
/// a hole of an interpolated string that holds flow text (an id, a name, a condition's text, a file name, a
/// component or task name, a property's value, a message) goes through Emit/CSharpText, and no other file defines an
/// escaping function. The payload tests prove the escaping works; this test keeps new emitter code from going around it.
/// </summary>
public sealed class EscapingRuleTests
{
    private static readonly Regex FlowText = new(@"(\.Id\b|\.Name\b|\.Text\b|FlowId|FileName|ComponentName|TaskName|GetProperty\(|BusName|Describe\(\)|SourceText|\.Path\b|Message\b|EventName|Permission\b)");

    // Holes that are C# already: names made by CSharpText.Identifier (the emitter's _names), indexes, calls that build such names.
    // Settings read as true or false (SettingsChecks.IsTrue/IsFalse) hold no text.
    private static readonly Regex Safe = new(@"CSharpText\.|_names\[|RunName\(|FusedName\(|SkipName\(|ArriveName\(|\bGo\(|\bSkip\(|SkipOrDefault\(|_indexes\[|Hoisted\(|\.ToString\((CultureInfo|inv\b|System\.Globalization)|FieldName|ParameterName|SettingsChecks\.Is(True|False)\(");

    // Reviewed holes: the text is escaped later in the same statement.
    private static readonly string[] Reviewed =
    [
        "Emit/FlowEmitter.Nodes.cs: node.Describe()", // the default fail message, written through CSharpText.StringLiteral(message)
        "Emit/FlowEmitter.Durable.cs: string.Join(\", \", _flow.Nodes.Select(n => WaitEvents(durable, n.Node.Id)))", // WaitEvents writes event names with CSharpText.StringLiteral
    ];

    [Fact]
    public void Emitter_code_writes_flow_text_only_through_CSharpText()
    {
        var root = Path.Combine(GeneratorHarness.RepositoryRoot(), "generators", "FlowGen.Generators");
        var files = Directory.GetFiles(Path.Combine(root, "Emit"), "*.cs").Append(Path.Combine(root, "Binding", "HttpTasks.cs"))
            .Where(f => !f.EndsWith("CSharpText.cs", StringComparison.Ordinal)).ToList();
        Assert.True(files.Count >= 5, "the emitter's files were not found under " + root);
        var found = new List<string>();
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            // Every hole of every interpolated string, nested ones included, read by the C# parser.
            var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(File.ReadAllText(file));
            foreach (var hole in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InterpolationSyntax>())
            {
                var text = hole.Expression.ToString();
                // A hole that holds an interpolated string is checked through that string's own holes.
                if (hole.Expression.DescendantNodesAndSelf().Any(n => n is Microsoft.CodeAnalysis.CSharp.Syntax.InterpolatedStringExpressionSyntax)) continue;
                if (FlowText.IsMatch(text) && !Safe.IsMatch(text) && !Reviewed.Contains($"{relative}: {text}"))
                    found.Add($"{relative}({hole.GetLocation().GetLineSpan().StartLinePosition.Line + 1}): {text}");
            }
            // The same rule for text joined with + to a string literal ("// " + node.Id).
            foreach (var join in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.BinaryExpressionSyntax>()
                .Where(b => b.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.AddExpression)
                    // Text joined as the argument of an escaping function is escaped as a whole.
                    && !b.Ancestors().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>().Any(i => i.Expression.ToString().StartsWith("CSharpText.", StringComparison.Ordinal))))
            {
                foreach (var (side, other) in new[] { (join.Left, join.Right), (join.Right, join.Left) })
                {
                    if (!side.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.StringLiteralExpression) || other is Microsoft.CodeAnalysis.CSharp.Syntax.BinaryExpressionSyntax) continue;
                    var text = other.ToString();
                    if (FlowText.IsMatch(text) && !Safe.IsMatch(text) && !Reviewed.Contains($"{relative}: {text}"))
                        found.Add($"{relative}({other.GetLocation().GetLineSpan().StartLinePosition.Line + 1}): {text}");
                }
            }
        }
        Assert.True(found.Count == 0, "flow text written without Emit/CSharpText:\n" + string.Join("\n", found));
    }

    [Fact]
    public void Only_CSharpText_defines_escaping_functions()
    {
        var root = Path.Combine(GeneratorHarness.RepositoryRoot(), "generators", "FlowGen.Generators");
        var definitions = Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("CSharpText.cs", StringComparison.Ordinal) && !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar))
            .SelectMany(f => File.ReadLines(f).Select(line => (File: Path.GetFileName(f), Line: line)))
            .Where(x => Regex.IsMatch(x.Line, @"static string (StringLiteral|CharLiteral|Comment|XmlDoc|Xml|Escape\w*|Literal)\(string\??\s+\w+\)"))
            .Select(x => x.File + ": " + x.Line.Trim()).ToList();
        Assert.True(definitions.Count == 0, "escaping outside Emit/CSharpText:\n" + string.Join("\n", definitions));
    }
}
