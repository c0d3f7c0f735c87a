using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PinnServe.Tensors;

/// <summary>
/// The float32 products at 128 bits (x86 without AVX2, ARM64 NEON), packed on both sides: B (or Wᵀ, read in place) into panels two
/// vectors wide and contiguous in K, and a group of six rows of A with each element already broadcast to a whole vector, so the
/// inner loop is two panel loads and, per row, one load and two multiply-adds (no broadcast or shuffle on the FP pipes,
/// which at 128 bits without FMA already carry separate multiplies and adds).
/// </summary>
/// <remarks>
/// Every element of C is the same chain as in the generic Lane128 tiles: c ← a·b + c over the inner index in order, from
/// zero, the bias or the current C (a multiply then an add, or one FMA where <see cref="Simd.Fused"/>), so the results are
/// bit-identical to them. The last panel of a width that is not a multiple of 8 is padded with zero columns and computed
/// into a small buffer, whose valid columns are then copied, so no column is ever computed twice.
/// Shapes these kernels do not cover (double, few rows, fewer columns than a panel) go to the generic Lane128 tiles, and
/// so does the weight gradient Xᵀ·dY: the same scheme (dY in panels, six columns of X broadcast) measured no faster there
/// than the Lane128 tiles (0.97–1.04× in the interleaved kernel benchmark, Zen 3 without AVX2).
/// </remarks>
internal static unsafe class Gemm128
{
    private const int PanelWidth = 8;   // two vectors
    private const int GroupRows = 6;    // 6 × 2 accumulators + 2 panel vectors + 1 broadcast row: 15 of 16 registers
    private const int MinRows = 16;     // below, the generic tiles (packing B costs more than a few rows gain; not tuned)

