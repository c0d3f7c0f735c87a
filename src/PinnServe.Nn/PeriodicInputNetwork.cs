using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;

namespace PinnServe.Nn;

/// <summary>
/// Any architecture behind periodic input features: a periodic input x with period P reaches the first layer(s) as
/// (cos 2πx/P, sin 2πx/P) (<see cref="JetPeriodicFeaturesNode{T}"/>), so the network is exactly periodic in x and a
/// periodic boundary condition holds by construction (jaxpi's "periodic embedding"). The inner network owns every
/// parameter; it takes one more input per periodic axis.
/// </summary>
public sealed class PeriodicInputNetwork<T> : Network<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Network<T> _inner;
    private readonly (int Axis, double Period)[] _periodic;

    public PeriodicInputNetwork(Network<T> inner, int inputs, IReadOnlyList<(int Axis, double Period)> periodic)
        : base(inner.Parameters, inputs, inner.Outputs, inner.Shape, inner.Activation, inner.Factorization)
    {
        if (inner.Inputs != inputs + periodic.Count)
            throw new ArgumentException($"The inner network takes {inner.Inputs} features; {inputs} inputs with {periodic.Count} periodic give {inputs + periodic.Count}.");
        if (periodic.Any(p => p.Axis < 0 || p.Axis >= inputs || !(p.Period > 0) || !double.IsFinite(p.Period)) || periodic.Select(p => p.Axis).Distinct().Count() != periodic.Count)
            throw new ArgumentException($"Periodic inputs must be distinct axes below {inputs} with positive periods.", nameof(periodic));
        _inner = inner;
        _periodic = periodic.ToArray();
    }

    public override string Architecture => _inner.Architecture;
    public override IReadOnlyList<(ParameterInfo Weight, ParameterInfo Bias)> Layers => _inner.Layers;
    public override IReadOnlyList<(int Axis, double Period)> PeriodicInputs => _periodic;
    public override ParameterInfo? LogScaleOf(ParameterInfo weight) => _inner.LogScaleOf(weight);

    public override JetNode<T> Apply(Tape<T> tape, JetNode<T> input) => input is JetInputNode<T> coordinates
        ? _inner.Apply(tape, tape.Record(new JetPeriodicFeaturesNode<T>(coordinates, _periodic)))
        : throw new ArgumentException("Periodic input features are computed from the coordinates: apply the network to the input node itself.", nameof(input));
}
