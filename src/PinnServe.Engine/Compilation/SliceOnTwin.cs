using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;

namespace PinnServe.Engine.Compilation;

/// <summary>
/// Runs one slice's points forward and backward on a twin tape (the same graph compiled again for the same number of
/// points, <see cref="CompiledSlice{T}.CompileTwin"/>) instead of on the slice's own tape. A worker runs every slice of
/// one shape on its one twin, so the large intermediate buffers (each layer's jets and their gradients: about 10 MB
/// per Allen–Cahn slice) are reused while they are still in cache, instead of each slice streaming its own through
/// memory. What must outlive the step stays with the slice: its loss (the output's value), its ∂L/∂θ (written
/// straight into the slice tape's gradient) and the values of its compiled sub-expressions, which are copied back
/// (<see cref="CompiledTerm{T}.CopyValues"/> reads them: causal weights, diagnostics). The twin computes exactly what
/// the slice's tape would, from the same inputs, so the bits are the same.
/// </summary>
internal sealed class SliceOnTwin<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tape<T> _slice, _twin;
    private readonly (T[] From, T[] To)[] _in, _out;

    public SliceOnTwin(CompiledSlice<T> slice, CompiledSlice<T> twin)
    {
        if (twin.Count != slice.Count || twin.Inputs.Length != slice.Inputs.Length || twin.Knowns.Count != slice.Knowns.Count
            || twin.Observations.Count != slice.Observations.Count || twin.Tape.Nodes.Count != slice.Tape.Nodes.Count)
            throw new ArgumentException("A twin must be the same graph compiled for the same number of points.");
        (_slice, _twin) = (slice.Tape, twin.Tape);
        // In: the points and every data node (known functions' values, observations), as the slice's Load left them.
        _in = slice.Inputs.Zip(twin.Inputs, (s, t) => (s.Coordinates, t.Coordinates))
            .Concat(slice.Knowns.Zip(twin.Knowns, (s, t) => (s.Node.Value, t.Node.Value)))
            .Concat(slice.Observations.Zip(twin.Observations, (s, t) => (s.Node.Value, t.Node.Value)))
            .ToArray();
        // Out: the loss and each compiled sub-expression's values (data nodes are inputs: already equal).
        _out = new[] { (twin.Tape.Output!.Value, slice.Tape.Output!.Value) }
            .Concat(slice.Nodes.Where(kv => kv.Value is not DataNode<T>).Select(kv => (twin.Nodes[kv.Key].Value, kv.Value.Value)))
            .ToArray();
    }

    /// <summary>Forward and backward of the slice's points on the twin; the results land in the slice.</summary>
    public void Run()
    {
        foreach (var (from, to) in _in) from.AsSpan().CopyTo(to);
        _twin.Forward();
        _twin.Backward(_slice.SizedParameterGradient());
        foreach (var (from, to) in _out) from.AsSpan().CopyTo(to);
    }
}
