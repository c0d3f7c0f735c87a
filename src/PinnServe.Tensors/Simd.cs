using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PinnServe.Tensors;

/// <summary>Small generic helpers over <see cref="Vector512{T}"/> for float and double kernels.</summary>
internal static class Simd
{
    /// <summary>a * b + c, fused where the hardware has FMA. The typeof checks fold away per T.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        return a * b + c;
    }
}
