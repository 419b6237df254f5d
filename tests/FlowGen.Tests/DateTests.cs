using FlowGen;
using Xunit;

namespace FlowGen.Tests;

public sealed record DatedOrder(DateTimeOffset OrderedAt);

public sealed record DueDates(DateTimeOffset Due, bool Late, string DueText, string Window, string Greeting);

[Flow("dates")] public sealed partial class DatesFlow : IFlow<DatedOrder, DueDates>;

// Flows/dates.flow.yaml, compiled by the real generator.
public sealed class DateTests
{
    [Fact]
    public async Task Durations_add_to_dates_and_now_reads_the_runs_clock()
    {
        var ordered = new DateTimeOffset(2026, 1, 10, 8, 0, 0, TimeSpan.Zero);

        var result = await new DatesFlow().RunAsync(new DatedOrder(ordered));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(ordered.AddDays(2), result.Value!.Due);
        Assert.True(result.Value.Late); // ordered in January 2026, more than 30 days before the machine's now
        Assert.Equal("2026-01-11T20:00:00.0000000+00:00", result.Value.DueText);
        Assert.Equal("01:30:00", result.Value.Window);
    }

    [Fact]
    public async Task A_recent_order_is_not_late()
    {
        var result = await new DatesFlow().RunAsync(new DatedOrder(DateTimeOffset.UtcNow.AddMinutes(-5)));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.False(result.Value!.Late);
    }

    [Fact]
    public async Task Config_reads_the_runs_variables()
    {
        var options = new FlowRunOptions { Variables = new MemoryVariableSource().Set("greeting", "hello") };

        var set = await new DatesFlow().RunAsync(new DatedOrder(DateTimeOffset.UtcNow), options);
        var unset = await new DatesFlow().RunAsync(new DatedOrder(DateTimeOffset.UtcNow));

        Assert.Equal("hello", set.Value!.Greeting);
        Assert.Equal("no greeting", unset.Value!.Greeting);
    }
}
