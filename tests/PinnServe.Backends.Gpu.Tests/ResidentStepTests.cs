using System.Numerics;
using PinnServe.Autodiff;
using PinnServe.Engine.Backends;
using PinnServe.Nn;
using PinnServe.Physics;
using PinnServe.Training;
using PinnServe.Training.Weighting;

namespace PinnServe.Backends.Gpu.Tests;

/// <summary>
/// The resident step (<see cref="IlgpuStepExecutor"/>): θ, Adam's m and v stay on the device and only scalars come
/// back per step; whatever needs more (checkpoints, keep-best, L-BFGS, a scheme that reads whole gradients) moves
/// them on demand and must still follow the CPU run. Tiny problems: ILGPU's CPU accelerator pays per launch.
/// </summary>
public class ResidentStepTests
{
    static ResidentStepTests() => IlgpuBackend.RegisterAll();

    private static TrainingRecipe Small(string model, string device) =>
        ParityTests.Config("klein-gordon", model, device).WithNetwork(it => it with { Layers = "1x8" }).WithSampling(it => it with { Batch = 24, SlicePoints = 12 });

    [Theory]
    [OnDevice(Devices.IlgpuCpu)]
    [OnDevice(Devices.Cuda)]
    public void SteadyStateStepsMoveNoParameterSizedBuffers(string device)
    {
        // Annealing every 2 steps: the weights' statistics come down as scalars, not as gradients.
        var config = Small("M4", device).WithWeighting(it => it with { Interval = 2 });
        using var gpu = (Trainer<float>)TrainerFactory.Create(config, 1);
        var step = gpu.StepExecutor;
        gpu.TrainStep();
        Assert.Equal(3, step.ParameterTransfers); // θ, m and v uploaded once
        for (int i = 0; i < 10; i++) gpu.TrainStep();
        Assert.Equal(3, step.ParameterTransfers);
        Assert.True(gpu.Weights.All(w => w != 1), "the adaptive weights must have been updated on the way");

        _ = gpu.Network.Parameters.Values[0]; // reading θ downloads it once…
        Assert.Equal(4, step.ParameterTransfers);
        _ = gpu.Network.Parameters.Values[0];
        Assert.Equal(4, step.ParameterTransfers);
        gpu.TrainStep(); // …and the next step uploads it once (the reader may have written it)
        gpu.TrainStep();
        Assert.Equal(5, step.ParameterTransfers);

        // The download path moves θ up and every term's gradient down, every step.
        var terms = new StepTerms<float>(gpu.ResidualTerms, gpu.WeightedTermTapes, -1, new Adam<float>(gpu.ParameterCount, new ConstantLearningRate(1e-3)));
        using var download = new HostStepExecutor<float>(IlgpuBackend.Cpu.CreateExecutor(terms.All, 1), terms);
        download.Evaluate(new double[terms.All.Count]);
        download.Update(gpu.Weights);
        Assert.Equal(1 + terms.All.Count, download.ParameterTransfers);
    }

