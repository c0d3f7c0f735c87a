using Microsoft.Extensions.Logging.Abstractions;
using PinnServe.Api.V1;
using PinnServe.Server.Models;

namespace PinnServe.Server.Tests.Models;

/// <summary>
/// Which files may serve (issue 33, defects 3 and 8): latest:N takes the newest N versions that load and names the
/// ones that did not; a new file must keep the served signature and evaluate more than one point, or the old one
/// keeps serving with the reason in ModelInfo.error.
/// </summary>
public sealed class VersionSelectionTests : IDisposable
{
    private readonly string _directory = TestModels.NewTempDirectory("versions");

    private ModelRegistry NewRegistry(string policy = "latest")
    {
        var registry = new ModelRegistry(_directory, OnnxBackend.Load, NullLogger.Instance, TimeSpan.FromMilliseconds(50), VersionPolicy.Parse(policy));
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

    [Fact]
    public void Latest_two_skips_a_broken_newest_version_serves_the_two_newest_that_load_and_names_the_failure()
    {
        AddVersion("kg", 2, seed: 2);
        AddVersion("kg", 3, seed: 3);
        string newest = AddVersion("kg", 4, seed: 4);
        var bytes = File.ReadAllBytes(newest);
        File.WriteAllBytes(newest, bytes[..(bytes.Length / 2)]); // truncated
        using var registry = NewRegistry("latest:2");

        var served = registry.Versions("kg").Where(v => v.Loaded is not null).Select(v => v.RepositoryVersion).ToArray();
        Assert.Equal([3L, 2L], served);
        Assert.True(registry.TryGetEntry("kg", out var entry));
        Assert.Equal(3, entry.RepositoryVersion);
        Assert.Contains("Version 4 failed", entry.Error);
        Assert.Contains("kg/4/model.onnx", entry.Error);
        Assert.DoesNotContain(_directory, entry.Error);
        Assert.Equal(ModelStatus.Failed, registry.Versions("kg").Single(v => v.RepositoryVersion == 4).Status);
        // Rescans keep the same report rather than growing it.
        registry.Rescan();
        Assert.True(registry.TryGetEntry("kg", out var again));
        Assert.Equal(entry.Error, again.Error);
    }

    [Theory]
    [InlineData("fewer inputs", new[] { "x" }, new[] { "u", "v", "p", "psi" })]
    [InlineData("three inputs", new[] { "x", "y", "t" }, new[] { "u", "v", "p", "psi" })]
    [InlineData("another output name", new[] { "x", "y" }, new[] { "u", "v", "p", "pressure" })]
    public void A_valid_file_of_another_signature_does_not_replace_the_served_model(string change, string[] inputs, string[] outputs)
    {
        string path = TestModels.ExportCavity(_directory, "cavity", seed: 1);
        using var registry = NewRegistry();
        Assert.True(registry.TryGetEntry("cavity", out var before));
        string servedVersion = before.Loaded!.Version;

        string staging = TestModels.NewTempDirectory("staging");
        try
        {
            File.Move(TestModels.ExportSignature(staging, "other", inputs, outputs), path, overwrite: true);
            registry.Rescan();
        }
        finally { Directory.Delete(staging, recursive: true); }

        Assert.True(registry.TryGetEntry("cavity", out var after), change);
        Assert.Equal(ModelStatus.Serving, after.Status);
        Assert.Equal(servedVersion, after.Loaded!.Version);
        Assert.Contains("differ from the version served before", after.Error);
        Assert.True(registry.TryAcquire("cavity", out var lease, out _));
        using (lease)
        {
            var values = new float[8];
            lease.Model.Evaluate([0.2f, 0.3f, 0.4f, 0.5f], 2, lease.Model.FieldNames, values);
            Assert.All(values, v => Assert.True(float.IsFinite(v)));
        }
    }

    [Fact]
    public void A_file_with_a_fixed_batch_size_is_refused_and_the_old_version_keeps_serving()
    {
        string path = TestModels.ExportCavity(_directory, "cavity", seed: 1);
        using var registry = NewRegistry();
        TestModels.WriteFixedBatch(path, ["x", "y"], ["u", "v", "p", "psi"]);
        registry.Rescan();

        Assert.True(registry.TryGetEntry("cavity", out var entry));
        Assert.Equal(ModelStatus.Serving, entry.Status);
        Assert.Contains("cannot evaluate a batch of two points", entry.Error);
        Assert.True(registry.TryAcquire("cavity", out var lease, out _));
        using (lease)
        {
            var values = new float[12];
            lease.Model.Evaluate([0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f], 3, ["u", "v", "p", "psi"], values);
        }
    }

    [Fact]
    public void A_new_version_directory_must_keep_the_signature_of_the_version_it_follows()
    {
        AddVersion("cavity", 1, seed: 1);
        using var registry = NewRegistry();
        string folder = Path.Combine(_directory, "cavity", "2");
        Directory.CreateDirectory(folder);
        File.Move(TestModels.ExportSignature(folder, "staged", ["x", "t"], ["u"]), Path.Combine(folder, "model.onnx"));
        registry.Rescan();

        Assert.True(registry.TryGetEntry("cavity", out var entry));
        Assert.Equal(1, entry.RepositoryVersion);
        Assert.Contains("Version 2 failed", entry.Error);
        Assert.Contains("differ from the version served before", entry.Error);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
