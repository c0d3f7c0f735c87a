using System.Globalization;

namespace PinnServe.Onnx;

/// <summary>
/// The <c>metadata_props</c> keys PinnServe writes into exported models and reads back. Values are plain
/// strings; numbers use the invariant culture with round-trip ("R") formatting.
/// </summary>
/// <remarks>
/// Keys written by the exporter (they win over a caller's metadata of the same name):
/// <list type="table">
/// <item><term><c>pinnserve.format</c></term><description>"1": the input/output convention below.</description></item>
/// <item><term><c>inputs</c></term><description>comma-separated input names in column order, e.g. "x,y".</description></item>
/// <item><term><c>input_bounds.&lt;input&gt;</c></term><description>"min,max" of that input's domain, e.g. input_bounds.x = "-1,1".</description></item>
/// <item><term><c>outputs</c></term><description>the network's own outputs, e.g. "psi,p".</description></item>
/// <item><term><c>fields</c></term><description>the model's outputs (graph outputs) in order, e.g. "u,v,p,psi".</description></item>
/// <item><term><c>field.&lt;name&gt;</c></term><description>its definition, e.g. field.v = "-1*psi_x".</description></item>
/// <item><term><c>architecture</c>, <c>activation</c>, <c>layers</c>, <c>parameter_count</c></term><description>from the network file; layers = "depth x width" of the hidden stack, e.g. "5x50".</description></item>
/// <item><term><c>periodic_inputs</c></term><description>only for a network with periodic input features: "input:period" pairs, e.g. "x:2".</description></item>
/// </list>
/// Everything else is passed through from the network file's metadata and the caller's metadata (the trainer
/// uses <c>problem</c>, <c>parameters</c> (JSON), <c>model</c>, <c>weighting</c>, <c>iterations</c>, <c>rel_l2</c>, …).
/// Graph convention: one float input per coordinate of shape [N] (N dynamic), one float output per field of shape [N].
/// </remarks>
public static class OnnxMetadataKeys
{
    public const string Format = "pinnserve.format";
    public const string FormatVersion = "1";
    public const string Inputs = "inputs";
    public const string InputBoundsPrefix = "input_bounds.";
    public const string Outputs = "outputs";
    public const string Fields = "fields";
    public const string FieldPrefix = "field.";
    public const string Architecture = "architecture";
    public const string Activation = "activation";
    public const string Layers = "layers";
    public const string ParameterCount = "parameter_count";
    /// <summary>"N:σ" when the network sees N random Fourier features of scale σ (the matrix is in the graph).</summary>
    public const string FourierFeatures = "fourier_features";
    public const string PeriodicInputs = "periodic_inputs";

    public static string FormatNumber(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string FormatBounds(double min, double max) => $"{FormatNumber(min)},{FormatNumber(max)}";

    /// <summary>Parses "min,max"; throws <see cref="InvalidDataException"/> naming the key for anything else.</summary>
    public static (double Min, double Max) ParseBounds(string key, string value)
    {
        var parts = value.Split(',');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double min)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double max)
            && min <= max)
            return (min, max);
        throw new InvalidDataException($"Metadata '{key}' = '{value}' is not 'min,max' with min <= max.");
    }
}
