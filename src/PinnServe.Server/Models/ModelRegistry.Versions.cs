using System.Collections.Immutable;

namespace PinnServe.Server.Models;

/// <summary>Which versions of one model serve: the policy, config.pbtxt, loading, and the checks a new version must pass.</summary>
internal sealed partial class ModelRegistry
{
    /// <summary>
    /// The entries of one model. The policy picks the versions; latest:N takes the newest N that load, so a broken newest
    /// version neither hides the older ones nor goes unreported. A new file must keep the signature of what served
    /// before (and of config.pbtxt); if nothing the policy picks can serve, what served before keeps serving.
    /// </summary>
    private (ModelEntry Main, ImmutableArray<ModelEntry> All) BuildModel(string name, List<ModelSource> sources, ImmutableArray<ModelEntry> previous)
    {
        var (policy, config, refusal, note) = ReadSettings(name, sources[0]);
        var servedBefore = previous.Where(e => e.Loaded is not null).ToArray();
        var signature = servedBefore.Length > 0 ? ModelSignature.Of(servedBefore[0].Loaded!.Model) : null;
        var byVersion = sources.ToDictionary(s => s.Version);
        var entries = new List<ModelEntry>();
        if (refusal is null)
        {
            var candidates = policy.LatestCount is null ? policy.Select(byVersion.Keys) : byVersion.Keys.OrderDescending().ToArray();
            foreach (long version in candidates)
            {
                if (policy.LatestCount is { } wanted && entries.Count(e => e.Loaded is not null) >= wanted) break;
                var source = byVersion[version];
                FileFingerprint fingerprint;
                try { fingerprint = FileFingerprint.Of(new FileInfo(source.Path)); }
                catch (IOException) { continue; } // removed while scanning: the next rescan sees the settled state
                var old = previous.FirstOrDefault(e => e.RepositoryVersion == version && e.FilePath == source.Path);
                var entry = old is not null && old.Fingerprint == fingerprint ? old with { Error = old.LoadError } : Load(source, fingerprint, old, signature, config);
                entries.Add(entry with
                {
                    Metrics = ReadMetrics(entry.FilePath, entry.Loaded?.Model.Metadata), ReferenceDatasets = FindDatasets(entry.FilePath),
                    Policy = policy, Config = config,
                });
            }
        }
        if (entries.Count == 0)
        {
            var highest = sources.MaxBy(s => s.Version)!;
            string available = string.Join(", ", sources.Select(s => s.Version).Order());
            entries.Add(new ModelEntry
            {
                Name = name, RepositoryVersion = highest.Version, FilePath = highest.Path, Fingerprint = default, Policy = policy, Config = config,
                Error = refusal ?? $"No version matches the version policy '{policy}' (versions on disk: {available}).",
            });
        }
        // Nothing the policy picked loads: whatever served before keeps serving, with the reason attached.
        bool keptOld = entries.All(e => e.Loaded is null) && servedBefore.Length > 0;
        if (keptOld)
        {
            string reason = string.Join(" ", entries.Select(e => $"Version {e.RepositoryVersion}: {e.Error}"));
            var kept = servedBefore.Select(e => e with { Error = $"Still serving version {e.RepositoryVersion} because no newer pick could be served. {reason}" });
            entries = kept.Concat(entries.Where(e => servedBefore.All(s => s.RepositoryVersion != e.RepositoryVersion))).ToList();
        }
        entries = entries.OrderByDescending(e => e.Loaded is not null).ThenByDescending(e => e.RepositoryVersion).ToList();
        var main = entries[0];
        // The default entry speaks for the model: it names every version that failed, even while others serve.
        var failures = keptOld ? [] : entries.Skip(1).Where(e => e.Error is not null && e.Loaded is null).Select(e => $"Version {e.RepositoryVersion} failed: {e.Error}").ToArray();
        string? error = string.Join(" ", new[] { note, main.Error }.Concat(failures).OfType<string>());
        main = entries[0] = main with { Error = error.Length == 0 ? null : error };
        return (main, entries.OrderByDescending(e => e.RepositoryVersion).ToImmutableArray());
    }

