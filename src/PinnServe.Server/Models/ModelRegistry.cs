using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace PinnServe.Server.Models;

/// <summary>
/// The models of one directory, in two layouts (see <see cref="ModelSources"/>): flat <c>NAME.onnx</c> files with
/// their sidecars <c>NAME.metrics.json</c> and <c>NAME.DATASET.csv</c>, and versioned <c>NAME/VERSION/model.onnx</c>
/// trees (sidecars <c>model.metrics.json</c>, <c>model.DATASET.csv</c> beside each file) served by a
/// <see cref="VersionPolicy"/>. Changes on disk are picked up by a debounced rescan that builds a new immutable
/// table and swaps it in atomically; calls already holding a model finish on it. Models can also be unloaded and
/// loaded explicitly.
/// </summary>
/// <remarks>
/// Names in requests are only ever looked up in that table, never turned into paths, so they cannot reach
/// outside the directory. A file that fails to load is listed as failed and skipped. If a serving model's
/// file is replaced by one that fails to load, or its newest version fails, the old version keeps serving and
/// the entry carries the error.
/// </remarks>
internal sealed partial class ModelRegistry : IDisposable
{
    public const string ModelExtension = ".onnx";
    private const string MetricsSuffix = ".metrics.json";
    private const string MetricMetadataPrefix = "metric.";

    private readonly FieldModelLoader _load;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly VersionPolicy _defaultPolicy;
    private readonly Lock _rescanLock = new();
    private readonly HashSet<string> _unloaded = new(StringComparer.Ordinal);
    private Table _table = Table.Empty;
    private FileSystemWatcher? _watcher;
    private Timer? _debounceTimer;
    private Timer? _pollTimer;
    private bool _disposed;

    /// <summary>Per model: its default entry (highest serving version, else why none serves) and every version entry, highest first.</summary>
    private sealed record Table(ImmutableSortedDictionary<string, ModelEntry> Defaults, ImmutableSortedDictionary<string, ImmutableArray<ModelEntry>> Versions)
    {
        public static Table Empty { get; } = new(
            ImmutableSortedDictionary.Create<string, ModelEntry>(StringComparer.Ordinal),
            ImmutableSortedDictionary.Create<string, ImmutableArray<ModelEntry>>(StringComparer.Ordinal));

        public IEnumerable<LoadedModel> LoadedModels() =>
            Versions.Values.SelectMany(v => v).Concat(Defaults.Values).Select(e => e.Loaded).OfType<LoadedModel>().Distinct();
    }

