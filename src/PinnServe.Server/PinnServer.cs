using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using PinnServe.Server.Batching;
using PinnServe.Server.Inference;
using PinnServe.Server.Internal;
using PinnServe.Server.Metrics;
using PinnServe.Server.Models;
using PinnServe.Server.Services;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace PinnServe.Server;

/// <summary>
/// The PinnServe gRPC server: Grpc.AspNetCore on Kestrel (HTTP/2 only) with pinnserve.v1.FieldService, the Open
/// Inference Protocol (inference.GRPCInferenceService), grpc.health.v1.Health (Grpc.HealthCheck), server
/// reflection, a hot-reloading versioned model registry, dynamic batching, and Prometheus metrics on their own port.
/// </summary>
/// <remarks>
/// Every service is registered in <see cref="AddServices"/> and mapped in <see cref="MapServices"/>; services
/// take the <see cref="ModelRegistry"/>, <see cref="ServerLimits"/> and <see cref="HealthServiceImpl"/> from DI.
/// </remarks>
public sealed class PinnServer : IAsyncDisposable
{
    /// <summary>How long stopping waits for in-flight calls before cutting connections (streams end at once).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private readonly ModelRegistry _registry;
    private readonly HealthServiceImpl _health;
    private readonly ServerShutdown _shutdown;
    private readonly Lock _healthLock = new();
    private readonly Endpoints _endpoints;
    private bool _stopped;

    /// <summary>Kestrel's listen options, which carry the bound port once started (port 0 included).</summary>
    private sealed class Endpoints
    {
        public ListenOptions? Grpc;
        public ListenOptions? Metrics;
        public ListenOptions? Http;
    }

    private PinnServer(WebApplication app, Endpoints endpoints)
    {
        _app = app;
        _endpoints = endpoints;
        _registry = app.Services.GetRequiredService<ModelRegistry>();
        _health = app.Services.GetRequiredService<HealthServiceImpl>();
        _shutdown = app.Services.GetRequiredService<ServerShutdown>();
    }

    /// <summary>Bound endpoints, e.g. "http://127.0.0.1:50051" (the real port when 0 was asked for).</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <summary>Port of the cleartext gRPC endpoint.</summary>
    public int Port => _endpoints.Grpc!.IPEndPoint!.Port;

    /// <summary>Port of the Prometheus /metrics endpoint, if one was configured.</summary>
    public int? MetricsPort => _endpoints.Metrics?.IPEndPoint?.Port;

    /// <summary>Port of the HTTP/REST Open Inference Protocol endpoint, if one was configured.</summary>
    public int? HttpPort => _endpoints.Http?.IPEndPoint?.Port;

    /// <summary>Port of the TLS endpoint, if one was configured.</summary>
    public int? TlsPort => Addresses.FirstOrDefault(a => a.StartsWith("https://", StringComparison.Ordinal)) is { } a ? new Uri(a).Port : null;

    /// <summary>Totals of the dynamic batcher's merged evaluations (for benchmarks and profiling).</summary>
    public BatchStatistics BatchStatistics => _app.Services.GetRequiredService<QueryBatcher>().Statistics;

