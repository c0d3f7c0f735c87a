using Grpc.Core;

namespace PinnServe.Client;

/// <summary>
/// Resolves the one way a call past its deadline can surface as something else. Client and server both watch the
/// deadline; when the server's timer wins it resets the HTTP/2 stream, and a client reading a message at that
/// moment fails with "the request was aborted" (Unavailable) before its own timer reports DeadlineExceeded.
/// gRPC calls deadline statuses best effort for this reason; Grpc.Net.Client already maps a CANCEL reset past the
/// deadline, and this maps the read-abort case the same way, keeping the original detail and exception.
/// </summary>
public static class DeadlineRace
{
    /// <summary>
    /// <paramref name="error"/> as DeadlineExceeded when it is Unavailable and <paramref name="utcNow"/> is at or past
    /// <paramref name="deadline"/>; otherwise <paramref name="error"/> itself.
    /// </summary>
    public static RpcException Resolve(RpcException error, DateTime? deadline, DateTime utcNow)
    {
        if (error.StatusCode != StatusCode.Unavailable || deadline is not { } due || utcNow < due) return error;
        var status = new Status(StatusCode.DeadlineExceeded, $"Deadline exceeded ({error.Status.Detail})", error.Status.DebugException);
        return new RpcException(status, error.Trailers);
    }
}
