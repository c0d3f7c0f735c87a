using System.Buffers;
using System.IO.Pipelines;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using PinnServe.Server.Metrics;

namespace PinnServe.Server.Internal;

/// <summary>
/// Middleware in front of every gRPC call, for what happens outside the handlers: an unknown method is answered
/// UNIMPLEMENTED naming it; a client that resets its upload gets CANCELLED (not an error-level log); and every call
/// that never reached a handler (unknown method, oversized or unparseable message, reset upload) is still counted in
/// pinnserve_requests_total with the status the client got.
/// </summary>
internal sealed class GrpcCallGate(RequestDelegate next, ServingMetrics metrics)
{
    /// <summary>HttpContext item set by <see cref="MetricsInterceptor"/> once it has counted the call.</summary>
    public const string CountedKey = "pinnserve.counted";
    /// <summary>Method label of calls to methods this server does not have (request text never becomes a label).</summary>
    public const string UnknownMethod = "_unknown";

    public async Task InvokeAsync(HttpContext http)
    {
        if (!IsGrpc(http.Request))
        {
            await next(http);
            return;
        }
        if (http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not { } method)
        {
            WriteStatus(http.Response, StatusCode.Unimplemented,
                $"Method '{RpcErrorsEcho(http.Request.Path.Value ?? "")}' is not served here; server reflection lists the services and methods.");
            metrics.Request(UnknownMethod, "", MetricsInterceptor.StatusName(StatusCode.Unimplemented));
            return;
        }
        if (http.Features.Get<IRequestBodyPipeFeature>() is { } body)
            http.Features.Set<IRequestBodyPipeFeature>(new ResetAwareBody(new ResetAwareReader(body.Reader)));
        await next(http);
        if (!http.Items.ContainsKey(CountedKey)) metrics.Request(method.Method.Name, "", StatusNameOf(http));
    }

    private static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase)
        && !type.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase);

    private static string RpcErrorsEcho(string path) => Services.RpcErrors.Echo(path);

    /// <summary>The status the client got: trailers, or the headers of a trailers-only response; CANCELLED if it went away.</summary>
    private static string StatusNameOf(HttpContext http)
    {
        string? text = http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"].ToString();
        if (string.IsNullOrEmpty(text)) text = http.Response.Headers["grpc-status"].ToString();
        if (int.TryParse(text, out int code) && Enum.IsDefined((StatusCode)code)) return MetricsInterceptor.StatusName((StatusCode)code);
        return MetricsInterceptor.StatusName(http.RequestAborted.IsCancellationRequested ? StatusCode.Cancelled : StatusCode.Unknown);
    }

    /// <summary>A trailers-only gRPC response (HTTP 200, status in the headers), as Grpc.AspNetCore writes one.</summary>
    private static void WriteStatus(HttpResponse response, StatusCode code, string message)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString();
        response.Headers["grpc-message"] = Uri.EscapeDataString(message);
    }

    private sealed class ResetAwareBody(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }

    /// <summary>
    /// The request body, with a reset by the client while it uploads turned into a CANCELLED status. Kestrel reports the
    /// reset as an IOException that can reach Grpc.AspNetCore before the call's cancellation token fires, which then
    /// logs it as a handler error with a stack trace.
    /// </summary>
    internal sealed class ResetAwareReader(PipeReader inner) : PipeReader
    {
        public const string ResetMessage = "The client cancelled the call while sending its request.";

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            try { return await inner.ReadAsync(cancellationToken); }
            catch (Exception e) when (e is IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new RpcException(new Status(StatusCode.Cancelled, ResetMessage));
            }
        }

        public override bool TryRead(out ReadResult result)
        {
            try { return inner.TryRead(out result); }
            catch (IOException) { throw new RpcException(new Status(StatusCode.Cancelled, ResetMessage)); }
        }

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);
        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);
        public override void CancelPendingRead() => inner.CancelPendingRead();
        public override void Complete(Exception? exception = null) => inner.Complete(exception);
        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }
}
