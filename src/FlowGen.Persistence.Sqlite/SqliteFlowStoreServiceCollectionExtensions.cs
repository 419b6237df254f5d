using FlowGen.Durable;
using FlowGen.Persistence.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite store of durable flows (for <c>AddDurableFlows</c> of FlowGen.Hosting).</summary>
public static class SqliteFlowStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="SqliteFlowStore"/> as the <see cref="IFlowStore"/>: on <paramref name="connectionStringOrPath"/>
    /// (a file path or a connection string), or by default on <c>flowgen.db</c> beside the application.
    /// </summary>
    public static IServiceCollection AddSqliteFlowStore(this IServiceCollection services, string? connectionStringOrPath = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddSingleton<IFlowStore>(_ => connectionStringOrPath is null ? SqliteFlowStore.Default() : new SqliteFlowStore(connectionStringOrPath));
    }
}
