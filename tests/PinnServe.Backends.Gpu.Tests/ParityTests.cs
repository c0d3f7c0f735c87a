using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Training;

namespace PinnServe.Backends.Gpu.Tests;

/// <summary>
/// The ILGPU kernels against the CPU engine, one suite run per device (<see cref="OnDeviceAttribute"/>): on
/// "ilgpu-cpu" (ILGPU's CPU accelerator, the very kernels "cuda" compiles to PTX) everywhere, on "cuda" where a GPU
/// is present. Every term's loss and ∇θ at the same θ and points, and whole training runs.
/// </summary>
public class ParityTests
{
    static ParityTests() => IlgpuBackend.RegisterAll();

    // Klein–Gordon with the modified MLP (gates), the cavity (third derivatives of ψ), Allen–Cahn with a plain
    // MLP and a point pool; small nets and batches, several shards per term so the on-device accumulation is used.
    public static IEnumerable<object[]> Cases =>
    [
        ["klein-gordon", "M4"],
        ["klein-gordon", "M1"],
        ["cavity", "M4"],
        ["allen-cahn", "DN"],
    ];

    public static IEnumerable<object[]> Architectures => [["mlp"], ["modified-mlp"]];

    // The training runs (the resident step: θ, m and v stay on the device): the modified MLP with adaptive
    // (annealing) weights, and a plain MLP with fixed weights. Two runs keep the suite inside CI's time; the other
    // schemes' device statistics are compared with the host's directly (ResidentStepTests), and allen-cahn DN's
    // point pool per step above.
    public static IEnumerable<object[]> TrainingCases => [["klein-gordon", "M4"], ["klein-gordon", "M1"]];

    internal static TrainingRecipe Config(string problem, string model, string device) =>
        Recipes.For(ProblemCatalog.Create(problem), model).WithNetwork(it => it with { Layers = "2x10" }).WithSampling(it => it with { Batch = 40, SlicePoints = 16, TermPoints = new(), FullBatch = false }).WithLogging(it => it with { EvaluationGrid = 5 }).WithDevice(it => it with { Precision = Precision.Float32, Name = device });

    [Theory]
    [OnDevice(Devices.IlgpuCpu, nameof(Cases))]
    [OnDevice(Devices.Cuda, nameof(Cases))]
    public void LossesAndGradientsOfEveryTermMatchTheCpuEngine(string device, string problem, string model) =>
        AssertTermsMatchTheCpuEngine(Config(problem, model, "cpu"), device, $"{device} {problem} {model}");

    // Periodic input features are computed on the host and uploaded: the device must see every component of them.
    [Theory]
    [OnDevice(Devices.IlgpuCpu, nameof(Architectures))]
    [OnDevice(Devices.Cuda, nameof(Architectures))]
    public void PeriodicInputFeaturesMatchTheCpuEngine(string device, string architecture) =>
        AssertTermsMatchTheCpuEngine(Config("allen-cahn", "DN", "cpu").WithNetwork(it => it with { Architecture = architecture, PeriodicInputs = ["x"] }),
            device, $"{device} allen-cahn periodic x {architecture}");

    // Random Fourier features likewise (B fixed, closed-form jets on the host).
    [Theory]
    [OnDevice(Devices.IlgpuCpu, nameof(Architectures))]
    [OnDevice(Devices.Cuda, nameof(Architectures))]
    public void FourierFeaturesMatchTheCpuEngine(string device, string architecture) =>
        AssertTermsMatchTheCpuEngine(Config("klein-gordon", "M1", "cpu").WithNetwork(it => it with { Architecture = architecture, FourierFeatures = new FourierFeaturesRecipe { Count = 16, Scale = 2 } }),
            device, $"{device} klein-gordon fourier features {architecture}");

