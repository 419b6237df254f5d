using System.Collections.Concurrent;
using System.Collections.Immutable;
using FlowGen.Generators.Frontends;
using FlowGen.Generators.Frontends.Fluent;
using FlowGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowGen.Analyzers;

/// <summary>
/// C#-side rules (FG07xx): the [FlowComponent] and [FlowTask] declarations the generator relies on, and two flow classes
/// with one id. The rules about a flow class FlowGen cannot complete (FG0701, FG0702, FG0703, FG0707) are the generator's:
/// such a class does not compile (CS0535), and an analyzer does not run when the compilation has errors.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FlowClassAnalyzer : DiagnosticAnalyzer
{
    private const string FlowAttribute = "FlowGen.FlowAttribute";
    private const string ComponentAttribute = "FlowGen.FlowComponentAttribute";
    private const string TaskAttribute = "FlowGen.FlowTaskAttribute";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        FlowDiagnostics.TaskOutsideComponent,
        FlowDiagnostics.DuplicateTask,
        FlowDiagnostics.DuplicateFlowClass,
        FlowDiagnostics.DuplicateComponent,
        FlowDiagnostics.TaskPolicyValue,
    ];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var flowClasses = new ConcurrentBag<(string FlowId, INamedTypeSymbol Type, Location Location)>();
            var components = new ConcurrentBag<(string Name, INamedTypeSymbol Type, Location Location)>();

            start.RegisterSymbolAction(symbolContext =>
            {
                var type = (INamedTypeSymbol)symbolContext.Symbol;
                foreach (var attribute in type.GetAttributes())
                {
                    var name = attribute.AttributeClass?.ToDisplayString();
                    var location = attribute.ApplicationSyntaxReference?.GetSyntax(symbolContext.CancellationToken).GetLocation() ?? type.Locations.FirstOrDefault() ?? Location.None;
                    if (name == FlowAttribute && attribute.ConstructorArguments.FirstOrDefault().Value is string flowId)
                    {
                        // FG0701, FG0702, FG0703 and FG0707 are the generator's: a flow class it cannot complete does not
                        // compile (CS0535), and this analyzer does not run when the compilation has errors.
                        flowClasses.Add((flowId, type, location));
                    }
                    else if (name == ComponentAttribute && attribute.ConstructorArguments.FirstOrDefault().Value is string componentName)
                    {
                        components.Add((componentName, type, location));
                    }
                }
                CheckTasks(symbolContext, type);
            }, SymbolKind.NamedType);

            start.RegisterCompilationEndAction(end =>
            {
                foreach (var group in flowClasses.GroupBy(c => c.FlowId).Where(g => g.Count() > 1))
                {
                    var ordered = group.OrderBy(c => c.Type.ToDisplayString(), StringComparer.Ordinal).ToList();
                    foreach (var duplicate in ordered.Skip(1))
                        end.ReportDiagnostic(Diagnostic.Create(FlowDiagnostics.DuplicateFlowClass, duplicate.Location, group.Key, ordered[0].Type.ToDisplayString(), duplicate.Type.ToDisplayString()));
                }
                foreach (var group in components.GroupBy(c => c.Name).Where(g => g.Count() > 1))
                {
                    var ordered = group.OrderBy(c => c.Type.ToDisplayString(), StringComparer.Ordinal).ToList();
                    foreach (var duplicate in ordered.Skip(1))
                        end.ReportDiagnostic(Diagnostic.Create(FlowDiagnostics.DuplicateComponent, duplicate.Location, group.Key, ordered[0].Type.ToDisplayString(), duplicate.Type.ToDisplayString()));
                }
            });
        });
    }

    private static void CheckTasks(SymbolAnalysisContext context, INamedTypeSymbol type)
    {
        var isComponent = type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ComponentAttribute);
        var seen = new Dictionary<string, IMethodSymbol>(StringComparer.Ordinal);
        var componentName = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ComponentAttribute)?.ConstructorArguments.FirstOrDefault().Value as string;
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            var task = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == TaskAttribute);
            if (task?.ConstructorArguments.FirstOrDefault().Value is not string taskName) continue;
            var location = method.Locations.FirstOrDefault();
            if (!isComponent)
            {
                context.ReportDiagnostic(Diagnostic.Create(FlowDiagnostics.TaskOutsideComponent, location, method.Name, type.Name));
                continue;
            }
            CheckPolicyValues(context, task, taskName, method.Name, location);
            // One method per task and ability: abilities ([FlowTask(..., Ability = "x")]) are other implementations of the task.
            var ability = task.NamedArguments.FirstOrDefault(a => a.Key == "Ability").Value.Value as string;
            var key = ability is { Length: > 0 } ? taskName + "@" + ability : taskName;
            if (seen.TryGetValue(key, out var first))
                context.ReportDiagnostic(Diagnostic.Create(FlowDiagnostics.DuplicateTask, location, componentName, key, first.Name, method.Name));
            else
                seen[key] = method;
        }
    }

    /// <summary>[FlowTask] policy values the runtime would clamp or ignore (Polly takes timeouts of 10 ms to one day).</summary>
    private static void CheckPolicyValues(SymbolAnalysisContext context, AttributeData task, string taskName, string methodName, Location? location)
    {
        foreach (var argument in task.NamedArguments)
        {
            if (argument.Value.Value is not int value) continue;
            var problem = argument.Key switch
            {
                "Timeout" when value < 0 || value > 86_400_000 => "a timeout must be from 10 ms to 86400000 ms (one day), or 0 for none",
                "Timeout" when value is > 0 and < 10 => "a timeout below 10 ms cannot be enforced (Polly's minimum), so it runs as 10 ms",
                "Retry" when value < 0 || value > 1_000_000 => "retries must be from 0 to 1000000",
                _ => null,
            };
            if (problem is not null)
                context.ReportDiagnostic(Diagnostic.Create(FlowDiagnostics.TaskPolicyValue, location, taskName, methodName, argument.Key, value.ToString(System.Globalization.CultureInfo.InvariantCulture), problem));
        }
    }
}
