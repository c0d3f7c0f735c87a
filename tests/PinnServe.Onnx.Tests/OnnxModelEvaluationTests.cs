using PinnServe.Contracts;

namespace PinnServe.Onnx.Tests;

public sealed class OnnxModelEvaluationTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("pinnserve-onnx-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private (OnnxFieldModel Model, NetworkFile Network) Export()
    {
        var network = TestNetworks.Create(NetworkFile.MlpArchitecture, "tanh", ["x", "t"], ["u"], seed: 2);
        string path = Path.Combine(directory, "m.onnx");
        OnnxExporter.Export(network, [FieldDefinition.Of("u", 1, "u"), FieldDefinition.Of("u_x", 1, "u", "x")], path, new Dictionary<string, string>());
        return (OnnxFieldModel.Load(path), network);
    }

    [Fact]
    public void Exact_reference_gives_float_rounding_error_and_a_perturbed_one_its_error()
    {
        var (model, network) = Export();
        using var _ = model;
        var reference = new ReferenceEvaluator(network);
        var points = TestNetworks.RandomPoints(network, 500, seed: 3);
        var x = new double[500];
        var t = new double[500];
        var u = new double[500];
        for (int i = 0; i < 500; i++)
        {
            (x[i], t[i]) = (points[2 * i], points[2 * i + 1]);
            u[i] = reference.Forward([x[i], t[i]])[0];
        }
        var columns = new Dictionary<string, double[]> { ["t"] = t, ["x"] = x, ["u"] = u };
        var exact = Assert.Single(OnnxModelEvaluation.Compare(model, columns));
        Assert.Equal("u", exact.Field);
        Assert.InRange(exact.RelativeL2, 0, 1e-6);

        columns["u"] = u.Select(v => v * 1.01).ToArray();
        var perturbed = Assert.Single(OnnxModelEvaluation.Compare(model, columns));
        Assert.Equal(0.01 / 1.01, perturbed.RelativeL2, 1e-5);
    }

    [Fact]
    public void Missing_columns_are_named()
    {
        var (model, _) = Export();
        using var _m = model;
        var e = Assert.Throws<ArgumentException>(() => OnnxModelEvaluation.Compare(model, new Dictionary<string, double[]> { ["x"] = [0.0], ["u"] = [1.0] }));
        Assert.Contains("t", e.Message);
        e = Assert.Throws<ArgumentException>(() => OnnxModelEvaluation.Compare(model,
            new Dictionary<string, double[]> { ["x"] = [0.0], ["t"] = [0.0], ["u"] = [1.0] }, ["u_x"]));
        Assert.Contains("'u_x'", e.Message);
    }

    [Fact]
    public void Export_is_deterministic()
    {
        var network = TestNetworks.Create(NetworkFile.ModifiedMlpArchitecture, "sin", ["x", "y"], ["psi"], seed: 4);
        var fields = new[] { FieldDefinition.Of("u", 1, "psi", "y"), FieldDefinition.Of("psi_xx", 1, "psi", "x", "x") };
        string a = Path.Combine(directory, "a.onnx"), b = Path.Combine(directory, "b.onnx");
        OnnxExporter.Export(network, fields, a, new Dictionary<string, string> { ["k"] = "1", ["j"] = "2" });
        OnnxExporter.Export(network, fields, b, new Dictionary<string, string> { ["j"] = "2", ["k"] = "1" });
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }
}
