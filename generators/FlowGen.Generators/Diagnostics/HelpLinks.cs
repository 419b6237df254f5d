using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace FlowGen.Generators.Diagnostics;

/// <summary>
/// Where a diagnostic's help link points: <c>{Base}FGxxxx.md</c>, or no link when <see cref="Base"/> is null. Never a
/// made-up address: either the project's <c>FlowGenHelpLinkBase</c> property (a team's docs mirror), or the pages the
/// FlowGen package ships in its <c>docs/diagnostics</c> folder, as a file URI found from the generator's own place in
/// the package (<c>analyzers/dotnet/cs</c>), or none when the generator is not loaded from a package folder (an IDE
/// that runs a shadow copy, a project reference). See docs/diagnostics/README.md.
/// </summary>
internal sealed record HelpLinks(string? Base)
{
    public const string Property = "FlowGenHelpLinkBase";

    /// <summary>The shipped pages of the package this generator was loaded from, or null.</summary>
    public static readonly HelpLinks Default = new(FromAssemblyLocation(SafeLocation()));

    private static readonly ConcurrentDictionary<(string Id, string Base), DiagnosticDescriptor> Descriptors = new();

    /// <summary>The project's FlowGenHelpLinkBase (an absolute URI; a trailing / is added), else <see cref="Default"/>.</summary>
    public static HelpLinks Read(AnalyzerConfigOptions options)
    {
        if (!options.TryGetValue("build_property." + Property, out var text) || string.IsNullOrWhiteSpace(text)) return Default;
        text = text.Trim();
        if (!text.EndsWith("/", StringComparison.Ordinal)) text += "/";
        return Uri.TryCreate(text, UriKind.Absolute, out _) ? new HelpLinks(text) : Default;
    }

    /// <summary>
    /// The docs/diagnostics folder of the package whose <c>analyzers/dotnet/cs</c> folder holds <paramref name="assemblyPath"/>,
    /// as a file URI ending in /; null for an assembly anywhere else. Reads no file: the layout is the package's.
    /// </summary>
    public static string? FromAssemblyLocation(string? assemblyPath)
    {
        if (string.IsNullOrEmpty(assemblyPath)) return null;
        try
        {
            var cs = System.IO.Path.GetDirectoryName(assemblyPath);
            var dotnet = System.IO.Path.GetDirectoryName(cs);
            var analyzers = System.IO.Path.GetDirectoryName(dotnet);
            var root = System.IO.Path.GetDirectoryName(analyzers);
            if (root is null || !string.Equals(System.IO.Path.GetFileName(cs), "cs", StringComparison.OrdinalIgnoreCase)
                || !string.Equals(System.IO.Path.GetFileName(dotnet), "dotnet", StringComparison.OrdinalIgnoreCase)
                || !string.Equals(System.IO.Path.GetFileName(analyzers), "analyzers", StringComparison.OrdinalIgnoreCase))
                return null;
            var folder = System.IO.Path.Combine(root, "docs", "diagnostics") + System.IO.Path.DirectorySeparatorChar;
            return Uri.TryCreate(folder, UriKind.Absolute, out var uri) && uri.IsFile ? uri.AbsoluteUri : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string? SafeLocation()
    {
        try
        {
            return typeof(HelpLinks).Assembly.Location;
        }
        catch (NotSupportedException)
        {
            return null; // an assembly loaded from bytes has no location
        }
    }

    /// <summary>The help link of a diagnostic id, or "" for none.</summary>
    public string Link(string id) => Base is null ? "" : Base + id + ".md";

    /// <summary>
    /// The descriptor of <paramref name="id"/> with this help link. Descriptors are static, built with
    /// <see cref="Default"/>; another base gets a copy, made once per id.
    /// </summary>
    public DiagnosticDescriptor Descriptor(string id)
    {
        var descriptor = FlowDiagnostics.Find(id);
        var link = Link(id);
        if (string.Equals(descriptor.HelpLinkUri, link, StringComparison.Ordinal)) return descriptor;
        return Descriptors.GetOrAdd((id, Base ?? ""), _ => new DiagnosticDescriptor(descriptor.Id, descriptor.Title, descriptor.MessageFormat, descriptor.Category,
            descriptor.DefaultSeverity, descriptor.IsEnabledByDefault, descriptor.Description, link.Length == 0 ? null : link, descriptor.CustomTags.ToArray()));
    }
}
