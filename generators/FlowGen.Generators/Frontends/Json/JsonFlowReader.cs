using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Frontends.Documents;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Frontends.Json;

/// <summary>*.flow.json files: one JSON object read by the shared document reader (graph, steps or actions form).</summary>
internal static class JsonFlowReader
{
    public const string Extension = ".flow.json";

    public static (EquatableArray<FlowGraph> Graphs, EquatableArray<FlowGraph> Subprocesses, EquatableArray<DiagnosticInfo> Diagnostics) Read(string path, SourceText text, FlowLimits limits, CancellationToken cancellationToken)
    {
        var source = new DocumentText(path, text, limits);
        // Strict JSON first: the document reader reads JSON as YAML's flow style, which would accept what JSON does not.
        if (StrictJsonError(source, "write strict JSON (RFC 8259) here, or name the file *.flow.yaml to write YAML") is { } diagnostic)
            return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, new[] { diagnostic }.ToEquatableArray());
        return FlowDocumentReader.Read(source, "JSON", cancellationToken);
    }

    /// <summary>
    /// The first place where the text is not strict JSON (FG0005, with <paramref name="fix"/>), or nests deeper than the
    /// limits allow (FG0010); null when it is strict JSON. Every JSON front end (flows, rulego, ps-go) asks it first.
    /// </summary>
    internal static DiagnosticInfo? StrictJsonError(DocumentText source, string fix)
    {
        var maxDepth = Math.Min(source.Limits.MaxNesting, Expressions.ExpressionParser.HardMaxDepth);
        if (JsonSyntax.FirstError(source.Content, maxDepth) is not { } error) return null;
        var location = source.Span(error.Offset, error.Offset + Math.Max(error.Length, 1));
        return error.Message.StartsWith("the JSON is nested", StringComparison.Ordinal)
            ? DiagnosticInfo.Create(FlowDiagnostics.NestedTooDeep, location, "This JSON value", maxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : DiagnosticInfo.Create(FlowDiagnostics.MalformedDocument, location, "JSON", error.Message, fix);
    }
}
