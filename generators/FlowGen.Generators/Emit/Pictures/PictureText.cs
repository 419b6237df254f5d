using System.Globalization;
using System.Text;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit.Pictures;

/// <summary>What the Mermaid and SVG pictures say of a node, and flow-file text made one safe line for either.</summary>
internal static class PictureText
{
    /// <summary>A node's label: its name, else its id; a task adds the service it calls.</summary>
    public static string Label(FlowNode node)
    {
        var name = node.Name is { Length: > 0 } n ? FlowNode.OneLine(n) : node.Id;
        var service = node.GetProperty("task-service") is { } s ? (node.GetProperty("task-component") is { } c ? c + "/" + s : s) : null;
        return service is null || service == name ? name : $"{name} ({service})";
    }

    /// <summary>A subflow's title: its name (or id), and what a foreach iterates or that it is fire-and-forget.</summary>
    public static string SubflowTitle(BoundNode bound)
    {
        var node = bound.Node;
        var title = node.Name is { Length: > 0 } name ? FlowNode.OneLine(name) : node.Id;
        if (bound.Foreach is { } each) return $"{title}: foreach {each.ItemName} in {each.SourceText}" + (each.Parallelism > 1 ? $", {each.Parallelism.ToString(CultureInfo.InvariantCulture)} at once" : "");
        if (SettingsChecks.IsDetached(node)) return title + " (fire and forget)";
        return title;
    }

    /// <summary>
    /// One line of at most <paramref name="max"/> characters: every character unsafe in generated text (controls, line
    /// terminators, bidi and other format characters, lone surrogates: <see cref="CSharpText.IsUnsafeAt"/>) as a space,
    /// runs of spaces as one, cut with an ellipsis without splitting a surrogate pair.
    /// </summary>
    public static string OneLine(string text, int max)
    {
        var one = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (CSharpText.IsUnsafeAt(text, i) || text[i] is '\ufffe' or '\uffff')
            {
                if (one.Length > 0 && one[one.Length - 1] != ' ') one.Append(' ');
                continue;
            }
            one.Append(text[i]);
        }
        var trimmed = one.ToString().Trim();
        if (trimmed.Length <= max) return trimmed;
        var cut = char.IsHighSurrogate(trimmed[max - 2]) ? max - 2 : max - 1;
        return trimmed.Substring(0, cut) + "…";
    }
}
