using PinnServe.Contracts;

namespace PinnServe.Onnx.Internal;

/// <summary>
/// A hidden activation together with its derivatives w.r.t. the physical inputs, as ONNX values:
/// <c>Value</c> [N, 1, w], <c>First</c> [N or 1, m, w] (the planned ∂/∂x_i), <c>Second</c> [N or 1, q, w]
/// (the planned ∂²/∂x_a∂x_b). A null part is identically zero (or not planned).
/// </summary>
internal sealed record Jet(string Value, string? First, string? Second);

/// <summary>
/// Emits Taylor-mode forward rules as plain ONNX operators (the engine's rules, SPEC §4), propagating only the
/// components of a <see cref="DerivativePlan"/>. The component axis is axis 1, so a dense layer is one MatMul
/// over all components at once and elementwise rules broadcast over it.
/// </summary>
internal sealed class TaylorGraph(OnnxGraphBuilder graph, DerivativePlan plan, string activation)
{
    private readonly Dictionary<string, string> sharedConstants = new();

    private bool HasFirst => plan.FirstOrder.Count > 0;
    private bool HasSecond => plan.SecondOrder.Count > 0;

    /// <summary>
    /// First layer on normalized inputs x̂ = (x − shift)/scale, given as [N, 1, d]: z = x̂W + b, so
    /// ∂z/∂x_i = W[i, :] / scale_i (a constant row) and all second derivatives vanish.
    /// </summary>
    public Jet InputLayer(string normalizedInputs, LayerFile layer, IReadOnlyList<double> inverseScale)
    {
        string value = graph.Node("Add", $"{layer.Name}.z", [
            graph.Node("MatMul", $"{layer.Name}.xw", [normalizedInputs, Weights(layer)]), Bias(layer)]);
        if (!HasFirst) return new Jet(value, null, null);
        var rows = new List<double>(plan.FirstOrder.Count * layer.Out);
        foreach (int input in plan.FirstOrder)
            for (int j = 0; j < layer.Out; j++)
                rows.Add(layer.Weights[input * layer.Out + j] * inverseScale[input]);
        string first = graph.Constant($"{layer.Name}.dz", rows, 1, plan.FirstOrder.Count, layer.Out);
        return new Jet(value, first, null);
    }

    /// <summary>
    /// First layer on periodic input features (<see cref="PeriodicFeatures"/>): z = Σ features · W + b, where a periodic
    /// input contributes cos(ωx) W_c + sin(ωx) W_s, so ∂z/∂x = ω cos W_s − ω sin W_c and ∂²z/∂x² = −ω² (cos W_c + sin W_s),
    /// and x̂ rows contribute as in <see cref="InputLayer"/>. Every planned component is a fixed combination of the
    /// basis values plus a constant, so the whole jet is one MatMul with a folded [B, K·w] matrix.
    /// </summary>
    public Jet FeatureInputLayer(PeriodicFeatures features, LayerFile layer, IReadOnlyList<double> inverseScale)
    {
        int components = plan.ComponentCount, w = layer.Out, basisWidth = features.Inputs + 2 * features.Periodic.Count;
        var folded = new double[basisWidth * components * w];
        var constant = new double[components * w];
        Array.Copy(layer.Bias, constant, w);
        void AddRow(double[] target, int basis, int component, int row, double factor)
        {
            int offset = (basis * components + component) * w;
            for (int j = 0; j < w; j++) target[offset + j] += factor * layer.Weights[row * w + j];
        }
        int? First(int input) => plan.FirstOrder.Contains(input) ? plan.ComponentOf([input]) : null;
        int? Second(int input) => plan.SecondOrder.Contains((input, input)) ? plan.ComponentOf([input, input]) : null;

        var periodic = features.Periodic.ToDictionary(p => p.Input);
        for (int i = 0; i < features.Inputs; i++)
        {
            int row = features.FeatureRow[i];
            if (!periodic.TryGetValue(i, out var p))
            {
                AddRow(folded, i, 0, row, 1);
                if (First(i) is { } k) AddRow(constant, 0, k, row, inverseScale[i]);
                continue;
            }
            int cos = p.CosColumn, sin = p.CosColumn + 1, rowCos = row, rowSin = row + 1;
            AddRow(folded, cos, 0, rowCos, 1);
            AddRow(folded, sin, 0, rowSin, 1);
            if (First(i) is { } k1) { AddRow(folded, cos, k1, rowSin, p.Omega); AddRow(folded, sin, k1, rowCos, -p.Omega); }
            if (Second(i) is { } k2) { AddRow(folded, cos, k2, rowCos, -p.Omega * p.Omega); AddRow(folded, sin, k2, rowSin, -p.Omega * p.Omega); }
        }
        string flat = graph.Node("Add", $"{layer.Name}.z_flat", [
            graph.Node("MatMul", $"{layer.Name}.features_w", [features.Basis, graph.Constant($"{layer.Name}.W_jet", folded, basisWidth, components * w)]),
            graph.Constant($"{layer.Name}.b_jet", constant, components * w)]);
        if (components == 1) return new Jet(flat, null, null);
        string stacked = graph.Node("Reshape", $"{layer.Name}.z_jet", [flat, graph.Int64Constant($"{layer.Name}.jet_shape", [0, components, w], 3)]);
        return Unstack(stacked, layer.Name);
    }

