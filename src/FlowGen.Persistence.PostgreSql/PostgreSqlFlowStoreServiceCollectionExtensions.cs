using FlowGen.Durable;
using FlowGen.Persistence.PostgreSql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL store of durable flows (for <c>AddDurableFlows</c> of FlowGen.Hosting).</summary>
public static class PostgreSqlFlowStoreServiceCollectionExtensions
{
    /// <summary>Registers a <see cref="PostgreSqlFlowStore"/> on <paramref name="connectionString"/> as the <see cref="IFlowStore"/>.</summary>
    public static IServiceCollection AddPostgreSqlFlowStore(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return services.AddSingleton<IFlowStore>(_ => new PostgreSqlFlowStore(connectionString));
    }
}
