using System.Numerics;
using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Tensors;
using PinnServe.Contracts;

namespace PinnServe.Training;

/// <summary>
/// Residual-based adaptive distribution (RAD; Wu, Zhu, Tan, Kartha &amp; Lu, 2023): a fixed point set drawn with density
/// p(x) ∝ |ε(x)|ᵏ / mean |ε|ᵏ + c, where ε is the piece's error (the PDE residual, or a condition's misfit) under the
/// current network. k = 1 and c = 1, the paper's recommended default, put half of the mass uniformly and half where the
/// network is most wrong, e.g. around the lid corners of the cavity. The candidates are 4× as many uniform points;
/// the set is drawn from them without replacement (Efraimidis–Spirakis keys), so no point is repeated.
/// </summary>
public static class ResidualAdaptiveSampling
{
    public static readonly string[] Names = ["uniform", "residual"];
    public const int CandidatesPerPoint = 4;

    /// <summary>Redraws every fixed-set piece of <paramref name="term"/> whose error can be evaluated pointwise.</summary>
    /// <remarks>Skipped: observation pieces (data exist only at their points) and periodic pairs (the error needs the partner point).</remarks>
    public static void Redraw<T>(CompiledTerm<T> term, TermCompiler<T> compiler, Box domain, Rng rng, double k = 1, double c = 1)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int p = 0; p < term.Term.Pieces.Count; p++)
        {
            var piece = term.Term.Pieces[p];
            if (piece.Partner is not null || piece.Region is DataPoints) continue;
            if (piece.Errors.SelectMany(e => e.Walk()).Any(e => e is Observed)) continue;
            var points = term.PointsOf(p);
            int d = domain.Dimension, n = points.Length / d, m = n * CandidatesPerPoint;
            var candidates = new double[m * d];
            piece.Region.Sample(domain, rng, candidates);
            var errors = compiler.CompileExpressions(piece.Errors, m).Evaluate(candidates);
            var weights = Density(errors, k, c);
            var chosen = Choose(weights, n, rng);
            var drawn = new double[points.Length];
            for (int i = 0; i < n; i++) Array.Copy(candidates, chosen[i] * d, drawn, i * d, d);
            term.SetPoints(p, drawn);
        }
    }

    /// <summary>|ε|ᵏ / mean |ε|ᵏ + c per candidate, with |ε| the Euclidean norm over the piece's error expressions.</summary>
    public static double[] Density(double[][] errors, double k, double c)
    {
        int m = errors[0].Length;
        var density = new double[m];
        for (int i = 0; i < m; i++)
        {
            double sq = 0;
            foreach (var e in errors) sq += e[i] * e[i];
            density[i] = Math.Pow(Math.Sqrt(sq), k);
            if (!double.IsFinite(density[i])) throw new ArithmeticException("The residual is not finite at a candidate point; cannot draw an adaptive set.");
        }
        double mean = density.Average();
        for (int i = 0; i < m; i++) density[i] = (mean > 0 ? density[i] / mean : 0) + c;
        return density;
    }

    /// <summary>n distinct indices, each drawn with probability proportional to its weight (the n largest u^(1/w)).</summary>
    public static int[] Choose(double[] weights, int n, Rng rng)
    {
        if (n > weights.Length) throw new ArgumentException($"Cannot choose {n} of {weights.Length} candidates.");
        var keys = new double[weights.Length];
        for (int i = 0; i < keys.Length; i++) keys[i] = Math.Log(1 - rng.NextDouble()) / weights[i]; // log(u)/w: same order as u^(1/w)
        var order = Enumerable.Range(0, keys.Length).ToArray();
        Array.Sort(keys, order);
        return order[^n..];
    }
}
