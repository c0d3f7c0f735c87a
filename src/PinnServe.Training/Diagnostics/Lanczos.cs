using System.Numerics.Tensors;
using PinnServe.Tensors;
using PinnServe.Contracts;

namespace PinnServe.Training.Diagnostics;

/// <summary>
/// The largest eigenvalue of a symmetric operator known only through products v ↦ Hv, by Lanczos with full
/// reorthogonalization: after k products the largest Ritz value is far closer to λ_max than k steps of power
/// iteration, and the Krylov basis (k vectors of length n) is small for PINN-sized networks.
/// </summary>
public static class Lanczos
{
    public sealed record Result(double LargestEigenvalue, int Products);

    /// <param name="multiply">Writes H·v (second argument) for v (first argument).</param>
    /// <param name="relativeTolerance">Stop when the largest Ritz value moves less than this between steps.</param>
    public static Result LargestEigenvalue(int n, Action<double[], double[]> multiply, int maxSteps, Rng rng, double relativeTolerance = 1e-4)
    {
        maxSteps = Math.Min(maxSteps, n);
        var basis = new List<double[]>();
        var alpha = new List<double>();
        var beta = new List<double>();
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.NextNormal();
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        double previous = double.NaN, ritz = double.NaN;
        for (int step = 0; step < maxSteps; step++)
        {
            basis.Add(v);
            var w = new double[n];
            multiply(v, w);
            double a = TensorPrimitives.Dot(w, v);
            alpha.Add(a);
            // Full reorthogonalization against the whole basis (twice is enough, Kahan–Parlett).
            for (int pass = 0; pass < 2; pass++)
                foreach (var b in basis)
                    TensorPrimitives.MultiplyAdd(b, -TensorPrimitives.Dot(w, b), w, w);
            ritz = LargestRitzValue(alpha, beta);
            double norm = TensorPrimitives.Norm(w);
            bool converged = Math.Abs(ritz - previous) <= relativeTolerance * Math.Abs(ritz);
            if (converged || norm <= 1e-12 * Math.Max(1, Math.Abs(a))) return new Result(ritz, step + 1);
            previous = ritz;
            beta.Add(norm);
            TensorPrimitives.Divide(w, norm, w);
            v = w;
        }
        return new Result(ritz, maxSteps);
    }

    private static double LargestRitzValue(List<double> alpha, List<double> beta)
    {
        int k = alpha.Count;
        var t = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            t[i * k + i] = alpha[i];
            if (i + 1 < k) t[i * k + i + 1] = t[(i + 1) * k + i] = beta[i];
        }
        return SymmetricEigenvalues.Compute(t, k)[^1];
    }
}
