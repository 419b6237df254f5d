using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// Flows/seed-order.flow.yaml, compiled by the real generator: the caller seeds the var and sta scopes
// ([Flow(Vars = ..., States = ...)]), a task builds its input object from the bus ([FromBus]), conditions and tasks
// read the result as written so far ([FromResult], res.total).

public sealed record SeedRequest(string Customer, decimal Amount);

/// <summary>Seeds var.channel and var.attempts.</summary>
public sealed class SeedVars
{
    public string Channel { get; set; } = "web";
    public int Attempts { get; set; }
}

/// <summary>Seeds sta.limit.</summary>
public sealed record SeedStates(decimal Limit);

public sealed class SeedQuote
{
    public decimal Total { get; set; }
    public string Note { get; set; } = "";
}

/// <summary>Quote's input, filled from three scopes.</summary>
public sealed record QuoteInput([FromVar("channel")] string? Channel, [FromRequest("amount")] decimal Amount)
{
    [FromState("limit")] public decimal Limit { get; init; }
}

[FlowComponent("seed")]
public sealed class SeedTasks
{
    [FlowTask("quote"), ToResult]
    public SeedQuote Quote([FromBus] QuoteInput input)
        => new() { Total = input.Channel == "vip" ? input.Amount * 2 : input.Amount, Note = $"{input.Channel}/{input.Limit}" };

    [FlowTask("review"), ToVar("attempts")]
    public int Review([FromResult] SeedQuote quote, [FromResult("total")] decimal total, [FromVar("attempts")] int attempts)
    {
        quote.Note += $"|review {total}";
        return attempts + 1;
    }

    // attempts: by name, the seeded var.
    [FlowTask("plain"), ToVar("attempts")]
    public int Plain([FromResult("note")] string note, int attempts) => attempts + 10;

    [FlowTask("finish"), ToResult]
    public SeedQuote Finish([FromResult] SeedQuote quote, [FromVar("attempts")] int attempts)
    {
        quote.Note += $"|attempts {attempts}";
        return quote;
    }
}

[Flow("seed-order", Vars = typeof(SeedVars), States = typeof(SeedStates))]
public sealed partial class SeedOrderFlow : IFlow<SeedRequest, SeedQuote>;

public sealed class BusDataTests
{
    private static SeedOrderFlow Flow() => new(new SeedTasks());

    [Fact]
    public async Task Seeded_values_feed_the_parameter_object_the_condition_and_the_tasks()
    {
        var result = await Flow().RunAsync(new SeedRequest("c", 100), new SeedVars { Channel = "vip", Attempts = 3 }, new SeedStates(50));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(200, result.Value!.Total);
        Assert.Equal("vip/50|review 200|attempts 4", result.Value.Note); // res.total > sta.limit: Review ran, and rewrote var.attempts
    }

    [Fact]
    public async Task The_condition_reads_the_seeds_and_the_result_so_far()
    {
        // Below the limit: the default flow.
        var below = await Flow().RunAsync(new SeedRequest("c", 20), new SeedVars { Channel = "vip", Attempts = 3 }, new SeedStates(50));
        Assert.Equal("vip/50|attempts 13", below.Value!.Note);

        // Another channel: the default flow.
        var web = await Flow().RunAsync(new SeedRequest("c", 100), new SeedVars { Channel = "web", Attempts = 1 }, new SeedStates(50));
        Assert.Equal("web/50|attempts 11", web.Value!.Note);
    }

    [Fact]
    public async Task A_run_without_seeds_reads_default_values_and_a_seeded_run_leaves_nothing_behind()
    {
        var flow = Flow();
        var seeded = await flow.RunAsync(new SeedRequest("c", 100), new SeedVars { Channel = "vip", Attempts = 3 }, new SeedStates(50));
        Assert.True(seeded.IsSuccess, seeded.ToString());

        // The same thread's next run reuses the cleared state: the seeds of the run before are gone.
        var plain = await flow.RunAsync(new SeedRequest("c", 100));
        Assert.Equal("/0|attempts 10", plain.Value!.Note);

        var onlyVars = await flow.RunAsync(new SeedRequest("c", 100), new SeedVars { Channel = "vip", Attempts = 0 });
        Assert.Equal("vip/0|review 200|attempts 1", onlyVars.Value!.Note);
    }

    [Fact]
    public async Task A_state_made_by_the_caller_can_be_seeded_and_read_after_the_run()
    {
        var state = new SeedOrderFlow.State(new SeedRequest("c", 100), new SeedVars { Channel = "vip", Attempts = 5 }, new SeedStates(10));

        var result = await Flow().RunAsync(state);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(6, state.Var_attempts);
        Assert.Equal(10, state.Sta_limit);
        Assert.Equal("vip", state.Var_channel);
    }
}