    public ModelRegistry(string directory, FieldModelLoader load, ILogger logger, TimeSpan debounce, VersionPolicy? defaultPolicy = null)
    {
        Directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(Directory))
            throw new DirectoryNotFoundException($"Model directory '{Directory}' does not exist.");
        _load = load;
        _logger = logger;
        _debounce = debounce;
        _defaultPolicy = defaultPolicy ?? VersionPolicy.LatestOne;
    }

    public string Directory { get; }

    /// <summary>Raised after every rescan (models added, replaced, removed, failed, loaded or unloaded).</summary>
    public event Action? Changed;

    /// <summary>One entry per model: the version a request without a version gets.</summary>
    public IReadOnlyCollection<ModelEntry> Entries => Volatile.Read(ref _table).Defaults.Values.ToArray();

    public int ServingCount => Volatile.Read(ref _table).Defaults.Values.Count(e => e.Loaded is not null);

    /// <summary>Open ONNX Runtime sessions (every served version of every model).</summary>
    public int LoadedCount => Volatile.Read(ref _table).LoadedModels().Count();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex ModelNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex DatasetNamePattern();

    public static bool IsValidModelName(string name) => ModelNamePattern().IsMatch(name) && !name.Contains("..");

    public bool TryGetEntry(string name, out ModelEntry entry) => Volatile.Read(ref _table).Defaults.TryGetValue(name, out entry!);

    /// <summary>Every version entry of a model, highest first; empty for an unknown name.</summary>
    public IReadOnlyList<ModelEntry> Versions(string name) =>
        Volatile.Read(ref _table).Versions.TryGetValue(name, out var versions) ? versions : [];

    /// <summary>Takes the default version of a model for one call; see the overload with a version.</summary>
    public bool TryAcquire(string name, out ModelLease lease, out ModelEntry? entry) => TryAcquire(name, null, out lease, out entry);

    /// <summary>
    /// Takes a serving model (the default version, or <paramref name="version"/>) for one call. False with
    /// <paramref name="entry"/> null: no such model or version; false with an entry: it is not serving. A model
    /// retired between lookup and acquire means a newer table is already published, so the lookup is repeated.
    /// </summary>
    public bool TryAcquire(string name, long? version, out ModelLease lease, out ModelEntry? entry)
    {
        lease = default;
        while (true)
        {
            var table = Volatile.Read(ref _table);
            entry = null;
            if (version is null) table.Defaults.TryGetValue(name, out entry);
            else if (table.Versions.TryGetValue(name, out var versions)) entry = versions.FirstOrDefault(e => e.RepositoryVersion == version);
            if (entry?.Loaded is null) return false;
            if (entry.Loaded.TryAcquire())
            {
                lease = new ModelLease(entry, entry.Loaded);
                return true;
            }
        }
    }

    /// <summary>Path of a reference data set shipped with a model, or null when the model has no such set.</summary>
    public string? ReferenceDatasetPath(ModelEntry entry, string dataset)
    {
        if (!DatasetNamePattern().IsMatch(dataset) || !entry.ReferenceDatasets.Contains(dataset)) return null;
        string folder = Path.GetDirectoryName(entry.FilePath)!;
        string path = Path.GetFullPath(Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(entry.FilePath)}.{dataset}.csv"));
        return Path.GetDirectoryName(path) == folder ? path : null;
    }

    /// <summary>Starts hot reload: file events (debounced) plus a slow poll in case events are lost.</summary>
    public void StartWatching(TimeSpan pollInterval)
    {
        _debounceTimer = new Timer(_ => RescanSafely());
        _pollTimer = new Timer(_ => RescanSafely(), null, pollInterval, pollInterval);
        _watcher = new FileSystemWatcher(Directory)
        {
            IncludeSubdirectories = true, // NAME/VERSION/model.onnx
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Created += (_, _) => ScheduleRescan();
        _watcher.Changed += (_, _) => ScheduleRescan();
        _watcher.Deleted += (_, _) => ScheduleRescan();
        _watcher.Renamed += (_, _) => ScheduleRescan();
        _watcher.Error += (_, e) => { Log.WatcherFailed(_logger, Directory, e.GetException()); ScheduleRescan(); };
        _watcher.EnableRaisingEvents = true;
    }

    // Every event restarts the timer, so a burst of writes causes one rescan after it settles.
    private void ScheduleRescan() => _debounceTimer?.Change(_debounce, Timeout.InfiniteTimeSpan);

    private void RescanSafely()
    {
        try { Rescan(); }
        catch (Exception e) { Log.RescanFailed(_logger, Directory, e); }
    }

    /// <summary>Reads the directory and publishes a new table; unchanged files keep their loaded model.</summary>
    public void Rescan()
    {
        lock (_rescanLock)
        {
            if (_disposed) return;
            RescanLocked();
        }
        Changed?.Invoke();
    }

    /// <summary>
    /// Serves a model again after <see cref="Unload"/>, and (re)loads whatever changed in its files now rather than
    /// at the next rescan. Returns its entry (with the error when no version could be loaded; an old version that
    /// was serving keeps serving), or null when the directory has no model of that name.
    /// </summary>
    public ModelEntry? Load(string name)
    {
        ModelEntry? entry;
        lock (_rescanLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _unloaded.Remove(name);
            RescanLocked();
            entry = Volatile.Read(ref _table).Defaults.GetValueOrDefault(name);
        }
        Changed?.Invoke();
        return entry;
    }

    /// <summary>
    /// Stops serving every version of a model until <see cref="Load(string)"/>; file changes do not bring it back. Calls in
    /// flight finish on it. False when the directory has no model of that name.
    /// </summary>
    public bool Unload(string name)
    {
        lock (_rescanLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!Volatile.Read(ref _table).Defaults.ContainsKey(name)) return false;
            _unloaded.Add(name);
            RescanLocked();
        }
        Log.ModelUnloaded(_logger, name);
        Changed?.Invoke();
        return true;
    }

    private void RescanLocked()
    {
        var previous = Volatile.Read(ref _table);
        var defaults = ImmutableSortedDictionary.CreateBuilder<string, ModelEntry>(StringComparer.Ordinal);
        var versions = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<ModelEntry>>(StringComparer.Ordinal);
        foreach (var sources in ModelSources.Find(Directory, _logger).GroupBy(s => s.Name, StringComparer.Ordinal))
        {
            var (main, all) = _unloaded.Contains(sources.Key)
                ? UnloadedModel(sources.OrderByDescending(s => s.Version).First())
                : BuildModel(sources.Key, sources.ToList(), previous.Versions.GetValueOrDefault(sources.Key, []));
            defaults[sources.Key] = main;
            versions[sources.Key] = all;
        }
        foreach (var name in previous.Defaults.Keys.Where(n => !defaults.ContainsKey(n))) Log.ModelRemoved(_logger, name);
        var next = new Table(defaults.ToImmutable(), versions.ToImmutable());
        Volatile.Write(ref _table, next);
        // Only after the swap: a call that still holds a retired model keeps it alive until it is done.
        foreach (var retired in previous.LoadedModels().Except(next.LoadedModels())) retired.Release();
    }

    private static (ModelEntry, ImmutableArray<ModelEntry>) UnloadedModel(ModelSource source) =>
        (new ModelEntry { Name = source.Name, RepositoryVersion = source.Version, FilePath = source.Path, Fingerprint = default, Unloaded = true,
            Error = "Unloaded on request; load it to serve it again." }, []);

    /// <summary>One model's versions: the policy's picks, loaded (or reused when their file is unchanged).</summary>
    private string RelativeName(string path) => Path.GetRelativePath(Directory, path);

    /// <summary>A message with this directory's absolute path removed, so file names read relative to it.</summary>
    internal string WithoutDirectory(string message) =>
        message.Replace(Directory + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(Directory, ".", StringComparison.Ordinal);

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..16];
    }

    /// <summary>
    /// Metrics: numeric metadata written by `pinn export` (<c>rel_l2*</c>, <c>losses.*</c>), numeric
    /// <c>metric.NAME</c> metadata (as NAME), then STEM.metrics.json beside the model (a flat object of numbers) on top.
    /// </summary>
    private Dictionary<string, double> ReadMetrics(string modelPath, IReadOnlyDictionary<string, string>? metadata)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (!double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double number)) continue;
            if (key.StartsWith(MetricMetadataPrefix, StringComparison.Ordinal)) metrics[key[MetricMetadataPrefix.Length..]] = number;
            else if (key.StartsWith("rel_l2", StringComparison.Ordinal) || key.StartsWith("losses.", StringComparison.Ordinal)) metrics[key] = number;
        }
        string path = Path.ChangeExtension(modelPath, null) + MetricsSuffix;
        if (!File.Exists(path)) return metrics;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            foreach (var property in document.RootElement.EnumerateObject())
                if (property.Value.ValueKind == JsonValueKind.Number) metrics[property.Name] = property.Value.GetDouble();
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException)
        {
            Log.ModelLoadFailed(_logger, RelativeName(path), e.Message);
        }
        return metrics;
    }

    /// <summary>Data sets STEM.DATASET.csv beside the model file.</summary>
    private static string[] FindDatasets(string modelPath)
    {
        string stem = Path.GetFileNameWithoutExtension(modelPath);
        var folder = new DirectoryInfo(Path.GetDirectoryName(modelPath)!);
        if (!folder.Exists) return [];
        return folder.EnumerateFiles(stem + ".*.csv").Select(f => f.Name)
            .Select(f => f[(stem.Length + 1)..^".csv".Length])
            .Where(d => DatasetNamePattern().IsMatch(d))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    public void Dispose()
    {
        lock (_rescanLock)
        {
            if (_disposed) return;
            _disposed = true;
            _watcher?.Dispose();
            _debounceTimer?.Dispose();
            _pollTimer?.Dispose();
            var table = Volatile.Read(ref _table);
            Volatile.Write(ref _table, Table.Empty);
            foreach (var loaded in table.LoadedModels()) loaded.Release();
        }
    }
}
