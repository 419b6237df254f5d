namespace FlowGen;

/// <summary>
/// A role (Kstry's RBAC): a name and the permissions it holds, written as Kstry writes them:
/// <c>r:service</c> or <c>r:service@ability</c> for a task service, <c>pr:component@service</c> (with an optional
/// <c>@ability</c>) for a component's service. <c>r:service@*</c> holds every ability of the service. Conditions
/// test a permission with a role expression (<c>r:check-img@triple</c>, combined with <c>! &amp;&amp; ||</c>).
/// </summary>
public sealed class FlowRole(string name, IEnumerable<string> permissions)
{
    private readonly HashSet<string> _permissions = new(permissions.Select(p => p.Trim()).Where(p => p.Length > 0), StringComparer.Ordinal);

    /// <summary>The role's name, for traces and logs.</summary>
    public string Name { get; } = name;

    /// <summary>The permissions the role holds.</summary>
    public IReadOnlyCollection<string> Permissions => _permissions;

    /// <summary>True when the role holds the permission, exactly or through a <c>@*</c> wildcard on its service.</summary>
    public bool Has(string permission)
    {
        if (_permissions.Contains(permission)) return true;
        var at = permission.LastIndexOf('@');
        return at > 0 && _permissions.Contains(permission.Substring(0, at) + "@*");
    }

    /// <summary>
    /// This role with more permissions (a new role of the same name): what a custom-role task gives the run, as Kstry's
    /// <c>@CustomRole</c> methods add permissions to the role they are handed.
    /// </summary>
    public FlowRole With(params IEnumerable<string> permissions) => new(Name, _permissions.Concat(permissions));

    /// <summary>True when the role holds exactly this permission (no wildcard).</summary>
    public bool HasExactly(string permission) => _permissions.Contains(permission);

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({string.Join(", ", _permissions.Order(StringComparer.Ordinal))})";
}

/// <summary>Finds the role of a run from its flow id and business id (used when the run gives no role itself).</summary>
public interface IFlowRoleSource
{
    /// <summary>The role for this flow and business, or null for none.</summary>
    FlowRole? Find(string flowId, string? businessId);
}

/// <summary>
/// Roles matched to runs by flow id and business id. The most specific rule wins: flow and business, then business,
/// then flow, then the rule for every run.
/// </summary>
public sealed class FlowRoleTable : IFlowRoleSource
{
    private readonly Dictionary<(string? Flow, string? Business), FlowRole> _rules = [];

    /// <summary>Gives <paramref name="role"/> to runs of this flow (null: every flow) with this business id (null: any).</summary>
    public FlowRoleTable Add(FlowRole role, string? flowId = null, string? businessId = null)
    {
        _rules[(flowId, businessId)] = role;
        return this;
    }

    /// <inheritdoc />
    public FlowRole? Find(string flowId, string? businessId)
    {
        if (businessId is not null && _rules.TryGetValue((flowId, businessId), out var both)) return both;
        if (businessId is not null && _rules.TryGetValue((null, businessId), out var business)) return business;
        if (_rules.TryGetValue((flowId, null), out var flow)) return flow;
        return _rules.TryGetValue((null, null), out var any) ? any : null;
    }
}

/// <summary>The shape of a permission, as role conditions and roles write it.</summary>
public static class FlowRolePermission
{
    /// <summary>
    /// True for <c>r:service</c>, <c>r:service@ability</c>, <c>pr:component@service</c> and
    /// <c>pr:component@service@ability</c> (an ability may be <c>*</c>), with no empty part.
    /// </summary>
    public static bool IsWellFormed(string? permission)
    {
        if (permission is null) return false;
        var colon = permission.IndexOf(':');
        if (colon < 0) return false;
        var prefix = permission.Substring(0, colon);
        if (prefix is not ("r" or "pr")) return false;
        var parts = permission.Substring(colon + 1).Split('@');
        return parts.All(p => p.Length > 0) && parts.Length >= (prefix == "pr" ? 2 : 1) && parts.Length <= (prefix == "pr" ? 3 : 2);
    }
}

/// <summary>
/// The run's role holds two abilities of one task (<see cref="FlowContext.ChooseAbility"/>); the run fails with
/// <see cref="FlowErrorCodes.AbilityAmbiguous"/>. Retries and fallbacks do not apply: the role will not change.
/// </summary>
public sealed class FlowAbilityException(string message) : InvalidOperationException(message);