    [Theory]
    [OnDevice(Devices.IlgpuCpu)]
    [OnDevice(Devices.Cuda)]
    public void DeviceGradientStatisticsMatchTheHostsAndFeedTheSchemesAlike(string device)
    {
        using var gpu = (Trainer<float>)TrainerFactory.Create(Small("M4", device), 1);
        gpu.TrainStep(); // points sampled, θ moved once
        var store = gpu.Network.Parameters;
        var terms = new StepTerms<float>(gpu.ResidualTerms, gpu.WeightedTermTapes, -1, new Adam<float>(store.Count, new ConstantLearningRate(1e-3)));
        using var resident = (device == Devices.Cuda ? IlgpuBackend.Cuda : IlgpuBackend.Cpu).CreateStepExecutor(terms, 1);
        resident.Evaluate(new double[terms.All.Count]);
        var blocks = store.Infos;
        var reference = new BlockStatistics[blocks.Count];
        var weighted = terms.Weighted.Select(_ => new BlockStatistics[blocks.Count]).ToArray();
        resident.Statistics(reference, weighted);

        // The same statistics from the downloaded vectors, on the host.
        var hostReference = resident.HostReferenceGradient().ToArray();
        var expected = new BlockStatistics[blocks.Count];
        BlockStatistics.OfBlocks<float>(hostReference, blocks, expected);
        AssertClose(expected, reference, "reference");
        for (int t = 0; t < weighted.Length; t++)
        {
            BlockStatistics.OfBlocks<float>(terms.Weighted[t].Gradient, blocks, expected);
            AssertClose(expected, weighted[t], terms.Weighted[t].Name);
        }

        // Every built-in scheme gives the same λ̂ from the block sums as from the whole vectors.
        var all = ParameterSelection.Parse("all", store);
        var weights = ParameterSelection.Parse("weights", store);
        IStatisticsWeightEstimator[] schemes =
        [
            new AnnealingEstimator(weights, AnnealingAggregation.Layerwise), new AnnealingEstimator(weights, AnnealingAggregation.Flat),
            new AnnealingEstimator(weights, AnnealingAggregation.LayerRatio), new InverseDirichletEstimator(all),
            new GradNormEstimator(all, 1), new GradNormEstimator(all, 2), new GradNormEstimator(all, double.PositiveInfinity),
        ];
        var referenceSummary = new BlockGradient(blocks, reference);
        for (int t = 0; t < weighted.Length; t++)
        {
            var termSummary = new BlockGradient(blocks, weighted[t]);
            foreach (var scheme in schemes)
            {
                double fromVectors = scheme.Estimate<float>(hostReference, terms.Weighted[t].Gradient, 1.5);
                double fromBlocks = scheme.EstimateFrom(referenceSummary, termSummary, 1.5);
                Assert.True(double.IsFinite(fromVectors) && fromVectors > 0, $"{scheme.Name}: λ̂ {fromVectors}");
                Assert.True(Math.Abs(fromVectors - fromBlocks) <= 1e-10 * fromVectors, $"{scheme.Name} on '{terms.Weighted[t].Name}': vectors {fromVectors:R}, block sums {fromBlocks:R}");
            }
        }
    }

    private static void AssertClose(BlockStatistics[] expected, BlockStatistics[] actual, string label)
    {
        for (int b = 0; b < expected.Length; b++)
        {
            var (e, a) = (expected[b], actual[b]);
            Assert.Equal(e.Count, a.Count);
            foreach (var (x, y, what) in new[] { (e.MaxAbs, a.MaxAbs, "max"), (e.SumAbs, a.SumAbs, "Σ|g|"), (e.Sum, a.Sum, "Σg"), (e.SumSquares, a.SumSquares, "Σg²") })
                Assert.True(Math.Abs(x - y) <= 1e-12 * Math.Max(Math.Abs(x), e.SumAbs + 1e-300), $"{label}, block {b} {what}: host {x:R}, device {y:R}");
        }
    }

    [Theory]
    [OnDevice(Devices.IlgpuCpu)]
    [OnDevice(Devices.Cuda)]
    public void ACheckpointOfTheResidentStepResumesBitForBit(string device)
    {
        // Adam's m and v come down for the checkpoint and go back up on load: the resumed run is the same run.
        var config = Small("M4", device).WithWeighting(it => it with { Interval = 3 });
        using var straight = (Trainer<float>)TrainerFactory.Create(config, 1);
        for (int i = 0; i < 4; i++) straight.TrainStep();
        var checkpoint = straight.CaptureCheckpoint(); // costs the straight run a round trip of θ, exact in float
        Assert.Contains(Checkpoint.Decode<float>(checkpoint.AdamM), m => m != 0); // the moments came from the device
        for (int i = 0; i < 4; i++) straight.TrainStep();
        using var resumed = (Trainer<float>)TrainerFactory.Create(config, 1);
        resumed.LoadCheckpoint(checkpoint);
        for (int i = 0; i < 4; i++) resumed.TrainStep();
        Assert.Equal(straight.Network.Parameters.Values, resumed.Network.Parameters.Values);
        Assert.Equal(straight.Losses, resumed.Losses);
        Assert.Equal(straight.Weights, resumed.Weights);
    }

    /// <summary>λ̂ = ‖g_r‖₁/‖g_i‖₁ read from the whole vectors: a scheme without block statistics, so the device step downloads the gradients when due.</summary>
    private sealed class VectorOnlyEstimator(ParameterSelection selection) : IWeightEstimator
    {
        public string Name => "vector-only-test";

