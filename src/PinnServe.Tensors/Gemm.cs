using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PinnServe.Tensors;

/// <summary>
/// Dense row-major matrix products for the small, tall shapes of PINN training (thousands of rows, widths of
/// tens to hundreds). Register-blocked micro-kernels (4 or 2 rows × 4 vectors) at the machine's vector width (<see cref="Simd.Bits"/>).
/// </summary>
/// <remarks>
/// Column tails are covered by one extra vector that overlaps its neighbour (it starts at n − VL): the
/// overlapped columns are computed twice by the same operation sequence and stored with identical values,
/// so no masked loads are needed. The overlapping pair always lives in the same tile, so the accumulate
/// variants read every C value before any of the tile's stores.
/// </remarks>
public static partial class Gemm
{
    /// <summary>C[m×n] = A[m×k]·B[k×n], or C += A·B when <paramref name="accumulate"/>.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (Simd.Bits)
        {
            case 512: Multiply<T, Lane512<T>>(a, b, c, m, k, n, accumulate); break;
            case 256: Multiply<T, Lane256<T>>(a, b, c, m, k, n, accumulate); break;
            default: Multiply<T, Lane128<T>>(a, b, c, m, k, n, accumulate); break;
        }
    }

    /// <summary>C[k×n] = Aᵀ·B for A[m×k], B[m×n] (the weight gradient Xᵀ·dY), or C += Aᵀ·B.</summary>
    public static void MultiplyTransposedA<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (Simd.Bits)
        {
            case 512: MultiplyTransposedA<T, Lane512<T>>(a, b, c, m, k, n, accumulate); break;
            case 256: MultiplyTransposedA<T, Lane256<T>>(a, b, c, m, k, n, accumulate); break;
            default: MultiplyTransposedA<T, Lane128<T>>(a, b, c, m, k, n, accumulate); break;
        }
    }

    // Register tiles: rows × vectors of accumulators, as many as the register file holds with room for the B
    // vectors and one broadcast — 4×4, 8×3, 8×2, 8×1 with 32 vector registers (AVX-512, ARM64), 2×4, 4×3, 4×2,
    // 8×1 with 16 (AVX2, SSE). Narrow layers (20 wide: two 512-bit vectors) thus still run 16 accumulators.
    private static readonly bool Wide = System.Runtime.Intrinsics.X86.Avx512F.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported;

    /// <summary><see cref="Multiply{T}"/> at one vector width (tests run every width on one machine).</summary>
    internal static void Multiply<T, V>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
        => Multiply<T, V>(a, b, c, m, k, n, accumulate ? Start.Accumulate : Start.Zero, default);

    /// <summary>C[m×n] = A[m×k]·B[k×n] + 1·biasᵀ: a dense layer's value rows with the bias added inside the product.</summary>
    public static void MultiplyAddBias<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> c, int m, int k, int n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (bias.Length < n) throw new ArgumentException($"GEMM: bias has {bias.Length} elements, needs {n}.");
        switch (Simd.Bits)
        {
            case 512: Multiply<T, Lane512<T>>(a, b, c, m, k, n, Start.Bias, bias); break;
            case 256: Multiply<T, Lane256<T>>(a, b, c, m, k, n, Start.Bias, bias); break;
            default: Multiply<T, Lane128<T>>(a, b, c, m, k, n, Start.Bias, bias); break;
        }
    }

    internal static void Multiply<T, V>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, Start start, ReadOnlySpan<T> bias)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        CheckShapes(a.Length, m * k, b.Length, k * n, c.Length, m * n);
        if (m == 0 || n == 0) return;
        int vl = V.Count;
        if (k == 0 || n < vl)
        {
            MultiplyNarrow(a, b, c, m, k, n, start == Start.Accumulate);
            if (start == Start.Bias)
                for (int i = 0; i < m; i++) TensorPrimitives.Add(c.Slice(i * n, n), bias[..n], c.Slice(i * n, n));
            return;
        }
        ref T A = ref MemoryMarshal.GetReference(a);
        ref T B = ref MemoryMarshal.GetReference(b);
        ref T C = ref MemoryMarshal.GetReference(c);
        ref T Bias = ref start == Start.Bias ? ref MemoryMarshal.GetReference(bias) : ref C;
        int nv = (n + vl - 1) / vl;
        for (int v0 = 0; v0 < nv;)
        {
            int count = ChunkSize(nv - v0);
            nuint o0 = Offset(v0, 0, count, vl, n), o1 = Offset(v0, 1, count, vl, n);
            nuint o2 = Offset(v0, 2, count, vl, n), o3 = Offset(v0, 3, count, vl, n);
            var t = new Tiling<T>(ref A, ref B, ref C, ref Bias, m, k, n, o0, o1, o2, o3, start);
            switch (count)
            {
                case 4: if (Wide) t.Rows<V, Four, Four>(); else t.Rows<V, Two, Four>(); break;
                case 3: if (Wide) t.Rows<V, Eight, Three>(); else t.Rows<V, Four, Three>(); break;
                case 2: if (Wide) t.Rows<V, Eight, Two>(); else t.Rows<V, Four, Two>(); break;
                default: t.Rows<V, Eight, One>(); break;
            }
            v0 += count;
        }
    }

    internal static void MultiplyTransposedA<T, V>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        CheckShapes(a.Length, m * k, b.Length, m * n, c.Length, k * n);
        if (k == 0 || n == 0) return;
        if (!accumulate) c[..(k * n)].Clear();
        if (m == 0) return;
        ref T A = ref MemoryMarshal.GetReference(a);
        ref T B = ref MemoryMarshal.GetReference(b);
        ref T C = ref MemoryMarshal.GetReference(c);
        int vl = V.Count;
        if (n < vl)
        {
            // Narrow outputs (the last layer): C[:, j] += Σ_i B[i, j] · A[i, :], vectorized over k.
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    AxpyStrided(b[i * n + j], a.Slice(i * k, k), c, j, n);
            return;
        }
        int nv = (n + vl - 1) / vl;
        // Rows are processed in blocks that stay in L2 while every (row-of-C × vector) tile sweeps over them;
        // C itself is small and is re-read per block (the kernels always accumulate into it).
        for (int i0 = 0; i0 < m; i0 += TransposedRowBlock)
        {
            int rows = Math.Min(TransposedRowBlock, m - i0);
            ref T Ablock = ref Unsafe.Add(ref A, i0 * k);
            ref T Bblock = ref Unsafe.Add(ref B, i0 * n);
            for (int v0 = 0; v0 < nv;)
            {
                int count = ChunkSize(nv - v0);
                nuint o0 = Offset(v0, 0, count, vl, n), o1 = Offset(v0, 1, count, vl, n);
                nuint o2 = Offset(v0, 2, count, vl, n), o3 = Offset(v0, 3, count, vl, n);
                var t = new Tiling<T>(ref Ablock, ref Bblock, ref C, ref C, rows, k, n, o0, o1, o2, o3, Start.Accumulate);
                switch (count)
                {
                    case 4: if (Wide) t.RowsT<V, Four, Four>(); else t.RowsT<V, Two, Four>(); break;
                    case 3: if (Wide) t.RowsT<V, Eight, Three>(); else t.RowsT<V, Four, Three>(); break;
                    case 2: if (Wide) t.RowsT<V, Eight, Two>(); else t.RowsT<V, Four, Two>(); break;
                    default: t.RowsT<V, Eight, One>(); break;
                }
                v0 += count;
            }
        }
    }

    /// <summary>Rows of A and B per block in <see cref="MultiplyTransposedA{T}"/> (2 × 256 rows × 50 floats ≈ 100 KB).</summary>
    private const int TransposedRowBlock = 256;

    /// <summary>sums[j] += Σ_i a[i, j] for a[rows×n] (a dense layer's bias gradient: column sums of dY).</summary>
    public static void AddColumnSums<T>(ReadOnlySpan<T> a, int rows, int n, Span<T> sums) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (a.Length < rows * n || sums.Length < n) throw new ArgumentException("AddColumnSums: buffers too small.");
        switch (Simd.Bits)
        {
            case 512: AddColumnSums<T, Lane512<T>>(a, rows, n, sums); break;
            case 256: AddColumnSums<T, Lane256<T>>(a, rows, n, sums); break;
            default: AddColumnSums<T, Lane128<T>>(a, rows, n, sums); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AddColumnSums<T, V>(ReadOnlySpan<T> a, int rows, int n, Span<T> sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        ref T A = ref MemoryMarshal.GetReference(a);
        ref T S = ref MemoryMarshal.GetReference(sums);
        int j = 0;
        for (; j + V.Count <= n; j += V.Count)
        {
            var acc = V.Zero;
            for (int i = 0; i < rows; i++) acc += V.Load(ref A, (nuint)(i * n + j));
            (V.Load(ref S, (nuint)j) + acc).Store(ref S, (nuint)j);
        }
        for (; j < n; j++)
        {
            T acc = T.Zero;
            for (int i = 0; i < rows; i++) acc += a[i * n + j];
            sums[j] += acc;
        }
    }

    /// <summary>dst[cols×rows] = srcᵀ for src[rows×cols].</summary>
    public static void Transpose<T>(ReadOnlySpan<T> src, int rows, int cols, Span<T> dst) where T : unmanaged
    {
        if (src.Length < rows * cols || dst.Length < rows * cols) throw new ArgumentException("Transpose: buffers too small.");
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                dst[j * rows + i] = src[i * cols + j];
    }

    /// <summary>Floating-point operations of one m×k·k×n product (a multiply-add counts 2).</summary>
    public static long Flops(long m, long k, long n) => 2 * m * k * n;

    // Vectors per tile: 4, except that a remainder of 5 is split 3 + 2 so the overlapping tail vector never
    // sits alone in a tile after the one holding its neighbour.
    private static int ChunkSize(int remaining) => remaining == 5 ? 3 : Math.Min(4, remaining);

    private static nuint Offset(int v0, int j, int count, int vl, int n) =>
        (nuint)Math.Min((v0 + Math.Min(j, count - 1)) * vl, n - vl);

    private static void CheckShapes(int aLen, int aNeed, int bLen, int bNeed, int cLen, int cNeed)
    {
        if (aLen < aNeed) throw new ArgumentException($"GEMM: A has {aLen} elements, needs {aNeed}.");
        if (bLen < bNeed) throw new ArgumentException($"GEMM: B has {bLen} elements, needs {bNeed}.");
        if (cLen < cNeed) throw new ArgumentException($"GEMM: C has {cLen} elements, needs {cNeed}.");
    }


    // n < VL (output layers with 1–2 fields, tiny inputs): dot products for n = 1, scalar otherwise.
    private static void MultiplyNarrow<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (k == 0) { if (!accumulate) c[..(m * n)].Clear(); return; }
        if (n == 1)
        {
            var bCol = b[..k];
            for (int i = 0; i < m; i++)
            {
                T dot = TensorPrimitives.Dot(a.Slice(i * k, k), bCol);
                c[i] = accumulate ? c[i] + dot : dot;
            }
            return;
        }
        for (int i = 0; i < m; i++)
        {
            var aRow = a.Slice(i * k, k);
            var cRow = c.Slice(i * n, n);
            if (!accumulate) cRow.Clear();
            for (int p = 0; p < k; p++)
            {
                T x = aRow[p];
                var bRow = b.Slice(p * n, n);
                for (int j = 0; j < n; j++) cRow[j] += x * bRow[j];
            }
        }
    }

    // c[p * stride + offset] += alpha * x[p] for p in [0, x.Length): a strided AXPY, contiguous when stride = 1.
    private static void AxpyStrided<T>(T alpha, ReadOnlySpan<T> x, Span<T> c, int offset, int stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (stride == 1)
        {
            TensorPrimitives.MultiplyAdd(x, alpha, c[..x.Length], c[..x.Length]);
            return;
        }
        for (int p = 0; p < x.Length; p++) c[p * stride + offset] += alpha * x[p];
    }
}
