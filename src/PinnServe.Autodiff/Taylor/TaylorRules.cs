using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Taylor;

/// <summary>
/// One term of the multivariate Faà di Bruno formula for y = σ(z):
/// <c>y_α += Coefficient · σ⁽ᴼʳᵈᵉʳ⁾(z) · Π z_f</c> over the factor components f.
/// </summary>
public readonly record struct CompositionTerm(int Coefficient, int Order, int[] Factors);

/// <summary>One term of the Leibniz rule for w = a ⊙ b: <c>w_α += Coefficient · a_Left · b_Right</c>.</summary>
public readonly record struct ProductTerm(int Coefficient, int Left, int Right);

/// <summary>
/// Precomputed chain-rule tables for a <see cref="DerivativeSet"/>: built once per layer shape, then applied
/// elementwise every step.
/// </summary>
public sealed class TaylorRules
{
    public DerivativeSet Set { get; }
    /// <summary>Composition terms per component: the set partitions of the component's axis positions.</summary>
    public CompositionTerm[][] Composition { get; }
    /// <summary>Product terms per component: the subsets of the component's axis positions.</summary>
    public ProductTerm[][] Product { get; }

    private static readonly Dictionary<DerivativeSet, TaylorRules> Cache = new();

    public static TaylorRules For(DerivativeSet set)
    {
        lock (Cache)
        {
            // Equal sets list their components in the same canonical order, so cached tables apply as they are.
            if (!Cache.TryGetValue(set, out var rules))
            {
                rules = new TaylorRules(set);
                Cache[set] = rules;
            }
            return rules;
        }
    }

    private TaylorRules(DerivativeSet set)
    {
        Set = set;
        Composition = set.Components.Select(BuildComposition).ToArray();
        Product = set.Components.Select(BuildProduct).ToArray();
    }

    private CompositionTerm[] BuildComposition(int[] alpha)
    {
        if (alpha.Length == 0) return [new CompositionTerm(1, 0, [])];
        var merged = new Dictionary<string, CompositionTerm>();
        foreach (var partition in SetPartitions(alpha.Length))
        {
            var factors = partition
                .Select(block => Set.IndexOf(block.Select(p => alpha[p]).ToArray()))
                .Order().ToArray();
            string key = partition.Count + ":" + string.Join(",", factors);
            merged[key] = merged.TryGetValue(key, out var t)
                ? t with { Coefficient = t.Coefficient + 1 }
                : new CompositionTerm(1, partition.Count, factors);
        }
        return merged.Values.OrderBy(t => t.Order).ToArray();
    }

    private ProductTerm[] BuildProduct(int[] alpha)
    {
        var merged = new Dictionary<(int, int), int>();
        for (int mask = 0; mask < 1 << alpha.Length; mask++)
        {
            var left = Enumerable.Range(0, alpha.Length).Where(p => (mask >> p & 1) != 0).Select(p => alpha[p]).ToArray();
            var right = Enumerable.Range(0, alpha.Length).Where(p => (mask >> p & 1) == 0).Select(p => alpha[p]).ToArray();
            var key = (Set.IndexOf(left), Set.IndexOf(right));
            merged[key] = merged.GetValueOrDefault(key) + 1;
        }
        return merged.Select(kv => new ProductTerm(kv.Value, kv.Key.Item1, kv.Key.Item2)).ToArray();
    }

    /// <summary>All partitions of {0, …, n−1} into non-empty blocks.</summary>
    private static List<List<int[]>> SetPartitions(int n)
    {
        var result = new List<List<int[]>>();
        void Rec(int next, List<List<int>> blocks)
        {
            if (next == n) { result.Add(blocks.Select(b => b.ToArray()).ToList()); return; }
            int existing = blocks.Count; // deeper levels append blocks; visit only the ones present now
            for (int b = 0; b < existing; b++) { blocks[b].Add(next); Rec(next + 1, blocks); blocks[b].RemoveAt(blocks[b].Count - 1); }
            blocks.Add([next]); Rec(next + 1, blocks); blocks.RemoveAt(blocks.Count - 1);
        }
        Rec(0, new List<List<int>>());
        return result;
    }
}
