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
public static class Gemm
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

    // Rows per register tile: 4 × 4 vectors (16 accumulators) fit the 32 registers of AVX-512; with 16
    // registers (AVX2, SSE, and NEON's 32 registers of only 128 bits where 2 × 4 already saturates the FMA
    // pipes) a 2 × 4 tile avoids spills.
    private static bool FourRows<V, T>() where V : struct, ISimdLane<V, T> where T : unmanaged => V.Count * Unsafe.SizeOf<T>() == 64;

    /// <summary><see cref="Multiply{T}"/> at one vector width (tests run every width on one machine).</summary>
    internal static void Multiply<T, V>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        CheckShapes(a.Length, m * k, b.Length, k * n, c.Length, m * n);
        if (m == 0 || n == 0) return;
        if (k == 0) { if (!accumulate) c[..(m * n)].Clear(); return; }
        ref T A = ref MemoryMarshal.GetReference(a);
        ref T B = ref MemoryMarshal.GetReference(b);
        ref T C = ref MemoryMarshal.GetReference(c);
        int vl = V.Count;
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
            if (FourRows<V, T>())
                for (; i + 4 <= m; i += 4)
                    Kernel4x4<T, V>(ref A, ref B, ref C, i, k, n, o0, o1, o2, o3, accumulate);
            else
                for (; i + 2 <= m; i += 2)
                    Kernel2x4<T, V>(ref A, ref B, ref C, i, k, n, o0, o1, o2, o3, accumulate);
            for (; i < m; i++)
                Kernel1x4<T, V>(ref A, ref B, ref C, i, k, n, o0, o1, o2, o3, accumulate);
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
                int r = 0;
                if (FourRows<V, T>())
                    for (; r + 4 <= k; r += 4)
                        KernelT4x4<T, V>(ref Ablock, ref Bblock, ref C, r, rows, k, n, o0, o1, o2, o3);
                else
                    for (; r + 2 <= k; r += 2)
                        KernelT2x4<T, V>(ref Ablock, ref Bblock, ref C, r, rows, k, n, o0, o1, o2, o3);
                for (; r < k; r++)
                    KernelT1x4<T, V>(ref Ablock, ref Bblock, ref C, r, rows, k, n, o0, o1, o2, o3);
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


    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4x4<T, V>(ref T A, ref T B, ref T C, int i, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        nuint r0 = (nuint)(i * n), r1 = r0 + (nuint)n, r2 = r1 + (nuint)n, r3 = r2 + (nuint)n;
        V c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        if (accumulate)
        {
            c00 = V.Load(ref C, r0 + o0); c01 = V.Load(ref C, r0 + o1); c02 = V.Load(ref C, r0 + o2); c03 = V.Load(ref C, r0 + o3);
            c10 = V.Load(ref C, r1 + o0); c11 = V.Load(ref C, r1 + o1); c12 = V.Load(ref C, r1 + o2); c13 = V.Load(ref C, r1 + o3);
            c20 = V.Load(ref C, r2 + o0); c21 = V.Load(ref C, r2 + o1); c22 = V.Load(ref C, r2 + o2); c23 = V.Load(ref C, r2 + o3);
            c30 = V.Load(ref C, r3 + o0); c31 = V.Load(ref C, r3 + o1); c32 = V.Load(ref C, r3 + o2); c33 = V.Load(ref C, r3 + o3);
        }
        else
        {
            c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = V.Zero;
            c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 = V.Zero;
        }
        ref T a0 = ref Unsafe.Add(ref A, i * k);
        ref T a1 = ref Unsafe.Add(ref a0, k);
        ref T a2 = ref Unsafe.Add(ref a1, k);
        ref T a3 = ref Unsafe.Add(ref a2, k);
        nuint row = 0;
        for (int p = 0; p < k; p++, row += (nuint)n)
        {
            var b0 = V.Load(ref B, row + o0); var b1 = V.Load(ref B, row + o1);
            var b2 = V.Load(ref B, row + o2); var b3 = V.Load(ref B, row + o3);
            var x = V.Broadcast(Unsafe.Add(ref a0, p));
            c00 = V.MultiplyAdd(x, b0, c00); c01 = V.MultiplyAdd(x, b1, c01); c02 = V.MultiplyAdd(x, b2, c02); c03 = V.MultiplyAdd(x, b3, c03);
            x = V.Broadcast(Unsafe.Add(ref a1, p));
            c10 = V.MultiplyAdd(x, b0, c10); c11 = V.MultiplyAdd(x, b1, c11); c12 = V.MultiplyAdd(x, b2, c12); c13 = V.MultiplyAdd(x, b3, c13);
            x = V.Broadcast(Unsafe.Add(ref a2, p));
            c20 = V.MultiplyAdd(x, b0, c20); c21 = V.MultiplyAdd(x, b1, c21); c22 = V.MultiplyAdd(x, b2, c22); c23 = V.MultiplyAdd(x, b3, c23);
            x = V.Broadcast(Unsafe.Add(ref a3, p));
            c30 = V.MultiplyAdd(x, b0, c30); c31 = V.MultiplyAdd(x, b1, c31); c32 = V.MultiplyAdd(x, b2, c32); c33 = V.MultiplyAdd(x, b3, c33);
        }
        c00.Store(ref C, r0 + o0); c01.Store(ref C, r0 + o1); c02.Store(ref C, r0 + o2); c03.Store(ref C, r0 + o3);
        c10.Store(ref C, r1 + o0); c11.Store(ref C, r1 + o1); c12.Store(ref C, r1 + o2); c13.Store(ref C, r1 + o3);
        c20.Store(ref C, r2 + o0); c21.Store(ref C, r2 + o1); c22.Store(ref C, r2 + o2); c23.Store(ref C, r2 + o3);
        c30.Store(ref C, r3 + o0); c31.Store(ref C, r3 + o1); c32.Store(ref C, r3 + o2); c33.Store(ref C, r3 + o3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel2x4<T, V>(ref T A, ref T B, ref T C, int i, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        nuint r0 = (nuint)(i * n), r1 = r0 + (nuint)n;
        V c00, c01, c02, c03, c10, c11, c12, c13;
        if (accumulate)
        {
            c00 = V.Load(ref C, r0 + o0); c01 = V.Load(ref C, r0 + o1); c02 = V.Load(ref C, r0 + o2); c03 = V.Load(ref C, r0 + o3);
            c10 = V.Load(ref C, r1 + o0); c11 = V.Load(ref C, r1 + o1); c12 = V.Load(ref C, r1 + o2); c13 = V.Load(ref C, r1 + o3);
        }
        else c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = V.Zero;
        ref T a0 = ref Unsafe.Add(ref A, i * k);
        ref T a1 = ref Unsafe.Add(ref a0, k);
        nuint row = 0;
        for (int p = 0; p < k; p++, row += (nuint)n)
        {
            var b0 = V.Load(ref B, row + o0); var b1 = V.Load(ref B, row + o1);
            var b2 = V.Load(ref B, row + o2); var b3 = V.Load(ref B, row + o3);
            var x = V.Broadcast(Unsafe.Add(ref a0, p));
            c00 = V.MultiplyAdd(x, b0, c00); c01 = V.MultiplyAdd(x, b1, c01); c02 = V.MultiplyAdd(x, b2, c02); c03 = V.MultiplyAdd(x, b3, c03);
            x = V.Broadcast(Unsafe.Add(ref a1, p));
            c10 = V.MultiplyAdd(x, b0, c10); c11 = V.MultiplyAdd(x, b1, c11); c12 = V.MultiplyAdd(x, b2, c12); c13 = V.MultiplyAdd(x, b3, c13);
        }
        c00.Store(ref C, r0 + o0); c01.Store(ref C, r0 + o1); c02.Store(ref C, r0 + o2); c03.Store(ref C, r0 + o3);
        c10.Store(ref C, r1 + o0); c11.Store(ref C, r1 + o1); c12.Store(ref C, r1 + o2); c13.Store(ref C, r1 + o3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelT2x4<T, V>(ref T A, ref T B, ref T C, int r, int m, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        nuint r0 = (nuint)(r * n), r1 = r0 + (nuint)n;
        var c00 = V.Load(ref C, r0 + o0); var c01 = V.Load(ref C, r0 + o1); var c02 = V.Load(ref C, r0 + o2); var c03 = V.Load(ref C, r0 + o3);
        var c10 = V.Load(ref C, r1 + o0); var c11 = V.Load(ref C, r1 + o1); var c12 = V.Load(ref C, r1 + o2); var c13 = V.Load(ref C, r1 + o3);
        ref T aCol = ref Unsafe.Add(ref A, r);
        nuint bRow = 0;
        for (int i = 0; i < m; i++, bRow += (nuint)n)
        {
            var b0 = V.Load(ref B, bRow + o0); var b1 = V.Load(ref B, bRow + o1);
            var b2 = V.Load(ref B, bRow + o2); var b3 = V.Load(ref B, bRow + o3);
            ref T ai = ref Unsafe.Add(ref aCol, i * k);
            var x = V.Broadcast(ai);
            c00 = V.MultiplyAdd(x, b0, c00); c01 = V.MultiplyAdd(x, b1, c01); c02 = V.MultiplyAdd(x, b2, c02); c03 = V.MultiplyAdd(x, b3, c03);
            x = V.Broadcast(Unsafe.Add(ref ai, 1));
            c10 = V.MultiplyAdd(x, b0, c10); c11 = V.MultiplyAdd(x, b1, c11); c12 = V.MultiplyAdd(x, b2, c12); c13 = V.MultiplyAdd(x, b3, c13);
        }
        c00.Store(ref C, r0 + o0); c01.Store(ref C, r0 + o1); c02.Store(ref C, r0 + o2); c03.Store(ref C, r0 + o3);
        c10.Store(ref C, r1 + o0); c11.Store(ref C, r1 + o1); c12.Store(ref C, r1 + o2); c13.Store(ref C, r1 + o3);
    }

    private static void Kernel1x4<T, V>(ref T A, ref T B, ref T C, int i, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        nuint r0 = (nuint)(i * n);
        V c0, c1, c2, c3;
        if (accumulate) { c0 = V.Load(ref C, r0 + o0); c1 = V.Load(ref C, r0 + o1); c2 = V.Load(ref C, r0 + o2); c3 = V.Load(ref C, r0 + o3); }
        else c0 = c1 = c2 = c3 = V.Zero;
        ref T a0 = ref Unsafe.Add(ref A, i * k);
        nuint row = 0;
        for (int p = 0; p < k; p++, row += (nuint)n)
        {
            var x = V.Broadcast(Unsafe.Add(ref a0, p));
            c0 = V.MultiplyAdd(x, V.Load(ref B, row + o0), c0); c1 = V.MultiplyAdd(x, V.Load(ref B, row + o1), c1);
            c2 = V.MultiplyAdd(x, V.Load(ref B, row + o2), c2); c3 = V.MultiplyAdd(x, V.Load(ref B, row + o3), c3);
        }
        c0.Store(ref C, r0 + o0); c1.Store(ref C, r0 + o1); c2.Store(ref C, r0 + o2); c3.Store(ref C, r0 + o3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelT4x4<T, V>(ref T A, ref T B, ref T C, int r, int m, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        nuint r0 = (nuint)(r * n), r1 = r0 + (nuint)n, r2 = r1 + (nuint)n, r3 = r2 + (nuint)n;
        var c00 = V.Load(ref C, r0 + o0); var c01 = V.Load(ref C, r0 + o1); var c02 = V.Load(ref C, r0 + o2); var c03 = V.Load(ref C, r0 + o3);
        var c10 = V.Load(ref C, r1 + o0); var c11 = V.Load(ref C, r1 + o1); var c12 = V.Load(ref C, r1 + o2); var c13 = V.Load(ref C, r1 + o3);
        var c20 = V.Load(ref C, r2 + o0); var c21 = V.Load(ref C, r2 + o1); var c22 = V.Load(ref C, r2 + o2); var c23 = V.Load(ref C, r2 + o3);
        var c30 = V.Load(ref C, r3 + o0); var c31 = V.Load(ref C, r3 + o1); var c32 = V.Load(ref C, r3 + o2); var c33 = V.Load(ref C, r3 + o3);
        ref T aCol = ref Unsafe.Add(ref A, r);
        nuint bRow = 0;
        for (int i = 0; i < m; i++, bRow += (nuint)n)
        {
            var b0 = V.Load(ref B, bRow + o0); var b1 = V.Load(ref B, bRow + o1);
            var b2 = V.Load(ref B, bRow + o2); var b3 = V.Load(ref B, bRow + o3);
            ref T ai = ref Unsafe.Add(ref aCol, i * k);
            var x = V.Broadcast(ai);
            c00 = V.MultiplyAdd(x, b0, c00); c01 = V.MultiplyAdd(x, b1, c01); c02 = V.MultiplyAdd(x, b2, c02); c03 = V.MultiplyAdd(x, b3, c03);
            x = V.Broadcast(Unsafe.Add(ref ai, 1));
            c10 = V.MultiplyAdd(x, b0, c10); c11 = V.MultiplyAdd(x, b1, c11); c12 = V.MultiplyAdd(x, b2, c12); c13 = V.MultiplyAdd(x, b3, c13);
            x = V.Broadcast(Unsafe.Add(ref ai, 2));
            c20 = V.MultiplyAdd(x, b0, c20); c21 = V.MultiplyAdd(x, b1, c21); c22 = V.MultiplyAdd(x, b2, c22); c23 = V.MultiplyAdd(x, b3, c23);
            x = V.Broadcast(Unsafe.Add(ref ai, 3));
            c30 = V.MultiplyAdd(x, b0, c30); c31 = V.MultiplyAdd(x, b1, c31); c32 = V.MultiplyAdd(x, b2, c32); c33 = V.MultiplyAdd(x, b3, c33);
        }
        c00.Store(ref C, r0 + o0); c01.Store(ref C, r0 + o1); c02.Store(ref C, r0 + o2); c03.Store(ref C, r0 + o3);
        c10.Store(ref C, r1 + o0); c11.Store(ref C, r1 + o1); c12.Store(ref C, r1 + o2); c13.Store(ref C, r1 + o3);
        c20.Store(ref C, r2 + o0); c21.Store(ref C, r2 + o1); c22.Store(ref C, r2 + o2); c23.Store(ref C, r2 + o3);
        c30.Store(ref C, r3 + o0); c31.Store(ref C, r3 + o1); c32.Store(ref C, r3 + o2); c33.Store(ref C, r3 + o3);
    }

    private static void KernelT1x4<T, V>(ref T A, ref T B, ref T C, int r, int m, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        nuint r0 = (nuint)(r * n);
        var c0 = V.Load(ref C, r0 + o0); var c1 = V.Load(ref C, r0 + o1); var c2 = V.Load(ref C, r0 + o2); var c3 = V.Load(ref C, r0 + o3);
        nuint bRow = 0;
        for (int i = 0; i < m; i++, bRow += (nuint)n)
        {
            var x = V.Broadcast(Unsafe.Add(ref A, i * k + r));
            c0 = V.MultiplyAdd(x, V.Load(ref B, bRow + o0), c0); c1 = V.MultiplyAdd(x, V.Load(ref B, bRow + o1), c1);
            c2 = V.MultiplyAdd(x, V.Load(ref B, bRow + o2), c2); c3 = V.MultiplyAdd(x, V.Load(ref B, bRow + o3), c3);
        }
        c0.Store(ref C, r0 + o0); c1.Store(ref C, r0 + o1); c2.Store(ref C, r0 + o2); c3.Store(ref C, r0 + o3);
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
