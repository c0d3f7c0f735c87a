using PinnServe.Client;

namespace PinnServe.Client.Tests;

public class ServerTargetTests
{
    [Fact]
    public void One_server_keeps_the_plain_forms()
    {
        var plain = ServerTarget.Parse("127.0.0.1:50051");
        Assert.Equal(TargetKind.Single, plain.Kind);
        Assert.False(plain.Balanced);
        Assert.Equal(new ServerEndpoint("127.0.0.1", 50051), Assert.Single(plain.Endpoints));
        Assert.Equal(new Uri("http://127.0.0.1:50051"), plain.ChannelAddress);

        var tls = ServerTarget.Parse("https://models.example.org:8443/");
        Assert.True(tls.Tls);
        Assert.Equal(new Uri("https://models.example.org:8443"), tls.ChannelAddress);
        Assert.Equal(443, ServerTarget.Parse("https://models.example.org").Endpoints[0].Port);
        Assert.Equal(new ServerEndpoint("::1", 50051), ServerTarget.Parse("[::1]:50051").Endpoints[0]);
        Assert.Equal(new Uri("http://[::1]:50051"), ServerTarget.Parse("http://[::1]:50051").ChannelAddress);
    }

    [Fact]
    public void A_list_is_balanced_over_every_entry_in_order()
    {
        var list = ServerTarget.Parse("127.0.0.1:50051, 127.0.0.1:50052 ,replica-3:50053");
        Assert.Equal(TargetKind.List, list.Kind);
        Assert.True(list.Balanced);
        Assert.Equal(new[] { new ServerEndpoint("127.0.0.1", 50051), new ServerEndpoint("127.0.0.1", 50052), new ServerEndpoint("replica-3", 50053) }, list.Endpoints);
        Assert.Equal("static", list.ChannelAddress.Scheme);
        Assert.True(ServerTarget.Parse("https://a:1,https://b:2").Tls);
    }

    [Fact]
    public void A_dns_name_is_balanced_over_what_it_resolves_to()
    {
        var dns = ServerTarget.Parse("dns:///pinnserve-headless.pinnserve.svc.cluster.local:50051");
        Assert.Equal(TargetKind.Dns, dns.Kind);
        Assert.True(dns.Balanced);
        Assert.Equal(new ServerEndpoint("pinnserve-headless.pinnserve.svc.cluster.local", 50051), dns.Endpoints[0]);
        Assert.Equal(new Uri("dns:///pinnserve-headless.pinnserve.svc.cluster.local:50051"), dns.ChannelAddress);
    }

    [Theory]
    [InlineData("127.0.0.1:99999", "port '99999'")]
    [InlineData("127.0.0.1:0", "port '0'")]
    [InlineData("127.0.0.1:-1", "port '-1'")]
    [InlineData("127.0.0.1:5e4", "port '5e4'")]
    [InlineData("127.0.0.1:", "port ''")]
    [InlineData("http://127.0.0.1:99999", "port '99999'")]
    [InlineData("127.0.0.1:50051,127.0.0.1:70000", "port '70000'")]
    [InlineData("dns:///pinnserve:65536", "port '65536'")]
    [InlineData("127.0.0.1", "has no port")]
    [InlineData("dns:///pinnserve", "has no port")]
    [InlineData("", "empty")]
    [InlineData("a:1,,b:2", "empty entry")]
    [InlineData("http://a:1,https://b:2", "same scheme")]
    [InlineData("a:1,a:1", "twice")]
    [InlineData("ftp://a:1", "http or https")]
    [InlineData("dns://8.8.8.8/pinnserve:50051", "three slashes")]
    [InlineData("::1:50051", "brackets")]
    [InlineData("[::1:50051", "closing ']'")]
    [InlineData("http://a:1/v1", "path")]
    [InlineData("bad host:1", "not a host name")]
    public void Malformed_addresses_are_refused_with_a_format_exception_naming_the_part(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ServerTarget.Parse(text));
        Assert.Contains(expected, error.Message);
        if (expected.StartsWith("port")) Assert.Contains("from 1 to 65535", error.Message);
    }

    [Fact]
    public void The_client_refuses_a_port_out_of_range_as_a_format_exception_before_any_connection()
    {
        // Before: `new Uri("http://127.0.0.1:99999")` threw UriFormatException ("Invalid URI: Invalid port specified.").
        var error = Assert.Throws<FormatException>(() => new PinnClient("127.0.0.1:99999"));
        Assert.IsNotType<UriFormatException>(error);
        Assert.Contains("99999", error.Message);
    }

    [Fact]
    public void Long_values_are_shortened_in_messages()
    {
        var error = Assert.Throws<FormatException>(() => ServerTarget.Parse("127.0.0.1:" + new string('9', 5000)));
        Assert.True(error.Message.Length < 300, error.Message);
    }
}
