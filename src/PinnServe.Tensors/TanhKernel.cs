using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PinnServe.Tensors;

/// <summary>
/// tanh for float and double, one vector of lanes at a time in registers, so the activation kernels can compute it
/// where they need it instead of in a separate pass. With a = |z|:
/// <list type="bullet">
/// <item>a &lt; 0.55: tanh a = a + a³·P(a²), P a polynomial fitted (Chebyshev, degree 4 float / 10 double) to
/// (tanh a − a)/a³ on [0, 0.55²];</item>
/// <item>a ≥ 0.55: tanh a = 1 − 2e/(1 + e) with e = e^(−2a) ≤ 1/3 (the quotient's rounding stays in a term below 1/2;
/// (1 − e)/(1 + e) was 3 ulp off near a = 0.91), e^x = 2^n·e^r with
/// n = round(x/ln 2), r = x − n·ln 2 in two parts (Cody–Waite), e^r = 1 + r + r²·E(r), E fitted like P on
/// |r| ≤ 1.02·ln 2/2; a is clamped to 10 (float) / 20 (double), where tanh rounds to 1 already;</item>
/// <item>the sign of z is put back (tanh(−0) = −0); NaN takes the first branch and stays NaN; ±∞ gives ±1.</item>
/// </list>
/// Every operation acts on one lane alone, so the bits of an element depend on the element only (never on the
/// width, the address or the neighbours); they do depend on whether the multiply-adds are fused, like every kernel
/// here (<see cref="ISimdLane{TSelf, T}.MultiplyAdd"/>). Measured error against Math.Tanh: TanhKernelTests.
/// </summary>
public static class TanhKernel
{
    /// <summary>tanh of every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Tanh<T, V>(V z) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdMathLane<V, T>
    {
        bool single = typeof(T) == typeof(float);
        var signBit = V.Broadcast(T.NegativeZero);
        var a = V.AndNot(z, signBit);

        // Small |z|: a + a³·P(a²).
        var a2 = a * a;
        V p;
        if (single)
        {
            p = C<T, V>(-0.00661022774875164);
            p = V.MultiplyAdd(p, a2, C<T, V>(0.021309388801455498));
            p = V.MultiplyAdd(p, a2, C<T, V>(-0.05390942841768265));
            p = V.MultiplyAdd(p, a2, C<T, V>(0.13333113491535187));
            p = V.MultiplyAdd(p, a2, C<T, V>(-0.3333333134651184));
        }
        else
        {
            p = C<T, V>(-2.060276537636634e-05);
            p = V.MultiplyAdd(p, a2, C<T, V>(8.511313685577672e-05));
            p = V.MultiplyAdd(p, a2, C<T, V>(-0.0002346347410887237));
            p = V.MultiplyAdd(p, a2, C<T, V>(0.0005889360520074057));
            p = V.MultiplyAdd(p, a2, C<T, V>(-0.001455661830100716));
            p = V.MultiplyAdd(p, a2, C<T, V>(0.003592110378689024));
            p = V.MultiplyAdd(p, a2, C<T, V>(-0.008863234397814355));
            p = V.MultiplyAdd(p, a2, C<T, V>(0.021869488493666944));
            p = V.MultiplyAdd(p, a2, C<T, V>(-0.053968253967434016));
            p = V.MultiplyAdd(p, a2, C<T, V>(0.13333333333332714));
            p = V.MultiplyAdd(p, a2, C<T, V>(-0.3333333333333333));
        }
        var small = V.MultiplyAdd(a2 * p, a, a);

        // Large |z|: e = e^x, x = −2·min(a, clamp); k's low significand bits hold n + bias after the rounding add.
        var x = V.MinNative(a, C<T, V>(single ? 10.0 : 20.0)) * C<T, V>(-2.0);
        var shifter = C<T, V>(single ? 12582912.0 + 127.0 : 6755399441055744.0 + 1023.0); // 1.5·2^23 / 1.5·2^52 plus the exponent bias
        var k = V.MultiplyAdd(x, C<T, V>(1.4426950408889634), shifter);
        var n = k - shifter;
        var r = V.MultiplyAdd(n, C<T, V>(single ? -0.693145751953125 : -0.6931471803691238), x);   // n·ln2_hi is exact
        r = V.MultiplyAdd(n, C<T, V>(single ? -1.428606765330187e-06 : -1.9082149292705877e-10), r);
        V q;
        if (single)
        {
            q = C<T, V>(0.0013927684631198645);
            q = V.MultiplyAdd(q, r, C<T, V>(0.008364380337297916));
            q = V.MultiplyAdd(q, r, C<T, V>(0.04166654497385025));
            q = V.MultiplyAdd(q, r, C<T, V>(0.1666657030582428));
            q = V.MultiplyAdd(q, r, C<T, V>(0.5));
        }
        else
        {
            q = C<T, V>(2.0916212837493853e-09);
            q = V.MultiplyAdd(q, r, C<T, V>(2.5107353767261877e-08));
            q = V.MultiplyAdd(q, r, C<T, V>(2.7557269903215795e-07));
            q = V.MultiplyAdd(q, r, C<T, V>(2.755725016302918e-06));
            q = V.MultiplyAdd(q, r, C<T, V>(2.4801587328555858e-05));
            q = V.MultiplyAdd(q, r, C<T, V>(0.00019841269879033045));
            q = V.MultiplyAdd(q, r, C<T, V>(0.001388888888888287));
            q = V.MultiplyAdd(q, r, C<T, V>(0.008333333333324906));
            q = V.MultiplyAdd(q, r, C<T, V>(0.04166666666666667));
            q = V.MultiplyAdd(q, r, C<T, V>(0.1666666666666667));
            q = V.MultiplyAdd(q, r, C<T, V>(0.5));
        }
        var s = V.MultiplyAdd(r * r, q, r);          // e^r − 1
        var scale = V.ShiftIntoExponent(k);          // 2^n
        var e = V.MultiplyAdd(scale, s, scale);      // scale·s is exact: fused or not, one rounding
        var one = V.Broadcast(T.One);
        var large = one - (e + e) / (one + e);

        var t = V.Select(V.GreaterThanOrEqual(a, C<T, V>(0.55)), large, small);
        return V.Or(t, V.And(z, signBit));
    }

