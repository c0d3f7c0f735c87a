using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// The network input as a jet: normalized coordinates x̂ = (x − shift)/scale as the value, ∂x̂_i/∂x_i = 1/scale_i
/// as the first-order components, zero above. Derivatives are therefore taken with respect to the physical
/// coordinates. <see cref="Points"/> holds the raw coordinates (points × axes) and is refilled by samplers.
/// </summary>
public sealed class JetInputNode<T> : JetNode<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[] _shift, _invScale;

    public JetInputNode(DerivativeSet set, int points, ReadOnlySpan<double> shift, ReadOnlySpan<double> scale)
        : base(set, points, set.Axes, requiresGrad: false)
    {
        if (shift.Length != set.Axes || scale.Length != set.Axes)
            throw new ArgumentException($"Normalization needs {set.Axes} shifts and scales.");
        Coordinates = new T[points * set.Axes];
        _shift = new T[set.Axes];
        _invScale = new T[set.Axes];
        for (int a = 0; a < set.Axes; a++)
        {
            if (!(scale[a] > 0)) throw new ArgumentException($"Normalization scale of axis {a} must be positive, got {scale[a]}.");
            _shift[a] = T.CreateTruncating(shift[a]);
            _invScale[a] = T.CreateTruncating(1.0 / scale[a]);
        }
        // First-order components are constant: column a of component e_a is 1/scale_a.
        for (int a = 0; a < set.Axes; a++)
        {
            int k = set.IndexOf([a]);
            if (k < 0) continue;
            var block = Component(k);
            for (int p = 0; p < points; p++) block[p * set.Axes + a] = _invScale[a];
        }
    }

    public override IReadOnlyList<Node<T>>? Inputs => [];

    /// <summary>Raw physical coordinates, row-major points × axes.</summary>
    public T[] Coordinates { get; }

    public override void Forward()
    {
        int d = Set.Axes;
        var value = Component(0);
        for (int p = 0; p < Points; p++)
            for (int a = 0; a < d; a++)
                value[p * d + a] = (Coordinates[p * d + a] - _shift[a]) * _invScale[a];
    }

    public override long ForwardFlops => 2L * Points * Set.Axes;
}
