using System.Collections.Immutable;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Frontends.Fluent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowGen.Analyzers;

/// <summary>
/// [FlowDefinition] methods (FG0710-FG0713): what the generator cannot read statically, reported at the builder
/// call, argument or condition that causes it. Runs the generator's own fluent front end, so the rules live once.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FlowDefinitionAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        FlowDiagnostics.FluentUnreadable,
        FlowDiagnostics.FluentNotConstant,
        FlowDiagnostics.FluentUntranslatable,
        FlowDiagnostics.FluentNotATask,
    ];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSyntaxNodeAction(Analyze, SyntaxKind.MethodDeclaration);
    }

    private static void Analyze(SyntaxNodeAnalysisContext context)
    {
        var syntax = (MethodDeclarationSyntax)context.Node;
        if (syntax.AttributeLists.Count == 0) return;
        if (context.SemanticModel.GetDeclaredSymbol(syntax, context.CancellationToken) is not { } method) return;
        if (!method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == FluentReader.DefinitionAttribute)) return;

        var file = FluentReader.Read(method, syntax, context.SemanticModel, context.CancellationToken);
        foreach (var diagnostic in file.Diagnostics)
        {
            if (FluentReader.IsAnalyzerOnly(diagnostic.Id)) context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }
    }
}
