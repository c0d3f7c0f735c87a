using System.Numerics;

namespace PinnServe.Contracts.Derivatives;

/// <summary>The scalar functions residual expressions may apply to any sub-expression.</summary>
public enum ElementaryFunction { Sin, Cos, Exp, Log, Tanh, Sqrt }

/// <summary>
/// Values and derivatives f⁽ᵐ⁾(z), m ≤ 3, of the elementary functions: what the chain rule (Faà di Bruno) needs
/// to differentiate f(a) to third order, and what the reverse pass needs (f′).
/// </summary>
public static class ElementaryFunctions
{
    public static readonly IReadOnlyDictionary<string, ElementaryFunction> ByName = new Dictionary<string, ElementaryFunction>
    {
        ["sin"] = ElementaryFunction.Sin, ["cos"] = ElementaryFunction.Cos, ["exp"] = ElementaryFunction.Exp,
        ["log"] = ElementaryFunction.Log, ["tanh"] = ElementaryFunction.Tanh, ["sqrt"] = ElementaryFunction.Sqrt,
    };

    public static string Name(this ElementaryFunction f) => f.ToString().ToLowerInvariant();

    /// <summary>f⁽ᵒʳᵈᵉʳ⁾(z) for order 0..3.</summary>
    public static T Derivative<T>(this ElementaryFunction f, T z, int order) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (order is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(order), order, "Orders 0..3 are supported.");
        T one = T.One, two = T.CreateTruncating(2);
        switch (f)
        {
            case ElementaryFunction.Sin:
                return (order % 4) switch { 0 => T.Sin(z), 1 => T.Cos(z), 2 => -T.Sin(z), _ => -T.Cos(z) };
            case ElementaryFunction.Cos:
                return (order % 4) switch { 0 => T.Cos(z), 1 => -T.Sin(z), 2 => -T.Cos(z), _ => T.Sin(z) };
            case ElementaryFunction.Exp:
                return T.Exp(z);
            case ElementaryFunction.Log:
                // log, 1/z, −1/z², 2/z³
                return order switch { 0 => T.Log(z), 1 => one / z, 2 => -one / (z * z), _ => two / (z * z * z) };
            case ElementaryFunction.Tanh:
            {
                T t = T.Tanh(z), s = one - t * t;
                return order switch { 0 => t, 1 => s, 2 => -two * t * s, _ => s * (T.CreateTruncating(6) * t * t - two) };
            }
            case ElementaryFunction.Sqrt:
            {
                // √z, ½ z^(−½), −¼ z^(−3/2), ⅜ z^(−5/2)
                T r = T.Sqrt(z);
                return order switch
                {
                    0 => r,
                    1 => T.CreateTruncating(0.5) / r,
                    2 => T.CreateTruncating(-0.25) / (r * z),
                    _ => T.CreateTruncating(0.375) / (r * z * z),
                };
            }
            default: throw new ArgumentOutOfRangeException(nameof(f), f, null);
        }
    }
}
