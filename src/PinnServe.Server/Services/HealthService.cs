using System.Threading.Channels;
using Grpc.Health.V1;
using PinnServe.Server.Internal;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace PinnServe.Server.Services;

/// <summary>
/// grpc.health.v1.Health. Known services: "" (the server as a whole) and pinnserve.v1.FieldService, which is
/// SERVING while at least one model is. Check answers NOT_FOUND for other names; Watch answers
/// SERVICE_UNKNOWN and keeps watching, as the health-checking protocol says.
/// </summary>
internal sealed class HealthService(HealthStatusBoard board)
{
    public const string ServiceName = "grpc.health.v1.Health";

    public IEnumerable<ServerMethod> Methods() =>
    [
        new UnaryMethod<HealthCheckRequest, HealthCheckResponse>($"/{ServiceName}/Check", HealthCheckRequest.Parser, Check),
        new ServerStreamingMethod<HealthCheckRequest, HealthCheckResponse>($"/{ServiceName}/Watch", HealthCheckRequest.Parser, Watch),
    ];

    private ValueTask<HealthCheckResponse> Check(HealthCheckRequest request, ServerCall call) =>
        board.TryGet(request.Service, out var status)
            ? ValueTask.FromResult(new HealthCheckResponse { Status = status })
            : throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");

    private async Task Watch(HealthCheckRequest request, ResponseStream<HealthCheckResponse> stream, ServerCall call)
    {
        using var subscription = board.Subscribe(request.Service);
        ServingStatus? sent = null;
        // Ends when the client cancels (or its deadline passes) or the server shuts down (channel completed).
        await foreach (var status in subscription.Updates.ReadAllAsync(call.CancellationToken))
        {
            if (status == sent) continue;
            await stream.WriteAsync(new HealthCheckResponse { Status = status });
            sent = status;
        }
    }
}

/// <summary>Current serving status per service name, with change notification for Watch.</summary>
internal sealed class HealthStatusBoard
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal);
    private readonly List<Subscription> _subscriptions = [];
    private bool _shutDown;

    public bool TryGet(string service, out ServingStatus status)
    {
        lock (_lock) return _statuses.TryGetValue(service, out status);
    }

    public void Set(string service, ServingStatus status)
    {
        lock (_lock)
        {
            if (_shutDown) return;
            _statuses[service] = status;
            foreach (var s in _subscriptions) if (s.Service == service) s.Publish(status);
        }
    }

    /// <summary>Marks everything NOT_SERVING, tells the watchers, then ends their streams.</summary>
    public void ShutDown()
    {
        lock (_lock)
        {
            foreach (var service in _statuses.Keys.ToArray()) _statuses[service] = ServingStatus.NotServing;
            foreach (var s in _subscriptions) { s.Publish(ServingStatus.NotServing); s.Complete(); }
            _shutDown = true;
        }
    }

    public Subscription Subscribe(string service)
    {
        var subscription = new Subscription(this, service);
        lock (_lock)
        {
            subscription.Publish(_statuses.TryGetValue(service, out var status) ? status : ServingStatus.ServiceUnknown);
            if (_shutDown) subscription.Complete();
            else _subscriptions.Add(subscription);
        }
        return subscription;
    }

    private void Remove(Subscription subscription)
    {
        lock (_lock) _subscriptions.Remove(subscription);
    }

    /// <summary>One watcher's queue. Only the latest statuses matter, so a slow watcher drops old ones.</summary>
    internal sealed class Subscription(HealthStatusBoard board, string service) : IDisposable
    {
        private readonly Channel<ServingStatus> _updates = Channel.CreateBounded<ServingStatus>(
            new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        public string Service { get; } = service;
        public ChannelReader<ServingStatus> Updates => _updates.Reader;
        public void Publish(ServingStatus status) => _updates.Writer.TryWrite(status);
        public void Complete() => _updates.Writer.TryComplete();
        public void Dispose() => board.Remove(this);
    }
}
