using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;

namespace PinnServe.Training.Weighting;

/// <summary>
/// Causal training (Wang, Sankaran &amp; Perdikaris 2022, "Respecting causality is all you need for training
/// PINNs"): the time axis is cut into M equal chunks, Lᵢ is the mean squared residual of the points in chunk i,
/// and the residual loss becomes the mean over points of wᵢ r², with wᵢ = exp(−ε Σ_{k&lt;i} L_k) treated as a
/// constant. A later time only counts once every earlier one is resolved, so the network cannot fit late times
/// to a wrong early solution. wᵢ enters as a known factor √wᵢ on each residual error, so the loss is still a
/// mean square on the tape (any backend runs it); the weights come from the previous step's residuals (one step
/// behind the method's definition, which uses the current batch — a constant either way).
/// </summary>
public sealed class CausalWeights
{
    private readonly int _axis;
    private readonly double _min, _width, _tolerance;
    private readonly double[] _sqrtWeights, _chunkSums;
    private readonly int[] _chunkCounts;
    private readonly List<(LossTerm Wrapped, int Piece, Expr Residual)> _residuals = new();
    private double[] _values = [];

    /// <param name="chunks">M, the number of time chunks.</param>
    /// <param name="tolerance">ε: how fast the weights fall with the accumulated residual of earlier chunks.</param>
    public CausalWeights(Box domain, int chunks, double tolerance, string timeAxis = "t")
    {
        if (chunks < 2) throw new ArgumentException($"--causal-chunks must be at least 2, got {chunks}.");
        if (!(tolerance > 0) || !double.IsFinite(tolerance)) throw new ArgumentException($"--causal-tol must be a positive number, got {tolerance}.");
        _axis = Array.IndexOf(domain.Names, timeAxis);
        if (_axis < 0) throw new ArgumentException($"Causal weights need a time axis named '{timeAxis}' (the problem's axes: {string.Join(", ", domain.Names)}).");
        var axis = domain.Axes[_axis];
        (_min, _width, _tolerance) = (axis.Min, (axis.Max - axis.Min) / chunks, tolerance);
        _sqrtWeights = Enumerable.Repeat(1.0, chunks).ToArray();
        Weights = Enumerable.Repeat(1.0, chunks).ToArray();
        _chunkSums = new double[chunks];
        _chunkCounts = new int[chunks];
    }

    public int Chunks => _sqrtWeights.Length;
    /// <summary>wᵢ now, by chunk (earliest first).</summary>
    public double[] Weights { get; }
    /// <summary>The smallest weight: 1 once every chunk is resolved (jaxpi logs the same figure).</summary>
    public double MinWeight => Weights.Min();
    /// <summary>The residual terms' loss without the causal weights, from the last <see cref="Update"/> (what the plain loss would read).</summary>
    public double UnweightedLoss { get; private set; }

    /// <summary>The chunk a time falls in (the end of the interval belongs to the last chunk).</summary>
    public int ChunkOf(double t) => Math.Clamp((int)Math.Floor((t - _min) / _width), 0, Chunks - 1);

    /// <summary>
    /// The residual term with each error e replaced by √w(t)·e; a term that is not a residual comes back unchanged.
    /// Call <see cref="Update"/> with the compiled wrapped terms after each pass to move the weights.
    /// </summary>
    public LossTerm Wrap(LossTerm term)
    {
        if (term.Role != TermRole.Residual) return term;
        var factor = new Known("causal_weight", p => _sqrtWeights[ChunkOf(p[_axis])]);
        var pieces = new List<Piece>();
        for (int i = 0; i < term.Pieces.Count; i++)
        {
            var piece = term.Pieces[i];
            pieces.Add(piece with { Errors = piece.Errors.Select(e => (Expr)new Product(factor, e)).ToList() });
        }
        var wrapped = term with { Pieces = pieces };
        for (int i = 0; i < pieces.Count; i++)
            foreach (var e in term.Pieces[i].Errors) _residuals.Add((wrapped, i, e));
        return wrapped;
    }

    /// <summary>
    /// Lᵢ from the unweighted residuals the last pass left on the host (summed over residual terms and their errors),
    /// then wᵢ = exp(−ε Σ_{k&lt;i} L_k); the terms' known data are re-evaluated so the next pass uses the new weights.
    /// </summary>
    public void Update<T>(IReadOnlyList<CompiledTerm<T>> residualTerms) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Array.Clear(_chunkSums);
        Array.Clear(_chunkCounts);
        double unweighted = 0;
        foreach (var term in residualTerms)
        {
            (LossTerm, int)? counted = null;
            foreach (var (wrapped, piece, residual) in _residuals)
            {
                if (!ReferenceEquals(term.Term, wrapped)) continue;
                var points = term.PointsOf(piece);
                int n = term.PointCount(piece), d = points.Length / n;
                if (_values.Length < n) _values = new double[n];
                var values = _values.AsSpan(0, n);
                term.CopyValues(piece, residual, values);
                bool count = counted != (wrapped, piece); // a piece's points count once, whatever its number of errors
                counted = (wrapped, piece);
                double sum = 0;
                for (int p = 0; p < n; p++)
                {
                    int chunk = ChunkOf(points[p * d + _axis]);
                    double square = values[p] * values[p];
                    _chunkSums[chunk] += square;
                    sum += square;
                    if (count) _chunkCounts[chunk]++;
                }
                unweighted += sum / n;
            }
        }
        UnweightedLoss = unweighted;
        for (int i = 0; i < Chunks; i++) _chunkSums[i] = _chunkCounts[i] == 0 ? 0 : _chunkSums[i] / _chunkCounts[i];
        SetFromChunkLosses(_chunkSums);
        foreach (var term in residualTerms) term.ReloadKnowns();
    }

    /// <summary>wᵢ = exp(−ε Σ_{k&lt;i} L_k) from per-chunk mean squared residuals.</summary>
    public void SetFromChunkLosses(IReadOnlyList<double> chunkLosses)
    {
        if (chunkLosses.Count != Chunks) throw new ArgumentException($"Expected {Chunks} chunk losses, got {chunkLosses.Count}.");
        double accumulated = 0;
        for (int i = 0; i < Chunks; i++)
        {
            Set(i, Math.Exp(-_tolerance * accumulated));
            accumulated += chunkLosses[i];
        }
    }

    /// <summary>Restores weights saved with a checkpoint (so a resumed run continues bit for bit).</summary>
    public void SetWeights(IReadOnlyList<double> weights)
    {
        if (weights.Count != Chunks) throw new InvalidDataException($"The checkpoint has {weights.Count} causal weights, the run has {Chunks} chunks.");
        for (int i = 0; i < Chunks; i++) Set(i, weights[i]);
    }

    private void Set(int chunk, double weight)
    {
        Weights[chunk] = weight;
        _sqrtWeights[chunk] = Math.Sqrt(weight);
    }
}
