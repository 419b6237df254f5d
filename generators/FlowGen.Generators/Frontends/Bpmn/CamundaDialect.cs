using System.Text.RegularExpressions;
using System.Xml.Linq;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Frontends.Bpmn;

/// <summary>
/// What Camunda users write on a task that changes how it runs, read or rejected so that nothing is dropped silently:
/// multi-instance (to FlowGen's iteration), Zeebe's <c>retries</c> and Camunda 7's <c>failedJobRetryTimeCycle</c> (to the
/// retry policy), Java delegates and external tasks (rejected, with what to write instead), and JUEL or FEEL conditions
/// (rejected, with the condition rewritten in FlowGen's language).
/// </summary>
internal static class CamundaDialect
{
    /// <summary>
    /// The settings a task's Camunda constructs stand for, added to <paramref name="properties"/> unless the task already
    /// has them; and an FG error for each construct that FlowGen cannot run.
    /// </summary>
    /// <returns>True when the task cannot run at all (a Java delegate, an external task): it is marked unsupported, so
    /// that its one error is not followed by others (no task-service property, ...).</returns>
    public static bool Read(XElement element, string describe, List<NodeProperty> properties, XmlTextMap map, List<DiagnosticInfo> diagnostics)
    {
        MultiInstance(element, describe, properties, map, diagnostics, body: element.Name.LocalName == "callActivity");
        Retries(element, describe, properties, map, diagnostics);
        return Implementation(element, describe, map, diagnostics);
    }

    private static bool Has(List<NodeProperty> properties, params string[] names) => properties.Any(p => names.Contains(p.Name));

    /// <summary>The multi-instance of a subProcess: its whole body runs once per item (a foreach).</summary>
    public static void ReadSubprocess(XElement element, string describe, List<NodeProperty> properties, XmlTextMap map, List<DiagnosticInfo> diagnostics)
        => MultiInstance(element, describe, properties, map, diagnostics, body: true);

