using System.Net;
using System.Net.Http.Headers;

namespace PinnServe.Server.Tests.Functional;

/// <summary>Sends hand-made gRPC requests over HTTP/2 (prior knowledge) to see the exact response shape.</summary>
internal sealed class RawHttp2(string address) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler());

    public async Task<RawResponse> PostAsync(string path, byte[] body, string contentType = "application/grpc",
        IEnumerable<(string Name, string Value)>? headers = null, string method = "POST")
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), $"http://{address}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await _http.SendAsync(request);
        byte[] content = await response.Content.ReadAsByteArrayAsync();
        return new RawResponse((int)response.StatusCode, Flatten(response.Headers, response.Content.Headers), Flatten(response.TrailingHeaders), content);
    }

    private static Dictionary<string, string> Flatten(params HttpHeaders[] groups) =>
        groups.SelectMany(g => g).ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));

    public void Dispose() => _http.Dispose();
}

internal sealed record RawResponse(int HttpStatus, Dictionary<string, string> Headers, Dictionary<string, string> Trailers, byte[] Body)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name);
    public string? Trailer(string name) => Trailers.GetValueOrDefault(name);
}
