using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PinnServe.Tensors;

/// <summary>
/// A SIMD vector of some fixed width, so one kernel body serves 512-, 256- and 128-bit hardware. The three
/// implementations are thin structs over <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/> and
/// <see cref="Vector128{T}"/>; the JIT specializes a kernel per struct, so the wrapper costs nothing.
/// </summary>
public interface ISimdLane<TSelf, T> where TSelf : struct, ISimdLane<TSelf, T> where T : unmanaged
{
    static abstract int Count { get; }
    static abstract TSelf Zero { get; }
    static abstract TSelf Broadcast(T value);
    /// <summary>The element at <paramref name="source"/> in every lane, loaded as a broadcast where the ISA has one.</summary>
    static abstract unsafe TSelf BroadcastFrom(T* source);
    static abstract TSelf Load(ref T source, nuint index);
    void Store(ref T destination, nuint index);
    /// <summary>a·b + c, fused where the hardware has FMA (one rounding), else a multiply and an add.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);
    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator /(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a);
    static abstract TSelf Sqrt(TSelf a);
}

/// <summary>The vector width the kernels use on this machine, chosen once at start-up.</summary>
public static class Simd
{
    /// <summary>
    /// 512 where AVX-512 is usable, 256 with AVX2, else 128 (SSE on x86, NEON on ARM64). The environment
    /// variable <c>PINNSERVE_SIMD_BITS</c> (512, 256 or 128) lowers it, for tests and benchmarks of the
    /// narrower paths on a wide machine; it cannot raise it above what the hardware accelerates.
    /// </summary>
    public static readonly int Bits = Select();

    /// <summary>Whether fused multiply-add is done in hardware at the chosen width.</summary>
    public static bool HasFusedMultiplyAdd => System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;

    private static int Select()
    {
        int hardware = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        return Environment.GetEnvironmentVariable("PINNSERVE_SIMD_BITS") switch
        {
            "128" => 128,
            "256" => Math.Min(256, hardware),
            _ => hardware,
        };
    }

    internal static readonly bool Fused = HasFusedMultiplyAdd;
}

public readonly partial struct Lane512<T> : ISimdLane<Lane512<T>, T> where T : unmanaged
{
    private readonly Vector512<T> _v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private Lane512(Vector512<T> v) => _v = v;
    public static int Count => Vector512<T>.Count;
    public static Lane512<T> Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> Broadcast(T value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe Lane512<T> BroadcastFrom(T* source) => Broadcast(*source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> Load(ref T source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref T destination, nuint index) => _v.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane512<T> MultiplyAdd(Lane512<T> a, Lane512<T> b, Lane512<T> c)
    {
        if (typeof(T) == typeof(float))
            return new(Vector512.FusedMultiplyAdd(a._v.AsSingle(), b._v.AsSingle(), c._v.AsSingle()).As<float, T>());
        if (typeof(T) == typeof(double))
            return new(Vector512.FusedMultiplyAdd(a._v.AsDouble(), b._v.AsDouble(), c._v.AsDouble()).As<double, T>());
        return new(a._v * b._v + c._v);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> operator +(Lane512<T> a, Lane512<T> b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> operator -(Lane512<T> a, Lane512<T> b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> operator *(Lane512<T> a, Lane512<T> b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> operator /(Lane512<T> a, Lane512<T> b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> operator -(Lane512<T> a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane512<T> Sqrt(Lane512<T> a) => new(Vector512.Sqrt(a._v));
}

public readonly partial struct Lane256<T> : ISimdLane<Lane256<T>, T> where T : unmanaged
{
    private readonly Vector256<T> _v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private Lane256(Vector256<T> v) => _v = v;
    public static int Count => Vector256<T>.Count;
    public static Lane256<T> Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> Broadcast(T value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe Lane256<T> BroadcastFrom(T* source) => Broadcast(*source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> Load(ref T source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref T destination, nuint index) => _v.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane256<T> MultiplyAdd(Lane256<T> a, Lane256<T> b, Lane256<T> c)
    {
        // Without hardware FMA, FusedMultiplyAdd is emulated element by element (exact but ~50× slower).
        if (Simd.Fused && typeof(T) == typeof(float))
            return new(Vector256.FusedMultiplyAdd(a._v.AsSingle(), b._v.AsSingle(), c._v.AsSingle()).As<float, T>());
        if (Simd.Fused && typeof(T) == typeof(double))
            return new(Vector256.FusedMultiplyAdd(a._v.AsDouble(), b._v.AsDouble(), c._v.AsDouble()).As<double, T>());
        return new(a._v * b._v + c._v);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> operator +(Lane256<T> a, Lane256<T> b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> operator -(Lane256<T> a, Lane256<T> b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> operator *(Lane256<T> a, Lane256<T> b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> operator /(Lane256<T> a, Lane256<T> b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> operator -(Lane256<T> a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane256<T> Sqrt(Lane256<T> a) => new(Vector256.Sqrt(a._v));
}

public readonly partial struct Lane128<T> : ISimdLane<Lane128<T>, T> where T : unmanaged
{
    private readonly Vector128<T> _v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private Lane128(Vector128<T> v) => _v = v;
    public static int Count => Vector128<T>.Count;
    public static Lane128<T> Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> Broadcast(T value) => new(Vector128.Create(value));
    // vbroadcastss xmm, m32 (AVX) is a load alone; Vector128.Create(float) without AVX2 was a load and a shuffle.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Lane128<T> BroadcastFrom(T* source) =>
        typeof(T) == typeof(float) && System.Runtime.Intrinsics.X86.Avx.IsSupported
            ? new(System.Runtime.Intrinsics.X86.Avx.BroadcastScalarToVector128((float*)source).As<float, T>())
            : Broadcast(*source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> Load(ref T source, nuint index) => new(Vector128.LoadUnsafe(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref T destination, nuint index) => _v.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane128<T> MultiplyAdd(Lane128<T> a, Lane128<T> b, Lane128<T> c)
    {
        if (Simd.Fused && typeof(T) == typeof(float))
            return new(Vector128.FusedMultiplyAdd(a._v.AsSingle(), b._v.AsSingle(), c._v.AsSingle()).As<float, T>());
        if (Simd.Fused && typeof(T) == typeof(double))
            return new(Vector128.FusedMultiplyAdd(a._v.AsDouble(), b._v.AsDouble(), c._v.AsDouble()).As<double, T>());
        return new(a._v * b._v + c._v);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> operator +(Lane128<T> a, Lane128<T> b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> operator -(Lane128<T> a, Lane128<T> b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> operator *(Lane128<T> a, Lane128<T> b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> operator /(Lane128<T> a, Lane128<T> b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> operator -(Lane128<T> a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane128<T> Sqrt(Lane128<T> a) => new(Vector128.Sqrt(a._v));
}
