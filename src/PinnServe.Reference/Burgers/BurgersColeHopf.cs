using PinnServe.Reference.Numerics;

namespace PinnServe.Reference.Burgers;

/// <summary>
/// Exact solution of the viscous Burgers equation u_t + u u_x = ν u_xx with u(0,x) = −sin(πx) on x ∈ [−1,1]
/// (u(t,±1) = 0 follows from the odd, 2-periodic data), by the Cole–Hopf transform:
/// <code>
/// u(t,x) = −∫ sin(π(x−η)) f(x−η) e^{−η²/(4νt)} dη / ∫ f(x−η) e^{−η²/(4νt)} dη,   f(y) = e^{−cos(πy)/(2πν)}.
/// </code>
/// With η = σs, σ = √(4νt), both integrals become ∫ g(s) e^{L(s)} ds with L(s) = −cos(π(x−σs))/(2πν) − s².
/// f spans e^{±1/(2πν)} (e^{±50} for ν = 0.01/π), so the exponent's maximum is factored out before exponentiating.
/// The integrand is negligible (&lt; e^{−40} of the peak) beyond |s| = √(1/(πν) + 40); inside, composite
/// Gauss–Legendre resolves the two sharp peaks that form the shock, whose width in s stays ≳ 1/√(2+2πt).
/// </summary>
public sealed class BurgersColeHopf
{
    private readonly double _inverseTwoPiNu; // 1/(2πν)
    private readonly double[] _s;            // quadrature nodes in s
    private readonly double[] _logGaussian;  // −s² + log(weight)
    private readonly double[] _exponent;     // scratch: L(s) per node for one (t, x)

    /// <param name="viscosity">ν &gt; 0.</param>
    /// <param name="panels">Number of equal panels on [−s_max, s_max].</param>
    /// <param name="nodesPerPanel">Gauss–Legendre nodes per panel.</param>
    public BurgersColeHopf(double viscosity, int panels = 200, int nodesPerPanel = 8)
    {
        if (!(viscosity > 0) || double.IsInfinity(viscosity))
            throw new ArgumentOutOfRangeException(nameof(viscosity), viscosity, "Viscosity must be positive and finite.");
        if (panels < 1) throw new ArgumentOutOfRangeException(nameof(panels), panels, "Need at least one panel.");
        Viscosity = viscosity;
        Panels = panels;
        NodesPerPanel = nodesPerPanel;
        _inverseTwoPiNu = 1.0 / (2 * Math.PI * viscosity);
        HalfWidth = Math.Max(6.0, Math.Sqrt(2 * _inverseTwoPiNu + 40));

        var (nodes, weights) = GaussLegendre.Rule(nodesPerPanel);
        int count = panels * nodesPerPanel;
        _s = new double[count];
        _logGaussian = new double[count];
        _exponent = new double[count];
        double panelWidth = 2 * HalfWidth / panels;
        for (int p = 0, k = 0; p < panels; p++)
        {
            double centre = -HalfWidth + (p + 0.5) * panelWidth;
            for (int q = 0; q < nodesPerPanel; q++, k++)
            {
                double s = centre + 0.5 * panelWidth * nodes[q];
                _s[k] = s;
                _logGaussian[k] = -s * s + Math.Log(0.5 * panelWidth * weights[q]);
            }
        }
    }

    public double Viscosity { get; }
    public int Panels { get; }
    public int NodesPerPanel { get; }
    /// <summary>The integral over s is truncated to [−HalfWidth, HalfWidth].</summary>
    public double HalfWidth { get; }

    /// <summary>u(t, x). Not thread-safe (one scratch buffer per instance).</summary>
    public double Evaluate(double t, double x)
    {
        if (t < 0) throw new ArgumentOutOfRangeException(nameof(t), t, "Time must be non-negative.");
        if (t == 0) return -Math.Sin(Math.PI * x);
        double sigma = Math.Sqrt(4 * Viscosity * t);

        double largest = double.NegativeInfinity;
        for (int k = 0; k < _s.Length; k++)
        {
            double exponent = _logGaussian[k] - Math.Cos(Math.PI * (x - sigma * _s[k])) * _inverseTwoPiNu;
            _exponent[k] = exponent;
            if (exponent > largest) largest = exponent;
        }
        double numerator = 0, denominator = 0;
        for (int k = 0; k < _s.Length; k++)
        {
            double relative = _exponent[k] - largest;
            if (relative < -745) continue; // exp underflows to zero
            double weight = Math.Exp(relative);
            denominator += weight;
            numerator += weight * Math.Sin(Math.PI * (x - sigma * _s[k]));
        }
        return -numerator / denominator;
    }

    /// <summary>u on the tensor grid t × x, row-major (t slowest).</summary>
    public double[] EvaluateGrid(double[] times, double[] positions, IProgress<double>? progress = null)
    {
        var values = new double[times.Length * positions.Length];
        for (int i = 0; i < times.Length; i++)
        {
            for (int j = 0; j < positions.Length; j++) values[i * positions.Length + j] = Evaluate(times[i], positions[j]);
            progress?.Report((i + 1.0) / times.Length);
        }
        return values;
    }
}
