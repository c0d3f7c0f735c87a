using PinnServe.Engine.Compilation;
using System.Numerics.Tensors;
using PinnServe.Autodiff;
using PinnServe.Tensors;
using PinnServe.Contracts;

namespace PinnServe.Training.Diagnostics;

/// <summary>
/// Stiffness of the loss landscape (Wang et al. 2021 Fig. 4, 10): the largest eigenvalue of ∇²_θ of L = ΣL_r + ΣλᵢLᵢ,
/// of L_r = ΣL_r and of each unweighted Lᵢ, by Lanczos on Hessian-vector products. A product is a central
/// difference of two back-propagated gradients, Hv ≈ (∇L(θ+εv) − ∇L(θ−εv)) / 2ε, taken on a float64 copy of
/// the network and loss tapes (built from the same problem and config) so that float32 training does not
/// drown the difference in rounding. All products of one evaluation share one batch of points.
/// </summary>
public sealed class HessianSpectrum : IDisposable
{
    /// <summary>Step of the central difference for a unit direction: O(ε²) truncation, ~1e-16/ε rounding.</summary>
    public const double DifferenceStep = 1e-4;

    private readonly Trainer<double> _copy;
    private readonly TermTape[] _terms;
    private readonly double[] _theta, _shifted, _plus;
    private readonly int _maxSteps;
    private readonly ulong _seed;
    private Rng _startRng;

    private readonly record struct TermTape(CompiledTerm<double> Term, bool IsResidual, int WeightIndex);

    /// <param name="trainer">The run being diagnosed (float32 or float64); only its problem and config are used here.</param>
    public HessianSpectrum(ITrainer trainer, int maxLanczosSteps)
    {
        var config = trainer.Config.WithDevice(it => it with { Precision = Precision.Float64 }).WithLogging(it => it with { Diagnostics = null });
        _copy = new Trainer<double>(DrawsObservationsFromReference(config) ? trainer.Problem : new ProblemWithoutReference(trainer.Problem), config);
        _terms = _copy.ResidualTerms.Select(t => new TermTape(t, true, -1))
            .Concat(_copy.WeightedTermTapes.Select((t, i) => new TermTape(t, false, i))).ToArray();
        int n = _copy.ParameterCount;
        (_theta, _shifted, _plus) = (new double[n], new double[n], new double[n]);
        _maxSteps = maxLanczosSteps;
        _seed = config.Seed;
        _startRng = new Rng(_seed);
        Targets = new[] { "L", "L_r" }.Concat(_copy.WeightedTerms.Select(n => $"L_{n}")).ToArray();
    }

    /// <summary>
    /// Whether the copy must build the evaluation set: observations drawn from it are part of the loss. Else a
    /// problem whose reference comes from a solver is wrapped so that the solver does not run a second time.
    /// </summary>
    private static bool DrawsObservationsFromReference(TrainingRecipe config) =>
        config.Data.Observations > 0 && config.Data.ObservationFile is null;

    /// <summary>Names of the eigenvalues <see cref="Estimate"/> returns, in order: L, L_r, then L_&lt;term&gt;.</summary>
    public IReadOnlyList<string> Targets { get; }

    public int ParameterCount => _copy.ParameterCount;

    public void Dispose() => _copy.Dispose();

    /// <summary>
    /// Draws the batch of points the estimates at <paramref name="step"/> use (fixed point sets stay as they are)
    /// and the Lanczos start vectors, both from (seed, step) so that a resumed run records the same values.
    /// </summary>
    public void SamplePoints(int step)
    {
        var pointsRng = new Rng(_seed ^ 0x4E55_1A4B_0000_0000UL ^ (ulong)step);
        _startRng = new Rng(_seed ^ 0x1A2C_2051_0000_0000UL ^ (ulong)step);
        foreach (var t in _copy.ResidualTerms) t.Sample(pointsRng);
        foreach (var t in _copy.WeightedTermTapes) t.Sample(pointsRng);
    }

    /// <summary>Largest eigenvalues for every target at parameters θ with loss weights λ, plus the number of Hessian-vector products used.</summary>
    public (double[] Eigenvalues, int Products) Estimate<T>(ReadOnlySpan<T> theta, IReadOnlyList<double> lambdas) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (theta.Length != _theta.Length) throw new ArgumentException($"θ has {theta.Length} entries, the network has {_theta.Length}.");
        for (int i = 0; i < theta.Length; i++) _theta[i] = double.CreateTruncating(theta[i]);
        var eigenvalues = new double[Targets.Count];
        int products = 0;
        for (int target = 0; target < Targets.Count; target++)
        {
            var coefficients = Coefficients(target, lambdas);
            var result = Lanczos.LargestEigenvalue(_theta.Length, (v, hv) => HessianTimes(coefficients, v, hv), _maxSteps, _startRng);
            eigenvalues[target] = result.LargestEigenvalue;
            products += result.Products;
        }
        _theta.CopyTo(_copy.Network.Parameters.Values, 0);
        return (eigenvalues, products);
    }

    /// <summary>Weight of each term in a target's loss: L (1 and λᵢ), L_r (residuals only) or one unweighted Lᵢ.</summary>
    private double[] Coefficients(int target, IReadOnlyList<double> lambdas) =>
        _terms.Select(t => target switch
        {
            0 => t.IsResidual ? 1.0 : lambdas[t.WeightIndex],
            1 => t.IsResidual ? 1.0 : 0.0,
            _ => !t.IsResidual && t.WeightIndex == target - 2 ? 1.0 : 0.0,
        }).ToArray();

    private void HessianTimes(double[] coefficients, double[] v, double[] result)
    {
        Gradient(coefficients, v, DifferenceStep, _plus);
        Gradient(coefficients, v, -DifferenceStep, result);
        TensorPrimitives.Subtract(_plus, result, result);
        TensorPrimitives.Divide(result, 2 * DifferenceStep, result);
    }

    /// <summary>Σ cₖ ∇Lₖ at θ + h·v into <paramref name="gradient"/>; terms with cₖ = 0 are not run.</summary>
    private void Gradient(double[] coefficients, double[] v, double h, double[] gradient)
    {
        TensorPrimitives.MultiplyAdd(v, h, _theta, _shifted);
        _shifted.CopyTo(_copy.Network.Parameters.Values, 0);
        Array.Clear(gradient);
        for (int k = 0; k < _terms.Length; k++)
        {
            if (coefficients[k] == 0) continue;
            var term = _terms[k].Term;
            term.Forward();
            term.Backward();
            TensorPrimitives.MultiplyAdd(term.Gradient, coefficients[k], gradient, gradient);
        }
    }
}
