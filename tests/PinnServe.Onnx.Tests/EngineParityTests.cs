using PinnServe.Autodiff;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Nn;
using PinnServe.Tensors;
using PinnServe.Training;
using PinnServe.Training.Evaluation;
using Xunit.Abstractions;

namespace PinnServe.Onnx.Tests;

/// <summary>
/// ONNX Runtime's outputs of an exported network equal the training engine's own Taylor-mode evaluation of the
/// same network (float32 in both) to 1e-5, scale-aware: |onnx − engine| ≤ 1e-5 · max(1, ‖engine field‖∞) per field.
/// Unlike <see cref="ExportParityTests"/> (an independent float64 reference) this pins the file to what the trainer
/// computed, so a drift between the engine's and the exporter's rules (normalization, gate, layer order) fails here.
/// </summary>
public sealed class EngineParityTests(ITestOutputHelper log) : IDisposable
{
    private const double Tolerance = 1e-5;
    private const int PointCount = 1000;
    private readonly string directory = Directory.CreateTempSubdirectory("pinnserve-engine-parity-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    public static TheoryData<string> Architectures => new() { NetworkFile.MlpArchitecture, NetworkFile.ModifiedMlpArchitecture };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Trained_klein_gordon_network_matches_the_trainer(string architecture) =>
        AssertTrainedNetworkMatchesTheTrainer(new TrainingRecipe
        {
            Problem = "klein-gordon",
            Weighting = new WeightingConfig { Scheme = "annealing" },
            Seed = 5,
            Network = new() { Architecture = architecture, Layers = "3x16" },
            Adam = new() { Iterations = 30 },
            Sampling = new() { Batch = 32 },
            Logging = new() { EvaluationGrid = 8, EvaluateEvery = 1_000_000, LogEvery = 1_000_000 },
        }, ["u", "u_t", "u_x", "u_tt", "u_xx", "u_xt"], pointSeed: 77);

    // normalization = none (PINNacle/DeepXDE feed raw coordinates): shift 0 and scale 1 in network.json, and the
    // exported graph's normalization is then the identity the engine applied.
    [Theory]
    [MemberData(nameof(Architectures))]
    public void Trained_network_with_raw_coordinates_matches_the_trainer(string architecture)
    {
        var network = AssertTrainedNetworkMatchesTheTrainer(new TrainingRecipe
        {
            Problem = "klein-gordon",
            Seed = 5,
            Network = new() { Architecture = architecture, Layers = "3x16" },
            Adam = new() { Iterations = 30 },
            Sampling = new() { Batch = 32, Normalization = Normalization.None },
            Logging = new() { EvaluationGrid = 8, EvaluateEvery = 1_000_000, LogEvery = 1_000_000 },
        }, ["u", "u_t", "u_x", "u_tt", "u_xx"], pointSeed: 79);
        Assert.All(network.InputShift, s => Assert.Equal(0.0, s));
        Assert.All(network.InputScale, s => Assert.Equal(1.0, s));
    }

    // Periodic input features: the exporter's folded first layer against the engine's feature node.
    [Theory]
    [MemberData(nameof(Architectures))]
    public void Trained_allen_cahn_network_with_periodic_x_matches_the_trainer(string architecture)
    {
        var network = AssertTrainedNetworkMatchesTheTrainer(new TrainingRecipe
        {
            Problem = "allen-cahn",
            Weighting = new WeightingConfig { Scheme = "grad-norm" },
            Seed = 5,
            Network = new() { Architecture = architecture, Layers = "3x16", PeriodicInputs = ["x"] },
            Adam = new() { Iterations = 30 },
            Sampling = new() { Batch = 32 },
            Logging = new() { EvaluationGrid = 8, EvaluateEvery = 1_000_000, LogEvery = 1_000_000 },
        }, ["u", "u_t", "u_x", "u_xx", "u_tx", "u_tt"], pointSeed: 78);
        Assert.Equal([new PeriodicInput("x", 2.0)], network.PeriodicInputs!);
    }

    // A trained network with random weight factorization and Fourier features, through the trainer's network file.
    [Theory]
    [MemberData(nameof(Architectures))]
    public void Trained_klein_gordon_network_with_rwf_and_fourier_features_matches_the_trainer(string architecture)
    {
        var network = AssertTrainedNetworkMatchesTheTrainer(new TrainingRecipe
        {
            Problem = "klein-gordon", Weighting = new WeightingConfig { Scheme = "ntk", Interval = 10, NtkPoints = 8 },
            Network = new() { Architecture = architecture, Layers = "3x16", Rwf = new(), FourierFeatures = new() { Count = 12, Scale = 2 } },
            Adam = new() { Iterations = 30 }, Sampling = new() { Batch = 32 },
            Logging = new() { EvaluationGrid = 8, EvaluateEvery = 1_000_000, LogEvery = 1_000_000 }, Seed = 5,
        }, ["u", "u_t", "u_x", "u_tt", "u_xx", "u_xt"], pointSeed: 79);
        Assert.Equal(12, network.FourierFeatures!.Count);
        Assert.All(network.Layers, l => Assert.NotNull(l.LogScale));
    }

    /// <summary>A few real training steps (so biases and weights are no longer at their zero-bias initialization), then
    /// the exported fields against the trainer's own evaluation.</summary>
    private NetworkFile AssertTrainedNetworkMatchesTheTrainer(TrainingRecipe config, string[] names, int pointSeed)
    {
        using var trainer = TrainerFactory.Create(config);
        for (int i = 0; i < config.Adam.Iterations; i++) trainer.TrainStep();

        var network = trainer.ToNetworkFile(new Dictionary<string, string> { ["problem"] = config.Problem });
        var fields = names.Select(n => FieldDefinition.Resolve(n, network.Inputs, network.Outputs, [])).ToList();
        var points = TestNetworks.RandomPoints(network, PointCount, seed: pointSeed);
        var engine = trainer.EvaluateFields(names, ToDoubles(points));

        var errors = CompareWithOnnx(network, fields, points, engine);
        string features = config.Network.PeriodicInputs.Length > 0 ? $" periodic {string.Join(",", config.Network.PeriodicInputs)}" : "";
        Report($"{config.Problem}{features} {config.Network.Architecture} {config.Network.Layers} after {config.Adam.Iterations} steps", errors);
        AssertWithinTolerance(errors);
        return network;
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Cavity_style_stream_function_fields_match_the_engine(string architecture)
    {
        var engine = RandomEngineNetwork(architecture, seed: 13);
        var (shift, scale) = CavityNormalization;
        FieldDefinition[] problemFields = [FieldDefinition.Of("u", 1, "psi", "y"), FieldDefinition.Of("v", -1, "psi", "x")];
        string[] names = ["u", "v", "p", "psi", "psi_x", "psi_y", "psi_xx", "psi_yy", "psi_xy", "p_x", "u_x", "v_y"];
        var fields = names.Select(n => FieldDefinition.Resolve(n, ["x", "y"], ["psi", "p"], problemFields)).ToList();
        var file = engine.ToFile(["x", "y"], ["psi", "p"], shift, scale, [[0, 1], [0, 1]]);
        var evaluator = new FieldEvaluator<float>(engine, ["x", "y"], ["psi", "p"], shift, scale, fields);
        var points = TestNetworks.RandomPoints(file, PointCount, seed: 91);

        var errors = CompareWithOnnx(file, fields, points, evaluator.Evaluate(ToDoubles(points)));
        Report($"cavity-style {architecture} 4x24 random weights and biases", errors);
        AssertWithinTolerance(errors);
    }

    // Random weight factorization exports its effective W; Fourier features export as a dense layer and a sine, which the
    // engine computes in closed form — so this pins the two against each other, derivatives to order 2 included.
    public static TheoryData<string, bool, bool, double> MethodVariants => new()
    {
        { NetworkFile.MlpArchitecture, true, false, 1 },
        { NetworkFile.ModifiedMlpArchitecture, true, false, 1 },
        { NetworkFile.MlpArchitecture, false, true, 1 },
        { NetworkFile.ModifiedMlpArchitecture, false, true, 2 },
        { NetworkFile.MlpArchitecture, true, true, 3 },
        { NetworkFile.ModifiedMlpArchitecture, true, true, 1 },
    };

    [Theory]
    [MemberData(nameof(MethodVariants))]
    public void Factorized_and_fourier_feature_networks_match_the_engine(string architecture, bool rwf, bool rff, double sigma)
    {
        var engine = RandomEngineNetwork(architecture, seed: 17, rwf ? new WeightFactorization() : null, rff ? new FourierFeatures(16, sigma) : null);
        var (shift, scale) = CavityNormalization;
        string[] names = ["psi", "p", "psi_x", "psi_y", "psi_xx", "psi_yy", "psi_xy", "p_x"];
        var fields = names.Select(n => FieldDefinition.Resolve(n, ["x", "y"], ["psi", "p"], [])).ToList();
        var file = engine.ToFile(["x", "y"], ["psi", "p"], shift, scale, [[0, 1], [0, 1]]);
        Assert.Equal(rwf, file.Layers.All(l => l.LogScale is not null));
        Assert.Equal(rff, file.FourierFeatures is not null);
        var evaluator = new FieldEvaluator<float>(engine, ["x", "y"], ["psi", "p"], shift, scale, fields);
        var points = TestNetworks.RandomPoints(file, PointCount, seed: 92);

        var errors = CompareWithOnnx(file, fields, points, evaluator.Evaluate(ToDoubles(points)));
        Report($"{architecture} rwf={rwf} rff={rff} σ={sigma} 4x24 random weights", errors);
        AssertWithinTolerance(errors);
    }

    [Fact]
    public void A_perturbed_fourier_matrix_is_detected()
    {
        var engine = RandomEngineNetwork(NetworkFile.MlpArchitecture, seed: 17, null, new FourierFeatures(16, 1));
        var (shift, scale) = CavityNormalization;
        var fields = new[] { "psi", "psi_x", "psi_xy" }.Select(n => FieldDefinition.Resolve(n, ["x", "y"], ["psi", "p"], [])).ToList();
        var file = engine.ToFile(["x", "y"], ["psi", "p"], shift, scale, [[0, 1], [0, 1]]);
        var points = TestNetworks.RandomPoints(file, PointCount, seed: 93);
        var reference = new FieldEvaluator<float>(engine, ["x", "y"], ["psi", "p"], shift, scale, fields).Evaluate(ToDoubles(points));
        file.FourierFeatures!.Matrix[5] += 1e-3;
        Assert.Contains(CompareWithOnnx(file, fields, points, reference), e => e.Error > Tolerance);
    }

    /// <summary>The comparison is sensitive: a 1e-3 change of one hidden weight in the exported file is caught.</summary>
    [Theory]
    [MemberData(nameof(Architectures))]
    public void A_perturbed_hidden_weight_is_detected(string architecture)
    {
        var engine = RandomEngineNetwork(architecture, seed: 13);
        var (shift, scale) = CavityNormalization;
        var fields = new[] { "psi", "psi_x", "psi_xy" }.Select(n => FieldDefinition.Resolve(n, ["x", "y"], ["psi", "p"], [])).ToList();
        var file = engine.ToFile(["x", "y"], ["psi", "p"], shift, scale, [[0, 1], [0, 1]]);
        var points = TestNetworks.RandomPoints(file, PointCount, seed: 91);
        var reference = new FieldEvaluator<float>(engine, ["x", "y"], ["psi", "p"], shift, scale, fields).Evaluate(ToDoubles(points));

        var hidden = file.Layers.First(l => l.Name.StartsWith("hidden_1", StringComparison.Ordinal));
        hidden.Weights[3] += 1e-3;
        var errors = CompareWithOnnx(file, fields, points, reference);
        Report($"{architecture} with hidden_1 weight[3] += 1e-3 (must fail)", errors);
        Assert.Contains(errors, e => e.Error > Tolerance);
    }

    private static (double[] Shift, double[] Scale) CavityNormalization => ([0.5, 0.5], [1 / Math.Sqrt(12), 1 / Math.Sqrt(12)]);

    /// <summary>An engine network ψ, p = f(x, y) with Glorot weights and random (non-zero) biases.</summary>
    private static Network<float> RandomEngineNetwork(string architecture, int seed, WeightFactorization? factorization = null, FourierFeatures? fourier = null)
    {
        var store = new ParameterStore<float>();
        var network = Network<float>.Create(architecture, store, inputs: 2, outputs: 2, NetworkShape.Parse("4x24"), Activations.Parse("tanh"), null, factorization, fourier);
        var rng = new Rng((ulong)seed);
        network.InitializeGlorotNormal(rng);
        foreach (var (_, bias) in network.Layers)
        {
            var values = store.Slice(bias);
            for (int i = 0; i < values.Length; i++) values[i] = (float)(0.2 * rng.NextNormal());
        }
        return network;
    }

    /// <summary>Exports <paramref name="network"/>, evaluates it with ONNX Runtime, and returns each field's scale-aware max error.</summary>
    private List<(string Field, double Error, double Scale)> CompareWithOnnx(NetworkFile network, IReadOnlyList<FieldDefinition> fields,
        float[] points, double[][] engine)
    {
        string path = Path.Combine(directory, $"model-{Guid.NewGuid():N}.onnx");
        OnnxExporter.Export(network, fields, path, new Dictionary<string, string>());
        using var model = OnnxFieldModel.Load(path);
        var names = fields.Select(f => f.Name).ToArray();
        var output = new float[PointCount * names.Length];
        model.Evaluate(points, PointCount, names, output);

        var errors = new List<(string, double, double)>();
        for (int f = 0; f < names.Length; f++)
        {
            double scale = Math.Max(1, engine[f].Max(Math.Abs));
            double worst = 0;
            for (int i = 0; i < PointCount; i++)
            {
                double onnx = output[i * names.Length + f];
                Assert.True(double.IsFinite(onnx), $"field {names[f]} at point {i}: ONNX Runtime gave {onnx}");
                worst = Math.Max(worst, Math.Abs(onnx - engine[f][i]) / scale);
            }
            errors.Add((names[f], worst, scale));
        }
        return errors;
    }

    private static void AssertWithinTolerance(List<(string Field, double Error, double Scale)> errors)
    {
        foreach (var (field, error, scale) in errors)
            Assert.True(error <= Tolerance,
                $"field {field}: max |onnx − engine| / max(1, ‖engine‖∞) = {error:E3} > {Tolerance:E0} (‖engine‖∞ scale {scale:G4})");
    }

    private void Report(string title, List<(string Field, double Error, double Scale)> errors) =>
        log.WriteLine($"{title}: " + string.Join(", ", errors.Select(e => $"{e.Field} {e.Error:E2} (scale {e.Scale:G3})")));

    private static double[] ToDoubles(float[] values) => values.Select(v => (double)v).ToArray();
}
