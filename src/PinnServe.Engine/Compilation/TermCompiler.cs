using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Nn;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Tensors;
using PinnServe.Contracts;
using PinnServe.Contracts.Derivatives;
using PinnServe.Physics;

namespace PinnServe.Engine.Compilation;

/// <summary>
/// A loss term compiled onto tapes: each piece's points are cut into slices of a fixed size, and every slice
/// is a shard — its own tape with its own buffers and ∂L/∂θ — so shards can run on any thread. The term's loss
/// and gradient are the shards' sums taken in a fixed order, hence identical for any thread count.
/// </summary>
public sealed class CompiledTerm<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly List<CompiledPiece<T>> _pieces;
    private readonly Tape<T>[] _shards;
    private readonly T[] _gradient;

    internal CompiledTerm(LossTerm term, List<CompiledPiece<T>> pieces, int parameterCount)
    {
        Term = term;
        _pieces = pieces;
        _shards = pieces.SelectMany(p => p.Slices).Select(s => s.Tape).ToArray();
        _gradient = _shards.Length == 1 ? [] : new T[parameterCount];
    }

    public LossTerm Term { get; }
    public string Name => Term.Name;
    /// <summary>The shards' tapes, in the fixed order of the reduction (pieces, then slices).</summary>
    public IReadOnlyList<Tape<T>> Shards => _shards;
    /// <summary>The shards as slices with their piece's index, in the order of <see cref="Shards"/>.</summary>
    internal IEnumerable<(int Piece, CompiledSlice<T> Slice)> Slices => _pieces.SelectMany((p, i) => p.Slices.Select(s => (i, s)));
    public int PointsPerStep => _pieces.Sum(p => p.Count);
    /// <summary>The term's value after <see cref="Reduce"/> (or <see cref="Forward"/>).</summary>
    public T Loss { get; private set; }
    /// <summary>∂L/∂θ of the term after <see cref="Reduce"/> (or <see cref="Backward"/>).</summary>
    public T[] Gradient => _fromDevice ? _deviceGradient! : _shards.Length == 1 ? _shards[0].ParameterGradient : _gradient;

    // Set by a device backend (SetResult), whose shards never run on the host; a host pass (Reduce) takes over again.
    private T[]? _deviceGradient;
    private bool _fromDevice;
    private Action<T[]>? _fetchValues;

    /// <summary>
    /// The loss and ∂L/∂θ computed elsewhere (a device backend running these shards' tapes in its own memory):
    /// afterwards <see cref="Loss"/> and <see cref="Gradient"/> read as if <see cref="Reduce"/> had run.
    /// </summary>
    /// <param name="fetchValues">Copies the device's values of a node back into its host buffer (the node's
    /// <c>Value</c> array), so <see cref="CopyValues"/> can read pointwise values on demand; null when the backend
    /// cannot.</param>
    public void SetResult(T loss, ReadOnlySpan<T> gradient, Action<T[]>? fetchValues = null)
    {
        _deviceGradient ??= new T[gradient.Length];
        if (gradient.Length != _deviceGradient.Length) throw new ArgumentException($"Gradient of term '{Name}' has {gradient.Length} entries, expected {_deviceGradient.Length}.");
        gradient.CopyTo(_deviceGradient);
        Loss = loss;
        _fromDevice = true;
        _fetchValues = fetchValues;
    }

    /// <summary>Draws fixed point sets and pools (once, from the initialization RNG).</summary>
    public void Prime(Rng rng)
    {
        foreach (var piece in _pieces)
            if (piece.Source.Prime(rng)) piece.Load();
    }

    /// <summary>Draws this step's points and refreshes the known data at them.</summary>
    public void Sample(Rng rng)
    {
        foreach (var piece in _pieces)
            if (piece.Source.Next(rng)) piece.Load();
    }

    /// <summary>The current points of piece <paramref name="piece"/> (batch × axes).</summary>
    public double[] PointsOf(int piece) => _pieces[piece].Source.Points;

    public int PieceCount => _pieces.Count;
    /// <summary>Points of piece <paramref name="piece"/> per step.</summary>
    public int PointCount(int piece) => _pieces[piece].Count;

    /// <summary>
    /// The values at the current points of piece <paramref name="piece"/> of <paramref name="expression"/>, a
    /// sub-expression (same reference) of that piece's errors, as the last pass computed them (<see cref="Forward"/>,
    /// an executor's shards, or a device backend, whose values are fetched here); e.g. the unweighted residual inside
    /// a weighted error.
    /// </summary>
    public void CopyValues(int piece, Expr expression, Span<double> destination)
    {
        var compiled = _pieces[piece];
        if (destination.Length != compiled.Count)
            throw new ArgumentException($"Term '{Name}', piece {piece}: {compiled.Count} points, got room for {destination.Length}.");
        if (_fromDevice && _fetchValues is null) throw new InvalidOperationException($"Term '{Name}' ran on a device that cannot return pointwise values.");
        foreach (var slice in compiled.Slices)
        {
            if (!slice.Nodes.TryGetValue(expression, out var node))
                throw new ArgumentException($"Term '{Name}', piece {piece} does not contain the expression {expression}.");
            if (_fromDevice) _fetchValues!(node.Value);
            for (int p = 0; p < slice.Count; p++) destination[slice.Start + p] = double.CreateTruncating(node.Value[p]);
        }
    }

    /// <summary>
    /// Each slice of piece <paramref name="piece"/>: its tape, the nodes of the piece's errors on it (in error order) and
    /// its point count — for per-point gradients (the NTK weights' traces back-propagate from one error value at a time).
    /// </summary>
    public IEnumerable<(Tape<T> Tape, Node<T>[] Errors, int Points)> ErrorNodes(int piece) =>
        _pieces[piece].Slices.Select(s => (s.Tape, Term.Pieces[piece].Errors.Select(e => s.Nodes[e]).ToArray(), s.Count));

    /// <summary>Re-evaluates the known data at the current points (after a <see cref="Known"/> function's state changed).</summary>
    public void ReloadKnowns()
    {
        foreach (var piece in _pieces) piece.Load();
    }

    /// <summary>
    /// Replaces the points of a fixed-set piece (e.g. drawn by residual-adaptive sampling) and refreshes the known data
    /// at them; a fresh or mini-batch piece would overwrite them at its next <see cref="Sample"/>, so it is refused.
    /// </summary>
    public void SetPoints(int piece, ReadOnlySpan<double> points)
    {
        var compiled = _pieces[piece];
        if (!compiled.Source.IsFixed) throw new InvalidOperationException($"Term '{Name}', piece {piece}: only a fixed point set can be replaced.");
        if (points.Length != compiled.Source.Points.Length)
            throw new ArgumentException($"Term '{Name}', piece {piece}: expected {compiled.Source.Points.Length} coordinates, got {points.Length}.");
        points.CopyTo(compiled.Source.Points);
        compiled.Load();
    }

    /// <summary>Every shard forward on this thread; returns the term's loss.</summary>
    public T Forward()
    {
        _fromDevice = false;
        foreach (var shard in _shards) shard.Forward();
        Loss = SumOfShards();
        return Loss;
    }

    /// <summary>Every shard backward on this thread, then the reduction into <see cref="Gradient"/>.</summary>
    public void Backward()
    {
        foreach (var shard in _shards) shard.Backward();
        Reduce();
    }

    /// <summary>Sums the shards' losses and gradients in shard order (after the shards ran, on any threads).</summary>
    public void Reduce()
    {
        ReduceLoss();
        ReduceGradient(0, _gradient.Length);
    }

    /// <summary>The loss half of <see cref="Reduce"/>: the shards' losses summed in shard order.</summary>
    internal void ReduceLoss()
    {
        _fromDevice = false;
        Loss = SumOfShards();
    }

    /// <summary>Entries of θ that <see cref="ReduceGradient"/> sums (0 when the only shard's gradient is the term's).</summary>
    internal int ReducedLength => _gradient.Length;

    /// <summary>Elements per chunk of <see cref="ReduceGradient"/>: 8 KB of float32, so the chunk's sum stays in L1 while every shard's chunk is added.</summary>
    internal const int ReduceChunk = 2048;

    /// <summary>
    /// The gradient half of <see cref="Reduce"/> on θ's entries [start, start + length): chunk by chunk, the first shard's
    /// chunk copied and every other shard's added in shard order, so each element is the same sum in the same order as
    /// one whole pass per shard (the bits do not depend on the chunks or on which thread takes a range), while the sum
    /// is read and written once instead of once per shard.
    /// </summary>
    internal void ReduceGradient(int start, int length)
    {
        if (_shards.Length == 1) return;
        for (int end = start + length; start < end; start += ReduceChunk)
        {
            int count = Math.Min(ReduceChunk, end - start);
            var sum = _gradient.AsSpan(start, count);
            _shards[0].ParameterGradient.AsSpan(start, count).CopyTo(sum);
            for (int s = 1; s < _shards.Length; s++)
                System.Numerics.Tensors.TensorPrimitives.Add(sum, _shards[s].ParameterGradient.AsSpan(start, count), sum);
        }
    }

    private T SumOfShards()
    {
        T sum = T.Zero;
        foreach (var shard in _shards) sum += shard.Output is null ? T.Zero : shard.Output.Value[0];
        return sum;
    }
}

