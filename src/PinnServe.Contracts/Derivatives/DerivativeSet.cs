namespace PinnServe.Contracts.Derivatives;

/// <summary>
/// The derivative components a jet carries: multi-indices over the input axes (e.g. for inputs (t, x):
/// "" = value, "t", "x", "tt", "tx", "xx", …) up to order 3, closed under taking sub-multi-indices so
/// that the chain rule can always be applied. Index 0 is the value.
/// </summary>
public sealed class DerivativeSet : IEquatable<DerivativeSet>
{
    public const int MaxSupportedOrder = 3;

    private readonly Dictionary<string, int> _index = new();

    /// <summary>Number of input axes.</summary>
    public int Axes { get; }
    /// <summary>Components as sorted axis lists, ordered by derivative order, then lexicographically.</summary>
    public IReadOnlyList<int[]> Components { get; }
    public int Count => Components.Count;
    public int MaxOrder { get; }

    private DerivativeSet(int axes, List<int[]> components)
    {
        Axes = axes;
        components.Sort(CompareMultiIndex);
        Components = components;
        for (int i = 0; i < components.Count; i++) _index[Key(components[i])] = i;
        MaxOrder = components.Max(c => c.Length);
    }

    /// <summary>The smallest closed set that holds every requested multi-index (and the value).</summary>
    public static DerivativeSet Closure(int axes, IEnumerable<int[]> requested)
    {
        var set = new Dictionary<string, int[]> { [""] = [] };
        foreach (var r in requested)
        {
            if (r.Length > MaxSupportedOrder)
                throw new ArgumentException($"Derivative order {r.Length} exceeds the supported maximum of {MaxSupportedOrder}.");
            if (r.Any(a => a < 0 || a >= axes))
                throw new ArgumentException($"Derivative axis out of range for {axes} inputs.");
            var sorted = r.Order().ToArray();
            // Every sub-multiset: iterate over subsets of positions.
            for (int mask = 0; mask < 1 << sorted.Length; mask++)
            {
                var sub = Enumerable.Range(0, sorted.Length).Where(i => (mask >> i & 1) != 0).Select(i => sorted[i]).ToArray();
                set.TryAdd(Key(sub), sub);
            }
        }
        return new DerivativeSet(axes, set.Values.ToList());
    }

    /// <summary>All multi-indices up to <paramref name="order"/>.</summary>
    public static DerivativeSet Full(int axes, int order)
    {
        var all = new List<int[]>();
        void Rec(List<int> cur, int start)
        {
            if (cur.Count > 0) all.Add(cur.ToArray());
            if (cur.Count == order) return;
            for (int a = start; a < axes; a++) { cur.Add(a); Rec(cur, a); cur.RemoveAt(cur.Count - 1); }
        }
        Rec(new List<int>(), 0);
        return Closure(axes, all);
    }

    /// <summary>Index of a multi-index (any order of its axes), or −1 when absent.</summary>
    public int IndexOf(ReadOnlySpan<int> multiIndex)
    {
        var sorted = multiIndex.ToArray();
        Array.Sort(sorted);
        return _index.TryGetValue(Key(sorted), out int i) ? i : -1;
    }

    public bool Contains(DerivativeSet other) => other.Components.All(c => IndexOf(c) >= 0);

    /// <summary>Name of a component given axis names, e.g. "tt" → "u_tt" style suffix "tt".</summary>
    public string Name(int component, IReadOnlyList<string> axisNames) =>
        string.Concat(Components[component].Select(a => axisNames[a]));

    private static string Key(int[] multiIndex) => string.Join(",", multiIndex);

    private static int CompareMultiIndex(int[] a, int[] b)
    {
        if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i]) return a[i].CompareTo(b[i]);
        return 0;
    }

    public bool Equals(DerivativeSet? other) =>
        other is not null && other.Axes == Axes && other.Count == Count && Contains(other);

    public override bool Equals(object? obj) => Equals(obj as DerivativeSet);
    public override int GetHashCode() => HashCode.Combine(Axes, Count);
}
