using PinnServe.Contracts;

namespace PinnServe.Onnx.Internal;

/// <summary>
/// Random Fourier features γ = [cos(x̂B), sin(x̂B)] as a jet, written as a dense layer and a sine: cos z = sin(z + π/2),
/// so γ = sin(x̂[B B] + [π/2 … π/2, 0 … 0]) and the Taylor rules of <see cref="TaylorGraph.InputLayer"/> and
/// <see cref="TaylorGraph.Activate"/> carry the derivatives (the engine uses closed forms instead; the parity tests
/// compare the two).
/// </summary>
internal static class FourierFeatureJet
{
    public static Jet Build(TaylorGraph taylor, string normalized, int inputs, FourierFeatureFile features, IReadOnlyList<double> inverseScale)
    {
        int n = features.Count, width = 2 * n;
        var weights = new double[inputs * width];
        for (int a = 0; a < inputs; a++)
            for (int j = 0; j < n; j++)
                weights[a * width + j] = weights[a * width + n + j] = features.Matrix[a * n + j];
        var bias = new double[width];
        for (int j = 0; j < n; j++) bias[j] = Math.PI / 2;
        var layer = new LayerFile { Name = "fourier", In = inputs, Out = width, Weights = weights, Bias = bias };
        return taylor.Activate(taylor.InputLayer(normalized, layer, inverseScale), "fourier", function: "sin");
    }
}
