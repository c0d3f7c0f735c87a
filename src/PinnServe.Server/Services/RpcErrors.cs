using Grpc.Core;

namespace PinnServe.Server.Services;

/// <summary>Non-OK statuses of the services, and the one rule for echoing client input in them.</summary>
internal static class RpcErrors
{
    /// <summary>
    /// Longest client-supplied value echoed in a status message. Status messages travel as the grpc-message
    /// trailer, and clients limit metadata (grpc-core: 8 KiB by default), so a huge model name must not come back whole.
    /// </summary>
    public const int MaxEchoedLength = 64;

    public static RpcException Error(StatusCode code, string message) => new(new Status(code, message));

    /// <summary>A client-supplied value as it appears in messages: truncated with its full length noted.</summary>
    public static string Echo(string value) =>
        value.Length <= MaxEchoedLength ? value : $"{value[..MaxEchoedLength]}… ({value.Length} characters)";
}
