using System.Numerics;

namespace PinnServe.Tensors;

public static partial class Gemm
{
    /// <summary>Rows of dY per block of <see cref="LayerBackward{T}"/>: a block of dY and of X (100–128 wide: 100–128 KB each) stays in L2 between the two products.</summary>
    internal const int LayerBackwardRows = 256;

    /// <summary>
    /// A dense layer's two backward products, dW += Xᵀ·dY and dX (+)= dY·Wᵀ, taken block by block of rows, so each block of dY is
    /// read from memory once for both (in a training step every layer's dY and X come from buffers long out of cache).
    /// </summary>
    /// <remarks>
    /// Bit for bit the two whole products: an element of dX depends on its own row only, and the weight-gradient kernels
    /// reload dW for every block and continue each element's chain c ← c + x_ip·dy_ij over i in order where the last block
    /// left it. <paramref name="dx"/> empty: the input needs no gradient, only dW is computed.
    /// </remarks>
    public static void LayerBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> w, Span<T> dw, Span<T> dx, int m, int k, int n, bool accumulateDx)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckShapes(x.Length, m * k, dy.Length, m * n, dw.Length, k * n);
        bool input = !dx.IsEmpty;
        if (input) CheckShapes(w.Length, k * n, dy.Length, m * n, dx.Length, m * k);
        for (int i0 = 0; i0 < m; i0 += LayerBackwardRows)
        {
            int rows = Math.Min(LayerBackwardRows, m - i0);
            var dyBlock = dy.Slice(i0 * n, rows * n);
            MultiplyTransposedA(x.Slice(i0 * k, rows * k), dyBlock, dw, rows, k, n, accumulate: true);
            if (input) MultiplyTransposedB(dyBlock, w, dx.Slice(i0 * k, rows * k), rows, n, k, accumulateDx);
        }
    }
}
