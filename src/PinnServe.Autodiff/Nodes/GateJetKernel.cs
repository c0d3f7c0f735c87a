using System.Runtime.CompilerServices;
using PinnServe.Tensors;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// The modified-MLP gate H = U + Z ⊙ D (D = V − U) on jets in one pass over a vector of points, forward and backward,
/// instead of one memory pass per Leibniz term plus the D, H, ∂U and ∂V passes: each destination's terms are summed in
/// registers, four vectors of points at a time, and every result waits in a small stack scratch until the pass's last
/// load (the jets' arrays lie at equal addresses modulo 4 KB, where a load behind a store to another array waits for it). The terms are the gate's
/// own plans, grouped by destination with their order kept, and each element goes through the operations of the
/// passes it replaces (<see cref="ProductAccumulate"/>'s FMA per term on the vectors, c·a·b then an add on the
/// scalar tail, the same split of the block; D = V − U; ∂U = (∂U + ∂H) − ∂D; ∂V = ∂V + ∂D), so the bits are the same.
/// </summary>
internal sealed class GateJetKernel<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    // One group of terms per destination component: destination, then per term (the ∂H or Z component, the D or Z
    // component it multiplies, its coefficient) in plan order.
    private readonly int[] _forwardEnd, _forwardLeft, _forwardRight;
    private readonly T[] _forwardCoefficient;
    private readonly int[] _gradZDestination, _gradZEnd, _gradZAlpha, _gradZRight;
    private readonly T[] _gradZCoefficient;
    private readonly int[] _gradDEnd, _gradDAlpha, _gradDLeft;
    private readonly T[] _gradDCoefficient;
    private readonly bool[] _forwardOne, _gradZOne, _gradDOne;  // coefficient 1: the product by it is left out (exact)
    private readonly int _components;

    private GateJetKernel(int components, ProductPlan<T> forward, ProductPlan<T> backward, int h, int dz, int dd)
    {
        _components = components;
        // Forward: H_α's terms c·Z_left·D_right, every component (a component without terms is H = U).
        (_forwardEnd, _forwardLeft, _forwardRight, _forwardCoefficient) =
            Group(components, forward.Terms.Where(t => t.Destination.Buffer == h), t => t.Factors[0].Block, t => t.Factors[1].Block);
        // Backward: ∂Z_left += c·∂H_α·D_right, ∂D_right += c·∂H_α·Z_left, each in the plan's order.
        var toZ = backward.Terms.Where(t => t.Destination.Buffer == dz).ToArray();
        _gradZDestination = toZ.Select(t => t.Destination.Block).Distinct().ToArray();
        var zGroups = _gradZDestination.SelectMany(d => toZ.Where(t => t.Destination.Block == d)).ToArray();
        _gradZEnd = _gradZDestination.Select(d => 0).ToArray();
        for (int g = 0, n = 0; g < _gradZDestination.Length; g++) _gradZEnd[g] = n += toZ.Count(t => t.Destination.Block == _gradZDestination[g]);
        _gradZAlpha = zGroups.Select(t => t.Factors[0].Block).ToArray();
        _gradZRight = zGroups.Select(t => t.Factors[1].Block).ToArray();
        _gradZCoefficient = zGroups.Select(t => t.Coefficient).ToArray();
        (_gradDEnd, _gradDAlpha, _gradDLeft, _gradDCoefficient) =
            Group(components, backward.Terms.Where(t => t.Destination.Buffer == dd), t => t.Factors[0].Block, t => t.Factors[1].Block);
        _forwardOne = _forwardCoefficient.Select(c => c == T.One).ToArray();
        _gradZOne = _gradZCoefficient.Select(c => c == T.One).ToArray();
        _gradDOne = _gradDCoefficient.Select(c => c == T.One).ToArray();
    }

    /// <summary>
    /// The kernel for a gate's plans (buffer ids as in <see cref="JetGateNode{T}"/>), or null where a term is not of
    /// the shape this kernel runs: forward H += c·Z·D, backward ∂Z += c·∂H·D and ∂D += c·∂H·Z.
    /// </summary>
    public static GateJetKernel<T>? For(int components, ProductPlan<T> forward, ProductPlan<T> backward, (int Z, int DZ, int D, int DD, int H, int DH) id)
    {
        bool Two(ProductPlan<T>.Term t, int first, int second) => t.Factors.Length == 2 && t.Factors[0].Buffer == first && t.Factors[1].Buffer == second;
        if (!forward.Terms.All(t => t.Destination.Buffer == id.H && Two(t, id.Z, id.D))) return null;
        if (!backward.Terms.All(t => t.Destination.Buffer == id.DZ ? Two(t, id.DH, id.D) : t.Destination.Buffer == id.DD && Two(t, id.DH, id.Z))) return null;
        return new GateJetKernel<T>(components, forward, backward, id.H, id.DZ, id.DD);
    }

    private static (int[] End, int[] First, int[] Second, T[] Coefficient) Group(int components, IEnumerable<ProductPlan<T>.Term> terms,
        Func<ProductPlan<T>.Term, int> first, Func<ProductPlan<T>.Term, int> second)
    {
        var list = terms.ToArray();
        var ordered = Enumerable.Range(0, components).SelectMany(c => list.Where(t => t.Destination.Block == c)).ToArray();
        var end = new int[components];
        for (int c = 0, n = 0; c < components; c++) end[c] = n += list.Count(t => t.Destination.Block == c);
        return (end, ordered.Select(first).ToArray(), ordered.Select(second).ToArray(), ordered.Select(t => t.Coefficient).ToArray());
    }

    /// <summary>D = V − U and H_α = U_α + Σ c·Z_S·D_{α∖S} over blocks of <paramref name="block"/> elements.</summary>
    public unsafe void Forward(T* z, T* u, T* v, T* d, T* h, int block, int vectorBits = 0)
    {
        switch (vectorBits == 0 ? Simd.Bits : vectorBits)
        {
            case 512: Forward<Lane512<T>>(z, u, v, d, h, block); break;
            case 256: Forward<Lane256<T>>(z, u, v, d, h, block); break;
            default: Forward<Lane128<T>>(z, u, v, d, h, block); break;
        }
    }

    /// <summary>
    /// ∂Z += the terms' sums, and from ∂D (kept in registers, never stored): ∂U = (∂U + ∂H) − ∂D where
    /// <paramref name="du"/> is not null, ∂V = ∂V + ∂D where <paramref name="dv"/> is not null.
    /// </summary>
    public unsafe void Backward(T* z, T* d, T* dh, T* dz, T* du, T* dv, int block, int vectorBits = 0)
    {
        switch (vectorBits == 0 ? Simd.Bits : vectorBits)
        {
            case 512: Backward<Lane512<T>>(z, d, dh, dz, du, dv, block); break;
            case 256: Backward<Lane256<T>>(z, d, dh, dz, du, dv, block); break;
            default: Backward<Lane128<T>>(z, d, dh, dz, du, dv, block); break;
        }
    }

    // Four vectors of points per pass (four independent FMA chains per destination: one chain alone waits on the FMA
    // latency term after term), then single vectors, then the scalar tail. Inputs are read where they lie (the
    // pass's 4 vectors of a component are two cache lines, in L1 after the first read); results wait in the stack
    // scratch until the pass's last load.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void Forward<V>(T* z, T* u, T* v, T* d, T* h, int block) where V : struct, ISimdLane<V, T>
    {
        int n = _components, vl = V.Count, vectorEnd = block - block % vl, width = 4 * vl;
        int[] end = _forwardEnd, left = _forwardLeft, right = _forwardRight;
        T[] coefficient = _forwardCoefficient;
        bool[] one = _forwardOne;
        nuint v1 = (nuint)vl, v2 = 2 * v1, v3 = 3 * v1;
        // Scratch: D and H of one pass, component after component (4 vectors each).
        T* ds = stackalloc T[2 * n * width];
        T* hs = ds + n * width;
        int i = 0;
        for (; i + width <= vectorEnd; i += width)
        {
            for (int c = 0; c < n; c++)
            {
                T* pu = u + (long)c * block + i, pv = v + (long)c * block + i, pd = ds + c * width;
                (V.Load(ref *pv, 0) - V.Load(ref *pu, 0)).Store(ref *pd, 0);
                (V.Load(ref *pv, v1) - V.Load(ref *pu, v1)).Store(ref *pd, v1);
                (V.Load(ref *pv, v2) - V.Load(ref *pu, v2)).Store(ref *pd, v2);
                (V.Load(ref *pv, v3) - V.Load(ref *pu, v3)).Store(ref *pd, v3);
            }
            for (int c = 0, term = 0; c < n; c++)
            {
                T* pu = u + (long)c * block + i;
                V a0 = V.Load(ref *pu, 0), a1 = V.Load(ref *pu, v1), a2 = V.Load(ref *pu, v2), a3 = V.Load(ref *pu, v3);
                for (; term < end[c]; term++)
                {
                    T* pz = z + (long)left[term] * block + i, pd = ds + right[term] * width;
                    V x0 = V.Load(ref *pz, 0), x1 = V.Load(ref *pz, v1), x2 = V.Load(ref *pz, v2), x3 = V.Load(ref *pz, v3);
                    if (!one[term]) { var k = V.Broadcast(coefficient[term]); x0 = k * x0; x1 = k * x1; x2 = k * x2; x3 = k * x3; }
                    a0 = V.MultiplyAdd(x0, V.Load(ref *pd, 0), a0); a1 = V.MultiplyAdd(x1, V.Load(ref *pd, v1), a1);
                    a2 = V.MultiplyAdd(x2, V.Load(ref *pd, v2), a2); a3 = V.MultiplyAdd(x3, V.Load(ref *pd, v3), a3);
                }
                T* ph = h + (long)c * block + i;
                a0.Store(ref *ph, 0); a1.Store(ref *ph, v1); a2.Store(ref *ph, v2); a3.Store(ref *ph, v3);
            }
            for (int c = 0; c < n; c++) Copy4<V>(ds + c * width, d + (long)c * block + i, v1);
        }
        for (; i < vectorEnd; i += vl)
        {
            for (int c = 0; c < n; c++)
                (V.Load(ref *(v + (long)c * block + i), 0) - V.Load(ref *(u + (long)c * block + i), 0)).Store(ref *ds, (nuint)(c * vl));
            for (int c = 0, term = 0; c < n; c++)
            {
                var acc = V.Load(ref *(u + (long)c * block + i), 0);
                for (; term < end[c]; term++)
                {
                    var x = V.Load(ref *(z + (long)left[term] * block + i), 0);
                    if (!one[term]) x = V.Broadcast(coefficient[term]) * x;
                    acc = V.MultiplyAdd(x, V.Load(ref *ds, (nuint)(right[term] * vl)), acc);
                }
                acc.Store(ref *hs, (nuint)(c * vl));
            }
            for (int c = 0; c < n; c++)
            {
                V.Load(ref *ds, (nuint)(c * vl)).Store(ref *(d + (long)c * block + i), 0);
                V.Load(ref *hs, (nuint)(c * vl)).Store(ref *(h + (long)c * block + i), 0);
            }
        }
        for (; i < block; i++)
        {
            for (int c = 0; c < n; c++) d[(long)c * block + i] = v[(long)c * block + i] - u[(long)c * block + i];
            for (int c = 0, term = 0; c < n; c++)
            {
                T acc = u[(long)c * block + i];
                for (; term < end[c]; term++) acc += coefficient[term] * z[(long)left[term] * block + i] * d[(long)right[term] * block + i];
                h[(long)c * block + i] = acc;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy4<V>(T* from, T* to, nuint v1) where V : struct, ISimdLane<V, T>
    {
        V.Load(ref *from, 0).Store(ref *to, 0); V.Load(ref *from, v1).Store(ref *to, v1);
        V.Load(ref *from, 2 * v1).Store(ref *to, 2 * v1); V.Load(ref *from, 3 * v1).Store(ref *to, 3 * v1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void Backward<V>(T* z, T* d, T* dh, T* dz, T* du, T* dv, int block) where V : struct, ISimdLane<V, T>
    {
        int n = _components, vl = V.Count, vectorEnd = block - block % vl, width = 4 * vl;
        int[] zDestination = _gradZDestination, zEnd = _gradZEnd, zAlpha = _gradZAlpha, zRight = _gradZRight;
        int[] dEnd = _gradDEnd, dAlpha = _gradDAlpha, dLeft = _gradDLeft;
        T[] zCoefficient = _gradZCoefficient, dCoefficient = _gradDCoefficient;
        bool[] zOne = _gradZOne, dOne = _gradDOne;
        int zGroups = zDestination.Length;
        nuint v1 = (nuint)vl, v2 = 2 * v1, v3 = 3 * v1;
        // Scratch: ∂Z, ∂U, ∂V of one pass (4 vectors per component).
        T* gz = stackalloc T[3 * n * width];
        T* gu = gz + n * width, gv = gu + n * width;
        int i = 0;
        for (; i + width <= vectorEnd; i += width)
        {
            for (int g = 0, term = 0; g < zGroups; g++)
            {
                T* pz = dz + (long)zDestination[g] * block + i;
                V a0 = V.Load(ref *pz, 0), a1 = V.Load(ref *pz, v1), a2 = V.Load(ref *pz, v2), a3 = V.Load(ref *pz, v3);
                for (; term < zEnd[g]; term++)
                {
                    T* ph = dh + (long)zAlpha[term] * block + i, pd = d + (long)zRight[term] * block + i;
                    V x0 = V.Load(ref *ph, 0), x1 = V.Load(ref *ph, v1), x2 = V.Load(ref *ph, v2), x3 = V.Load(ref *ph, v3);
                    if (!zOne[term]) { var k = V.Broadcast(zCoefficient[term]); x0 = k * x0; x1 = k * x1; x2 = k * x2; x3 = k * x3; }
                    a0 = V.MultiplyAdd(x0, V.Load(ref *pd, 0), a0); a1 = V.MultiplyAdd(x1, V.Load(ref *pd, v1), a1);
                    a2 = V.MultiplyAdd(x2, V.Load(ref *pd, v2), a2); a3 = V.MultiplyAdd(x3, V.Load(ref *pd, v3), a3);
                }
                a0.Store(ref *pz, 0); a1.Store(ref *pz, v1); a2.Store(ref *pz, v2); a3.Store(ref *pz, v3);
            }
            for (int c = 0, term = 0; c < n; c++)
            {
                V a0 = V.Zero, a1 = V.Zero, a2 = V.Zero, a3 = V.Zero;  // ∂D starts cleared
                for (; term < dEnd[c]; term++)
                {
                    T* ph = dh + (long)dAlpha[term] * block + i, pz = z + (long)dLeft[term] * block + i;
                    V x0 = V.Load(ref *ph, 0), x1 = V.Load(ref *ph, v1), x2 = V.Load(ref *ph, v2), x3 = V.Load(ref *ph, v3);
                    if (!dOne[term]) { var k = V.Broadcast(dCoefficient[term]); x0 = k * x0; x1 = k * x1; x2 = k * x2; x3 = k * x3; }
                    a0 = V.MultiplyAdd(x0, V.Load(ref *pz, 0), a0); a1 = V.MultiplyAdd(x1, V.Load(ref *pz, v1), a1);
                    a2 = V.MultiplyAdd(x2, V.Load(ref *pz, v2), a2); a3 = V.MultiplyAdd(x3, V.Load(ref *pz, v3), a3);
                }
                long at = (long)c * block + i;
                T* hc = dh + at;
                if (du != null)
                {
                    T* pu = du + at, pg = pu;
                    (V.Load(ref *pu, 0) + V.Load(ref *hc, 0) - a0).Store(ref *pg, 0); (V.Load(ref *pu, v1) + V.Load(ref *hc, v1) - a1).Store(ref *pg, v1);
                    (V.Load(ref *pu, v2) + V.Load(ref *hc, v2) - a2).Store(ref *pg, v2); (V.Load(ref *pu, v3) + V.Load(ref *hc, v3) - a3).Store(ref *pg, v3);
                }
                if (dv != null)
                {
                    T* pv = dv + at, pg = pv;
                    (V.Load(ref *pv, 0) + a0).Store(ref *pg, 0); (V.Load(ref *pv, v1) + a1).Store(ref *pg, v1);
                    (V.Load(ref *pv, v2) + a2).Store(ref *pg, v2); (V.Load(ref *pv, v3) + a3).Store(ref *pg, v3);
                }
            }
        }
        for (; i < vectorEnd; i += vl)
        {
            for (int g = 0, term = 0; g < zGroups; g++)
            {
                var acc = V.Load(ref *(dz + (long)zDestination[g] * block + i), 0);
                for (; term < zEnd[g]; term++)
                {
                    var x = V.Load(ref *(dh + (long)zAlpha[term] * block + i), 0);
                    if (!zOne[term]) x = V.Broadcast(zCoefficient[term]) * x;
                    acc = V.MultiplyAdd(x, V.Load(ref *(d + (long)zRight[term] * block + i), 0), acc);
                }
                acc.Store(ref *gz, (nuint)(g * vl));
            }
            for (int c = 0, term = 0; c < n; c++)
            {
                var acc = V.Zero;
                for (; term < dEnd[c]; term++)
                {
                    var x = V.Load(ref *(dh + (long)dAlpha[term] * block + i), 0);
                    if (!dOne[term]) x = V.Broadcast(dCoefficient[term]) * x;
                    acc = V.MultiplyAdd(x, V.Load(ref *(z + (long)dLeft[term] * block + i), 0), acc);
                }
                long at = (long)c * block + i;
                if (du != null) (V.Load(ref *(du + at), 0) + V.Load(ref *(dh + at), 0) - acc).Store(ref *gu, (nuint)(c * vl));
                if (dv != null) (V.Load(ref *(dv + at), 0) + acc).Store(ref *gv, (nuint)(c * vl));
            }
            for (int g = 0; g < zGroups; g++) V.Load(ref *gz, (nuint)(g * vl)).Store(ref *(dz + (long)zDestination[g] * block + i), 0);
            for (int c = 0; c < n; c++)
            {
                long at = (long)c * block + i;
                if (du != null) V.Load(ref *gu, (nuint)(c * vl)).Store(ref *(du + at), 0);
                if (dv != null) V.Load(ref *gv, (nuint)(c * vl)).Store(ref *(dv + at), 0);
            }
        }
        for (; i < block; i++)
        {
            for (int g = 0, term = 0; g < zGroups; g++)
            {
                T acc = dz[(long)zDestination[g] * block + i];
                for (; term < zEnd[g]; term++) acc += zCoefficient[term] * dh[(long)zAlpha[term] * block + i] * d[(long)zRight[term] * block + i];
                dz[(long)zDestination[g] * block + i] = acc;
            }
            for (int c = 0, term = 0; c < n; c++)
            {
                long at = (long)c * block + i;
                T acc = T.Zero;
                for (; term < dEnd[c]; term++) acc += dCoefficient[term] * dh[(long)dAlpha[term] * block + i] * z[(long)dLeft[term] * block + i];
                if (du != null) du[at] = du[at] + dh[at] - acc;
                if (dv != null) dv[at] = dv[at] + acc;
            }
        }
    }
}
