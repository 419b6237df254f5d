using System.Collections.Concurrent;
using System.Runtime.Loader;
using FlowGen.Generators.Tests.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>The verdict on one random flow: accepted (compiled and ran as the interpreter says), rejected, or a problem.</summary>
/// <param name="Fused">The flow's generated class has a fused synchronous stretch (a Fused_ method), which its plain runs took.</param>
internal sealed record FlowVerdict(RandomFlow Flow, bool Accepted, IReadOnlyList<string> RejectedBy, string? Problem, IReadOnlyList<string>? Messages = null, bool Fused = false)
{
    /// <summary>The kind of problem, for shrinking: a smaller flow must fail the same way.</summary>
    public string? ProblemKind => Problem?.Split(':')[0];
}

/// <summary>
/// Checks many random flows in one compilation with the real generator: every flow the checks accept must compile with
/// no error and no warning (nullable ones included) and, loaded into a collectible AssemblyLoadContext, run as
/// <see cref="ReferenceInterpreter"/> says on every input; every flow they reject must be rejected by FG errors located
/// in its own flow file, never by a C# error and never by FG9001.
/// </summary>
internal static class FlowChecker
{
    private static readonly CSharpParseOptions s_parse = new(LanguageVersion.Latest);

    public static List<FlowVerdict> Check(IReadOnlyList<RandomFlow> flows)
    {
        var texts = flows.Select(f => new InMemoryText(f.Path, FlowDocumentWriter.Write(f))).ToArray();
        var compilation = GeneratorHarness.Compilation(TestComponents.Source(flows))
            .WithOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new FlowGenerator().AsSourceGenerator()], additionalTexts: texts, parseOptions: s_parse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);

        var byPath = flows.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var problems = new Dictionary<RandomFlow, List<string>>();
        var rejections = new Dictionary<RandomFlow, List<string>>();
        var unattributed = new List<string>();
        void Problem(RandomFlow flow, string text) => (problems.TryGetValue(flow, out var list) ? list : problems[flow] = []).Add(text);

        foreach (var diagnostic in generatorDiagnostics)
        {
            var path = diagnostic.Location.GetLineSpan().Path;
            if (!byPath.TryGetValue(path ?? "", out var flow))
            {
                if (diagnostic.Severity == DiagnosticSeverity.Error || diagnostic.Id == "FG9001") unattributed.Add(diagnostic.ToString());
                continue;
            }
            if (diagnostic.Id == "FG9001") Problem(flow, "FG9001: " + diagnostic);
            else if (diagnostic.Severity == DiagnosticSeverity.Error) (rejections.TryGetValue(flow, out var ids) ? ids : rejections[flow] = []).Add(diagnostic.Id + " " + diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        }
        foreach (var diagnostic in output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning))
        {
            var flow = Owner(diagnostic, flows, byPath);
            if (flow is null) unattributed.Add(diagnostic.ToString());
            else Problem(flow, "C#: " + diagnostic);
        }
        if (unattributed.Count > 0)
            return flows.Select(f => new FlowVerdict(f, false, [], "Unattributed: " + string.Join("\n", unattributed.Take(5)))).ToList();

        var verdicts = new List<FlowVerdict>();
        var runnable = flows.Where(f => !problems.ContainsKey(f) && !rejections.ContainsKey(f)).ToList();
        if (problems.Count > 0)
        {
            // A flow whose code does not compile stops the assembly: check the others without it.
            verdicts.AddRange(problems.Select(p => new FlowVerdict(p.Key, false, [], string.Join("\n", p.Value.Take(5)))));
            verdicts.AddRange(rejections.Select(r => new FlowVerdict(r.Key, false, r.Value.Select(m => m.Split(' ')[0]).Distinct().Order().ToList(), null, r.Value)));
            if (runnable.Count > 0) verdicts.AddRange(Check(runnable));
            return verdicts;
        }
        verdicts.AddRange(rejections.Select(r => new FlowVerdict(r.Key, false, r.Value.Select(m => m.Split(' ')[0]).Distinct().Order().ToList(), null, r.Value)));
        if (runnable.Count == 0) return verdicts;

        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        if (!emitted.Success)
            return flows.Select(f => new FlowVerdict(f, false, [], "Emit: " + string.Join("\n", emitted.Diagnostics.Take(5)))).ToList();
        stream.Position = 0;
        var context = new AssemblyLoadContext("random-flows", isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(stream);
            foreach (var flow in runnable)
            {
                var problem = RunAndCompare(assembly, flow, RandomFlowInputs.For(flow.Seed));
                var fused = assembly.GetType(TestComponents.Namespace + "." + flow.ClassName)!
                    .GetMethods(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic).Any(m => m.Name.StartsWith("Fused_", StringComparison.Ordinal));
                verdicts.Add(new FlowVerdict(flow, problem is null, [], problem, Fused: fused));
            }
        }
        finally
        {
            context.Unload();
        }
        return verdicts;
    }

    /// <summary>The flow a C# diagnostic belongs to: by the flow file a #line maps it to, or by the generated file's name.</summary>
    private static RandomFlow? Owner(Diagnostic diagnostic, IReadOnlyList<RandomFlow> flows, Dictionary<string, RandomFlow> byPath)
    {
        if (byPath.TryGetValue(diagnostic.Location.GetMappedLineSpan().Path ?? "", out var mapped)) return mapped;
        var file = diagnostic.Location.SourceTree?.FilePath ?? "";
        return flows.FirstOrDefault(f => file.EndsWith("." + f.ClassName + ".g.cs", StringComparison.Ordinal));
    }

    private static string? RunAndCompare(System.Reflection.Assembly assembly, RandomFlow flow, IReadOnlyList<FlowInput> inputs)
    {
        var flowType = assembly.GetType(TestComponents.Namespace + "." + flow.ClassName)!;
        var requestType = assembly.GetType(TestComponents.Namespace + "." + flow.RequestType)!;
        var constructor = flowType.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var arguments = constructor.GetParameters()
            .Select(p => p.ParameterType.Assembly == assembly ? Activator.CreateInstance(p.ParameterType) : null).ToArray();
        var instance = constructor.Invoke(arguments);
        if (flow.Durable)
        {
            if (instance is not FlowGen.Durable.IDurableFlow durable) return "Durable: the flow class is not an IDurableFlow";
            for (var i = 0; i < inputs.Count; i++)
            {
                var input = inputs[i];
                var pending = DurableDriver.RunAsync(assembly, flow, durable, input, flow.Id + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (!pending.Wait(TimeSpan.FromSeconds(30))) return $"Hang: the durable run did not end within 30 s for {input}";
                var (actual, problem) = pending.Result;
                if (problem is not null) return problem;
                var (expected, errors) = ReferenceInterpreter.Run(flow, input);
                var mismatch = Compare(flow, actual!, expected, errors);
                if (mismatch is not null) return $"Mismatch: {mismatch} for {input}\n  actual:   {Describe(actual!)}\n  expected: {Describe(expected)}";
            }
            return null;
        }
        var runAsync = flowType.GetMethods().Single(m => m.Name == "RunAsync" && m.GetParameters()[0].ParameterType == requestType);
        foreach (var input in inputs)
        {
            // Twice: a plain run (no options) takes the fused synchronous stretches; a tracked one goes node by node.
            foreach (var options in s_runs)
            {
                var log = new ConcurrentQueue<string>();
                var request = Activator.CreateInstance(requestType, input.A, input.B, input.C, input.Items, log)!;
                var pending = ((ValueTask<FlowResult<int>>)runAsync.Invoke(instance, [request, options, CancellationToken.None])!).AsTask();
                var how = options is null ? "plain" : "tracked";
                if (!pending.Wait(TimeSpan.FromSeconds(30))) return $"Hang: the {how} run did not end within 30 s for {input}";
                var result = pending.Result;
                var actual = new FlowOutcome(log.ToList(), result.IsSuccess ? result.Value : 0, result.Error?.Code, result.Error?.NodeId);
                var (expected, errors) = ReferenceInterpreter.Run(flow, input);
                var mismatch = Compare(flow, actual, expected, errors);
                if (mismatch is not null) return $"Mismatch ({how} run): {mismatch} for {input}\n  actual:   {Describe(actual)}\n  expected: {Describe(expected)}";
            }
        }
        return null;
    }

    // The options of each run of a request: none (the fused stretches), then node tracking (the node methods).
    private static readonly FlowRunOptions?[] s_runs = [null, new FlowRunOptions { Tracking = TrackingMode.Node }];

    private static string Describe(FlowOutcome outcome)
        => (outcome.ErrorCode is not null ? $"{outcome.ErrorCode} at {outcome.ErrorNode}" : outcome.WaitingAt is not null ? $"waiting at {outcome.WaitingAt}" : $"success, result {outcome.Result}")
            + "; visits " + string.Join(" ", outcome.Visits) + (outcome.Waits is { } waits ? "; waits " + string.Join(" ", waits) : "");

    /// <summary>
    /// On success the same result and the same visits (in the same order when nothing in the flow runs concurrently);
    /// on failure an error the interpreter says may come first, and only visits it says a run may make.
    /// </summary>
    private static string? Compare(RandomFlow flow, FlowOutcome actual, FlowOutcome expected, IReadOnlyList<(string Code, string Node)> errors)
    {
        if (errors.Count == 0)
        {
            if (actual.ErrorCode is not null) return "the run failed";
            if (actual.WaitingAt != expected.WaitingAt) return "another end of waiting";
            if (actual.Waits is not null && !actual.Waits.SequenceEqual(expected.Waits ?? [])) return "other waits";
            if (actual.Result != expected.Result) return "another result";
            if (Sequential(flow) ? !actual.Visits.SequenceEqual(expected.Visits) : !SameMultiset(actual.Visits, expected.Visits)) return "other visits";
            return null;
        }
        if (actual.ErrorCode is null) return "the run succeeded";
        if (!errors.Contains((actual.ErrorCode, actual.ErrorNode!))) return "another error";
        var possible = expected.Visits.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
        foreach (var group in actual.Visits.GroupBy(v => v))
        {
            if (!possible.TryGetValue(group.Key, out var count) || count < group.Count()) return "a visit the failed run cannot have made: " + group.Key;
        }
        return null;
    }

    private static bool SameMultiset(IReadOnlyList<string> left, IReadOnlyList<string> right)
        => left.Count == right.Count && left.Order(StringComparer.Ordinal).SequenceEqual(right.Order(StringComparer.Ordinal));

    /// <summary>Nothing runs concurrently: no parallel or inclusive gateway, no node with several outgoing flows but exclusive gateways, no concurrent iteration.</summary>
    private static bool Sequential(RandomFlow flow) => flow.AllGraphs().All(g =>
        g.Nodes.All(n => n.Kind is not (GraphNodeKind.Parallel or GraphNodeKind.Inclusive) && !n.IteAsync
            && (n.Kind == GraphNodeKind.Exclusive || g.Outgoing(n.Id).Count() <= 1)));
}
