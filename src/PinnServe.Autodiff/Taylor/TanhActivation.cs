using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PinnServe.Autodiff.Taylor;

/// <summary>
/// tanh and its derivatives as polynomials of t = tanh(z):
/// σ' = 1 − t², σ'' = −2tσ', σ''' = σ'(6t² − 2), σ'''' = σ' t(16 − 24t²).
/// </summary>
public sealed class TanhActivation : IActivation
{
    public static readonly TanhActivation Instance = new();
    public string Name => "tanh";

    public void Evaluate<T>(ReadOnlySpan<T> z, T[][] derivatives, int maxOrder) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = z.Length;
        var t = derivatives[0].AsSpan(0, n);
        TensorPrimitives.Tanh(z, t);
        if (maxOrder == 0) return;
        // One fused pass computes every requested derivative from t (the polynomials above).
        var d1 = derivatives[1].AsSpan(0, n);
        var d2 = maxOrder >= 2 ? derivatives[2].AsSpan(0, n) : default;
        var d3 = maxOrder >= 3 ? derivatives[3].AsSpan(0, n) : default;
        var d4 = maxOrder >= 4 ? derivatives[4].AsSpan(0, n) : default;
        ref T tr = ref MemoryMarshal.GetReference(t);
        T one = T.One, two = T.CreateTruncating(2), six = T.CreateTruncating(6), sixteen = T.CreateTruncating(16), tf = T.CreateTruncating(24);
        int i = 0;
        int vl = Vector512<T>.Count;
        var vOne = Vector512.Create(one); var vTwo = Vector512.Create(two); var vSix = Vector512.Create(six);
        var v16 = Vector512.Create(sixteen); var v24 = Vector512.Create(tf);
        for (; i + vl <= n; i += vl)
        {
            var tv = Vector512.LoadUnsafe(ref tr, (nuint)i);
            var t2 = tv * tv;
            var s1 = vOne - t2;
            s1.StoreUnsafe(ref MemoryMarshal.GetReference(d1), (nuint)i);
            if (maxOrder >= 2) (-(vTwo * tv * s1)).StoreUnsafe(ref MemoryMarshal.GetReference(d2), (nuint)i);
            if (maxOrder >= 3) (s1 * (vSix * t2 - vTwo)).StoreUnsafe(ref MemoryMarshal.GetReference(d3), (nuint)i);
            if (maxOrder >= 4) (s1 * tv * (v16 - v24 * t2)).StoreUnsafe(ref MemoryMarshal.GetReference(d4), (nuint)i);
        }
        for (; i < n; i++)
        {
            T tv = t[i], t2 = tv * tv, s1 = one - t2;
            d1[i] = s1;
            if (maxOrder >= 2) d2[i] = -(two * tv * s1);
            if (maxOrder >= 3) d3[i] = s1 * (six * t2 - two);
            if (maxOrder >= 4) d4[i] = s1 * tv * (sixteen - tf * t2);
        }
    }
}
