using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using PinnServe.Onnx;
using PinnServe.Server;
using PinnServe.Server.Models;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn serve`: the gRPC inference server over a model directory, until Ctrl-C or SIGTERM.</summary>
internal static class ServeCommand
{
    /// <summary>Intra-op threads per ONNX Runtime session: far above any core count this server is deployed on.</summary>
    private const int MaxThreads = 256;

    public static Command Create()
    {
        var models = new Option<DirectoryInfo>("--models") { Description = "Directory of NAME.onnx models and NAME/VERSION/model.onnx trees (hot-reloaded).", DefaultValueFactory = _ => new DirectoryInfo("models") };
        var address = new Option<string>("--address") { Description = "Cleartext HTTP/2 endpoint IP:port.", DefaultValueFactory = _ => "127.0.0.1:50051" };
        var tlsAddress = new Option<string>("--tls-address") { Description = "TLS endpoint IP:port (default with --tls-cert: 127.0.0.1:50052)." };
        var tlsCert = new Option<FileInfo>("--tls-cert") { Description = "Certificate for the TLS endpoint: .pfx/.p12, or PEM (key in the same file or --tls-key)." };
        var tlsKey = new Option<FileInfo>("--tls-key") { Description = "PEM private key of --tls-cert." };
        var tlsPassword = new Option<string>("--tls-password") { Description = "Password of a .pfx certificate." };
        var maxQueryPoints = new Option<int>("--max-query-points") { Description = "Points allowed per unary Query.", DefaultValueFactory = _ => new ServerLimits().MaxQueryPoints };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads per evaluation, 0 to 256 (0: one per core)." };
        var device = DeviceOption.Create();
        var operations = new ServeOperationOptions();
        var command = new Command("serve", "Serve the models of a directory over gRPC (FieldService, Open Inference Protocol, grpc.health.v1) until Ctrl-C.");
        foreach (var option in new Option[] { models, address, tlsAddress, tlsCert, tlsKey, tlsPassword, maxQueryPoints, threads, device }.Concat(operations.All))
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            var directory = parse.GetValue(models)!;
            if (!directory.Exists) throw new UsageException($"--models: directory '{directory.FullName}' does not exist.");
            var certificate = parse.GetValue(tlsCert);
            if (certificate is { Exists: false }) throw new UsageException($"--tls-cert: '{certificate.FullName}' does not exist.");
            if (parse.GetValue(maxQueryPoints) < 1) throw new UsageException($"--max-query-points must be at least 1, got {parse.GetValue(maxQueryPoints)}.");
            // ONNX Runtime would try to start every thread of every session before the server listens (100,000 never did).
            if (parse.GetValue(threads) is < 0 or > MaxThreads) throw new UsageException($"--threads must be between 0 and {MaxThreads} (0: one per core), got {parse.GetValue(threads)}.");
            string? secureAddress = parse.GetValue(tlsAddress) ?? (certificate is null ? null : "127.0.0.1:50052");
            if (secureAddress is not null && certificate is null) throw new UsageException("--tls-address needs --tls-cert.");
            foreach (var endpoint in new[] { parse.GetValue(address)!, secureAddress })
                if (endpoint is not null) CheckEndpoint(endpoint);
            // Checked before listening: a server whose every model fails to load on a missing GPU library is no server.
            var onnxDevice = DeviceOption.Resolve(parse, device);

            var options = operations.Apply(parse, new PinnServerOptions
            {
                ModelsDirectory = directory.FullName,
                Address = parse.GetValue(address)!,
                TlsAddress = secureAddress,
                TlsCertificatePath = certificate?.FullName,
                TlsKeyPath = parse.GetValue(tlsKey)?.FullName,
                TlsPassword = parse.GetValue(tlsPassword),
                Limits = new ServerLimits { MaxQueryPoints = parse.GetValue(maxQueryPoints) },
                ModelLoader = OnnxBackend.WithOptions(new OnnxModelOptions(onnxDevice, parse.GetValue(threads))),
            });
            var clock = Stopwatch.StartNew();
            var server = Start(options);
            Console.Error.WriteLine($"Serving '{directory.FullName}' on {string.Join(", ", server.Addresses)}. Press Ctrl-C to stop.");
            // The host's console lifetime turns Ctrl-C and SIGTERM into a graceful stop: in-flight calls finish first.
            server.WaitForShutdownAsync().GetAwaiter().GetResult();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            CliOutput.WriteResult(parse, new JsonObject
            {
                ["models_directory"] = directory.FullName,
                ["addresses"] = new JsonArray(server.Addresses.Select(a => (JsonNode)a!).ToArray()),
                ["seconds"] = clock.Elapsed.TotalSeconds,
            });
            return 0;
        });
        return command;
    }

    private static PinnServer Start(PinnServerOptions options)
    {
        try
        {
            return PinnServer.StartAsync(options).GetAwaiter().GetResult();
        }
        catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException or null && e is not FileNotFoundException)
        {
            throw new IOException($"Cannot listen on {options.Address}: {e.Message}", e);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new UsageException($"--tls-cert: cannot load '{options.TlsCertificatePath}': {e.Message}");
        }
    }

    private static void CheckEndpoint(string endpoint)
    {
        try { PinnServer.ParseEndpoint(endpoint); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }
}
