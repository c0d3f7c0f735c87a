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
/// The arena also holds what a resident step needs (<see cref="IlgpuStepExecutor"/>): the combined gradient, Adam's
/// m and v and the λ, outside the range a step clears, next to θ.
/// </summary>
internal sealed class IlgpuTermExecutor : ITermExecutor<float>, ICountsTransfers
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
        // Values and θ first, then every gradient buffer in one range: a step clears them with a single memset
        // (θ stays outside it, so a resident step keeps it from one step to the next).
        foreach (var node in tapes.SelectMany(t => t.Nodes)) layout.Map(node.Value);
        _thetaOffset = layout.Reserve(_parameters.Count);
        _gradientGradsStart = layout.Length;
        foreach (var node in tapes.SelectMany(t => t.Nodes).Where(n => n.RequiresGrad)) layout.Map(node.Grad);
        // Results: per term its ∂L/∂θ, then one loss slot per term; cleared each step with the gradients.
        int p = _parameters.Count;
        _resultsOffset = layout.Reserve((long)_terms.Length * (p + 1));
        _gradientGradsLength = layout.Length - _gradientGradsStart;
        _program.One = layout.Map([1f]);
        (CombinedOffset, MOffset, VOffset, LambdaOffset) = (layout.Reserve(p), layout.Reserve(p), layout.Reserve(p), layout.Reserve(Math.Max(1, _terms.Length)));
        // Each term's ∂L/∂θ offset, and every parameter block as (offset, length): the step's combination and statistics.
        TermGradientsList = _program.AddInts(Enumerable.Range(0, _terms.Length).Select(TermGradientOffset));
        Blocks = _parameters.Infos;
        BlockList = _program.AddInts(Blocks.SelectMany(b => new[] { b.Offset, b.Length }));

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
    public long ParameterTransfers { get; private set; }

    internal DeviceProgram Program => _program;
    internal ParameterStore<float> Parameters => _parameters;
    internal int TermCount => _terms.Length;
    internal int ThetaOffset => _thetaOffset;
    /// <summary>Where the resident step keeps ∇L, m, v and the weighted terms' λ.</summary>
    internal int CombinedOffset { get; }
    internal int MOffset { get; }
    internal int VOffset { get; }
    internal int LambdaOffset { get; }
    /// <summary>Start (in the int buffer) of the terms' ∂L/∂θ offsets, in term order.</summary>
    internal int TermGradientsList { get; }
    /// <summary>Start (in the int buffer) of (offset, length) per block of <see cref="Blocks"/>.</summary>
    internal int BlockList { get; }
    internal IReadOnlyList<ParameterInfo> Blocks { get; }
    internal int TermGradientOffset(int term) => _resultsOffset + term * _parameters.Count;

    /// <summary>One θ-sized buffer moved between host and device (the count tests read).</summary>
    internal void CountTransfers(int buffers) => ParameterTransfers += buffers;

    /// <summary>The download path: θ up, the terms forward and backward, every term's loss and ∂L/∂θ down.</summary>
    public void Run()
    {
        _program.Arena.SubView(_thetaOffset, _parameters.Count).CopyFromCPU(_parameters.Values);
        CountTransfers(1);
        RunTerms();
        FetchResults();
    }

    /// <summary>Clears the gradients and results, uploads this step's points and data, runs every shard forward and backward (θ as it is on the device).</summary>
    internal void RunTerms()
    {
        var k = _program.K;
        var arena = _program.Arena;
        arena.SubView(_gradientGradsStart, _gradientGradsLength).MemSetToZero();
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
    }

    /// <summary>Every term's loss and ∂L/∂θ to the host (<see cref="CompiledTerm{T}.SetResult"/>): one contiguous copy.</summary>
    internal void FetchResults()
    {
        _program.Arena.SubView(_resultsOffset, _results.Length).CopyToCPU(_results);
        CountTransfers(_terms.Length);
        int p = _parameters.Count;
        for (int t = 0; t < _terms.Length; t++)
            _terms[t].SetResult(_results[_terms.Length * p + t], _results.AsSpan(t * p, p), _fetchValues);
    }

    /// <summary>Only the terms' losses (one float each) to the host.</summary>
    internal void FetchLosses(float[] losses) =>
        _program.Arena.SubView(_resultsOffset + _terms.Length * _parameters.Count, _terms.Length).CopyToCPU(losses);

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