/// <summary>One piece of a term: where its points come from, and the slices (shards) that evaluate them.</summary>
internal sealed class CompiledPiece<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public required PointSource Source { get; init; }
    public required CompiledSlice<T>[] Slices { get; init; }
    public required int Axes { get; init; }
    public int Count => Source.Points.Length / Axes;

    public void Load()
    {
        foreach (var slice in Slices) slice.Load(Source.Points);
    }
}

/// <summary>Points [Start, Start + Count) of a piece on their own tape.</summary>
internal sealed class CompiledSlice<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public required Tape<T> Tape { get; init; }
    public required int Start { get; init; }
    public required int Count { get; init; }
    public required JetInputNode<T>[] Inputs { get; init; }   // side 0, and side 1 for a periodic partner
    public required Face? Partner { get; init; }
    public required int PartnerAxis { get; init; }
    public required List<(DataNode<T> Node, Func<double[], double> Function)> Knowns { get; init; }
    public required List<(DataNode<T> Node, double[] Values)> Observations { get; init; }
    /// <summary>Every compiled sub-expression's node on this slice's tape.</summary>
    public IReadOnlyDictionary<Expr, Node<T>> Nodes { get; init; } = new Dictionary<Expr, Node<T>>();
    /// <summary>
    /// Compiles the same graph again for the same number of points (a <see cref="SliceOnTwin{T}"/>'s twin: a worker
    /// runs every slice of this shape on one twin, so their large buffers are the twin's); null where not offered.
    /// </summary>
    public Func<CompiledSlice<T>>? CompileTwin { get; init; }

    private readonly double[] _point = new double[8];

    /// <summary>Copies this slice's points into the network inputs and evaluates the known data there.</summary>
    public void Load(double[] points)
    {
        int d = Inputs[0].Set.Axes, offset = Start * d, length = Count * d;
        for (int i = 0; i < length; i++) Inputs[0].Coordinates[i] = T.CreateTruncating(points[offset + i]);
        if (Inputs.Length > 1)
            for (int i = 0; i < length; i++)
                Inputs[1].Coordinates[i] = T.CreateTruncating(i % d == PartnerAxis ? Partner!.Value : points[offset + i]);
        var point = d <= _point.Length ? _point : new double[d];
        foreach (var (node, function) in Knowns)
            for (int p = 0; p < Count; p++)
            {
                for (int a = 0; a < d; a++) point[a] = points[offset + p * d + a];
                node.Value[p] = T.CreateTruncating(function(point));
            }
        foreach (var (node, values) in Observations)
            for (int p = 0; p < Count; p++) node.Value[p] = T.CreateTruncating(values[Start + p]);
    }
}