    /// <summary>C[m×n] = A·B, C += A·B, or A·B + biasᵀ on the first <paramref name="biasRows"/> rows (the rest from zero).</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, Start start, ReadOnlySpan<T> bias, int biasRows = int.MaxValue)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) || m < MinRows || n < PanelWidth || k == 0)
        {
            Gemm.Multiply<T, Lane128<T>>(a, b, c, m, k, n, start, bias, biasRows);
            return;
        }
        MultiplyPacked(MemoryMarshal.Cast<T, float>(a), MemoryMarshal.Cast<T, float>(b), MemoryMarshal.Cast<T, float>(c), m, k, n, start, MemoryMarshal.Cast<T, float>(bias), biasRows);
    }

    /// <summary><see cref="Multiply{T}"/> on the packed kernels whatever the shape (the tests cover every tail with it).</summary>
    internal static void MultiplyPacked(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, Start start, ReadOnlySpan<float> bias, int biasRows = int.MaxValue)
    {
        Gemm.CheckShapes(a.Length, m * k, b.Length, k * n, c.Length, m * n);
        if (start == Start.Bias && bias.Length < n) throw new ArgumentException($"GEMM: bias has {bias.Length} elements, needs {n}.");
        var panels = Buffers.Panels(PanelCount(n) * k * PanelWidth);
        fixed (float* pb = b, pp = panels)
            PackPanels(pb, k, n, rowStride: n, columnStride: 1, pp);
        Product(a, c, bias, panels, m, k, n, start, biasRows);
    }

    /// <summary>C[m×n] (+)= A[m×k]·Bᵀ for B[n×k]: B's columns are packed into the panels directly (no transposed copy).</summary>
    public static void MultiplyTransposedB<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) || m < MinRows || n < PanelWidth || k == 0)
        {
            Gemm.MultiplyTransposedB<T, Lane128<T>>(a, b, c, m, k, n, accumulate);
            return;
        }
        MultiplyTransposedBPacked(MemoryMarshal.Cast<T, float>(a), MemoryMarshal.Cast<T, float>(b), MemoryMarshal.Cast<T, float>(c), m, k, n, accumulate);
    }

    internal static void MultiplyTransposedBPacked(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
    {
        Gemm.CheckShapes(a.Length, m * k, b.Length, k * n, c.Length, m * n);
        var panels = Buffers.Panels(PanelCount(n) * k * PanelWidth);
        fixed (float* pb = b, pp = panels)
            PackPanels(pb, k, n, rowStride: 1, columnStride: k, pp);
        Product(a, c, default, panels, m, k, n, accumulate ? Start.Accumulate : Start.Zero, int.MaxValue);
    }

    /// <summary>C = A·(packed B) from the given start: A's rows six at a time, each group broadcast once and swept over every panel.</summary>
    private static void Product(ReadOnlySpan<float> a, Span<float> c, ReadOnlySpan<float> bias, float[] panels, int m, int k, int n, Start start, int biasRows)
    {
        var group = Buffers.Group(k * GroupRows * 4);
        float* tail = stackalloc float[GroupRows * PanelWidth * 2];
        float* zeros = stackalloc float[PanelWidth];   // one zero panel row that every row and panel starts from
        for (int j = 0; j < PanelWidth; j++) zeros[j] = 0;
        fixed (float* pa = a, pc = c, pbias = bias, pp = panels, pg = group)
        {
            for (int i0 = 0; i0 < m; i0 += GroupRows)
            {
                int groupRows = Math.Min(GroupRows, m - i0);
                for (int r = 0; r < groupRows; r++)
                {
                    float* row = pa + (nint)(i0 + r) * k;
                    float* g = pg + r * 4;
                    for (int p = 0; p < k; p++) Vector128.Create(row[p]).Store(g + (nint)p * groupRows * 4);
                }
                // A jet's value rows start from the bias, its derivative rows from zero: the group may straddle biasRows.
                int biased = start != Start.Bias ? 0 : Math.Clamp(biasRows - i0, 0, groupRows);
                float* cRow = pc + (nint)i0 * n;
                if (start == Start.Bias)
                {
                    if (biased > 0) Rows(pg, groupRows, 0, biased, pp, k, n, pbias, 0, cRow, n, tail);
                    if (biased < groupRows) Rows(pg, groupRows, biased, groupRows - biased, pp, k, n, zeros, 0, cRow + (nint)biased * n, n, tail, zeroStart: true);
                }
                else if (start == Start.Accumulate) Rows(pg, groupRows, 0, groupRows, pp, k, n, cRow, n, cRow, n, tail);
                else Rows(pg, groupRows, 0, groupRows, pp, k, n, zeros, 0, cRow, n, tail, zeroStart: true);
            }
        }
    }

    /// <summary>
    /// Rows first..first+count−1 of a broadcast group against every panel; row r starts from init + r·initStride, or
    /// from the one zero panel row at <paramref name="init"/> for every panel when <paramref name="zeroStart"/>.
    /// </summary>
    private static void Rows(float* group, int groupRows, int first, int count, float* panels, int k, int n, float* init, nint initStride, float* c, nint cStride, float* tail,
        bool zeroStart = false)
    {
        nint aStep = groupRows * 4;
        float* a = group + first * 4;
        int full = n / PanelWidth;
        for (int q = 0; q < full; q++)
        {
            int j = q * PanelWidth;
            Tiles(a, aStep, count, panels + (nint)q * k * PanelWidth, k, zeroStart ? init : init + j, initStride, c + j, cStride);
        }
        int width = n - full * PanelWidth;
        if (width == 0) return;
        // The padded last panel: starts copied into a buffer of full panel rows, computed there, valid columns copied back.
        float* tailInit = tail, tailOut = tail + GroupRows * PanelWidth;
        int j0 = full * PanelWidth;
        for (int r = 0; r < count; r++)
            for (int j = 0; j < PanelWidth; j++) tailInit[r * PanelWidth + j] = j < width && !zeroStart ? init[r * initStride + j0 + j] : 0;
        Tiles(a, aStep, count, panels + (nint)full * k * PanelWidth, k, tailInit, PanelWidth, tailOut, PanelWidth);
        for (int r = 0; r < count; r++)
            for (int j = 0; j < width; j++) c[r * cStride + j0 + j] = tailOut[r * PanelWidth + j];
    }

    private static void Tiles(float* a, nint aStep, int count, float* panel, int k, float* init, nint initStride, float* c, nint cStride)
    {
        int r = 0;
        for (; r + 6 <= count; r += 6) Tile<Six>(a + r * 4, aStep, panel, k, init + r * initStride, initStride, c + r * cStride, cStride);
        for (; r + 4 <= count; r += 4) Tile<Four>(a + r * 4, aStep, panel, k, init + r * initStride, initStride, c + r * cStride, cStride);
        for (; r + 2 <= count; r += 2) Tile<Two>(a + r * 4, aStep, panel, k, init + r * initStride, initStride, c + r * cStride, cStride);
        for (; r < count; r++) Tile<One>(a + r * 4, aStep, panel, k, init + r * initStride, initStride, c + r * cStride, cStride);
    }

    /// <summary>
    /// R rows × one panel (8 columns) of C over K: row r's broadcast A at a + p·aStep + 4r, the panel's row p at panel + 8p.
    /// R is a JIT-time constant, so each height compiles to straight-line code with only its accumulators live.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<R>(float* a, nint aStep, float* panel, int k, float* init, nint initStride, float* c, nint cStride) where R : struct, IConstant
    {
        int rows = R.Value;
        Vector128<float> c00 = Vector128.Load(init), c01 = Vector128.Load(init + 4);
        Vector128<float> c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (rows > 1) { c10 = Vector128.Load(init + initStride); c11 = Vector128.Load(init + initStride + 4); }
        if (rows > 2) { c20 = Vector128.Load(init + 2 * initStride); c21 = Vector128.Load(init + 2 * initStride + 4); }
        if (rows > 3) { c30 = Vector128.Load(init + 3 * initStride); c31 = Vector128.Load(init + 3 * initStride + 4); }
        if (rows > 4) { c40 = Vector128.Load(init + 4 * initStride); c41 = Vector128.Load(init + 4 * initStride + 4); }
        if (rows > 5) { c50 = Vector128.Load(init + 5 * initStride); c51 = Vector128.Load(init + 5 * initStride + 4); }
        for (int p = 0; p < k; p++, a += aStep, panel += PanelWidth)
        {
            var b0 = Vector128.Load(panel);
            var b1 = Vector128.Load(panel + 4);
            { var x = Vector128.Load(a); c00 = MultiplyAdd(x, b0, c00); c01 = MultiplyAdd(x, b1, c01); }
            if (rows > 1) { var x = Vector128.Load(a + 4); c10 = MultiplyAdd(x, b0, c10); c11 = MultiplyAdd(x, b1, c11); }
            if (rows > 2) { var x = Vector128.Load(a + 8); c20 = MultiplyAdd(x, b0, c20); c21 = MultiplyAdd(x, b1, c21); }
            if (rows > 3) { var x = Vector128.Load(a + 12); c30 = MultiplyAdd(x, b0, c30); c31 = MultiplyAdd(x, b1, c31); }
            if (rows > 4) { var x = Vector128.Load(a + 16); c40 = MultiplyAdd(x, b0, c40); c41 = MultiplyAdd(x, b1, c41); }
            if (rows > 5) { var x = Vector128.Load(a + 20); c50 = MultiplyAdd(x, b0, c50); c51 = MultiplyAdd(x, b1, c51); }
        }
        c00.Store(c); c01.Store(c + 4);
        if (rows > 1) { c10.Store(c + cStride); c11.Store(c + cStride + 4); }
        if (rows > 2) { c20.Store(c + 2 * cStride); c21.Store(c + 2 * cStride + 4); }
        if (rows > 3) { c30.Store(c + 3 * cStride); c31.Store(c + 3 * cStride + 4); }
        if (rows > 4) { c40.Store(c + 4 * cStride); c41.Store(c + 4 * cStride + 4); }
        if (rows > 5) { c50.Store(c + 5 * cStride); c51.Store(c + 5 * cStride + 4); }
    }

    /// <summary>x·b + c as the generic Lane128 tiles compute it: one FMA where the hardware has it, else a multiply and an add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MultiplyAdd(Vector128<float> x, Vector128<float> b, Vector128<float> c) =>
        Simd.Fused ? Vector128.FusedMultiplyAdd(x, b, c) : x * b + c;

    private static int PanelCount(int n) => (n + PanelWidth - 1) / PanelWidth;

    /// <summary>
    /// panel q, row p, column j = source[p·rowStride + (8q + j)·columnStride], zero beyond n columns. B[k×n] has
    /// (rowStride, columnStride) = (n, 1); a transposed B[n×k] read as its transpose has (1, k).
    /// </summary>
    private static void PackPanels(float* source, int k, int n, nint rowStride, nint columnStride, float* panels)
    {
        int count = PanelCount(n);
        for (int q = 0; q < count; q++)
        {
            float* panel = panels + (nint)q * k * PanelWidth;
            int j0 = q * PanelWidth, width = Math.Min(PanelWidth, n - j0);
            if (width == PanelWidth && columnStride == 1)
            {
                for (int p = 0; p < k; p++)
                {
                    float* row = source + p * rowStride + j0;
                    Vector128.Load(row).Store(panel + p * PanelWidth);
                    Vector128.Load(row + 4).Store(panel + p * PanelWidth + 4);
                }
                continue;
            }
            for (int j = 0; j < PanelWidth; j++)
            {
                float* column = source + (j0 + j) * columnStride;
                if (j < width) for (int p = 0; p < k; p++) panel[p * PanelWidth + j] = column[p * rowStride];
                else for (int p = 0; p < k; p++) panel[p * PanelWidth + j] = 0;
            }
        }
    }

    /// <summary>Per-thread packing buffers, grown on first use and then reused: products allocate nothing in steady state.</summary>
    private static class Buffers
    {
        [ThreadStatic] private static float[]? _panels, _group;

        public static float[] Panels(int length) => Get(ref _panels, length);
        public static float[] Group(int length) => Get(ref _group, length);

        private static float[] Get(ref float[]? buffer, int length)
        {
            if (buffer is null || buffer.Length < length) buffer = new float[Math.Max(length, 64)];
            return buffer;
        }
    }
}
