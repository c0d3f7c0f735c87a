namespace PinnServe.Server.Internal;

/// <summary>The gRPC status codes (grpc/doc/statuscodes.md), with their wire values.</summary>
internal enum StatusCode
{
    OK = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

/// <summary>A call's final status: code plus an optional human-readable message.</summary>
internal readonly record struct Status(StatusCode Code, string? Message = null)
{
    public static readonly Status Ok = new(StatusCode.OK);
}

/// <summary>Thrown by services and the protocol layer to end a call with a non-OK status.</summary>
internal sealed class RpcException(StatusCode code, string message) : Exception(message)
{
    public Status Status { get; } = new(code, message);
}
