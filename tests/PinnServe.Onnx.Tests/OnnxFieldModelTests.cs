using PinnServe.Contracts;

namespace PinnServe.Onnx.Tests;

/// <summary>Loading, metadata and the errors of <see cref="OnnxFieldModel"/>.</summary>
public sealed class OnnxFieldModelTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("pinnserve-onnx-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private string ExportCavity(out NetworkFile network)
    {
        network = TestNetworks.Create(NetworkFile.ModifiedMlpArchitecture, "tanh", ["x", "y"], ["psi", "p"]);
        FieldDefinition[] fields = [FieldDefinition.Of("u", 1, "psi", "y"), FieldDefinition.Of("v", -1, "psi", "x"), FieldDefinition.Of("p", 1, "p")];
        string path = Path.Combine(directory, "cavity.onnx");
        OnnxExporter.Export(network, fields, path, new Dictionary<string, string> { ["rel_l2"] = "0.03", ["problem"] = "cavity" });
        return path;
    }

    [Fact]
    public void Metadata_and_bounds_round_trip()
    {
        string path = ExportCavity(out var network);
        using var model = OnnxFieldModel.Load(path);
        Assert.Equal(["u", "v", "p"], model.FieldNames);
        Assert.Equal((network.InputBounds[1][0], network.InputBounds[1][1]), model.InputBounds[1]);
        Assert.Equal("cavity", model.Metadata["problem"]);
        Assert.Equal("0.03", model.Metadata["rel_l2"]);
        Assert.Equal("0", model.Metadata["iterations"]);
        Assert.Equal("{\"k\":1}", model.Metadata["parameters"]);
        Assert.Equal("722", model.Metadata[OnnxMetadataKeys.ParameterCount]);
        Assert.Equal("modified-mlp", model.Metadata[OnnxMetadataKeys.Architecture]);
        Assert.Equal("3x16", model.Metadata[OnnxMetadataKeys.Layers]);
        Assert.Equal("-1*psi_x", model.Metadata[OnnxMetadataKeys.FieldPrefix + "v"]);
        Assert.Equal("CPUExecutionProvider", model.ExecutionProvider);
    }

    [Fact]
    public void Subset_and_reordered_fields_land_in_the_requested_columns()
    {
        string path = ExportCavity(out _);
        using var model = OnnxFieldModel.Load(path);
        float[] points = [0.1f, 0.2f, 0.3f, -0.4f];
        var all = new float[6];
        model.Evaluate(points, 2, ["u", "v", "p"], all);
        var some = new float[4];
        model.Evaluate(points, 2, ["p", "u"], some);
        Assert.Equal([all[2], all[0], all[5], all[3]], some);
    }

    [Fact]
    public void Evaluating_from_several_threads_gives_the_same_values()
    {
        string path = ExportCavity(out var network);
        using var model = OnnxFieldModel.Load(path);
        var points = TestNetworks.RandomPoints(network, 1000, seed: 1);
        var expected = new float[3000];
        model.Evaluate(points, 1000, model.FieldNames, expected);
        Parallel.For(0, 8, _ =>
        {
            var output = new float[3000];
            model.Evaluate(points, 1000, model.FieldNames, output);
            Assert.Equal(expected, output);
        });
    }

    [Fact]
    public void Unknown_field_is_named()
    {
        using var model = OnnxFieldModel.Load(ExportCavity(out _));
        var e = Assert.Throws<ArgumentException>(() => model.Evaluate(new float[2], 1, ["w"], new float[1]));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("u, v, p", e.Message);
    }

    [Fact]
    public void Wrong_input_width_is_explained()
    {
        using var model = OnnxFieldModel.Load(ExportCavity(out _));
        var e = Assert.Throws<ArgumentException>(() => model.Evaluate(new float[9], 3, ["u"], new float[3]));
        Assert.Contains("2 inputs (x, y)", e.Message);
        Assert.Throws<ArgumentException>(() => model.Evaluate(new float[6], 3, ["u"], new float[2]));
    }

    [Fact]
    public void Empty_batch_is_fine()
    {
        using var model = OnnxFieldModel.Load(ExportCavity(out _));
        Span<float> output = [];
        model.Evaluate([], 0, ["u", "v"], output);
        Assert.Equal(0, output.Length);
        // The model is still usable after an empty call, and a zero-point call with a wrongly sized output still fails.
        var one = new float[2];
        model.Evaluate([0.5f, 0.5f], 1, ["u", "v"], one);
        Assert.All(one, v => Assert.True(float.IsFinite(v)));
        Assert.Throws<ArgumentException>(() => model.Evaluate([], 0, ["u"], new float[1]));
    }

    [Theory]
    [InlineData("text")]
    [InlineData("truncated")]
    [InlineData("garbage")]
    public void Corrupt_files_give_invalid_data_naming_the_file(string kind)
    {
        string good = ExportCavity(out _);
        string bad = Path.Combine(directory, $"{kind}.onnx");
        byte[] bytes = File.ReadAllBytes(good);
        switch (kind)
        {
            case "text": File.WriteAllText(bad, "this is not an onnx model\n"); break;
            case "truncated": File.WriteAllBytes(bad, bytes[..(bytes.Length / 2)]); break;
            default: File.WriteAllBytes(bad, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray()); break;
        }
        var e = Assert.Throws<InvalidDataException>(() => OnnxFieldModel.Load(bad));
        Assert.Contains(bad, e.Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var e = Assert.Throws<FileNotFoundException>(() => OnnxFieldModel.Load(Path.Combine(directory, "nope.onnx")));
        Assert.Contains("nope.onnx", e.Message);
    }

    [Fact]
    public void Cuda_request_fails_clearly_without_the_cuda_provider()
    {
        string path = ExportCavity(out _);
        var e = Assert.Throws<InvalidOperationException>(() => OnnxFieldModel.Load(path, new OnnxModelOptions(OnnxDevice.Cuda)));
        Assert.Contains("CUDA", e.Message);
        Assert.Contains("-p:PinnServeCuda=true", e.Message); // this (CPU) build names the switch that adds the CUDA provider
    }

    [Fact]
    public void Third_order_fields_are_refused_naming_the_derivative()
    {
        var network = TestNetworks.Create(NetworkFile.MlpArchitecture, "tanh", ["x", "y"], ["psi"]);
        var field = FieldDefinition.Resolve("psi_xxy", network.Inputs, network.Outputs, []);
        var e = Assert.Throws<ArgumentException>(() =>
            OnnxExporter.Export(network, [field], Path.Combine(directory, "x.onnx"), new Dictionary<string, string>()));
        Assert.Contains("psi_xxy", e.Message);
        Assert.False(File.Exists(Path.Combine(directory, "x.onnx")));
    }

    [Fact]
    public void Throughput_is_measured()
    {
        using var model = OnnxFieldModel.Load(ExportCavity(out _));
        // No time budget: exactly the minimum number of timed calls, so nothing depends on how fast this machine is.
        var result = OnnxThroughput.Measure(model, 100, TimeSpan.Zero, minCalls: 3);
        Assert.Equal(3, result.Calls);
        Assert.Equal(300, result.Points);
        Assert.True(result.Seconds > 0 && double.IsFinite(result.PointsPerSecond));
    }
}
