using Microsoft.Extensions.Logging;

namespace PinnServe.Server;

/// <summary>Every log message of the server, in one place (source-generated, no allocation when disabled).</summary>
internal static partial class Log
{
    [LoggerMessage(10, LogLevel.Information, "Model '{Name}' loaded from '{File}' (version {Version}).")]
    public static partial void ModelLoaded(ILogger logger, string name, string file, string version);

    [LoggerMessage(11, LogLevel.Error, "Model file '{File}' could not be loaded: {Reason}")]
    public static partial void ModelLoadFailed(ILogger logger, string file, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Model '{Name}' changed on disk but the new file failed to load; still serving version {Version}: {Reason}")]
    public static partial void ModelReloadFailed(ILogger logger, string name, string version, string reason);

    [LoggerMessage(13, LogLevel.Information, "Model '{Name}' removed (its file is gone).")]
    public static partial void ModelRemoved(ILogger logger, string name);

    [LoggerMessage(14, LogLevel.Warning, "Ignoring '{File}': '{Name}' is not a valid model name (letters, digits, '.', '_', '-').")]
    public static partial void InvalidModelName(ILogger logger, string file, string name);

    [LoggerMessage(17, LogLevel.Warning, "Ignoring '{File}': model '{Name}' has a versioned directory, which is served instead.")]
    public static partial void FlatFileShadowed(ILogger logger, string file, string name);

    [LoggerMessage(18, LogLevel.Information, "Model '{Name}' unloaded on request; it stays unloaded until loaded again.")]
    public static partial void ModelUnloaded(ILogger logger, string name);

    [LoggerMessage(15, LogLevel.Error, "Rescanning the model directory '{Directory}' failed.")]
    public static partial void RescanFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(16, LogLevel.Warning, "Watching '{Directory}' for changes failed; hot reload may miss changes until the next event.")]
    public static partial void WatcherFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(20, LogLevel.Information, "PinnServe gRPC server listening on {Addresses}, serving {Count} model(s) from '{Directory}'.")]
    public static partial void ServerStarted(ILogger logger, string addresses, int count, string directory);

    [LoggerMessage(21, LogLevel.Information, "PinnServe gRPC server stopping.")]
    public static partial void ServerStopping(ILogger logger);

    [LoggerMessage(30, LogLevel.Error, "REST request '{Path}' failed.")]
    public static partial void RestHandlerFailed(ILogger logger, string path, Exception exception);
}
