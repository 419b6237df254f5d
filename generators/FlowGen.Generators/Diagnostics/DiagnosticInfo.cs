using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FlowGen.Generators.Diagnostics;

/// <summary>
/// A diagnostic as plain data (descriptor id, message arguments, flow-file location), so that it can live in
/// cached pipeline values. Turned into a Roslyn <see cref="Diagnostic"/> only when reported.
/// </summary>
internal sealed record DiagnosticInfo(
    string Id,
    LocationInfo? Location,
    EquatableArray<string> Arguments,
    EquatableArray<LocationInfo> AdditionalLocations,
    DiagnosticSeverity? SeverityOverride = null)
{
    /// <summary>A long flow text (a condition of thousands of terms) as a message shows it: its start, then "...".</summary>
    public static string Quote(string text) => text.Length <= 200 ? text : text.Substring(0, 197) + "...";

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
        => new(descriptor.Id, location, arguments.Select(Visible).ToEquatableArray(), EquatableArray<LocationInfo>.Empty);

    /// <summary>
    /// Flow text quoted in a message, with the characters that would reorder or hide it in the IDE's error list (bidi
    /// controls, U+0085, U+2028, U+2029) shown as \uXXXX: a message must read as the file does.
    /// </summary>
    private static string Visible(string argument)
    {
        if (argument is null) return "";
        var clean = true;
        foreach (var c in argument)
        {
            if (Emit.CSharpText.IsBidiControl(c) || c is '\u0085' or '\u2028' or '\u2029') { clean = false; break; }
        }
        if (clean) return argument;
        var text = new System.Text.StringBuilder(argument.Length + 8);
        foreach (var c in argument)
        {
            if (Emit.CSharpText.IsBidiControl(c) || c is '\u0085' or '\u2028' or '\u2029') text.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            else text.Append(c);
        }
        return text.ToString();
    }

    public DiagnosticInfo WithAdditional(params LocationInfo?[] locations)
        => this with { AdditionalLocations = locations.Where(l => l is not null).Select(l => l!).ToEquatableArray() };

    public DiagnosticInfo WithSeverity(DiagnosticSeverity severity) => this with { SeverityOverride = severity };

    public DiagnosticSeverity Severity => SeverityOverride ?? FlowDiagnostics.Find(Id).DefaultSeverity;

    /// <summary>The Roslyn diagnostic, with the help link of <paramref name="links"/> (default: the package's shipped pages).</summary>
    public Diagnostic ToDiagnostic(HelpLinks? links = null)
    {
        var descriptor = (links ?? HelpLinks.Default).Descriptor(Id);
        var location = Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None;
        var additional = AdditionalLocations.Select(l => l.ToLocation());
        var args = Arguments.Cast<object>().ToArray();
        return SeverityOverride is { } severity && severity != descriptor.DefaultSeverity
            ? Diagnostic.Create(descriptor.Id, descriptor.Category, new LocalizableFormatString(descriptor, args), severity, descriptor.DefaultSeverity,
                isEnabledByDefault: true, warningLevel: severity == DiagnosticSeverity.Error ? 0 : 1, title: descriptor.Title,
                description: descriptor.Description, helpLink: descriptor.HelpLinkUri, location: location, additionalLocations: additional,
                customTags: descriptor.CustomTags)
            : Diagnostic.Create(descriptor, location, additional, args);
    }

    public override string ToString() => $"{Id} {Location}: {string.Format(FlowDiagnostics.Find(Id).MessageFormat.ToString(), Arguments.Cast<object>().ToArray())}";

    private sealed class LocalizableFormatString(DiagnosticDescriptor descriptor, object[] args) : LocalizableString
    {
        protected override string GetText(IFormatProvider? formatProvider) => string.Format(formatProvider, descriptor.MessageFormat.ToString(formatProvider), args);

        protected override int GetHash() => descriptor.Id.GetHashCode();

        protected override bool AreEqual(object? other) => ReferenceEquals(this, other);
    }
}
