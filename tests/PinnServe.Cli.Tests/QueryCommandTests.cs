namespace PinnServe.Cli.Tests;

/// <summary>
/// `pinn query` option bounds (issue 32): every numeric option is checked for range and finiteness before any
/// connection, and refused with exit code 2 and a message naming the flag and the allowed range. The address points
/// at a port nothing listens on, so a value that slipped through would end in "Cannot reach the server" (exit 1).
/// </summary>
public class QueryCommandTests
{
    private const string Nowhere = "127.0.0.1:9"; // discard port: nothing listens there

    private static PinnCli.Result Query(params string[] extra) =>
        PinnCli.Run(["query", "burgers-dn", "--address", Nowhere, .. extra]);

    [Theory]
    [InlineData("1e300")]      // was: OverflowException from TimeSpan.FromSeconds (a stack trace)
    [InlineData("1e309")]      // +infinity
    [InlineData("NaN")]
    [InlineData("-1")]
    [InlineData("31536001")]   // a year and a second
    [InlineData("1e-9")]       // below a millisecond, gRPC's deadline resolution
    public void Timeout_out_of_range_exits_2_naming_the_flag_and_the_range(string seconds)
    {
        var result = Query("--grid", "t=0:1:2,x=-1:1:2", "--timeout", seconds);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--timeout must be 0 (no deadline) or from 0.001 to 31536000 seconds", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Theory]
    [InlineData("127.0.0.1:99999", "port '99999'")]   // was: UriFormatException (a stack trace)
    [InlineData("127.0.0.1:0", "port '0'")]
    [InlineData("127.0.0.1:50051,127.0.0.1:65536", "port '65536'")]
    [InlineData("dns:///pinnserve:123456", "port '123456'")]
    [InlineData("127.0.0.1", "has no port")]
    [InlineData("http://127.0.0.1:1,https://127.0.0.1:2", "same scheme")]
    public void Address_out_of_range_or_malformed_exits_2_naming_the_flag(string address, string expected)
    {
        var result = PinnCli.Run("query", "burgers-dn", "--grid", "t=0:1:2,x=-1:1:2", "--address", address);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--address: ", result.Stderr);
        Assert.Contains(expected, result.Stderr);
        if (expected.StartsWith("port")) Assert.Contains("from 1 to 65535", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Theory]
    [InlineData("t=nan:1:3,x=-1:1:3", "finite bounds")]
    [InlineData("t=0:1e309:3,x=-1:1:3", "finite bounds")]
    [InlineData("t=1:0:3,x=-1:1:3", "MIN <= MAX")]
    [InlineData("t=-1.7e308:1.7e308:3,x=-1:1:3", "overflows")]
    [InlineData("t=0:1:4294967295,x=-1:1:4294967295", "more than 9,007,199,254,740,992 points")]
    [InlineData("t=0:1:4294967296,x=-1:1:3", "NAME=MIN:MAX:COUNT")]
    public void Grid_bounds_and_size_are_checked_before_any_connection(string grid, string expected)
    {
        var result = Query("--grid", grid);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--grid", result.Stderr);
        Assert.Contains(expected, result.Stderr);
    }

    [Fact]
    public void In_range_values_get_as_far_as_the_connection()
    {
        // The bounds are inclusive: a year's timeout and a port of 65535 are accepted, and the call then fails to connect.
        var result = PinnCli.Run("query", "burgers-dn", "--grid", "t=0:1:2,x=-1:1:2", "--timeout", "31536000", "--address", "127.0.0.1:9,127.0.0.1:65535");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Cannot reach the server", result.Stderr);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("2147483648")]   // beyond an int: refused by the parser
    [InlineData("1e3")]
    public void Chunk_out_of_range_exits_2_naming_the_flag(string chunk)
    {
        var result = Query("--grid", "t=0:1:2,x=-1:1:2", "--chunk", chunk);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--chunk", result.Stderr);
    }

    [Fact]
    public void Bench_serve_target_takes_replicas_and_refuses_a_bad_port_naming_the_flag()
    {
        var result = PinnCli.Run("bench-serve", Path.Combine(ServeCommandTests.RepositoryRoot(), "models"), "--concurrency", "4", "--target", "127.0.0.1:50081,127.0.0.1:99999");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--target: port '99999'", result.Stderr);
    }
}
