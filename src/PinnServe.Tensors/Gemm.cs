using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PinnServe.Tensors;

/// <summary>
/// Dense row-major matrix products for the small, tall shapes of PINN training (thousands of rows, widths of
/// tens to hundreds). Register-blocked 4-row × 4-vector micro-kernels over <see cref="Vector512{T}"/>.
/// </summary>
/// <remarks>
/// Column tails are covered by one extra vector that overlaps its neighbour (it starts at n − VL): the
/// overlapped columns are computed twice by the same operation sequence and stored with identical values,
/// so no masked loads are needed. The overlapping pair always lives in the same tile, so the accumulate
/// variants read every C value before any of the tile's stores.
/// </remarks>
public static class Gemm
{
    /// <summary>C[m×n] = A[m×k]·B[k×n], or C += A·B when <paramref name="accumulate"/>.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckShapes(a.Length, m * k, b.Length, k * n, c.Length, m * n);
        if (m == 0 || n == 0) return;
        if (k == 0) { if (!accumulate) c[..(m * n)].Clear(); return; }
        ref T A = ref MemoryMarshal.GetReference(a);
        ref T B = ref MemoryMarshal.GetReference(b);
        ref T C = ref MemoryMarshal.GetReference(c);
        int vl = Vector512<T>.Count;
        if (n < vl)
        {
            MultiplyNarrow(a, b, c, m, k, n, accumulate);
            return;
        }
        int nv = (n + vl - 1) / vl;
        for (int v0 = 0; v0 < nv;)
        {
            int count = ChunkSize(nv - v0);
            nuint o0 = Offset(v0, 0, count, vl, n), o1 = Offset(v0, 1, count, vl, n);
            nuint o2 = Offset(v0, 2, count, vl, n), o3 = Offset(v0, 3, count, vl, n);
            int i = 0;
            for (; i + 4 <= m; i += 4)
                Kernel4x4(ref A, ref B, ref C, i, k, n, o0, o1, o2, o3, accumulate);
            for (; i < m; i++)
                Kernel1x4(ref A, ref B, ref C, i, k, n, o0, o1, o2, o3, accumulate);
            v0 += count;
        }
    }

    /// <summary>C[k×n] = Aᵀ·B for A[m×k], B[m×n] (the weight gradient Xᵀ·dY), or C += Aᵀ·B.</summary>
    public static void MultiplyTransposedA<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckShapes(a.Length, m * k, b.Length, m * n, c.Length, k * n);
        if (k == 0 || n == 0) return;
        if (!accumulate) c[..(k * n)].Clear();
        if (m == 0) return;
        ref T A = ref MemoryMarshal.GetReference(a);
        ref T B = ref MemoryMarshal.GetReference(b);
        ref T C = ref MemoryMarshal.GetReference(c);
        int vl = Vector512<T>.Count;
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
                int r = 0;
                for (; r + 4 <= k; r += 4)
                    KernelT4x4(ref Ablock, ref Bblock, ref C, r, rows, k, n, o0, o1, o2, o3);
                for (; r < k; r++)
                    KernelT1x4(ref Ablock, ref Bblock, ref C, r, rows, k, n, o0, o1, o2, o3);
                v0 += count;
            }
        }
    }

    /// <summary>Rows of A and B per block in <see cref="MultiplyTransposedA{T}"/> (2 × 256 rows × 50 floats ≈ 100 KB).</summary>
    private const int TransposedRowBlock = 256;

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Load<T>(ref T baseRef, nuint index) where T : unmanaged => Vector512.LoadUnsafe(ref baseRef, index);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4x4<T>(ref T A, ref T B, ref T C, int i, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        nuint r0 = (nuint)(i * n), r1 = r0 + (nuint)n, r2 = r1 + (nuint)n, r3 = r2 + (nuint)n;
        Vector512<T> c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        if (accumulate)
        {
            c00 = Load(ref C, r0 + o0); c01 = Load(ref C, r0 + o1); c02 = Load(ref C, r0 + o2); c03 = Load(ref C, r0 + o3);
            c10 = Load(ref C, r1 + o0); c11 = Load(ref C, r1 + o1); c12 = Load(ref C, r1 + o2); c13 = Load(ref C, r1 + o3);
            c20 = Load(ref C, r2 + o0); c21 = Load(ref C, r2 + o1); c22 = Load(ref C, r2 + o2); c23 = Load(ref C, r2 + o3);
            c30 = Load(ref C, r3 + o0); c31 = Load(ref C, r3 + o1); c32 = Load(ref C, r3 + o2); c33 = Load(ref C, r3 + o3);
        }
        else
        {
            c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = Vector512<T>.Zero;
            c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 = Vector512<T>.Zero;
        }
        ref T a0 = ref Unsafe.Add(ref A, i * k);
        ref T a1 = ref Unsafe.Add(ref a0, k);
        ref T a2 = ref Unsafe.Add(ref a1, k);
        ref T a3 = ref Unsafe.Add(ref a2, k);
        nuint row = 0;
        for (int p = 0; p < k; p++, row += (nuint)n)
        {
            var b0 = Load(ref B, row + o0); var b1 = Load(ref B, row + o1);
            var b2 = Load(ref B, row + o2); var b3 = Load(ref B, row + o3);
            var x = Vector512.Create(Unsafe.Add(ref a0, p));
            c00 = Simd.Fma(x, b0, c00); c01 = Simd.Fma(x, b1, c01); c02 = Simd.Fma(x, b2, c02); c03 = Simd.Fma(x, b3, c03);
            x = Vector512.Create(Unsafe.Add(ref a1, p));
            c10 = Simd.Fma(x, b0, c10); c11 = Simd.Fma(x, b1, c11); c12 = Simd.Fma(x, b2, c12); c13 = Simd.Fma(x, b3, c13);
            x = Vector512.Create(Unsafe.Add(ref a2, p));
            c20 = Simd.Fma(x, b0, c20); c21 = Simd.Fma(x, b1, c21); c22 = Simd.Fma(x, b2, c22); c23 = Simd.Fma(x, b3, c23);
            x = Vector512.Create(Unsafe.Add(ref a3, p));
            c30 = Simd.Fma(x, b0, c30); c31 = Simd.Fma(x, b1, c31); c32 = Simd.Fma(x, b2, c32); c33 = Simd.Fma(x, b3, c33);
        }
        c00.StoreUnsafe(ref C, r0 + o0); c01.StoreUnsafe(ref C, r0 + o1); c02.StoreUnsafe(ref C, r0 + o2); c03.StoreUnsafe(ref C, r0 + o3);
        c10.StoreUnsafe(ref C, r1 + o0); c11.StoreUnsafe(ref C, r1 + o1); c12.StoreUnsafe(ref C, r1 + o2); c13.StoreUnsafe(ref C, r1 + o3);
        c20.StoreUnsafe(ref C, r2 + o0); c21.StoreUnsafe(ref C, r2 + o1); c22.StoreUnsafe(ref C, r2 + o2); c23.StoreUnsafe(ref C, r2 + o3);
        c30.StoreUnsafe(ref C, r3 + o0); c31.StoreUnsafe(ref C, r3 + o1); c32.StoreUnsafe(ref C, r3 + o2); c33.StoreUnsafe(ref C, r3 + o3);
    }

    private static void Kernel1x4<T>(ref T A, ref T B, ref T C, int i, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        nuint r0 = (nuint)(i * n);
        Vector512<T> c0, c1, c2, c3;
        if (accumulate) { c0 = Load(ref C, r0 + o0); c1 = Load(ref C, r0 + o1); c2 = Load(ref C, r0 + o2); c3 = Load(ref C, r0 + o3); }
        else c0 = c1 = c2 = c3 = Vector512<T>.Zero;
        ref T a0 = ref Unsafe.Add(ref A, i * k);
        nuint row = 0;
        for (int p = 0; p < k; p++, row += (nuint)n)
        {
            var x = Vector512.Create(Unsafe.Add(ref a0, p));
            c0 = Simd.Fma(x, Load(ref B, row + o0), c0); c1 = Simd.Fma(x, Load(ref B, row + o1), c1);
            c2 = Simd.Fma(x, Load(ref B, row + o2), c2); c3 = Simd.Fma(x, Load(ref B, row + o3), c3);
        }
        c0.StoreUnsafe(ref C, r0 + o0); c1.StoreUnsafe(ref C, r0 + o1); c2.StoreUnsafe(ref C, r0 + o2); c3.StoreUnsafe(ref C, r0 + o3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelT4x4<T>(ref T A, ref T B, ref T C, int r, int m, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        nuint r0 = (nuint)(r * n), r1 = r0 + (nuint)n, r2 = r1 + (nuint)n, r3 = r2 + (nuint)n;
        var c00 = Load(ref C, r0 + o0); var c01 = Load(ref C, r0 + o1); var c02 = Load(ref C, r0 + o2); var c03 = Load(ref C, r0 + o3);
        var c10 = Load(ref C, r1 + o0); var c11 = Load(ref C, r1 + o1); var c12 = Load(ref C, r1 + o2); var c13 = Load(ref C, r1 + o3);
        var c20 = Load(ref C, r2 + o0); var c21 = Load(ref C, r2 + o1); var c22 = Load(ref C, r2 + o2); var c23 = Load(ref C, r2 + o3);
        var c30 = Load(ref C, r3 + o0); var c31 = Load(ref C, r3 + o1); var c32 = Load(ref C, r3 + o2); var c33 = Load(ref C, r3 + o3);
        ref T aCol = ref Unsafe.Add(ref A, r);
        nuint bRow = 0;
        for (int i = 0; i < m; i++, bRow += (nuint)n)
        {
            var b0 = Load(ref B, bRow + o0); var b1 = Load(ref B, bRow + o1);
            var b2 = Load(ref B, bRow + o2); var b3 = Load(ref B, bRow + o3);
            ref T ai = ref Unsafe.Add(ref aCol, i * k);
            var x = Vector512.Create(ai);
            c00 = Simd.Fma(x, b0, c00); c01 = Simd.Fma(x, b1, c01); c02 = Simd.Fma(x, b2, c02); c03 = Simd.Fma(x, b3, c03);
            x = Vector512.Create(Unsafe.Add(ref ai, 1));
            c10 = Simd.Fma(x, b0, c10); c11 = Simd.Fma(x, b1, c11); c12 = Simd.Fma(x, b2, c12); c13 = Simd.Fma(x, b3, c13);
            x = Vector512.Create(Unsafe.Add(ref ai, 2));
            c20 = Simd.Fma(x, b0, c20); c21 = Simd.Fma(x, b1, c21); c22 = Simd.Fma(x, b2, c22); c23 = Simd.Fma(x, b3, c23);
            x = Vector512.Create(Unsafe.Add(ref ai, 3));
            c30 = Simd.Fma(x, b0, c30); c31 = Simd.Fma(x, b1, c31); c32 = Simd.Fma(x, b2, c32); c33 = Simd.Fma(x, b3, c33);
        }
        c00.StoreUnsafe(ref C, r0 + o0); c01.StoreUnsafe(ref C, r0 + o1); c02.StoreUnsafe(ref C, r0 + o2); c03.StoreUnsafe(ref C, r0 + o3);
        c10.StoreUnsafe(ref C, r1 + o0); c11.StoreUnsafe(ref C, r1 + o1); c12.StoreUnsafe(ref C, r1 + o2); c13.StoreUnsafe(ref C, r1 + o3);
        c20.StoreUnsafe(ref C, r2 + o0); c21.StoreUnsafe(ref C, r2 + o1); c22.StoreUnsafe(ref C, r2 + o2); c23.StoreUnsafe(ref C, r2 + o3);
        c30.StoreUnsafe(ref C, r3 + o0); c31.StoreUnsafe(ref C, r3 + o1); c32.StoreUnsafe(ref C, r3 + o2); c33.StoreUnsafe(ref C, r3 + o3);
    }

    private static void KernelT1x4<T>(ref T A, ref T B, ref T C, int r, int m, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        nuint r0 = (nuint)(r * n);
        var c0 = Load(ref C, r0 + o0); var c1 = Load(ref C, r0 + o1); var c2 = Load(ref C, r0 + o2); var c3 = Load(ref C, r0 + o3);
        nuint bRow = 0;
        for (int i = 0; i < m; i++, bRow += (nuint)n)
        {
            var x = Vector512.Create(Unsafe.Add(ref A, i * k + r));
            c0 = Simd.Fma(x, Load(ref B, bRow + o0), c0); c1 = Simd.Fma(x, Load(ref B, bRow + o1), c1);
            c2 = Simd.Fma(x, Load(ref B, bRow + o2), c2); c3 = Simd.Fma(x, Load(ref B, bRow + o3), c3);
        }
        c0.StoreUnsafe(ref C, r0 + o0); c1.StoreUnsafe(ref C, r0 + o1); c2.StoreUnsafe(ref C, r0 + o2); c3.StoreUnsafe(ref C, r0 + o3);
    }

    // n < VL (output layers with 1–2 fields, tiny inputs): dot products for n = 1, scalar otherwise.
    private static void MultiplyNarrow<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
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
