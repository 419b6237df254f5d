using System.ComponentModel;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace FlowGen;

/// <summary>Settings of every HTTP task of an application (<see cref="FlowHttpClient"/>): register one in DI to change them.</summary>
public sealed class FlowHttpOptions
{
    /// <summary>The default answer size limit: 4 MB (4,194,304 bytes).</summary>
    public const long DefaultMaxResponseBytes = 4L * 1024 * 1024;

    /// <summary>
    /// The largest answer body an HTTP task reads, in bytes, when the task does not set <c>http-max-response</c>. A
    /// longer answer ends the task with <see cref="FlowErrorCodes.HttpResponseTooLarge"/> and is not read further.
    /// Default <see cref="DefaultMaxResponseBytes"/>.
    /// </summary>
    public long MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;
}

/// <summary>
/// Runs HTTP tasks (flow-file tasks with <c>http-url</c>, docs/http-tasks.md) with the HttpClient from DI (or a
/// shared one). Registered by the generated registrations like a component; a test can pass its own HttpClient.
/// </summary>
/// <remarks>
/// An answer is read as a stream, up to the task's size limit (a <c>Content-Length</c> above it is refused before the
/// body is read). Error messages name the method and the URL without its query string, which may hold secrets.
/// </remarks>
/// <param name="client">The HttpClient to send with; a shared one when null.</param>
/// <param name="options">The settings of every HTTP task; the defaults when null.</param>
public sealed class FlowHttpClient(HttpClient? client = null, FlowHttpOptions? options = null)
{
    // An error status's body is read only for the start of it that the message quotes.
    private const int ErrorBodyBytes = 4096;
    private static readonly HttpClient s_shared = new();
    private readonly HttpClient _client = client ?? s_shared;
    private readonly FlowHttpOptions _options = options ?? new FlowHttpOptions();

    /// <summary>Sends the request the flow file describes, with the bus values of its placeholders; returns the JSON response.</summary>
    /// <exception cref="FlowHttpException">
    /// The call failed (no connection, the HttpClient's own timeout), or the service answered with a status that does
    /// not count as success, with a body that is not JSON, with an empty body where the task's answer goes to the bus
    /// (<see cref="FlowErrorCodes.HttpEmptyResponse"/>), or with more than the size limit
    /// (<see cref="FlowErrorCodes.HttpResponseTooLarge"/>).
    /// </exception>
    /// <exception cref="FlowHttpCanceledException">The task's timeout or the run's cancellation stopped the call.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public async ValueTask<JsonElement> SendAsync(FlowHttpSpec request, CancellationToken cancellationToken, params object?[] values)
    {
        var url = request.Url.Render(values, Uri.EscapeDataString);
        var shown = $"{request.Method} {Path(url)}";
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), url);
        if (request.Headers is { } headers)
        {
            foreach (var header in headers) message.Headers.TryAddWithoutValidation(header.Name, header.Value.Render(values, static text => text));
        }
        if (request.Body is { } body)
        {
            // A body template that starts with '<' is XML: its values are inserted as escaped XML text, not as JSON.
            message.Content = body.Literals[0].TrimStart().StartsWith("<", StringComparison.Ordinal)
                ? new StringContent(body.Render(values, FlowXml.Escape), Encoding.UTF8, new MediaTypeHeaderValue("application/xml"))
                : new StringContent(body.Render(values, null), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        var limit = request.MaxResponseBytes ?? _options.MaxResponseBytes;
        int status;
        string text;
        try
        {
            // Headers first: the body is read as a stream, up to the limit, never buffered whole by HttpClient.
            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            status = (int)response.StatusCode;
            if (!request.Accepts(status))
            {
                text = await ReadAsync(response, ErrorBodyBytes, shown, status, truncate: true, cancellationToken).ConfigureAwait(false);
                var what = request.ErrorMessage ?? $"{shown} answered {status} {response.ReasonPhrase}";
                throw new FlowHttpException($"{what} (status {status}{(text.Length == 0 ? "" : ": " + Excerpt(text))})", status);
            }
            // A HEAD answer declares the length of a body it does not send.
            if (request.Method != "HEAD" && response.Content.Headers.ContentLength is { } declared && declared > limit)
                throw TooLarge(shown, status, limit, declared);
            text = await ReadAsync(response, limit, shown, status, truncate: false, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (cancellationToken.IsCancellationRequested)
        {
            // The task's timeout or the run's cancellation: still a cancellation (policies tell a timeout by it), naming the call.
            throw new FlowHttpCanceledException($"{shown} had not answered when the task was stopped (its timeout, or the run's cancellation)", exception, cancellationToken);
        }
        catch (OperationCanceledException exception)
        {
            throw new FlowHttpException($"{shown} did not answer within the HttpClient's timeout of {_client.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s", 0, exception);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            throw new FlowHttpException($"{shown} failed: {exception.Message}", 0, exception);
        }

        if (string.IsNullOrWhiteSpace(text) || request.Method == "HEAD")
        {
            if (request.ExpectsValue)
            {
                throw new FlowHttpException(
                    $"{shown} answered {status} with an empty body, but the task's answer goes to the bus (http-output): a JSON value was expected",
                    status, code: FlowErrorCodes.HttpEmptyResponse);
            }
            return default;
        }
        JsonElement root;
        if (text.TrimStart().StartsWith("<", StringComparison.Ordinal))
        {
            // An XML answer is read as the JSON it stands for, so that paths, checks and templates read it the same way.
            try
            {
                root = FlowXml.ToJson(text);
            }
            catch (System.Xml.XmlException ex)
            {
                throw new FlowHttpException($"{shown} answered {status} with a body that is not well-formed XML ({ex.Message}): {Excerpt(text)}", status, ex);
            }
        }
        else
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                root = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new FlowHttpException($"{shown} answered {status} with a body that is not JSON ({ex.Message}): {Excerpt(text)}", status, ex);
            }
        }
        if (request.Check is { } check && check.Failure(root) is { } failure)
            throw new FlowHttpException($"{request.ErrorMessage ?? $"{shown} answered {status}"}, but the response check '{check.Text}' failed: {failure} ({Excerpt(text)})", status);
        return root;
    }

    /// <summary>
    /// The body as text, read as a stream: at most <paramref name="most"/> bytes. Past them, the rest is either left
    /// unread (<paramref name="truncate"/>: an error body, of which only the start is quoted) or the answer is too large.
    /// </summary>
    private static async Task<string> ReadAsync(HttpResponseMessage response, long most, string shown, int status, bool truncate, CancellationToken cancellationToken)
    {
        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var declared = response.Content.Headers.ContentLength;
        using var buffer = new MemoryStream(declared is { } length && length <= most ? (int)length : 0);
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                // One byte past the limit tells "exactly at the limit" from "more".
                var room = most + 1 - buffer.Length;
                var read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, room)), cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                buffer.Write(chunk, 0, read);
                if (buffer.Length > most)
                {
                    if (truncate)
                    {
                        buffer.SetLength(most);
                        break;
                    }
                    throw TooLarge(shown, status, most, null);
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
        var encoding = Encoding.UTF8;
        if (response.Content.Headers.ContentType?.CharSet is { Length: > 0 } charset)
        {
            try
            {
                encoding = Encoding.GetEncoding(charset.Trim('"'));
            }
            catch (Exception exception) when (exception is ArgumentException or NotSupportedException)
            {
                // An unknown charset: read as UTF-8, as JSON is.
            }
        }
        var text = encoding.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        return text.Length > 0 && text[0] == '\uFEFF' ? text.Substring(1) : text;
    }

    private static FlowHttpException TooLarge(string shown, int status, long limit, long? declared)
    {
        var size = declared is { } length ? $"a body of {length.ToString(CultureInfo.InvariantCulture)} bytes (its Content-Length)" : "a body";
        return new($"{shown} answered {status} with {size} larger than the task's limit of {limit.ToString(CultureInfo.InvariantCulture)} bytes "
                   + "(http-max-response, else FlowHttpOptions.MaxResponseBytes); it was not read further", status, code: FlowErrorCodes.HttpResponseTooLarge);
    }

    /// <summary>The URL without its query string and fragment, which may hold secrets: what error messages show.</summary>
    private static string Path(string url)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri)) return uri.GetLeftPart(UriPartial.Path);
        var end = url.IndexOfAny(['?', '#']);
        return end < 0 ? url : url.Substring(0, end);
    }

    private static string Excerpt(string text) => text.Length <= 200 ? text : text.Substring(0, 200) + "...";
}

