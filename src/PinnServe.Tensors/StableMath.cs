using System.Numerics;
using System.Numerics.Tensors;

namespace PinnServe.Tensors;

/// <summary>
/// Element-wise functions whose every output bit depends only on the input element: never on where the span sits in
/// memory, its length, or how a step splits points across threads.
/// </summary>
/// <remarks>
/// TensorPrimitives.Sin and Cos for double are not: their vector kernel takes a different path for a whole vector
/// when one of its lanes needs it, and which elements share a vector depends on the destination's alignment (the
/// kernel peels up to an aligned address) and on the span's length (the overlapping last vector). Training on a
/// GC-allocated scratch chunk then gave different θ bits from run to run. On .NET 10 (System.Numerics.Tensors 10.0)
/// float Sin/Cos and Tanh/Exp/Log/Sqrt/SinCos of either type are element-exact; StableMathTests checks every function
/// here and each TensorPrimitives one the engine calls directly, per type, at shifted addresses and cut lengths.
/// </remarks>
public static class StableMath
{
    /// <summary>destination[i] = sin(x[i]); for double the scalar libm sine (the bits TensorPrimitives.SinCos gives).</summary>
    public static void Sin<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) { TensorPrimitives.Sin(x, destination); return; }
        Check(x.Length, destination.Length);
        for (int i = 0; i < x.Length; i++) destination[i] = T.Sin(x[i]);
    }

    /// <summary>destination[i] = cos(x[i]); for double the scalar libm cosine.</summary>
    public static void Cos<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) { TensorPrimitives.Cos(x, destination); return; }
        Check(x.Length, destination.Length);
        for (int i = 0; i < x.Length; i++) destination[i] = T.Cos(x[i]);
    }

    private static void Check(int source, int destination)
    {
        if (destination < source) throw new ArgumentException($"StableMath: destination has {destination} elements, needs {source}.");
    }
}
