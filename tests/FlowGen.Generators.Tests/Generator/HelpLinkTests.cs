using FlowGen.Generators.Diagnostics;
using Xunit;
using static FlowGen.Generators.Tests.Generator.Bpmn;

namespace FlowGen.Generators.Tests.Generator;

// Help links resolve: the project's FlowGenHelpLinkBase, else the pages shipped in the package, else none (issue 14.9).
public sealed class HelpLinkTests
{
    private static readonly string DeadEnd = Process(string.Join("\n", """<startEvent id="f" />""", Task("t1", "calc", "begin"), """<endEvent id="e" />""", Flow("a", "f", "t1")));

    [Fact]
    public void With_FlowGenHelpLinkBase_every_link_is_that_base_and_the_id()
    {
        var run = GeneratorHarness.RunGenerator(GeneratorHarness.Compilation(Components),
            GeneratorHarness.Driver(new BuildProperties(("FlowGenHelpLinkBase", "https://docs.example.test/flowgen/diagnostics")), new InMemoryText("/flows/demo.bpmn", DeadEnd)));

        Assert.NotEmpty(run.Diagnostics);
        foreach (var d in run.Diagnostics.Where(d => d.Id.StartsWith("FG", StringComparison.Ordinal)))
            Assert.Equal($"https://docs.example.test/flowgen/diagnostics/{d.Id}.md", d.Descriptor.HelpLinkUri);
    }

    [Fact]
    public void Unset_the_link_is_the_shipped_page_of_the_package_or_none_and_never_a_made_up_address()
    {
        var run = GeneratorHarness.RunGenerator(Components, new InMemoryText("/flows/demo.bpmn", DeadEnd));

        Assert.NotEmpty(run.Diagnostics);
        // These tests load the generator from its build folder, not from a package: no link.
        foreach (var d in run.Diagnostics.Where(d => d.Id.StartsWith("FG", StringComparison.Ordinal)))
            Assert.Equal(HelpLinks.Default.Link(d.Id), d.Descriptor.HelpLinkUri);
        Assert.Null(HelpLinks.Default.Base);
        Assert.DoesNotContain(run.Diagnostics, d => d.Descriptor.HelpLinkUri.Contains("github.com", StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_that_is_not_an_absolute_URI_keeps_the_default()
    {
        var links = HelpLinks.Read(new BuildOptions(new() { ["build_property.FlowGenHelpLinkBase"] = "docs/diagnostics" }));
        Assert.Equal(HelpLinks.Default, links);
    }

    [Fact]
    public void From_the_package_layout_the_default_is_a_file_URI_to_the_shipped_docs_folder()
    {
        var root = OperatingSystem.IsWindows() ? @"C:\Users\me\.nuget\packages\flowgen\0.1.0" : "/home/me/.nuget/packages/flowgen/0.1.0";
        var dll = Path.Combine(root, "analyzers", "dotnet", "cs", "FlowGen.Generators.dll");

        var link = new HelpLinks(HelpLinks.FromAssemblyLocation(dll)).Link("FG0106");

        Assert.Equal(new Uri(Path.Combine(root, "docs", "diagnostics", "FG0106.md")).AbsoluteUri, link);
        Assert.StartsWith("file:///", link);
        Assert.Null(HelpLinks.FromAssemblyLocation(Path.Combine(root, "bin", "Debug", "netstandard2.0", "FlowGen.Generators.dll")));
        Assert.Null(HelpLinks.FromAssemblyLocation(""));
    }

    [Fact]
    public void Every_diagnostic_has_its_page_in_docs_diagnostics_so_a_shipped_link_opens_a_page()
    {
        var docs = Path.Combine(GeneratorHarness.RepositoryRoot(), "docs", "diagnostics");
        var ids = typeof(FlowDiagnostics).GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public)
            .Select(f => f.GetValue(null)).OfType<Microsoft.CodeAnalysis.DiagnosticDescriptor>().Select(d => d.Id).ToList();
        Assert.NotEmpty(ids);
        Assert.All(ids, id => Assert.True(File.Exists(Path.Combine(docs, id + ".md")), id + " has no page"));
    }
}
