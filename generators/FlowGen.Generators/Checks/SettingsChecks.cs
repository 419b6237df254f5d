using System.Globalization;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FlowGen.Generators.Checks;

/// <summary>Node settings (06xx): every property is known, valid for its node, and applied or reported as not applied.</summary>
internal static class SettingsChecks
{
    private enum Support { Applied, NotYet }

    /// <summary>What a property's value must be.</summary>
    private enum ValueKind { Text, Boolean, Milliseconds, Count, Backoff, Strategy, YesNo, Duration, FailurePolicy, OnTimeout, ByteSize, OnError }

    private sealed record Setting(string Name, ValueKind Value, Support Support, params NodeKind[] Kinds);

    private static readonly NodeKind[] Tasks = [NodeKind.ServiceTask];
    private static readonly NodeKind[] Joins = [NodeKind.ParallelGateway, NodeKind.InclusiveGateway];
    private static readonly NodeKind[] Starts = [NodeKind.StartEvent];

    // Kstry lets a gateway call a service before it branches (after it joins); its policies apply there too.
    private static readonly NodeKind[] Callers = [NodeKind.ServiceTask, NodeKind.ExclusiveGateway, NodeKind.ParallelGateway, NodeKind.InclusiveGateway];

    private static readonly Dictionary<string, Setting> Known = new Setting[]
    {
        new("task-component", ValueKind.Text, Support.Applied, Callers),
        new("task-service", ValueKind.Text, Support.Applied, Callers),
        new("allow-absent", ValueKind.Boolean, Support.Applied, Callers),
        new("strict-mode", ValueKind.Boolean, Support.Applied, [NodeKind.ServiceTask, NodeKind.ParallelGateway, NodeKind.SubProcess, NodeKind.CallActivity]),
        new("called-element", ValueKind.Text, Support.Applied, [NodeKind.CallActivity]),
        new("open-async", ValueKind.Boolean, Support.Applied, Joins),
        new("timeout", ValueKind.Milliseconds, Support.Applied, [.. Callers, NodeKind.SubProcess, NodeKind.CallActivity]),
        new("retry-times", ValueKind.Count, Support.Applied, Callers),
        new("retry", ValueKind.Count, Support.Applied, Callers),
        new("retry-delay", ValueKind.Milliseconds, Support.Applied, Callers),
        new("retry-backoff", ValueKind.Backoff, Support.Applied, Callers),
        new("task-demotion", ValueKind.Text, Support.Applied, Callers),
        new("demotion", ValueKind.Text, Support.Applied, Callers),
        new("output", ValueKind.Text, Support.Applied, Callers),
        new("kv-scope", ValueKind.Text, Support.Applied, Callers),
        new("task-params", ValueKind.Text, Support.Applied, Callers),
        new("task-property", ValueKind.Text, Support.Applied, Callers),
        new("http-url", ValueKind.Text, Support.Applied, Tasks),
        new("http-method", ValueKind.Text, Support.Applied, Tasks),
        new("http-headers", ValueKind.Text, Support.Applied, Tasks),
        new("http-body", ValueKind.Text, Support.Applied, Tasks),
        new("http-success", ValueKind.Text, Support.Applied, Tasks),
        new("http-check", ValueKind.Text, Support.Applied, Tasks),
        new("http-error", ValueKind.Text, Support.Applied, Tasks),
        new("http-output", ValueKind.Text, Support.Applied, Tasks),
        new("http-max-response", ValueKind.ByteSize, Support.Applied, Tasks),
        new("error-code", ValueKind.Text, Support.Applied, [NodeKind.EndEvent]),
        new("error-message", ValueKind.Text, Support.Applied, [NodeKind.EndEvent]),
        new("flow-timeout", ValueKind.Milliseconds, Support.Applied, Starts),
        new("loop-limit", ValueKind.Count, Support.Applied, Starts),
        // Durable flows: the trigger and correlation key of a flow, the event and time of its waits.
        new("event", ValueKind.Text, Support.Applied, [NodeKind.StartEvent, NodeKind.MessageCatch]),
        new("key", ValueKind.Text, Support.Applied, [NodeKind.StartEvent, NodeKind.MessageCatch]),
        new("trigger-when", ValueKind.Text, Support.Applied, Starts),
        new("on-failure", ValueKind.FailurePolicy, Support.Applied, Starts),
        new("continues", ValueKind.Text, Support.Applied, Starts),
        new("on-timeout", ValueKind.OnTimeout, Support.Applied, Tasks),
        new("on-error", ValueKind.OnError, Support.Applied, Tasks),
        new("error-codes", ValueKind.Text, Support.Applied, Tasks),
        new("to", ValueKind.Text, Support.Applied, [NodeKind.MessageCatch]),
        new("duration", ValueKind.Duration, Support.Applied, [NodeKind.TimerCatch]),
        new("date", ValueKind.Text, Support.Applied, [NodeKind.TimerCatch]),
        new("time-cycle", ValueKind.Text, Support.NotYet, [NodeKind.TimerCatch]),
        new("ability", ValueKind.Text, Support.NotYet, Tasks),
        new("custom-role", ValueKind.Text, Support.Applied, Tasks),
        new("ite-source", ValueKind.Text, Support.Applied, [NodeKind.ServiceTask, NodeKind.SubProcess, NodeKind.CallActivity]),
        new(TaskInputs.PublishSetting, ValueKind.Text, Support.Applied, Tasks),
        new("await", ValueKind.Boolean, Support.Applied, [NodeKind.SubProcess, NodeKind.CallActivity]),
        new(ForeachChecks.Source, ValueKind.Text, Support.Applied, [NodeKind.SubProcess, NodeKind.CallActivity]),
        new(ForeachChecks.Item, ValueKind.Text, Support.Applied, [NodeKind.SubProcess, NodeKind.CallActivity]),
        new(ForeachChecks.Index, ValueKind.Text, Support.Applied, [NodeKind.SubProcess, NodeKind.CallActivity]),
        new(ForeachChecks.Parallel, ValueKind.Count, Support.Applied, [NodeKind.SubProcess, NodeKind.CallActivity]),
        new("ite-strategy", ValueKind.Strategy, Support.Applied, Tasks),
        new("ite-async", ValueKind.YesNo, Support.Applied, Tasks),
        new("ite-parallelism", ValueKind.Count, Support.Applied, Tasks),
        new("ite-stride", ValueKind.Text, Support.NotYet, Tasks),
        new("not-skip-task", ValueKind.Text, Support.NotYet, Tasks),
        new("limit-permits", ValueKind.Text, Support.NotYet, Tasks),
        new("limit-expression", ValueKind.Text, Support.NotYet, Tasks),
        new("limit-fail-strategy", ValueKind.Text, Support.NotYet, Tasks),
    }.ToDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>The settings FlowGen applies, by name (the JSON Schema of flow documents lists exactly these).</summary>
    internal static IEnumerable<string> AppliedNames => Known.Values.Where(s => s.Support == Support.Applied).Select(s => s.Name);

