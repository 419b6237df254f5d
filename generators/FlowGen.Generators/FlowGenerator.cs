using FlowGen.Generators.Binding;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Emit;
using FlowGen.Generators.Frontends;
using FlowGen.Generators.Frontends.Fluent;
using FlowGen.Generators.Model;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace FlowGen.Generators;

/// <summary>
/// The incremental pipeline, and nothing else: flow files -> IR (per file, text only); [Flow] classes and
/// [FlowComponent] classes -> small equatable models; per flow: bind, check, emit.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class FlowGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // The limits on flow files (FlowGenMax* properties): one small equatable value, so a change of any other
        // option leaves every flow cached.
        var limits = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => FlowLimits.Read(options.GlobalOptions))
            .WithTrackingName(TrackingNames.Limits);

        // Where help links point (FlowGenHelpLinkBase, else the pages shipped in the package): chosen when a diagnostic is reported.
        var links = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => HelpLinks.Read(options.GlobalOptions))
            .WithTrackingName(TrackingNames.HelpLinks);

        // Lane 1: flow files, each parsed and structure-checked from its own text.
        var files = context.AdditionalTextsProvider
            .Where(static file => FlowFileReader.IsFlowFile(file.Path))
            .Combine(limits)
            .Select(static (input, cancellationToken) => FlowFileReader.Read(input.Left.Path, input.Left.GetText(cancellationToken), input.Right, cancellationToken))
            .WithTrackingName(TrackingNames.FlowFiles);

        context.RegisterSourceOutput(files.Combine(links), static (spc, input) =>
        {
            foreach (var diagnostic in input.Left.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic(input.Right));
        });

        // Lane 1b: fluent definitions ([FlowDefinition] methods), read from syntax and the semantic model into the
        // same IR; their problems (FG071x included) are reported here like a file's.
        var fluent = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                FluentReader.DefinitionAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, cancellationToken) => FluentReader.Read((IMethodSymbol)ctx.TargetSymbol, (MethodDeclarationSyntax)ctx.TargetNode, ctx.SemanticModel, cancellationToken))
            .WithTrackingName(TrackingNames.FluentFlows);

        context.RegisterSourceOutput(fluent.Combine(links), static (spc, input) =>
        {
            foreach (var diagnostic in input.Left.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic(input.Right));
        });

        // Flow ids must be unique across files and definitions (Kstry loads every file into one namespace of flows).
        var fileIds = files
            .Select(static (file, _) => file.Flows.Select(f => new FlowIdSite(f.FlowId, f.Graph.FindNode(f.FlowId)!.Location)).ToEquatableArray())
            .Collect();
        var fluentIds = fluent
            .Select(static (file, _) => file.Flows.Select(f => new FlowIdSite(f.FlowId, f.Graph.FindNode(f.FlowId)!.Location)).ToEquatableArray())
            .Collect();
        var flowIds = fileIds
            .Combine(fluentIds)
            .Select(static (pair, _) => pair.Left.Concat(pair.Right).ToEquatableArray())
            .WithTrackingName(TrackingNames.FlowIds);
        context.RegisterSourceOutput(flowIds.Combine(links), static (spc, input) =>
        {
            foreach (var duplicate in DuplicateFlows.Find(input.Left.AsImmutableArray())) spc.ReportDiagnostic(duplicate.ToDiagnostic(input.Right));
        });

        // [Flow] classes whose id names no flow (FG0702), with the files that look like flows but are not named as flow files;
        // and classes FlowGen cannot complete (FG0701, FG0703, FG0707).
        var flowClassSites = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                SymbolReader.FlowAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, cancellationToken) => SymbolReader.ReadFlowClassSite(ctx.TargetSymbol, ctx.TargetNode, ctx.Attributes[0], cancellationToken))
            .Where(static site => site is not null)
            .Select(static (site, _) => site!)
            .Collect();
        var lookAlikes = context.AdditionalTextsProvider
            .Where(static file => !FlowFileReader.IsFlowFile(file.Path) && FlowClassChecks.LooksLikeFlowFile(file.Path))
            .Select(static (file, _) => file.Path)
            .Collect();
        // A flow file that cannot be read may hold the missing flow: its own error is the one to fix first.
        var unreadable = files
            .Select(static (file, _) => FlowClassChecks.IsUnreadable(file))
            .Collect()
            .Select(static (all, _) => all.Contains(true));
        context.RegisterSourceOutput(flowClassSites.Combine(flowIds).Combine(lookAlikes).Combine(unreadable).Combine(links), static (spc, input) =>
        {
            var ((((sites, ids), files), anyUnreadable), help) = input;
            foreach (var shape in FlowClassChecks.ClassShapes(sites)) spc.ReportDiagnostic(shape.ToDiagnostic(help));
            if (anyUnreadable) return;
            foreach (var unknown in FlowClassChecks.UnknownIds(sites, ids, files)) spc.ReportDiagnostic(unknown.ToDiagnostic(help));
        });

        // Lane 2: C# anchors, reduced at once to equatable models.

        // [FlowComponent] and [FlowEvent] types of referenced assemblies (a services library, an event contracts package):
        // each assembly is read once, so an edit costs a walk over the list of references, and the result is equal
        // from one edit to the next.
        var referenced = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => ReferencedTypes.Read(compilation, cancellationToken))
            .WithTrackingName(TrackingNames.ReferencedTypes);
        var flowClasses = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                SymbolReader.FlowAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => SymbolReader.ReadFlowClass((INamedTypeSymbol)ctx.TargetSymbol, ctx.Attributes[0]))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .Collect()
            .WithTrackingName(TrackingNames.FlowClasses);

        // A [Flow] class whose flow is not found while a flow file cannot be read (that file may hold it) still gets a
        // body that never runs, so the file's own error is the build's only one (no CS0535 beside it).
        context.RegisterSourceOutput(flowClasses.Combine(flowIds).Combine(unreadable), static (spc, input) =>
        {
            var ((classes, ids), anyUnreadable) = input;
            if (!anyUnreadable) return;
            foreach (var flowClass in classes.Where(c => c.IsValid && !ids.SelectMany(file => file).Any(site => site.FlowId == c.FlowId)))
                spc.AddSource(HintName(flowClass), SourceText.From(NotGeneratedEmitter.EmitUnread(flowClass), System.Text.Encoding.UTF8));
        });

        var components = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                SymbolReader.ComponentAttribute,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => SymbolReader.ReadComponent((INamedTypeSymbol)ctx.TargetSymbol, ctx.Attributes[0], ct))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .Collect()
            .Combine(referenced)
            // The project's own components first: where a reference has one of the same name, the project's is bound.
            .Select(static (pair, _) => pair.Left.OrderBy(c => c.Name, StringComparer.Ordinal).Concat(pair.Right.Components).ToEquatableArray())
            .WithTrackingName(TrackingNames.Components);

        // Camunda Modeler element templates of the task catalogue, when the project names a folder for them
        // (FlowGenElementTemplates; FlowGen.Generator.targets writes the two constants there after the build).
        var templatesOn = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.FlowGenElementTemplates", out var folder) && !string.IsNullOrWhiteSpace(folder))
            .WithTrackingName(TrackingNames.ElementTemplates);
        context.RegisterSourceOutput(components.Combine(templatesOn), static (spc, input) =>
        {
            if (!input.Right) return;
            spc.AddSource(Emit.Pictures.ElementTemplatesWriter.ClassName + ".g.cs", SourceText.From(Emit.Pictures.ElementTemplatesWriter.Emit(input.Left), System.Text.Encoding.UTF8));
        });

        // Event types ([FlowEvent]) that durable flows wait for, by name.
        var events = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                SymbolReader.EventAttribute,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax or StructDeclarationSyntax,
                static (ctx, _) => SymbolReader.ReadEvent((INamedTypeSymbol)ctx.TargetSymbol, ctx.Attributes[0]))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .Collect()
            .Combine(referenced)
            .Select(static (pair, _) => pair.Left.OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.TypeFullName, StringComparer.Ordinal)
                .Concat(pair.Right.Events).ToEquatableArray())
            .WithTrackingName(TrackingNames.Events);

        // Subprocess bodies of every file (and the foreach bodies of fluent definitions): a call activity may name one in another file.
        var subprocesses = files
            .Select(static (file, _) => file.Subprocesses)
            .Collect()
            .Combine(fluent.Select(static (file, _) => file.Subprocesses).Collect())
            .Select(static (pair, _) => pair.Left.Concat(pair.Right).SelectMany(s => s).OrderBy(s => s.Id, StringComparer.Ordinal).ThenBy(s => s.Location.FilePath, StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.Subprocesses);

        context.RegisterSourceOutput(subprocesses, static (spc, all) =>
        {
            foreach (var duplicate in DuplicateFlows.FindSubprocesses(all)) spc.ReportDiagnostic(duplicate.ToDiagnostic());
        });

        // A flow id defined in several places (FG0102) is compiled from its first file only.
        var owners = flowIds
            .Select(static (all, _) => DuplicateFlows.Owners(all.AsImmutableArray()))
            .WithTrackingName(TrackingNames.FlowIdOwners);

        // Per flow: bind to its class and the components, check, emit. Flow files and fluent definitions go
        // through the same steps, each lane keeping its own per-flow caching.
        var context2 = (flowClasses, components.Combine(events), owners, subprocesses);
        var boundFiles = Compile(context, files.SelectMany(static (file, _) => file.Flows).WithTrackingName(TrackingNames.Flows), context2, limits, links, TrackingNames.BoundFlows);
        var boundFluent = Compile(context, fluent.SelectMany(static (file, _) => file.Flows).WithTrackingName(TrackingNames.FluentFlowDefinitions), context2, limits, links, TrackingNames.BoundFluentFlows);

        var registrations = Registrations(boundFiles)
            .Combine(Registrations(boundFluent))
            .Select(static (pair, _) => pair.Left.AddRange(pair.Right).OrderBy(r => r.ClassType, StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.Registrations);

        context.RegisterSourceOutput(registrations.Combine(links), static (spc, input) =>
        {
            var (all, links) = input;
            if (all.Count == 0) return;
            var source = RegistrationEmitter.Emit(all);
            if (UnsafeOutput(source, "the flow registrations") is { } refused) spc.ReportDiagnostic(refused.ToDiagnostic(links));
            else spc.AddSource("FlowGenRegistrations.g.cs", SourceText.From(source, System.Text.Encoding.UTF8));
        });
    }

    private static IncrementalValuesProvider<BoundFlow> Compile(
        IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<FlowDefinition> flows,
        (IncrementalValueProvider<ImmutableArray<FlowClassModel>> Classes, IncrementalValueProvider<(EquatableArray<ComponentModel> Components, EquatableArray<EventModel> Events)> Components,
            IncrementalValueProvider<EquatableArray<FlowIdOwner>> Owners, IncrementalValueProvider<EquatableArray<SubprocessDefinition>> Subprocesses) inputs,
        IncrementalValueProvider<FlowLimits> limits,
        IncrementalValueProvider<HelpLinks> links,
        string trackingName)
    {
        var bound = flows
            .Combine(inputs.Classes)
            .Combine(inputs.Components)
            .Combine(inputs.Owners)
            .Combine(inputs.Subprocesses)
            .Select(static (input, cancellationToken) =>
            {
                var ((((flow, classes), (all, events)), duplicates), bodies) = input;
                if (duplicates.Any(o => o.FlowId == flow.FlowId && o.FilePath != flow.Graph.FilePath)) return null;
                var flowClass = classes.FirstOrDefault(c => c.FlowId == flow.FlowId && c.IsValid);
                return flowClass is null ? null : FlowBinder.BindSafely(flow, flowClass, all, bodies, cancellationToken, events);
            })
            .Where(static flow => flow is not null)
            .Select(static (flow, _) => flow!)
            .WithTrackingName(trackingName);

        context.RegisterSourceOutput(bound.Combine(limits.Combine(links)), static (spc, input) =>
        {
            var (flow, (limits, links)) = input;
            foreach (var diagnostic in flow.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic(links));
            string source;
            try
            {
                // A flow with errors gets a body that never runs it, so the FG errors are the build's only errors (no CS0535).
                source = flow.HasErrors ? NotGeneratedEmitter.Emit(flow) : FlowEmitter.Emit(flow);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                spc.ReportDiagnostic(DiagnosticInfo.Create(FlowDiagnostics.InternalError, flow.Flow.Graph.FindNode(flow.Flow.FlowId)?.Location,
                    $"flow '{flow.Flow.FlowId}'", ex.GetType().Name + ": " + ex.Message).ToDiagnostic(links));
                return;
            }
            var location = flow.Flow.Graph.FindNode(flow.Flow.FlowId)?.Location;
            if (source.Length > limits.MaxGeneratedSize)
            {
                spc.ReportDiagnostic(DiagnosticInfo.Create(FlowDiagnostics.GeneratedTooLarge, location, flow.Flow.FlowId,
                    source.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), limits.MaxGeneratedSize.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToDiagnostic(links));
                return;
            }
            if (UnsafeOutput(source, $"flow '{flow.Flow.FlowId}'", location) is { } refused)
            {
                spc.ReportDiagnostic(refused.ToDiagnostic(links));
                return;
            }
            spc.AddSource(HintName(flow.Class), SourceText.From(source, System.Text.Encoding.UTF8));
        });
        return bound;
    }

    /// <summary>
    /// The last line of defence of Emit/CSharpText: generated code that holds a character none of its escaping
    /// functions lets through is never added (an FG9001, a bug in FlowGen, instead of code that might not mean what it shows).
    /// </summary>
    private static DiagnosticInfo? UnsafeOutput(string source, string what, LocationInfo? location = null)
    {
        var at = CSharpText.FindUnsafe(source);
        if (at < 0) return null;
        return DiagnosticInfo.Create(FlowDiagnostics.InternalError, location, what,
            $"the generated code holds U+{((int)source[at]).ToString("X4", System.Globalization.CultureInfo.InvariantCulture)} unescaped at line {(source.Take(at).Count(c => c == '\n') + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)}, after '{CSharpText.Comment(source.Substring(Math.Max(0, at - 60), Math.Min(at, 60)))}', so none of it was written");
    }

    private static IncrementalValueProvider<ImmutableArray<FlowRegistration>> Registrations(IncrementalValuesProvider<BoundFlow> bound) => bound
        .Where(static flow => !flow.HasErrors)
        .Select(static (flow, _) => new FlowRegistration(
            flow.Flow.FlowId,
            "global::" + (flow.Class.Namespace is null ? "" : flow.Class.Namespace + ".") + flow.Class.ClassName,
            flow.Class.RequestType,
            flow.Class.ResultType,
            flow.Components.Select(c => c.Type).ToEquatableArray()) { IsDurable = flow.Durable is not null })
        .Collect();

    private static string HintName(FlowClassModel flowClass)
        => (flowClass.Namespace is null ? "" : flowClass.Namespace + ".") + flowClass.ClassName + ".g.cs";
}

/// <summary>Names of the pipeline's steps, for incrementality tests (TrackedSteps).</summary>
public static class TrackingNames
{
    public const string Limits = nameof(Limits);
    public const string HelpLinks = nameof(HelpLinks);
    public const string FlowFiles = nameof(FlowFiles);
    public const string FlowIds = nameof(FlowIds);
    public const string FlowIdOwners = nameof(FlowIdOwners);
    public const string Subprocesses = nameof(Subprocesses);
    public const string ElementTemplates = nameof(ElementTemplates);
    public const string FlowClasses = nameof(FlowClasses);
    public const string Components = nameof(Components);
    public const string Events = nameof(Events);
    public const string ReferencedTypes = nameof(ReferencedTypes);
    public const string Flows = nameof(Flows);
    public const string BoundFlows = nameof(BoundFlows);
    public const string Registrations = nameof(Registrations);
    public const string FluentFlows = nameof(FluentFlows);
    public const string FluentFlowDefinitions = nameof(FluentFlowDefinitions);
    public const string BoundFluentFlows = nameof(BoundFluentFlows);
}
