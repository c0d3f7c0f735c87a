using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;

namespace PinnServe.Nn;

/// <summary>The plain multilayer perceptron: Hᵏ⁺¹ = φ(Hᵏ Wₖ + bₖ), f = Hᴸ W + b.</summary>
public sealed class Mlp<T> : Network<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly List<(ParameterInfo, ParameterInfo)> _layers = new();

    public Mlp(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation, WeightFactorization? factorization = null)
        : base(store, inputs, outputs, shape, activation, factorization)
    {
        for (int l = 0; l < shape.HiddenLayers; l++)
            _layers.Add(AddLayer($"hidden_{l}", l == 0 ? inputs : shape.Width, shape.Width, l, encoder: false));
        _layers.Add(AddLayer("output", shape.Width, outputs, shape.HiddenLayers, encoder: false));
    }

    public override string Architecture => NetworkFile.MlpArchitecture;
    public override IReadOnlyList<(ParameterInfo Weight, ParameterInfo Bias)> Layers => _layers;

    public override JetNode<T> Apply(Tape<T> tape, JetNode<T> input)
    {
        JetNode<T> h = input;
        for (int l = 0; l < _layers.Count; l++)
        {
            var (w, b) = _layers[l];
            h = DenseLayer(tape, h, (w, b));
            if (l < _layers.Count - 1) h = tape.Record(new JetActivationNode<T>(h, Activation));
        }
        return h;
    }
}
