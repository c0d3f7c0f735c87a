namespace PinnServe.Autodiff;

/// <summary>What a parameter is, so gradient statistics can select e.g. "weight matrices only".</summary>
public enum ParameterKind { Weight, Bias, EncoderWeight, EncoderBias, Coefficient }

/// <summary>A named slice of the flat parameter vector θ.</summary>
public sealed record ParameterInfo(string Name, int Offset, int Rows, int Cols, ParameterKind Kind, int Layer)
{
    public int Length => Rows * Cols;
}

/// <summary>
/// All trainable parameters as one flat vector θ, so that optimizers, gradient statistics, checkpoints,
/// finite-difference checks and Hessian-vector products all work on plain arrays.
/// </summary>
public sealed class ParameterStore<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly List<ParameterInfo> _infos = new();
    private T[] _values = [];

    public T[] Values => _values;
    public int Count => _values.Length;
    public IReadOnlyList<ParameterInfo> Infos => _infos;

    /// <summary>Appends a zero-initialized parameter block (construction time only: it reallocates θ).</summary>
    public ParameterInfo Add(string name, int rows, int cols, ParameterKind kind, int layer)
    {
        if (_infos.Any(p => p.Name == name)) throw new ArgumentException($"Parameter '{name}' already exists.");
        var info = new ParameterInfo(name, _values.Length, rows, cols, kind, layer);
        Array.Resize(ref _values, _values.Length + info.Length);
        _infos.Add(info);
        return info;
    }

    public ParameterInfo this[string name] =>
        _infos.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"No parameter named '{name}'.");

    public Span<T> Slice(ParameterInfo info) => _values.AsSpan(info.Offset, info.Length);
}
