using FlowGen.Generated;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FlowGen.Tests;

// FlowCatalog: running a flow by its id string (Kstry's StoryEngine.fire(startId)), typed where the caller knows the
// types, untyped where it does not, through the generated registration.
public sealed class FlowCatalogTests : IDisposable
{
    private readonly ServiceProvider _provider;
    private readonly FlowCatalog _catalog;

    public FlowCatalogTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Recorder>();
        services.AddFlowGenFlows();
        services.AddFlowGenFlows(); // twice: still one entry per flow
        _provider = services.BuildServiceProvider();
        _catalog = _provider.GetRequiredService<FlowCatalog>();
    }

    public void Dispose() => _provider.Dispose();

    [Fact]
    public async Task A_flow_chosen_at_run_time_runs_typed()
    {
        var result = await _catalog.RunAsync<OrderRequest, string>("join-after-fork", new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("21", result.Value);
    }

    [Fact]
    public async Task A_flow_chosen_at_run_time_runs_untyped_with_its_value_boxed()
    {
        var result = await _catalog.RunAsync("join-after-fork", new OrderRequest(1, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("21", Assert.IsType<string>(result.Value));
    }

    [Fact]
    public async Task An_unknown_id_is_a_failed_result_that_lists_the_flows()
    {
        var result = await _catalog.RunAsync<OrderRequest, string>("join-after-frok", new OrderRequest(1, "web"));

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.UnknownFlow, result.Error!.Code);
        Assert.Equal("join-after-frok", result.Error.FlowId);
        Assert.Contains("no flow has the id 'join-after-frok'", result.Error.Message);
        Assert.Contains("did you mean 'join-after-fork'?", result.Error.Message);
        Assert.Contains("the registered flows are ", result.Error.Message);
    }

    [Fact]
    public async Task Other_types_than_the_flows_are_a_failed_result_naming_both()
    {
        var typed = await _catalog.RunAsync<OrderRequest, int>("join-after-fork", new OrderRequest(1, "web"));
        var untyped = await _catalog.RunAsync("join-after-fork", "not a request");

        Assert.Equal(FlowErrorCodes.FlowTypeMismatch, typed.Error!.Code);
        Assert.Contains("takes a OrderRequest and returns a String, but the caller runs it as IFlow<OrderRequest, Int32>", typed.Error.Message);
        Assert.Equal(FlowErrorCodes.FlowTypeMismatch, untyped.Error!.Code);
        Assert.Contains("takes a OrderRequest, but the request is a String", untyped.Error.Message);
    }

    [Fact]
    public void The_catalog_lists_every_flow_once_with_its_types()
    {
        Assert.True(_catalog.TryFind("join-after-fork", out var entry));
        Assert.Equal(typeof(OrderRequest), entry.RequestType);
        Assert.Equal(typeof(string), entry.ResultType);
        Assert.Equal(typeof(JoinAfterForkFlow), entry.FlowType);
        Assert.Equal(_catalog.Entries.Count, _catalog.Entries.Select(e => e.FlowId).Distinct().Count());
        Assert.Contains(_catalog.Entries, e => e.FlowId == "custom-role");
    }
}
