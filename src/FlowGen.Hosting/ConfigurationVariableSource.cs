using Microsoft.Extensions.Configuration;

namespace FlowGen.Hosting;

/// <summary>
/// Variables from configuration (section "FlowGen:Variables"), Kstry's KV scopes:
/// <code>
/// "Variables": {
///   "Default":  { "coupon-amount": "10" },
///   "Services": { "marketing": { "coupon-amount": "15" } },
///   "Business": { "vip-channel": { "coupon-amount": "30", "Services": { "marketing": { "coupon-amount": "50" } } } },
///   "Environments": { "Production": { "Default": { "coupon-amount": "12" } } }
/// }
/// </code>
/// For a key, a task with <c>kv-scope</c> S and a run with business id B: B's value for S, B's value, S's value,
/// the default; at each step the host environment's section ("Environments:{name}") first, then the shared one.
/// Reads configuration at each lookup, so reloaded configuration takes effect at once.
/// </summary>
public sealed class ConfigurationVariableSource(IConfiguration variables, string? environment) : IFlowVariableSource
{
    /// <inheritdoc />
    public string? Find(string key, string? service, string? businessId)
    {
        var environmentSection = environment is null ? null : variables.GetSection("Environments").GetSection(environment);
        foreach (var path in Paths(key, service, businessId))
        {
            if (environmentSection?[path] is { } specific) return specific;
            if (variables[path] is { } shared) return shared;
        }
        return null;
    }

    private static IEnumerable<string> Paths(string key, string? service, string? businessId)
    {
        if (businessId is not null && service is not null) yield return ConfigurationPath.Combine("Business", businessId, "Services", service, key);
        if (businessId is not null) yield return ConfigurationPath.Combine("Business", businessId, key);
        if (service is not null) yield return ConfigurationPath.Combine("Services", service, key);
        yield return ConfigurationPath.Combine("Default", key);
    }
}
