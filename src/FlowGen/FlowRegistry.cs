using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace FlowGen;

/// <summary>
/// The assemblies whose generated flows have registered themselves: each assembly's generated
/// <c>FlowGenRegistrations</c> adds itself from a module initializer, so that one <c>AddFlowGen()</c> call can
/// register the flows of every assembly. No reflection over types: each entry is the generated method itself.
/// </summary>
public static class FlowRegistry
{
    private static readonly Lock s_lock = new();
    private static readonly List<(Assembly Assembly, Func<IServiceCollection, ServiceLifetime, ServiceLifetime, IServiceCollection> Register)> s_entries = [];

    /// <summary>Called by generated code: this assembly's flow registrations.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Add(Assembly assembly, Func<IServiceCollection, ServiceLifetime, ServiceLifetime, IServiceCollection> register)
    {
        lock (s_lock)
        {
            if (!s_entries.Any(e => e.Assembly == assembly)) s_entries.Add((assembly, register));
        }
    }

    /// <summary>The assemblies registered so far.</summary>
    public static IReadOnlyList<Assembly> Assemblies
    {
        get
        {
            lock (s_lock) return s_entries.Select(e => e.Assembly).ToArray();
        }
    }

    /// <summary>
    /// Makes sure an assembly's flows are registered: runs its module initializer if the runtime has not yet (a
    /// library assembly's initializer runs on first use of the library, which may come after start-up).
    /// </summary>
    public static void Include(Assembly assembly) => RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);

    /// <summary>Adds the flows and components of every registered assembly.</summary>
    public static IServiceCollection AddAll(IServiceCollection services, ServiceLifetime flowLifetime, ServiceLifetime componentLifetime)
    {
        (Assembly Assembly, Func<IServiceCollection, ServiceLifetime, ServiceLifetime, IServiceCollection> Register)[] entries;
        lock (s_lock) entries = [.. s_entries];
        foreach (var entry in entries) entry.Register(services, flowLifetime, componentLifetime);
        return services;
    }
}
