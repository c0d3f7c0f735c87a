using PinnServe.Autodiff;
using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Physics.Geometry;
using PinnServe.Contracts;

namespace PinnServe.Training.Weighting;

/// <summary>
/// NTK-based loss weights (Wang, Yu &amp; Perdikaris 2022, Algorithm 1). For each term i the diagonal of its NTK
/// block is K_ii(x, x) = ‖∂e(x)/∂θ‖² for each error value e at a point x of the term; the trace is estimated on a
/// batch of at most <see cref="Points"/> points per piece, drawn afresh from the term's current points at every update.
/// <para>Normalisation <see cref="NtkNormalization.Mean"/> (jaxpi's): m_i = Σ_pieces Σ_errors mean_x ‖∂e(x)/∂θ‖², the
/// same sums and means the term's loss takes of e², so a term's m does not grow with its batch.
/// <see cref="NtkNormalization.Trace"/> (the paper's Algorithm 1): m_i = tr K_ii = Σ_pieces N_piece Σ_errors mean_x
/// ‖∂e(x)/∂θ‖², the sum over all the term's current points (N_piece of them), estimated from the batch's mean. The
/// residual terms keep weight 1, and a weighted term gets λ̂_i = (Σ_r m_r) / m_i: Algorithm 1's λ_i = Σ_j m_j / m_i
/// divided by the residual's own λ_r — the same direction, one global factor apart, which Adam's step does not see.</para>
/// <para>The gradients are taken on separate one-point tapes of each term (the term compiled again with slices of one
/// point), so a batch costs one forward and one backward pass per point and error; the main tapes are not touched.</para>
/// </summary>
public sealed class NtkTraces<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const int MaxPoints = NtkTraces.MaxPoints;

    private readonly CompiledTerm<T>[] _residuals, _weighted, _residualProbes, _weightedProbes;
    // Per probe, per piece: each one-point tape with one output node per error that depends on θ (recorded once).
    private readonly Dictionary<CompiledTerm<T>, (Tape<T> Tape, Node<T>[] Selectors)[][]> _selectors = new();
    private readonly ParameterInfo[] _parameters;
    private readonly ulong _seed;
    private readonly NtkNormalization _normalization;

    /// <param name="probeCompiler">A compiler over the same network with one-point slices.</param>
    /// <param name="residuals">The trainer's compiled residual terms (their current points are where the traces are taken).</param>
    /// <param name="weighted">The trainer's compiled weighted terms, in weight order.</param>
    public NtkTraces(TermCompiler<T> probeCompiler, CompiledTerm<T>[] residuals, CompiledTerm<T>[] weighted, ParameterSelection selection, int points, ulong seed, NtkNormalization normalization = NtkNormalization.Mean)
    {
        if (points < 1 || points > MaxPoints) throw new ArgumentException($"weighting.ntk_points must be 1..{MaxPoints}, got {points}.");
        if (probeCompiler.SlicePoints != 1) throw new ArgumentException("The NTK probes need a compiler with one-point slices.");
        (_residuals, _weighted, Points, _seed, _normalization) = (residuals, weighted, points, seed, normalization);
        _parameters = selection.All;
        _residualProbes = residuals.Select(t => Probe(probeCompiler, t)).ToArray();
        _weightedProbes = weighted.Select(t => Probe(probeCompiler, t)).ToArray();
        foreach (var probe in _residualProbes.Concat(_weightedProbes))
            _selectors[probe] = Enumerable.Range(0, probe.PieceCount).Select(piece => probe.ErrorNodes(piece)
                .Select(slice => (slice.Tape, slice.Errors.Where(e => e.RequiresGrad) // an error without θ has a zero Jacobian row
                    .Select(e => (Node<T>)slice.Tape.Record(new PointValueNode<T>(e, 0))).ToArray())).ToArray()).ToArray();
    }

    /// <summary>Points per piece of each term's trace batch (fewer where a piece has fewer).</summary>
    public int Points { get; }
    /// <summary>m of each residual term after the last <see cref="Estimate"/>.</summary>
    public double[] ResidualTraces { get; private set; } = [];
    /// <summary>m of each weighted term after the last <see cref="Estimate"/>.</summary>
    public double[] WeightedTraces { get; private set; } = [];

    // A piece of observations is used whole (its values belong to its points by position); any other takes a batch.
    private CompiledTerm<T> Probe(TermCompiler<T> compiler, CompiledTerm<T> term) =>
        compiler.Compile(term.Term, piece =>
        {
            int index = term.Term.Pieces.ToList().IndexOf(piece), available = term.PointCount(index);
            return SamplingPlan.Fixed(piece.Region is DataPoints ? available : Math.Min(Points, available));
        });

    /// <summary>λ̂ of each weighted term at the current parameters and points; <paramref name="step"/> seeds the batch draw.</summary>
    public double[] Estimate(int step)
    {
        var rng = new Rng(_seed ^ 0x4E544B5F54524143UL ^ ((ulong)step * 0x9E3779B97F4A7C15UL)); // stateless: a resumed run draws the same batches
        ResidualTraces = _residuals.Select((t, i) => Trace(t, _residualProbes[i], rng)).ToArray();
        WeightedTraces = _weighted.Select((t, i) => Trace(t, _weightedProbes[i], rng)).ToArray();
        double reference = ResidualTraces.Sum();
        return WeightedTraces.Select(m => reference / m).ToArray();
    }

    /// <summary>m = Σ_pieces w_piece Σ_errors mean_x ‖∂e(x)/∂θ‖² on a batch of the term's current points; w_piece is 1
    /// (mean) or the piece's number of current points (trace).</summary>
    private double Trace(CompiledTerm<T> term, CompiledTerm<T> probe, Rng rng)
    {
        double m = 0;
        for (int piece = 0; piece < probe.PieceCount; piece++)
        {
            LoadBatch(term, probe, piece, rng);
            int points = probe.PointCount(piece);
            double scale = _normalization == NtkNormalization.Trace ? term.PointCount(piece) : 1;
            foreach (var (tape, selectors) in _selectors[probe][piece])
            {
                tape.Forward();
                var loss = tape.Output;
                foreach (var selector in selectors)
                {
                    tape.Output = selector;
                    tape.Backward();
                    m += scale * SquaredNorm(tape.ParameterGradient) / points;
                }
                tape.Output = loss;
            }
        }
        return m;
    }

    // The probe's batch: a random subset (without repetition, in draw order) of the term's current points.
    private static void LoadBatch(CompiledTerm<T> term, CompiledTerm<T> probe, int piece, Rng rng)
    {
        var source = term.PointsOf(piece);
        int available = term.PointCount(piece), count = probe.PointCount(piece), d = source.Length / available;
        var batch = new double[count * d];
        if (count == available) source.AsSpan(0, batch.Length).CopyTo(batch);
        else
        {
            var order = Enumerable.Range(0, available).ToArray();
            for (int i = 0; i < count; i++)
            {
                int j = i + (int)(rng.NextDouble() * (available - i));
                (order[i], order[j]) = (order[j], order[i]);
                Array.Copy(source, order[i] * d, batch, i * d, d);
            }
        }
        probe.SetPoints(piece, batch);
    }

    private double SquaredNorm(T[] gradient)
    {
        double sum = 0;
        foreach (var block in _parameters)
            foreach (var g in gradient.AsSpan(block.Offset, block.Length)) { double v = double.CreateTruncating(g); sum += v * v; }
        return sum;
    }
}

/// <summary>The NTK batch's limits (weighting.ntk_points).</summary>
public static class NtkTraces
{
    /// <summary>Points per piece of a term's trace batch by default (the 32–64; the trace's relative noise ~ 1/√32).</summary>
    public const int DefaultPoints = WeightingConfig.DefaultNtkPoints;
    public const int MaxPoints = WeightingConfig.MaxNtkPoints;
}

/// <summary>One value of a node (a scalar output): back-propagating from it gives that value's gradient alone.</summary>
internal sealed class PointValueNode<T>(Node<T> source, int index) : Node<T>(1, source.RequiresGrad) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public override IReadOnlyList<Node<T>>? Inputs => [source];
    public override void Forward() => Value[0] = source.Value[index];
    public override void Backward(Span<T> parameterGradient) => source.Grad[index] += Grad[0];
}
