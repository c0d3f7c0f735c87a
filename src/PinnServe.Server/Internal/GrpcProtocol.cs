namespace PinnServe.Server.Internal;

/// <summary>Header names and wire constants of gRPC over HTTP/2 (grpc/doc/PROTOCOL-HTTP2.md).</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string ProtoContentType = "application/grpc+proto";
    public const string StatusTrailer = "grpc-status";
    public const string MessageTrailer = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string IdentityEncoding = "identity";
    public const string GzipEncoding = "gzip";
    /// <summary>Request encodings this server decodes (responses are always identity).</summary>
    public const string AcceptedEncodings = "identity,gzip";

    /// <summary>Length-Prefixed-Message header: 1 byte compressed flag + 4 bytes big-endian length.</summary>
    public const int MessageHeaderSize = 5;

    /// <summary>True for application/grpc and application/grpc+proto (parameters after ';' ignored).</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null) return false;
        var mediaType = contentType.AsSpan();
        int semicolon = mediaType.IndexOf(';');
        if (semicolon >= 0) mediaType = mediaType[..semicolon];
        mediaType = mediaType.Trim();
        return mediaType.Equals(ContentType, StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals(ProtoContentType, StringComparison.OrdinalIgnoreCase);
    }
}
