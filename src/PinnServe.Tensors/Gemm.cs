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
        => MultiplyAddBias(a, b, bias, c, m, k, n, biasRows: m);

    /// <summary>
    /// C[m×n] = A·B, plus biasᵀ on the first <paramref name="biasRows"/> rows only: a dense layer on a whole jet in one
    /// product (the value rows get the bias, the derivative rows do not), so B is packed once for all of them.
    /// </summary>
    public static void MultiplyAddBias<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> c, int m, int k, int n, int biasRows)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (bias.Length < n) throw new ArgumentException($"GEMM: bias has {bias.Length} elements, needs {n}.");
        switch (Simd.Bits)
        {
            case 512: Multiply<T, Lane512<T>>(a, b, c, m, k, n, Start.Bias, bias, biasRows); break;
            case 256: Multiply<T, Lane256<T>>(a, b, c, m, k, n, Start.Bias, bias, biasRows); break;
            default: Multiply<T, Lane128<T>>(a, b, c, m, k, n, Start.Bias, bias, biasRows); break;
        }
    }

    internal static void Multiply<T, V>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, Start start, ReadOnlySpan<T> bias, int biasRows = int.MaxValue)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        CheckShapes(a.Length, m * k, b.Length, k * n, c.Length, m * n);
        if (m == 0 || n == 0) return;
        int vl = V.Count;
        if (k == 0 || n < vl)
        {
            MultiplyNarrow(a, b, c, m, k, n, start == Start.Accumulate);
            if (start == Start.Bias)
                for (int i = 0; i < Math.Min(m, biasRows); i++) TensorPrimitives.Add(c.Slice(i * n, n), bias[..n], c.Slice(i * n, n));
            return;
        }
        Product<T, V>(a, b, c, m, k, n, start, bias, biasRows);
    }

    /// <summary>C[m×n] += A[m×k]·Bᵀ for B[n×k] (a layer's input gradient dY·Wᵀ), or C = A·Bᵀ; B is read in place, not transposed.</summary>
    public static void MultiplyTransposedB<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (Simd.Bits)
        {
            case 512: MultiplyTransposedB<T, Lane512<T>>(a, b, c, m, k, n, accumulate); break;
            case 256: MultiplyTransposedB<T, Lane256<T>>(a, b, c, m, k, n, accumulate); break;
            default: MultiplyTransposedB<T, Lane128<T>>(a, b, c, m, k, n, accumulate); break;
        }
    }

    internal static void MultiplyTransposedB<T, V>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        CheckShapes(a.Length, m * k, b.Length, k * n, c.Length, m * n);
        if (m == 0 || n == 0) return;
        // Transposing B (k·n copies) into scratch and packing it contiguously measured faster than packing B's
        // columns with strided reads.
        var bt = Scratch<T>.Get(k * n, 1).AsSpan(0, k * n);
        Transpose<T>(b, n, k, bt);
        Multiply<T, V>(a, bt, c, m, k, n, accumulate ? Start.Accumulate : Start.Zero, default);
    }

    /// <summary>Below this many rows of A the product reads B in place; from it on, B is packed into panels first.</summary>
    private const int PackMinRows = 32;

    /// <summary>
    /// C = A·B (+ C or bias). From <see cref="PackMinRows"/> rows on,
    /// B is copied once per call into contiguous column panels (k × chunk width: they fit L1 with no cache-set
    /// conflicts, unlike a 128-wide row-major B whose rows are 512 bytes apart), and the rows of A are taken in
    /// blocks that stay in L2 while every panel sweeps over them. Every element of C is still one FMA chain over
    /// p = 0..k−1, so neither the packing nor the blocking changes a single bit of the result.
    /// </summary>
    private static void Product<T, V>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, Start start, ReadOnlySpan<T> bias, int biasRows)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        ref T A = ref MemoryMarshal.GetReference(a);
        ref T B = ref MemoryMarshal.GetReference(b);
        ref T C = ref MemoryMarshal.GetReference(c);
        ref T Bias = ref start == Start.Bias ? ref MemoryMarshal.GetReference(bias) : ref C;
        int vl = V.Count, nv = (n + vl - 1) / vl;
        bool pack = m >= PackMinRows;
        Span<T> packed = pack ? Scratch<T>.Get(k * nv * vl, 0).AsSpan(0, k * nv * vl) : default;
        if (pack)
            for (int v0 = 0, at = 0; v0 < nv; at += k * ChunkSize(nv - v0) * vl, v0 += ChunkSize(nv - v0))
                PackPanel<T, V>(ref B, k, n, v0, ChunkSize(nv - v0), packed.Slice(at));
        int rowBlock = pack ? RowBlock(k, n, Unsafe.SizeOf<T>()) : m;
        for (int i0 = 0; i0 < m;)
        {
            // Rows below biasRows start from the bias (a jet's value rows), the others from zero (its derivative rows).
            int rows = Math.Min(rowBlock, m - i0);
            var rowStart = start;
            if (start == Start.Bias && i0 >= biasRows) rowStart = Start.Zero;
            else if (start == Start.Bias && i0 + rows > biasRows) rows = biasRows - i0;
            ref T Ablock = ref Unsafe.Add(ref A, i0 * k);
            ref T Cblock = ref Unsafe.Add(ref C, i0 * n);
            for (int v0 = 0, at = 0; v0 < nv;)
            {
                int count = ChunkSize(nv - v0);
                nuint o0 = Offset(v0, 0, count, vl, n), o1 = Offset(v0, 1, count, vl, n);
                nuint o2 = Offset(v0, 2, count, vl, n), o3 = Offset(v0, 3, count, vl, n);
                var t = pack
                    ? new Tiling<T>(ref Ablock, ref packed[at], ref Cblock, ref Bias, rows, k, n, o0, o1, o2, o3, rowStart,
                        count * vl, 0, (nuint)Math.Min(1, count - 1) * (nuint)vl, (nuint)Math.Min(2, count - 1) * (nuint)vl, (nuint)Math.Min(3, count - 1) * (nuint)vl)
                    : new Tiling<T>(ref Ablock, ref B, ref Cblock, ref Bias, rows, k, n, o0, o1, o2, o3, rowStart, n, o0, o1, o2, o3);
                switch (count)
                {
                    case 4: t.Rows<V, Four, Four>(); break;
                    case 3: if (Wide) t.Rows<V, Eight, Three>(); else t.Rows<V, Four, Three>(); break;
                    case 2: if (Wide) t.Rows<V, Eight, Two>(); else t.Rows<V, Six, Two>(); break;
                    default: t.Rows<V, Eight, One>(); break;
                }
                at += k * count * vl;
                v0 += count;
            }
            i0 += rows;
        }
    }

    /// <summary>
    /// Rows per block: as many as keep the block's rows of A and of C together within ~128 KB (L2), a multiple of 24
    /// (every tile height). C counts too: every column chunk writes one line of each of the block's C rows, so with a
    /// small k (a network's first layer, a 1-wide layer's input gradient) a block of all rows made C stream through
    /// memory once per chunk.
    /// </summary>
    private static int RowBlock(int k, int n, int elementSize) => Math.Max(24, 128 * 1024 / Math.Max(1, (k + n) * elementSize) / 24 * 24);

    /// <summary>Copies the chunk's vectors (C offsets o_j) of every row of B[k×n] into panel[p·count·VL + j·VL + l].</summary>
    private static void PackPanel<T, V>(ref T B, int k, int n, int v0, int count, Span<T> panel)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        int vl = V.Count, width = count * vl;
        ref T P = ref MemoryMarshal.GetReference(panel);
        for (int j = 0; j < count; j++)
        {
            int column = (int)Offset(v0, j, count, vl, n);
            for (int p = 0; p < k; p++) V.Load(ref B, (nuint)(p * n + column)).Store(ref P, (nuint)(p * width + j * vl));
        }
    }

    /// <summary>Per-thread scratch buffers (slot 0: packed B, 1: transposed B, 2: a packed panel of dY), grown on first use and then reused, so products allocate nothing in steady state.</summary>
    private static class Scratch<T>
    {
        [ThreadStatic] private static T[]? _slot0, _slot1, _slot2;

        public static T[] Get(int length, int slot)
        {
            ref T[]? buffer = ref slot == 0 ? ref _slot0 : ref slot == 1 ? ref _slot1 : ref _slot2;
            if (buffer is null || buffer.Length < length) buffer = new T[Math.Max(length, 64)];
            return buffer;
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
        if (n == 1)
        {
            WeightGradientOfOneOutput<T, V>(ref A, ref B, ref C, m, k);
            return;
        }
        if (n < vl)
        {
            // Narrow outputs (the last layer): C[:, j] += Σ_i B[i, j] · A[i, :], vectorized over k.
            WeightGradientNarrow<T, V>(ref A, ref B, ref C, m, k, n);
            return;
        }
        int nv = (n + vl - 1) / vl;
        // Rows are processed in blocks that stay in L2 while every (row-of-C × vector) tile sweeps over them;
        // C itself is small and is re-read per block (the kernels always accumulate into it).
        int rowBlock = TransposedRowBlock<T>(k);
        for (int i0 = 0; i0 < m; i0 += rowBlock)
        {
            int rows = Math.Min(rowBlock, m - i0);
            ref T Ablock = ref Unsafe.Add(ref A, i0 * k);
            ref T Bblock = ref Unsafe.Add(ref B, i0 * n);
            // In a training step X and dY come from buffers long out of cache, and the tiles walk X down its columns (a new
            // line per row) and dY chunk by chunk: fetched in address order first, both blocks arrive at streaming speed
            // (PINNacle's 5 × 100 step: its 100-wide backward 7.6% faster in profiled ABBA runs; benchmarks/kernels --wide --cold).
            CacheHints.IntoL2(ref Ablock, rows * k);
            CacheHints.IntoL2(ref Bblock, rows * n);
            // dY's rows of a wide layer are 512 bytes or more apart: a chunk's columns over the block would crowd a few
            // L1 sets, so they are copied into a contiguous panel first (the sum over rows keeps its order).
            bool pack = rows >= PackMinRows && k >= PackMinRows;
            for (int v0 = 0; v0 < nv;)
            {
                int count = ChunkSize(nv - v0);
                nuint o0 = Offset(v0, 0, count, vl, n), o1 = Offset(v0, 1, count, vl, n);
                nuint o2 = Offset(v0, 2, count, vl, n), o3 = Offset(v0, 3, count, vl, n);
                Span<T> panel = pack ? Scratch<T>.Get(rows * count * vl, 2).AsSpan(0, rows * count * vl) : default;
                if (pack) PackPanel<T, V>(ref Bblock, rows, n, v0, count, panel);
                var t = pack
                    ? new Tiling<T>(ref Ablock, ref panel[0], ref C, ref C, rows, k, n, o0, o1, o2, o3, Start.Accumulate,
                        count * vl, 0, (nuint)Math.Min(1, count - 1) * (nuint)vl, (nuint)Math.Min(2, count - 1) * (nuint)vl, (nuint)Math.Min(3, count - 1) * (nuint)vl)
                    : new Tiling<T>(ref Ablock, ref Bblock, ref C, ref C, rows, k, n, o0, o1, o2, o3, Start.Accumulate, n, o0, o1, o2, o3);
                switch (count)
                {
                    case 4: t.RowsT<V, Four, Four>(); break;
                    case 3: if (Wide) t.RowsT<V, Eight, Three>(); else t.RowsT<V, Four, Three>(); break;
                    case 2: if (Wide) t.RowsT<V, Eight, Two>(); else t.RowsT<V, Six, Two>(); break;
                    default: t.RowsT<V, Eight, One>(); break;
                }
                v0 += count;
            }
        }
    }

    /// <summary>
    /// C[k×1] += Aᵀ·b for A[m×k] (a one-output layer's weight gradient): C stays in registers, 4 vectors of it at
    /// a time, while every row of A passes, instead of one AXPY call per row that loads and stores all of C. Each element
    /// is the same sequence c ← c + a_ip·b_i over i = 0…m−1 (a multiply, then an add: what the AXPY computed), so the
    /// bits are the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void WeightGradientOfOneOutput<T, V>(ref T A, ref T B, ref T C, int m, int k)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        int vl = V.Count, p0 = 0;
        nuint v1 = (nuint)vl, v2 = 2 * v1, v3 = 3 * v1;
        for (; p0 + 4 * vl <= k; p0 += 4 * vl)
        {
            ref T c = ref Unsafe.Add(ref C, p0);
            V c0 = V.Load(ref c, 0), c1 = V.Load(ref c, v1), c2 = V.Load(ref c, v2), c3 = V.Load(ref c, v3);
            ref T a = ref Unsafe.Add(ref A, p0);
            for (int i = 0; i < m; i++, a = ref Unsafe.Add(ref a, k))
            {
                var x = V.Broadcast(Unsafe.Add(ref B, i));
                c0 += V.Load(ref a, 0) * x; c1 += V.Load(ref a, v1) * x; c2 += V.Load(ref a, v2) * x; c3 += V.Load(ref a, v3) * x;
            }
            c0.Store(ref c, 0); c1.Store(ref c, v1); c2.Store(ref c, v2); c3.Store(ref c, v3);
        }
        for (; p0 + vl <= k; p0 += vl)
        {
            ref T c = ref Unsafe.Add(ref C, p0);
            V c0 = V.Load(ref c, 0);
            ref T a = ref Unsafe.Add(ref A, p0);
            for (int i = 0; i < m; i++, a = ref Unsafe.Add(ref a, k)) c0 += V.Load(ref a, 0) * V.Broadcast(Unsafe.Add(ref B, i));
            c0.Store(ref c, 0);
        }
        for (; p0 < k; p0++)
        {
            T c = Unsafe.Add(ref C, p0);
            for (int i = 0; i < m; i++) c += Unsafe.Add(ref A, i * k + p0) * Unsafe.Add(ref B, i);
            Unsafe.Add(ref C, p0) = c;
        }
    }

    /// <summary>
    /// Rows of A and B per block in <see cref="MultiplyTransposedA{T}"/>: 256 floats' worth (2 × 256 rows × 128 floats =
    /// 256 KB of a 128-wide layer stay in L2), so 128 doubles, whose 256-row blocks of a 256-wide layer overflowed L2.
    /// Up to 64 columns of A (50-wide layers) half as many: a block of A (128 rows × 50 floats = 25 KB) then stays in
    /// L1 while every tile of C walks it, where 256 rows (51 KB) came from L2 once per tile (Klein–Gordon's weight
    /// gradients: 3–7% faster, benchmarks/kernels --klein-gordon). The tiles reload C per block and continue each
    /// element's FMA chain where the last block left it, so the block size never changes a bit of the result.
    /// </summary>
    private static int TransposedRowBlock<T>(int k) => (k <= 64 ? 512 : 1024) / Unsafe.SizeOf<T>();

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
        // Row by row of dst (contiguous stores, strided loads), four rows at a time: with stores strided instead, a 50×50
        // W (dX = dY·Wᵀ of a 50-wide layer) took 3.5 µs, a quarter of a 128-row product.
        ref T S = ref MemoryMarshal.GetReference(src);
        ref T D = ref MemoryMarshal.GetReference(dst);
        int j = 0;
        for (; j + 4 <= cols; j += 4)
        {
            ref T d0 = ref Unsafe.Add(ref D, j * rows);
            ref T d1 = ref Unsafe.Add(ref d0, rows);
            ref T d2 = ref Unsafe.Add(ref d1, rows);
            ref T d3 = ref Unsafe.Add(ref d2, rows);
            ref T s = ref Unsafe.Add(ref S, j);
            for (int i = 0; i < rows; i++, s = ref Unsafe.Add(ref s, cols))
            {
                Unsafe.Add(ref d0, i) = s;
                Unsafe.Add(ref d1, i) = Unsafe.Add(ref s, 1);
                Unsafe.Add(ref d2, i) = Unsafe.Add(ref s, 2);
                Unsafe.Add(ref d3, i) = Unsafe.Add(ref s, 3);
            }
        }
        for (; j < cols; j++)
        {
            ref T d = ref Unsafe.Add(ref D, j * rows);
            for (int i = 0; i < rows; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref S, i * cols + j);
        }
    }

    /// <summary>Floating-point operations of one m×k·k×n product (a multiply-add counts 2).</summary>
    public static long Flops(long m, long k, long n) => 2 * m * k * n;

    // Vectors per tile: 4, except that a remainder of 5 is split 3 + 2 so the overlapping tail vector never
    // sits alone in a tile after the one holding its neighbour.
    // With 16 vector registers (AVX2, SSE) chunks are 2 vectors (6 × 2 tiles: 12 accumulators), a remainder of 3
    // stays whole (4 × 3) where the lanes fuse. Without FMA (x86 with AVX2 off) every multiply needs a register for its
    // product before the add, so the 4 × 3 tile's 12 accumulators, 3 B vectors, the broadcast and that product are 17: the
    // JIT kept one accumulator on the stack, a store and reload in every step of p (DOTNET_JitDisasm). There a remainder
    // of 3 runs as 1 + 2 (an 8 × 1 tile, then 6 × 2 with the overlapping tail vector beside its neighbour).
    private static int ChunkSize(int remaining) =>
        Wide ? (remaining == 5 ? 3 : Math.Min(4, remaining)) : (remaining == 3 ? (Simd.Fused ? 3 : 1) : Math.Min(2, remaining));

    private static nuint Offset(int v0, int j, int count, int vl, int n) =>
        (nuint)Math.Min((v0 + Math.Min(j, count - 1)) * vl, n - vl);

    internal static void CheckShapes(int aLen, int aNeed, int bLen, int bNeed, int cLen, int cNeed)
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
        MultiplyNarrowRows(a, b, c, m, k, n, accumulate);
    }
}