    /// <summary>A dense layer on a jet: every component is multiplied by W; the bias only shifts the value.</summary>
    public Jet Dense(Jet input, LayerFile layer)
    {
        int components = plan.ComponentCount;
        string stacked = Stack(input);
        string product = graph.Node("MatMul", $"{layer.Name}.hw", [stacked, Weights(layer)]);
        var paddedBias = new double[components * layer.Out];
        Array.Copy(layer.Bias, paddedBias, layer.Out);
        string z = graph.Node("Add", $"{layer.Name}.z", [product, graph.Constant($"{layer.Name}.b_jet", paddedBias, components, layer.Out)]);
        return Unstack(z, layer.Name);
    }

    /// <summary>
    /// y = φ(z): y_i = φ'(z) z_i, y_ab = φ'(z) z_ab + φ''(z) z_a z_b, with
    /// tanh: φ' = 1 − t², φ'' = −2t(1 − t²); sin: φ' = cos z, φ'' = −sin z.
    /// </summary>
    /// <param name="function">The function to apply instead of the network's activation ("sin" for Fourier features).</param>
    public Jet Activate(Jet z, string name, string? function = null)
    {
        string y, slope, curvature;
        string kind = function ?? activation;
        if (kind == "tanh")
        {
            y = graph.Node("Tanh", $"{name}.t", [z.Value]);
            slope = graph.Node("Sub", $"{name}.dt", [Shared("one", () => graph.Scalar("one", 1.0)), graph.Node("Mul", $"{name}.t2", [y, y])]);
            curvature = HasSecond
                ? graph.Node("Mul", $"{name}.ddt", [graph.Node("Mul", $"{name}.t_dt", [y, slope]), Shared("minus_two", () => graph.Scalar("minus_two", -2.0))])
                : "";
        }
        else if (kind == "sin")
        {
            y = graph.Node("Sin", $"{name}.sin", [z.Value]);
            slope = graph.Node("Cos", $"{name}.cos", [z.Value]);
            curvature = HasSecond ? graph.Node("Neg", $"{name}.neg_sin", [y]) : "";
        }
        else throw new InvalidDataException($"Unknown activation '{kind}' (expected tanh or sin).");

        string? first = z.First is null ? null : graph.Node("Mul", $"{name}.d1", [slope, z.First]);
        string? second = null;
        if (HasSecond)
        {
            string chain = graph.Node("Mul", $"{name}.d2_chain", [curvature, PairProduct(z.First!, z.First!, name, swapped: false)]);
            second = z.Second is null ? chain
                : graph.Node("Add", $"{name}.d2", [graph.Node("Mul", $"{name}.d2_lin", [slope, z.Second]), chain]);
        }
        return new Jet(y, first, second);
    }

    /// <summary>Componentwise a − b.</summary>
    public Jet Subtract(Jet a, Jet b, string name) => new(
        graph.Node("Sub", $"{name}.v", [a.Value, b.Value]),
        Combine("Sub", a.First, b.First, $"{name}.d1"),
        Combine("Sub", a.Second, b.Second, $"{name}.d2"));

    /// <summary>Componentwise a + b.</summary>
    public Jet Add(Jet a, Jet b, string name) => new(
        graph.Node("Add", $"{name}.v", [a.Value, b.Value]),
        Combine("Add", a.First, b.First, $"{name}.d1"),
        Combine("Add", a.Second, b.Second, $"{name}.d2"));

    /// <summary>Leibniz: (ab)_i = a_i b + a b_i, (ab)_pq = a_pq b + a b_pq + a_p b_q + a_q b_p.</summary>
    public Jet Multiply(Jet a, Jet b, string name)
    {
        string value = graph.Node("Mul", $"{name}.v", [a.Value, b.Value]);
        string? first = null, second = null;
        if (a.First is not null && b.First is not null)
            first = graph.Node("Add", $"{name}.d1", [
                graph.Node("Mul", $"{name}.d1a", [a.First, b.Value]), graph.Node("Mul", $"{name}.d1b", [a.Value, b.First])]);
        if (HasSecond && a.First is not null && b.First is not null)
        {
            second = graph.Node("Add", $"{name}.d2_cross", [
                PairProduct(a.First, b.First, name, swapped: false), PairProduct(a.First, b.First, name, swapped: true)]);
            if (a.Second is not null)
                second = graph.Node("Add", $"{name}.d2a", [second, graph.Node("Mul", $"{name}.d2a_m", [a.Second, b.Value])]);
            if (b.Second is not null)
                second = graph.Node("Add", $"{name}.d2b", [second, graph.Node("Mul", $"{name}.d2b_m", [a.Value, b.Second])]);
        }
        return new Jet(value, first, second);
    }

