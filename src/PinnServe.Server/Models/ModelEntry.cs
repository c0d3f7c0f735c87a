using PinnServe.Api.V1;

namespace PinnServe.Server.Models;

/// <summary>
/// A loaded model shared by the calls using it. The registry holds one reference, each in-flight call
/// another. When a reload swaps the model out, the registry drops its reference and the last call to
/// finish disposes the old model, so no call ever sees a disposed model.
/// </summary>
internal sealed class LoadedModel(IFieldModel model, string version)
{
    private int _references = 1;

    public IFieldModel Model { get; } = model;
    /// <summary>Content hash of the file it came from.</summary>
    public string Version { get; } = version;

    /// <summary>Takes a reference for one call; false once retired (the caller re-reads the registry).</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            int current = Volatile.Read(ref _references);
            if (current <= 0) return false;
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current) return true;
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) Model.Dispose();
    }
}

/// <summary>One model file (one version of a model) as the registry last saw it (immutable; replaced as a whole on change).</summary>
internal sealed record ModelEntry
{
    public required string Name { get; init; }
    /// <summary>The repository version: the number of its <c>NAME/VERSION/</c> directory, 1 for a flat <c>NAME.onnx</c>.</summary>
    public long RepositoryVersion { get; init; } = 1;
    public required string FilePath { get; init; }
    public required FileFingerprint Fingerprint { get; init; }
    /// <summary>Null when the file failed to load.</summary>
    public LoadedModel? Loaded { get; init; }
    /// <summary>What clients are told: why loading failed, why a newer file was not picked up, or (on a model's default entry) which versions failed.</summary>
    public string? Error { get; init; }
    /// <summary>This version's own load error (kept while its file is unchanged, so rescans do not reload a broken file).</summary>
    public string? LoadError { get; init; }
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    public IReadOnlyList<string> ReferenceDatasets { get; init; } = [];
    /// <summary>Unloaded on request (Unload); served again after Load.</summary>
    public bool Unloaded { get; init; }
    /// <summary>The version policy that chose this entry (the server's, the model's version_policy file or config.pbtxt).</summary>
    public VersionPolicy Policy { get; init; } = VersionPolicy.LatestOne;
    /// <summary>What the model's config.pbtxt sets, if it has one.</summary>
    public TritonModelConfig? Config { get; init; }

    public ModelStatus Status => Unloaded ? ModelStatus.Unloaded : Loaded is null ? ModelStatus.Failed : ModelStatus.Serving;
}

/// <summary>Size and modification time: enough to notice a replaced file without hashing it on every event.</summary>
internal readonly record struct FileFingerprint(long Length, DateTime LastWriteUtc)
{
    public static FileFingerprint Of(FileInfo file) => new(file.Length, file.LastWriteTimeUtc);
}

/// <summary>A call's hold on a serving model; dispose it when the call is done with the model.</summary>
internal readonly struct ModelLease(ModelEntry entry, LoadedModel loaded) : IDisposable
{
    public ModelEntry Entry { get; } = entry;
    public IFieldModel Model => loaded.Model;
    public string Version => loaded.Version;
    public void Dispose() => loaded.Release();
}