    /// <summary>Completes when the server is stopped (Ctrl-C / SIGTERM included).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public static async Task<PinnServer> StartAsync(PinnServerOptions options, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        if (options.LoggerProvider is not null) builder.Logging.AddProvider(options.LoggerProvider);
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        // Per-request framework logs would cost more than a one-point query: only warnings, unless debugging.
        builder.Logging.AddFilter("Microsoft", options.MinimumLogLevel <= LogLevel.Debug ? options.MinimumLogLevel : LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", options.MinimumLogLevel <= LogLevel.Debug ? options.MinimumLogLevel : LogLevel.Warning);
        // ASP.NET Core creates a System.Diagnostics.Activity for every request while its hosting logger is enabled at
        // any level; it logs only request start and end there (handler errors are logged under "Grpc").
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", options.MinimumLogLevel <= LogLevel.Debug ? options.MinimumLogLevel : LogLevel.None);
        // A failed start (e.g. port in use) reaches the caller as an exception; the host's own log of it is a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", options.MinimumLogLevel <= LogLevel.Debug ? options.MinimumLogLevel : LogLevel.None);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        var endpoints = new Endpoints();
        builder.WebHost.ConfigureKestrel(kestrel => ConfigureKestrel(kestrel, options, endpoints));
        AddServices(builder.Services, options);

        var app = builder.Build();
        MapServices(app, options, endpoints);
        var server = new PinnServer(app, endpoints);
        try
        {
            var registry = server._registry;
            registry.Rescan();
            registry.Changed += server.PublishFieldServiceHealth;
            registry.StartWatching(options.ReloadPollInterval);
            app.Lifetime.ApplicationStopping.Register(server.BeginShutdown);

            await app.StartAsync(cancellationToken);
            server.Addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToArray();
            server._health.SetStatus("", ServingStatus.Serving);
            server.PublishFieldServiceHealth();
            Log.ServerStarted(server.Logger, string.Join(", ", server.Addresses), registry.ServingCount, registry.Directory);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The server's services and what they share: the one place to add a service.</summary>
    private static void AddServices(IServiceCollection services, PinnServerOptions options)
    {
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.Limits.MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = null; // answers are bounded by the point limits and chunk size
            grpc.EnableDetailedErrors = false; // unexpected exceptions stay in the log
            grpc.Interceptors.Add<MetricsInterceptor>(); // first: outermost, so it counts the status the client gets
            grpc.Interceptors.Add<ShutdownInterceptor>();
        }).AddServiceOptions<InferenceService>(inference =>
            // The documented ModelInfer point limit must fit in one message.
            inference.MaxReceiveMessageSize = Math.Max(options.Limits.MaxReceiveMessageSize, options.Limits.MaxInferMessageSize));
        // Our binder instead of Grpc.AspNetCore's: the same methods, with unparseable requests as INVALID_ARGUMENT.
        var binders = services.Where(d => d.ServiceType == typeof(Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>)
            && d.ImplementationType?.Name.StartsWith("BinderServiceMethodProvider", StringComparison.Ordinal) == true).ToArray();
        foreach (var binder in binders) services.Remove(binder);
        services.AddSingleton(typeof(Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>), typeof(ParsingServiceMethodProvider<>));
        services.AddGrpcReflection();
        services.AddSingleton(options);
        services.AddSingleton(options.Limits);
        services.AddSingleton<ServerShutdown>();
        services.AddSingleton<HealthServiceImpl>();
        services.AddSingleton(provider => new ModelRegistry(options.ModelsDirectory, options.ModelLoader ?? OnnxBackend.Load,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("PinnServe.Server"), options.ReloadDebounce, options.VersionPolicy));
        services.AddSingleton(provider => new ServingMetrics(provider.GetRequiredService<ModelRegistry>()));
        services.AddSingleton(new QueryBatcher(options.Batching));
        services.AddSingleton<FieldEvaluator>();
        services.AddSingleton<InferenceStatistics>();
        services.AddSingleton<OpenInference>();
        services.AddSingleton<Rest.RestProtocol>();
    }

    private static void MapServices(WebApplication app, PinnServerOptions options, Endpoints endpoints)
    {
        if (options.MetricsAddress is not null)
        {
            // Prometheus text on the metrics port only; the gRPC port keeps answering gRPC alone. (Kestrel fills in
            // the listen options, and the bound port, only when it starts: read them per request.)
            var registry = app.Services.GetRequiredService<ServingMetrics>().Registry;
            app.UseWhen(http => endpoints.Metrics?.IPEndPoint?.Port == http.Connection.LocalPort, branch => branch.UseMetricServer("/metrics", registry));
        }
        if (options.HttpAddress is not null)
        {
            // The REST protocol on its own port only (HTTP/1.1, as curl and KServe's clients speak it by default).
            var rest = app.Services.GetRequiredService<Rest.RestProtocol>();
            app.UseWhen(http => endpoints.Http?.IPEndPoint?.Port == http.Connection.LocalPort, branch => branch.Run(rest.HandleAsync));
        }
        app.UseMiddleware<GrpcCallGate>();
        app.MapGrpcService<FieldService>();
        app.MapGrpcService<InferenceService>();
        app.MapGrpcService<HealthServiceImpl>();
        app.MapGrpcReflectionService();
    }