    /// <summary>destination[i] = tanh x[i], the same bits as <see cref="Tanh{T, V}(V)"/> for every element.</summary>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (destination.Length < x.Length) throw new ArgumentException($"TanhKernel: destination has {destination.Length} elements, needs {x.Length}.");
        CheckType<T>();
        switch (Simd.Bits)
        {
            case 512: Span<T, Lane512<T>>(x, destination); break;
            case 256: Span<T, Lane256<T>>(x, destination); break;
            default: Span<T, Lane128<T>>(x, destination); break;
        }
    }

    /// <summary>tanh x for one element (the vector kernel on a broadcast, so the bits are the vector's).</summary>
    public static T Tanh<T>(T x) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckType<T>();
        return Simd.Bits switch
        {
            512 => Tanh<T, Lane512<T>>(Lane512<T>.Broadcast(x)).ToScalar(),
            256 => Tanh<T, Lane256<T>>(Lane256<T>.Broadcast(x)).ToScalar(),
            _ => Tanh<T, Lane128<T>>(Lane128<T>.Broadcast(x)).ToScalar(),
        };
    }

    // Never inlined, and the kernel inlined here once: with the tail's second copy of the kernel, or inlined into a
    // caller with more kernels (TanhActivation.Evaluate), the JIT ran out of inlining budget and called the lane
    // operations (Select, And, Or, Store, even the constants' conversions) through memory, 2–3× slower per vector.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Span<T, V>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdMathLane<V, T>
    {
        ref T source = ref MemoryMarshal.GetReference(x);
        ref T target = ref MemoryMarshal.GetReference(destination);
        int n = x.Length, i = 0;
        for (; i + V.Count <= n; i += V.Count) Tanh<T, V>(V.Load(ref source, (nuint)i)).Store(ref target, (nuint)i);
        // The tail element by element (not an overlapping last vector, which would read outputs when x and destination are one span).
        for (; i < n; i++) destination[i] = Element<T, V>(x[i]);
    }

    // One element by the vector kernel on a broadcast (the same bits as its lane of a vector), out of line for Span's sake.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static T Element<T, V>(T x) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdMathLane<V, T>
        => Tanh<T, V>(V.Broadcast(x)).ToScalar();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V C<T, V>(double value) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdMathLane<V, T> => V.Broadcast(T.CreateTruncating(value));

    private static void CheckType<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) throw new NotSupportedException($"TanhKernel supports float and double, not {typeof(T).Name}.");
    }
}
