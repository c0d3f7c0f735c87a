using PinnServe.Autodiff.Taylor;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// The network's input features as a jet: each input in column order gives x̂ (copied from the input jet), except a
/// periodic input x with period P, which gives cos(ωx) and sin(ωx), ω = 2π/P, of the physical x. Their derivatives
/// are closed-form: ∂ᵏ/∂xᵏ cos(ωx) = ωᵏ cos(ωx + kπ/2), likewise for sin, and any derivative that involves another
/// axis is zero. A network fed these features is exactly P-periodic in x, with all its derivatives, so a periodic
/// boundary condition holds by construction. The features depend on the coordinates only, so nothing flows back.
/// </summary>
public sealed class JetPeriodicFeaturesNode<T> : JetNode<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private enum Kind { Normalized, Cos, Sin }

    private readonly JetInputNode<T> _input;
    private readonly (int Axis, Kind Kind)[] _features;
    private readonly double[] _omega;        // per input axis; 0 when not periodic
    private readonly int[] _pureAxis;        // per component: its only axis, −1 for the value, −2 when mixed

    public JetPeriodicFeaturesNode(JetInputNode<T> input, IReadOnlyList<(int Axis, double Period)> periodic)
        : base(input.Set, input.Points, input.Width + periodic.Count, requiresGrad: false)
    {
        _input = input;
        _omega = new double[input.Width];
        foreach (var (axis, period) in periodic)
        {
            if (axis < 0 || axis >= input.Width) throw new ArgumentOutOfRangeException(nameof(periodic), $"Periodic axis {axis} is not one of the {input.Width} inputs.");
            if (!(period > 0) || !double.IsFinite(period)) throw new ArgumentOutOfRangeException(nameof(periodic), $"The period of axis {axis} must be positive, got {period}.");
            if (_omega[axis] != 0) throw new ArgumentException($"Axis {axis} is listed twice as periodic.", nameof(periodic));
            _omega[axis] = 2 * Math.PI / period;
        }
        var features = new List<(int, Kind)>();
        for (int a = 0; a < input.Width; a++)
            if (_omega[a] == 0) features.Add((a, Kind.Normalized));
            else { features.Add((a, Kind.Cos)); features.Add((a, Kind.Sin)); }
        _features = features.ToArray();
        _pureAxis = Set.Components.Select(c => c.Length == 0 ? -1 : c.All(a => a == c[0]) ? c[0] : -2).ToArray();
    }

    public override IReadOnlyList<Node<T>>? Inputs => [_input];
    public JetInputNode<T> Input => _input;

    public override void Forward()
    {
        int d = _input.Width, width = Width;
        var coordinates = _input.Coordinates;
        for (int k = 0; k < Set.Count; k++)
        {
            int order = Set.Components[k].Length, pure = _pureAxis[k];
            var source = _input.Component(k);
            var block = Component(k);
            for (int p = 0; p < Points; p++)
                for (int f = 0; f < width; f++)
                {
                    var (axis, kind) = _features[f];
                    if (kind == Kind.Normalized) { block[p * width + f] = source[p * d + axis]; continue; }
                    if (pure != -1 && pure != axis) { block[p * width + f] = T.Zero; continue; }
                    double omega = _omega[axis];
                    double phase = omega * double.CreateTruncating(coordinates[p * d + axis]) + order * (Math.PI / 2);
                    double scale = Math.Pow(omega, order);
                    block[p * width + f] = T.CreateTruncating(scale * (kind == Kind.Cos ? Math.Cos(phase) : Math.Sin(phase)));
                }
        }
    }

    public override long ForwardFlops => 20L * Length;
}
