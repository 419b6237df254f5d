using System.Runtime.CompilerServices;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FlowGen.Generators.Binding;

/// <summary>The public [FlowComponent] and [FlowEvent] types of the assemblies a project references.</summary>
internal sealed record ReferencedModels(EquatableArray<ComponentModel> Components, EquatableArray<EventModel> Events)
{
    public static readonly ReferencedModels None = new(EquatableArray<ComponentModel>.Empty, EquatableArray<EventModel>.Empty);
}

/// <summary>
/// Reads [FlowComponent] and [FlowEvent] types from referenced assemblies: a library of services, a package of event
/// contracts. Only assemblies that reference FlowGen can hold them, and only their public types can be called from
/// the project's generated code. Each assembly is read once: the compiler keeps a referenced assembly's symbol from
/// one compilation to the next while the reference is unchanged, so an edit costs a walk over the list of references.
/// </summary>
internal static class ReferencedTypes
{
    private const string RuntimeAssembly = "FlowGen";

    private static readonly ConditionalWeakTable<IAssemblySymbol, ReferencedModels> s_read = new();

    public static ReferencedModels Read(Compilation compilation, CancellationToken cancellationToken)
    {
        List<ComponentModel>? components = null;
        List<EventModel>? events = null;
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!UsesFlowGen(assembly)) continue;
            // A cancelled read stores nothing: the next compilation reads the assembly again.
            var found = s_read.GetValue(assembly, a => Scan(a, cancellationToken));
            if (found.Components.Count > 0) (components ??= []).AddRange(found.Components);
            if (found.Events.Count > 0) (events ??= []).AddRange(found.Events);
        }
        if (components is null && events is null) return ReferencedModels.None;
        return new ReferencedModels(
            (components ?? []).OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.TypeFullName, StringComparer.Ordinal).ToEquatableArray(),
            (events ?? []).OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.TypeFullName, StringComparer.Ordinal).ToEquatableArray());
    }

    private static bool UsesFlowGen(IAssemblySymbol assembly)
    {
        foreach (var module in assembly.Modules)
        {
            foreach (var reference in module.ReferencedAssemblies)
            {
                if (reference.Name == RuntimeAssembly) return true;
            }
        }
        return false;
    }

    private static ReferencedModels Scan(IAssemblySymbol assembly, CancellationToken cancellationToken)
    {
        var components = new List<ComponentModel>();
        var events = new List<EventModel>();
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(assembly.GlobalNamespace);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var member in pending.Pop().GetMembers())
            {
                if (member is INamespaceSymbol ns)
                {
                    pending.Push(ns);
                    continue;
                }
                // A type another assembly can name: public, and nested (if at all) in public types.
                if (member is not INamedTypeSymbol { DeclaredAccessibility: Accessibility.Public } type) continue;
                pending.Push(type);
                foreach (var attribute in type.GetAttributes())
                {
                    switch (attribute.AttributeClass?.ToDisplayString())
                    {
                        case SymbolReader.ComponentAttribute when type.TypeKind == TypeKind.Class:
                            if (SymbolReader.ReadComponent(type, attribute, cancellationToken, fromReference: true) is { } component) components.Add(component);
                            break;
                        case SymbolReader.EventAttribute when type.TypeKind is TypeKind.Class or TypeKind.Struct:
                            if (SymbolReader.ReadEvent(type, attribute) is { } flowEvent) events.Add(flowEvent);
                            break;
                    }
                }
            }
        }
        return new ReferencedModels(components.ToEquatableArray(), events.ToEquatableArray());
    }
}
