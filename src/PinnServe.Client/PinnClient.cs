using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using PinnServe.Api.V1;

namespace PinnServe.Client;

/// <summary>
/// Typed client of pinnserve.v1.FieldService, grpc.health.v1.Health and the Open Inference Protocol over one
/// Grpc.Net.Client channel (used by `pinn query` and `pinn bench-serve`). The address is one server, a list of
/// replicas or a dns:/// name (<see cref="ServerTarget"/>); replicas are balanced round-robin by grpc-dotnet and the
/// idempotent calls retried on UNAVAILABLE (<see cref="ReplicaChannel"/>), and a QueryStream cut by a lost replica
/// is resumed (<see cref="QueryStreamAsync"/>). Failed calls throw <see cref="RpcException"/> with the server's
/// status; a call that ran past its timeout always reports DeadlineExceeded (<see cref="DeadlineRace"/>).
/// </summary>
public sealed class PinnClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly PinnClientOptions _options;
    private long _streamResumes;

    /// <param name="address">"IP:port" or "host:port" (cleartext HTTP/2), an http:// or https:// URL, a comma-separated
    /// list of those (replicas), or "dns:///name:port". <see cref="FormatException"/> when malformed.</param>
    /// <param name="handler">Optional HTTP handler, e.g. one that trusts a private certificate.</param>
    public PinnClient(string address, HttpMessageHandler? handler = null)
        : this(ServerTarget.Parse(address), new PinnClientOptions { Handler = handler })
    {
    }

    public PinnClient(string address, PinnClientOptions options) : this(ServerTarget.Parse(address), options)
    {
    }

    public PinnClient(ServerTarget target, PinnClientOptions? options = null)
    {
        _options = options ?? new PinnClientOptions();
        _options.Validate();
        Target = target;
        _channel = ReplicaChannel.Create(target, _options);
        Fields = new FieldService.FieldServiceClient(_channel);
        Health = new Health.HealthClient(_channel);
        Inference = new Api.Inference.GRPCInferenceService.GRPCInferenceServiceClient(_channel);
    }

    /// <summary>What the client was pointed at.</summary>
    public ServerTarget Target { get; }

    /// <summary>The channel, e.g. for <see cref="GrpcChannel.State"/>.</summary>
    public GrpcChannel Channel => _channel;

    /// <summary>The generated stubs, for anything the helpers below do not cover (they share the retry policy).</summary>
    public FieldService.FieldServiceClient Fields { get; }
    public Health.HealthClient Health { get; }
    /// <summary>The Open Inference Protocol (KServe v2) stub on the same channel.</summary>
    public Api.Inference.GRPCInferenceService.GRPCInferenceServiceClient Inference { get; }

    /// <summary>QueryStream calls resumed on another replica after a cut (since this client was created).</summary>
    public long StreamResumes => Interlocked.Read(ref _streamResumes);

    public async Task<ListModelsResponse> ListModelsAsync(CancellationToken cancellationToken = default) =>
        await Fields.ListModelsAsync(new ListModelsRequest(), cancellationToken: cancellationToken);

    public async Task<ModelInfo> DescribeModelAsync(string name, CancellationToken cancellationToken = default) =>
        await Fields.DescribeModelAsync(new DescribeModelRequest { Name = name }, cancellationToken: cancellationToken);

    public async Task<QueryResponse> QueryAsync(QueryRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline(timeout);
        try { return await Fields.QueryAsync(request, deadline: deadline, cancellationToken: cancellationToken); }
        catch (RpcException error) { throw DeadlineRace.Resolve(error, deadline, DateTime.UtcNow); }
    }

    /// <summary>
    /// The chunks of a QueryStream, in order, each point exactly once. grpc-dotnet retries the call only until its
    /// first response arrives; after that, a stream cut with UNAVAILABLE (its replica was killed or is shutting down)
    /// is started again on the channel, which picks a live replica, and the points already delivered are skipped
    /// (they are recomputed, not resent: the protocol has no start offset), so the caller sees one seamless stream.
    /// The resumed stream must report the same model version as the first, else the call fails with ABORTED rather
    /// than mix two versions. At most <see cref="PinnClientOptions.MaxStreamResumes"/> resumes, all within the one
    /// deadline given by <paramref name="timeout"/>.
    /// </summary>
    public async IAsyncEnumerable<QueryChunk> QueryStreamAsync(QueryStreamRequest request, TimeSpan? timeout = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var deadline = Deadline(timeout);
        var resume = new StreamResume(request.Model);
        for (int attempt = 0; ; attempt++)
        {
            using var call = Fields.QueryStream(request, deadline: deadline, cancellationToken: cancellationToken);
            resume.StartAttempt();
            bool received = false; // a call that fails before its first chunk was already retried by grpc-dotnet's policy
            while (true)
            {
                // (A yield cannot sit inside try/catch, so each read is wrapped on its own.)
                bool more;
                try { more = await call.ResponseStream.MoveNext(cancellationToken); }
                catch (RpcException error) when (error.StatusCode == StatusCode.Unavailable && received && attempt < _options.MaxStreamResumes
                                                  && !cancellationToken.IsCancellationRequested && (deadline is not { } due || DateTime.UtcNow < due))
                {
                    break; // cut mid-stream: resumed below on a fresh call
                }
                catch (RpcException error) { throw DeadlineRace.Resolve(error, deadline, DateTime.UtcNow); }
                if (!more) yield break;
                received = true;
                if (resume.Accept(call.ResponseStream.Current) is { } chunk) yield return chunk;
            }
            Interlocked.Increment(ref _streamResumes);
        }
    }

    public async Task<ValidateResponse> ValidateAsync(ValidateRequest request, CancellationToken cancellationToken = default) =>
        await Fields.ValidateAsync(request, cancellationToken: cancellationToken);

    public async Task<HealthCheckResponse> CheckHealthAsync(string service = "", CancellationToken cancellationToken = default) =>
        await Health.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: cancellationToken);

    private static DateTime? Deadline(TimeSpan? timeout) => timeout is { } t ? DateTime.UtcNow + t : null;

    public void Dispose() => _channel.Dispose();
}
