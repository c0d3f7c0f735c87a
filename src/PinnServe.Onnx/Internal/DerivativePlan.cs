namespace PinnServe.Onnx.Internal;

/// <summary>
/// The derivative components that must be propagated through the network for a set of requested
/// derivatives: component 0 is the value, then the first-order components ∂/∂x_i, then the second-order
/// ones ∂²/∂x_a∂x_b (a ≤ b). Every input of a needed second derivative also gets its first derivative,
/// because the chain rule for ∂²φ(z) needs z_a and z_b.
/// </summary>
internal sealed class DerivativePlan
{
    /// <summary>Input indices with a propagated first derivative, ascending.</summary>
    public IReadOnlyList<int> FirstOrder { get; }
    /// <summary>Input index pairs (a ≤ b) with a propagated second derivative, ascending.</summary>
    public IReadOnlyList<(int A, int B)> SecondOrder { get; }

    public int ComponentCount => 1 + FirstOrder.Count + SecondOrder.Count;

    /// <summary>For each second-order pair, the positions of a and b within <see cref="FirstOrder"/> (for Gather).</summary>
    public long[] PairPositionsA => SecondOrder.Select(p => (long)IndexOf(FirstOrder, p.A)).ToArray();
    public long[] PairPositionsB => SecondOrder.Select(p => (long)IndexOf(FirstOrder, p.B)).ToArray();

    private DerivativePlan(IReadOnlyList<int> first, IReadOnlyList<(int, int)> second)
    {
        FirstOrder = first;
        SecondOrder = second;
    }

    /// <param name="derivatives">Each requested derivative as a list of input indices (empty = value), order ≤ 2.</param>
    public static DerivativePlan For(IEnumerable<IReadOnlyList<int>> derivatives)
    {
        var first = new SortedSet<int>();
        var second = new SortedSet<(int, int)>();
        foreach (var d in derivatives)
        {
            switch (d.Count)
            {
                case 0: break;
                case 1: first.Add(d[0]); break;
                case 2:
                    first.Add(d[0]);
                    first.Add(d[1]);
                    second.Add((Math.Min(d[0], d[1]), Math.Max(d[0], d[1])));
                    break;
                default: throw new ArgumentException($"Derivative order {d.Count} is above the supported 2.");
            }
        }
        return new DerivativePlan(first.ToArray(), second.ToArray());
    }

    /// <summary>The component index of a derivative (list of input indices) in the propagated jet.</summary>
    public int ComponentOf(IReadOnlyList<int> derivative) => derivative.Count switch
    {
        0 => 0,
        1 => 1 + IndexOf(FirstOrder, derivative[0]),
        2 => 1 + FirstOrder.Count + IndexOf(SecondOrder, (Math.Min(derivative[0], derivative[1]), Math.Max(derivative[0], derivative[1]))),
        _ => throw new ArgumentException($"Derivative order {derivative.Count} is above the supported 2."),
    };

    private static int IndexOf<T>(IReadOnlyList<T> list, T item)
    {
        for (int i = 0; i < list.Count; i++)
            if (EqualityComparer<T>.Default.Equals(list[i], item)) return i;
        throw new InvalidOperationException($"Component {item} was not planned.");
    }
}
