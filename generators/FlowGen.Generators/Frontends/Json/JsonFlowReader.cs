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
        => FlowDocumentReader.Read(new DocumentText(path, text, limits), "JSON", cancellationToken);
}
