using Microsoft.Extensions.Logging.Abstractions;
using PinnServe.Api.V1;
using PinnServe.Server.Models;

namespace PinnServe.Server.Tests.Models;

/// <summary>The versioned layout NAME/VERSION/model.onnx, version policies, explicit load/unload, on real ONNX exports.</summary>
public sealed class ModelRepositoryTests : IDisposable
{
    private readonly string _directory = TestModels.NewTempDirectory("repository");
    private readonly Dictionary<string, int> _opened = [];
    private readonly Dictionary<string, int> _disposed = [];

    private ModelRegistry NewRegistry(string policy = "latest")
    {
        var registry = new ModelRegistry(_directory, path =>
        {
            string key = Path.GetRelativePath(_directory, path);
            lock (_opened) _opened[key] = _opened.GetValueOrDefault(key) + 1;
            return new Tracked(OnnxBackend.Load(path), () => { lock (_disposed) _disposed[key] = _disposed.GetValueOrDefault(key) + 1; });
        }, NullLogger.Instance, TimeSpan.FromMilliseconds(50), VersionPolicy.Parse(policy));
        registry.Rescan();
        return registry;
    }

    private string AddVersion(string name, long version, int seed)
    {
        string folder = Path.Combine(_directory, name, version.ToString());
        Directory.CreateDirectory(folder);
        string staged = TestModels.ExportCavity(folder, "staged", seed);
        string path = Path.Combine(folder, "model.onnx");
        File.Move(staged, path, overwrite: true);
        return path;
    }

    private static float[] Evaluate(ModelLease lease)
    {
        var values = new float[lease.Model.FieldNames.Count];
        lease.Model.Evaluate([0.3f, 0.7f], 1, lease.Model.FieldNames, values);
        return values;
    }

    [Fact]
    public void The_latest_version_serves_by_default_beside_flat_files()
    {
        AddVersion("cavity", 1, seed: 1);
        AddVersion("cavity", 2, seed: 2);
        AddVersion("cavity", 10, seed: 3); // numeric order, not text order
        TestModels.ExportCavity(_directory, "flat", seed: 4);
        using var registry = NewRegistry();

        Assert.Equal(["cavity", "flat"], registry.Entries.Select(e => e.Name));
        Assert.True(registry.TryGetEntry("cavity", out var cavity));
        Assert.Equal(10, cavity.RepositoryVersion);
        Assert.Equal([10L], registry.Versions("cavity").Select(v => v.RepositoryVersion));
        Assert.False(registry.TryAcquire("cavity", 1, out _, out var missing));
        Assert.Null(missing);
        Assert.Equal(1, registry.Versions("flat").Single().RepositoryVersion);
        Assert.Equal(["cavity/10/model.onnx", "flat.onnx"], _opened.Keys.Order());
    }

    [Fact]
    public void Latest_n_serves_several_versions_each_addressable()
    {
        AddVersion("cavity", 1, seed: 1);
        AddVersion("cavity", 2, seed: 2);
        AddVersion("cavity", 3, seed: 3);
        using var registry = NewRegistry("latest:2");
        Assert.Equal([3L, 2L], registry.Versions("cavity").Select(v => v.RepositoryVersion));
        Assert.True(registry.TryAcquire("cavity", 2, out var two, out _));
        Assert.True(registry.TryAcquire("cavity", null, out var latest, out _));
        using (two)
        using (latest)
        {
            Assert.Equal(3, latest.Entry.RepositoryVersion);
            Assert.NotEqual(two.Version, latest.Version);
            Assert.NotEqual(Evaluate(two), Evaluate(latest));
        }
        Assert.False(registry.TryAcquire("cavity", 1, out _, out _));
    }

    [Fact]
    public void A_policy_file_in_the_model_directory_overrides_the_server_policy_and_a_bad_one_is_reported()
    {
        AddVersion("pinned", 1, seed: 1);
        AddVersion("pinned", 2, seed: 2);
        File.WriteAllText(Path.Combine(_directory, "pinned", VersionPolicy.FileName), "specific:1\n");
        AddVersion("typo", 1, seed: 3);
        AddVersion("typo", 2, seed: 4);
        File.WriteAllText(Path.Combine(_directory, "typo", VersionPolicy.FileName), "newest");
        using var registry = NewRegistry();

        Assert.True(registry.TryGetEntry("pinned", out var pinned));
        Assert.Equal(1, pinned.RepositoryVersion);
        Assert.Equal(ModelStatus.Serving, pinned.Status);
        Assert.True(registry.TryGetEntry("typo", out var typo));
        Assert.Equal(2, typo.RepositoryVersion); // the server's policy (latest) applies
        Assert.Contains("typo/version_policy: Version policy 'newest' is not one of", typo.Error);
    }

