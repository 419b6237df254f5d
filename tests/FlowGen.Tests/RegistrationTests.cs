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

    [Fact]
    public async Task A_FlowRunOptions_registered_in_DI_is_the_default_for_runs_without_options()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Recorder>();
        services.AddSingleton(new FlowRunOptions { Timeout = TimeSpan.FromMilliseconds(100) });
        services.AddFlowGenFlows();
        using var provider = services.BuildServiceProvider();
        var slow = provider.GetRequiredService<TwoSlowFlow>(); // its flow file sets no timeout

        var defaulted = await slow.RunAsync(new OrderRequest(1, "web"));
        var explicitOptions = await slow.RunAsync(new OrderRequest(1, "web"), new FlowRunOptions { Timeout = TimeSpan.FromMilliseconds(50) });

        Assert.Equal(FlowErrorCodes.FlowTimedOut, defaulted.Error?.Code);
        Assert.Contains("100 ms", defaulted.Error!.Message);
        Assert.Contains("50 ms", explicitOptions.Error!.Message);   // options passed to the run win
    }
}
