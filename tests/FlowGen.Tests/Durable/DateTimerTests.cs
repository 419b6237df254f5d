using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using FlowGen.Durable;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FlowGen.Tests.Durable;

public sealed record Offer(string OfferId, int ValidHours);

[FlowComponent("offers")]
public sealed class Offers
{
    // A property, not a constructor parameter: AddFlowGen registers this component in every test host of the assembly.
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public ConcurrentQueue<string> Closed { get; } = new();

    [FlowTask("open"), ToState("expiresAt")]
    public DateTimeOffset Open(Offer request) => Clock.GetUtcNow().AddHours(request.ValidHours);

    // A DateTime of unspecified kind, read as UTC: one hour after the expiry.
    [FlowTask("local-date"), ToState("localDate")]
    public DateTime LocalDate([FromState("expiresAt")] DateTimeOffset expiresAt) => DateTime.SpecifyKind(expiresAt.UtcDateTime.AddHours(1), DateTimeKind.Unspecified);

    [FlowTask("close")]
    public void Close(Offer request) => Closed.Enqueue(request.OfferId + " at " + Clock.GetUtcNow().ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
}

[Flow("offer-expiry")]
public sealed partial class OfferExpiryFlow : IFlow<Offer, string>;

[JsonSerializable(typeof(Offer))]
internal sealed partial class OfferJson : JsonSerializerContext;

/// <summary>Timers until a date on the bus (a DateTimeOffset, and a DateTime read as UTC), on fake time.</summary>
public sealed class DateTimerTests
{
    [Fact]
    public async Task A_timer_waits_until_the_date_a_task_wrote()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
        var offers = new Offers { Clock = clock };
        var options = new FlowEngineOptions { Clock = clock };
        options.JsonContexts.Add(OfferJson.Default);
        await using var engine = new FlowEngine([new OfferExpiryFlow(offers)], new InMemoryFlowStore(), options);
        await engine.StartAsync();

        var started = await engine.StartInstanceAsync("offer-expiry", new Offer("o-7", 3));
        Assert.Equal(["UntilExpiry"], started.Nodes);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero), started.DueAt);

        clock.Advance(TimeSpan.FromHours(3));
        await engine.FireDueTimersAsync();
        await engine.DrainAsync();
        var second = await engine.FindAsync("offer-expiry", "o-7");
        Assert.Equal(["UntilLocalDate"], second!.Nodes);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 13, 0, 0, TimeSpan.Zero), second.DueAt);

        clock.Advance(TimeSpan.FromHours(1));
        await engine.FireDueTimersAsync();
        await engine.DrainAsync();
        Assert.Equal(FlowInstanceStatus.Completed, (await engine.FindAsync("offer-expiry", "o-7"))!.Status);
        Assert.Equal(["o-7 at 13:00"], offers.Closed);
    }
}
