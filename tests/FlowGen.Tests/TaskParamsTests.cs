using Xunit;

namespace FlowGen.Tests;

// Flows/task-params.flow.yaml: Kstry's task-params (constants and bus paths by parameter name) and task-property (a
// text per node), compiled by the real generator.
[FlowComponent("adder")]
public sealed class Adder
{
    [FlowTask("add"), ToVar("sum")] public int Add(int a, int b) => a + b;

    [FlowTask("scale"), ToResult] public string Scale([FromVar("sum")] int sum, [FromTaskProperty] int factor) => $"{sum}x{factor}={sum * factor}";
}

[Flow("task-params")]
public sealed partial class TaskParamsFlow : IFlow<OrderRequest, string>;

public sealed class TaskParamsTests
{
    [Fact]
    public async Task Task_params_and_the_task_property_reach_the_methods()
    {
        var result = await new TaskParamsFlow(new Adder()).RunAsync(new OrderRequest(6, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("17x3=51", result.Value);
    }
}
