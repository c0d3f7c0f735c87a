using Microsoft.Extensions.Logging.Abstractions;
using PinnServe.Api.V1;
using PinnServe.Server.Models;

namespace PinnServe.Server.Tests.Models;

/// <summary>The registry on real exported ONNX models: loading, failures, reload with atomic swap, name safety.</summary>
public sealed class ModelRegistryTests : IDisposable
{
    private readonly string _directory = TestModels.NewTempDirectory("registry");
    private readonly List<TrackedModel> _loaded = [];

    private ModelRegistry NewRegistry()
    {
        // The real ONNX backend, wrapped only to observe when the registry disposes a model.
        var registry = new ModelRegistry(_directory, path =>
        {
            var model = new TrackedModel(OnnxBackend.Load(path));
            lock (_loaded) _loaded.Add(model);
            return model;
        }, NullLogger.Instance, TimeSpan.FromMilliseconds(50));
        registry.Rescan();
        return registry;
    }

    [Fact]
    public void A_corrupt_file_is_listed_as_failed_while_the_others_serve()
    {
        TestModels.ExportCavity(_directory, "good", seed: 1);
        File.WriteAllBytes(Path.Combine(_directory, "bad.onnx"), [0x08, 0x07, 0xff, 0xff, 0x00]);
        using var registry = NewRegistry();
        Assert.True(registry.TryGetEntry("bad", out var bad));
        Assert.Equal(ModelStatus.Failed, bad.Status);
        Assert.False(string.IsNullOrEmpty(bad.Error));
        Assert.True(registry.TryAcquire("good", out var lease, out _));
        lease.Dispose();
        Assert.False(registry.TryAcquire("bad", out _, out var failedEntry));
        Assert.NotNull(failedEntry);
    }

    [Fact]
    public void Replacing_a_file_swaps_atomically_and_in_flight_calls_finish_on_the_old_model()
    {
        string path = TestModels.ExportCavity(_directory, "cavity", seed: 1);
        using var registry = NewRegistry();
        Assert.True(registry.TryAcquire("cavity", out var oldLease, out _));
        string oldVersion = oldLease.Version;

        ReplaceWithNewExport(path, seed: 2);
        registry.Rescan();

        Assert.True(registry.TryAcquire("cavity", out var newLease, out _));
        Assert.NotEqual(oldVersion, newLease.Version);
        // The in-flight call still evaluates on the model it started with.
        var output = new float[4];
        oldLease.Model.Evaluate([0.5f, 0.5f], 1, oldLease.Model.FieldNames, output);
        Assert.False(_loaded[0].Disposed);
        oldLease.Dispose();
        Assert.True(_loaded[0].Disposed);
        Assert.False(_loaded[1].Disposed);
        newLease.Dispose();
    }

    [Fact]
    public void A_broken_replacement_keeps_the_old_version_serving_with_the_error_reported()
    {
        string path = TestModels.ExportCavity(_directory, "cavity", seed: 1);
        using var registry = NewRegistry();
        registry.TryGetEntry("cavity", out var before);
        File.WriteAllText(path, "truncated");
        registry.Rescan();
        Assert.True(registry.TryGetEntry("cavity", out var after));
        Assert.Equal(ModelStatus.Serving, after.Status);
        Assert.Equal(before.Loaded!.Version, after.Loaded!.Version);
        Assert.Contains("still served", after.Error);
    }

    [Fact]
    public void Added_and_deleted_files_appear_and_disappear()
    {
        using var registry = NewRegistry();
        Assert.Empty(registry.Entries);
        string path = TestModels.ExportCavity(_directory, "late", seed: 3);
        registry.Rescan();
        Assert.True(registry.TryGetEntry("late", out _));
        File.Delete(path);
        registry.Rescan();
        Assert.False(registry.TryGetEntry("late", out _));
        Assert.True(_loaded.Single().Disposed);
    }

    [Fact]
    public async Task The_watcher_picks_up_a_new_file_without_a_manual_rescan()
    {
        using var registry = NewRegistry();
        registry.StartWatching(TimeSpan.FromMinutes(10));
        TestModels.ExportCavity(_directory, "watched", seed: 4);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // generous: only a failure waits this long
        while (!registry.TryGetEntry("watched", out _) && !timeout.IsCancellationRequested) await Task.Delay(50);
        Assert.True(registry.TryGetEntry("watched", out var entry));
        Assert.Equal(ModelStatus.Serving, entry.Status);
    }

    [Theory]
    [InlineData("../x", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData(".hidden", false)]
    [InlineData("has space", false)]
    [InlineData("", false)]
    [InlineData("cavity", true)]
    [InlineData("ldc_re100.v2-final", true)]
    public void Model_names_are_plain_file_names(string name, bool valid) =>
        Assert.Equal(valid, ModelRegistry.IsValidModelName(name));

    [Fact]
    public void Reference_datasets_resolve_only_to_listed_files_inside_the_directory()
    {
        string path = TestModels.ExportCavity(_directory, "cavity", seed: 1);
        TestModels.WriteSelfReference(path, perAxis: 3);
        using var registry = NewRegistry();
        registry.TryGetEntry("cavity", out var entry);
        Assert.Equal(["reference"], entry.ReferenceDatasets);
        Assert.Equal(Path.Combine(registry.Directory, "cavity.reference.csv"), registry.ReferenceDatasetPath(entry, "reference"));
        Assert.Null(registry.ReferenceDatasetPath(entry, "../cavity.reference"));
        Assert.Null(registry.ReferenceDatasetPath(entry, "missing"));
    }

    private static void ReplaceWithNewExport(string path, int seed)
    {
        string staging = TestModels.NewTempDirectory("staging");
        string fresh = TestModels.ExportCavity(staging, "fresh", seed);
        File.Move(fresh, path, overwrite: true);
        Directory.Delete(staging, true);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class TrackedModel(IFieldModel inner) : IFieldModel
    {
        public bool Disposed { get; private set; }
        public IReadOnlyList<string> InputNames => inner.InputNames;
        public IReadOnlyList<(double Min, double Max)> InputBounds => inner.InputBounds;
        public IReadOnlyList<string> FieldNames => inner.FieldNames;
        public IReadOnlyDictionary<string, string> Metadata => inner.Metadata;
        public void Evaluate(ReadOnlySpan<float> points, int count, IReadOnlyList<string> fields, Span<float> output) =>
            inner.Evaluate(points, count, fields, output);
        public void Dispose() { Disposed = true; inner.Dispose(); }
    }
}
