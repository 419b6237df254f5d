using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace FlowGen;

/// <summary>
/// Where a run's variables come from (Kstry's KV): configuration through FlowGen.Hosting, or
/// <see cref="MemoryVariableSource"/>. Given a key, the task's service scope (its <c>kv-scope</c> setting) and
/// the run's business id, it returns the most specific value (see <see cref="FlowVariables"/> for the order).
/// </summary>
public interface IFlowVariableSource
{
    /// <summary>The value of <paramref name="key"/> for this service scope and business id, or null.</summary>
    string? Find(string key, string? service, string? businessId);
}

/// <summary>
/// A task's view of the run's variables: declare a parameter of this type and FlowGen passes it, bound to the
/// task's <c>kv-scope</c> and the run's <see cref="FlowRunOptions.BusinessId"/>. Lookup order, most specific
/// first: the business's value for the service scope, the business's value, the service scope's value, the
/// default value (in FlowGen.Hosting, each first in the host environment's section, then in the shared one).
/// </summary>
public readonly struct FlowVariables(IFlowVariableSource? source, string? service, string? businessId)
{
    /// <summary>The task's service scope (<c>kv-scope</c>), or null.</summary>
    public string? Service { get; } = service;

    /// <summary>The run's business id, or null.</summary>
    public string? BusinessId { get; } = businessId;

    /// <summary>The value of a key, or null when no scope has it (or the run has no variable source).</summary>
    public string? this[string key] => source?.Find(key, Service, BusinessId);

    /// <summary>The value of a key parsed as <typeparamref name="T"/> (invariant culture), or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="FormatException">The value is there but is not a <typeparamref name="T"/>.</exception>
    public T Get<T>(string key, T fallback) where T : IParsable<T>
        => this[key] is { } text ? T.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The value of a key parsed as <typeparamref name="T"/>; false when absent or not a <typeparamref name="T"/>.</summary>
    public bool TryGet<T>(string key, [MaybeNullWhen(false)] out T value) where T : IParsable<T>
    {
        if (this[key] is { } text && T.TryParse(text, CultureInfo.InvariantCulture, out value)) return true;
        value = default;
        return false;
    }
}

/// <summary>Variables held in memory, with the lookup order of <see cref="FlowVariables"/>: for tests and apps without configuration.</summary>
public sealed class MemoryVariableSource : IFlowVariableSource
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>Sets a value: for every run (no service, no business), a service scope, a business, or both.</summary>
    public MemoryVariableSource Set(string key, string value, string? service = null, string? businessId = null)
    {
        _values[Key(key, service, businessId)] = value;
        return this;
    }

    /// <inheritdoc />
    public string? Find(string key, string? service, string? businessId)
    {
        if (businessId is not null && service is not null && _values.TryGetValue(Key(key, service, businessId), out var both)) return both;
        if (businessId is not null && _values.TryGetValue(Key(key, null, businessId), out var business)) return business;
        if (service is not null && _values.TryGetValue(Key(key, service, null), out var scoped)) return scoped;
        return _values.TryGetValue(Key(key, null, null), out var value) ? value : null;
    }

    private static string Key(string key, string? service, string? businessId) => $"{businessId}\u0001{service}\u0001{key}";
}
