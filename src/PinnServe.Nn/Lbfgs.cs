namespace PinnServe.Nn;

/// <summary>An L-BFGS optimizer's state (<see cref="Lbfgs.GetState"/>): <paramref name="Pairs"/> curvature pairs oldest first.</summary>
public sealed record LbfgsState(int Pairs, double[] S, double[] Y, double[] Rho, double[] Gradient, double Loss);

/// <summary>What one L-BFGS iteration did.</summary>
/// <param name="Loss">The loss at the accepted point.</param>
/// <param name="StepLength">The accepted step length along the search direction (0: no decrease found, θ unchanged).</param>
/// <param name="Evaluations">Loss-and-gradient evaluations this iteration spent (line search included).</param>
public readonly record struct LbfgsIteration(double Loss, double StepLength, int Evaluations);

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright, Numerical Optimization, algorithm 7.4 and 7.5) for a deterministic
/// loss: the two-loop recursion over the last <see cref="History"/> curvature pairs, scaled by γ = sᵀy / yᵀy,
/// and a backtracking line search that accepts the first step meeting the Armijo condition
/// f(θ + t·d) ≤ f(θ) + c₁·t·∇fᵀd. A pair is kept only when sᵀy is clearly positive, so the implied inverse
/// Hessian stays positive definite without a Wolfe curvature test. Arithmetic is float64 whatever the network's
/// precision: the history is small next to one evaluation of a PINN loss.
/// </summary>
public sealed class Lbfgs
{
    /// <summary>Computes the loss at θ and writes ∂L/∂θ into the gradient span.</summary>
    public delegate double Objective(ReadOnlySpan<double> theta, Span<double> gradient);

    private readonly int _n;
    private readonly double[][] _s, _y;
    private readonly double[] _rho, _alpha;
    private readonly double[] _gradient, _direction, _trial, _trialGradient;
    private int _stored, _newest = -1;
    private double _loss = double.NaN;

    public Lbfgs(int parameterCount, int history = 20, double armijo = 1e-4, int maxBacktracks = 25)
    {
        if (parameterCount < 1) throw new ArgumentOutOfRangeException(nameof(parameterCount));
        if (history < 1) throw new ArgumentOutOfRangeException(nameof(history), "L-BFGS needs a history of at least 1 pair.");
        _n = parameterCount;
        History = history;
        Armijo = armijo;
        MaxBacktracks = maxBacktracks;
        _s = new double[history][];
        _y = new double[history][];
        for (int i = 0; i < history; i++) (_s[i], _y[i]) = (new double[_n], new double[_n]);
        _rho = new double[history];
        _alpha = new double[history];
        _gradient = new double[_n];
        _direction = new double[_n];
        _trial = new double[_n];
        _trialGradient = new double[_n];
    }

    public int History { get; }
    public double Armijo { get; }
    public int MaxBacktracks { get; }
    /// <summary>Curvature pairs currently held.</summary>
    public int StoredPairs => _stored;

    /// <summary>Forgets the curvature pairs and the cached loss (call when the objective changes).</summary>
    public void Reset()
    {
        _stored = 0;
        _newest = -1;
        _loss = double.NaN;
    }

    /// <summary>
    /// The state a later iteration depends on, for checkpoints: the curvature pairs oldest first (s and y, each
    /// pairs × n values), their ρ = 1/sᵀy, and the gradient and loss at the current iterate (NaN: not evaluated yet).
    /// </summary>
    public LbfgsState GetState()
    {
        var s = new double[_stored * _n];
        var y = new double[_stored * _n];
        var rho = new double[_stored];
        for (int k = 0; k < _stored; k++)
        {
            int j = (_newest - (_stored - 1 - k) + History) % History;  // k = 0: the oldest pair
            _s[j].CopyTo(s, k * _n);
            _y[j].CopyTo(y, k * _n);
            rho[k] = _rho[j];
        }
        return new LbfgsState(_stored, s, y, rho, (double[])_gradient.Clone(), _loss);
    }

    /// <summary>Continues from a <see cref="GetState"/> snapshot: the next <see cref="Step"/> is the one the snapshot's optimizer would have taken.</summary>
    public void SetState(LbfgsState state)
    {
        int pairs = state.Pairs;
        if (pairs < 0 || pairs > History || state.S.Length != pairs * _n || state.Y.Length != pairs * _n || state.Rho.Length != pairs || state.Gradient.Length != _n)
            throw new InvalidDataException($"L-BFGS state does not fit an optimizer of {_n} parameters and {History} pairs.");
        for (int k = 0; k < pairs; k++)
        {
            state.S.AsSpan(k * _n, _n).CopyTo(_s[k]);
            state.Y.AsSpan(k * _n, _n).CopyTo(_y[k]);
            _rho[k] = state.Rho[k];
        }
        _stored = pairs;
        _newest = pairs - 1;
        state.Gradient.CopyTo(_gradient, 0);
        _loss = state.Loss;
    }

