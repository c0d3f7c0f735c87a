using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace PinnServe.Server.Models;

/// <summary>
/// The models of one directory: every top-level <c>NAME.onnx</c>, with its sidecars <c>NAME.metrics.json</c>
/// and reference data sets <c>NAME.DATASET.csv</c>. Changes on disk are picked up by a debounced rescan
/// that builds a new immutable table and swaps it in atomically; calls already holding a model finish on it.
/// </summary>
/// <remarks>
/// Names in requests are only ever looked up in that table, never turned into paths, so they cannot reach
/// outside the directory. A file that fails to load is listed as failed and skipped. If a serving model's
/// file is replaced by one that fails to load, the old version keeps serving and the entry carries the error.
/// </remarks>
internal sealed partial class ModelRegistry : IDisposable
{
    public const string ModelExtension = ".onnx";
    private const string MetricsSuffix = ".metrics.json";
    private const string MetricMetadataPrefix = "metric.";

    private readonly FieldModelLoader _load;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly Lock _rescanLock = new();
    private ImmutableSortedDictionary<string, ModelEntry> _entries = ImmutableSortedDictionary.Create<string, ModelEntry>(StringComparer.Ordinal);
    private FileSystemWatcher? _watcher;
    private Timer? _debounceTimer;
    private Timer? _pollTimer;
    private bool _disposed;