        public double Estimate<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> term, double currentWeight) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            double r = 0, t = 0;
            foreach (var p in selection.All)
                for (int i = p.Offset; i < p.Offset + p.Length; i++)
                {
                    r += Math.Abs(double.CreateTruncating(reference[i]));
                    t += Math.Abs(double.CreateTruncating(term[i]));
                }
            return r / t;
        }
    }

    [Theory]
    [OnDevice(Devices.IlgpuCpu)]
    [OnDevice(Devices.Cuda)]
    public void FeaturesThatNeedTheHostFollowTheCpuRun(string device)
    {
        // One run with all three (each new device context costs seconds on ILGPU's CPU accelerator): a scheme that reads
        // whole gradients (downloaded when due), keep-best (θ down every K steps, up after the restore), and L-BFGS
        // after the resident Adam phase (θ down once, then its own download-path executor).
        WeightingSchemes.Register("vector-only-test", c => new VectorOnlyEstimator(c.Parameters("all")));
        var config = Small("M1", "cpu").WithAdam(it => it with { Iterations = 12, KeepBest = 4 }).WithLbfgs(it => it with { Iterations = 2, Points = 24 })
            .WithWeighting(it => it with { Scheme = "vector-only-test", Interval = 3 });
        using var cpu = (Trainer<float>)TrainerFactory.Create(config, 1);
        using var gpu = (Trainer<float>)TrainerFactory.Create(config.WithDevice(it => it with { Name = device }), 1);
        while (cpu.Step < config.TotalIterations)
        {
            cpu.TrainStep();
            gpu.TrainStep();
            if (cpu.Step == config.Adam.Iterations)
            {
                Assert.True(gpu.Weights.All(w => w != 1), "the scheme must have moved the weights");
                Assert.Equal(cpu.Weights, gpu.Weights, (x, y) => Math.Abs(x - y) <= 1e-4 * Math.Max(1, Math.Abs(x)));
                Assert.Equal(cpu.AdamHeldOut!.BestStep, gpu.AdamHeldOut!.BestStep);
                double adam = ParityTests.RelativeDifference(cpu.Network.Parameters.Values, gpu.Network.Parameters.Values);
                Assert.True(adam <= 1e-4, $"{device}: θ after the Adam phase differs by {adam:E2} of its largest entry");
            }
        }
        double theta = ParityTests.RelativeDifference(cpu.Network.Parameters.Values, gpu.Network.Parameters.Values);
        Console.WriteLine($"vector-only scheme, keep-best, L-BFGS on {device}: θ after {cpu.Step} steps within {theta:E2} of max |θ|");
        Assert.True(theta <= 1e-4, $"{device}: θ after L-BFGS differs by {theta:E2} of its largest entry");
    }

    [Theory]
    [OnDevice(Devices.IlgpuCpu)]
    [OnDevice(Devices.Cuda)]
    public void NtkWeightsAreMeasuredAtTheDevicesTheta(string device)
    {
        // The NTK traces run on the host's tapes: θ comes down when λ is due, and λ must follow the CPU run's.
        var config = Small("M1", "cpu").WithWeighting(it => it with { Scheme = "ntk", Interval = 3, NtkPoints = 8 });
        using var cpu = (Trainer<float>)TrainerFactory.Create(config, 1);
        using var gpu = (Trainer<float>)TrainerFactory.Create(config.WithDevice(it => it with { Name = device }), 1);
        for (int i = 0; i < 7; i++)
        {
            cpu.TrainStep();
            gpu.TrainStep();
        }
        Assert.True(gpu.LossWeights.Updates == 3 && gpu.Weights.All(w => w != 1), "the NTK weights must have been updated");
        Assert.Equal(cpu.Weights, gpu.Weights, (x, y) => Math.Abs(x - y) <= 1e-4 * Math.Max(1, Math.Abs(x)));
        double theta = ParityTests.RelativeDifference(cpu.Network.Parameters.Values, gpu.Network.Parameters.Values);
        Assert.True(theta <= 1e-4, $"{device}: θ after NTK-weighted steps differs by {theta:E2} of its largest entry");
    }
}
