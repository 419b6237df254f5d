using System.ComponentModel;
using System.Globalization;

namespace FlowGen.Durable;

/// <summary>Correlation keys as text, culture-independent (generated routing code calls these).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FlowKeys
{
    /// <summary>A text key as it is.</summary>
    public static string? Format(string? value) => value;

    /// <summary>A whole number in invariant digits.</summary>
    public static string? Format(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    /// <summary>A whole number in invariant digits.</summary>
    public static string? Format(ulong? value) => value?.ToString(CultureInfo.InvariantCulture);

    /// <summary>A Guid in its standard form.</summary>
    public static string? Format(Guid? value) => value?.ToString("D");

    /// <summary>A timer date read from the bus (the earliest possible date when the value is null: the timer is due at once).</summary>
    public static DateTimeOffset Date(DateTimeOffset? value) => value ?? DateTimeOffset.MinValue;

    /// <inheritdoc cref="Date(DateTimeOffset?)"/>
    public static DateTimeOffset Date(DateTime? value) => value is { } date ? new DateTimeOffset(date.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(date, DateTimeKind.Utc) : date) : DateTimeOffset.MinValue;
}
