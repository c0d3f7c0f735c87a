using Microsoft.Extensions.Logging.Abstractions;
using PinnServe.Api.V1;
using PinnServe.Server.Models;

namespace PinnServe.Server.Tests.Models;

/// <summary>A Triton config.pbtxt beside a model: the parts that apply are read, anything else refuses the model with a message.</summary>
public sealed class TritonConfigTests : IDisposable
{
    private readonly string _directory = TestModels.NewTempDirectory("config");

    private const string Full = """
        # A config as Triton's tools write it
        name: "cavity"
        platform: "onnxruntime_onnx"
        max_batch_size: 1000
        version_policy: { latest: { num_versions: 2 } }
        input [
          { name: "x", data_type: TYPE_FP32, dims: [ 1 ] },
          { name: "y" data_type: TYPE_FP32 dims: [ 1 ] }
        ]
        output [ { name: "u" data_type: TYPE_FP32 dims: [1] }, { name: "v" data_type: TYPE_FP32 dims: [1] },
                 { name: "p" data_type: TYPE_FP32 dims: [1] }, { name: "psi" data_type: TYPE_FP32 dims: [1] } ]
        dynamic_batching { }
        """;

    [Fact]
    public void The_applicable_fields_are_read()
    {
        var config = TritonModelConfig.Parse(Full, "cavity");
        Assert.Equal(1000, config.MaxBatchSize);
        Assert.Equal("latest:2", config.Policy!.Text);
        Assert.Equal(["x", "y"], config.Inputs);
        Assert.Equal(["u", "v", "p", "psi"], config.Outputs);
        Assert.Equal("specific:1,3", TritonModelConfig.Parse("version_policy { specific { versions: [3, 1] } }", "m").Policy!.Text);
        Assert.Equal("all", TritonModelConfig.Parse("version_policy < all { } >", "m").Policy!.Text);
    }

    [Theory]
    [InlineData("instance_group [ { kind: KIND_GPU } ]", "line 1: 'instance_group' is not supported by PinnServe")]
    [InlineData("name: \"other\"", "name 'other' differs from the model directory 'cavity'")]
    [InlineData("platform: \"tensorrt_plan\"", "platform 'tensorrt_plan' is not served")]
    [InlineData("max_batch_size: -4", "max_batch_size '-4' is not a whole number >= 0")]
    [InlineData("input [ { name: \"x\" data_type: TYPE_INT32 dims: [1] } ]", "data_type TYPE_INT32 is not served")]
    [InlineData("dynamic_batching { max_queue_delay_microseconds: 100 }", "dynamic_batching is accepted only empty")]
    [InlineData("\n\nversion_policy { latest { num_versions: 0 } }", "line 3: num_versions must be a whole number >= 1")]
    [InlineData("max_batch_size 4", "line 1: expected ':' after 'max_batch_size'")]
    [InlineData("input [ { name: \"x\" }", "expected ',' or ']' in the list 'input'")]
    public void Anything_else_is_refused_with_a_message_naming_it(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => TritonModelConfig.Parse(text, "cavity"));
        Assert.Contains(message, error.Message);
        Assert.StartsWith("config.pbtxt", error.Message);
    }

    [Fact]
    public void A_model_directory_serves_by_its_config_and_a_refused_config_fails_the_model_with_the_reason()
    {
        for (int version = 1; version <= 3; version++) AddVersion("cavity", version);
        File.WriteAllText(Path.Combine(_directory, "cavity", TritonModelConfig.FileName), Full);
        AddVersion("gpu_only", 1);
        File.WriteAllText(Path.Combine(_directory, "gpu_only", TritonModelConfig.FileName), "name: \"gpu_only\"\ninstance_group [ { kind: KIND_GPU } ]\n");
        AddVersion("mismatch", 1);
        File.WriteAllText(Path.Combine(_directory, "mismatch", TritonModelConfig.FileName), "input [ { name: \"t\" data_type: TYPE_FP32 dims: [1] } ]");
        using var registry = new ModelRegistry(_directory, OnnxBackend.Load, NullLogger.Instance, TimeSpan.FromMilliseconds(50));
        registry.Rescan();

        Assert.Equal([3L, 2L], registry.Versions("cavity").Where(v => v.Loaded is not null).Select(v => v.RepositoryVersion));
        Assert.True(registry.TryGetEntry("cavity", out var cavity));
        Assert.Equal(1000, cavity.Config!.MaxBatchSize);
        Assert.Equal("latest:2", cavity.Policy.Text);

        Assert.True(registry.TryGetEntry("gpu_only", out var refused));
        Assert.Equal(ModelStatus.Failed, refused.Status);
        Assert.Contains("gpu_only/config.pbtxt line 2: 'instance_group' is not supported", refused.Error);

        Assert.True(registry.TryGetEntry("mismatch", out var mismatch));
        Assert.Equal(ModelStatus.Failed, mismatch.Status);
        Assert.Contains("are not the inputs of config.pbtxt (t)", mismatch.Error);
    }

    private void AddVersion(string name, long version)
    {
        string folder = Path.Combine(_directory, name, version.ToString());
        Directory.CreateDirectory(folder);
        File.Move(TestModels.ExportCavity(folder, "staged", seed: (int)version), Path.Combine(folder, "model.onnx"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
