using PinnServe.Contracts;

namespace PinnServe.Onnx.Tests;

/// <summary>
/// An independent float64 evaluator of a <see cref="NetworkFile"/>: the forward pass written directly from the
/// file's documented rules, and derivatives by central finite differences (no Taylor rules shared with the exporter).
/// </summary>
internal sealed class ReferenceEvaluator(NetworkFile network)
{
    /// <summary>All network outputs at one physical point.</summary>
    public double[] Forward(ReadOnlySpan<double> x)
    {
        // The first layers' inputs, as NetworkFile documents them: x̂, or cos and sin of 2πx/P for a periodic input.
        var normalized = new List<double>();
        for (int i = 0; i < network.Inputs.Length; i++)
        {
            var periodic = network.PeriodicInputs?.FirstOrDefault(p => p.Input == network.Inputs[i]);
            if (periodic is null) { normalized.Add((x[i] - network.InputShift[i]) / network.InputScale[i]); continue; }
            normalized.Add(Math.Cos(2 * Math.PI * x[i] / periodic.Period));
            normalized.Add(Math.Sin(2 * Math.PI * x[i] / periodic.Period));
        }
        var layers = network.Layers;
        double[] h;
        if (network.Architecture == NetworkFile.MlpArchitecture)
        {
            h = Activate(Dense([.. normalized], layers[0]));
            for (int k = 1; k < layers.Length - 1; k++) h = Activate(Dense(h, layers[k]));
        }
        else
        {
            var u = Activate(Dense([.. normalized], layers[0]));
            var v = Activate(Dense([.. normalized], layers[1]));
            h = Activate(Dense([.. normalized], layers[2]));
            for (int k = 3; k < layers.Length - 1; k++)
            {
                var z = Activate(Dense(h, layers[k]));
                for (int j = 0; j < h.Length; j++) h[j] = (1 - z[j]) * u[j] + z[j] * v[j];
            }
        }
        return Dense(h, layers[^1]);
    }

    /// <summary>A field at one point: Σ coefficient · derivative of an output, derivatives by central differences.</summary>
    public double Field(FieldDefinition field, ReadOnlySpan<double> x)
    {
        double total = 0;
        foreach (var term in field.Terms)
        {
            int output = Array.IndexOf(network.Outputs, term.Output);
            int[] wrt = term.Derivative.Select(n => Array.IndexOf(network.Inputs, n)).ToArray();
            total += term.Coefficient * Derivative(x.ToArray(), output, wrt);
        }
        return total;
    }

    private double Derivative(double[] x, int output, int[] wrt)
    {
        double Eval(params (int Input, double Step)[] shifts)
        {
            var shifted = (double[])x.Clone();
            foreach (var (input, step) in shifts) shifted[input] += step;
            return Forward(shifted)[output];
        }
        // Steps relative to the input scale: the network varies on that length.
        double Step(int input, double relative) => relative * network.InputScale[input];
        switch (wrt.Length)
        {
            case 0: return Eval();
            case 1:
            {
                double h = Step(wrt[0], 1e-5);
                return (Eval((wrt[0], h)) - Eval((wrt[0], -h))) / (2 * h);
            }
            case 2 when wrt[0] == wrt[1]:
            {
                double h = Step(wrt[0], 2e-4);
                return (Eval((wrt[0], h)) - 2 * Eval() + Eval((wrt[0], -h))) / (h * h);
            }
            case 2:
            {
                double ha = Step(wrt[0], 2e-4), hb = Step(wrt[1], 2e-4);
                return (Eval((wrt[0], ha), (wrt[1], hb)) - Eval((wrt[0], ha), (wrt[1], -hb))
                        - Eval((wrt[0], -ha), (wrt[1], hb)) + Eval((wrt[0], -ha), (wrt[1], -hb))) / (4 * ha * hb);
            }
            default: throw new NotSupportedException($"Order {wrt.Length}.");
        }
    }

    private static double[] Dense(double[] x, LayerFile layer)
    {
        var y = (double[])layer.Bias.Clone();
        for (int i = 0; i < layer.In; i++)
            for (int j = 0; j < layer.Out; j++)
                y[j] += x[i] * layer.Weights[i * layer.Out + j];
        return y;
    }

    private double[] Activate(double[] z) =>
        z.Select(value => network.Activation == "tanh" ? Math.Tanh(value) : Math.Sin(value)).ToArray();
}
