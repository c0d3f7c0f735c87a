using Microsoft.Extensions.Logging;
using PinnServe.Server.Batching;
using PinnServe.Server.Models;

namespace PinnServe.Server;

/// <summary>How a <see cref="PinnServer"/> listens, what it serves and its per-call limits.</summary>
public sealed record PinnServerOptions
{
    /// <summary>Directory of NAME.onnx models (with optional NAME.metrics.json and NAME.DATASET.csv).</summary>
    public string ModelsDirectory { get; init; } = "models";
    /// <summary>Cleartext HTTP/2 (prior knowledge) endpoint, "IP:port"; port 0 picks a free one.</summary>
    public string Address { get; init; } = "127.0.0.1:50051";
    /// <summary>Optional TLS endpoint ("IP:port"); needs <see cref="TlsCertificatePath"/>.</summary>
    public string? TlsAddress { get; init; }
    /// <summary>PKCS#12 (.pfx/.p12) or PEM certificate; a PEM's key comes from <see cref="TlsKeyPath"/> or the same file.</summary>
    public string? TlsCertificatePath { get; init; }
    public string? TlsKeyPath { get; init; }
    public string? TlsPassword { get; init; }
    public ServerLimits Limits { get; init; } = new();
    /// <summary>Quiet period after the last file event before the model directory is rescanned.</summary>
    public TimeSpan ReloadDebounce { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>Rescan period in case file events are lost (network or container file systems).</summary>
    public TimeSpan ReloadPollInterval { get; init; } = TimeSpan.FromSeconds(10);
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;
    /// <summary>An extra log destination besides the console (tests use it to read what was logged).</summary>
    public ILoggerProvider? LoggerProvider { get; init; }
    /// <summary>Backend that opens model files: ONNX Runtime unless replaced (e.g. a GPU backend).</summary>
    public FieldModelLoader? ModelLoader { get; init; }
    /// <summary>Which versions of NAME/VERSION/model.onnx models are served (a model's version_policy file overrides it).</summary>
    public VersionPolicy VersionPolicy { get; init; } = VersionPolicy.LatestOne;
    /// <summary>Merging of small concurrent queries into one ONNX Runtime call (on by default).</summary>
    public BatchingOptions Batching { get; init; } = new();
    /// <summary>Optional HTTP/1.1 endpoint ("IP:port") serving Prometheus text at /metrics; off when null.</summary>
    public string? MetricsAddress { get; init; }
    /// <summary>
    /// Optional HTTP/1.1 endpoint ("IP:port") serving the Open Inference Protocol over REST (/v2/...), with Triton's
    /// binary-tensor, configuration, statistics and repository extensions; off when null.
    /// </summary>
    public string? HttpAddress { get; init; }
    /// <summary>Allow the LoadModel and UnloadModel RPCs (anyone who reaches the port could otherwise unload models).</summary>
    public bool AllowModelControl { get; init; }
}

/// <summary>Per-call limits; exceeding one gives RESOURCE_EXHAUSTED naming the limit.</summary>
public sealed record ServerLimits
{
    /// <summary>Largest request message accepted (Grpc.AspNetCore's MaxReceiveMessageSize: RESOURCE_EXHAUSTED beyond it).</summary>
    public int MaxReceiveMessageSize { get; init; } = 16 * 1024 * 1024;
    /// <summary>Points per unary Query (100,000 × 4 fields ≈ 1.6 MB: under clients' default 4 MiB receive limit).</summary>
    public int MaxQueryPoints { get; init; } = 100_000;
    /// <summary>Points per QueryStream call (lists are also bounded by the message size; grids only by this).</summary>
    public long MaxStreamPoints { get; init; } = 1L << 30;
    public int DefaultChunkPoints { get; init; } = 16_384;
    /// <summary>Points per Open Inference Protocol ModelInfer call, gRPC or REST (2^20: 4 FP64 coordinates are 32 MiB in).</summary>
    public int MaxInferPoints { get; init; } = 1 << 20;
    /// <summary>
    /// Largest ModelInfer request message: <see cref="MaxInferPoints"/> points of up to 4 FP64 coordinates, plus 1 MiB for
    /// the rest of the message, so the documented point limit can always be sent (the other methods keep
    /// <see cref="MaxReceiveMessageSize"/>).
    /// </summary>
    public int MaxInferMessageSize => (int)Math.Min(int.MaxValue, (long)MaxInferPoints * 4 * sizeof(double) + (1 << 20));
    /// <summary>Largest REST request body (JSON tensors take about 20 bytes per value; binary tensors their size).</summary>
    public long MaxRestBodyBytes { get; init; } = 128L * 1024 * 1024;
    /// <summary>Largest values payload per streamed message (keeps chunks below clients' 4 MiB default).</summary>
    public int MaxChunkBytes { get; init; } = 2 * 1024 * 1024;
}
