using System.Runtime.CompilerServices;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts.Derivatives;
using PinnServe.Tensors;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// The tanh jet of a derivative set whose components are u, first derivatives u_a and pure second derivatives u_aa
/// (Allen–Cahn {u, u_t, u_x, u_xx}, Poisson {u, u_x, u_y, u_xx, u_yy}, Klein–Gordon, Burgers, every condition term),
/// one vector of points at a time with σ′, σ″, σ‴ computed in registers from t = tanh z and every component's sum
/// held in a register: y_a = σ′z_a, y_aa = σ′z_aa + σ″z_a z_a, and their reverse-mode partials. It replaces the
/// node's plans on the vectors of a chunk only where its term list is exactly the plans' (checked when it is made),
/// and every element goes through the operations of <see cref="ProductAccumulate"/> in the plans' order (an FMA per
/// term, the product by a coefficient of 1 left out: exact), so the results are bit-identical to running the plans;
/// the chunk's scalar tail still runs the plans.
/// </summary>
internal sealed class DiagonalTanhJet
{
    private enum Kind { Value, First, Second }

    private readonly Kind[] _kinds;
    private readonly int[] _firstOf;   // per component u_aa: the component u_a, else −1
    private readonly int[] _secondOf;  // per component u_a: the component u_aa, else −1

    private DiagonalTanhJet(Kind[] kinds, int[] firstOf, int[] secondOf) => (_kinds, _firstOf, _secondOf) = (kinds, firstOf, secondOf);

    /// <summary>The kernel for the set, or null where the set (or its Faà di Bruno terms) is not of this shape.</summary>
    public static DiagonalTanhJet? For(DerivativeSet set)
    {
        // u first, at most 5 components (the kernel's result registers).
        if (set.Count > 5 || set.Components[0].Length != 0) return null;
        var rules = TaylorRules.For(set);
        var kinds = new Kind[set.Count];
        var firstOf = Enumerable.Repeat(-1, set.Count).ToArray();
        for (int c = 0; c < set.Count; c++)
        {
            var alpha = set.Components[c];
            var terms = rules.Composition[c];
            static bool Is(CompositionTerm t, int order, params int[] factors) => t.Coefficient == 1 && t.Order == order && t.Factors.SequenceEqual(factors);
            switch (alpha.Length)
            {
                case 0 when terms.Length == 1 && Is(terms[0], 0): kinds[c] = Kind.Value; break;
                case 1 when terms.Length == 1 && Is(terms[0], 1, c): kinds[c] = Kind.First; break;
                case 2 when alpha[0] == alpha[1]:
                    int a = set.IndexOf([alpha[0]]);
                    // y_aa's terms in the plans' order: σ′·z_aa, then σ″·z_a·z_a; ∂z_a's sum takes y_a's term before y_aa's.
                    if (a < 0 || a > c || terms.Length != 2 || !Is(terms[0], 1, c) || !Is(terms[1], 2, a, a)) return null;
                    kinds[c] = Kind.Second; firstOf[c] = a; break;
                default: return null;
            }
        }
        var secondOf = Enumerable.Range(0, set.Count).Select(a => Array.IndexOf(firstOf, a)).ToArray();
        return new DiagonalTanhJet(kinds, firstOf, secondOf);
    }

    /// <summary>Elements [0, result) of a chunk of <paramref name="count"/> are vectors (the split ProductAccumulate makes); the rest is the scalar tail.</summary>
    public static int VectorPart<T>(int count) where T : unmanaged
    {
        int vl = Simd.Bits / 8 / Unsafe.SizeOf<T>();
        return count - count % vl;
    }

