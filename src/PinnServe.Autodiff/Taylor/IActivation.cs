namespace PinnServe.Autodiff.Taylor;

/// <summary>
/// An elementwise activation σ and its Taylor rule: the derivatives σ⁽ᵐ⁾(z) that the Faà di Bruno terms
/// need. Adding an activation is one small class implementing this.
/// </summary>
public interface IActivation
{
    /// <summary>Name used in configs and exported files ("tanh", "sin").</summary>
    string Name { get; }

    /// <summary>Writes σ⁽ᵐ⁾(z) into <c>derivatives[m][..z.Length]</c> for m = 0..<paramref name="maxOrder"/> (≤ 4).</summary>
    void Evaluate<T>(ReadOnlySpan<T> z, T[][] derivatives, int maxOrder) where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>
    /// The same derivatives into one buffer, σ⁽ᵐ⁾ at <c>sigma[m·stride ..][..z.Length]</c> (the CPU's per-chunk
    /// scratch); <paramref name="y"/> = σ(z) when it is already known (the backward pass), else empty.
    /// </summary>
    void Evaluate<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y, Span<T> sigma, int stride, int maxOrder) where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>Whether the derivatives are computed faster from y = σ(z) than from z alone (tanh: polynomials of y).</summary>
    bool DerivativesFromValue => false;
}

public static class Activations
{
    public static IActivation Parse(string name) => name.ToLowerInvariant() switch
    {
        "tanh" => TanhActivation.Instance,
        "sin" or "sine" => SineActivation.Instance,
        _ => throw new ArgumentException($"Unknown activation '{name}' (expected tanh or sin)."),
    };
}
