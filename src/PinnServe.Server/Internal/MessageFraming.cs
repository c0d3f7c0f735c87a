using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;

namespace PinnServe.Server.Internal;

/// <summary>
/// Length-Prefixed-Message framing: [compressed flag: 1 byte][length: uint32 big-endian][message].
/// DATA frame boundaries carry no meaning, so messages are assembled from whatever the pipe holds.
/// </summary>
internal static class MessageFraming
{
    /// <summary>
    /// Reads the one request message of a unary or server-streaming call and requires the request stream to
    /// end right after it. Protocol violations become INTERNAL; a message over the limit RESOURCE_EXHAUSTED.
    /// With <paramref name="gzip"/> (the call's grpc-encoding), messages flagged compressed are gunzipped.
    /// </summary>
    public static async ValueTask<T> ReadSingleMessageAsync<T>(
        PipeReader reader, MessageParser<T> parser, int maxMessageSize, bool gzip, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        T? message = default;
        bool haveMessage = false;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            try
            {
                if (!haveMessage && TryReadFrame(ref buffer, maxMessageSize, gzip, out var payload, out bool compressed))
                {
                    message = Parse(parser, compressed ? Gunzip(payload, maxMessageSize) : payload);
                    haveMessage = true;
                }
                if (haveMessage && !buffer.IsEmpty)
                    throw new RpcException(StatusCode.Internal, "Additional data after the single request message.");
                if (result.IsCompleted || result.IsCanceled)
                {
                    if (haveMessage) return message!;
                    throw new RpcException(StatusCode.Internal, buffer.IsEmpty
                        ? "The request ended without a message."
                        : $"Incomplete request message: the stream ended after {buffer.Length} byte(s).");
                }
            }
            finally
            {
                // Consume what was parsed; mark everything as examined so ReadAsync waits for more bytes.
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    /// <summary>
    /// Takes one complete frame off the front of <paramref name="buffer"/>. Returns false when more bytes are
    /// needed. The header is checked as soon as its 5 bytes are in, before waiting for an oversized body.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxMessageSize, bool gzip,
        out ReadOnlySequence<byte> payload, out bool compressed)
    {
        payload = default;
        compressed = false;
        if (buffer.Length < GrpcProtocol.MessageHeaderSize) return false;
        Span<byte> header = stackalloc byte[GrpcProtocol.MessageHeaderSize];
        buffer.Slice(0, GrpcProtocol.MessageHeaderSize).CopyTo(header);
        switch (header[0])
        {
            case 0: break;
            case 1 when gzip: compressed = true; break;
            case 1:
                // The flag may only be set when grpc-encoding names a compression (PROTOCOL-HTTP2).
                throw new RpcException(StatusCode.Internal, "Received a compressed message, but the request declares no grpc-encoding.");
            default:
                throw new RpcException(StatusCode.Internal, $"Invalid compressed flag {header[0]} in the message header (expected 0 or 1).");
        }
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageSize)
            throw new RpcException(StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {maxMessageSize} bytes).");
        if (buffer.Length < GrpcProtocol.MessageHeaderSize + length) return false;
        payload = buffer.Slice(GrpcProtocol.MessageHeaderSize, length);
        buffer = buffer.Slice(GrpcProtocol.MessageHeaderSize + length);
        return true;
    }

    /// <summary>Writes one uncompressed frame into <paramref name="writer"/> without flushing.</summary>
    public static void WriteMessage(IBufferWriter<byte> writer, IMessage message)
    {
        int size = message.CalculateSize();
        var header = writer.GetSpan(GrpcProtocol.MessageHeaderSize);
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)size);
        writer.Advance(GrpcProtocol.MessageHeaderSize);
        if (size > 0) message.WriteTo(writer);
    }

    /// <summary>Decompresses a gzip message, refusing to inflate past the size limit (a "zip bomb").</summary>
    private static ReadOnlySequence<byte> Gunzip(ReadOnlySequence<byte> payload, int maxMessageSize)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(payload.ToArray()), CompressionMode.Decompress);
            var output = new MemoryStream();
            var block = new byte[81920];
            for (int n; (n = gzip.Read(block)) > 0;)
            {
                if (output.Length + n > maxMessageSize)
                    throw new RpcException(StatusCode.ResourceExhausted, $"Received message larger than max after decompression (over {maxMessageSize} bytes).");
                output.Write(block, 0, n);
            }
            return new ReadOnlySequence<byte>(output.GetBuffer(), 0, (int)output.Length);
        }
        catch (InvalidDataException e)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to decompress the request message: {e.Message}");
        }
    }

    private static T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to deserialize the request message: {e.Message}");
        }
    }
}
