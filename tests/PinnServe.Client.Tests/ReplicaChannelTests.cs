using Grpc.Core;
using Grpc.Net.Client.Configuration;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Client.Tests;

public class ReplicaChannelTests
{
    [Fact]
    public void Replicas_get_round_robin_and_one_server_the_default_balancer()
    {
        var options = new PinnClientOptions();
        var balanced = ReplicaChannel.ServiceConfig(ServerTarget.Parse("a:1,b:2,c:3"), options);
        Assert.IsType<RoundRobinConfig>(Assert.Single(balanced.LoadBalancingConfigs));
        Assert.IsType<RoundRobinConfig>(Assert.Single(ReplicaChannel.ServiceConfig(ServerTarget.Parse("dns:///pinnserve:50051"), options).LoadBalancingConfigs));
        Assert.Empty(ReplicaChannel.ServiceConfig(ServerTarget.Parse("a:1"), options).LoadBalancingConfigs);
    }

    [Fact]
    public void Only_idempotent_calls_are_retried_and_only_on_unavailable()
    {
        var config = ReplicaChannel.ServiceConfig(ServerTarget.Parse("a:1,b:2"), new PinnClientOptions { MaxAttempts = 4 });
        var method = Assert.Single(config.MethodConfigs);
        Assert.Null(method.HedgingPolicy);
        Assert.Equal(4, method.RetryPolicy!.MaxAttempts);
        Assert.Equal(new[] { StatusCode.Unavailable }, method.RetryPolicy.RetryableStatusCodes);
        var names = method.Names.Select(n => (n.Service, n.Method)).ToHashSet();

        // Every FieldService RPC is classified: a new one must be added to the retried list or to this exclusion.
        string[] excluded = ["LoadModel", "UnloadModel"];
        foreach (var rpc in FieldService.Descriptor.Methods)
            Assert.Equal(!excluded.Contains(rpc.Name), names.Contains((FieldService.Descriptor.FullName, rpc.Name)));
        string[] excludedTriton = ["RepositoryModelLoad", "RepositoryModelUnload"];
        foreach (var rpc in Api.Inference.GRPCInferenceService.Descriptor.Methods)
            Assert.Equal(!excludedTriton.Contains(rpc.Name), names.Contains((Api.Inference.GRPCInferenceService.Descriptor.FullName, rpc.Name)));
        Assert.Contains(("grpc.health.v1.Health", "Check"), names);
        Assert.DoesNotContain(("grpc.health.v1.Health", "Watch"), names);
        Assert.DoesNotContain(names, n => n.Service is null || n.Method is null); // never the catch-all default name
    }

    [Fact]
    public void Balancing_needs_a_sockets_handler()
    {
        var error = Assert.Throws<ArgumentException>(() => new PinnClient("a:1,b:2", new PinnClientOptions { Handler = new HttpClientHandler() }));
        Assert.Contains(nameof(SocketsHttpHandler), error.Message);
        using var single = new PinnClient("a:1", new HttpClientHandler()); // one server: any handler, as before
    }

    [Theory]
    [InlineData(nameof(PinnClientOptions.MaxAttempts))]
    [InlineData(nameof(PinnClientOptions.InitialBackoff))]
    [InlineData(nameof(PinnClientOptions.MaxReconnectBackoff))]
    [InlineData(nameof(PinnClientOptions.BackoffMultiplier))]
    [InlineData(nameof(PinnClientOptions.MaxStreamResumes))]
    public void Options_out_of_range_are_refused_naming_them(string name)
    {
        var options = name switch
        {
            nameof(PinnClientOptions.MaxAttempts) => new PinnClientOptions { MaxAttempts = 6 },
            nameof(PinnClientOptions.InitialBackoff) => new PinnClientOptions { InitialBackoff = TimeSpan.Zero },
            nameof(PinnClientOptions.MaxReconnectBackoff) => new PinnClientOptions { MaxReconnectBackoff = TimeSpan.FromDays(2) },
            nameof(PinnClientOptions.BackoffMultiplier) => new PinnClientOptions { BackoffMultiplier = double.NaN },
            _ => new PinnClientOptions { MaxStreamResumes = -1 },
        };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PinnClient("a:1,b:2", options));
        Assert.Equal(name, error.ParamName);
    }
}
