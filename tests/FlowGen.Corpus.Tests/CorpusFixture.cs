using System.Text;
using System.Xml.Linq;
using FlowGen.Generators.Tests.Generator;
using Microsoft.CodeAnalysis;

namespace FlowGen.Corpus.Tests;

/// <summary>
/// Compiles one Kstry corpus file (read in place from <see cref="Folder"/>) with test components for every task-component and
/// task-service it names and one [Flow] class per start event.
/// </summary>
internal sealed class CorpusFile
{
    private const string Model = "http://www.omg.org/spec/BPMN/20100524/MODEL";

    public CorpusFile(string path)
    {
        Path = path;
        Text = File.ReadAllText(path);
        var document = XDocument.Parse(Text);
        var tasks = new SortedSet<(string Component, string Service)>();
        var unqualified = new HashSet<string>();
        var iterated = new HashSet<string>();
        foreach (var element in document.Descendants())
        {
            // The element's own properties, not those of the elements inside it (a subprocess holds tasks).
            var properties = element.Elements().Where(e => e.Name.LocalName == "extensionElements").Descendants().Where(d => d.Name.LocalName == "property").ToList();
            var service = properties.FirstOrDefault(p => (string?)p.Attribute("name") == "task-service")?.Attribute("value")?.Value;
            if (service is null || element.Name.LocalName is "properties" or "extensionElements") continue;
            var component = properties.FirstOrDefault(p => (string?)p.Attribute("name") == "task-component")?.Attribute("value")?.Value;
            if (component is null) unqualified.Add(service); else tasks.Add((component, service));
            // A task iterates when it has ite-* properties (inside an iterated subprocess it inherits ite-source).
            if (properties.Any(p => ((string?)p.Attribute("name"))?.StartsWith("ite-", StringComparison.Ordinal) == true)) iterated.Add(service);
            // A fallback (task-demotion) and a custom-role name a task too: pr:component@service.
            foreach (var named in new[] { "task-demotion", "custom-role" })
            {
                if (properties.FirstOrDefault(p => (string?)p.Attribute("name") == named)?.Attribute("value")?.Value is not { } value) continue;
                var reference = value.StartsWith("pr:", StringComparison.Ordinal) ? value[3..] : value;
                var at = reference.IndexOf('@');
                if (at > 0) tasks.Add((reference[..at], reference[(at + 1)..]));
            }
        }
        // A task-service without task-component resolves to the one component that has it; give the others to "any".
        foreach (var service in unqualified.Where(s => !tasks.Any(t => t.Service == s))) tasks.Add(("any", service));
        Tasks = tasks.ToList();
        Iterated = iterated;
        StartEvents = document.Root!.Elements(XName.Get("process", Model)).SelectMany(p => p.Elements(XName.Get("startEvent", Model)))
            .Select(s => (string)s.Attribute("id")!).Distinct().ToList();
        // Kstry's annotations: 【异常】 marks a flow that Kstry rejects.
        var annotations = document.Descendants(XName.Get("textAnnotation", Model)).ToDictionary(a => (string)a.Attribute("id")!, a => a.Value);
        ExpectedFailures = document.Descendants(XName.Get("association", Model))
            .Where(a => annotations.TryGetValue((string?)a.Attribute("targetRef") ?? "", out var text) && text.Contains("【异常】"))
            .Select(a => (string)a.Attribute("sourceRef")!).ToHashSet();
    }

    /// <summary>
    /// The Kstry corpus, read in place from ../shared/corpus/kstry beside the repository (never copied into it). When it
    /// is missing, every test that reads it fails with this message: the suite exists to run over it, so it never skips.
    /// </summary>
    public static string Folder()
    {
        var folder = System.IO.Path.GetFullPath(System.IO.Path.Combine(GeneratorHarness.RepositoryRoot(), "..", "shared", "corpus", "kstry"));
        if (!Directory.Exists(folder) || Directory.GetFiles(folder, "*.bpmn").Length == 0)
            throw new DirectoryNotFoundException($"The Kstry corpus is missing: no *.bpmn files in {folder}. The corpus suite (dotnet test tests/FlowGen.Corpus.Tests) reads ../shared/corpus/kstry beside the repository; the default suite (dotnet test FlowGen.sln) does not need it.");
        return folder;
    }

    public string Path { get; }

    public string Text { get; }

    public List<(string Component, string Service)> Tasks { get; }

    /// <summary>Services some node iterates (ite-source): their test methods take the item.</summary>
    public HashSet<string> Iterated { get; }

    public List<string> StartEvents { get; }

    public HashSet<string> ExpectedFailures { get; }

    public static string ClassName(string flowId) => "Flow_" + new string(flowId.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());

    public string CSharp()
    {
        var code = new StringBuilder("""
            using FlowGen;
            using System.Collections.Generic;
            namespace Corpus;
            public sealed class CorpusRequest { public int A { get; set; } public string Source { get; set; } = ""; public int Count { get; set; } public List<int> NumList { get; set; } = new(); }
            public sealed class CorpusResult { public string? Img { get; set; } public bool NeedEvaluate { get; set; } }
            public sealed class CorpusValues
            {
                [ToVar("num")] public int Num { get; set; }
                [ToVar("a")] public string? A { get; set; }
                [ToVar("aa")] public string? Aa { get; set; }
                [ToVar("b")] public string? B { get; set; }
                [ToVar("bb")] public string? Bb { get; set; }
                [ToVar("c")] public List<string>? C { get; set; }
                [ToVar("cc")] public List<int>? Cc { get; set; }
                [ToVar("ccc")] public List<string>? Ccc { get; set; }
            }

            """);
        var index = 0;
        foreach (var component in Tasks.GroupBy(t => t.Component))
        {
            code.AppendLine($"[FlowComponent(\"{component.Key}\")] public sealed class Component{index++} {{");
            var method = 0;
            foreach (var task in component)
                code.AppendLine(Iterated.Contains(task.Service)
                    ? $"    [FlowTask(\"{task.Service}\")] public void M{method++}([FromItem] object item) {{ }}"
                    : $"    [FlowTask(\"{task.Service}\")] public CorpusValues M{method++}() => new();");
            code.AppendLine("}");
        }
        foreach (var flow in StartEvents)
            code.AppendLine($"[Flow(\"{flow}\")] public sealed partial class {ClassName(flow)} : IFlow<CorpusRequest, CorpusResult>;");
        return code.ToString();
    }

    public GeneratorHarness.Run Compile(params AdditionalText[] extra)
        => GeneratorHarness.RunGenerator(CSharp(), [new InMemoryText(Path, Text), .. extra]);
}
