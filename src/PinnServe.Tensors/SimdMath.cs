using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PinnServe.Tensors;

/// <summary>
/// The bitwise, comparison and exponent operations that element-wise functions of our own (<see cref="TanhKernel"/>)
/// need beyond <see cref="ISimdLane{TSelf, T}"/>'s arithmetic. Every operation acts on each lane alone, so a function
/// built from them gives the same bits at every width.
/// </summary>
public interface ISimdMathLane<TSelf, T> : ISimdLane<TSelf, T> where TSelf : struct, ISimdMathLane<TSelf, T> where T : unmanaged
{
    static abstract TSelf And(TSelf a, TSelf b);
    /// <summary>a &amp; ~b.</summary>
    static abstract TSelf AndNot(TSelf a, TSelf b);
    static abstract TSelf Or(TSelf a, TSelf b);
    /// <summary>The smaller of a and b; where either is NaN, whichever the hardware gives (callers handle NaN themselves).</summary>
    static abstract TSelf MinNative(TSelf a, TSelf b);
    /// <summary>All bits set in the lanes where a ≥ b (false for NaN), else zero.</summary>
    static abstract TSelf GreaterThanOrEqual(TSelf a, TSelf b);
    /// <summary>a in the lanes where <paramref name="mask"/> is set, else b.</summary>
    static abstract TSelf Select(TSelf mask, TSelf a, TSelf b);
    /// <summary>
    /// The integer in the low bits of each lane's significand shifted into the exponent field (by 23 bits for float,
    /// 52 for double): for k = m + 1.5·2^23 + 127 (float) with an integer m in [−126, 127], the bits of 2^m.
    /// </summary>
    static abstract TSelf ShiftIntoExponent(TSelf k);
    T ToScalar();
}

public readonly partial struct Lane512<T> : ISimdMathLane<Lane512<T>, T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> And(Lane512<T> a, Lane512<T> b) => new(a._v & b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> AndNot(Lane512<T> a, Lane512<T> b) => new(Vector512.AndNot(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> Or(Lane512<T> a, Lane512<T> b) => new(a._v | b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> MinNative(Lane512<T> a, Lane512<T> b) => new(Vector512.MinNative(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> GreaterThanOrEqual(Lane512<T> a, Lane512<T> b) => new(Vector512.GreaterThanOrEqual(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> Select(Lane512<T> mask, Lane512<T> a, Lane512<T> b) => new(Vector512.ConditionalSelect(mask._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane512<T> ShiftIntoExponent(Lane512<T> k) =>
        typeof(T) == typeof(float) ? new(Vector512.ShiftLeft(k._v.AsInt32(), 23).As<int, T>()) : new(Vector512.ShiftLeft(k._v.AsInt64(), 52).As<long, T>());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public T ToScalar() => _v.ToScalar();
}

public readonly partial struct Lane256<T> : ISimdMathLane<Lane256<T>, T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> And(Lane256<T> a, Lane256<T> b) => new(a._v & b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> AndNot(Lane256<T> a, Lane256<T> b) => new(Vector256.AndNot(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> Or(Lane256<T> a, Lane256<T> b) => new(a._v | b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> MinNative(Lane256<T> a, Lane256<T> b) => new(Vector256.MinNative(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> GreaterThanOrEqual(Lane256<T> a, Lane256<T> b) => new(Vector256.GreaterThanOrEqual(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> Select(Lane256<T> mask, Lane256<T> a, Lane256<T> b) => new(Vector256.ConditionalSelect(mask._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane256<T> ShiftIntoExponent(Lane256<T> k) =>
        typeof(T) == typeof(float) ? new(Vector256.ShiftLeft(k._v.AsInt32(), 23).As<int, T>()) : new(Vector256.ShiftLeft(k._v.AsInt64(), 52).As<long, T>());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public T ToScalar() => _v.ToScalar();
}

public readonly partial struct Lane128<T> : ISimdMathLane<Lane128<T>, T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> And(Lane128<T> a, Lane128<T> b) => new(a._v & b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> AndNot(Lane128<T> a, Lane128<T> b) => new(Vector128.AndNot(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> Or(Lane128<T> a, Lane128<T> b) => new(a._v | b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> MinNative(Lane128<T> a, Lane128<T> b) => new(Vector128.MinNative(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> GreaterThanOrEqual(Lane128<T> a, Lane128<T> b) => new(Vector128.GreaterThanOrEqual(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> Select(Lane128<T> mask, Lane128<T> a, Lane128<T> b) => new(Vector128.ConditionalSelect(mask._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane128<T> ShiftIntoExponent(Lane128<T> k) =>
        typeof(T) == typeof(float) ? new(Vector128.ShiftLeft(k._v.AsInt32(), 23).As<int, T>()) : new(Vector128.ShiftLeft(k._v.AsInt64(), 52).As<long, T>());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public T ToScalar() => _v.ToScalar();
}
