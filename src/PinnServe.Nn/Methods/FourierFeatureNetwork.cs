using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Contracts;

namespace PinnServe.Nn;

/// <summary>
/// Any architecture behind random Fourier features (<see cref="FourierFeatures"/>, <see cref="JetFourierFeaturesNode{T}"/>):
/// the inner network owns every trained parameter and takes 2N inputs; B is not a parameter (never trained) but part of
/// the network, drawn by <see cref="InitializeGlorotNormal"/> after the layers' weights, and saved in and loaded from
/// the network file.
/// </summary>
public sealed class FourierFeatureNetwork<T> : Network<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Network<T> _inner;

    public FourierFeatureNetwork(Network<T> inner, int inputs, FourierFeatures features)
        : base(inner.Parameters, inputs, inner.Outputs, inner.Shape, inner.Activation, inner.Factorization)
    {
        features.Validated();
        if (inner.Inputs != 2 * features.Count)
            throw new ArgumentException($"The inner network takes {inner.Inputs} features; {features.Count} Fourier features give {2 * features.Count}.");
        _inner = inner;
        Features = features;
        Matrix = new double[inputs * features.Count];
    }

    public FourierFeatures Features { get; }
    /// <summary>B, inputs × N row-major (the features are x̂B); filled at initialization or from a file.</summary>
    public double[] Matrix { get; }

    public override string Architecture => _inner.Architecture;
    public override IReadOnlyList<(ParameterInfo Weight, ParameterInfo Bias)> Layers => _inner.Layers;
    public override ParameterInfo? LogScaleOf(ParameterInfo weight) => _inner.LogScaleOf(weight);
    public override FourierFeatures? FourierEmbedding => Features;

    public override JetNode<T> Apply(Tape<T> tape, JetNode<T> input) => input is JetInputNode<T> coordinates
        ? _inner.Apply(tape, tape.Record(new JetFourierFeaturesNode<T>(coordinates, Matrix, Features.Count)))
        : throw new ArgumentException("Fourier features are computed from the coordinates: apply the network to the input node itself.", nameof(input));

    /// <summary>The layers as the inner network draws them, then B ~ N(0, σ²) from the same stream.</summary>
    public override void InitializeGlorotNormal(Rng rng)
    {
        base.InitializeGlorotNormal(rng);
        for (int i = 0; i < Matrix.Length; i++) Matrix[i] = Features.Scale * rng.NextNormal();
    }

    protected override double[]? FourierMatrix => Matrix;
}
