using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Frontends.Documents;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Frontends.Yaml;

/// <summary>*.flow.yaml and *.flow.yml files: one YAML document (anchors and aliases allowed) read by the shared document reader.</summary>
internal static class YamlFlowReader
{
    public static readonly string[] Extensions = [".flow.yaml", ".flow.yml"];

    public static (EquatableArray<FlowGraph> Graphs, EquatableArray<FlowGraph> Subprocesses, EquatableArray<DiagnosticInfo> Diagnostics) Read(string path, SourceText text, FlowLimits limits, CancellationToken cancellationToken)
        => FlowDocumentReader.Read(new DocumentText(path, text, limits), "YAML", cancellationToken);
}
