using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PinnServe.Server.Internal;

/// <summary>
/// The one request delegate behind every gRPC call. A template method: check the HTTP/2 request once
/// (protocol, verb, content type, encoding, timeout), find the method, run it, then end the call with a
/// status — in trailers, or as a trailers-only response when nothing was sent yet.
/// </summary>
internal sealed class GrpcDispatcher(IEnumerable<ServerMethod> methods, int maxReceiveMessageSize, ILogger logger)
{
    // Timeouts beyond this are treated as "no deadline" (CancelAfter takes at most ~24.8 days).
    private static readonly TimeSpan LongestDeadline = TimeSpan.FromDays(24);

    private readonly Dictionary<string, ServerMethod> _methods = methods.ToDictionary(m => m.Path, StringComparer.Ordinal);

    public IReadOnlyCollection<string> Paths => _methods.Keys;

    public async Task HandleAsync(HttpContext http)
    {
        if (!TryAcceptRequest(http, out var method, out var timeout, out bool gzip)) return;

        using var call = new ServerCall(http, timeout, maxReceiveMessageSize, gzip);
        Status status;
        try
        {
            await method.InvokeAsync(call);
            status = Status.Ok;
        }
        catch (RpcException e)
        {
            status = e.Status;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && call.ClientCancelled)
        {
            // The client reset the stream (or went away): there is nobody left to send a status to.
            Log.CallCancelledByClient(logger, method.Path);
            return;
        }
        catch (OperationCanceledException) when (call.DeadlinePassed)
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.");
        }
        catch (Exception e)
        {
            // Details stay in the log; clients get a fixed message (as grpc-dotnet does).
            Log.HandlerFailed(logger, method.Path, e);
            status = new Status(StatusCode.Unknown, "Exception was thrown by handler.");
        }
        if (status.Code != StatusCode.OK) Log.CallFailed(logger, method.Path, status.Code, status.Message);
        WriteStatus(http.Response, status, call.MessagesWritten);
    }

    /// <summary>Validates the HTTP/2 request; on failure the error response is already written.</summary>
    private bool TryAcceptRequest(HttpContext http, out ServerMethod method, out TimeSpan? timeout, out bool gzip)
    {
        method = null!;
        timeout = null;
        gzip = false;
        var request = http.Request;
        var response = http.Response;
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            WriteHttpError(response, StatusCodes.Status426UpgradeRequired, $"Request protocol '{request.Protocol}' is not supported: gRPC needs HTTP/2.");
            return false;
        }
        if (!HttpMethods.IsPost(request.Method))
        {
            WriteHttpError(response, StatusCodes.Status405MethodNotAllowed, $"Request method '{request.Method}' is not supported: gRPC calls are POST.");
            return false;
        }
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            WriteHttpError(response, StatusCodes.Status415UnsupportedMediaType, $"Content-Type '{request.ContentType}' is not supported.");
            return false;
        }

        // From here on the answer is a gRPC response: 200 with a grpc content type, status in (trailers-only) headers.
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.AcceptedEncodings;

        string path = request.Path.Value ?? "";
        if (!_methods.TryGetValue(path, out method!))
        {
            Log.UnknownMethod(logger, path);
            WriteStatus(response, messagesWritten: false, status: new Status(StatusCode.Unimplemented, $"Method '{path}' is not implemented."));
            return false;
        }
        string? encoding = request.Headers[GrpcProtocol.EncodingHeader];
        gzip = encoding == GrpcProtocol.GzipEncoding;
        if (!string.IsNullOrEmpty(encoding) && encoding != GrpcProtocol.IdentityEncoding && !gzip)
        {
            WriteStatus(response, messagesWritten: false, status: new Status(StatusCode.Unimplemented, $"Message encoding '{encoding}' is not supported (supported: {GrpcProtocol.AcceptedEncodings})."));
            return false;
        }
        string? timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader];
        if (!string.IsNullOrEmpty(timeoutHeader))
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var parsed))
            {
                WriteStatus(response, messagesWritten: false, status: new Status(StatusCode.Internal, $"Malformed grpc-timeout header '{timeoutHeader}'."));
                return false;
            }
            if (parsed < LongestDeadline) timeout = parsed;
        }
        return true;
    }

    /// <summary>
    /// Ends the call: trailers once a message was written (even if still buffered: Kestrel only marks the
    /// response started at the first flush), otherwise a trailers-only response (status in the headers).
    /// </summary>
    internal static void WriteStatus(HttpResponse response, Status status, bool messagesWritten)
    {
        string code = ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? message = string.IsNullOrEmpty(status.Message) ? null : StatusMessageEncoding.Encode(status.Message);
        if (messagesWritten || response.HasStarted)
        {
            response.AppendTrailer(GrpcProtocol.StatusTrailer, code);
            if (message is not null) response.AppendTrailer(GrpcProtocol.MessageTrailer, message);
        }
        else
        {
            response.Headers[GrpcProtocol.StatusTrailer] = code;
            if (message is not null) response.Headers[GrpcProtocol.MessageTrailer] = message;
        }
    }

    /// <summary>A non-gRPC request: an HTTP error status, plus grpc-status for clients that look for one.</summary>
    private static void WriteHttpError(HttpResponse response, int httpStatus, string message)
    {
        response.StatusCode = httpStatus;
        response.Headers[GrpcProtocol.StatusTrailer] = ((int)StatusCode.Internal).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageTrailer] = StatusMessageEncoding.Encode(message);
    }
}
