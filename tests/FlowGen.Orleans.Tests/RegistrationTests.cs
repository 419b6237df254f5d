using FlowGen.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace FlowGen.Orleans.Tests;

/// <summary>AddOrleansDurableFlows: settings from configuration, and the engine's dispatcher whether AddDurableFlows came first or not.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public void Settings_come_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FlowGen:Orleans:CallTimeout"] = "00:00:03",
            ["FlowGen:Orleans:PendingSweep"] = "00:00:02",
        }).Build();
        var services = new ServiceCollection();
        services.AddOrleansDurableFlows(configuration.GetSection("FlowGen:Orleans"));

        var options = Assert.IsType<OrleansFlowOptions>(services.Single(d => d.ServiceType == typeof(OrleansFlowOptions)).ImplementationInstance);
        Assert.Equal(TimeSpan.FromSeconds(3), options.CallTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.PendingSweep);
        Assert.Equal(TimeSpan.FromMinutes(2), options.DispatchTimeout);
        var durable = Assert.IsType<DurableFlowOptions>(services.Single(d => d.ServiceType == typeof(DurableFlowOptions)).ImplementationInstance);
        Assert.NotNull(durable.Dispatcher);
        Assert.Contains(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "PendingEventSweep");
    }

    [Fact]
    public void After_AddDurableFlows_its_engine_gets_the_dispatcher_and_keeps_its_settings()
    {
        var services = new ServiceCollection();
        services.AddDurableFlows(o => o.TimerInterval = TimeSpan.FromSeconds(7));
        services.AddOrleansDurableFlows();

        var durable = Assert.IsType<DurableFlowOptions>(Assert.Single(services, d => d.ServiceType == typeof(DurableFlowOptions)).ImplementationInstance);
        Assert.Equal(TimeSpan.FromSeconds(7), durable.TimerInterval);
        Assert.NotNull(durable.Dispatcher);
    }
}