    /// <summary>
    /// The output layer followed by the field combinations, folded into one matrix: field_f = Σ_k H_k (W C_fk) +
    /// Σ_o C_f0o b_o, where C_fko is the coefficient of component k of output o in field f. Returns [N, F].
    /// </summary>
    public string Fields(Jet hidden, LayerFile output, IReadOnlyList<double[,]> coefficients)
    {
        int components = plan.ComponentCount, width = output.In, fields = coefficients.Count;
        var folded = new double[components * width * fields];
        var bias = new double[fields];
        for (int f = 0; f < fields; f++)
        {
            var c = coefficients[f];
            for (int k = 0; k < components; k++)
                for (int j = 0; j < width; j++)
                {
                    double sum = 0;
                    for (int o = 0; o < output.Out; o++) sum += output.Weights[j * output.Out + o] * c[k, o];
                    folded[(k * width + j) * fields + f] = sum;
                }
            for (int o = 0; o < output.Out; o++) bias[f] += output.Bias[o] * coefficients[f][0, o];
        }
        // Reshape [N, K, w] → [N, K·w]; 0 keeps the (dynamic) batch dimension.
        string flat = graph.Node("Reshape", "hidden_flat", [Stack(hidden), graph.Int64Constant("flat_shape", [0, components * width], 2)]);
        string product = graph.Node("MatMul", "fields_w", [flat, graph.Constant("fields.w", folded, components * width, fields)]);
        return graph.Node("Add", "fields", [product, graph.Constant("fields.b", bias, fields)]);
    }

    private string Stack(Jet jet)
    {
        var parts = new[] { jet.Value, jet.First, jet.Second }.OfType<string>().ToArray();
        if (parts.Length != 1 + (HasFirst ? 1 : 0) + (HasSecond ? 1 : 0))
            throw new InvalidOperationException("A jet with broadcast or missing components cannot be stacked.");
        return parts.Length == 1 ? parts[0] : graph.Node("Concat", "jet", parts, OnnxGraphBuilder.Int("axis", 1));
    }

    private Jet Unstack(string stacked, string name)
    {
        if (!HasFirst) return new Jet(stacked, null, null);
        var sizes = new List<long> { 1, plan.FirstOrder.Count };
        if (HasSecond) sizes.Add(plan.SecondOrder.Count);
        var parts = graph.NodeWithOutputs("Split", $"{name}.parts",
            [stacked, graph.Int64Constant("split", sizes, sizes.Count)], sizes.Count, OnnxGraphBuilder.Int("axis", 1));
        return new Jet(parts[0], parts[1], HasSecond ? parts[2] : null);
    }

    /// <summary>For every planned pair (a, b): x_a ⊙ y_b (or x_b ⊙ y_a when swapped), shape [., q, w].</summary>
    private string PairProduct(string x, string y, string name, bool swapped)
    {
        string indexA = Shared("pair_a", () => graph.Int64Constant("pair_a", plan.PairPositionsA, plan.SecondOrder.Count));
        string indexB = Shared("pair_b", () => graph.Int64Constant("pair_b", plan.PairPositionsB, plan.SecondOrder.Count));
        var axis = OnnxGraphBuilder.Int("axis", 1);
        string left = graph.Node("Gather", $"{name}.pair_l", [x, swapped ? indexB : indexA], axis);
        string right = graph.Node("Gather", $"{name}.pair_r", [y, swapped ? indexA : indexB], axis);
        return graph.Node("Mul", $"{name}.pair", [left, right]);
    }

    private string? Combine(string op, string? a, string? b, string name) => (a, b) switch
    {
        (null, null) => null,
        (_, null) => a,
        (null, _) => op == "Add" ? b : graph.Node("Neg", name, [b!]),
        _ => graph.Node(op, name, [a!, b!]),
    };

    /// <summary>Constants used by many nodes are stored once.</summary>
    private string Shared(string key, Func<string> create)
    {
        if (!sharedConstants.TryGetValue(key, out var name)) sharedConstants[key] = name = create();
        return name;
    }

    private string Weights(LayerFile layer) => graph.Constant($"{layer.Name}.W", layer.Weights, layer.In, layer.Out);
    private string Bias(LayerFile layer) => graph.Constant($"{layer.Name}.b", layer.Bias, layer.Out);
}
