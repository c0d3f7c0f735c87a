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
    protected Network(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation)
    {
        if (inputs < 1) throw new ArgumentOutOfRangeException(nameof(inputs));
        if (outputs < 1) throw new ArgumentOutOfRangeException(nameof(outputs));
        Parameters = store;
        Inputs = inputs;
        Outputs = outputs;
        Shape = shape;
        Activation = activation;
    }

    public ParameterStore<T> Parameters { get; }
    public int Inputs { get; }
    public int Outputs { get; }
    public NetworkShape Shape { get; }
    public IActivation Activation { get; }
    public abstract string Architecture { get; }

    /// <summary>The parameter blocks this network owns, in file order.</summary>
    public abstract IReadOnlyList<(ParameterInfo Weight, ParameterInfo Bias)> Layers { get; }

    /// <summary>Records the network on <paramref name="tape"/>; the returned jet has one column per output.</summary>
    public abstract JetNode<T> Apply(Tape<T> tape, JetNode<T> input);

    /// <summary>Inputs the network sees as (cos 2πx/P, sin 2πx/P) (see <see cref="PeriodicInputNetwork{T}"/>); none by default.</summary>
    public virtual IReadOnlyList<(int Axis, double Period)> PeriodicInputs => [];

    /// <summary>
    /// A network of a registered architecture (see <see cref="Architectures"/>); with <paramref name="periodic"/>
    /// inputs, that architecture sits behind their periodic features.
    /// </summary>
    public static Network<T> Create(string architecture, ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation,
        IReadOnlyList<(int Axis, double Period)>? periodic = null) =>
        periodic is { Count: > 0 }
            ? new PeriodicInputNetwork<T>(Architectures.Create(architecture, store, inputs + periodic.Count, outputs, shape, activation), inputs, periodic)
            : Architectures.Create(architecture, store, inputs, outputs, shape, activation);

    /// <summary>Glorot-normal weights (std √(2/(fan_in+fan_out))), zero biases, drawn in parameter order.</summary>
    public void InitializeGlorotNormal(Rng rng)
    {
        foreach (var (weight, bias) in Layers)
        {
            double std = Math.Sqrt(2.0 / (weight.Rows + weight.Cols));
            var w = Parameters.Slice(weight);
            for (int i = 0; i < w.Length; i++) w[i] = T.CreateTruncating(std * rng.NextNormal());
            Parameters.Slice(bias).Clear();
        }
    }

    protected (ParameterInfo, ParameterInfo) AddLayer(string name, int rows, int cols, int layer, bool encoder) =>
        (Parameters.Add(name + ".weight", rows, cols, encoder ? ParameterKind.EncoderWeight : ParameterKind.Weight, layer),
         Parameters.Add(name + ".bias", 1, cols, encoder ? ParameterKind.EncoderBias : ParameterKind.Bias, layer));

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
                Weights = ToDoubles(Parameters.Slice(l.Weight)),
                Bias = ToDoubles(Parameters.Slice(l.Bias)),
            }).ToArray(),
            PeriodicInputs = PeriodicInputs.Count == 0 ? null : PeriodicInputs.Select(p => new PeriodicInput(inputNames[p.Axis], p.Period)).ToArray(),
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
            for (int j = 0; j < ws.Length; j++) ws[j] = T.CreateTruncating(lf.Weights[j]);
            for (int j = 0; j < bs.Length; j++) bs[j] = T.CreateTruncating(lf.Bias[j]);
        }
    }

    private static string Describe(IEnumerable<PeriodicInput> periodic) => string.Join(", ", periodic.Select(p => $"{p.Input} (period {p.Period:R})"));

    private static double[] ToDoubles(ReadOnlySpan<T> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = double.CreateTruncating(values[i]);
        return result;
    }
}