/// <summary>Expressions compiled for evaluation at given points (see <see cref="TermCompiler{T}.CompileExpressions"/>).</summary>
public sealed class ExpressionEvaluator<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tape<T> _tape;
    private readonly CompiledPiece<T> _piece;
    private readonly Node<T>[] _nodes;

    internal ExpressionEvaluator(Tape<T> tape, CompiledPiece<T> piece, Node<T>[] nodes) => (_tape, _piece, _nodes) = (tape, piece, nodes);

    public int Points => _piece.Count;

    /// <summary>Values of every expression at <paramref name="points"/> (row-major, exactly <see cref="Points"/> × axes).</summary>
    public double[][] Evaluate(ReadOnlySpan<double> points)
    {
        if (points.Length != _piece.Source.Points.Length)
            throw new ArgumentException($"Expected {_piece.Source.Points.Length} coordinates ({Points} points), got {points.Length}.");
        points.CopyTo(_piece.Source.Points);
        _piece.Load();
        _tape.Forward();
        return _nodes.Select(n => n.Value.Select(double.CreateTruncating).ToArray()).ToArray();
    }
}

/// <summary>
/// A coefficient trained as a parameter θ with value = <see cref="Scale"/>·θ: with the scale set to the initial
/// guess, θ starts at 1 and Adam's step (≈ the learning rate) is a relative change of the coefficient, so a
/// viscosity of 0.003 moves as easily as one of 3.
/// </summary>
public sealed record LearnedCoefficient(ParameterInfo Parameter, double Scale);

