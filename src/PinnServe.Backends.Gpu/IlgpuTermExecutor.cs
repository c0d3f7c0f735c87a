using ILGPU.Runtime;
using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Engine.Compilation;
using PinnServe.Engine.Backends;

namespace PinnServe.Backends.Gpu;

/// <summary>
/// Runs compiled terms on an ILGPU accelerator. Every shard's tape is translated once into kernels over one
/// device arena; a step uploads θ, the normalized coordinates and the known data, runs each shard forward and
/// backward (accumulating into its term's ∂L/∂θ and loss slots on the device), then downloads only the terms'
/// losses and gradients — one contiguous copy — and hands them to <see cref="CompiledTerm{T}.SetResult"/>. A node's
/// pointwise values come back only when asked for (<see cref="CompiledTerm{T}.CopyValues"/>: causal training).
/// </summary>
internal sealed class IlgpuTermExecutor : ITermExecutor<float>
{
    private readonly CompiledTerm<float>[] _terms;
    private readonly DeviceProgram _program;
    private readonly ParameterStore<float> _parameters;
    private readonly int _thetaOffset, _gradientGradsStart, _gradientGradsLength, _resultsOffset;
    private readonly List<(Action? Prepare, float[] Host, int Length, int Offset)> _uploads = new();
    private readonly List<(DeviceOp[] Ops, bool[] Backward, int Output, bool OutputGrad, int OutputGradOffset, int LossSlot)> _shards = new();
    private readonly float[] _results;
    private readonly DeviceLayout _layout;
    private readonly Action<float[]> _fetchValues;   // one delegate, so a step allocates nothing

    public IlgpuTermExecutor(Accelerator accelerator, IReadOnlyList<CompiledTerm<float>> terms)
    {
        _terms = terms.ToArray();
        var tapes = _terms.SelectMany(t => t.Shards).ToArray();
        if (tapes.Length == 0) throw new ArgumentException("No loss terms to run.");
        _parameters = tapes[0].Parameters;
        if (tapes.Any(t => t.Parameters != _parameters)) throw new NotSupportedException("All terms must train one parameter store.");
        foreach (var tape in tapes)
        {
            if (tape.Output is null) throw new InvalidOperationException($"Tape '{tape.Name}' has no output.");
            foreach (var node in tape.Nodes) NodeTranslators.For(node);   // refuse unknown kinds before any device work
        }

        _program = new DeviceProgram(accelerator);
        var layout = _layout = new DeviceLayout();
        // Values first, then every gradient buffer in one range: a step clears them with a single memset.
        foreach (var node in tapes.SelectMany(t => t.Nodes)) layout.Map(node.Value);
        _gradientGradsStart = layout.Length;
        foreach (var node in tapes.SelectMany(t => t.Nodes).Where(n => n.RequiresGrad)) layout.Map(node.Grad);
        _thetaOffset = layout.Reserve(_parameters.Count);
        // Results: per term its ∂L/∂θ, then one loss slot per term; cleared each step with the gradients.
        int p = _parameters.Count;
        _resultsOffset = layout.Reserve((long)_terms.Length * (p + 1));
        _gradientGradsLength = layout.Length - _gradientGradsStart;
        _program.One = layout.Map([1f]);

        for (int t = 0; t < _terms.Length; t++)
        {
            var context = new TranslationContext(layout, _program, _thetaOffset, _resultsOffset + t * p);
            foreach (var tape in _terms[t].Shards)
            {
                var ops = tape.Nodes.Select(n => NodeTranslators.For(n).Translate(n, context)).ToArray();
                var output = tape.Output!;
                _shards.Add((ops, tape.Nodes.Select(n => n.RequiresGrad).ToArray(), layout.Map(output.Value), output.RequiresGrad,
                    output.RequiresGrad ? layout.Map(output.Grad) : -1, _resultsOffset + _terms.Length * p + t));
            }
            foreach (var (prepare, host, length) in context.Uploads) _uploads.Add((prepare, host, length, layout.Map(host)));
        }
        _results = new float[_terms.Length * (p + 1)];
        _program.Allocate(layout);
        _fetchValues = FetchValues;
    }

    public int Threads => 1;

    public void Run()
    {
        var k = _program.K;
        var arena = _program.Arena;
        // The cleared range spans the gradients, θ and the results: clear first, then upload θ.
        arena.SubView(_gradientGradsStart, _gradientGradsLength).MemSetToZero();
        arena.SubView(_thetaOffset, _parameters.Count).CopyFromCPU(_parameters.Values);
        foreach (var (prepare, host, length, offset) in _uploads)
        {
            prepare?.Invoke();
            arena.SubView(offset, length).CopyFromCPU(host.AsSpan(0, length));
        }
        foreach (var shard in _shards)
        {
            foreach (var op in shard.Ops) op.Forward();
            if (shard.OutputGrad)
            {
                k.SetScalar(1, arena, new Ew { Dst = shard.OutputGradOffset, Alpha = 1f });
                for (int i = shard.Ops.Length - 1; i >= 0; i--)
                    if (shard.Backward[i]) shard.Ops[i].Backward?.Invoke();
            }
            k.AddScalar(1, arena, new Ew { Dst = shard.LossSlot, A = shard.Output, Alpha = 1f });
        }
        arena.SubView(_resultsOffset, _results.Length).CopyToCPU(_results);
        int p = _parameters.Count;
        for (int t = 0; t < _terms.Length; t++)
            _terms[t].SetResult(_results[_terms.Length * p + t], _results.AsSpan(t * p, p), _fetchValues);
    }

    /// <summary>Copies a node's device values into its host buffer (causal weights read the residual per point).</summary>
    private void FetchValues(float[] host) => CopyFromDevice(host, host);

    /// <summary>The device copy of a mapped host buffer (tests compare nodes one by one).</summary>
    internal float[] Download(float[] host)
    {
        var copy = new float[host.Length];
        CopyFromDevice(host, copy);
        return copy;
    }

    private void CopyFromDevice(float[] host, float[] destination)
    {
        if (!_layout.IsMapped(host)) throw new ArgumentException("That buffer is not a node of the translated tapes.");
        _program.Arena.SubView(_layout.Map(host), host.Length).CopyToCPU(destination);
    }

    public void Dispose() => _program.Dispose();
}
