using System.Reflection;
using Google.Protobuf;
using PinnServe.Contracts;
using PinnServe.Onnx.Internal;
using PinnServe.Onnx.Schema;

namespace PinnServe.Onnx;

/// <summary>What <see cref="OnnxExporter.Export"/> wrote.</summary>
public sealed record OnnxExportSummary(string Path, long Bytes, IReadOnlyList<string> Fields, int Nodes, int Parameters);

/// <summary>
/// Writes a trained network (<see cref="NetworkFile"/>) as a standard ONNX model (IR 8, opset 17) whose outputs
/// are named fields: network outputs and any linear combination of their derivatives up to order 2, computed
/// inside the graph with Taylor-mode forward rules. Inputs: one float [N] per coordinate; outputs: one float [N]
/// per field (see <see cref="OnnxMetadataKeys"/> for the metadata written).
/// </summary>
public static class OnnxExporter
{
    public const int IrVersion = 8;
    public const int OpsetVersion = 17;
    public const int MaxDerivativeOrder = 2;

    /// <summary>Exports atomically to <paramref name="path"/>; throws <see cref="InvalidDataException"/> or
    /// <see cref="ArgumentException"/> naming the bad network layer or field.</summary>
    public static OnnxExportSummary Export(NetworkFile network, IReadOnlyList<FieldDefinition> fields, string path,
        IReadOnlyDictionary<string, string> metadata)
    {
        var model = BuildModel(network, fields, metadata);
        byte[] bytes = model.ToByteArray();
        AtomicFile.WriteAllBytes(path, bytes);
        return new OnnxExportSummary(Path.GetFullPath(path), bytes.Length, fields.Select(f => f.Name).ToArray(),
            model.Graph.Node.Count, ParameterCount(network));
    }