    public ModelRegistry(string directory, FieldModelLoader load, ILogger logger, TimeSpan debounce)
    {
        Directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(Directory))
            throw new DirectoryNotFoundException($"Model directory '{Directory}' does not exist.");
        _load = load;
        _logger = logger;
        _debounce = debounce;
    }

    public string Directory { get; }

    /// <summary>Raised after every rescan (models added, replaced, removed or failed).</summary>
    public event Action? Changed;

    public IReadOnlyCollection<ModelEntry> Entries => Volatile.Read(ref _entries).Values.ToArray();

    public int ServingCount => Volatile.Read(ref _entries).Values.Count(e => e.Loaded is not null);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex ModelNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex DatasetNamePattern();

    public static bool IsValidModelName(string name) => ModelNamePattern().IsMatch(name) && !name.Contains("..");

    public bool TryGetEntry(string name, out ModelEntry entry) => Volatile.Read(ref _entries).TryGetValue(name, out entry!);

    /// <summary>
    /// Takes a serving model for one call. False with <paramref name="entry"/> null: no such model; false with
    /// an entry: it failed to load. A model retired between lookup and acquire means a newer table is already
    /// published, so the lookup is simply repeated.
    /// </summary>
    public bool TryAcquire(string name, out ModelLease lease, out ModelEntry? entry)
    {
        lease = default;
        while (true)
        {
            if (!Volatile.Read(ref _entries).TryGetValue(name, out entry)) return false;
            if (entry.Loaded is null) return false;
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
        string path = Path.GetFullPath(Path.Combine(Directory, $"{entry.Name}.{dataset}.csv"));
        return Path.GetDirectoryName(path) == Directory ? path : null;
    }

    /// <summary>Starts hot reload: file events (debounced) plus a slow poll in case events are lost.</summary>
    public void StartWatching(TimeSpan pollInterval)
    {
        _debounceTimer = new Timer(_ => RescanSafely());
        _pollTimer = new Timer(_ => RescanSafely(), null, pollInterval, pollInterval);
        _watcher = new FileSystemWatcher(Directory)
        {
            IncludeSubdirectories = false,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
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
            var previous = Volatile.Read(ref _entries);
            var next = ImmutableSortedDictionary.CreateBuilder<string, ModelEntry>(StringComparer.Ordinal);
            var retired = new List<LoadedModel>();
            var files = new DirectoryInfo(Directory).GetFiles();
            foreach (var file in files.Where(f => f.Name.EndsWith(ModelExtension, StringComparison.Ordinal)))
            {
                string name = file.Name[..^ModelExtension.Length];
                if (!IsValidModelName(name))
                {
                    Log.InvalidModelName(_logger, file.FullName, name);
                    continue;
                }
                var fingerprint = FileFingerprint.Of(file);
                previous.TryGetValue(name, out var old);
                var entry = old is not null && old.Fingerprint == fingerprint ? old : Load(name, file, fingerprint, old, retired);
                next[name] = entry with
                {
                    Metrics = ReadMetrics(name, entry.Loaded?.Model.Metadata),
                    ReferenceDatasets = FindDatasets(name, files),
                };
            }
            foreach (var (name, old) in previous)
            {
                if (next.ContainsKey(name)) continue;
                Log.ModelRemoved(_logger, name);
                if (old.Loaded is not null) retired.Add(old.Loaded);
            }
            Volatile.Write(ref _entries, next.ToImmutable());
            // Only after the swap: a call that still holds a retired model keeps it alive until it is done.
            foreach (var loaded in retired) loaded.Release();
        }
        Changed?.Invoke();
    }

    private ModelEntry Load(string name, FileInfo file, FileFingerprint fingerprint, ModelEntry? old, List<LoadedModel> retired)
    {
        try
        {
            string version = HashFile(file.FullName);
            var model = _load(file.FullName);
            CheckShape(model);
            Log.ModelLoaded(_logger, name, file.FullName, version);
            if (old?.Loaded is not null) retired.Add(old.Loaded);
            return new ModelEntry { Name = name, FilePath = file.FullName, Fingerprint = fingerprint, Loaded = new LoadedModel(model, version) };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever the backend throws for a bad file, the server must keep serving the other models.
            // The error reaches clients (ModelInfo.error): name files relative to the models directory.
            string reason = WithoutDirectory(e.Message);
            if (old?.Loaded is not null)
            {
                Log.ModelReloadFailed(_logger, name, old.Loaded.Version, reason);
                return old with { Fingerprint = fingerprint, Error = $"The file changed but failed to load, so version {old.Loaded.Version} is still served: {reason}" };
            }
            Log.ModelLoadFailed(_logger, file.FullName, reason);
            return new ModelEntry { Name = name, FilePath = file.FullName, Fingerprint = fingerprint, Error = reason };
        }
    }

    /// <summary>A message with this directory's absolute path removed, so file names read relative to it.</summary>
    internal string WithoutDirectory(string message) =>
        message.Replace(Directory + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(Directory, ".", StringComparison.Ordinal);

    private static void CheckShape(IFieldModel model)
    {
        if (model.InputNames.Count == 0 || model.InputBounds.Count != model.InputNames.Count || model.FieldNames.Count == 0)
        {
            model.Dispose();
            throw new InvalidDataException("The model must name at least one input (with bounds) and one output field.");
        }
    }

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..16];
    }

    /// <summary>
    /// Metrics: numeric metadata written by `pinn export` (<c>rel_l2*</c>, <c>losses.*</c>), numeric
    /// <c>metric.NAME</c> metadata (as NAME), then NAME.metrics.json (a flat object of numbers) on top.
    /// </summary>
    private Dictionary<string, double> ReadMetrics(string name, IReadOnlyDictionary<string, string>? metadata)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (!double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double number)) continue;
            if (key.StartsWith(MetricMetadataPrefix, StringComparison.Ordinal)) metrics[key[MetricMetadataPrefix.Length..]] = number;
            else if (key.StartsWith("rel_l2", StringComparison.Ordinal) || key.StartsWith("losses.", StringComparison.Ordinal)) metrics[key] = number;
        }
        string path = Path.Combine(Directory, name + MetricsSuffix);
        if (!File.Exists(path)) return metrics;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            foreach (var property in document.RootElement.EnumerateObject())
                if (property.Value.ValueKind == JsonValueKind.Number) metrics[property.Name] = property.Value.GetDouble();
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException)
        {
            Log.ModelLoadFailed(_logger, path, e.Message);
        }
        return metrics;
    }

    private static string[] FindDatasets(string name, FileInfo[] files) =>
        files.Select(f => f.Name)
            .Where(f => f.StartsWith(name + ".", StringComparison.Ordinal) && f.EndsWith(".csv", StringComparison.Ordinal))
            .Select(f => f[(name.Length + 1)..^".csv".Length])
            .Where(d => DatasetNamePattern().IsMatch(d))
            .Order(StringComparer.Ordinal)
            .ToArray();

    public void Dispose()
    {
        lock (_rescanLock)
        {
            if (_disposed) return;
            _disposed = true;
            _watcher?.Dispose();
            _debounceTimer?.Dispose();
            _pollTimer?.Dispose();
            var entries = Volatile.Read(ref _entries);
            Volatile.Write(ref _entries, entries.Clear());
            foreach (var entry in entries.Values) entry.Loaded?.Release();
        }
    }
}
