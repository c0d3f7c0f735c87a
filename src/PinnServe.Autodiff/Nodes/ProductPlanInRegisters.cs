using System.Runtime.CompilerServices;
using PinnServe.Tensors;

namespace PinnServe.Autodiff.Nodes;

public sealed partial class ProductPlan<T>
{
    /// <summary>The terms grouped by destination (each group in plan order), with every slice numbered once.</summary>
    private sealed class Grouped
    {
        public required Slice[] Slots;
        public required int[] DestinationSlot, DestinationEnd, FactorEnd, FactorSlot;
        public required T[] Coefficient;
        public required bool[] CoefficientIsOne;
    }

    private Grouped? _grouped;

    /// <summary>
    /// Whether <see cref="ExecuteInRegisters"/> applies: no term reads a buffer that a term writes, so the terms of
    /// one destination can run together (their order among themselves kept) before the next destination's.
    /// </summary>
    public bool CanExecuteInRegisters
    {
        get
        {
            var written = _terms.Select(t => t.Destination.Buffer).ToHashSet();
            return _terms.Count > 0 && _terms.All(t => t.Factors.All(f => !written.Contains(f.Buffer)));
        }
    }

    /// <summary>The destinations the terms write (e.g. to clear those no term covers).</summary>
    public IReadOnlySet<Slice> Destinations => _terms.Select(t => t.Destination).ToHashSet();

    /// <summary>
    /// The same sums as <see cref="Execute(T[][], ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/> on elements
    /// [offset, offset + count) of each block, but a few vectors of points at a time: every destination's terms
    /// accumulate in registers and the destination is written once, instead of one memory pass per term. Each element
    /// goes through the same operations in the same order as <see cref="ProductAccumulate"/> (an FMA per term on
    /// the vectors, a multiply and an add on the scalar tail, the same split of the chunk into both), so the result
    /// is bit-identical. <paramref name="addresses"/>: the (pinned) start of each buffer; strides and bases as in
    /// <see cref="Execute(T[][], ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/>. With
    /// <paramref name="startFromZero"/> the destinations are overwritten (as if cleared first), else added to.
    /// </summary>
    public unsafe void ExecuteInRegisters(ReadOnlySpan<nint> addresses, ReadOnlySpan<int> strides, ReadOnlySpan<int> bases, int offset, int count,
        bool startFromZero, int vectorBits = 0)
    {
        var g = _grouped ??= Group();
        int slots = g.Slots.Length;
        nint* slot = stackalloc nint[slots];
        for (int s = 0; s < slots; s++)
        {
            var slice = g.Slots[s];
            int stride = strides[slice.Buffer];
            long element = stride == 0 ? bases[slice.Buffer] + (long)slice.Block * count : (long)slice.Block * stride + offset;
            slot[s] = addresses[slice.Buffer] + (nint)(element * sizeof(T));
        }
        switch (vectorBits == 0 ? Simd.Bits : vectorBits)
        {
            case 512: Run<Lane512<T>>(g, (T**)slot, count, startFromZero); break;
            case 256: Run<Lane256<T>>(g, (T**)slot, count, startFromZero); break;
            default: Run<Lane128<T>>(g, (T**)slot, count, startFromZero); break;
        }
    }

    private Grouped Group()
    {
        if (!CanExecuteInRegisters) throw new InvalidOperationException("A term reads a buffer that a term writes: the plan must run term by term.");
        var slots = new List<Slice>();
        int SlotOf(Slice s) { int i = slots.IndexOf(s); if (i < 0) { slots.Add(s); i = slots.Count - 1; } return i; }
        var destinations = _terms.Select(t => t.Destination).Distinct().ToArray();
        var destinationSlot = new List<int>(); var destinationEnd = new List<int>(); var factorEnd = new List<int>(); var factorSlot = new List<int>();
        var coefficient = new List<T>();
        foreach (var destination in destinations)
        {
            destinationSlot.Add(SlotOf(destination));
            foreach (var term in _terms.Where(t => t.Destination == destination))
            {
                coefficient.Add(term.Coefficient);
                foreach (var f in term.Factors) factorSlot.Add(SlotOf(f));
                factorEnd.Add(factorSlot.Count);
            }
            destinationEnd.Add(coefficient.Count);
        }
        return new Grouped
        {
            Slots = slots.ToArray(), DestinationSlot = destinationSlot.ToArray(), DestinationEnd = destinationEnd.ToArray(),
            FactorEnd = factorEnd.ToArray(), FactorSlot = factorSlot.ToArray(), Coefficient = coefficient.ToArray(),
            CoefficientIsOne = coefficient.Select(c => c == T.One).ToArray(),
        };
    }

