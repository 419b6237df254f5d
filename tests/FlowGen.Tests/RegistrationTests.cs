using FlowGen.Generated;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FlowGen.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public async Task Generated_registration_adds_flows_by_class_and_interface_with_their_components()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Recorder>();
        services.AddFlowGenFlows();
        using var provider = services.BuildServiceProvider();

        var byInterface = provider.GetRequiredService<IFlow<OrderRequest, OrderResult>>();
        var byClass = provider.GetRequiredService<OrderSequenceFlow>();
        var result = await byClass.RunAsync(new OrderRequest(1, "web"));

        Assert.NotNull(byInterface);
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(11, result.Value!.PlusTen);
        Assert.Same(provider.GetRequiredService<Calc>(), provider.GetRequiredService<Calc>()); // components are singletons
    }
}