/// <summary>Turns a problem's named loss terms into tapes over one network.</summary>
public sealed class TermCompiler<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Network<T> _network;
    private readonly Box _domain;
    private readonly string[] _outputs;
    private readonly double[] _shift, _scale;
    private readonly IReadOnlyDictionary<string, double> _coefficients;
    private readonly IReadOnlyDictionary<string, LearnedCoefficient> _learned;

    /// <param name="coefficients">Values of named PDE coefficients (the problem's parameters).</param>
    /// <param name="learned">Coefficients that are trainable parameters (inverse problems).</param>
    public TermCompiler(Network<T> network, Box domain, string[] outputs, double[] shift, double[] scale,
        IReadOnlyDictionary<string, double> coefficients, IReadOnlyDictionary<string, LearnedCoefficient>? learned = null)
    {
        if (domain.Dimension > 3 || domain.Names.Any(n => n.Length != 1))
            throw new ArgumentException("Inputs must be 1 to 3 single-letter axes (derivatives are written like \"xy\").");
        (_network, _domain, _outputs, _shift, _scale) = (network, domain, outputs, shift, scale);
        _coefficients = coefficients;
        _learned = learned ?? new Dictionary<string, LearnedCoefficient>();
    }

    /// <summary>Points per shard: a piece's batch is cut into slices of this size (the last one may be smaller).</summary>
    public int SlicePoints { get; init; } = DefaultSlicePoints;

    /// <summary>The recipe's default slice (<see cref="PinnServe.Training.SamplingRecipe.DefaultSlicePoints"/>): one number for both.</summary>
    public const int DefaultSlicePoints = PinnServe.Training.SamplingRecipe.DefaultSlicePoints;

    /// <summary>
    /// How a term on several faces (e.g. a wall condition on the four walls of a box) averages its squared errors:
    /// false (default) sums the per-face means, so each face counts fully; true takes one mean over all the term's
    /// points, which divides the term by its face count when the faces have equal batches.
    /// </summary>
    public bool MeanOverFaces { get; init; }

    public CompiledTerm<T> Compile(LossTerm term, Func<Piece, SamplingPlan> plan)
    {
        if (SlicePoints < 1) throw new ArgumentException($"Slice size must be at least 1 point, got {SlicePoints}.");
        var pieces = new List<CompiledPiece<T>>();
        var plans = term.Pieces.Select(plan).ToArray();
        int termPoints = plans.Sum(p => p.Batch);
        foreach (var (piece, sampling) in term.Pieces.Zip(plans))
        {
            sampling.Validate(term.Name);
            var refs = piece.Errors.SelectMany(e => e.Walk()).OfType<FieldDerivative>().ToList();
            foreach (var r in refs)
            {
                if (!_outputs.Contains(r.Output)) throw new ArgumentException($"Term '{term.Name}' uses unknown field '{r.Output}' (outputs: {string.Join(", ", _outputs)}).");
                if (r.Side == 1 && piece.Partner is null) throw new ArgumentException($"Term '{term.Name}' uses partner points but has no partner face.");
            }
            ValidateObservations(term.Name, piece, sampling);
            var slices = new List<CompiledSlice<T>>();
            for (int start = 0; start < sampling.Batch; start += SlicePoints)
                slices.Add(CompileSlice(term, piece, refs, start, Math.Min(SlicePoints, sampling.Batch - start), MeanOverFaces ? termPoints : sampling.Batch));
            pieces.Add(new CompiledPiece<T>
            {
                Source = new PointSource(piece.Region, _domain, sampling),
                Slices = slices.ToArray(),
                Axes = _domain.Dimension,
            });
        }
        return new CompiledTerm<T>(term, pieces, _network.Parameters.Count);
    }

    private CompiledSlice<T> CompileSlice(LossTerm term, Piece piece, List<FieldDerivative> refs, int start, int count, int total)
    {
        var tape = new Tape<T>(_network.Parameters, term.Name);
        int sides = piece.Partner is null ? 1 : 2;
        var inputs = new JetInputNode<T>[sides];
        var jets = new JetNode<T>[sides];
        for (int side = 0; side < sides; side++)
        {
            var needed = refs.Where(r => r.Side == side).Select(r => r.Derivative.Select(_domain.IndexOf).ToArray());
            var set = DerivativeSet.Closure(_domain.Dimension, needed);
            inputs[side] = tape.Record(new JetInputNode<T>(set, count, _shift, _scale));
            jets[side] = _network.Apply(tape, inputs[side]);
        }
        var knowns = new List<(DataNode<T>, Func<double[], double>)>();
        var observations = new List<(DataNode<T>, double[])>();
        var memo = new Dictionary<Expr, Node<T>>(ReferenceEqualityComparer.Instance);
        var losses = new List<Node<T>>();
        foreach (var error in piece.Errors)
            losses.Add(tape.Record(new MeanSquareNode<T>(Emit(error, tape, jets, count, knowns, observations, memo), total)));
        tape.Output = losses.Count == 1 ? losses[0] : tape.Record(new ScalarSumNode<T>(losses));
        return new CompiledSlice<T>
        {
            Tape = tape,
            Start = start,
            Count = count,
            Inputs = inputs,
            Partner = piece.Partner,
            PartnerAxis = piece.Partner is null ? -1 : _domain.IndexOf(piece.Partner.Axis),
            Knowns = knowns,
            Observations = observations,
            Nodes = memo,
            CompileTwin = () => CompileSlice(term, piece, refs, start, count, total),
        };
    }

    /// <summary>
    /// Compiles expressions for pointwise evaluation at up to <paramref name="points"/> given points (residual maps,
    /// derived fields, checks); the network's parameters are read when <see cref="ExpressionEvaluator{T}.Evaluate"/> runs.
    /// </summary>
    public ExpressionEvaluator<T> CompileExpressions(IReadOnlyList<Expr> expressions, int points)
    {
        var tape = new Tape<T>(_network.Parameters, "expressions");
        var refs = expressions.SelectMany(e => e.Walk()).OfType<FieldDerivative>().ToList();
        foreach (var r in refs)
            if (!_outputs.Contains(r.Output) || r.Side != 0) throw new ArgumentException($"Expression uses unknown field '{r.Output}' (outputs: {string.Join(", ", _outputs)}).");
        var set = DerivativeSet.Closure(_domain.Dimension, refs.Select(r => r.Derivative.Select(_domain.IndexOf).ToArray()));
        var input = tape.Record(new JetInputNode<T>(set, points, _shift, _scale));
        var jet = _network.Apply(tape, input);
        var knowns = new List<(DataNode<T>, Func<double[], double>)>();
        var observations = new List<(DataNode<T>, double[])>();
        var memo = new Dictionary<Expr, Node<T>>(ReferenceEqualityComparer.Instance);
        var nodes = expressions.Select(e => Emit(e, tape, [jet], points, knowns, observations, memo)).ToArray();
        if (observations.Count > 0) throw new ArgumentException("Observed values cannot be evaluated at arbitrary points.");
        var piece = new CompiledPiece<T>
        {
            Source = new PointSource(new Interior(), _domain, SamplingPlan.Fixed(points)),
            Axes = _domain.Dimension,
            Slices =
            [
                new CompiledSlice<T>
                {
                    Tape = tape, Start = 0, Count = points, Inputs = [input], Partner = null, PartnerAxis = -1,
                    Knowns = knowns, Observations = observations,
                },
            ],
        };
        return new ExpressionEvaluator<T>(tape, piece, nodes);
    }

    private Node<T> Emit(Expr expr, Tape<T> tape, JetNode<T>[] jets, int n, List<(DataNode<T>, Func<double[], double>)> knowns,
        List<(DataNode<T>, double[])> observations, Dictionary<Expr, Node<T>> memo)
    {
        if (memo.TryGetValue(expr, out var done)) return done;
        Node<T> E(Expr e) => Emit(e, tape, jets, n, knowns, observations, memo);
        T C(double v) => T.CreateTruncating(v);
        // Sub-expressions made only of constants and fixed coefficients fold to one value (e.g. 1/re in a problem file).
        double? folded = expr is Constant or Coefficient ? null : ExprInterpreter.TryConstant(expr, _coefficients, _learned.Keys);
        Node<T> node = folded is { } value ? Known(tape, n, _ => value, knowns) : expr switch
        {
            FieldDerivative f => tape.Record(new ComponentNode<T>(jets[f.Side],
                jets[f.Side].Set.IndexOf(f.Derivative.Select(_domain.IndexOf).ToArray()), Array.IndexOf(_outputs, f.Output))),
            Known k => Known(tape, n, k.Function, knowns),
            Constant c => Known(tape, n, _ => c.Value, knowns),
            Observed o => Observe(tape, n, o.Values, observations),
            Coefficient c when _learned.ContainsKey(c.Name) => throw new ArgumentException($"Learned coefficient '{c.Name}' must multiply an expression."),
            Coefficient c => Known(tape, n, _ => CoefficientValue(c.Name), knowns),
            Affine a => tape.Record(new AffineNode<T>(E(a.A), C(a.Scale), C(a.Shift))),
            Sum { B: Constant k } s => tape.Record(new AffineNode<T>(E(s.A), C(s.Alpha), C(s.Beta * k.Value))),
            Sum { A: Constant k } s => tape.Record(new AffineNode<T>(E(s.B), C(s.Beta), C(s.Alpha * k.Value))),
            Sum s => tape.Record(new LinearCombinationNode<T>(E(s.A), C(s.Alpha), E(s.B), C(s.Beta))),
            Product { A: Coefficient c } p => Scale(tape, c.Name, E(p.B)),
            Product { B: Coefficient c } p => Scale(tape, c.Name, E(p.A)),
            Product { A: Constant k } p => tape.Record(new AffineNode<T>(E(p.B), C(k.Value), T.Zero)),
            Product { B: Constant k } p => tape.Record(new AffineNode<T>(E(p.A), C(k.Value), T.Zero)),
            Product p when Fold(p.A) is { } k => tape.Record(new AffineNode<T>(E(p.B), C(k), T.Zero)),
            Product p when Fold(p.B) is { } k => tape.Record(new AffineNode<T>(E(p.A), C(k), T.Zero)),
            Product p => tape.Record(new MultiplyNode<T>(E(p.A), E(p.B))),
            Power p => tape.Record(new PowerNode<T>(E(p.A), p.Exponent)),
            Quotient q when Fold(q.B) is { } k => tape.Record(new AffineNode<T>(E(q.A), C(1 / k), T.Zero)),
            Quotient q => tape.Record(new DivideNode<T>(E(q.A), E(q.B))),
            Apply f => tape.Record(new ElementaryNode<T>(E(f.A), f.Function)),
            Coordinate c => Known(tape, n, Axis(_domain.IndexOf(c.Axis)), knowns),
            _ => throw new NotSupportedException($"Expression {expr.GetType().Name} is not supported."),
        };
        memo[expr] = node;
        return node;
    }

    private double? Fold(Expr e) => ExprInterpreter.TryConstant(e, _coefficients, _learned.Keys);

    private static Func<double[], double> Axis(int index) => p => p[index];

    private Node<T> Scale(Tape<T> tape, string coefficient, Node<T> operand)
    {
        if (!_learned.TryGetValue(coefficient, out var learned))
            return tape.Record(new AffineNode<T>(operand, T.CreateTruncating(CoefficientValue(coefficient)), T.Zero));
        var scaled = tape.Record(new CoefficientScaleNode<T>(operand, _network.Parameters, learned.Parameter));
        return learned.Scale == 1 ? scaled : tape.Record(new AffineNode<T>(scaled, T.CreateTruncating(learned.Scale), T.Zero));
    }

    /// <summary>Observed values must sit on a fixed point set of the same length, used whole, so index i is point i.</summary>
    private static void ValidateObservations(string term, Piece piece, SamplingPlan sampling)
    {
        foreach (var observed in piece.Errors.SelectMany(e => e.Walk()).OfType<Observed>())
        {
            if (piece.Region is not DataPoints points)
                throw new ArgumentException($"Term '{term}': observed values '{observed.Name}' need a DataPoints region, got {piece.Region.GetType().Name}.");
            if (observed.Values.Length != points.Count)
                throw new ArgumentException($"Term '{term}': {observed.Values.Length} values of '{observed.Name}' for {points.Count} observation points.");
            if (!sampling.IsFixed || sampling.Batch != points.Count)
                throw new ArgumentException($"Term '{term}': observation points must be used whole ({points.Count}), got a batch of {sampling.Batch}.");
        }
    }

    private static DataNode<T> Observe(Tape<T> tape, int n, double[] values, List<(DataNode<T>, double[])> observations)
    {
        var node = tape.Record(new DataNode<T>(n));
        observations.Add((node, values));
        return node;
    }

    private double CoefficientValue(string name) =>
        _coefficients.TryGetValue(name, out var v) ? v : throw new ArgumentException($"Unknown coefficient '{name}'.");

    private static DataNode<T> Known(Tape<T> tape, int n, Func<double[], double> f, List<(DataNode<T>, Func<double[], double>)> knowns)
    {
        var node = tape.Record(new DataNode<T>(n));
        knowns.Add((node, f));
        return node;
    }
}
