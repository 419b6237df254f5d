using FlowGen.Generators.Checks;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Frontends.Bpmn;
using FlowGen.Generators.Frontends.Json;
using FlowGen.Generators.Frontends.Yaml;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators.Frontends;

/// <summary>Picks the front end for a flow file and turns its text into the IR plus the file's own diagnostics.</summary>
internal static class FlowFileReader
{
    public static bool IsFlowFile(string path)
        => path.EndsWith(".bpmn", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(JsonFlowReader.Extension, StringComparison.OrdinalIgnoreCase)
        || YamlFlowReader.Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    public static FlowFile Read(string path, SourceText? text, CancellationToken cancellationToken)
    {
        if (text is null) return new FlowFile(path, EquatableArray<FlowDefinition>.Empty, EquatableArray<DiagnosticInfo>.Empty);
        try
        {
            var (graphs, subprocesses, syntax) =
                path.EndsWith(JsonFlowReader.Extension, StringComparison.OrdinalIgnoreCase) ? JsonFlowReader.Read(path, text, cancellationToken)
                : YamlFlowReader.Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)) ? YamlFlowReader.Read(path, text, cancellationToken)
                : BpmnReader.ReadAll(path, text, cancellationToken);
            return StructureChecks.Check(path, graphs, subprocesses, syntax, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The generator never throws: an internal failure is one diagnostic at the file.
            var location = new LocationInfo(path, 0, 0, 0, 0, 0, 0);
            var diagnostic = DiagnosticInfo.Create(FlowDiagnostics.InternalError, location, System.IO.Path.GetFileName(path), ex.GetType().Name + ": " + ex.Message);
            return new FlowFile(path, EquatableArray<FlowDefinition>.Empty, new[] { diagnostic }.ToEquatableArray());
        }
    }
}