    private ILogger Logger => _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PinnServe.Server");

    private void PublishFieldServiceHealth()
    {
        lock (_healthLock)
        {
            if (_shutdown.IsStopping) return;
            _health.SetStatus(FieldService.ServiceName, _registry.ServingCount > 0 ? ServingStatus.Serving : ServingStatus.NotServing);
        }
    }

    /// <summary>Health turns NOT_SERVING first (watchers hear it), then streaming calls are told to end.</summary>
    private void BeginShutdown()
    {
        lock (_healthLock)
        {
            if (_shutdown.IsStopping) return;
            _health.SetStatus("", ServingStatus.NotServing);
            _health.SetStatus(FieldService.ServiceName, ServingStatus.NotServing);
            _shutdown.Begin();
        }
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, PinnServerOptions options, Endpoints endpoints)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = null; // messages are limited by the gRPC layer, per message
        // A streamed chunk's flush returns once this much is queued, so the next chunk is computed while the
        // previous one drains through HTTP/2 flow control (Kestrel's 64 KiB default serializes the two).
        kestrel.Limits.MaxResponseBufferSize = 2L * options.Limits.MaxChunkBytes;
        kestrel.Listen(ParseEndpoint(options.Address), listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            endpoints.Grpc = listen;
        });
        if (options.MetricsAddress is not null)
            kestrel.Listen(ParseEndpoint(options.MetricsAddress), listen =>
            {
                // Prometheus scrapes over HTTP/1.1; cleartext HTTP/2 would need prior knowledge, which a shared endpoint cannot
                // have (Kestrel warns at start when asked for both).
                listen.Protocols = HttpProtocols.Http1;
                endpoints.Metrics = listen;
            });
        if (options.HttpAddress is not null)
            kestrel.Listen(ParseEndpoint(options.HttpAddress), listen =>
            {
                listen.Protocols = HttpProtocols.Http1; // curl, urllib and KServe's REST clients speak HTTP/1.1
                endpoints.Http = listen;
            });
        if (options.TlsAddress is null) return;
        if (options.TlsCertificatePath is null)
            throw new ArgumentException("A TLS address needs a certificate (--tls-cert).");
        var certificate = LoadCertificate(options);
        kestrel.Listen(ParseEndpoint(options.TlsAddress), listen =>
        {
            listen.Protocols = HttpProtocols.Http2; // negotiated with ALPN "h2"
            listen.UseHttps(certificate);
        });
    }

    /// <summary>"IP:port" (IPv6 as "[::1]:port"); host names are refused so the bound interface is explicit.</summary>
    public static IPEndPoint ParseEndpoint(string address)
    {
        if (IPEndPoint.TryParse(address, out var endpoint) && address.Contains(':') && (address.StartsWith('[') || address.Count(c => c == ':') == 1))
            return endpoint;
        throw new ArgumentException($"Address '{address}' is not of the form IP:port (e.g. 127.0.0.1:50051).");
    }

    private static X509Certificate2 LoadCertificate(PinnServerOptions options)
    {
        string path = options.TlsCertificatePath!;
        if (!File.Exists(path)) throw new FileNotFoundException($"TLS certificate '{path}' does not exist.", path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".pfx" or ".p12")
            return X509CertificateLoader.LoadPkcs12FromFile(path, options.TlsPassword);
        using var pem = X509Certificate2.CreateFromPemFile(path, options.TlsKeyPath ?? path);
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        Log.ServerStopping(Logger);
        BeginShutdown();
        try { await _app.StopAsync(); }
        finally { _registry.Dispose(); }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
