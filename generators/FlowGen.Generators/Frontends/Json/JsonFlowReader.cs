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
        var maxDepth = Math.Min(limits.MaxNesting, Expressions.ExpressionParser.HardMaxDepth);
        if (JsonSyntax.FirstError(source.Content, maxDepth) is { } error)
        {
            var location = source.Span(error.Offset, error.Offset + Math.Max(error.Length, 1));
            var diagnostic = error.Message.StartsWith("the JSON is nested", StringComparison.Ordinal)
                ? DiagnosticInfo.Create(FlowDiagnostics.NestedTooDeep, location, "This JSON value", maxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture))
                : DiagnosticInfo.Create(FlowDiagnostics.MalformedDocument, location, "JSON", error.Message, "write strict JSON (RFC 8259) here, or name the file *.flow.yaml to write YAML");
            return (EquatableArray<FlowGraph>.Empty, EquatableArray<FlowGraph>.Empty, new[] { diagnostic }.ToEquatableArray());
        }
        return FlowDocumentReader.Read(source, "JSON", cancellationToken);
    }
}
