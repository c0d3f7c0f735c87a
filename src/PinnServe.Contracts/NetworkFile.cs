using System.Text.Json;
using System.Text.Json.Serialization;

namespace PinnServe.Contracts;

/// <summary>
/// The serialized form of a trained network (<c>network.json</c> in a run directory): everything an
/// exporter or another runtime needs to evaluate it, independent of the training engine.
/// </summary>
/// <remarks>
/// Conventions: a dense layer computes <c>y = x W + b</c> with <c>W</c> stored row-major as
/// <c>[In × Out]</c>. Inputs are normalized before the first layer as <c>x̂ = (x − Shift) / Scale</c>,
/// so derivatives with respect to physical coordinates pick up a factor <c>1/Scale</c> per order.
/// <para><b>mlp</b>: <c>H¹ = φ(x̂ W₀ + b₀)</c>, <c>Hᵏ⁺¹ = φ(Hᵏ Wₖ + bₖ)</c> for k = 1..L−1, output
/// <c>f = Hᴸ W_out + b_out</c>. Layers are listed in that order: hidden_0 … hidden_{L−1}, output.</para>
/// <para><b>modified-mlp</b> (Wang, Teng, Perdikaris 2021, eqs. 2.33–2.37):
/// <c>U = φ(x̂ W_U + b_U)</c>, <c>V = φ(x̂ W_V + b_V)</c>, <c>H¹ = φ(x̂ W₀ + b₀)</c>,
/// for k = 1..L−1: <c>Z = φ(Hᵏ Wₖ + bₖ)</c>, <c>Hᵏ⁺¹ = (1 − Z) ⊙ U + Z ⊙ V</c>; output as above.
/// Layers: encoder_u, encoder_v, hidden_0 … hidden_{L−1}, output.</para>
/// <para><b>periodic inputs</b> (optional, either architecture): the first layer(s) take the features of the
/// inputs in column order, where a periodic input x with period P gives two columns, <c>cos(2πx/P)</c> and
/// <c>sin(2πx/P)</c> of the physical x, in place of its one column x̂. The network is then exactly P-periodic in x,
/// with every derivative.</para>
/// <para><b>Fourier features</b> (optional, either architecture, not with periodic inputs): the first layer(s) take
/// <c>[cos(x̂B), sin(x̂B)]</c> (2N columns: the N cosines, then the N sines) with the fixed matrix B [d × N].</para>
/// <para><b>Weight factorization</b> (optional): <c>weights</c> is always the effective W; a layer trained as
/// W = V·diag(exp(s)) also lists s as <c>log_scale</c> (needed only to continue training it).</para>
/// </remarks>
public sealed record NetworkFile
{
    public const string MlpArchitecture = "mlp";
    public const string ModifiedMlpArchitecture = "modified-mlp";

