using PinnServe.Autodiff;

namespace PinnServe.Backends.Gpu;

/// <summary>
/// Where every host buffer of the translated tapes lives in the device arena: host arrays are mapped once by
/// reference (a node's Value, its Grad, an activation's σ buffers), so the same array always gets the same
/// offset whichever node reads it. Built before the arena is allocated; kernels capture plain offsets.
/// </summary>
internal sealed class DeviceLayout
{
    private readonly Dictionary<float[], int> _offsets = new(ReferenceEqualityComparer.Instance);
    private readonly List<(float[] Host, int Offset)> _initial = new();
    private long _length;

    /// <summary>The offset of <paramref name="host"/> (mapped on first use; its current contents are the initial device contents).</summary>
    public int Map(float[] host)
    {
        if (host.Length == 0) throw new InvalidOperationException("An empty buffer cannot be mapped: a node reads a gradient its input does not keep.");
        if (_offsets.TryGetValue(host, out int offset)) return offset;
        offset = Reserve(host.Length);
        _offsets[host] = offset;
        _initial.Add((host, offset));
        return offset;
    }

    public bool IsMapped(float[] host) => _offsets.ContainsKey(host);

    /// <summary>Device-only space (scratch, per-term results).</summary>
    public int Reserve(long length)
    {
        long offset = _length;
        _length += length;
        if (_length > int.MaxValue) throw new NotSupportedException($"The translated tapes need {_length:N0} floats of device memory, more than one arena of 2³¹ holds; use smaller --slice-points or batches.");
        return (int)offset;
    }

    public int Length => (int)_length;
    public IReadOnlyList<(float[] Host, int Offset)> Initial => _initial;
}

/// <summary>What a translator needs: the layout, the kernels, θ's and this term's ∂L/∂θ offsets, per-step uploads.</summary>
internal sealed class TranslationContext(DeviceLayout layout, DeviceProgram program, int parameters, int parameterGradient)
{
    public DeviceLayout Layout => layout;
    public DeviceProgram Program => program;
    public int Value(Node<float> node) => layout.Map(node.Value);
    public int Grad(Node<float> node) => layout.Map(node.Grad);
    public int Parameter(ParameterInfo info) => parameters + info.Offset;
    public int ParameterGrad(ParameterInfo info) => parameterGradient + info.Offset;
    /// <summary>Host work run before each step's uploads (e.g. normalizing coordinates), then the host range uploaded.</summary>
    public List<(Action? Prepare, float[] Host, int Length)> Uploads { get; } = new();
}

/// <summary>A node's device work: enqueued kernels for the forward and (when the node needs it) the backward pass.</summary>
internal sealed record DeviceOp(Action Forward, Action? Backward);
