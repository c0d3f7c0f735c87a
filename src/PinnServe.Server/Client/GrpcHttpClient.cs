using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using PinnServe.Server.Internal;

namespace PinnServe.Server.Client;

/// <summary>A call that ended with a non-OK gRPC status.</summary>
public sealed class GrpcCallException(int statusCode, string statusMessage)
    : Exception($"gRPC status {statusCode} ({(StatusCode)statusCode}): {statusMessage}")
{
    public int StatusCode { get; } = statusCode;
    public string StatusMessage { get; } = statusMessage;
}

/// <summary>
/// A minimal gRPC client over <see cref="HttpClient"/>: every request is HTTP/2 exactly, which means prior
/// knowledge (h2c) for http:// and ALPN for https://. Unary and server-streaming calls, deadlines sent as grpc-timeout.
/// </summary>
public sealed class GrpcHttpClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _baseAddress;

    public GrpcHttpClient(string address, HttpMessageHandler? handler = null)
    {
        _baseAddress = new Uri(address.Contains("://") ? address : "http://" + address);
        handler ??= new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            // Start with a window that holds a few streamed chunks instead of waiting for window growth.
            InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task<TResponse> UnaryAsync<TResponse>(string path, IMessage request, MessageParser<TResponse> parser,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default) where TResponse : IMessage<TResponse>
    {
        using var response = await SendAsync(path, request, timeout, HttpCompletionOption.ResponseContentRead, cancellationToken);
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        ThrowIfFailed(response);
        if (body.Length < GrpcProtocol.MessageHeaderSize) throw new GrpcCallException((int)StatusCode.Internal, "The response has no message.");
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1));
        return parser.ParseFrom(body, GrpcProtocol.MessageHeaderSize, length);
    }

    public async IAsyncEnumerable<TResponse> ServerStreamingAsync<TResponse>(string path, IMessage request, MessageParser<TResponse> parser,
        TimeSpan? timeout = null, [EnumeratorCancellation] CancellationToken cancellationToken = default) where TResponse : IMessage<TResponse>
    {
        using var response = await SendAsync(path, request, timeout, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.Headers.Contains(GrpcProtocol.StatusTrailer)) ThrowIfFailed(response); // trailers-only
        // Buffered: the 5-byte message headers would otherwise each cost a read on the HTTP/2 stream.
        await using var body = new BufferedStream(await response.Content.ReadAsStreamAsync(cancellationToken), 256 * 1024);
        var header = new byte[GrpcProtocol.MessageHeaderSize];
        byte[] payload = [];
        while (await ReadFullyAsync(body, header, cancellationToken))
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
            if (payload.Length < length) payload = new byte[length];
            if (!await ReadFullyAsync(body, payload.AsMemory(0, length), cancellationToken))
                throw new GrpcCallException((int)StatusCode.Internal, "The response stream ended inside a message.");
            yield return parser.ParseFrom(payload, 0, length);
        }
        ThrowIfFailed(response);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, IMessage request, TimeSpan? timeout,
        HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var frame = new byte[GrpcProtocol.MessageHeaderSize + request.CalculateSize()];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)(frame.Length - GrpcProtocol.MessageHeaderSize));
        request.WriteTo(frame.AsSpan(GrpcProtocol.MessageHeaderSize));
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseAddress, path))
        {
            Content = new ByteArrayContent(frame),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
        message.Headers.TryAddWithoutValidation("te", "trailers");
        if (timeout is { } t)
            message.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, $"{Math.Max(1, (long)Math.Ceiling(t.TotalMilliseconds))}m");
        var response = await _http.SendAsync(message, completion, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            response.Dispose();
            throw new GrpcCallException((int)StatusCode.Internal, $"HTTP status {(int)response.StatusCode} from the server.");
        }
        return response;
    }

    /// <summary>Reads grpc-status from the trailers, or from the headers of a trailers-only response.</summary>
    private static void ThrowIfFailed(HttpResponseMessage response)
    {
        string? status = Header(response.TrailingHeaders, GrpcProtocol.StatusTrailer) ?? Header(response.Headers, GrpcProtocol.StatusTrailer);
        string message = Header(response.TrailingHeaders, GrpcProtocol.MessageTrailer) ?? Header(response.Headers, GrpcProtocol.MessageTrailer) ?? "";
        if (status is null) throw new GrpcCallException((int)StatusCode.Internal, "The response carries no grpc-status.");
        int code = int.Parse(status, System.Globalization.CultureInfo.InvariantCulture);
        if (code != 0) throw new GrpcCallException(code, StatusMessageEncoding.Decode(message));
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static async ValueTask<bool> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer[read..], cancellationToken);
            if (n == 0)
            {
                if (read == 0) return false;
                throw new GrpcCallException((int)StatusCode.Internal, "The response stream ended inside a message header.");
            }
            read += n;
        }
        return true;
    }

    public void Dispose() => _http.Dispose();
}
