using Microsoft.Extensions.Logging;

namespace PinnServe.Server.Tests;

/// <summary>
/// One in-process server on an ephemeral loopback port, shared by a test class. Its model directory holds
/// "cavity" (with a reference data set and metrics), "cavity_wide" and "broken" (a corrupt file).
/// Limits are small so the size checks are cheap to reach.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const int MaxQueryPoints = 5_000;
    public const int MaxReceiveMessageSize = 1 << 20;

    public string ModelsDirectory { get; } = TestModels.NewTempDirectory("models");
    public PinnServer Server { get; private set; } = null!;
    public string Address => $"127.0.0.1:{Server.Port}";
    public string TlsAddress => $"127.0.0.1:{Server.TlsPort}";
    public string MetricsUrl => $"http://127.0.0.1:{Server.MetricsPort}/metrics";
    /// <summary>Self-signed certificate (PEM, key included) of the TLS endpoint; also the clients' trust root.</summary>
    public string CertificatePath { get; } = Path.Combine(Path.GetTempPath(), $"pinnserve-cert-{Guid.NewGuid():N}.pem");

    public async Task InitializeAsync()
    {
        string cavity = TestModels.ExportCavity(ModelsDirectory, "cavity", seed: 1);
        TestModels.WriteSelfReference(cavity);
        File.WriteAllText(Path.Combine(ModelsDirectory, "cavity.metrics.json"), "{\"rel_l2_v\": 0.045, \"note\": \"not a number\"}");
        TestModels.ExportCavity(ModelsDirectory, "cavity_wide", seed: 2, width: 32);
        File.WriteAllBytes(Path.Combine(ModelsDirectory, "broken.onnx"), "this is not an ONNX file"u8.ToArray());
        Server = await PinnServer.StartAsync(new PinnServerOptions
        {
            ModelsDirectory = ModelsDirectory,
            Address = "127.0.0.1:0",
            TlsAddress = "127.0.0.1:0",
            MetricsAddress = "127.0.0.1:0",
            TlsCertificatePath = TestCertificates.WriteSelfSignedPem(CertificatePath),
            MinimumLogLevel = LogLevel.Warning,
            Limits = new ServerLimits { MaxQueryPoints = MaxQueryPoints, MaxReceiveMessageSize = MaxReceiveMessageSize, DefaultChunkPoints = 4096 },
        });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(ModelsDirectory, recursive: true);
        File.Delete(CertificatePath);
    }
}
