using PinnServe.Autodiff;
using PinnServe.Training.Weighting;

namespace PinnServe.Training.Tests;

public class WeightingTests
{
    // Two layers: weights [3] and [2], biases [1] each; layer index 0 and 1.
    private static (ParameterStore<double> Store, double[] Gr, double[] Gi) Setup()
    {
        var store = new ParameterStore<double>();
        store.Add("l0.weight", 1, 3, ParameterKind.Weight, 0);
        store.Add("l0.bias", 1, 1, ParameterKind.Bias, 0);
        store.Add("l1.weight", 1, 2, ParameterKind.Weight, 1);
        store.Add("l1.bias", 1, 1, ParameterKind.Bias, 1);
        store.Add("nu", 1, 1, ParameterKind.Coefficient, -1);
        double[] gr = [1, -4, 2, 100, 0.5, -3, -50, 7];
        double[] gi = [0.1, 0.2, -0.3, 9, 0.4, -0.5, 8, 7];
        return (store, gr, gi);
    }

    [Fact]
    public void AnnealingStatisticsFollowTheirDefinitions()
    {
        var (store, gr, gi) = Setup();
        var weights = ParameterSelection.Parse("weights", store);
        // Layerwise (Wang et al. 2021): max over layers of max|g_r| = 4; mean over layers of mean|λ g_i| = λ(0.2 + 0.45)/2.
        Assert.Equal(4 / (2.0 * (0.2 + 0.45) / 2), new AnnealingEstimator(weights, AnnealingAggregation.Layerwise).Estimate<double>(gr, gi, 2.0), 12);
        // Layer ratio (cavity): max(4/0.2, 3/0.45) over layers with λ = 1.
        Assert.Equal(20, new AnnealingEstimator(weights, AnnealingAggregation.LayerRatio).Estimate<double>(gr, gi, 1.0), 12);
        // Flat over weights and biases (Deguchi & Asai 2023): max|g_r| = 100, mean|g_i| over 7 entries.
        var all = ParameterSelection.Parse("all", store);
        double mean = (0.1 + 0.2 + 0.3 + 9 + 0.4 + 0.5 + 8) / 7;
        Assert.Equal(100 / mean, new AnnealingEstimator(all, AnnealingAggregation.Flat).Estimate<double>(gr, gi, 1.0), 10);
        Assert.Equal(7, all.Count); // the learned coefficient is never part of the statistics
    }

    [Fact]
    public void InverseDirichletAndGradNorm()
    {
        var (store, gr, gi) = Setup();
        var all = ParameterSelection.Parse("all", store);
        double[] r = gr[..7], t = gi[..7];
        static double Std(double[] v) { double m = v.Average(); return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1)); }
        Assert.Equal(Std(r) / Std(t), new InverseDirichletEstimator(all).Estimate<double>(gr, gi, 1), 10);
        Assert.Equal(r.Sum(Math.Abs) / t.Sum(Math.Abs), new GradNormEstimator(all, 1).Estimate<double>(gr, gi, 1), 10);
        Assert.Equal(Math.Sqrt(r.Sum(x => x * x)) / Math.Sqrt(t.Sum(x => x * x)), new GradNormEstimator(all, 2).Estimate<double>(gr, gi, 1), 10);
        Assert.Equal(100 / 9.0, new GradNormEstimator(all, double.PositiveInfinity).Estimate<double>(gr, gi, 1), 10);
        Assert.Throws<ArgumentException>(() => new GradNormEstimator(all, 3));
    }

    // The pow-per-element ‖g‖ₚ that GradientStatistics.Norm computed before its p = 1 and float32 p = 2 paths: the
    // same terms in the same order, so every result must match it bit for bit.
    private static double PowNorm<T>(ReadOnlySpan<T> g, ParameterInfo[] blocks, double p) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double sum = 0;
        foreach (var b in blocks)
            foreach (var v in g.Slice(b.Offset, b.Length)) sum += Math.Pow(Math.Abs(double.CreateTruncating(v)), p);
        return Math.Pow(sum, 1 / p);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void GradNormIsBitIdenticalToPowPerElement(double p)
    {
        // Two blocks of a 5×128-sized gradient (the Allen–Cahn DN case) over magnitudes from subnormal to 1e30,
        // with ±0 and a float32 subnormal; the float32 p = 2 path squares instead of calling Math.Pow.
        var store = new ParameterStore<float>();
        store.Add("l0.weight", 128, 128, ParameterKind.Weight, 0);
        store.Add("l0.bias", 1, 128, ParameterKind.Bias, 0);
        var blocks = ParameterSelection.Parse("all", store).All;
        var rng = new Random(34);
        var g = new float[store.Count];
        for (int i = 0; i < g.Length; i++) g[i] = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-40, 31)));
        g[0] = 0f; g[1] = -0f; g[2] = float.Epsilon; g[3] = -float.MaxValue / 1e20f;
        Assert.Equal(BitConverter.DoubleToInt64Bits(PowNorm<float>(g, blocks, p)), BitConverter.DoubleToInt64Bits(GradientStatistics.Norm<float>(g, blocks, p)));
        var d = g.Select(x => x * (1 + 1e-9)).ToArray();
        Assert.Equal(BitConverter.DoubleToInt64Bits(PowNorm<double>(d, blocks, p)), BitConverter.DoubleToInt64Bits(GradientStatistics.Norm<double>(d, blocks, p)));
        // Each float32 square alone, over every binade: Math.Pow(|x|, 2) and x·x are the same double.
        for (int e = -149; e <= 127; e++)
        {
            float x = MathF.ScaleB(1 + rng.NextSingle(), e);
            double xd = x;
            Assert.Equal(BitConverter.DoubleToInt64Bits(Math.Pow(xd, 2)), BitConverter.DoubleToInt64Bits(xd * xd));
        }
    }

    private sealed class ConstantEstimator(double value) : IWeightEstimator
    {
        public string Name => "constant";
        public double Estimate<T>(ReadOnlySpan<T> reference, ReadOnlySpan<T> term, double currentWeight) where T : unmanaged, IBinaryFloatingPointIeee754<T> => value;
    }

    [Fact]
    public void SmoothingAndBiasCorrection()
    {
        var g = new[] { new double[1] };
        var plain = new LossWeights(["bc"], new ConstantEstimator(10), interval: 10, beta: 0.9);
        plain.Update<double>(new double[1], g);
        Assert.Equal(0.9 * 1 + 0.1 * 10, plain.Current[0], 12);
        // Bias-corrected: λ₀ = 0, λ₁ = 0.1·10, λ̃₁ = λ₁/(1 − 0.9) = 10 exactly; after two, still 10.
        var corrected = new LossWeights(["bc"], new ConstantEstimator(10), beta: 0.9, biasCorrection: true);
        corrected.Update<double>(new double[1], g);
        Assert.Equal(10, corrected.Current[0], 12);
        corrected.Update<double>(new double[1], g);
        Assert.Equal(10, corrected.Current[0], 12);
        Assert.True(plain.IsDue(20) && !plain.IsDue(25));
        Assert.False(new LossWeights(["bc"], null).IsDue(0));
        Assert.Throws<ArgumentException>(() => new LossWeights(["bc"], null, beta: 1.0));
        Assert.Throws<ArgumentException>(() => new LossWeights(["bc"], null, initial: new Dictionary<string, double> { ["ic"] = 2 }));
    }
}
