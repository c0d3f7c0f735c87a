using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PinnServe.Tensors;

/// <summary>
/// Fused kernel behind every chain-rule term: <c>dst[i] += c · f₀[i] · f₁[i] ⋯ f_{k−1}[i]</c> for 1 ≤ k ≤ 5
/// factors, in one pass over memory (a Faà di Bruno or Leibniz term and its reverse-mode partials).
/// </summary>
public static class ProductAccumulate
{
    public static void Apply<T>(Span<T> dst, T c, ReadOnlySpan<T> f0) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Run(dst, c, f0, f0, f0, f0, f0, 1);
    public static void Apply<T>(Span<T> dst, T c, ReadOnlySpan<T> f0, ReadOnlySpan<T> f1) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Run(dst, c, f0, f1, f0, f0, f0, 2);
    public static void Apply<T>(Span<T> dst, T c, ReadOnlySpan<T> f0, ReadOnlySpan<T> f1, ReadOnlySpan<T> f2) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Run(dst, c, f0, f1, f2, f0, f0, 3);
    public static void Apply<T>(Span<T> dst, T c, ReadOnlySpan<T> f0, ReadOnlySpan<T> f1, ReadOnlySpan<T> f2, ReadOnlySpan<T> f3) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Run(dst, c, f0, f1, f2, f3, f0, 4);
    public static void Apply<T>(Span<T> dst, T c, ReadOnlySpan<T> f0, ReadOnlySpan<T> f1, ReadOnlySpan<T> f2, ReadOnlySpan<T> f3, ReadOnlySpan<T> f4) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Run(dst, c, f0, f1, f2, f3, f4, 5);

    /// <summary>Same as the overloads, with the factors given as a list (1 to 5 of them).</summary>
    public static void Apply<T>(Span<T> dst, T c, ReadOnlySpan<T> f0, ReadOnlySpan<T> f1, ReadOnlySpan<T> f2, ReadOnlySpan<T> f3, ReadOnlySpan<T> f4, int factors)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (factors is < 1 or > 5) throw new ArgumentOutOfRangeException(nameof(factors), factors, "1 to 5 factors.");
        Run(dst, c, f0, f1, f2, f3, f4, factors);
    }

    private static void Run<T>(Span<T> dst, T c, ReadOnlySpan<T> f0, ReadOnlySpan<T> f1, ReadOnlySpan<T> f2, ReadOnlySpan<T> f3, ReadOnlySpan<T> f4, int k)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (Simd.Bits)
        {
            case 512: Run<T, Lane512<T>>(dst, c, f0, f1, f2, f3, f4, k); break;
            case 256: Run<T, Lane256<T>>(dst, c, f0, f1, f2, f3, f4, k); break;
            default: Run<T, Lane128<T>>(dst, c, f0, f1, f2, f3, f4, k); break;
        }
    }

    /// <summary>The kernel at one vector width (tests run every width on one machine).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot kernel: no tier-0 phase
    internal static void Run<T, V>(Span<T> dst, T c, ReadOnlySpan<T> f0, ReadOnlySpan<T> f1, ReadOnlySpan<T> f2, ReadOnlySpan<T> f3, ReadOnlySpan<T> f4, int k)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        int n = dst.Length;
        if (f0.Length < n || (k > 1 && f1.Length < n) || (k > 2 && f2.Length < n) || (k > 3 && f3.Length < n) || (k > 4 && f4.Length < n))
            throw new ArgumentException("ProductAccumulate: a factor is shorter than the destination.");
        ref T d = ref MemoryMarshal.GetReference(dst);
        ref T a = ref MemoryMarshal.GetReference(f0);
        ref T b = ref MemoryMarshal.GetReference(f1);
        ref T e = ref MemoryMarshal.GetReference(f2);
        ref T g = ref MemoryMarshal.GetReference(f3);
        ref T h = ref MemoryMarshal.GetReference(f4);
        int vl = V.Count;
        var vc = V.Broadcast(c);
        int i = 0;
        switch (k)
        {
            case 1:
                for (; i + vl <= n; i += vl) Store<T, V>(ref d, i, V.MultiplyAdd(vc, L<T, V>(ref a, i), L<T, V>(ref d, i)));
                for (; i < n; i++) Unsafe.Add(ref d, i) += c * Unsafe.Add(ref a, i);
                break;
            case 2:
                for (; i + vl <= n; i += vl) Store<T, V>(ref d, i, V.MultiplyAdd(vc * L<T, V>(ref a, i), L<T, V>(ref b, i), L<T, V>(ref d, i)));
                for (; i < n; i++) Unsafe.Add(ref d, i) += c * Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
                break;
            case 3:
                for (; i + vl <= n; i += vl) Store<T, V>(ref d, i, V.MultiplyAdd(vc * L<T, V>(ref a, i) * L<T, V>(ref b, i), L<T, V>(ref e, i), L<T, V>(ref d, i)));
                for (; i < n; i++) Unsafe.Add(ref d, i) += c * Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i) * Unsafe.Add(ref e, i);
                break;
            case 4:
                for (; i + vl <= n; i += vl) Store<T, V>(ref d, i, V.MultiplyAdd(vc * L<T, V>(ref a, i) * L<T, V>(ref b, i) * L<T, V>(ref e, i), L<T, V>(ref g, i), L<T, V>(ref d, i)));
                for (; i < n; i++) Unsafe.Add(ref d, i) += c * Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i) * Unsafe.Add(ref e, i) * Unsafe.Add(ref g, i);
                break;
            default:
                for (; i + vl <= n; i += vl) Store<T, V>(ref d, i, V.MultiplyAdd(vc * L<T, V>(ref a, i) * L<T, V>(ref b, i) * L<T, V>(ref e, i) * L<T, V>(ref g, i), L<T, V>(ref h, i), L<T, V>(ref d, i)));
                for (; i < n; i++) Unsafe.Add(ref d, i) += c * Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i) * Unsafe.Add(ref e, i) * Unsafe.Add(ref g, i) * Unsafe.Add(ref h, i);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V L<T, V>(ref T r, int i) where T : unmanaged where V : struct, ISimdLane<V, T> => V.Load(ref r, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T, V>(ref T r, int i, V v) where T : unmanaged where V : struct, ISimdLane<V, T> => v.Store(ref r, (nuint)i);
}
