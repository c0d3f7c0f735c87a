using PinnServe.Physics;
using PinnServe.Tensors;
using PinnServe.Training.Diagnostics;
using Xunit.Abstractions;
using PinnServe.Contracts;

namespace PinnServe.Training.Tests.Diagnostics;

public class HessianSpectrumTests(ITestOutputHelper output)
{
    [Fact]
    public void JacobiFindsTheEigenvaluesOfARotatedDiagonalMatrix()
    {
        const int n = 12;
        var expected = Enumerable.Range(0, n).Select(i => i - 3.5 + 0.25 * i * i).ToArray();
        var matrix = Rotated(expected, new Rng(7));
        var eigenvalues = SymmetricEigenvalues.Compute(matrix, n);
        for (int i = 0; i < n; i++) Assert.Equal(expected.Order().ElementAt(i), eigenvalues[i], 1e-10);
    }

    [Fact]
    public void LanczosFindsTheLargestEigenvalueFromProductsOnly()
    {
        const int n = 200;
        var diagonal = Enumerable.Range(0, n).Select(i => Math.Sin(i) * 10).Append(42.0).ToArray();
        var matrix = Rotated(diagonal, new Rng(3));
        int size = diagonal.Length;
        var result = Lanczos.LargestEigenvalue(size, (v, hv) =>
        {
            for (int i = 0; i < size; i++) hv[i] = Enumerable.Range(0, size).Sum(j => matrix[i * size + j] * v[j]);
        }, maxSteps: 60, new Rng(1), relativeTolerance: 1e-10);
        Assert.Equal(42.0, result.LargestEigenvalue, 1e-8);
    }

    /// <summary>
    /// The Hessian-vector-product estimate against a dense Hessian built independently, from second differences of
    /// loss values alone (no back-propagation), on a 21-parameter network with fixed points and λ ≠ 1.
    /// </summary>
    [Theory]
    [InlineData("M1")]
    [InlineData("M3")]
    public void LargestEigenvaluesMatchADenseHessian(string model)
    {
        var problem = ProblemCatalog.Create("klein-gordon");
        var config = TrainingConfig.Defaults(problem, model) with
        {
            Layers = model == "M3" ? "1x3" : "1x5", Precision = "float64", FullBatch = true, ResidualPoints = 24, ConditionPoints = 12, EvaluationGrid = 4,
        };
        config = config with { Weighting = config.Weighting with { Weights = new() { ["ic"] = 7, ["bc"] = 0.5 } } };
        using var trainer = new Trainer<double>(problem, config);
        for (int i = 0; i < 3; i++) trainer.TrainStep();   // away from the initialization
        var theta = trainer.Network.Parameters.Values.ToArray();
        var lambdas = trainer.Weights.ToArray();

        using var spectrum = new HessianSpectrum(trainer, maxLanczosSteps: 20);
        spectrum.SamplePoints(0);
        var (estimates, products) = spectrum.Estimate<double>(theta, lambdas);

        // Dense reference on a second copy with the same fixed points (same seed).
        using var reference = new Trainer<double>(problem, config);
        var tapes = reference.ResidualTerms.Concat(reference.WeightedTermTapes).ToArray();
        var targets = new[]
        {
            new double[] { 1, lambdas[0], lambdas[1] },   // L
            new double[] { 1, 0, 0 },                     // L_r
            new double[] { 0, 1, 0 },                     // L_ic
            new double[] { 0, 0, 1 },                     // L_bc
        };
        for (int k = 0; k < targets.Length; k++)
        {
            var c = targets[k];
            double Loss(double[] p)
            {
                p.CopyTo(reference.Network.Parameters.Values, 0);
                return Enumerable.Range(0, tapes.Length).Where(i => c[i] != 0).Sum(i => c[i] * tapes[i].Forward());
            }
            var dense = DenseHessianFromLossValues(Loss, theta, h: 1e-3);
            double exact = SymmetricEigenvalues.Compute(dense, theta.Length)[^1];
            double relative = Math.Abs(estimates[k] - exact) / Math.Abs(exact);
            output.WriteLine($"{model} {spectrum.Targets[k]}: Lanczos {estimates[k]:G10}, dense {exact:G10}, relative difference {relative:E2} ({theta.Length} parameters)");
            Assert.True(relative < 1e-3, $"{spectrum.Targets[k]}: Lanczos {estimates[k]} vs dense {exact} (relative {relative:E2}).");
        }
        output.WriteLine($"{products} Hessian-vector products in all");
    }

    /// <summary>H_ij ≈ [L(θ+hᵢ+hⱼ) − L(θ+hᵢ−hⱼ) − L(θ−hᵢ+hⱼ) + L(θ−hᵢ−hⱼ)] / 4h², symmetric by construction.</summary>
    private static double[] DenseHessianFromLossValues(Func<double[], double> loss, double[] theta, double h)
    {
        int n = theta.Length;
        var hessian = new double[n * n];
        var p = theta.ToArray();
        double At(int i, double si, int j, double sj)
        {
            theta.CopyTo(p, 0);
            p[i] += si * h;
            p[j] += sj * h;
            return loss(p);
        }
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++)
                hessian[i * n + j] = hessian[j * n + i] = (At(i, 1, j, 1) - At(i, 1, j, -1) - At(i, -1, j, 1) + At(i, -1, j, -1)) / (4 * h * h);
        return hessian;
    }

    /// <summary>Q·diag(d)·Qᵀ with Q a product of random Householder reflections.</summary>
    private static double[] Rotated(double[] diagonal, Rng rng)
    {
        int n = diagonal.Length;
        var a = new double[n * n];
        for (int i = 0; i < n; i++) a[i * n + i] = diagonal[i];
        for (int r = 0; r < 3; r++)
        {
            var v = Enumerable.Range(0, n).Select(_ => rng.NextNormal()).ToArray();
            double norm = Math.Sqrt(v.Sum(x => x * x));
            for (int i = 0; i < n; i++) v[i] /= norm;
            // A ← (I − 2vvᵀ) A (I − 2vvᵀ)
            var av = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Sum(j => a[i * n + j] * v[j])).ToArray();
            double vav = Enumerable.Range(0, n).Sum(i => v[i] * av[i]);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    a[i * n + j] += -2 * v[i] * av[j] - 2 * av[i] * v[j] + 4 * vav * v[i] * v[j];
        }
        return a;
    }
}
