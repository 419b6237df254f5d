using System.Text.Json;
using FlowGen;
using Xunit;

namespace FlowGen.Tests;

/// <summary>A rulego message: its fields and its metadata's, as the chain reads them (msg.temperature, metadata.deviceType).</summary>
public sealed record SensorMessage(string DeviceType, int Temperature);

/// <summary>The chains' own node types: rulego components written as FlowGen tasks of the same names.</summary>
[FlowComponent("alarms")]
public sealed class AlarmNodes
{
    public List<string> Calls { get; } = [];

    public bool PagerDown { get; init; }

    [FlowTask("notify")]
    public void Notify([FromTaskProperty] string configuration, [FromVar("alarm")] string alarm, [FromVar("level")] int level)
    {
        var channel = JsonDocument.Parse(configuration).RootElement.GetProperty("channel").GetString();
        if (channel == "pager" && PagerDown) throw new InvalidOperationException("the pager is down");
        Calls.Add($"notify {channel} {alarm} {level}");
    }

    [FlowTask("record")] public void Record(SensorMessage message) => Calls.Add($"record {message.Temperature}");

    [FlowTask("apology")] public void Apology(FlowError error) => Calls.Add($"apology {error.Message}");

    [FlowTask("archive")] public void Archive([FromVar("msgType")] string type) => Calls.Add($"archive {type}");
}

[Flow("temperature-chain")] public sealed partial class TemperatureChain : IFlow<SensorMessage, string>;

[Flow("fanout-chain")] public sealed partial class FanoutChain : IFlow<SensorMessage, string>;

// Flows/temperature.rulechain.json and archive.rulechain.json: rulego's rule-chain JSON, read unchanged.
public sealed class RulegoTests
{
    [Theory]
    [InlineData("sensor", 80, "notify pager hot-sensor 30|archive ALARM")]   // True, then Severe
    [InlineData("sensor", 60, "notify mail hot-sensor 10|archive ALARM")]    // True, then Warm
    [InlineData("sensor", 52, "record 52")]                                   // True, then Default
    [InlineData("sensor", 40, "record 40")]                                   // False
    [InlineData("valve", 90, "record 90")]                                    // False: not a sensor
    public async Task A_rule_chain_runs_as_rulego_describes(string deviceType, int temperature, string calls)
    {
        foreach (var options in new FlowRunOptions?[] { null, new FlowRunOptions { Tracking = TrackingMode.Node } })
        {
            var nodes = new AlarmNodes();
            var result = await new TemperatureChain(nodes).RunAsync(new SensorMessage(deviceType, temperature), options);

            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal(calls, string.Join("|", nodes.Calls));
        }
    }

    [Fact]
    public async Task The_failure_relation_takes_a_nodes_failure_to_its_handler()
    {
        var nodes = new AlarmNodes { PagerDown = true };

        var result = await new TemperatureChain(nodes).RunAsync(new SensorMessage("sensor", 80));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("apology the task threw InvalidOperationException: the pager is down", string.Join("|", nodes.Calls));
    }

    [Fact]
    public async Task A_fork_runs_its_relations_together_and_a_join_waits_for_them()
    {
        var nodes = new AlarmNodes();

        var result = await new FanoutChain(nodes).RunAsync(new SensorMessage("sensor", 70));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(3, nodes.Calls.Count);
        Assert.Equal(["notify mail fan-sensor 70", "notify sms fan-sensor 70"], nodes.Calls.Take(2).Order());
        Assert.Equal("record 70", nodes.Calls[2]); // after both notifies, at the join
    }
}