    /// <summary>"mlp" or "modified-mlp".</summary>
    public required string Architecture { get; init; }
    /// <summary>"tanh" or "sin".</summary>
    public required string Activation { get; init; }
    /// <summary>Input coordinate names in column order, e.g. ["t", "x"].</summary>
    public required string[] Inputs { get; init; }
    /// <summary>Network output names in column order, e.g. ["psi", "p"].</summary>
    public required string[] Outputs { get; init; }
    /// <summary>Per-input shift of the normalization x̂ = (x − shift) / scale.</summary>
    public required double[] InputShift { get; init; }
    /// <summary>Per-input scale of the normalization x̂ = (x − shift) / scale.</summary>
    public required double[] InputScale { get; init; }
    /// <summary>Domain bounds of each input: [min, max].</summary>
    public required double[][] InputBounds { get; init; }
    public required LayerFile[] Layers { get; init; }
    /// <summary>Inputs fed to the network as (cos 2πx/P, sin 2πx/P) instead of x̂ (none when null or empty).</summary>
    public PeriodicInput[]? PeriodicInputs { get; init; }
    /// <summary>Random Fourier features fed to the first layer(s) instead of x̂ (none when null).</summary>
    public FourierFeatureFile? FourierFeatures { get; init; }
    /// <summary>Columns the first layer(s) take: one per input, plus one more per periodic input; 2N with Fourier features.</summary>
    [JsonIgnore] public int FeatureCount => FourierFeatures is { } f ? 2 * f.Count : Inputs.Length + (PeriodicInputs?.Length ?? 0);
    /// <summary>Each periodic input as (its column in <see cref="Inputs"/>, its period), in file order.</summary>
    public (int Axis, double Period)[] PeriodicAxes() =>
        (PeriodicInputs ?? []).Select(p => (Array.IndexOf(Inputs, p.Input), p.Period)).ToArray();
    /// <summary>Free-form description: problem name and parameters, weighting, iterations, metrics.</summary>
    public Dictionary<string, string> Metadata { get; init; } = new();

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads and validates a network file; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static NetworkFile Load(string path)
    {
        NetworkFile? file;
        try { file = JsonSerializer.Deserialize<NetworkFile>(File.ReadAllText(path), JsonOptions); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not a valid network file: {e.Message}", e); }
        if (file is null) throw new InvalidDataException($"'{path}' is empty.");
        file.Validate(path);
        return file;
    }

    public void Validate(string source = "network")
    {
        if (Architecture is not (MlpArchitecture or ModifiedMlpArchitecture))
            throw new InvalidDataException($"{source}: unknown architecture '{Architecture}' (expected mlp or modified-mlp).");
        if (Activation is not ("tanh" or "sin"))
            throw new InvalidDataException($"{source}: unknown activation '{Activation}' (expected tanh or sin).");
        int d = Inputs.Length;
        if (d == 0 || InputShift.Length != d || InputScale.Length != d || InputBounds.Length != d)
            throw new InvalidDataException($"{source}: inputs, input_shift, input_scale and input_bounds must have the same non-zero length.");
        var periodic = PeriodicInputs ?? [];
        foreach (var p in periodic)
        {
            if (!Inputs.Contains(p.Input))
                throw new InvalidDataException($"{source}: periodic input '{p.Input}' is not an input (inputs: {string.Join(", ", Inputs)}).");
            if (!(p.Period > 0) || !double.IsFinite(p.Period))
                throw new InvalidDataException($"{source}: periodic input '{p.Input}' has period {p.Period}; it must be a positive number.");
        }
        if (periodic.Select(p => p.Input).Distinct().Count() != periodic.Length)
            throw new InvalidDataException($"{source}: an input is listed twice in periodic_inputs.");
        if (FourierFeatures is { } fourier)
        {
            if (fourier.Count < 1) throw new InvalidDataException($"{source}: fourier_features.count must be at least 1, got {fourier.Count}.");
            if (!(fourier.Scale > 0) || !double.IsFinite(fourier.Scale)) throw new InvalidDataException($"{source}: fourier_features.scale must be a positive number, got {fourier.Scale}.");
            if (fourier.Matrix is null || fourier.Matrix.Length != d * fourier.Count)
                throw new InvalidDataException($"{source}: fourier_features.matrix must have {d} × {fourier.Count} entries, found {fourier.Matrix?.Length ?? 0}.");
            if (fourier.Matrix.Any(v => !double.IsFinite(v))) throw new InvalidDataException($"{source}: fourier_features.matrix contains NaN or infinite values.");
            if (periodic.Length > 0) throw new InvalidDataException($"{source}: fourier_features cannot be combined with periodic_inputs.");
        }
        int expectedLayers = Architecture == MlpArchitecture ? 2 : 4;
        if (Layers.Length < expectedLayers)
            throw new InvalidDataException($"{source}: {Architecture} needs at least {expectedLayers} layers, found {Layers.Length}.");
        foreach (var layer in Layers)
        {
            if (layer.Weights.Length != layer.In * layer.Out || layer.Bias.Length != layer.Out)
                throw new InvalidDataException($"{source}: layer '{layer.Name}' has {layer.Weights.Length} weights and {layer.Bias.Length} biases for shape {layer.In}x{layer.Out}.");
            if (layer.LogScale is { } logScale && logScale.Length != layer.Out)
                throw new InvalidDataException($"{source}: layer '{layer.Name}' has {logScale.Length} log_scale entries for {layer.Out} outputs.");
            if (layer.Weights.Any(w => !double.IsFinite(w)) || layer.Bias.Any(b => !double.IsFinite(b)) || (layer.LogScale?.Any(v => !double.IsFinite(v)) ?? false))
                throw new InvalidDataException($"{source}: layer '{layer.Name}' contains NaN or infinite values.");
        }
        if (Layers[^1].Out != Outputs.Length)
            throw new InvalidDataException($"{source}: output layer has {Layers[^1].Out} columns but {Outputs.Length} outputs are named.");
    }
}

/// <summary>An input the network sees through (cos 2πx/P, sin 2πx/P), P = <see cref="Period"/>.</summary>
public sealed record PeriodicInput(string Input, double Period);

/// <summary>One dense layer: y = x W + b, W row-major [In × Out].</summary>
public sealed record LayerFile
{
    public required string Name { get; init; }
    public required int In { get; init; }
    public required int Out { get; init; }
    public required double[] Weights { get; init; }
    public required double[] Bias { get; init; }
    /// <summary>s of a factorized layer, W = V·diag(exp(s)) (null: a plain layer); <see cref="Weights"/> is W itself.</summary>
    public double[]? LogScale { get; init; }
}

/// <summary>Random Fourier features: the layers see [cos(x̂B), sin(x̂B)], B [inputs × <see cref="Count"/>] row-major, drawn from N(0, scale²).</summary>
public sealed record FourierFeatureFile
{
    public required int Count { get; init; }
    public required double Scale { get; init; }
    public required double[] Matrix { get; init; }
}
