using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;

namespace PinnServe.Nn;

/// <summary>
/// The modified MLP of Wang, Teng &amp; Perdikaris (2021, eqs. 2.33–2.37): two encoders U = φ(XW¹+b¹),
/// V = φ(XW²+b²); H¹ = φ(XW^{z,1}+b^{z,1}); for each further hidden layer Z = φ(HW+b) and
/// H ← (1 − Z)⊙U + Z⊙V; output f = HW + b. With L hidden layers it has L − 1 gates.
/// </summary>
public sealed class ModifiedMlp<T> : Network<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly List<(ParameterInfo, ParameterInfo)> _layers = new();
    private readonly (ParameterInfo W, ParameterInfo B) _encoderU, _encoderV;

    public ModifiedMlp(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation, WeightFactorization? factorization = null)
        : base(store, inputs, outputs, shape, activation, factorization)
    {
        _encoderU = AddLayer("encoder_u", inputs, shape.Width, -1, encoder: true);
        _encoderV = AddLayer("encoder_v", inputs, shape.Width, -1, encoder: true);
        _layers.Add(_encoderU);
        _layers.Add(_encoderV);
        for (int l = 0; l < shape.HiddenLayers; l++)
            _layers.Add(AddLayer($"hidden_{l}", l == 0 ? inputs : shape.Width, shape.Width, l, encoder: false));
        _layers.Add(AddLayer("output", shape.Width, outputs, shape.HiddenLayers, encoder: false));
    }

    public override string Architecture => NetworkFile.ModifiedMlpArchitecture;
    public override IReadOnlyList<(ParameterInfo Weight, ParameterInfo Bias)> Layers => _layers;

    public override JetNode<T> Apply(Tape<T> tape, JetNode<T> input)
    {
        JetNode<T> Dense(JetNode<T> x, (ParameterInfo W, ParameterInfo B) layer, bool activate)
        {
            JetNode<T> z = DenseLayer(tape, x, layer);
            return activate ? tape.Record(new JetActivationNode<T>(z, Activation)) : z;
        }

        var u = Dense(input, _encoderU, true);
        var v = Dense(input, _encoderV, true);
        var h = Dense(input, _layers[2], true);
        for (int l = 3; l < _layers.Count - 1; l++)
        {
            var z = Dense(h, _layers[l], true);
            h = tape.Record(new JetGateNode<T>(z, u, v));
        }
        return Dense(h, _layers[^1], false);
    }
}