    /// <summary>
    /// y_c for every component c on elements [offset, offset + vectors) of each block (block length
    /// <paramref name="block"/>), from t = tanh z₀ at <paramref name="t"/>[0..].
    /// </summary>
    public void Forward<T>(ref T z, ref T t, ref T y, int block, int offset, int vectors) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (Simd.Bits)
        {
            case 512: Forward<T, Lane512<T>>(ref z, ref t, ref y, block, offset, vectors); break;
            case 256: Forward<T, Lane256<T>>(ref z, ref t, ref y, block, offset, vectors); break;
            default: Forward<T, Lane128<T>>(ref z, ref t, ref y, block, offset, vectors); break;
        }
    }

    /// <summary>∂z_c (added to, or overwritten when <paramref name="overwrite"/>) for every component, from y = tanh z₀ and ∂y.</summary>
    public void Backward<T>(ref T z, ref T y, ref T dy, ref T dz, int block, int offset, int vectors, bool overwrite) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (Simd.Bits)
        {
            case 512: Backward<T, Lane512<T>>(ref z, ref y, ref dy, ref dz, block, offset, vectors, overwrite); break;
            case 256: Backward<T, Lane256<T>>(ref z, ref y, ref dy, ref dz, block, offset, vectors, overwrite); break;
            default: Backward<T, Lane128<T>>(ref z, ref y, ref dy, ref dz, block, offset, vectors, overwrite); break;
        }
    }

    // σ′ = 1 − t², σ″ = −(2t·σ′), σ‴ = σ′(6t² − 2): TanhActivation's polynomials, operation for operation. Every
    // load of a vector comes before its first store: the components' blocks lie a multiple of 4 KB apart, and a load
    // behind a store to the same address modulo 4 KB waits for it (4K aliasing), which made a load-store-load order
    // slower than the term-by-term passes. Results wait in r0…r4 (at most 5 components, checked when made).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Forward<T, V>(ref T z, ref T t0, ref T y, int block, int offset, int vectors)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        var one = V.Broadcast(T.One); var two = V.Broadcast(T.CreateTruncating(2));
        var kinds = _kinds; var firstOf = _firstOf;
        int n = kinds.Length;
        for (int i = 0; i < vectors; i += V.Count)
        {
            nuint at = (nuint)(offset + i);
            var t = V.Load(ref t0, (nuint)i);
            var s1 = one - t * t;
            var s2 = -(two * t * s1);
            V r0 = V.MultiplyAdd(one, t, V.Zero), r1 = default, r2 = default, r3 = default, r4 = default;
            for (int c = 1; c < n; c++)
            {
                nuint cz = (nuint)(c * block) + at;
                var r = V.MultiplyAdd(s1, V.Load(ref z, cz), V.Zero);
                if (kinds[c] == Kind.Second)
                {
                    var za = V.Load(ref z, (nuint)(firstOf[c] * block) + at);
                    r = V.MultiplyAdd(s2 * za, za, r);
                }
                switch (c) { case 1: r1 = r; break; case 2: r2 = r; break; case 3: r3 = r; break; default: r4 = r; break; }
            }
            r0.Store(ref y, at);
            if (n > 1) r1.Store(ref y, (nuint)block + at);
            if (n > 2) r2.Store(ref y, (nuint)(2 * block) + at);
            if (n > 3) r3.Store(ref y, (nuint)(3 * block) + at);
            if (n > 4) r4.Store(ref y, (nuint)(4 * block) + at);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Backward<T, V>(ref T z, ref T y, ref T dy, ref T dz, int block, int offset, int vectors, bool overwrite)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        var one = V.Broadcast(T.One); var two = V.Broadcast(T.CreateTruncating(2)); var six = V.Broadcast(T.CreateTruncating(6));
        var kinds = _kinds; var firstOf = _firstOf; var secondOf = _secondOf;
        int n = kinds.Length;
        for (int i = 0; i < vectors; i += V.Count)
        {
            nuint at = (nuint)(offset + i);
            var t = V.Load(ref y, at);
            var t2 = t * t;
            var s1 = one - t2;
            var s2 = -(two * t * s1);
            var s3 = s1 * (six * t2 - two);
            // ∂z₀: every component's terms, in the set's order.
            var r0 = overwrite ? V.Zero : V.Load(ref dz, at);
            r0 = V.MultiplyAdd(V.Load(ref dy, at), s1, r0);
            V r1 = default, r2 = default, r3 = default, r4 = default;
            for (int c = 1; c < n; c++)
            {
                nuint cz = (nuint)(c * block) + at;
                var d = V.Load(ref dy, cz);
                var zc = V.Load(ref z, cz);
                r0 = V.MultiplyAdd(d * s2, zc, r0);
                // ∂z_c: σ′·∂y_c, then for u_a twice σ″·∂y_aa·z_a (once per factor z_a of y_aa's second term).
                var g = overwrite ? V.Zero : V.Load(ref dz, cz);
                g = V.MultiplyAdd(d, s1, g);
                if (kinds[c] == Kind.Second)
                {
                    var za = V.Load(ref z, (nuint)(firstOf[c] * block) + at);
                    r0 = V.MultiplyAdd(d * s3 * za, za, r0);
                }
                else if (secondOf[c] >= 0)
                {
                    var p = V.Load(ref dy, (nuint)(secondOf[c] * block) + at) * s2;
                    g = V.MultiplyAdd(p, zc, g);
                    g = V.MultiplyAdd(p, zc, g);
                }
                switch (c) { case 1: r1 = g; break; case 2: r2 = g; break; case 3: r3 = g; break; default: r4 = g; break; }
            }
            r0.Store(ref dz, at);
            if (n > 1) r1.Store(ref dz, (nuint)block + at);
            if (n > 2) r2.Store(ref dz, (nuint)(2 * block) + at);
            if (n > 3) r3.Store(ref dz, (nuint)(3 * block) + at);
            if (n > 4) r4.Store(ref dz, (nuint)(4 * block) + at);
        }
    }
}