    /// <summary>One iteration from θ (updated in place); the loss at θ is evaluated on the first call only.</summary>
    public LbfgsIteration Step(Span<double> theta, Objective objective)
    {
        if (theta.Length != _n) throw new ArgumentException($"L-BFGS was built for {_n} parameters, got {theta.Length}.");
        int evaluations = 0;
        if (double.IsNaN(_loss))
        {
            _loss = objective(theta, _gradient);
            evaluations++;
            if (!double.IsFinite(_loss)) throw new ArithmeticException($"The loss is {_loss} at the starting point.");
        }

        SearchDirection();
        double slope = Dot(_gradient, _direction);
        if (!(slope < 0))
        {
            // Not a descent direction (lost curvature information): restart from steepest descent.
            Reset();
            _loss = LossOrThrow(objective, theta, ref evaluations);
            SearchDirection();
            slope = Dot(_gradient, _direction);
            if (!(slope < 0)) return new LbfgsIteration(_loss, 0, evaluations); // zero gradient: a stationary point
        }

        double t = 1;
        for (int tries = 0; tries <= MaxBacktracks; tries++, t *= 0.5)
        {
            for (int i = 0; i < _n; i++) _trial[i] = theta[i] + t * _direction[i];
            double trialLoss = objective(_trial, _trialGradient);
            evaluations++;
            if (double.IsFinite(trialLoss) && trialLoss <= _loss + Armijo * t * slope)
            {
                Remember(theta);
                _trial.CopyTo(theta);
                _trialGradient.CopyTo(_gradient, 0);
                _loss = trialLoss;
                return new LbfgsIteration(trialLoss, t, evaluations);
            }
        }
        // No sufficient decrease along this direction: drop the history so the next iteration starts afresh.
        Reset();
        _loss = LossOrThrow(objective, theta, ref evaluations);
        return new LbfgsIteration(_loss, 0, evaluations);
    }

    private double LossOrThrow(Objective objective, ReadOnlySpan<double> theta, ref int evaluations)
    {
        evaluations++;
        double loss = objective(theta, _gradient);
        if (!double.IsFinite(loss)) throw new ArithmeticException($"The loss is {loss}.");
        return loss;
    }

    // d = −H·g by the two-loop recursion; without history, a steepest-descent step no longer than 1 in L1 norm
    // (the first step's length is otherwise arbitrary).
    private void SearchDirection()
    {
        var d = _direction;
        for (int i = 0; i < _n; i++) d[i] = -_gradient[i];
        if (_stored == 0)
        {
            double l1 = 0;
            for (int i = 0; i < _n; i++) l1 += Math.Abs(d[i]);
            if (l1 > 1) for (int i = 0; i < _n; i++) d[i] /= l1;
            return;
        }
        for (int k = 0; k < _stored; k++)
        {
            int j = (_newest - k + History) % History;
            _alpha[j] = _rho[j] * Dot(_s[j], d);
            Axpy(-_alpha[j], _y[j], d);
        }
        double gamma = Dot(_s[_newest], _y[_newest]) / Dot(_y[_newest], _y[_newest]);
        for (int i = 0; i < _n; i++) d[i] *= gamma;
        for (int k = _stored - 1; k >= 0; k--)
        {
            int j = (_newest - k + History) % History;
            double beta = _rho[j] * Dot(_y[j], d);
            Axpy(_alpha[j] - beta, _s[j], d);
        }
    }

    // Stores s = θ_new − θ, y = g_new − g before θ and g are overwritten; a pair without clearly positive
    // curvature is not stored (the oldest pair, whose slot it would take, stays valid).
    private void Remember(ReadOnlySpan<double> theta)
    {
        double sy = 0, yy = 0;
        for (int i = 0; i < _n; i++)
        {
            double si = _trial[i] - theta[i], yi = _trialGradient[i] - _gradient[i];
            sy += si * yi;
            yy += yi * yi;
        }
        if (!(sy > 1e-10 * yy) || yy == 0) return;
        int slot = (_newest + 1) % History;
        for (int i = 0; i < _n; i++)
        {
            _s[slot][i] = _trial[i] - theta[i];
            _y[slot][i] = _trialGradient[i] - _gradient[i];
        }
        _rho[slot] = 1 / sy;
        _newest = slot;
        _stored = Math.Min(_stored + 1, History);
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);

    private static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y) =>
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(x, a, y, y);
}
