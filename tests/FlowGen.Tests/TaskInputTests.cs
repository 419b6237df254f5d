using FlowGen;
using Xunit;

namespace FlowGen.Tests;

/// <summary>A parcel built by a task input template: a constructor parameter, a constructor parameter with a default, an init property.</summary>
public sealed record Parcel(string Id, int Weight = 1)
{
    public bool Express { get; init; }
}

[FlowComponent("shipping")]
public sealed class Shipping
{
    [FlowTask("ship")]
    [ToResult]
    public string Ship(Parcel parcel, int priority) => $"{parcel.Id} {parcel.Weight}kg express={parcel.Express} priority={priority}";
}

[Flow("inputs-ship")] public sealed partial class InputsShipFlow : IFlow<PriceRequest, string>;

[Flow("inputs-ship-bpmn")] public sealed partial class InputsShipBpmnFlow : IFlow<PriceRequest, string>;

/// <summary>The same inputs in the fluent form.</summary>
[Flow("inputs-ship-fluent")]
public sealed partial class InputsShipFluentFlow : IFlow<PriceRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<PriceRequest> flow) => flow
        .Task<Shipping>(s => s.Ship)
            .Input("parcel.id", bus => bus.Request.Name.ToUpper())
            .Input("parcel.weight", bus => bus.Request.Count * 2)
            .Input("parcel.express", bus => bus.Request.Count > 10)
            .Input("priority", bus => bus.Request.Count > 5 ? 1 : 0);
}

// Flows/inputs.flow.yaml and inputs.bpmn, compiled by the real generator.
public sealed class TaskInputTests
{
    [Theory]
    [InlineData("box", 3, "BOX 6kg express=False priority=0")]
    [InlineData("crate", 12, "CRATE 24kg express=True priority=1")]
    public async Task A_tasks_parameters_are_built_from_its_inputs_in_every_form(string name, int count, string expected)
    {
        var request = new PriceRequest(name, count, 1m);
        foreach (var run in new Func<ValueTask<FlowResult<string>>>[]
                 {
                     () => new InputsShipFlow(new Shipping()).RunAsync(request),
                     () => new InputsShipBpmnFlow(new Shipping()).RunAsync(request),
                     () => new InputsShipFluentFlow(new Shipping()).RunAsync(request),
                 })
        {
            var result = await run();

            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal(expected, result.Value);
        }
    }
}
