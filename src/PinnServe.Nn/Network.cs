using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Tensors;

namespace PinnServe.Nn;

/// <summary>
/// A fully connected network f: ℝᵈ → ℝᵐ whose parameters live in a shared <see cref="ParameterStore{T}"/>.
/// <see cref="Apply"/> records its layers on a tape as jet operations, so one forward pass yields the
/// outputs and all requested input derivatives.
/// </summary>
public abstract class Network<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    protected Network(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation,
        WeightFactorization? factorization = null)
    {
        if (inputs < 1) throw new ArgumentOutOfRangeException(nameof(inputs));
        if (outputs < 1) throw new ArgumentOutOfRangeException(nameof(outputs));
        Parameters = store;
        Inputs = inputs;
        Outputs = outputs;
        Shape = shape;
        Activation = activation;
        Factorization = factorization?.Validated();
    }

    public ParameterStore<T> Parameters { get; }
    public int Inputs { get; }
    public int Outputs { get; }
    public NetworkShape Shape { get; }
    public IActivation Activation { get; }
    /// <summary>Random weight factorization of every dense layer (null: plain weights).</summary>
    public WeightFactorization? Factorization { get; }
    public abstract string Architecture { get; }

    /// <summary>The parameter blocks this network owns, in file order.</summary>
    public abstract IReadOnlyList<(ParameterInfo Weight, ParameterInfo Bias)> Layers { get; }

    /// <summary>Records the network on <paramref name="tape"/>; the returned jet has one column per output.</summary>
    public abstract JetNode<T> Apply(Tape<T> tape, JetNode<T> input);

    /// <summary>Inputs the network sees as (cos 2πx/P, sin 2πx/P) (see <see cref="PeriodicInputNetwork{T}"/>); none by default.</summary>
    public virtual IReadOnlyList<(int Axis, double Period)> PeriodicInputs => [];
    /// <summary>The log-scales s of a factorized layer's weight (see <see cref="WeightFactorization"/>); null for a plain layer.</summary>
    public virtual ParameterInfo? LogScaleOf(ParameterInfo weight) => _logScales.GetValueOrDefault(weight.Name);
    /// <summary>The random Fourier features in front of the layers (<see cref="FourierFeatureNetwork{T}"/>); null when none.</summary>
    public virtual FourierFeatures? FourierEmbedding => null;
    /// <summary>B of the Fourier features, inputs × N row-major (null when none).</summary>
    protected virtual double[]? FourierMatrix => null;

    private readonly Dictionary<string, ParameterInfo> _logScales = new();

    /// <summary>
    /// A network of a registered architecture (see <see cref="Architectures"/>); with <paramref name="periodic"/>
    /// inputs, that architecture sits behind their periodic features.
    /// </summary>
    /// <remarks>With <paramref name="factorization"/>, every dense layer is factorized (random weight factorization); with
    /// <paramref name="fourier"/>, the layers see random Fourier features of the inputs (not combinable with periodic inputs).</remarks>
    public static Network<T> Create(string architecture, ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation,
        IReadOnlyList<(int Axis, double Period)>? periodic = null, WeightFactorization? factorization = null, FourierFeatures? fourier = null)
    {
        if (fourier is not null && periodic is { Count: > 0 })
            throw new ArgumentException("network.fourier_features cannot be combined with periodic inputs (network.periodic_inputs): the Fourier features are taken of x̂, the periodic ones of x.");
        if (fourier is not null)
            return new FourierFeatureNetwork<T>(Architectures.Create(architecture, store, 2 * fourier.Validated().Count, outputs, shape, activation, factorization), inputs, fourier);
        return periodic is { Count: > 0 }
            ? new PeriodicInputNetwork<T>(Architectures.Create(architecture, store, inputs + periodic.Count, outputs, shape, activation, factorization), inputs, periodic)
            : Architectures.Create(architecture, store, inputs, outputs, shape, activation, factorization);
    }

    /// <summary>The network a file describes (architecture, periodic inputs, Fourier features, factorization), with its weights.</summary>
    public static Network<T> FromFile(NetworkFile file, ParameterStore<T> store)
    {
        var shape = new NetworkShape(file.Layers.Length - (file.Architecture == NetworkFile.ModifiedMlpArchitecture ? 3 : 1), file.Layers[^1].In);
        var factorization = file.Layers.All(l => l.LogScale is not null) ? new WeightFactorization() : null;
        var fourier = file.FourierFeatures is { } f ? new FourierFeatures(f.Count, f.Scale) : null;
        var network = Create(file.Architecture, store, file.Inputs.Length, file.Outputs.Length, shape, Activations.Parse(file.Activation),
            file.PeriodicAxes(), factorization, fourier);
        network.LoadFrom(file);
        return network;
    }

    /// <summary>
    /// Glorot-normal weights (std √(2/(fan_in+fan_out))), zero biases, drawn in parameter order. A factorized layer then
    /// draws s ~ N(μ, σ²) per column and keeps V = W / exp(s), so it starts at the same W as a plain one (jaxpi).
    /// </summary>
    public virtual void InitializeGlorotNormal(Rng rng)
    {
        foreach (var (weight, bias) in Layers)
        {
            double std = Math.Sqrt(2.0 / (weight.Rows + weight.Cols));
            var w = Parameters.Slice(weight);
            for (int i = 0; i < w.Length; i++) w[i] = T.CreateTruncating(std * rng.NextNormal());
            Parameters.Slice(bias).Clear();
        }
        // After every W, so a factorized network draws the same W as a plain one.
        foreach (var (weight, _) in Layers)
        {
            if (LogScaleOf(weight) is not { } logScale) continue;
            var factorization = Factorization ?? throw new InvalidOperationException("A factorized layer without factorization settings.");
            var w = Parameters.Slice(weight);
            var s = Parameters.Slice(logScale);
            for (int j = 0; j < s.Length; j++) s[j] = T.CreateTruncating(factorization.Mean + factorization.Std * rng.NextNormal());
            for (int i = 0; i < w.Length; i++) w[i] = T.CreateTruncating(double.CreateTruncating(w[i]) / Math.Exp(double.CreateTruncating(s[i % weight.Cols])));
        }
    }

    /// <summary>A dense layer on the tape: plain, or factorized when the network has log-scales for it.</summary>
    protected JetNode<T> DenseLayer(Tape<T> tape, JetNode<T> x, (ParameterInfo Weight, ParameterInfo Bias) layer) =>
        _logScales.TryGetValue(layer.Weight.Name, out var logScale)
            ? tape.Record(new JetFactorizedLinearNode<T>(x, Parameters, layer.Weight, layer.Bias, logScale))
            : tape.Record(new JetLinearNode<T>(x, Parameters, layer.Weight, layer.Bias));

    /// <remarks>A factorized network also adds "NAME.log_scale" (1 × cols, a bias-like kind: the weight statistics of the
    /// weighting schemes select V as the weight).</remarks>
    protected (ParameterInfo, ParameterInfo) AddLayer(string name, int rows, int cols, int layer, bool encoder)
    {
        var weight = Parameters.Add(name + ".weight", rows, cols, encoder ? ParameterKind.EncoderWeight : ParameterKind.Weight, layer);
        var bias = Parameters.Add(name + ".bias", 1, cols, encoder ? ParameterKind.EncoderBias : ParameterKind.Bias, layer);
        if (Factorization is not null)
            _logScales[weight.Name] = Parameters.Add(name + ".log_scale", 1, cols, encoder ? ParameterKind.EncoderBias : ParameterKind.Bias, layer);
        return (weight, bias);
    }

    protected static string LayerName(ParameterInfo weight) => weight.Name[..weight.Name.LastIndexOf('.')];

    /// <summary>The serialized network (weights in float64) for export and other runtimes.</summary>
    public NetworkFile ToFile(string[] inputNames, string[] outputNames, double[] shift, double[] scale, double[][] bounds, Dictionary<string, string>? metadata = null) =>
        new()
        {
            Architecture = Architecture,
            Activation = Activation.Name,
            Inputs = inputNames,
            Outputs = outputNames,
            InputShift = shift,
            InputScale = scale,
            InputBounds = bounds,
            Layers = Layers.Select(l => new LayerFile
            {
                Name = LayerName(l.Weight),
                In = l.Weight.Rows,
                Out = l.Weight.Cols,
                Weights = EffectiveWeights(l.Weight),
                Bias = ToDoubles(Parameters.Slice(l.Bias)),
                LogScale = LogScaleOf(l.Weight) is { } s ? ToDoubles(Parameters.Slice(s)) : null,
            }).ToArray(),
            PeriodicInputs = PeriodicInputs.Count == 0 ? null : PeriodicInputs.Select(p => new PeriodicInput(inputNames[p.Axis], p.Period)).ToArray(),
            FourierFeatures = FourierEmbedding is { } f ? new FourierFeatureFile { Count = f.Count, Scale = f.Scale, Matrix = (double[])FourierMatrix!.Clone() } : null,
            Metadata = metadata ?? new(),
        };

    /// <summary>Copies weights from a network file with the same architecture and shapes.</summary>
    public void LoadFrom(NetworkFile file)
    {
        if (file.Architecture != Architecture) throw new InvalidDataException($"Network file is {file.Architecture}, expected {Architecture}.");
        if (!file.PeriodicAxes().OrderBy(p => p.Axis).SequenceEqual(PeriodicInputs.OrderBy(p => p.Axis)))
            throw new InvalidDataException($"Network file has periodic inputs [{Describe(file.PeriodicInputs ?? [])}], expected [{Describe(PeriodicInputs.Select(p => new PeriodicInput(file.Inputs.ElementAtOrDefault(p.Axis) ?? $"#{p.Axis}", p.Period)))}].");
        if (file.Layers.Length != Layers.Count) throw new InvalidDataException($"Network file has {file.Layers.Length} layers, expected {Layers.Count}.");
        for (int i = 0; i < Layers.Count; i++)
        {
            var (w, b) = Layers[i];
            var lf = file.Layers[i];
            if (lf.In != w.Rows || lf.Out != w.Cols) throw new InvalidDataException($"Layer {lf.Name} is {lf.In}x{lf.Out}, expected {w.Rows}x{w.Cols}.");
            var ws = Parameters.Slice(w); var bs = Parameters.Slice(b);
            // A file's weights are the effective W; a factorized layer keeps its s and V = W / exp(s), a plain one W.
            if (LogScaleOf(w) is { } logScale)
            {
                if (lf.LogScale is not { } s || s.Length != w.Cols)
                    throw new InvalidDataException($"Layer {lf.Name} has no log_scale of {w.Cols} entries, but the network factorizes its weights (random weight factorization).");
                var ss = Parameters.Slice(logScale);
                for (int j = 0; j < ss.Length; j++) ss[j] = T.CreateTruncating(s[j]);
                for (int j = 0; j < ws.Length; j++) ws[j] = T.CreateTruncating(lf.Weights[j] / Math.Exp(s[j % w.Cols]));
            }
            else
                for (int j = 0; j < ws.Length; j++) ws[j] = T.CreateTruncating(lf.Weights[j]);
            for (int j = 0; j < bs.Length; j++) bs[j] = T.CreateTruncating(lf.Bias[j]);
        }
        if (FourierEmbedding is { } fourier)
        {
            if (file.FourierFeatures is not { } ff || ff.Count != fourier.Count || ff.Matrix.Length != FourierMatrix!.Length)
                throw new InvalidDataException($"Network file has {(file.FourierFeatures is null ? "no Fourier features" : $"{file.FourierFeatures.Count} Fourier features")}, expected {fourier.Count}.");
            ff.Matrix.CopyTo(FourierMatrix!, 0);
        }
        else if (file.FourierFeatures is not null)
            throw new InvalidDataException($"Network file has {file.FourierFeatures.Count} Fourier features; the network has none.");
    }

    /// <summary>W as the layer applies it: V·diag(exp(s)) for a factorized layer.</summary>
    private double[] EffectiveWeights(ParameterInfo weight)
    {
        var w = ToDoubles(Parameters.Slice(weight));
        if (LogScaleOf(weight) is { } logScale)
        {
            var s = ToDoubles(Parameters.Slice(logScale));
            for (int i = 0; i < w.Length; i++) w[i] *= Math.Exp(s[i % weight.Cols]);
        }
        return w;
    }

    private static string Describe(IEnumerable<PeriodicInput> periodic) => string.Join(", ", periodic.Select(p => $"{p.Input} (period {p.Period:R})"));

    private static double[] ToDoubles(ReadOnlySpan<T> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = double.CreateTruncating(values[i]);
        return result;
    }
}