    /// <summary>
    /// The model's policy (config.pbtxt, else its version_policy file, else the server's), its config, why the model is
    /// refused altogether (a config.pbtxt that cannot be honoured), and a note for a malformed version_policy file.
    /// </summary>
    private (VersionPolicy Policy, TritonModelConfig? Config, string? Refusal, string? Note) ReadSettings(string name, ModelSource source)
    {
        var policy = _defaultPolicy;
        string? note = null;
        if (source.PolicyText is { } text)
        {
            try { policy = VersionPolicy.Parse(text); }
            catch (FormatException e) { note = $"{name}/{VersionPolicy.FileName}: {e.Message} Using '{_defaultPolicy}'."; }
        }
        if (source.ConfigText is not { } configText) return (policy, null, null, note);
        try
        {
            var config = TritonModelConfig.Parse(configText, name);
            if (config.Policy is not null && source.PolicyText is not null)
                return (policy, null, $"{name}/{TritonModelConfig.FileName} and {name}/{VersionPolicy.FileName} both set a version policy; keep one.", null);
            return (config.Policy ?? policy, config, null, note);
        }
        catch (FormatException e)
        {
            return (policy, null, $"{name}/{e.Message} The model is not served until the configuration is fixed or removed.", null);
        }
    }

    private ModelEntry Load(ModelSource source, FileFingerprint fingerprint, ModelEntry? old, ModelSignature? signature, TritonModelConfig? config)
    {
        string shown = RelativeName(source.Path);
        try
        {
            string version = HashFile(source.Path);
            var model = _load(source.Path);
            try { Check(model, signature, config); }
            catch
            {
                model.Dispose();
                throw;
            }
            Log.ModelLoaded(_logger, source.Name, shown, version);
            return new ModelEntry { Name = source.Name, RepositoryVersion = source.Version, FilePath = source.Path, Fingerprint = fingerprint, Loaded = new LoadedModel(model, version) };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever the backend throws for a bad file, the server must keep serving the other models.
            // The error reaches clients (ModelInfo.error): name files relative to the models directory.
            string reason = WithoutDirectory(e.Message);
            if (old?.Loaded is not null)
            {
                Log.ModelReloadFailed(_logger, source.Name, old.Loaded.Version, reason);
                string kept = $"The file changed but cannot be served, so version {old.Loaded.Version} is still served: {reason}";
                return old with { Fingerprint = fingerprint, Error = kept, LoadError = kept };
            }
            Log.ModelLoadFailed(_logger, shown, reason);
            return new ModelEntry { Name = source.Name, RepositoryVersion = source.Version, FilePath = source.Path, Fingerprint = fingerprint, Error = reason, LoadError = reason };
        }
    }

    /// <summary>
    /// What a loaded file must pass before it serves: inputs with bounds and outputs, the signature of what served
    /// before and of config.pbtxt, and a two-point evaluation (a fixed batch size or a graph that cannot run fails here,
    /// not on every later query).
    /// </summary>
    private static void Check(IFieldModel model, ModelSignature? signature, TritonModelConfig? config)
    {
        if (model.InputNames.Count == 0 || model.InputBounds.Count != model.InputNames.Count || model.FieldNames.Count == 0)
            throw new InvalidDataException("The model must name at least one input (with bounds) and one output field.");
        if (signature?.Mismatch(model, "the version served before") is { } mismatch)
            throw new InvalidDataException($"Refused: {mismatch}. A new version must keep the inputs and outputs clients use; serve a changed model under a new name.");
        if (config is not null && ModelSignature.ConfigMismatch(model, config) is { } configMismatch)
            throw new InvalidDataException($"Refused: {configMismatch}.");
        int dims = model.InputNames.Count;
        var points = new float[2 * dims];
        for (int d = 0; d < dims; d++)
        {
            var (min, max) = model.InputBounds[d];
            points[d] = points[dims + d] = double.IsFinite(min) && double.IsFinite(max) ? (float)((min + max) / 2) : 0f;
        }
        var values = new float[2 * model.FieldNames.Count];
        try { model.Evaluate(points, 2, model.FieldNames, values); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"Refused: the model cannot evaluate a batch of two points (a fixed batch size?): {e.Message}");
        }
    }
}
