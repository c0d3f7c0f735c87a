using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Training;

namespace PinnServe.Backends.Gpu.Tests;

/// <summary>
/// The ILGPU kernels, run on ILGPU's CPU accelerator (the same kernels "cuda" compiles to PTX), against the CPU
/// engine: every term's loss and ∇θ at the same θ and points, and whole training runs.
/// </summary>
public class ParityTests
{
    static ParityTests() => IlgpuBackend.RegisterAll();

    // Klein–Gordon with the modified MLP (gates), the cavity (third derivatives of ψ), Allen–Cahn with a plain
    // MLP and a point pool; small nets and batches, several shards per term so the on-device accumulation is used.
    public static TheoryData<string, string> Cases => new()
    {
        { "klein-gordon", "M4" },
        { "klein-gordon", "M1" },
        { "cavity", "M4" },
        { "allen-cahn", "DN" },
    };

    internal static TrainingConfig Config(string problem, string model, string device) =>
        TrainingConfig.Defaults(ProblemCatalog.Create(problem), model) with
        {
            Layers = "2x10", Batch = 40, EvaluationGrid = 5, Precision = "float32", SlicePoints = 16, TermPoints = new(),
            FullBatch = false, Device = device,
        };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossesAndGradientsOfEveryTermMatchTheCpuEngine(string problem, string model) =>
        AssertTermsMatchTheCpuEngine(Config(problem, model, "cpu"), $"{problem} {model}");

    // Periodic input features are computed on the host and uploaded: the device must see every component of them.
    [Theory]
    [InlineData("mlp")]
    [InlineData("modified-mlp")]
    public void PeriodicInputFeaturesMatchTheCpuEngine(string architecture) =>
        AssertTermsMatchTheCpuEngine(Config("allen-cahn", "DN", "cpu") with { Architecture = architecture, PeriodicInputs = ["x"] },
            $"allen-cahn periodic x {architecture}");

    // Random Fourier features likewise (B fixed, closed-form jets on the host).
    [Theory]
    [InlineData("mlp")]
    [InlineData("modified-mlp")]
    public void FourierFeaturesMatchTheCpuEngine(string architecture) =>
        AssertTermsMatchTheCpuEngine(Config("klein-gordon", "M1", "cpu") with { Architecture = architecture, FourierFeatures = new Nn.FourierFeatures(16, 2) },
            $"klein-gordon fourier features {architecture}");

    private static void AssertTermsMatchTheCpuEngine(TrainingConfig config, string label)
    {
        using var cpu = (Trainer<float>)TrainerFactory.Create(config, 1);
        using var gpu = (Trainer<float>)TrainerFactory.Create(config with { Device = "ilgpu-cpu" }, 1);
        Assert.True(gpu.ResidualTerms[0].Shards.Count > 1, "the residual term must span several shards");
        double worstLoss = 0, worstGradient = 0;
        for (int step = 0; step < 3; step++)
        {
            // Same θ before each comparison: copy the CPU run's parameters, so only this step's arithmetic differs.
            cpu.Network.Parameters.Values.CopyTo(gpu.Network.Parameters.Values, 0);
            cpu.TrainStep();
            gpu.TrainStep();
            var a = Terms(cpu);
            var b = Terms(gpu);
            for (int i = 0; i < a.Length; i++)
            {
                double la = a[i].Loss, lb = b[i].Loss;
                double lossError = Math.Abs(la - lb) / Math.Max(Math.Abs(la), 1e-30);
                Assert.True(lossError <= 1e-5, $"{label} step {step}: loss '{a[i].Name}' cpu {la:R}, ilgpu {lb:R} (relative {lossError:E2})");
                worstLoss = Math.Max(worstLoss, lossError);
                double error = RelativeDifference(a[i].Gradient, b[i].Gradient);
                Assert.True(error <= 1e-5, $"{label} step {step}: ∇θ of '{a[i].Name}' differs by {error:E2} of its largest entry");
                worstGradient = Math.Max(worstGradient, error);
            }
        }
        Console.WriteLine($"parity {label}: worst loss {worstLoss:E2}, worst ∇θ {worstGradient:E2} (relative)");
    }