    /// <summary>
    /// <c>multiInstanceLoopCharacteristics</c>: the collection (<c>camunda:collection</c>, or Zeebe's
    /// <c>inputCollection</c>) is the iteration's source. On a task it is an iterated task (<c>ite-source</c>; parallel,
    /// the default, is <c>ite-async</c>); on a subProcess or callActivity (<paramref name="body"/>) the whole body runs
    /// per item, as in Camunda: a <c>foreach</c> whose item is the <c>elementVariable</c> (Zeebe's <c>inputElement</c>)
    /// and which runs up to 8 items at once unless <c>isSequential="true"</c>.
    /// </summary>
    private static void MultiInstance(XElement element, string describe, List<NodeProperty> properties, XmlTextMap map, List<DiagnosticInfo> diagnostics, bool body)
    {
        var loop = element.Element(XName.Get("multiInstanceLoopCharacteristics", BpmnNames.Model));
        if (loop is null) return;
        var location = map.StartTag(loop);
        foreach (var unsupported in new[] { "loopCardinality", "completionCondition" })
        {
            if (loop.Element(XName.Get(unsupported, BpmnNames.Model)) is { } part)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedElement, map.StartTag(part), $"{unsupported} of the multi-instance {describe}",
                    unsupported == "loopCardinality"
                        ? " (FlowGen iterates over a collection on the bus: name it with camunda:collection or the task's ite-source property)"
                        : " (FlowGen runs every item; to stop at the first success use ite-strategy any, to keep the successes ite-strategy best)"));
            }
        }
        var zeebe = loop.Element(XName.Get("extensionElements", BpmnNames.Model))?.Element(XName.Get("loopCharacteristics", BpmnNames.Zeebe));
        var written = loop.Attribute(XName.Get("collection", BpmnNames.Camunda))?.Value ?? zeebe?.Attribute("inputCollection")?.Value;
        var source = body ? "foreach" : "ite-source";
        if (body)
        {
            var itemName = loop.Attribute(XName.Get("elementVariable", BpmnNames.Camunda))?.Value ?? zeebe?.Attribute("inputElement")?.Value;
            if (itemName is not null && !Has(properties, "foreach-item")) properties.Add(new NodeProperty("foreach-item", itemName.Trim(), location));
            if (loop.Attribute("isSequential")?.Value != "true" && !Has(properties, "foreach-parallel"))
                properties.Add(new NodeProperty("foreach-parallel", "8", location));
        }
        if (!Has(properties, source))
        {
            var path = written is null ? null : Unwrap(written);
            if (path is not null && Regex.IsMatch(path, @"^(req|sta|var)\.[\w.-]+$"))
            {
                properties.Add(new NodeProperty(source, path, location));
            }
            else
            {
                var name = path is not null && Regex.IsMatch(path, @"^[A-Za-z_][\w-]*$") ? path : "items";
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, location, describe, "multiInstanceLoopCharacteristics collection", written ?? "",
                    $"FlowGen iterates over a bus value, not a Camunda expression over process variables: write camunda:collection=\"sta.{name}\" (or var.{name}, req.{name}), or a{(body ? " foreach" : "n ite-source")} property")
                    .WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
            }
        }
        // Camunda runs the instances in parallel unless isSequential="true"; FlowGen's iteration is sequential unless ite-async.
        if (!body && loop.Attribute("isSequential")?.Value != "true" && !Has(properties, "ite-async"))
            properties.Add(new NodeProperty("ite-async", "true", location));
    }

    /// <summary>
    /// Zeebe's <c>taskDefinition retries</c> (attempts in all: 3 is two retries) and Camunda 7's
    /// <c>failedJobRetryTimeCycle</c> (<c>R3/PT10S</c>: three retries, ten seconds apart) as <c>retry-times</c> and <c>retry-delay</c>.
    /// </summary>
    private static void Retries(XElement element, string describe, List<NodeProperty> properties, XmlTextMap map, List<DiagnosticInfo> diagnostics)
    {
        var extensions = element.Element(XName.Get("extensionElements", BpmnNames.Model));
        if (extensions is null || Has(properties, "retry-times", "retry")) return;
        if (extensions.Element(XName.Get("taskDefinition", BpmnNames.Zeebe)) is { } definition && definition.Attribute("retries") is { } retries)
        {
            var location = map.StartTag(definition);
            if (int.TryParse(retries.Value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var attempts) && attempts >= 1)
                properties.Add(new NodeProperty("retry-times", (attempts - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), location));
            else
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, location, describe, "zeebe:taskDefinition retries", retries.Value,
                    "it is not a whole number of attempts (1 or more)").WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        }
        if (extensions.Element(XName.Get("failedJobRetryTimeCycle", BpmnNames.Camunda)) is { } cycle)
        {
            var location = map.StartTag(cycle);
            var match = Regex.Match(cycle.Value.Trim(), @"^R(\d{1,6})/(P\S+)$");
            var delay = match.Success ? Duration(match.Groups[2].Value) : null;
            if (delay is { } milliseconds)
            {
                properties.Add(new NodeProperty("retry-times", match.Groups[1].Value, location));
                if (!Has(properties, "retry-delay"))
                    properties.Add(new NodeProperty("retry-delay", milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), location));
            }
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.InvalidPropertyValue, location, describe, "camunda:failedJobRetryTimeCycle", cycle.Value.Trim(),
                    "FlowGen reads a cycle of the form R<retries>/<ISO 8601 duration> (R3/PT10S); or write retry-times and retry-delay properties")
                    .WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
            }
        }
    }

    /// <summary>Java delegates, expressions and external tasks: code FlowGen cannot call. A task binds to a [FlowTask] method.</summary>
    private static bool Implementation(XElement element, string describe, XmlTextMap map, List<DiagnosticInfo> diagnostics)
    {
        var location = map.StartTag(element);
        if (element.Attribute(XName.Get("type", BpmnNames.Camunda))?.Value == "external")
        {
            var topic = element.Attribute(XName.Get("topic", BpmnNames.Camunda))?.Value;
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedElement, location, describe + " (an external task" + (topic is null ? "" : $", topic '{topic}'") + ")",
                " (FlowGen calls C# methods in process instead of waiting for an external worker: bind the task to a [FlowTask] method with task-component and task-service properties, or call the worker's service with an HTTP task, docs/http-tasks.md)"));
            return true;
        }
        var unsupported = false;
        foreach (var attribute in new[] { "class", "delegateExpression", "expression" })
        {
            if (element.Attribute(XName.Get(attribute, BpmnNames.Camunda)) is not { } java) continue;
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.UnsupportedElement, location, describe + $" (camunda:{attribute}=\"{java.Value}\")",
                " (a Java delegate or expression does not run in FlowGen: bind the task to a [FlowTask] method with task-component and task-service properties)"));
            unsupported = true;
        }
        return unsupported;
    }

    private static string Unwrap(string text)
    {
        var trimmed = text.Trim();
        if ((trimmed.StartsWith("${", StringComparison.Ordinal) || trimmed.StartsWith("#{", StringComparison.Ordinal)) && trimmed.EndsWith("}", StringComparison.Ordinal))
            return trimmed.Substring(2, trimmed.Length - 3).Trim();
        return trimmed.TrimStart('=').Trim();
    }

    private static long? Duration(string iso)
    {
        try
        {
            var span = System.Xml.XmlConvert.ToTimeSpan(iso);
            return span > TimeSpan.Zero && span.TotalMilliseconds <= 86_400_000 ? (long)span.TotalMilliseconds : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// A condition written in JUEL (<c>${total >= 100}</c>, Camunda 7) or FEEL (<c>= total >= 100 and vip</c>, Camunda 8)
    /// rather than FlowGen's language: the message names the dialect and shows the condition rewritten, with bare
    /// variables read from <c>var.</c> (FlowGen reads <c>req.</c>, <c>sta.</c> and <c>var.</c>).
    /// </summary>
    public static string? ForeignCondition(string raw, bool feelMarker, bool parsed)
    {
        var trimmed = raw.Trim();
        string dialect;
        string body;
        if ((trimmed.StartsWith("${", StringComparison.Ordinal) || trimmed.StartsWith("#{", StringComparison.Ordinal)) && trimmed.EndsWith("}", StringComparison.Ordinal))
        {
            dialect = "a JUEL expression (Camunda 7)";
            body = trimmed.Substring(2, trimmed.Length - 3);
        }
        else if (feelMarker && !parsed)
        {
            dialect = "a FEEL expression (Camunda 8)";
            body = trimmed;
        }
        else
        {
            return null;
        }
        return $"the condition '{FlowNode.OneLine(trimmed)}' is {dialect}; FlowGen's conditions read the bus: write '{Rewrite(body, feel: dialect.StartsWith("a FEEL", StringComparison.Ordinal))}'";
    }

    private static readonly Dictionary<string, string> s_words = new(StringComparer.Ordinal)
    {
        ["and"] = "&&", ["or"] = "||", ["not"] = "!", ["eq"] = "==", ["ne"] = "!=", ["lt"] = "<", ["gt"] = ">", ["le"] = "<=", ["ge"] = ">=",
    };

    private static string Rewrite(string body, bool feel)
    {
        var text = feel ? Regex.Replace(body, @"(?<![=!<>])=(?!=)", "==") : body;
        text = Regex.Replace(text, @"(?<![\w.'""])([A-Za-z_]\w*)(?![\w'""(])", match =>
        {
            var word = match.Groups[1].Value;
            if (s_words.TryGetValue(word, out var symbol)) return symbol;
            if (word is "true" or "false" or "null" || word is "req" or "sta" or "var" or "res") return word;
            return "var." + word;
        });
        return FlowNode.OneLine(text.Trim());
    }
}
