using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>Node settings (06xx): every property is known, valid for its node, and applied or reported as not applied.</summary>
internal static class SettingsChecks
{
    private enum Support { Applied, NotYet }

    private sealed record Setting(string Name, bool IsBoolean, Support Support, params NodeKind[] Kinds);

    private static readonly NodeKind[] Tasks = [NodeKind.ServiceTask];
    private static readonly NodeKind[] Joins = [NodeKind.ParallelGateway, NodeKind.InclusiveGateway];

    // Kstry lets a gateway call a service before it branches (after it joins).
    private static readonly NodeKind[] Callers = [NodeKind.ServiceTask, NodeKind.ExclusiveGateway, NodeKind.ParallelGateway, NodeKind.InclusiveGateway];

    private static readonly Dictionary<string, Setting> Known = new Setting[]
    {
        new("task-component", false, Support.Applied, Callers),
        new("task-service", false, Support.Applied, Callers),
        new("allow-absent", true, Support.Applied, Callers),
        new("strict-mode", true, Support.Applied, [NodeKind.ParallelGateway]),
        new("open-async", true, Support.Applied, Joins),
        new("ability", false, Support.NotYet, Tasks),
        new("custom-role", false, Support.NotYet, Tasks),
        new("timeout", false, Support.NotYet, Tasks),
        new("retry-times", false, Support.NotYet, Tasks),
        new("retry", false, Support.NotYet, Tasks),
        new("task-demotion", false, Support.NotYet, Tasks),
        new("demotion", false, Support.NotYet, Tasks),
        new("ite-source", false, Support.NotYet, Tasks),
        new("ite-strategy", false, Support.NotYet, Tasks),
        new("ite-async", true, Support.NotYet, Tasks),
        new("ite-stride", false, Support.NotYet, Tasks),
        new("not-skip-task", false, Support.NotYet, Tasks),
        new("limit-permits", false, Support.NotYet, Tasks),
        new("limit-expression", false, Support.NotYet, Tasks),
        new("limit-fail-strategy", false, Support.NotYet, Tasks),
    }.ToDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>Properties of Kstry features FlowGen replaces with C#, with what to do instead.</summary>
    private static readonly Dictionary<string, string> Replaced = new(StringComparer.Ordinal)
    {
        ["c-jscript"] = " (Kstry script tasks: FlowGen calls a [FlowTask] C# method instead)",
        ["^c-jscript"] = " (Kstry script tasks: FlowGen calls a [FlowTask] C# method instead)",
        ["^c-async-http-post"] = " (Kstry HTTP actions: call the service from a [FlowTask] C# method)",
        ["task-params"] = " (Kstry task parameters: bind C# parameters with [FromRequest], [FromState] or [FromVar])",
        ["task-property"] = " (Kstry task properties: bind C# parameters with [FromRequest], [FromState] or [FromVar])",
    };

    public static void Check(FlowGraph graph, List<DiagnosticInfo> diagnostics, HashSet<string> errorElements)
    {
        foreach (var node in graph.Nodes)
        {
            if (node.IsUnsupported) continue;
            foreach (var property in node.Properties)
            {
                if (!Known.TryGetValue(property.Name, out var setting))
                {
                    var hint = Replaced.TryGetValue(property.Name, out var replaced) ? replaced : Suggest(property.Name);
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnknownProperty, property.Location, node.Describe(), property.Name, hint));
                    continue;
                }

                // strict-mode on a task (ignore the task's failure) comes with task policies.
                var applies = Array.IndexOf(setting.Kinds, node.Kind) >= 0;

                if (!applies && !(property.Name == "strict-mode" && node.Kind == NodeKind.ServiceTask))
                {
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, property.Location, node.Describe(), property.Name, property.Value,
                        $"'{property.Name}' applies to {string.Join(" and ", setting.Kinds.Select(KindName))} only"));
                    continue;
                }

                if (setting.IsBoolean && !IsBoolean(property.Value))
                {
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, property.Location, node.Describe(), property.Name, property.Value, "the value must be true or false"));
                    continue;
                }

                if (setting.Support == Support.NotYet || (property.Name == "strict-mode" && node.Kind == NodeKind.ServiceTask))
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.PropertyNotApplied, property.Location, node.Describe(), $"{property.Name}={property.Value}"));
            }
        }
    }

    public static bool IsBoolean(string value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) || string.Equals(value, "false", StringComparison.OrdinalIgnoreCase);

    public static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    private static string KindName(NodeKind kind) => kind switch
    {
        NodeKind.ServiceTask => "tasks",
        NodeKind.ParallelGateway => "parallel gateways",
        NodeKind.InclusiveGateway => "inclusive gateways",
        NodeKind.ExclusiveGateway => "exclusive gateways",
        _ => kind.ToString(),
    };

    private static string Suggest(string name)
    {
        var best = Known.Keys.OrderBy(k => Distance(k, name)).First();
        return Distance(best, name) <= 3 ? $" (did you mean '{best}'?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
