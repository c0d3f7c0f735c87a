using System.Numerics.Tensors;

namespace PinnServe.Autodiff.Taylor;

/// <summary>sin and its derivatives, which cycle: sin, cos, −sin, −cos, sin.</summary>
public sealed class SineActivation : IActivation
{
    public static readonly SineActivation Instance = new();
    public string Name => "sin";

    public void Evaluate<T>(ReadOnlySpan<T> z, T[][] derivatives, int maxOrder) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = z.Length;
        var sin = derivatives[0].AsSpan(0, n);
        if (maxOrder == 0) { SineOnly(z, sin); return; }
        var cos = derivatives[1].AsSpan(0, n);
        TensorPrimitives.SinCos(z, sin, cos);
        if (maxOrder >= 2) TensorPrimitives.Negate(sin, derivatives[2].AsSpan(0, n));
        if (maxOrder >= 3) TensorPrimitives.Negate(cos, derivatives[3].AsSpan(0, n));
        if (maxOrder >= 4) sin.CopyTo(derivatives[4].AsSpan(0, n));
    }

    public void Evaluate<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y, Span<T> sigma, int stride, int maxOrder) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = z.Length;
        var sin = sigma[..n];
        if (maxOrder == 0) { SineOnly(z, sin); return; }
        var cos = sigma.Slice(stride, n);
        TensorPrimitives.SinCos(z, sin, cos);   // y is not used: SinCos gives both, exactly as the block-wise path does
        if (maxOrder >= 2) TensorPrimitives.Negate(sin, sigma.Slice(2 * stride, n));
        if (maxOrder >= 3) TensorPrimitives.Negate(cos, sigma.Slice(3 * stride, n));
        if (maxOrder >= 4) sin.CopyTo(sigma.Slice(4 * stride, n));
    }

    // sin alone with SinCos's bits (per-element libm sine), so a value-only jet agrees with the derivative path bit for
    // bit. TensorPrimitives.Sin would not do: its double kernel's result depends on the span's address and length.
    private static void SineOnly<T>(ReadOnlySpan<T> z, Span<T> sin) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < z.Length; i++) sin[i] = T.Sin(z[i]);
    }
}
