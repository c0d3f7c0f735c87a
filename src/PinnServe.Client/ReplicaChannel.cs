using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using PinnServe.Api.V1;

namespace PinnServe.Client;

/// <summary>
/// Builds the Grpc.Net.Client channel for a <see cref="ServerTarget"/> with grpc-dotnet's own machinery only: a
/// StaticResolverFactory (a list) or DnsResolverFactory (dns:///) feeding the round_robin balancer, and a service
/// config whose RetryPolicy retries the idempotent RPCs on UNAVAILABLE. One server gets the same retry policy
/// (grpc-dotnet's default pick_first balancer over its one address).
/// </summary>
public static class ReplicaChannel
{
    /// <summary>Largest request a retried call may buffer: the server's 16 MiB request limit plus framing.</summary>
    public const long MaxRetryBufferPerCall = 17L << 20;

    /// <summary>
    /// The calls retried on UNAVAILABLE: pure reads and evaluations, safe to run twice or on another replica.
    /// Not LoadModel/UnloadModel nor Triton's RepositoryModelLoad/Unload (they change the one replica they reach) and not Health.Watch (a watch is of one
    /// server; a balanced watcher should watch every replica itself).
    /// </summary>
    public static IReadOnlyList<(string Service, string Method)> IdempotentMethods { get; } =
    [
        (FieldService.Descriptor.FullName, "ListModels"),
        (FieldService.Descriptor.FullName, "DescribeModel"),
        (FieldService.Descriptor.FullName, "Query"),
        (FieldService.Descriptor.FullName, "QueryStream"),
        (FieldService.Descriptor.FullName, "Validate"),
        (Grpc.Health.V1.Health.Descriptor.FullName, "Check"),
        (Api.Inference.GRPCInferenceService.Descriptor.FullName, "ServerLive"),
        (Api.Inference.GRPCInferenceService.Descriptor.FullName, "ServerReady"),
        (Api.Inference.GRPCInferenceService.Descriptor.FullName, "ModelReady"),
        (Api.Inference.GRPCInferenceService.Descriptor.FullName, "ServerMetadata"),
        (Api.Inference.GRPCInferenceService.Descriptor.FullName, "ModelMetadata"),
        (Api.Inference.GRPCInferenceService.Descriptor.FullName, "ModelInfer"),
        (Api.Inference.GRPCInferenceService.Descriptor.FullName, "ModelConfig"),
        (Api.Inference.GRPCInferenceService.Descriptor.FullName, "ModelStatistics"),
        (Api.Inference.GRPCInferenceService.Descriptor.FullName, "RepositoryIndex"),
    ];

    /// <summary>The service config: round_robin when several servers can answer, the retry policy on <see cref="IdempotentMethods"/>.</summary>
    public static ServiceConfig ServiceConfig(ServerTarget target, PinnClientOptions options)
    {
        var retried = new MethodConfig
        {
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = options.MaxAttempts,
                InitialBackoff = options.InitialBackoff,
                MaxBackoff = options.MaxBackoff,
                BackoffMultiplier = options.BackoffMultiplier,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };
        foreach (var (service, method) in IdempotentMethods) retried.Names.Add(new MethodName { Service = service, Method = method });
        var config = new ServiceConfig { MethodConfigs = { retried } };
        if (target.Balanced) config.LoadBalancingConfigs.Add(new RoundRobinConfig());
        return config;
    }

    public static GrpcChannel Create(ServerTarget target, PinnClientOptions options)
    {
        var handler = options.Handler ?? new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            // Start with a window that holds a few streamed chunks instead of waiting for window growth.
            InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
            // A replica whose host vanishes without closing its connections (power loss, a partition) is noticed by
            // unanswered HTTP/2 pings instead of never; one that does not accept connections, by the connect timeout.
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (target.Balanced && handler is not SocketsHttpHandler)
            throw new ArgumentException($"Balancing over several servers needs a {nameof(SocketsHttpHandler)} (grpc-dotnet opens one connection per replica through it); got {handler.GetType().Name}.", nameof(options));
        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = options.Handler is null,
            // Streamed chunks are capped at 2 MiB of values by the server; leave room for the largest unary answers.
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            ServiceConfig = ServiceConfig(target, options),
            MaxRetryAttempts = options.MaxAttempts,
            // grpc-dotnet commits (stops being able to retry) a call whose request is larger than its per-call buffer
            // (default 1 MiB); a Query of 100,000 3-D points is 1.2 MB. The channel-wide cap bounds the memory held.
            MaxRetryBufferPerCallSize = MaxRetryBufferPerCall,
            MaxRetryBufferSize = 8 * MaxRetryBufferPerCall,
            MaxReconnectBackoff = options.MaxReconnectBackoff,
        };
        switch (target.Kind)
        {
            case TargetKind.List:
                var addresses = target.Endpoints.Select(e => new BalancerAddress(e.Host, e.Port)).ToArray();
                channelOptions.ServiceProvider = new Resolvers(new StaticResolverFactory(_ => addresses));
                channelOptions.Credentials = target.Tls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
                break;
            case TargetKind.Dns:
                channelOptions.ServiceProvider = new Resolvers(new DnsResolverFactory(options.DnsRefreshInterval));
                channelOptions.Credentials = ChannelCredentials.Insecure;
                break;
        }
        return GrpcChannel.ForAddress(target.ChannelAddress, channelOptions);
    }

    /// <summary>The one service grpc-dotnet looks up for a non-HTTP address scheme: its resolver factories.</summary>
    private sealed class Resolvers(ResolverFactory factory) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(IEnumerable<ResolverFactory>) ? new[] { factory } : null;
    }
}