    private static void AssertTermsMatchTheCpuEngine(TrainingRecipe config, string device, string label)
    {
        using var cpu = (Trainer<float>)TrainerFactory.Create(config, 1);
        using var gpu = (Trainer<float>)TrainerFactory.Create(config.WithDevice(it => it with { Name = device }), 1);
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
                Assert.True(lossError <= 1e-5, $"{label} step {step}: loss '{a[i].Name}' cpu {la:R}, {device} {lb:R} (relative {lossError:E2})");
                worstLoss = Math.Max(worstLoss, lossError);
                double error = RelativeDifference(a[i].Gradient, b[i].Gradient);
                Assert.True(error <= 1e-5, $"{label} step {step}: ∇θ of '{a[i].Name}' differs by {error:E2} of its largest entry");
                worstGradient = Math.Max(worstGradient, error);
            }
        }
        Console.WriteLine($"parity {label}: worst loss {worstLoss:E2}, worst ∇θ {worstGradient:E2} (relative)");
    }

    [Theory]
    [OnDevice(Devices.IlgpuCpu)]
    [OnDevice(Devices.Cuda)]
    public void CausalWeightsFromTheDevicesResidualsFollowTheCpuRun(string device)
    {
        // The weights come from every point's residual, which the device returns on demand after each step.
        var config = Config("allen-cahn", "DN", "cpu").WithCausal(it => it with { Chunks = 4, Tolerance = 10 });
        using var cpu = (Trainer<float>)TrainerFactory.Create(config, 1);
        using var gpu = (Trainer<float>)TrainerFactory.Create(config.WithDevice(it => it with { Name = device }), 1);
        for (int step = 0; step < 5; step++)
        {
            cpu.TrainStep();
            gpu.TrainStep();
            double[] a = cpu.Causal!.Weights, b = gpu.Causal!.Weights;
            Assert.True(a.Min() < 0.99, $"step {step}: the later chunks must carry weights below 1 for the check to mean anything (min {a.Min():R})");
            for (int i = 0; i < a.Length; i++)
                Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4 * Math.Max(a[i], 1e-30) + 1e-12, $"step {step}, chunk {i}: cpu weight {a[i]:R}, {device} {b[i]:R}");
            double ua = cpu.CausalUnweightedResidualLoss!.Value, ub = gpu.CausalUnweightedResidualLoss!.Value;
            Assert.True(Math.Abs(ua - ub) <= 1e-4 * ua, $"step {step}: unweighted residual loss cpu {ua:R}, {device} {ub:R}");
        }
        double theta = RelativeDifference(cpu.Network.Parameters.Values, gpu.Network.Parameters.Values);
        Assert.True(theta <= 1e-4, $"θ after 5 causal steps differs by {theta:E2} of its largest entry");
    }

    /// <summary>Steps of the training-run comparison.</summary>
    private const int RunSteps = 200;

    /// <summary>
    /// Bound on max |θ_cpu − θ_device| / max |θ_cpu| after <see cref="RunSteps"/> steps. Both runs sample the same
    /// points; each step's float32 loss and ∇θ agree to ~1e-6 relative (different summation order and
    /// transcendental implementations; the per-step tests above bound them by 1e-5). Adam's step is
    /// lr·m̂/(√v̂ + ε), so a relative gradient error δ moves an entry by at most ~lr·δ per step as long as |g| ≫ ε:
    /// after N = 200 steps at lr = 1e-3 that is ≤ 200·1e-3·1e-5 = 2e-6 absolute on θ of order 1, and the error
    /// does not grow exponentially over so few steps at this learning rate. The bound keeps a 50× margin over that
    /// estimate for entries whose gradient is near ε (where Adam's normalisation amplifies a relative error) and
    /// for the adaptive weights' feedback; a wrong kernel (a sign, a missing term, a wrong index) moves θ by
    /// ~lr per step, i.e. ≥ 1e-2 after 200 steps, far above it. Measured on ilgpu-cpu (2026-12-07) with the
    /// resident step (combination and Adam in device kernels): 3.1e-8 (klein-gordon M4), 1.2e-7 (klein-gordon M1),
    /// 6.4e-8 (allen-cahn DN); each run prints its value. The same bound holds for cuda, whose
    /// PTX may contract a·b + c into FMAs and use other sin/exp approximations: still ~1e-6 per step.
    /// </summary>
    private const double ThetaTolerance = 1e-4;

    [Theory]
    [OnDevice(Devices.IlgpuCpu, nameof(TrainingCases))]
    [OnDevice(Devices.Cuda, nameof(TrainingCases))]
    public void TwoHundredTrainingStepsStayCloseToTheCpuRun(string device, string problem, string model)
    {
        // Smaller than the per-step cases (one hidden layer of 8, 24 points in two shards per term): ILGPU's CPU
        // accelerator pays per kernel launch, and 200 steps must stay a few seconds in CI.
        TrainingRecipe Small(string d) => Config(problem, model, d).WithNetwork(it => it with { Layers = "1x8" }).WithSampling(it => it with { Batch = 24, SlicePoints = 12 });
        using var cpu = (Trainer<float>)TrainerFactory.Create(Small("cpu"), 1);
        using var gpu = (Trainer<float>)TrainerFactory.Create(Small(device), 1);
        Assert.True(gpu.ResidualTerms[0].Shards.Count > 1, "the residual term must span several shards");
        double worst = 0;
        for (int step = 1; step <= RunSteps; step++)
        {
            cpu.TrainStep();
            gpu.TrainStep();
            // θ comes down only every 50 steps (reading it costs the resident step one download and one upload).
            if (step % 50 == 0) worst = Math.Max(worst, RelativeDifference(cpu.Network.Parameters.Values, gpu.Network.Parameters.Values));
        }
        double theta = RelativeDifference(cpu.Network.Parameters.Values, gpu.Network.Parameters.Values);
        Console.WriteLine($"training {device} {problem} {model}: θ after {RunSteps} steps within {theta:E2} (worst on the way {worst:E2}), relative to max |θ|");
        Assert.True(theta <= ThetaTolerance, $"{device}: θ after {RunSteps} steps differs by {theta:E2} of its largest entry (bound {ThetaTolerance:E0})");
        for (int i = 0; i < cpu.Losses.Count; i++)
        {
            double error = Math.Abs(cpu.Losses[i] - gpu.Losses[i]) / Math.Max(Math.Abs(cpu.Losses[i]), 1e-30);
            Assert.True(error <= 10 * ThetaTolerance, $"{device}: loss '{cpu.TermNames[i]}' after {RunSteps} steps: cpu {cpu.Losses[i]:R}, {device} {gpu.Losses[i]:R}");
        }
        Assert.Equal(cpu.Weights, gpu.Weights, (x, y) => Math.Abs(x - y) <= ThetaTolerance * Math.Max(1, Math.Abs(x)));
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