    [Fact]
    public void A_newest_version_that_fails_to_load_leaves_the_old_one_serving_until_it_is_fixed()
    {
        AddVersion("cavity", 1, seed: 1);
        using var registry = NewRegistry();
        Directory.CreateDirectory(Path.Combine(_directory, "cavity", "2"));
        File.WriteAllText(Path.Combine(_directory, "cavity", "2", "model.onnx"), "not a model");
        registry.Rescan();

        Assert.True(registry.TryGetEntry("cavity", out var entry));
        Assert.Equal(ModelStatus.Serving, entry.Status);
        Assert.Equal(1, entry.RepositoryVersion);
        Assert.Contains("Version 2 failed:", entry.Error);
        var failed = registry.Versions("cavity").Single(v => v.RepositoryVersion == 2);
        Assert.Equal(ModelStatus.Failed, failed.Status);

        AddVersion("cavity", 2, seed: 2);
        registry.Rescan();
        Assert.True(registry.TryGetEntry("cavity", out var fixedEntry));
        Assert.Equal(2, fixedEntry.RepositoryVersion);
        Assert.Null(fixedEntry.Error);
        Assert.Equal(1, _disposed.GetValueOrDefault("cavity/1/model.onnx")); // retired once nobody holds it
    }

    [Fact]
    public void Unload_stops_serving_until_load_and_calls_in_flight_finish_on_the_model()
    {
        string path = AddVersion("cavity", 1, seed: 1);
        using var registry = NewRegistry();
        Assert.True(registry.TryAcquire("cavity", out var inFlight, out _));

        Assert.True(registry.Unload("cavity"));
        Assert.False(registry.TryAcquire("cavity", out _, out var unloaded));
        Assert.Equal(ModelStatus.Unloaded, unloaded!.Status);
        Assert.Equal(0, registry.LoadedCount);
        Assert.Equal(4, Evaluate(inFlight).Length); // still usable: u, v, p, psi
        Assert.Empty(_disposed);
        inFlight.Dispose();
        Assert.Equal(1, _disposed["cavity/1/model.onnx"]);

        // A changed file does not bring an unloaded model back; Load does.
        AddVersion("cavity", 2, seed: 2);
        registry.Rescan();
        Assert.Equal(ModelStatus.Unloaded, Assert.IsType<ModelEntry>(registry.Entries.Single()).Status);
        var loaded = registry.Load("cavity");
        Assert.NotNull(loaded);
        Assert.Equal(ModelStatus.Serving, loaded.Status);
        Assert.Equal(2, loaded.RepositoryVersion);
        Assert.True(File.Exists(path));

        Assert.False(registry.Unload("nothing-here"));
        Assert.Null(registry.Load("nothing-here"));
    }

    [Fact]
    public void A_versioned_directory_shadows_a_flat_file_of_the_same_name_and_sidecars_sit_beside_each_version()
    {
        TestModels.ExportCavity(_directory, "cavity", seed: 1);
        string path = AddVersion("cavity", 3, seed: 2);
        TestModels.WriteSelfReference(path, perAxis: 3); // writes model.reference.csv beside it
        File.WriteAllText(Path.ChangeExtension(path, null) + ".metrics.json", """{"rel_l2_u": 0.5}""");
        using var registry = NewRegistry();

        Assert.True(registry.TryGetEntry("cavity", out var entry));
        Assert.Equal(3, entry.RepositoryVersion);
        Assert.Equal(["reference"], entry.ReferenceDatasets);
        Assert.Equal(Path.Combine(Path.GetDirectoryName(path)!, "model.reference.csv"), registry.ReferenceDatasetPath(entry, "reference"));
        Assert.Equal(0.5, entry.Metrics["rel_l2_u"]);
        Assert.Equal(["cavity/3/model.onnx"], _opened.Keys);
    }

    [Theory]
    [InlineData("latest", "latest", new long[] { 5 })]
    [InlineData(" latest:2 ", "latest:2", new long[] { 5, 3 })]
    [InlineData("specific: 3,1,3", "specific:1,3", new long[] { 3, 1 })]
    [InlineData("specific:4", "specific:4", new long[0])]
    [InlineData("all", "all", new long[] { 5, 3, 1 })]
    public void Policies_pick_versions_highest_first(string text, string normalized, long[] picked)
    {
        var policy = VersionPolicy.Parse(text);
        Assert.Equal(normalized, policy.Text);
        Assert.Equal(picked, policy.Select([1, 5, 3]));
    }

    [Theory]
    [InlineData("latest:0")]
    [InlineData("latest:-1")]
    [InlineData("specific:")]
    [InlineData("specific:01")]
    [InlineData("newest")]
    [InlineData("all:2")]
    public void Bad_policies_are_named(string text) =>
        Assert.Contains($"'{text}'", Assert.Throws<FormatException>(() => VersionPolicy.Parse(text)).Message);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class Tracked(IFieldModel inner, Action disposed) : IFieldModel
    {
        public IReadOnlyList<string> InputNames => inner.InputNames;
        public IReadOnlyList<(double Min, double Max)> InputBounds => inner.InputBounds;
        public IReadOnlyList<string> FieldNames => inner.FieldNames;
        public IReadOnlyDictionary<string, string> Metadata => inner.Metadata;
        public void Evaluate(ReadOnlySpan<float> points, int count, IReadOnlyList<string> fields, Span<float> output) =>
            inner.Evaluate(points, count, fields, output);
        public void Dispose() { disposed(); inner.Dispose(); }
    }
}
