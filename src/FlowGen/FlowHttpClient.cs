using System.ComponentModel;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace FlowGen;

/// <summary>
/// Runs HTTP tasks (flow-file tasks with <c>http-url</c>, docs/http-tasks.md) with the HttpClient from DI (or a
/// shared one). Registered by the generated registrations like a component; a test can pass its own HttpClient.
/// </summary>
public sealed class FlowHttpClient(HttpClient? client = null)
{
    private static readonly HttpClient s_shared = new();
    private readonly HttpClient _client = client ?? s_shared;

    /// <summary>Sends the request the flow file describes, with the bus values of its placeholders; returns the JSON response.</summary>
    /// <exception cref="FlowHttpException">The service answered with a status that does not count as success, or with a body that is not JSON.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public async ValueTask<JsonElement> SendAsync(FlowHttpSpec request, CancellationToken cancellationToken, params object?[] values)
    {
        var url = request.Url.Render(values, Uri.EscapeDataString);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), url);
        if (request.Headers is { } headers)
        {
            foreach (var header in headers) message.Headers.TryAddWithoutValidation(header.Name, header.Value.Render(values, static text => text));
        }
        if (request.Body is { } body)
            message.Content = new StringContent(body.Render(values, null), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

        using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (!request.Accepts(status))
        {
            var what = request.ErrorMessage ?? $"{request.Method} {Path(url)} answered {status} {response.ReasonPhrase}";
            throw new FlowHttpException($"{what} (status {status}{(text.Length == 0 ? "" : ": " + Excerpt(text))})", status);
        }
        if (text.Length == 0 || request.Method == "HEAD") return default;
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(text);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new FlowHttpException($"{request.Method} {Path(url)} answered {status} with a body that is not JSON ({ex.Message}): {Excerpt(text)}", status, ex);
        }
        if (request.Check is { } check && check.Failure(root) is { } failure)
            throw new FlowHttpException($"{request.ErrorMessage ?? $"{request.Method} {Path(url)} answered {status}"}, but the response check '{check.Text}' failed: {failure} ({Excerpt(text)})", status);
        return root;
    }

    private static string Path(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : url;

    private static string Excerpt(string text) => text.Length <= 200 ? text : text.Substring(0, 200) + "...";
}

/// <summary>An HTTP task's request, as its flow file describes it (made by generated code).</summary>
/// <param name="Success">Accepted statuses as codes and ranges ("200-299,404"); null for 200-299.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FlowHttpSpec(string method, FlowHttpTemplate url, FlowHttpHeader[]? headers, FlowHttpTemplate? body, string? success, string? errorMessage, FlowHttpCheck? check = null)
{
    public FlowHttpCheck? Check { get; } = check;

    private readonly (int From, int To)[] _accepted = ParseStatuses(success);

    public string Method { get; } = method;

    public FlowHttpTemplate Url { get; } = url;

    public FlowHttpHeader[]? Headers { get; } = headers;

    public FlowHttpTemplate? Body { get; } = body;

    public string? ErrorMessage { get; } = errorMessage;

    public bool Accepts(int status) => _accepted.Any(r => status >= r.From && status <= r.To);

    private static (int, int)[] ParseStatuses(string? success)
    {
        if (string.IsNullOrWhiteSpace(success)) return [(200, 299)];
        return success.Split(',').Select(part =>
        {
            var ends = part.Split('-');
            var from = int.Parse(ends[0].Trim(), CultureInfo.InvariantCulture);
            return (from, ends.Length > 1 ? int.Parse(ends[1].Trim(), CultureInfo.InvariantCulture) : from);
        }).ToArray();
    }
}

/// <summary>An HTTP task's check of its JSON response (<c>http-check: code == 0</c>), compiled from the flow file.</summary>
/// <param name="Path">The property names from the response's root.</param>
/// <param name="Expected">The JSON text the value must be (or must not be): 0, "ok", true, null.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record FlowHttpCheck(string Text, string[] Path, string Expected, bool MustEqual)
{
    /// <summary>Why the response fails the check, or null when it passes.</summary>
    public string? Failure(JsonElement root)
    {
        var value = root;
        foreach (var name in Path)
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
                return MustEqual ? $"the response has no {string.Join(".", Path)}" : null;
        }
        var actual = value.GetRawText();
        var equal = value.ValueKind == JsonValueKind.Number && double.TryParse(Expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? value.TryGetDouble(out var got) && got == number
            : actual == Expected;
        return equal == MustEqual ? null : $"{string.Join(".", Path)} is {actual}";
    }
}

/// <summary>A header of an HTTP task.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record FlowHttpHeader(string Name, FlowHttpTemplate Value);

/// <summary>
/// Literal text with value slots between its parts: Literals[0] + values[Slots[0]] + Literals[1] + ...; a negative
/// slot (~index) is inserted without escaping (<c>{+req.baseUrl}</c>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record FlowHttpTemplate(string[] Literals, int[] Slots)
{
    /// <summary>The text with the values in place: escaped by <paramref name="escape"/>, or written as JSON values when it is null.</summary>
    public string Render(object?[] values, Func<string, string>? escape)
    {
        if (Slots.Length == 0) return Literals[0];
        var text = new StringBuilder(Literals[0]);
        for (var i = 0; i < Slots.Length; i++)
        {
            var raw = Slots[i] < 0;
            var value = values[raw ? ~Slots[i] : Slots[i]];
            text.Append(raw ? Text(value) : escape is null ? Json(value) : escape(Text(value))).Append(Literals[i + 1]);
        }
        return text.ToString();
    }

    private static string Text(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Json(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal => Text(value),
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(Text(value), FlowJsonStrings.Default.String),
    };
}

/// <summary>An HTTP task's call failed: a status that does not count as success, or a body that is not JSON.</summary>
public sealed class FlowHttpException(string message, int status, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The response's status code.</summary>
    public int Status { get; } = status;
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class FlowJsonStrings : System.Text.Json.Serialization.JsonSerializerContext;
