using FlowGen.Generators.Tests.Generator;
using Microsoft.CodeAnalysis;
using Xunit;

namespace FlowGen.Corpus.Tests;

// Broken flow files never crash the build: the generator reports diagnostics with locations, never throws. The same
// over the repository's own flow files: tests/FlowGen.Generators.Tests/Generator/RobustnessTests.cs.
public sealed class CorpusRobustnessTests
{
    [Theory]
    [InlineData("goods.bpmn")]
    [InlineData("test_flow_01.bpmn")]
    [InlineData("subprocess_test_001.bpmn")]
    public void Truncated_and_mutated_corpus_files_give_located_diagnostics_and_no_crash(string name)
    {
        var corpus = new CorpusFile(Path.Combine(CorpusFile.Folder(), name));
        var csharp = corpus.CSharp();
        var compilation = GeneratorHarness.Compilation(csharp);
        var random = new Random(20261125);
        var text = corpus.Text;
        var variants = new List<string>();
        for (var i = 1; i <= 40; i++) variants.Add(text[..(text.Length * i / 41)]);              // truncations
        for (var i = 0; i < 40; i++)                                                               // mutations
        {
            var chars = text.ToCharArray();
            for (var j = 0; j < 5; j++) chars[random.Next(chars.Length)] = "<>\"'&=/ x\n"[random.Next(10)];
            variants.Add(new string(chars));
        }
        variants.Add(text.Replace("sourceRef=\"", "sourceRef=\"missing-"));                          // dangling flows
        variants.Add(text.Replace("conditionExpression xsi:type=\"bpmn:tFormalExpression\">", "conditionExpression xsi:type=\"bpmn:tFormalExpression\">((("));

        foreach (var variant in variants)
        {
            var run = GeneratorHarness.RunGenerator(compilation, GeneratorHarness.Driver(new InMemoryText(corpus.Path, variant)));
            Assert.All(run.Result.Results, r => Assert.Null(r.Exception));
            Assert.Empty(run.WithId("FG9001"));
            Assert.DoesNotContain(run.Diagnostics, d => d.Id == "CS8785"); // generator failed
            Assert.All(run.Diagnostics.Where(d => d.Id.StartsWith("FG", StringComparison.Ordinal)), d =>
            {
                Assert.Equal(LocationKind.ExternalFile, d.Location.Kind);
                Assert.Equal(corpus.Path, d.Location.GetLineSpan().Path);
            });
            if (variant.Length < text.Length) Assert.NotEmpty(run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        }
    }
}
