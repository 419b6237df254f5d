using System.Text.Json.Serialization;
using FlowGen.Durable;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests;

public sealed record StockRequest(string Id, int Amount);

[FlowComponent("absent")]
public sealed class AbsentTasks
{
    // Writes 0 and false (from the result's properties): a written zero reads as 0, an unwritten value as null.
    [FlowTask("stock")]
    public StockLevel Stock(OrderRequest request) => new(0, false);

    [FlowTask("report"), ToResult]
    public string Report([FromVar("stock")] int? stock, [FromVar("inStock")] bool? inStock)
        => $"{stock?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"} {inStock?.ToString() ?? "null"}";

    [FlowTask("stock-of"), ToState("stock")]
    public decimal StockOf(StockRequest request) => 0m;

    [FlowTask("report-of"), ToResult]
    public string ReportOf([FromState("stock")] decimal? stock) => stock?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null";
}

public sealed record StockLevel([property: ToVar("stock")] int Count, [property: ToVar("inStock")] bool InStock);

[Flow("absent-values")] public sealed partial class AbsentValuesFlow : IFlow<OrderRequest, string>;

[Flow("absent-durable")] public sealed partial class AbsentDurableFlow : IFlow<StockRequest, string>;

[JsonSerializable(typeof(StockRequest))]
internal sealed partial class StockJson : JsonSerializerContext;

/// <summary>
/// A nullable parameter that reads a value-type bus value no task wrote on the run's path gets null, not the type's
/// default (docs/diagnostics/FG0403.md); a value written as 0 reads as 0. A durable instance keeps that across a wait.
/// </summary>
public sealed class AbsentValueTests
{
    [Theory]
    [InlineData(50, "0 False")]
    [InlineData(5, "null null")]
    public async Task A_nullable_parameter_gets_null_when_no_task_wrote_the_value_and_the_value_when_one_wrote_it(int amount, string expected)
    {
        var flow = new AbsentValuesFlow(new AbsentTasks());

        var result = await flow.RunAsync(new OrderRequest(amount, "web"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
    }

    [Fact]
    public async Task A_reused_state_forgets_what_the_last_run_wrote()
    {
        var flow = new AbsentValuesFlow(new AbsentTasks());

        Assert.Equal("0 False", (await flow.RunAsync(new OrderRequest(50, "web"))).Value);
        Assert.Equal("null null", (await flow.RunAsync(new OrderRequest(5, "web"))).Value);
    }

    [Theory]
    [InlineData(50, "0")]
    [InlineData(5, "null")]
    public async Task A_durable_instance_keeps_whether_the_value_was_written_across_a_wait(int amount, string expected)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        object? result = null;
        var options = new FlowEngineOptions { Clock = clock, OnStep = step => result = step.Step?.Result ?? result };
        options.JsonContexts.Add(StockJson.Default);
        await using var engine = new FlowEngine([new AbsentDurableFlow(new AbsentTasks())], new InMemoryFlowStore(), options);
        await engine.StartAsync();

        var started = await engine.StartInstanceAsync("absent-durable", new StockRequest("s-1", amount));
        Assert.Equal(["Later"], started.Nodes);
        clock.Advance(TimeSpan.FromHours(1));
        await engine.FireDueTimersAsync();
        await engine.DrainAsync();

        Assert.Equal(FlowInstanceStatus.Completed, (await engine.FindAsync("absent-durable", "s-1"))!.Status);
        Assert.Equal(expected, result);
    }
}
