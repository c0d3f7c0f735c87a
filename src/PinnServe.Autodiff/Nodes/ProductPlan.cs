using PinnServe.Tensors;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// A precompiled list of chain-rule terms <c>dst += c · Π factors</c> over slices of a node's buffers,
/// built once from the Taylor tables and executed every step by <see cref="ProductAccumulate"/>.
/// </summary>
public sealed class ProductPlan<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>A slice: buffer id and block index (the slice is [block·length, (block+1)·length)).</summary>
    public readonly record struct Slice(int Buffer, int Block);

    /// <summary>One chain-rule term: <c>dst += Coefficient · Π Factors</c>.</summary>
    public readonly record struct Term(Slice Destination, T Coefficient, Slice[] Factors);

    private readonly List<Term> _terms = new();

    public void Add(Slice destination, int coefficient, params Slice[] factors)
    {
        if (factors.Length is < 1 or > 5) throw new ArgumentException("A term has 1 to 5 factors.");
        _terms.Add(new Term(destination, T.CreateTruncating(coefficient), factors));
    }

    public int Count => _terms.Count;
    /// <summary>The terms in execution order (device backends translate them into their own kernels).</summary>
    public IReadOnlyList<Term> Terms => _terms;
    /// <summary>Multiplies and adds per element, summed over terms.</summary>
    public long FlopsPerElement => _terms.Sum(t => (long)t.Factors.Length + 1);

    public void Execute(T[][] buffers, int length)
    {
        foreach (var term in _terms)
        {
            var f = term.Factors;
            ReadOnlySpan<T> S(int i) => buffers[f[i].Buffer].AsSpan(f[i].Block * length, length);
            var dst = buffers[term.Destination.Buffer].AsSpan(term.Destination.Block * length, length);
            switch (f.Length)
            {
                case 1: ProductAccumulate.Apply(dst, term.Coefficient, S(0)); break;
                case 2: ProductAccumulate.Apply(dst, term.Coefficient, S(0), S(1)); break;
                case 3: ProductAccumulate.Apply(dst, term.Coefficient, S(0), S(1), S(2)); break;
                case 4: ProductAccumulate.Apply(dst, term.Coefficient, S(0), S(1), S(2), S(3)); break;
                default: ProductAccumulate.Apply(dst, term.Coefficient, S(0), S(1), S(2), S(3), S(4)); break;
            }
        }
    }
}