    // Four vectors of points per pass (four independent FMA chains per destination), then single vectors, then the
    // scalar tail. ProductAccumulate's operations per term: k = 1: fma(c, f₀, d); k ≥ 2: fma(c·f₀·…·f_{k−2}, f_{k−1}, d)
    // (the product by c skipped when c = 1: exact either way); tail: d + c·f₀·…·f_{k−1}, left to right.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Run<V>(Grouped g, T** slot, int count, bool fromZero) where V : struct, ISimdLane<V, T>
    {
        int vl = V.Count, vectorEnd = count - count % vl, dests = g.DestinationSlot.Length;
        int[] destinationSlot = g.DestinationSlot, destinationEnd = g.DestinationEnd, factorEnd = g.FactorEnd, factorSlot = g.FactorSlot;
        T[] coefficient = g.Coefficient;
        bool[] one = g.CoefficientIsOne;
        nuint v1 = (nuint)vl, v2 = 2 * v1, v3 = 3 * v1;
        int i = 0;
        for (; i + 4 * vl <= vectorEnd; i += 4 * vl)
        {
            for (int d = 0, term = 0, factor = 0; d < dests; d++)
            {
                T* dst = slot[destinationSlot[d]] + i;
                V a0, a1, a2, a3;
                if (fromZero) { a0 = V.Zero; a1 = V.Zero; a2 = V.Zero; a3 = V.Zero; }
                else { a0 = V.Load(ref *dst, 0); a1 = V.Load(ref *dst, v1); a2 = V.Load(ref *dst, v2); a3 = V.Load(ref *dst, v3); }
                for (int end = destinationEnd[d]; term < end; term++)
                {
                    int last = factorEnd[term] - 1;
                    T* p = slot[factorSlot[factor]] + i;
                    V x0 = V.Load(ref *p, 0), x1 = V.Load(ref *p, v1), x2 = V.Load(ref *p, v2), x3 = V.Load(ref *p, v3);
                    var c = V.Broadcast(coefficient[term]);
                    if (factor == last)
                    {
                        a0 = V.MultiplyAdd(c, x0, a0); a1 = V.MultiplyAdd(c, x1, a1); a2 = V.MultiplyAdd(c, x2, a2); a3 = V.MultiplyAdd(c, x3, a3);
                        factor++;
                        continue;
                    }
                    if (!one[term]) { x0 = c * x0; x1 = c * x1; x2 = c * x2; x3 = c * x3; }
                    for (factor++; factor < last; factor++)
                    {
                        p = slot[factorSlot[factor]] + i;
                        x0 *= V.Load(ref *p, 0); x1 *= V.Load(ref *p, v1); x2 *= V.Load(ref *p, v2); x3 *= V.Load(ref *p, v3);
                    }
                    p = slot[factorSlot[factor++]] + i;
                    a0 = V.MultiplyAdd(x0, V.Load(ref *p, 0), a0); a1 = V.MultiplyAdd(x1, V.Load(ref *p, v1), a1);
                    a2 = V.MultiplyAdd(x2, V.Load(ref *p, v2), a2); a3 = V.MultiplyAdd(x3, V.Load(ref *p, v3), a3);
                }
                a0.Store(ref *dst, 0); a1.Store(ref *dst, v1); a2.Store(ref *dst, v2); a3.Store(ref *dst, v3);
            }
        }
        for (; i < vectorEnd; i += vl)
        {
            for (int d = 0, term = 0, factor = 0; d < dests; d++)
            {
                T* dst = slot[destinationSlot[d]] + i;
                V a = fromZero ? V.Zero : V.Load(ref *dst, 0);
                for (int end = destinationEnd[d]; term < end; term++)
                {
                    int last = factorEnd[term] - 1;
                    V x = V.Load(ref *(slot[factorSlot[factor]] + i), 0);
                    var c = V.Broadcast(coefficient[term]);
                    if (factor == last) { a = V.MultiplyAdd(c, x, a); factor++; continue; }
                    if (!one[term]) x = c * x;
                    for (factor++; factor < last; factor++) x *= V.Load(ref *(slot[factorSlot[factor]] + i), 0);
                    a = V.MultiplyAdd(x, V.Load(ref *(slot[factorSlot[factor++]] + i), 0), a);
                }
                a.Store(ref *dst, 0);
            }
        }
        for (; i < count; i++)
        {
            for (int d = 0, term = 0, factor = 0; d < dests; d++)
            {
                T* dst = slot[destinationSlot[d]] + i;
                T a = fromZero ? T.Zero : *dst;
                for (int end = destinationEnd[d]; term < end; term++)
                {
                    T x = coefficient[term];
                    for (int fEnd = factorEnd[term]; factor < fEnd; factor++) x *= *(slot[factorSlot[factor]] + i);
                    a += x;
                }
                *dst = a;
            }
        }
    }
}
