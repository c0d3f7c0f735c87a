using PinnServe.Tensors;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// A precompiled list of chain-rule terms <c>dst += c · Π factors</c> over slices of a node's buffers,
/// built once from the Taylor tables and executed every step by <see cref="ProductAccumulate"/>.
/// </summary>
/// <remarks>
/// Execution runs chunk by chunk (all terms on elements [i, i + chunk) before moving on), so the slices a
/// plan touches stay in cache instead of streaming every term through memory; each element still sees its
/// terms in the order they were added, so results are bit-identical to term-by-term execution. Buffers
/// marked <see cref="Overwrite"/> need no clearing: the first term that writes a slice assigns instead of
/// adding, and slices no term writes are zeroed.
/// </remarks>
internal sealed class ProductPlan<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>A slice: buffer id and block index (the slice is [block·length, (block+1)·length)).</summary>
    public readonly record struct Slice(int Buffer, int Block);

    private readonly record struct Term(Slice Destination, T Coefficient, Slice[] Factors, bool Assign);

    /// <summary>Elements per chunk: 1,024 floats are 4 KiB, so a five-factor term's six slices fit in L1.</summary>
    private const int ChunkLength = 1024;

    private readonly List<Term> _terms = new();
    private readonly HashSet<int> _overwritten = new();
    private readonly HashSet<Slice> _written = new();
    private Slice[] _unwritten = [];
    private bool _sealed;

    /// <summary>
    /// Declares that <paramref name="buffer"/>'s slices <c>0..blocks−1</c> are outputs of this plan alone: the plan sets
    /// them rather than adding to them. Call before adding terms.
    /// </summary>
    public void Overwrite(int buffer, int blocks)
    {
        if (_terms.Count > 0) throw new InvalidOperationException("Declare overwritten buffers before adding terms.");
        _overwritten.Add(buffer);
        _unwritten = [.. _unwritten, .. Enumerable.Range(0, blocks).Select(b => new Slice(buffer, b))];
    }

    public void Add(Slice destination, int coefficient, params Slice[] factors)
    {
        if (factors.Length is < 1 or > 5) throw new ArgumentException("A term has 1 to 5 factors.");
        if (_sealed) throw new InvalidOperationException("The plan has already run.");
        bool assign = _overwritten.Contains(destination.Buffer) && _written.Add(destination);
        _terms.Add(new Term(destination, T.CreateTruncating(coefficient), factors, assign));
    }

    public int Count => _terms.Count;
    /// <summary>Multiplies and adds per element, summed over terms.</summary>
    public long FlopsPerElement => _terms.Sum(t => (long)t.Factors.Length + 1);

    private static Span<T> Chunk(T[][] buffers, Slice slice, int length, int start, int n) =>
        buffers[slice.Buffer].AsSpan(slice.Block * length + start, n);

    public void Execute(T[][] buffers, int length)
    {
        if (!_sealed)
        {
            _unwritten = _unwritten.Where(s => !_written.Contains(s)).ToArray();
            _sealed = true;
        }
        foreach (var slice in _unwritten) buffers[slice.Buffer].AsSpan(slice.Block * length, length).Clear();
        for (int start = 0; start < length; start += ChunkLength)
        {
            int n = Math.Min(ChunkLength, length - start);
            for (int t = 0; t < _terms.Count; t++)
            {
                var term = _terms[t];
                var f = term.Factors;
                var dst = Chunk(buffers, term.Destination, length, start, n);
                if (term.Assign) dst.Clear();
                switch (f.Length)
                {
                    case 1: ProductAccumulate.Apply(dst, term.Coefficient, Chunk(buffers, f[0], length, start, n)); break;
                    case 2: ProductAccumulate.Apply(dst, term.Coefficient, Chunk(buffers, f[0], length, start, n), Chunk(buffers, f[1], length, start, n)); break;
                    case 3:
                        ProductAccumulate.Apply(dst, term.Coefficient, Chunk(buffers, f[0], length, start, n), Chunk(buffers, f[1], length, start, n),
                            Chunk(buffers, f[2], length, start, n));
                        break;
                    case 4:
                        ProductAccumulate.Apply(dst, term.Coefficient, Chunk(buffers, f[0], length, start, n), Chunk(buffers, f[1], length, start, n),
                            Chunk(buffers, f[2], length, start, n), Chunk(buffers, f[3], length, start, n));
                        break;
                    default:
                        ProductAccumulate.Apply(dst, term.Coefficient, Chunk(buffers, f[0], length, start, n), Chunk(buffers, f[1], length, start, n),
                            Chunk(buffers, f[2], length, start, n), Chunk(buffers, f[3], length, start, n), Chunk(buffers, f[4], length, start, n));
                        break;
                }
            }
        }
    }
}
