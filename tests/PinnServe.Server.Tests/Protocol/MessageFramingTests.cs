using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using Grpc.Health.V1;
using PinnServe.Server.Internal;

namespace PinnServe.Server.Tests.Protocol;

/// <summary>Length-prefixed framing, driven with literal bytes.</summary>
public class MessageFramingTests
{
    // HealthCheckRequest { service = "ab" } is 0a 02 61 62: field 1, wire type 2, length 2, "ab".
    private static readonly byte[] CheckAbFrame = [0x00, 0x00, 0x00, 0x00, 0x04, 0x0a, 0x02, 0x61, 0x62];

    [Fact]
    public async Task Reads_a_frame_split_across_arbitrary_data_frames()
    {
        foreach (int split in new[] { 1, 3, 5, 7 })
        {
            var message = await ReadAsync([CheckAbFrame[..split], CheckAbFrame[split..]]);
            Assert.Equal("ab", message.Service);
        }
    }

    [Fact]
    public async Task Reads_an_empty_message()
    {
        var message = await ReadAsync([[0x00, 0x00, 0x00, 0x00, 0x00]]);
        Assert.Equal("", message.Service);
    }

    [Fact]
    public void Writes_the_header_then_the_message() =>
        Assert.Equal(CheckAbFrame, Write(new HealthCheckRequest { Service = "ab" }));

    [Fact]
    public void Writes_an_empty_message_as_a_bare_header() =>
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0 }, Write(new HealthCheckRequest()));

    [Fact]
    public void Length_is_big_endian()
    {
        var frame = Write(new HealthCheckRequest { Service = new string('s', 300) }); // 0a ac 02 + 300 bytes = 303
        Assert.Equal(new byte[] { 0x00, 0x00, 0x00, 0x01, 0x2f }, frame[..5]);
    }

    [Theory]
    [InlineData(new byte[] { 0x01, 0, 0, 0, 0x04, 0x0a, 0x02, 0x61, 0x62 }, 13, "compressed")]
    [InlineData(new byte[] { 0x02, 0, 0, 0, 0x04, 0x0a, 0x02, 0x61, 0x62 }, 13, "compressed flag 2")]
    [InlineData(new byte[] { 0x00, 0, 0, 0, 0x04, 0x0a, 0x02 }, 13, "Incomplete")]
    [InlineData(new byte[] { 0x00, 0, 0 }, 13, "Incomplete")]
    [InlineData(new byte[] { }, 13, "without a message")]
    [InlineData(new byte[] { 0x00, 0, 0, 0, 0x02, 0x0a, 0x05 }, 13, "deserialize")]
    [InlineData(new byte[] { 0x00, 0, 0, 0, 0x00, 0x00 }, 13, "Additional data")]
    [InlineData(new byte[] { 0x00, 0, 0, 0, 0x00, 0x00, 0, 0, 0, 0 }, 13, "Additional data")]
    [InlineData(new byte[] { 0x00, 0x7f, 0xff, 0xff, 0xff }, 8, "larger than max")]
    [InlineData(new byte[] { 0x00, 0, 0, 0x04, 0x01 }, 8, "1025 vs. 1024")]
    public async Task Bad_frames_end_the_call_with_a_status(byte[] bytes, int expected, string messagePart)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAsync([bytes]).AsTask());
        Assert.Equal((StatusCode)expected, error.Status.Code);
        Assert.Contains(messagePart, error.Message);
    }

    [Fact]
    public void Oversized_length_is_rejected_from_the_header_alone()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x00, 0x00, 0x10, 0x00, 0x00 }); // 1 MiB announced, no body yet
        var error = Assert.Throws<RpcException>(() => MessageFraming.TryReadFrame(ref buffer, 1024, gzip: false, out _, out _));
        Assert.Equal(StatusCode.ResourceExhausted, error.Status.Code);
    }

    [Fact]
    public void Waits_for_the_rest_of_a_frame()
    {
        var buffer = new ReadOnlySequence<byte>(CheckAbFrame[..7]);
        Assert.False(MessageFraming.TryReadFrame(ref buffer, 1024, gzip: false, out _, out _));
        Assert.Equal(7, buffer.Length); // nothing consumed
    }

    [Fact]
    public async Task Gzip_messages_are_inflated_when_the_call_declares_gzip()
    {
        byte[] frame = [0x01, .. BigEndianLength(Gzip([0x0a, 0x02, 0x61, 0x62]))];
        var message = await ReadAsync([frame], gzip: true);
        Assert.Equal("ab", message.Service);
        // An uncompressed message is still fine on a gzip call (the flag is per message).
        Assert.Equal("ab", (await ReadAsync([CheckAbFrame], gzip: true)).Service);
    }

    [Fact]
    public async Task Gzip_that_inflates_past_the_limit_is_resource_exhausted()
    {
        byte[] bomb = Gzip([0x0a, 0x82, 0x10, .. new byte[2050]]); // a 2,053-byte message, compressed to a few dozen bytes
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAsync([[0x01, .. BigEndianLength(bomb)]], gzip: true).AsTask());
        Assert.Equal(StatusCode.ResourceExhausted, error.Status.Code);
    }

    [Fact]
    public async Task Corrupt_gzip_is_internal()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAsync([[0x01, 0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef]], gzip: true).AsTask());
        Assert.Equal(StatusCode.Internal, error.Status.Code);
    }

    private static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    private static byte[] BigEndianLength(byte[] payload) =>
        [(byte)(payload.Length >> 24), (byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];

    private static async ValueTask<HealthCheckRequest> ReadAsync(byte[][] dataFrames, bool gzip = false)
    {
        var pipe = new Pipe();
        var reading = MessageFraming.ReadSingleMessageAsync(pipe.Reader, HealthCheckRequest.Parser, 1024, gzip, CancellationToken.None);
        foreach (var frame in dataFrames)
        {
            await pipe.Writer.WriteAsync(frame);
            await Task.Yield();
        }
        await pipe.Writer.CompleteAsync();
        return await reading;
    }

    private static byte[] Write(HealthCheckRequest message)
    {
        var writer = new ArrayBufferWriter<byte>();
        MessageFraming.WriteMessage(writer, message);
        return writer.WrittenSpan.ToArray();
    }
}