    /// <summary>What some Kstry instructs (c-*, ^c-*: a script or an action run before the task) do, for FG0605.</summary>
    private static readonly Dictionary<string, string> Instructs = new(StringComparer.Ordinal)
    {
        ["c-jscript"] = " (a JavaScript run before the task; FlowGen calls [FlowTask] C# methods)",
        ["^c-jscript"] = " (a JavaScript run before the task; FlowGen calls [FlowTask] C# methods)",
        ["^c-async-http-post"] = " (an HTTP call; FlowGen has HTTP tasks: declare one with http-url, see docs/http-tasks.md)",
    };

    /// <summary>A Kstry instruct: a node property named c-... or ^c-... (Kstry's SERVICE_TASK_TASK_INSTRUCT prefix).</summary>
    private static bool IsInstruct(string name) => name.StartsWith("c-", StringComparison.Ordinal) || name.StartsWith("^c-", StringComparison.Ordinal);

    public static void Check(FlowGraph graph, List<DiagnosticInfo> diagnostics, HashSet<string> errorElements)
    {
        foreach (var node in graph.Nodes)
        {
            if (node.IsUnsupported) continue;
            foreach (var property in node.Properties)
            {
                if (!Known.TryGetValue(property.Name, out var setting) && IsInstruct(property.Name))
                {
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InstructNotRun, property.Location, node.Describe(), property.Name,
                        Instructs.TryGetValue(property.Name, out var what) ? what : ""));
                    continue;
                }
                if (setting is null)
                {
                    var unknown = DiagnosticInfo.Create(FlowDiagnostics.UnknownProperty, property.Location, node.Describe(), property.Name, Suggest(property.Name));
                    // A near miss of a setting ('retry-dealy') would run the task without it: an error. Other unknown
                    // properties stay warnings (a team's own properties, read by its interceptors, are allowed).
                    if (NearMiss(property.Name))
                    {
                        unknown = unknown.WithSeverity(DiagnosticSeverity.Error);
                        errorElements.Add(node.Id);
                    }
                    diagnostics.Add(unknown);
                    continue;
                }

                if (Array.IndexOf(setting.Kinds, node.Kind) < 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, property.Location, node.Describe(), property.Name, property.Value,
                        $"'{property.Name}' applies only to {JoinList(setting.Kinds.Select(KindName).Distinct().ToList())}, so it has no effect here; remove it, or move it to such a node"));
                    continue;
                }

                if (Invalid(setting.Value, property.Value) is { } problem)
                {
                    var d = DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, property.Location, node.Describe(), property.Name, property.Value, problem + "; fix the value");
                    // A policy with a bad value would silently run without its timeout or retries: an error.
                    if (setting.Value is ValueKind.Milliseconds or ValueKind.Count or ValueKind.Backoff or ValueKind.Strategy or ValueKind.Duration or ValueKind.FailurePolicy or ValueKind.OnTimeout or ValueKind.ByteSize or ValueKind.OnError)
                    {
                        d = d.WithSeverity(DiagnosticSeverity.Error);
                        errorElements.Add(node.Id);
                    }
                    diagnostics.Add(d);
                    continue;
                }

                if (property.Name == "timeout" && node.Kind != NodeKind.SubProcess && node.Kind != NodeKind.CallActivity
                    && TryMilliseconds(property.Value, out var shortTimeout) && shortTimeout < 10)
                {
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, property.Location, node.Describe(), property.Name, property.Value,
                        "a task timeout below 10 ms cannot be enforced (Polly's minimum), so it runs as 10 ms; write at least 10"));
                    continue;
                }

                if (setting.Support == Support.NotYet)
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.PropertyNotApplied, property.Location, node.Describe(), $"{property.Name}={property.Value}"));
            }
        }
    }

    private static string? Invalid(ValueKind kind, string value) => kind switch
    {
        ValueKind.Boolean when !IsBoolean(value) => "the value must be true or false",
        ValueKind.Milliseconds when !TryMilliseconds(value, out var ms) || ms <= 0 || ms > 86_400_000 => "the value must be a whole number of milliseconds from 1 to 86400000 (one day)",
        ValueKind.Count when !int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > 1_000_000 => "the value must be a whole number from 0 to 1000000",
        ValueKind.Backoff when ParseBackoff(value) is null => "the value must be constant, linear or exponential",
        ValueKind.Strategy when ParseStrategy(value) is null => "the value must be all, best or any",
        ValueKind.YesNo when ParseYesNo(value) is null => "the value must be true or false (Kstry's y and n work too)",
        ValueKind.Duration when TryDuration(value, out var span) is false || span <= TimeSpan.Zero => "the value must be a positive duration: an ISO 8601 duration (PT10M, P2D, P1DT12H), a number with a unit (500ms, 30s, 10m, 2h, 3d), or whole milliseconds",
        ValueKind.OnError when value.Trim().ToLowerInvariant() is not ("fail" or "continue") => "the value must be fail (a failure fails the run, the default) or continue (the failure goes along the task's error route: its FlowError is written to var.error, and @failed('<task id>') is true)",
        ValueKind.OnTimeout when value.Trim().ToLowerInvariant() is not ("fail" or "continue") => "the value must be fail (a timeout fails the run, the default) or continue (the run goes on, and @timedOut('<task id>') is true)",
        ValueKind.ByteSize when !TryByteSize(value, out _) => "the value must be a size from 1 byte to 1GB: whole bytes (65536) or a number with a unit (64KB, 1.5MB, 1GB; KB, MB and GB count 1024)",
        ValueKind.FailurePolicy when ParseFailurePolicy(value) is null => "the value must be fail (a failed task fails the instance) or suspend (it suspends the instance, to be resumed or cancelled)",
        _ => null,
    };

    /// <summary>fail or suspend: what a task failure does to a durable instance.</summary>
    public static string? ParseFailurePolicy(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "fail" => "fail",
        "suspend" => "suspend",
        _ => null,
    };

    /// <summary>
    /// A wait's duration: ISO 8601 (<c>PT10M</c>, <c>P2D</c>, <c>P1DT12H30M</c>, <c>PT1.5S</c>; weeks <c>P1W</c>), a
    /// number with a unit (<c>500ms</c>, <c>30s</c>, <c>10m</c>, <c>2h</c>, <c>3d</c>), or whole milliseconds.
    /// </summary>
    public static bool TryDuration(string? value, out TimeSpan duration)
    {
        duration = default;
        var text = value?.Trim() ?? "";
        if (text.Length == 0) return false;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            duration = TimeSpan.FromMilliseconds(ms);
            return true;
        }
        var unit = System.Text.RegularExpressions.Regex.Match(text, @"^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (unit.Success)
        {
            var amount = double.Parse(unit.Groups[1].Value, CultureInfo.InvariantCulture);
            duration = unit.Groups[2].Value.ToLowerInvariant() switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                "d" => TimeSpan.FromDays(amount),
                _ => TimeSpan.FromDays(7 * amount),
            };
            return true;
        }
        var iso = System.Text.RegularExpressions.Regex.Match(text, @"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!iso.Success || text.EndsWith("T", StringComparison.OrdinalIgnoreCase) || text.Length == 1) return false;
        double Part(int group) => iso.Groups[group].Success ? double.Parse(iso.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        duration = TimeSpan.FromDays(7 * Part(1) + Part(2)) + TimeSpan.FromHours(Part(3)) + TimeSpan.FromMinutes(Part(4)) + TimeSpan.FromSeconds(Part(5));
        return true;
    }

    /// <summary>
    /// A size in bytes (<c>http-max-response</c>): whole bytes (<c>65536</c>), or a number with a unit, B, KB, MB or GB
    /// (1024-based; KiB, MiB and GiB too), any case; from 1 byte to 1 GB.
    /// </summary>
    public static bool TryByteSize(string? value, out long bytes)
    {
        bytes = 0;
        var match = System.Text.RegularExpressions.Regex.Match(value?.Trim() ?? "", @"^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)) return false;
        var unit = match.Groups[2].Value.ToLowerInvariant();
        if (unit.Length == 0 && match.Groups[1].Value.Contains(".")) return false;
        double size = amount * (unit.Length == 0 || unit == "b" ? 1 : unit[0] switch { 'k' => 1024d, 'm' => 1024d * 1024, _ => 1024d * 1024 * 1024 });
        if (size < 1 || size > 1024d * 1024 * 1024) return false;
        bytes = (long)Math.Floor(size);
        return true;
    }

    public static bool IsBoolean(string value) => string.Equals(value.Trim(), "true", StringComparison.OrdinalIgnoreCase) || string.Equals(value.Trim(), "false", StringComparison.OrdinalIgnoreCase);

    /// <summary>A fire-and-forget subflow: <c>await: false</c>, the run goes on without waiting for it.</summary>
    public static bool IsDetached(FlowNode node) => node.Kind is NodeKind.SubProcess or NodeKind.CallActivity && IsFalse(node.GetProperty("await"));

    public static bool IsTrue(string? value) => string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    public static bool IsFalse(string? value) => string.Equals(value?.Trim(), "false", StringComparison.OrdinalIgnoreCase);

    public static bool TryMilliseconds(string? value, out int milliseconds)
        => int.TryParse(value?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out milliseconds);

    public static string? ParseBackoff(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "constant" => "Constant",
        "linear" => "Linear",
        "exponential" => "Exponential",
        _ => null,
    };

    public static string? ParseStrategy(string? value) => (value ?? "all").Trim().ToLowerInvariant() switch
    {
        "all" => "All",
        "best" => "Best",
        "any" => "Any",
        _ => null,
    };

    /// <summary>true/false, and Kstry's y/n (yes/no), ignoring case and spaces.</summary>
    public static bool? ParseYesNo(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "true" or "y" or "yes" => true,
        "false" or "n" or "no" => false,
        _ => null,
    };

    /// <summary>The policy a node's properties ask for, or null when it has none (a plain call).</summary>
    public static TaskPolicy? Policy(FlowNode node, Binding.TaskDefaults? defaults = null)
    {
        defaults ??= Binding.TaskDefaults.None;
        var timeout = TryMilliseconds(node.GetProperty("timeout"), out var t) && t > 0 ? t : defaults.TimeoutMilliseconds;
        var retries = TryMilliseconds(node.GetProperty("retry-times") ?? node.GetProperty("retry"), out var r) ? r : defaults.Retries;
        var delay = TryMilliseconds(node.GetProperty("retry-delay"), out var d) ? d : 0;
        var backoff = ParseBackoff(node.GetProperty("retry-backoff")) ?? "Constant";
        var strictProperty = node.GetProperty("strict-mode");
        var ignore = node.Kind == NodeKind.ServiceTask && (IsFalse(strictProperty) || (strictProperty is null && defaults.IgnoreFailure));
        var fallback = node.GetProperty("task-demotion") ?? node.GetProperty("demotion") ?? defaults.Demotion;
        var continueOnTimeout = node.Kind == NodeKind.ServiceTask && string.Equals(node.GetProperty("on-timeout")?.Trim(), "continue", StringComparison.OrdinalIgnoreCase);
        var catchErrors = CatchesErrors(node);
        if (timeout == 0 && retries == 0 && !ignore && fallback is null && !catchErrors) return null;
        return new TaskPolicy(timeout, retries, delay, backoff, ignore && !catchErrors)
        {
            ContinueOnTimeout = continueOnTimeout && timeout > 0,
            CatchErrors = catchErrors,
            ErrorCodes = (node.GetProperty("error-codes") ?? "").Split(',').Select(c => c.Trim()).Where(c => c.Length > 0).ToEquatableArray(),
        };
    }

    /// <summary>A task whose failure goes along its error route (<c>on-error=continue</c>) rather than failing the run.</summary>
    public static bool CatchesErrors(FlowNode node)
        => node.Kind == NodeKind.ServiceTask && string.Equals(node.GetProperty("on-error")?.Trim(), "continue", StringComparison.OrdinalIgnoreCase);

    /// <summary>"a", "a and b", "a, b and c".</summary>
    private static string JoinList(List<string> items)
        => items.Count <= 1 ? string.Join("", items) : string.Join(", ", items.Take(items.Count - 1)) + " and " + items[items.Count - 1];

    private static string KindName(NodeKind kind) => kind switch
    {
        NodeKind.ServiceTask => "tasks",
        NodeKind.ParallelGateway => "parallel gateways",
        NodeKind.InclusiveGateway => "inclusive gateways",
        NodeKind.ExclusiveGateway => "gateways that call a service",
        NodeKind.StartEvent => "start events",
        NodeKind.SubProcess => "subprocesses",
        NodeKind.CallActivity => "call activities",
        NodeKind.MessageCatch => "receives",
        NodeKind.TimerCatch => "timers",
        NodeKind.EventGateway => "event gateways",
        _ => kind.ToString(),
    };

    /// <summary>A name one or two edits (or only case) away from a setting FlowGen knows.</summary>
    private static bool NearMiss(string name)
        => Known.Keys.Any(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase) || Distance(k, name.ToLowerInvariant()) <= 2);

    private static string Suggest(string name)
    {
        var best = Known.Keys.OrderBy(k => Distance(k, name)).First();
        return Distance(best, name) <= 3 ? $" (did you mean '{best}'?)" : "";
    }

    private static int Distance(string a, string b)
    {
        // Callers only ask whether a name is within 3 edits: past that, the length difference (a lower bound) answers, and a
        // property name of 100,000 characters costs no matrix of 100,000 x 20 per known setting (it once took minutes).
        if (Math.Abs(a.Length - b.Length) > 3) return Math.Abs(a.Length - b.Length);
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
