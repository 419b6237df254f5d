using System.Globalization;
using System.Text;

namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>
/// The C# side of a batch of random flows: the request type, one [FlowComponent] per flow whose [FlowTask] methods
/// log their visit (<c>service=value</c>, <c>service[item]=value</c> for an iterated task) in the request's log and
/// return <see cref="TaskSpec.Compute"/> (sync, async, instance or static), and one [Flow] class per flow. A durable
/// flow's request (<c>DReq</c>) goes through the engine's JSON, so its log is kept by key (<c>RandomLog</c>); its events
/// are <c>E1</c>..<c>E3</c>, keyed like the request, with a value <c>V</c> that conditions read.
/// </summary>
internal static class TestComponents
{
    public const string Namespace = "RandomFlows";

    /// <summary>The events a durable random flow waits for: <c>[FlowEvent("e1")] record E1(string Key, int V)</c> and so on.</summary>
    public static readonly string[] Events = ["e1", "e2", "e3"];

    /// <summary>The C# type of an event name.</summary>
    public static string EventType(string name) => "E" + name[1..];

    public static string Source(IEnumerable<RandomFlow> flows)
    {
        var text = new StringBuilder();
        text.Append($$"""
            #nullable enable
            using System.Collections.Concurrent;
            using System.Threading.Tasks;
            using FlowGen;

            namespace {{Namespace}};

            public sealed record Req(int A, int B, int C, int[] Items, ConcurrentQueue<string> Log);

            public sealed record DReq(string Key, int A, int B, int C, int[] Items)
            {
                [System.Text.Json.Serialization.JsonIgnore] public ConcurrentQueue<string> Log => RandomLog.Of(Key);
            }

            public static class RandomLog
            {
                private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> s_logs = new();

                public static ConcurrentQueue<string> Of(string key) => s_logs.GetOrAdd(key, _ => new ConcurrentQueue<string>());
            }

            """);
        foreach (var name in Events) text.Append($"[FlowEvent(\"{name}\")] public sealed record {EventType(name)}(string Key, int V);\n");
        foreach (var flow in flows)
        {
            text.Append($"\n[FlowComponent(\"{flow.ComponentName}\")]\npublic sealed class {flow.ComponentClass}\n{{\n");
            foreach (var task in flow.Tasks()) Method(text, task, flow.RequestType);
            text.Append("}\n\n");
            text.Append($"[Flow(\"{flow.Id}\")] public sealed partial class {flow.ClassName} : IFlow<{flow.RequestType}, int>;\n");
        }
        return text.ToString();
    }

    private static void Method(StringBuilder text, TaskSpec task, string requestType)
    {
        var name = "M_" + task.Service;
        var attributes = $"[FlowTask(\"{task.Service}\"), ToVar(\"{task.WritesVar}\")" + (task.ToResult ? ", ToResult]" : "]");
        var parameters = new List<string> { requestType + " request" };
        parameters.AddRange(task.ReadsVars.Select((v, i) => $"[FromVar(\"{v}\")] int r{i.ToString(CultureInfo.InvariantCulture)}"));
        if (task.Formula == TaskFormula.Iterate) parameters.Add("[FromItem] int item");
        var sum = task.ReadsVars.Count == 0 ? "0" : string.Join(" + ", task.ReadsVars.Select((_, i) => "r" + i.ToString(CultureInfo.InvariantCulture)));
        var salt = task.Salt.ToString(CultureInfo.InvariantCulture);
        var value = task.Formula switch
        {
            TaskFormula.CounterInit => "request.C % 3",
            TaskFormula.CounterIncrement => "r0 + 1",
            TaskFormula.Iterate => $"({salt} + 2 * item + request.A) % 10",
            _ => $"({salt} + 3 * request.A + request.B + 5 * ({sum})) % 10",
        };
        var log = task.Formula == TaskFormula.Iterate ? $"\"{task.Service}[\" + item + \"]=\" + value" : $"\"{task.Service}=\" + value";
        var modifiers = task.Static ? "public static" : "public";
        var returns = task.Async ? "async ValueTask<int>" : "int";
        text.Append($"    {attributes}\n    {modifiers} {returns} {name}({string.Join(", ", parameters)})\n    {{\n");
        if (task.Async) text.Append("        await Task.Yield();\n");
        if (task.FailsOn is { } fails) text.Append($"        if (item == {fails.ToString(CultureInfo.InvariantCulture)}) throw new System.InvalidOperationException(\"item {fails.ToString(CultureInfo.InvariantCulture)} fails\");\n");
        text.Append($"        var value = {value};\n        request.Log.Enqueue({log});\n        return value;\n    }}\n");
    }
}
