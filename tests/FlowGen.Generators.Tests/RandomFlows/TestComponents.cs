using System.Globalization;
using System.Text;

namespace FlowGen.Generators.Tests.RandomFlows;

/// <summary>
/// The C# side of a batch of random flows: the request type, one [FlowComponent] per flow whose [FlowTask] methods
/// log their visit (<c>service=value</c>, <c>service[item]=value</c> for an iterated task) in the request's log and
/// return <see cref="TaskSpec.Compute"/> (sync, async, instance or static), and one [Flow] class per flow.
/// </summary>
internal static class TestComponents
{
    public const string Namespace = "RandomFlows";

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

            """);
        foreach (var flow in flows)
        {
            text.Append($"\n[FlowComponent(\"{flow.ComponentName}\")]\npublic sealed class {flow.ComponentClass}\n{{\n");
            foreach (var task in flow.Tasks()) Method(text, task);
            text.Append("}\n\n");
            text.Append($"[Flow(\"{flow.Id}\")] public sealed partial class {flow.ClassName} : IFlow<Req, int>;\n");
        }
        return text.ToString();
    }

    private static void Method(StringBuilder text, TaskSpec task)
    {
        var name = "M_" + task.Service;
        var attributes = $"[FlowTask(\"{task.Service}\"), ToVar(\"{task.WritesVar}\")" + (task.ToResult ? ", ToResult]" : "]");
        var parameters = new List<string> { "Req request" };
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
        text.Append($"        var value = {value};\n        request.Log.Enqueue({log});\n        return value;\n    }}\n");
    }
}
