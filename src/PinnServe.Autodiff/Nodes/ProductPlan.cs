using PinnServe.Tensors;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// A precompiled list of chain-rule terms <c>dst += c · Π factors</c> over slices of a node's buffers,
/// built once from the Taylor tables and executed every step by <see cref="ProductAccumulate"/>.
/// </summary>
public sealed partial class ProductPlan<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
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
        _grouped = null;
    }

    public int Count => _terms.Count;
    /// <summary>The terms in execution order (device backends translate them into their own kernels).</summary>
    public IReadOnlyList<Term> Terms => _terms;
    /// <summary>Multiplies and adds per element, summed over terms.</summary>
    public long FlopsPerElement => _terms.Sum(t => (long)t.Factors.Length + 1);

    /// <summary>
    /// Runs every term on elements [offset, offset + count) of each block only, so a node can apply its whole plan to
    /// one cache-sized chunk at a time (one pass over memory instead of one per term). A buffer with stride s has
    /// block b at b·s; a buffer with stride 0 is scratch whose block b starts at its base + b·count.
    /// </summary>
    public void Execute(T[][] buffers, ReadOnlySpan<int> strides, ReadOnlySpan<int> bases, int offset, int count)
    {
        foreach (var term in _terms)
        {
            var f = term.Factors;
            var dst = Chunk(buffers, strides, bases, term.Destination, offset, count);
            switch (f.Length)
            {
                case 1: ProductAccumulate.Apply(dst, term.Coefficient, Chunk(buffers, strides, bases, f[0], offset, count)); break;
                case 2: ProductAccumulate.Apply(dst, term.Coefficient, Chunk(buffers, strides, bases, f[0], offset, count), Chunk(buffers, strides, bases, f[1], offset, count)); break;
                case 3: ProductAccumulate.Apply(dst, term.Coefficient, Chunk(buffers, strides, bases, f[0], offset, count), Chunk(buffers, strides, bases, f[1], offset, count),
                    Chunk(buffers, strides, bases, f[2], offset, count)); break;
                case 4: ProductAccumulate.Apply(dst, term.Coefficient, Chunk(buffers, strides, bases, f[0], offset, count), Chunk(buffers, strides, bases, f[1], offset, count),
                    Chunk(buffers, strides, bases, f[2], offset, count), Chunk(buffers, strides, bases, f[3], offset, count)); break;
                default: ProductAccumulate.Apply(dst, term.Coefficient, Chunk(buffers, strides, bases, f[0], offset, count), Chunk(buffers, strides, bases, f[1], offset, count),
                    Chunk(buffers, strides, bases, f[2], offset, count), Chunk(buffers, strides, bases, f[3], offset, count), Chunk(buffers, strides, bases, f[4], offset, count)); break;
            }
        }
    }

    private static Span<T> Chunk(T[][] buffers, ReadOnlySpan<int> strides, ReadOnlySpan<int> bases, Slice slice, int offset, int count)
    {
        int stride = strides[slice.Buffer];
        return buffers[slice.Buffer].AsSpan(stride == 0 ? bases[slice.Buffer] + slice.Block * count : slice.Block * stride + offset, count);
    }

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
