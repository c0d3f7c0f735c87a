using PinnServe.Autodiff.Taylor;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// y = σ(z) on a jet by the multivariate Faà di Bruno formula, e.g.
/// y_ij = σ''(z) z_i z_j + σ'(z) z_ij. The reverse pass differentiates each term by the product rule and
/// needs σ up to one order higher than the forward pass.
/// </summary>
public sealed unsafe class JetActivationNode<T> : JetNode<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    // Buffer ids of the plans: 0 = z, 1 = ∂z, 2 = y, 3 = ∂y, 4 + m = σ⁽ᵐ⁾(z).
    private const int Z = 0, DZ = 1, Y = 2, DY = 3, Sigma = 4;

    private readonly JetNode<T> _input;
    private readonly IActivation _activation;
    private readonly int _sigmaCount;
    // The CPU runs the plans chunk by chunk over the jets in place (stride = block length); σ⁽ᵐ⁾ of the chunk and a
    // copy of its z₀ live in one scratch array, slot m at m·_slot (stride 0, base m·_slot).
    private readonly T[][] _chunkBuffers;
    private readonly int[] _chunkStrides, _chunkBases;
    private readonly T[] _scratch, _valueScratch;
    private readonly int _slot;
    private T[][]? _planBuffers;
    private readonly ProductPlan<T> _forward = new(), _backward = new();

    /// <summary>Elements per chunk: 4 KB per array, so z, y and σ of a chunk stay in L1/L2 across all the terms.</summary>
    internal static int ChunkLength => 4096 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    public JetActivationNode(JetNode<T> input, IActivation activation)
        : base(input.Set, input.Points, input.Width, input.RequiresGrad)
    {
        _input = input;
        _activation = activation;
        _sigmaCount = Set.MaxOrder + (RequiresGrad ? 1 : 0) + 1;
        // Slots are 4 KB + 512 bytes apart, so σ⁽ᵐ⁾, σ⁽ᵐ⁺¹⁾ and the z copy (slot _sigmaCount, ≥ 2 KB from σ⁽⁰⁾) never
        // agree in their low 12 address bits: loads and stores that do stall on each other (4K aliasing). The jets
        // themselves are large arrays allocated back to back, whose starts agree to within a vector, and σ written
        // straight from z ran 5–7× slower.
        _slot = Math.Min(ChunkLength, BlockLength) + 512 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        _scratch = new T[_slot * (_sigmaCount + 1)];
        _valueScratch = activation.DerivativesFromValue ? new T[BlockLength + 4096 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>()] : [];
        _chunkBuffers = [input.Value, input.Grad, Value, Grad, .. Enumerable.Repeat(_scratch, _sigmaCount)];
        _chunkStrides = [BlockLength, BlockLength, BlockLength, BlockLength, .. new int[_sigmaCount]];
        _chunkBases = [0, 0, 0, 0, .. Enumerable.Range(0, _sigmaCount).Select(m => m * _slot)];
        var rules = TaylorRules.For(Set);
        for (int alpha = 0; alpha < Set.Count; alpha++)
        {
            foreach (var term in rules.Composition[alpha])
            {
                var factors = term.Factors.Select(f => new ProductPlan<T>.Slice(Z, f)).ToArray();
                _forward.Add(new(Y, alpha), term.Coefficient, [new(Sigma + term.Order, 0), .. factors]);
                // ∂/∂z_0 through σ⁽ᵐ⁾(z_0), then ∂/∂z_f for each factor occurrence.
                _backward.Add(new(DZ, 0), term.Coefficient, [new(DY, alpha), new(Sigma + term.Order + 1, 0), .. factors]);
                for (int j = 0; j < factors.Length; j++)
                {
                    var others = factors.Where((_, i) => i != j);
                    _backward.Add(new(DZ, term.Factors[j]), term.Coefficient, [new(DY, alpha), new(Sigma + term.Order, 0), .. others]);
                }
            }
        }
        if (activation is TanhActivation) _diagonal = DiagonalTanhJet.For(Set);
    }

    private readonly DiagonalTanhJet? _diagonal;

    public IActivation Activation => _activation;
    public override IReadOnlyList<Node<T>>? Inputs => [_input];
    public JetNode<T> Input => _input;
    /// <summary>
    /// The buffers the plans' slices index, for device backends that run the plans block by block: z, ∂z, y, ∂y,
    /// then block-sized σ⁽ᵐ⁾(z) for m = 0, 1, … (allocated on first use; the CPU path never fills them).
    /// </summary>
    public IReadOnlyList<T[]> PlanBuffers => _planBuffers ??= [_input.Value, _input.Grad, Value, Grad, .. Enumerable.Range(0, _sigmaCount).Select(_ => new T[BlockLength])];
    public ProductPlan<T> ForwardPlan => _forward;
    public ProductPlan<T> BackwardPlan => _backward;

    public override void Forward()
    {
        // tanh on u, u_a, u_aa sets (DiagonalTanhJet): per chunk, σ(z) of the chunk into L1, then the whole jet in one
        // pass in registers. Otherwise σ(z) over the whole block in one streaming pass, then per chunk the derivatives
        // from it and every term, each output component's terms summed in registers. (tanh computed inside the jet's
        // pass instead was slower: its dependency chain is long, and too few points' work fits in the reorder window.)
        if (BlockLength == 0) return;
        bool fused = InRegisters && _diagonal is not null;
        bool fromValue = _activation.DerivativesFromValue;
        var sigma0 = fromValue ? ValueScratch() : default;
        if (fromValue && !fused) _activation.Evaluate<T>(_input.Component(0), default, sigma0, BlockLength, 0);
        Span<nint> addresses = stackalloc nint[_chunkBuffers.Length];
        fixed (T* z = _input.Value, y = Value, scratch = _scratch)
        {
            Addresses(addresses, z, null, y, null, scratch);
            for (int offset = 0; offset < BlockLength; offset += ChunkLength)
            {
                int count = Math.Min(ChunkLength, BlockLength - offset);
                int start = offset;
                if (fused)
                {
                    // σ(z) of the chunk (the same bits as the block pass), then its vectors in one pass with σ′ and σ″
                    // in registers; the scalar tail by the plans.
                    _activation.Evaluate<T>(_input.Value.AsSpan(offset, count), default, sigma0.Slice(offset, count), BlockLength, 0);
                    int vectors = DiagonalTanhJet.VectorPart<T>(count);
                    _diagonal!.Forward(ref _input.Value[0], ref sigma0[offset], ref Value[0], BlockLength, offset, vectors);
                    if (vectors == count) continue;
                    (start, count) = (offset + vectors, count - vectors);
                }
                _activation.Evaluate<T>(ChunkOfZ(start, count), fromValue ? sigma0.Slice(start, count) : default, _scratch, _slot, Set.MaxOrder);
                if (InRegisters) _forward.ExecuteInRegisters(addresses, _chunkStrides, _chunkBases, start, count, startFromZero: true);
                else
                {
                    for (int alpha = 0; alpha < Set.Count; alpha++) Value.AsSpan(alpha * BlockLength + start, count).Clear();
                    _forward.Execute(_chunkBuffers, _chunkStrides, _chunkBases, start, count);
                }
            }
        }
    }

    public override void Backward(Span<T> parameterGradient)
    {
        // σ⁽ᵐ⁾ again per chunk (tanh: polynomials of y, no second tanh), instead of block-sized buffers from the forward pass.
        bool diagonal = InRegisters && _diagonal is not null && _input.Grad.Length == Length;
        for (int offset = 0; offset < BlockLength; offset += ChunkLength)
        {
            int count = Math.Min(ChunkLength, BlockLength - offset);
            int start = offset;
            if (diagonal)
            {
                int vectors = DiagonalTanhJet.VectorPart<T>(count);
                _diagonal!.Backward(ref _input.Value[0], ref Value[0], ref Grad[0], ref _input.Grad[0], BlockLength, offset, vectors, OverwritesInputGrad);
                if (vectors == count) continue;
                (start, count) = (offset + vectors, count - vectors);
            }
            _activation.Evaluate<T>(ChunkOfZ(start, count), _activation.DerivativesFromValue ? Value.AsSpan(start, count) : default, _scratch, _slot, _sigmaCount - 1);
            // First writer of ∂z: its chunk is cleared here, while it is about to be used, instead of by the tape.
            if (OverwritesInputGrad)
                for (int alpha = 0; alpha < Set.Count; alpha++) _input.Grad.AsSpan(alpha * BlockLength + start, count).Clear();
            _backward.Execute(_chunkBuffers, _chunkStrides, _chunkBases, start, count);
        }
    }

    /// <summary>
    /// Whether the CPU sums each component's terms in registers rather than one pass per term: tanh on u, u_a, u_aa sets
    /// by <see cref="DiagonalTanhJet"/> (forward and backward), other forward passes by
    /// <see cref="ProductPlan{T}.ExecuteInRegisters"/> (its backward measured slower than term by term). Both give the
    /// same bits (tests compare them). On unless PINNSERVE_TERM_BY_TERM=1.
    /// </summary>
    internal static readonly bool InRegistersByDefault = Environment.GetEnvironmentVariable("PINNSERVE_TERM_BY_TERM") != "1";
    internal bool InRegisters { get; set; } = InRegistersByDefault;

    private unsafe void Addresses(Span<nint> addresses, T* z, T* dz, T* y, T* dy, T* scratch)
    {
        addresses[Z] = (nint)z; addresses[DZ] = (nint)dz; addresses[Y] = (nint)y; addresses[DY] = (nint)dy;
        for (int m = 0; m < _sigmaCount; m++) addresses[Sigma + m] = (nint)scratch;
    }

    // A block of σ(z) that starts 2 KB away, modulo 4 KB, from z₀: writing σ(z) to an address that agrees with z's in
    // its low 12 bits (as the jets' back-to-back arrays do) made the tanh pass 5–10× slower (4K aliasing). The
    // addresses only choose where σ(z) is written, never a bit of it: the activations' element-wise functions depend
    // on the element alone (AddressIndependenceTests). The arrays are not pinned, so a GC move between here and the
    // write costs speed only.
    private unsafe Span<T> ValueScratch()
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        long z = (long)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _input.Value[0]);
        long v = (long)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _valueScratch[0]);
        long shift = ((z + 2048 - v) % 4096 + 4096) % 4096;
        return _valueScratch.AsSpan((int)(shift / size), BlockLength);
    }

    // tanh reads only y (the polynomials), so its chunk of z is passed as it is; sin reads z, copied next to its σ
    // slots (2 KB off σ⁽⁰⁾ modulo 4 KB) so the sin/cos writes do not alias the loads.
    private Span<T> ChunkOfZ(int offset, int count) => _activation.DerivativesFromValue ? _input.Value.AsSpan(offset, count) : CopyChunk(offset, count);

    private Span<T> CopyChunk(int offset, int count)
    {
        var z = _scratch.AsSpan(_sigmaCount * _slot, count);
        _input.Value.AsSpan(offset, count).CopyTo(z);
        return z;
    }

    public override bool CanOverwriteInputGrad => true;

    public override long ForwardFlops => (_forward.FlopsPerElement + 8) * BlockLength;
    public override long BackwardFlops => (_backward.FlopsPerElement + 6) * BlockLength;
}
