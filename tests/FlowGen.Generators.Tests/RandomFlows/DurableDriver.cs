using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using System.Xml;
using FlowGen.Durable;

namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>
/// Runs a durable random flow the way an application does (docs/durable.md): a <see cref="FlowEngine"/> over an
/// <see cref="InMemoryFlowStore"/> and a clock of its own starts the instance, then at each wait the driver delivers
/// what <see cref="ReferenceInterpreter.Choose"/> says comes (an event through <see cref="FlowEngine.PublishAsync"/>, or
/// the clock moved past a timer and <see cref="FlowEngine.FireDueTimersAsync"/>), until the instance ends or the
/// deliveries run out. The engine's own step records say where it waits, how it ended, and with what result.
/// </summary>
internal static class DurableDriver
{
    public static async Task<(FlowOutcome? Outcome, string? Problem)> RunAsync(Assembly assembly, RandomFlow flow, IDurableFlow durable, FlowInput input, string key)
    {
        var steps = new ConcurrentQueue<FlowStepRecord>();
        var engineErrors = new ConcurrentQueue<string>();
        var clock = new ManualClock();
        var options = new FlowEngineOptions
        {
            Clock = clock,
            Partitions = 1,
            OnStep = steps.Enqueue,
            OnError = (exception, what) => engineErrors.Enqueue(what + ": " + exception.Message),
        };
        // The test's types are not in a source-generated JSON context: reflection serves them here.
        options.JsonContexts.Add(new DefaultJsonTypeInfoResolver());
        await using var engine = new FlowEngine([durable], new InMemoryFlowStore(), options);
        await engine.StartAsync();

        var request = Activator.CreateInstance(assembly.GetType(TestComponents.Namespace + ".DReq")!, key, input.A, input.B, input.C, input.Items)!;
        await engine.StartInstanceAsync(flow.Id, request);
        await engine.DrainAsync();

        var waits = new List<string>();
        var seen = 0;
        FlowStepRecord? last = null;
        var deliveries = 0;
        while (true)
        {
            foreach (var record in steps.Skip(seen).Where(r => r.Step is { Accepted: true }))
            {
                last = record;
                if (record.Step!.Status == FlowInstanceStatus.Waiting) waits.Add(string.Join(",", record.Step.Nodes));
            }
            seen = steps.Count;
            if (!engineErrors.IsEmpty) return (null, "Engine: " + string.Join("\n", engineErrors));
            if (last?.Step is not { Status: FlowInstanceStatus.Waiting } waiting || deliveries >= ReferenceInterpreter.MaxDeliveries) break;

            var at = waiting.Nodes.Length == 1 ? flow.Main.Nodes.FirstOrDefault(n => n.Id == waiting.Nodes[0]) : null;
            if (at is null) return (null, $"Mismatch: the instance waits at '{string.Join(",", waiting.Nodes)}', which is not a wait of the flow, for {input}");
            var arms = at.Kind == GraphNodeKind.EventGateway ? flow.Main.Outgoing(at.Id).Select(e => flow.Main.Node(e.To)).ToList() : [at];
            var (arm, value) = ReferenceInterpreter.Choose(input, at.Id, deliveries++, arms.Count);
            var comes = arms[arm];
            if (comes.Kind == GraphNodeKind.Timer)
            {
                clock.Advance(XmlConvert.ToTimeSpan(comes.Duration!) + TimeSpan.FromSeconds(1));
                await engine.FireDueTimersAsync();
            }
            else
            {
                var payload = Activator.CreateInstance(assembly.GetType(TestComponents.Namespace + "." + TestComponents.EventType(comes.Event!))!, key, value)!;
                await engine.PublishAsync(new FlowEvent(comes.Event!, payload));
            }
            await engine.DrainAsync();
        }

        var log = (ConcurrentQueue<string>)assembly.GetType(TestComponents.Namespace + ".RandomLog")!.GetMethod("Of")!.Invoke(null, [key])!;
        var step = last?.Step;
        return step?.Status switch
        {
            FlowInstanceStatus.Completed => (new FlowOutcome(log.ToList(), (int)step.Result!, null, null, waits), null),
            FlowInstanceStatus.Waiting => (new FlowOutcome(log.ToList(), 0, null, null, waits, string.Join(",", step.Nodes)), null),
            FlowInstanceStatus.Failed or FlowInstanceStatus.Suspended => (new FlowOutcome(log.ToList(), 0, step.Error?.Code, step.Error?.NodeId, waits), null),
            _ => (null, $"Mismatch: the instance ended {step?.Status.ToString() ?? "without a step"} for {input}"),
        };
    }

    /// <summary>The engine's clock: it moves only when the driver moves it past a timer.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
