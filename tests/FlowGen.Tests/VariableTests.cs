using FlowGen;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace FlowGen.Tests;

// Flows/variables.flow.yaml: tasks read variables through a FlowVariables parameter, scoped by the node's
// kv-scope and the run's business id, from memory or from configuration (per host environment).

public sealed record VariableRequest(string Customer);

[FlowComponent("vars")]
public sealed class VariableTasks
{
    [FlowTask("coupon"), ToState("coupon")]
    public int Coupon(FlowVariables variables) => variables.Get("coupon-amount", 0);

    [FlowTask("fee"), ToResult]
    public string Fee(FlowVariables variables, [FromState("coupon")] int coupon) => $"{coupon}|{variables["fee"] ?? "none"}|{variables.Service ?? "-"}";
}

[Flow("coupon-amount")]
public sealed partial class CouponAmountFlow : IFlow<VariableRequest, string>;

public sealed class VariableTests
{
    private static readonly MemoryVariableSource Memory = new MemoryVariableSource()
        .Set("coupon-amount", "10")
        .Set("fee", "1")
        .Set("coupon-amount", "15", service: "marketing")
        .Set("coupon-amount", "30", businessId: "vip")
        .Set("coupon-amount", "50", service: "marketing", businessId: "gold")
        .Set("fee", "0", businessId: "gold");

    [Theory]
    [InlineData(null, "15|1|-")]     // the service scope beats the default
    [InlineData("vip", "30|1|-")]    // the business beats the service scope
    [InlineData("gold", "50|0|-")]   // the business's value for the service scope beats all
    [InlineData("other", "15|1|-")]
    public async Task The_most_specific_scope_wins(string? businessId, string expected)
    {
        var result = await new CouponAmountFlow(new VariableTasks()).RunAsync(new VariableRequest("c"), new FlowRunOptions { Variables = Memory, BusinessId = businessId });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
    }

    [Fact]
    public async Task Without_a_source_every_variable_is_absent()
    {
        var result = await new CouponAmountFlow(new VariableTasks()).RunAsync(new VariableRequest("c"));

        Assert.Equal("0|none|-", result.Value);
    }

    [Fact]
    public async Task A_value_that_does_not_parse_fails_the_task_with_the_reason()
    {
        var source = new MemoryVariableSource().Set("coupon-amount", "ten");

        var result = await new CouponAmountFlow(new VariableTasks()).RunAsync(new VariableRequest("c"), new FlowRunOptions { Variables = source });

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.TaskFailed, result.Error.Code);
        Assert.Equal("amount", result.Error.NodeId);
        Assert.IsType<FormatException>(result.Error.Exception);
    }

    [Theory]
    [InlineData("Development", null, "15|1|-")]
    [InlineData("Production", null, "12|1|-")]   // the environment's service-scope value
    [InlineData("Production", "vip", "30|2|-")]  // business beats service scope; the environment's business fee
    public async Task Configuration_variables_follow_the_host_environment(string environment, string? businessId, string expected)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FlowGen:LogTasks"] = "false",
            ["FlowGen:Variables:Default:coupon-amount"] = "10",
            ["FlowGen:Variables:Default:fee"] = "1",
            ["FlowGen:Variables:Services:marketing:coupon-amount"] = "15",
            ["FlowGen:Variables:Business:vip:coupon-amount"] = "30",
            ["FlowGen:Variables:Environments:Production:Services:marketing:coupon-amount"] = "12",
            ["FlowGen:Variables:Environments:Production:Business:vip:fee"] = "2",
        });
        builder.Services.AddSingleton<Recorder>();
        builder.Services.AddFlowGen(builder.Configuration);
        using var host = builder.Build();
        var flow = host.Services.GetRequiredService<CouponAmountFlow>();

        // The DI default options carry the configuration's variables; the run's own options add its business id.
        var result = await flow.RunAsync(new VariableRequest("c"), new FlowRunOptions { BusinessId = businessId });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
    }
}
