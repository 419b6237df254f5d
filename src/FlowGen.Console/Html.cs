using System.Text;
using System.Text.Encodings.Web;

namespace FlowGen.WebConsole;

/// <summary>
/// The console's one escaping function for HTML text and attribute values: every text that comes from a flow, an
/// instance, an event or a request goes through it. Bidi controls and line separators are shown as their code
/// (<c>\u202E</c>) instead of being passed on, so that a key cannot reorder or hide what a page shows next to it.
/// </summary>
internal static class Html
{
    public static string Text(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        StringBuilder? visible = null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (IsInvisibleControl(c))
            {
                visible ??= new StringBuilder(value, 0, i, value.Length + 16);
                visible.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else visible?.Append(c);
        }
        return HtmlEncoder.Default.Encode(visible?.ToString() ?? value);
    }

    /// <summary>A path segment of a console link (flow ids and keys may hold any character).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    // Bidi embeddings, overrides, isolates and marks, and the line and paragraph separators.
    private static bool IsInvisibleControl(char c)
        => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C' or '\u2028' or '\u2029';
}
