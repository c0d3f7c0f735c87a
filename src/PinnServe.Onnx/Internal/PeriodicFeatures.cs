using PinnServe.Contracts;

namespace PinnServe.Onnx.Internal;

/// <summary>
/// The values a network with periodic inputs builds its first layer(s) from, as one ONNX value <see cref="Basis"/>
/// [N, 1, d + 2m]: x̂ (all d inputs), then cos(ωx) and sin(ωx) of each of the m periodic inputs' physical x, ω = 2π/P.
/// <see cref="FeatureRow"/> gives each input's first row in the layers' weights (a periodic input has two: cos, sin).
/// </summary>
internal sealed record PeriodicFeatures(string Basis, int Inputs, IReadOnlyList<(int Input, double Omega, int CosColumn)> Periodic, int[] FeatureRow)
{
    public static PeriodicFeatures Build(OnnxGraphBuilder graph, NetworkFile network, string normalized, string[] columns)
    {
        int d = network.Inputs.Length;
        var periods = (network.PeriodicInputs ?? []).ToDictionary(p => p.Input, p => p.Period);
        var parts = new List<string> { normalized };
        var periodic = new List<(int, double, int)>();
        var featureRow = new int[d];
        for (int i = 0, row = 0; i < d; i++)
        {
            featureRow[i] = row;
            string name = network.Inputs[i];
            if (!periods.TryGetValue(name, out double period)) { row++; continue; }
            double omega = 2 * Math.PI / period;
            string angle = graph.Node("Mul", $"{name}.angle", [columns[i], graph.Scalar($"{name}.omega", omega)]);
            periodic.Add((i, omega, d + 2 * periodic.Count));
            parts.Add(graph.Node("Cos", $"{name}.cos", [angle]));
            parts.Add(graph.Node("Sin", $"{name}.sin", [angle]));
            row += 2;
        }
        string basis = graph.Node("Concat", "features_basis", parts.ToArray(), OnnxGraphBuilder.Int("axis", 2));
        return new PeriodicFeatures(basis, d, periodic, featureRow);
    }
}
