using Xunit;

namespace FlowGen.Persistence.Tests;

/// <summary>The tests that need a PostgreSQL server share one, started once for the collection.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "postgres";
}