/// <summary>An HTTP task's request, as its flow file describes it (made by generated code).</summary>
/// <param name="Success">Accepted statuses as codes and ranges ("200-299,404"); null for 200-299.</param>
/// <param name="maxResponseBytes">The task's <c>http-max-response</c> in bytes, or null for <see cref="FlowHttpOptions.MaxResponseBytes"/>.</param>
/// <param name="expectsValue">True when the task's answer goes to the bus (<c>http-output</c>, <c>output</c>): an empty body is then an error.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FlowHttpSpec(string method, FlowHttpTemplate url, FlowHttpHeader[]? headers, FlowHttpTemplate? body, string? success, string? errorMessage, FlowHttpCheck? check = null,
    long? maxResponseBytes = null, bool expectsValue = false)
{
    public FlowHttpCheck? Check { get; } = check;

    public long? MaxResponseBytes { get; } = maxResponseBytes;

    public bool ExpectsValue { get; } = expectsValue;

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
        JsonElement { ValueKind: JsonValueKind.Undefined or JsonValueKind.Null } => "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Json(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal => Text(value),
        JsonElement { ValueKind: JsonValueKind.Undefined } => "null", // a path into an answer that is not there
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(Text(value), FlowJsonStrings.Default.String),
    };
}

/// <summary>
/// An HTTP task's call failed: no connection or no answer in time (<see cref="Status"/> 0), a status that does not
/// count as success, a body that is not JSON or fails the task's check, an empty body where a value was expected, or an
/// answer larger than the limit. The message names the method and the URL without its query string.
/// </summary>
/// <param name="code">The run's error code: <see cref="FlowErrorCodes.TaskFailed"/> unless the failure has its own.</param>
public sealed class FlowHttpException(string message, int status, Exception? inner = null, string? code = null) : Exception(message, inner)
{
    /// <summary>The response's status code, or 0 when there was no answer.</summary>
    public int Status { get; } = status;

    /// <summary>
    /// The code of the error the run ends with: <see cref="FlowErrorCodes.HttpResponseTooLarge"/>,
    /// <see cref="FlowErrorCodes.HttpEmptyResponse"/>, or <see cref="FlowErrorCodes.TaskFailed"/> for the others.
    /// </summary>
    public string Code { get; } = code ?? FlowErrorCodes.TaskFailed;
}

/// <summary>
/// An HTTP task's call was stopped by the task's timeout or the run's cancellation before the service answered. It is
/// an <see cref="OperationCanceledException"/> (so a timeout is still a timeout); the message names the method and the URL
/// without its query string.
/// </summary>
public sealed class FlowHttpCanceledException(string message, Exception inner, CancellationToken token) : OperationCanceledException(message, inner, token);

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class FlowJsonStrings : System.Text.Json.Serialization.JsonSerializerContext;