    internal static ModelProto BuildModel(NetworkFile network, IReadOnlyList<FieldDefinition> fields,
        IReadOnlyDictionary<string, string> metadata)
    {
        network.Validate();
        CheckLayerShapes(network);
        CheckFields(network, fields);

        var inputs = network.Inputs;
        var derivatives = fields.SelectMany(f => f.Terms)
            .Select(t => (IReadOnlyList<int>)t.Derivative.Select(n => Array.IndexOf(inputs, n)).ToArray()).ToList();
        var plan = DerivativePlan.For(derivatives);
        var builder = new OnnxGraphBuilder("pinnserve");
        var taylor = new TaylorGraph(builder, plan, network.Activation);

        var (normalized, columns) = NormalizedInputs(builder, network);
        var inverseScale = network.InputScale.Select(s => 1.0 / s).ToArray();
        var features = network.PeriodicInputs is { Length: > 0 } ? PeriodicFeatures.Build(builder, network, normalized, columns) : null;
        var fourier = network.FourierFeatures is { } ff ? FourierFeatureJet.Build(taylor, normalized, network.Inputs.Length, ff, inverseScale) : null;
        Jet InputLayer(LayerFile layer) => fourier is not null ? taylor.Dense(fourier, layer)
            : features is null ? taylor.InputLayer(normalized, layer, inverseScale)
            : taylor.FeatureInputLayer(features, layer, inverseScale);
        var layers = network.Layers;
        Jet hidden;
        if (network.Architecture == NetworkFile.MlpArchitecture)
        {
            hidden = taylor.Activate(InputLayer(layers[0]), layers[0].Name);
            for (int k = 1; k < layers.Length - 1; k++)
                hidden = taylor.Activate(taylor.Dense(hidden, layers[k]), layers[k].Name);
        }
        else
        {
            // Modified MLP (SPEC §2.2): H ← (1 − Z) ⊙ U + Z ⊙ V, written as U + Z ⊙ (V − U).
            // With one hidden layer the encoders U, V are unused (no gate), so they are not emitted.
            hidden = taylor.Activate(InputLayer(layers[2]), layers[2].Name);
            Jet? u = null, gap = null;
            for (int k = 3; k < layers.Length - 1; k++)
            {
                if (u is null)
                {
                    u = taylor.Activate(InputLayer(layers[0]), layers[0].Name);
                    var v = taylor.Activate(InputLayer(layers[1]), layers[1].Name);
                    gap = taylor.Subtract(v, u, "v_minus_u");
                }
                var gate = taylor.Activate(taylor.Dense(hidden, layers[k]), layers[k].Name);
                hidden = taylor.Add(u, taylor.Multiply(gate, gap!, $"{layers[k].Name}.gated"), $"{layers[k].Name}.h");
            }
        }

        var coefficients = fields.Select(f => FieldCoefficients(f, network, plan)).ToList();
        string fieldMatrix = taylor.Fields(hidden, layers[^1], coefficients);
        for (int f = 0; f < fields.Count; f++)
        {
            builder.NamedNode("Gather", fields[f].Name, [fieldMatrix, builder.Int64Constant($"column_{f}", [f])],
                OnnxGraphBuilder.Int("axis", 1));
            builder.BatchOutput(fields[f].Name);
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "PinnServe",
            ProducerVersion = ProducerVersion(),
            ModelVersion = 1,
            DocString = $"PINN {network.Architecture} ({network.Activation}) with inputs {string.Join(", ", inputs)} and fields {string.Join(", ", fields.Select(f => f.Name))}.",
            Graph = builder.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        foreach (var (key, value) in Metadata(network, fields, metadata))
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    /// <summary>Inputs x_i [N] → [N, 1, d] → x̂ = (x − shift) · (1/scale); also each raw column x_i as [N, 1, 1].</summary>
    private static (string Normalized, string[] Columns) NormalizedInputs(OnnxGraphBuilder builder, NetworkFile network)
    {
        string axes = builder.Int64Constant("unsqueeze_axes", [1, 2], 2);
        var columns = network.Inputs.Select(name => builder.Node("Unsqueeze", $"{name}.col", [builder.BatchInput(name), axes])).ToArray();
        string stacked = columns.Length == 1 ? columns[0] : builder.Node("Concat", "inputs", columns, OnnxGraphBuilder.Int("axis", 2));
        int d = network.Inputs.Length;
        string shifted = builder.Node("Sub", "inputs_shifted", [stacked, builder.Constant("input_shift", network.InputShift, d)]);
        return (builder.Node("Mul", "inputs_normalized", [shifted, builder.Constant("input_inv_scale", network.InputScale.Select(s => 1.0 / s).ToArray(), d)]), columns);
    }

    /// <summary>C[k, o]: the coefficient of jet component k of network output o in the field.</summary>
    private static double[,] FieldCoefficients(FieldDefinition field, NetworkFile network, DerivativePlan plan)
    {
        var c = new double[plan.ComponentCount, network.Outputs.Length];
        foreach (var term in field.Terms)
        {
            int component = plan.ComponentOf(term.Derivative.Select(n => Array.IndexOf(network.Inputs, n)).ToArray());
            c[component, Array.IndexOf(network.Outputs, term.Output)] += term.Coefficient;
        }
        return c;
    }

    private static void CheckLayerShapes(NetworkFile network)
    {
        var layers = network.Layers;
        int d = network.FeatureCount;
        bool modified = network.Architecture == NetworkFile.ModifiedMlpArchitecture;
        int firstHidden = modified ? 2 : 0;
        for (int k = 0; k <= firstHidden; k++)
            if (layers[k].In != d)
                throw new InvalidDataException($"Layer '{layers[k].Name}' takes {layers[k].In} inputs but the network has {d} ({string.Join(", ", network.Inputs)}{(network.FourierFeatures is not null ? ", as Fourier features" : d > network.Inputs.Length ? ", with periodic features" : "")}).");
        for (int k = firstHidden + 1; k < layers.Length; k++)
            if (layers[k].In != layers[k - 1].Out)
                throw new InvalidDataException($"Layer '{layers[k].Name}' takes {layers[k].In} inputs but '{layers[k - 1].Name}' gives {layers[k - 1].Out}.");
        if (modified)
            for (int k = 0; k < 2; k++)
                if (layers[k].Out != layers[2].Out || layers.Skip(3).SkipLast(1).Any(l => l.Out != layers[k].Out))
                    throw new InvalidDataException($"Modified MLP encoder '{layers[k].Name}' has width {layers[k].Out}; every hidden layer must have the same width.");
        for (int i = 0; i < network.Inputs.Length; i++)
            if (!(network.InputScale[i] != 0 && double.IsFinite(network.InputScale[i]) && double.IsFinite(network.InputShift[i])))
                throw new InvalidDataException($"Input '{network.Inputs[i]}' has shift {network.InputShift[i]} and scale {network.InputScale[i]}; the scale must be finite and non-zero.");
    }

    private static void CheckFields(NetworkFile network, IReadOnlyList<FieldDefinition> fields)
    {
        if (fields.Count == 0) throw new ArgumentException("No fields to export.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            field.Validate(network.Inputs, network.Outputs);
            if (!seen.Add(field.Name)) throw new ArgumentException($"Field '{field.Name}' is requested twice.");
            if (network.Inputs.Contains(field.Name))
                throw new ArgumentException($"Field '{field.Name}' has the name of an input; ONNX value names must be unique.");
            var tooHigh = field.Terms.FirstOrDefault(t => t.Derivative.Length > MaxDerivativeOrder);
            if (tooHigh is not null)
                throw new ArgumentException(
                    $"Field '{field.Name}' needs {tooHigh.Quantity}, a derivative of order {tooHigh.Derivative.Length}; ONNX export supports order ≤ {MaxDerivativeOrder}.");
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> Metadata(NetworkFile network, IReadOnlyList<FieldDefinition> fields,
        IReadOnlyDictionary<string, string> extra)
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in network.Metadata) all[key] = value;
        foreach (var (key, value) in extra) all[key] = value;
        all[OnnxMetadataKeys.Format] = OnnxMetadataKeys.FormatVersion;
        all[OnnxMetadataKeys.Inputs] = string.Join(",", network.Inputs);
        for (int i = 0; i < network.Inputs.Length; i++)
            all[OnnxMetadataKeys.InputBoundsPrefix + network.Inputs[i]] =
                OnnxMetadataKeys.FormatBounds(network.InputBounds[i][0], network.InputBounds[i][1]);
        all[OnnxMetadataKeys.Outputs] = string.Join(",", network.Outputs);
        all[OnnxMetadataKeys.Fields] = string.Join(",", fields.Select(f => f.Name));
        foreach (var field in fields) all[OnnxMetadataKeys.FieldPrefix + field.Name] = field.Describe();
        all[OnnxMetadataKeys.Architecture] = network.Architecture;
        all[OnnxMetadataKeys.Activation] = network.Activation;
        all[OnnxMetadataKeys.Layers] = HiddenLayout(network);
        if (network.PeriodicInputs is { Length: > 0 } periodic)
            all[OnnxMetadataKeys.PeriodicInputs] = string.Join(",", periodic.Select(p => $"{p.Input}:{OnnxMetadataKeys.FormatNumber(p.Period)}"));
        if (network.FourierFeatures is { } fourier)
            all[OnnxMetadataKeys.FourierFeatures] = $"{fourier.Count}:{OnnxMetadataKeys.FormatNumber(fourier.Scale)}";
        all[OnnxMetadataKeys.ParameterCount] = ParameterCount(network).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return all;
    }

    /// <summary>"depth x width" of the hidden stack (the papers' "5 layers × 50"), or the widths when they differ.</summary>
    private static string HiddenLayout(NetworkFile network)
    {
        int skip = network.Architecture == NetworkFile.ModifiedMlpArchitecture ? 2 : 0;
        var widths = network.Layers.Skip(skip).SkipLast(1).Select(l => l.Out).ToArray();
        return widths.Distinct().Count() == 1 ? $"{widths.Length}x{widths[0]}" : string.Join(",", widths);
    }

    /// <summary>The assembly version without the source-control suffix, so the same network exports to the same bytes.</summary>
    private static string ProducerVersion()
    {
        string version = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        return version.Split('+')[0];
    }

    private static int ParameterCount(NetworkFile network) => network.Layers.Sum(l => l.Weights.Length + l.Bias.Length);
}
