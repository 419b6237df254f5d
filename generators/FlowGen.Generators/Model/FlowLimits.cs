using System.Globalization;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowGen.Generators.Model;

/// <summary>
/// Limits on what one flow file may make the generator do: flow files are written by people who are not always the
/// application's developers, and the generator runs inside every build and IDE. Each limit is an FG error at its
/// location when passed, has a default, and an MSBuild property to raise it (docs/security.md). The readers that
/// enforce a limit take it from here.
/// </summary>
/// <param name="MaxFileSize">Characters in one flow file (FG0009; FlowGenMaxFileSize).</param>
/// <param name="MaxNesting">Nesting depth of JSON/YAML values and BPMN elements (FG0010; FlowGenMaxNesting).</param>
/// <param name="MaxExpressionTerms">Operands in one condition (FG0506; FlowGenMaxExpressionTerms).</param>
/// <param name="MaxNodes">Nodes in one flow or subprocess (FG0011; FlowGenMaxNodes).</param>
/// <param name="MaxGeneratedSize">Characters of generated code for one flow (FG0012; FlowGenMaxGeneratedSize).</param>
internal sealed record FlowLimits(int MaxFileSize, int MaxNesting, int MaxExpressionTerms, int MaxNodes, int MaxGeneratedSize)
{
    public static readonly FlowLimits Default = new(
        MaxFileSize: 8 * 1024 * 1024,
        MaxNesting: 64,
        MaxExpressionTerms: 10_000,
        MaxNodes: 2_000,
        MaxGeneratedSize: 32 * 1024 * 1024);

    /// <summary>The limits set in the project file (build_property.FlowGenMax*), each falling back to its default.</summary>
    public static FlowLimits Read(AnalyzerConfigOptions options) => new(
        Read(options, "FlowGenMaxFileSize", Default.MaxFileSize),
        Read(options, "FlowGenMaxNesting", Default.MaxNesting),
        Read(options, "FlowGenMaxExpressionTerms", Default.MaxExpressionTerms),
        Read(options, "FlowGenMaxNodes", Default.MaxNodes),
        Read(options, "FlowGenMaxGeneratedSize", Default.MaxGeneratedSize));

    // A missing, empty or unreadable value keeps the default: a limit is never lowered to nothing by a typo.
    private static int Read(AnalyzerConfigOptions options, string property, int fallback)
        => options.TryGetValue("build_property." + property, out var text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value : fallback;
}
