using System.Text.Json.Serialization;
using FlowGen.Durable;
using FlowGen.Generated;
using FlowGen.Tests.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FlowGen.Tests.Durable;

public sealed record LedgerResult(decimal Paid);

[Flow("ledger")]
public sealed partial class LedgerFlow : IFlow<InvoicePaid, LedgerResult>;

[JsonSerializable(typeof(InvoicePaid))]
[JsonSerializable(typeof(Balance))]
[JsonSerializable(typeof(LedgerResult))]
internal sealed partial class LedgerJson : JsonSerializerContext;

/// <summary>
/// A flow of this project (ledger.flow.yaml) bound to the event and the component of a referenced library
/// (FlowGen.Tests.Contracts), compiled by the generator and run by the engine.
/// </summary>
public sealed class ReferencedComponentTests
{
    [Fact]
    public async Task A_flow_runs_on_the_event_and_the_component_of_a_referenced_library()
    {
        var ledger = new Ledger();
        var options = new FlowEngineOptions();
        options.JsonContexts.Add(LedgerJson.Default);
        await using var engine = new FlowEngine([new LedgerFlow(ledger)], new InMemoryFlowStore(), options);
        await engine.StartAsync();

        foreach (var amount in new[] { 30m, 50m, 40m })
            await engine.PublishAsync(new FlowEvent("invoice-paid", new InvoicePaid("inv-7", amount)));
        await engine.DrainAsync();

        Assert.Equal(["inv-7: 30 -> 30", "inv-7: 50 -> 80", "inv-7: 40 -> 120"], ledger.Bookings);
        var instance = await engine.FindAsync("ledger", "inv-7");
        Assert.Equal(FlowInstanceStatus.Completed, instance!.Status);
        Assert.Equal(typeof(InvoicePaid), ((IDurableFlow)new LedgerFlow(ledger)).Events["invoice-paid"]);
    }

    [Fact]
    public void The_generated_registration_adds_the_referenced_component()
    {
        using var provider = new ServiceCollection().AddFlowGenFlows().BuildServiceProvider();
        var flow = provider.GetRequiredService<LedgerFlow>();
        Assert.Same(provider.GetRequiredService<Ledger>(), provider.GetRequiredService<Ledger>());
        Assert.Contains(provider.GetServices<IDurableFlow>(), f => f.Id == "ledger");
        Assert.NotNull(flow);
    }
}
