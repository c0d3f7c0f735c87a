using PinnServe.Server.Internal;

namespace PinnServe.Server.Tests.Protocol;

public class GrpcTimeoutTests
{
    [Theory]
    [InlineData("1H", 3600_000.0)]
    [InlineData("2M", 120_000.0)]
    [InlineData("3S", 3_000.0)]
    [InlineData("250m", 250.0)]
    [InlineData("1500u", 1.5)]
    [InlineData("2000000n", 2.0)]
    [InlineData("99999999S", 99_999_999_000.0)]
    [InlineData("99999999H", 99_999_999 * 3_600_000.0)]
    public void Parses_every_unit(string header, double milliseconds)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(milliseconds, timeout.TotalMilliseconds, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]           // units are case-sensitive: 's' is not one
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData("123456789S")]    // nine digits: at most eight allowed
    [InlineData(" 1S")]
    public void Rejects_malformed_values(string header) => Assert.False(GrpcTimeout.TryParse(header, out _));
}

public class StatusMessageEncodingTests
{
    [Theory]
    [InlineData("plain text: ok (1/2) [x]", "plain text: ok (1/2) [x]")]
    [InlineData("100%", "100%25")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("ψ", "%CF%88")]
    [InlineData("tab\there", "tab%09here")]
    [InlineData("~", "~")]
    public void Percent_encodes_bytes_outside_space_to_tilde_and_percent(string message, string encoded)
    {
        Assert.Equal(encoded, StatusMessageEncoding.Encode(message));
        Assert.Equal(message, StatusMessageEncoding.Decode(encoded));
    }

    [Theory]
    [InlineData("50%", "50%")]
    [InlineData("%zz", "%zz")]
    [InlineData("%4", "%4")]
    public void Decoding_keeps_broken_escapes(string encoded, string decoded) =>
        Assert.Equal(decoded, StatusMessageEncoding.Decode(encoded));
}

public class ContentTypeTests
{
    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("Application/GRPC", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc+json", false)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Accepts_only_grpc_protobuf(string? contentType, bool accepted) =>
        Assert.Equal(accepted, GrpcProtocol.IsGrpcContentType(contentType));
}
