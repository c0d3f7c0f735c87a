using PinnServe.Contracts;
using Xunit.Abstractions;

namespace PinnServe.Onnx.Tests;

/// <summary>ONNX Runtime's outputs of exported models equal an independent float64 evaluation.</summary>
public sealed class ExportParityTests(ITestOutputHelper log) : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string directory = Directory.CreateTempSubdirectory("pinnserve-onnx-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    public static TheoryData<string, string> Architectures => new()
    {
        { NetworkFile.MlpArchitecture, "tanh" },
        { NetworkFile.ModifiedMlpArchitecture, "tanh" },
        { NetworkFile.MlpArchitecture, "sin" },
        { NetworkFile.ModifiedMlpArchitecture, "sin" },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Cavity_style_fields_with_first_second_and_mixed_derivatives_match(string architecture, string activation)
    {
        var network = TestNetworks.Create(architecture, activation, ["x", "y"], ["psi", "p"], seed: 11);
        FieldDefinition[] problemFields = [FieldDefinition.Of("u", 1, "psi", "y"), FieldDefinition.Of("v", -1, "psi", "x")];
        var fields = Resolve(network, problemFields, "u", "v", "p", "psi", "psi_x", "psi_xx", "psi_xy", "psi_yy", "p_y", "u_x", "v_y");
        fields.Add(new FieldDefinition
        {
            Name = "laplacian_psi",
            Terms = [new FieldTerm { Coefficient = 1, Output = "psi", Derivative = ["x", "x"] },
                     new FieldTerm { Coefficient = 1, Output = "psi", Derivative = ["y", "y"] }],
        });
        AssertParity(network, fields);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Three_inputs_with_time_derivatives_match(string architecture, string activation)
    {
        var network = TestNetworks.Create(architecture, activation, ["t", "x", "y"], ["u", "v"], depth: 4, width: 20, seed: 23);
        var fields = Resolve(network, [], "u", "v", "u_t", "u_tt", "u_xt", "v_yx", "u_yy", "v_x");
        AssertParity(network, fields);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Values_only_match(string architecture, string activation)
    {
        var network = TestNetworks.Create(architecture, activation, ["x", "y"], ["u"], seed: 5);
        AssertParity(network, Resolve(network, [], "u"));
    }

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture)]
    public void Single_hidden_layer_networks_match(string architecture)
    {
        var network = TestNetworks.Create(architecture, "tanh", ["x", "t"], ["u"], depth: 1, width: 10, seed: 17);
        AssertParity(network, Resolve(network, [], "u", "u_x", "u_xt", "u_tt"));
    }

    // Periodic input features: the first layer's jet is built from cos and sin of the physical coordinate.
    [Theory]
    [MemberData(nameof(Architectures))]
    public void Periodic_input_features_with_derivatives_match(string architecture, string activation)
    {
        var network = TestNetworks.Create(architecture, activation, ["t", "x", "y"], ["u"], depth: 3, width: 16, seed: 29,
            periodic: [new PeriodicInput("x", 2.0), new PeriodicInput("y", 0.8)]);
        AssertParity(network, Resolve(network, [], "u", "u_t", "u_x", "u_xx", "u_xt", "u_yy", "u_xy", "u_tt"));
    }

    [Fact]
    public void First_derivatives_only_match()
    {
        var network = TestNetworks.Create(NetworkFile.ModifiedMlpArchitecture, "tanh", ["t", "x"], ["u"], seed: 3);
        AssertParity(network, Resolve(network, [], "u_t", "u_x", "u"));
    }

    [Fact]
    public void Batches_larger_than_one_runtime_chunk_match()
    {
        var network = TestNetworks.Create(NetworkFile.MlpArchitecture, "tanh", ["x"], ["u"], depth: 2, width: 8, seed: 9);
        AssertParity(network, Resolve(network, [], "u", "u_x", "u_xx"), count: OnnxFieldModel.ChunkSize + 17, checkedPoints: 50);
    }

    private static List<FieldDefinition> Resolve(NetworkFile network, IReadOnlyList<FieldDefinition> problemFields, params string[] names) =>
        names.Select(n => FieldDefinition.Resolve(n, network.Inputs, network.Outputs, problemFields)).ToList();

    private void AssertParity(NetworkFile network, IReadOnlyList<FieldDefinition> fields, int count = 257, int checkedPoints = int.MaxValue)
    {
        string path = Path.Combine(directory, "model.onnx");
        OnnxExporter.Export(network, fields, path, new Dictionary<string, string>());
        using var model = OnnxFieldModel.Load(path);
        Assert.Equal(network.Inputs, model.InputNames);
        Assert.Equal(fields.Select(f => f.Name), model.FieldNames);

        var points = TestNetworks.RandomPoints(network, count, seed: 42);
        var names = fields.Select(f => f.Name).ToArray();
        var output = new float[count * names.Length];
        model.Evaluate(points, count, names, output);

        var reference = new ReferenceEvaluator(network);
        int d = network.Inputs.Length;
        var step = Math.Max(1, count / Math.Min(count, checkedPoints));
        double worst = 0;
        string worstField = "";
        for (int f = 0; f < fields.Count; f++)
        {
            var expected = new List<(int Point, double Value)>();
            for (int i = 0; i < count; i += step)
                expected.Add((i, reference.Field(fields[f], points.AsSpan(i * d, d).ToArray().Select(v => (double)v).ToArray())));
            double norm = Math.Max(1, expected.Max(e => Math.Abs(e.Value)));
            foreach (var (i, value) in expected)
            {
                double actual = output[i * names.Length + f];
                if (Math.Abs(actual - value) / norm > worst) (worst, worstField) = (Math.Abs(actual - value) / norm, fields[f].Name);
                Assert.True(Math.Abs(actual - value) <= Tolerance * norm,
                    $"{network.Architecture}/{network.Activation} field {fields[f].Name} ({fields[f].Describe()}) at point {i}: " +
                    $"onnx {actual:R}, reference {value:R}, |error| {Math.Abs(actual - value):E3} > {Tolerance * norm:E3}");
            }
        }
        log.WriteLine($"{network.Architecture}/{network.Activation} d={d}: max |error|/max(1,‖ref‖∞) = {worst:E2} (field {worstField}), " +
            $"{new FileInfo(path).Length} bytes");
    }
}