    [Fact]
    public void CausalWeightsFromTheDevicesResidualsFollowTheCpuRun()
    {
        // The weights come from every point's residual, which the device returns on demand after each step.
        var config = Config("allen-cahn", "DN", "cpu") with { CausalChunks = 4, CausalTolerance = 10 };
        using var cpu = (Trainer<float>)TrainerFactory.Create(config, 1);
        using var gpu = (Trainer<float>)TrainerFactory.Create(config with { Device = "ilgpu-cpu" }, 1);
        for (int step = 0; step < 5; step++)
        {
            cpu.TrainStep();
            gpu.TrainStep();
            double[] a = cpu.Causal!.Weights, b = gpu.Causal!.Weights;
            Assert.True(a.Min() < 0.99, $"step {step}: the later chunks must carry weights below 1 for the check to mean anything (min {a.Min():R})");
            for (int i = 0; i < a.Length; i++)
                Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4 * Math.Max(a[i], 1e-30) + 1e-12, $"step {step}, chunk {i}: cpu weight {a[i]:R}, ilgpu {b[i]:R}");
            double ua = cpu.CausalUnweightedResidualLoss!.Value, ub = gpu.CausalUnweightedResidualLoss!.Value;
            Assert.True(Math.Abs(ua - ub) <= 1e-4 * ua, $"step {step}: unweighted residual loss cpu {ua:R}, ilgpu {ub:R}");
        }
        double theta = RelativeDifference(cpu.Network.Parameters.Values, gpu.Network.Parameters.Values);
        Assert.True(theta <= 1e-4, $"θ after 5 causal steps differs by {theta:E2} of its largest entry");
    }

    [Theory]
    [InlineData("klein-gordon", "M4")]
    [InlineData("allen-cahn", "DN")]
    public void FiftyTrainingStepsStayWithin1eMinus4OfTheCpuRun(string problem, string model)
    {
        using var cpu = (Trainer<float>)TrainerFactory.Create(Config(problem, model, "cpu"), 1);
        using var gpu = (Trainer<float>)TrainerFactory.Create(Config(problem, model, "ilgpu-cpu"), 1);
        for (int step = 0; step < 50; step++)
        {
            cpu.TrainStep();
            gpu.TrainStep();
        }
        double theta = RelativeDifference(cpu.Network.Parameters.Values, gpu.Network.Parameters.Values);
        Assert.True(theta <= 1e-4, $"θ after 50 steps differs by {theta:E2} of its largest entry");
        for (int i = 0; i < cpu.Losses.Count; i++)
        {
            double error = Math.Abs(cpu.Losses[i] - gpu.Losses[i]) / Math.Max(Math.Abs(cpu.Losses[i]), 1e-30);
            Assert.True(error <= 1e-4, $"loss '{cpu.TermNames[i]}' after 50 steps: cpu {cpu.Losses[i]:R}, ilgpu {gpu.Losses[i]:R}");
        }
        Assert.Equal(cpu.Weights, gpu.Weights, (x, y) => Math.Abs(x - y) <= 1e-4 * Math.Max(1, Math.Abs(x)));
        Console.WriteLine($"training {problem} {model}: θ after 50 steps within {theta:E2} (relative to max |θ|)");
    }

    private static CompiledTerm<float>[] Terms(Trainer<float> t) => [.. t.ResidualTerms, .. t.WeightedTermTapes];

    /// <summary>max |a − b| over max |a|: the error relative to the vector's scale (entries near zero carry no relative meaning).</summary>
    internal static double RelativeDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double scale = 0, diff = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(float.IsFinite(b[i]), $"entry {i} is {b[i]}");
            scale = Math.Max(scale, Math.Abs(a[i]));
            diff = Math.Max(diff, Math.Abs((double)a[i] - b[i]));
        }
        return diff / Math.Max(scale, 1e-30);
    }
}
