using System.Runtime.InteropServices;
using PinnServe.Tensors;

namespace PinnServe.Autodiff.Taylor;

/// <summary>
/// tanh and its derivatives as polynomials of t = tanh(z):
/// σ' = 1 − t², σ'' = −2tσ', σ''' = σ'(6t² − 2), σ'''' = σ' t(16 − 24t²). t itself is <see cref="TanhKernel"/>'s,
/// the same bits the activation kernels compute in registers (DiagonalTanhJet).
/// </summary>
public sealed class TanhActivation : IActivation
{
    public static readonly TanhActivation Instance = new();
    public string Name => "tanh";
    public bool DerivativesFromValue => true;

    public void Evaluate<T>(ReadOnlySpan<T> z, T[][] derivatives, int maxOrder) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = z.Length;
        TanhKernel.Tanh(z, derivatives[0].AsSpan(0, n));
        FromTanh(derivatives[0].AsSpan(0, n), derivatives[1].AsSpan(0, n), maxOrder >= 2 ? derivatives[2].AsSpan(0, n) : default,
            maxOrder >= 3 ? derivatives[3].AsSpan(0, n) : default, maxOrder >= 4 ? derivatives[4].AsSpan(0, n) : default, maxOrder);
    }

    public void Evaluate<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y, Span<T> sigma, int stride, int maxOrder) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = z.Length;
        var t = sigma[..n];
        if (maxOrder == 0 && y.IsEmpty) { TanhKernel.Tanh(z, t); return; }
        if (y.IsEmpty) TanhKernel.Tanh(z, t); else y[..n].CopyTo(t);   // σ' … are polynomials of t = tanh z
        FromTanh(t, sigma.Slice(stride, n), maxOrder >= 2 ? sigma.Slice(2 * stride, n) : default,
            maxOrder >= 3 ? sigma.Slice(3 * stride, n) : default, maxOrder >= 4 ? sigma.Slice(4 * stride, n) : default, maxOrder);
    }

    // σ⁽¹⁾..σ⁽ᵐᵃˣ⁾ from t.
    private static void FromTanh<T>(Span<T> t, Span<T> d1, Span<T> d2, Span<T> d3, Span<T> d4, int maxOrder) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = t.Length;
        if (maxOrder == 0) return;
        // One fused pass computes every requested derivative from t (the polynomials above).
        T one = T.One, two = T.CreateTruncating(2), six = T.CreateTruncating(6), sixteen = T.CreateTruncating(16), tf = T.CreateTruncating(24);
        int i = Simd.Bits switch
        {
            512 => Polynomials<T, Lane512<T>>(t, d1, d2, d3, d4, maxOrder),
            256 => Polynomials<T, Lane256<T>>(t, d1, d2, d3, d4, maxOrder),
            _ => Polynomials<T, Lane128<T>>(t, d1, d2, d3, d4, maxOrder),
        };
        for (; i < n; i++)
        {
            T tv = t[i], t2 = tv * tv, s1 = one - t2;
            d1[i] = s1;
            if (maxOrder >= 2) d2[i] = -(two * tv * s1);
            if (maxOrder >= 3) d3[i] = s1 * (six * t2 - two);
            if (maxOrder >= 4) d4[i] = s1 * tv * (sixteen - tf * t2);
        }
    }

    // The vectorized part of the fused pass; returns how many elements it covered.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot kernel: no tier-0 phase
    private static int Polynomials<T, V>(Span<T> t, Span<T> d1, Span<T> d2, Span<T> d3, Span<T> d4, int maxOrder)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        int n = t.Length, vl = V.Count, i = 0;
        ref T tr = ref MemoryMarshal.GetReference(t);
        var vOne = V.Broadcast(T.One); var vTwo = V.Broadcast(T.CreateTruncating(2)); var vSix = V.Broadcast(T.CreateTruncating(6));
        var v16 = V.Broadcast(T.CreateTruncating(16)); var v24 = V.Broadcast(T.CreateTruncating(24));
        for (; i + vl <= n; i += vl)
        {
            var tv = V.Load(ref tr, (nuint)i);
            var t2 = tv * tv;
            var s1 = vOne - t2;
            s1.Store(ref MemoryMarshal.GetReference(d1), (nuint)i);
            if (maxOrder >= 2) (-(vTwo * tv * s1)).Store(ref MemoryMarshal.GetReference(d2), (nuint)i);
            if (maxOrder >= 3) (s1 * (vSix * t2 - vTwo)).Store(ref MemoryMarshal.GetReference(d3), (nuint)i);
            if (maxOrder >= 4) (s1 * tv * (v16 - v24 * t2)).Store(ref MemoryMarshal.GetReference(d4), (nuint)i);
        }
        return i;
    }
}
