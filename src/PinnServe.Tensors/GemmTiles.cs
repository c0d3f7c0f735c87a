// The register tiles of Gemm, written out for up to 8 rows × 4 vectors. Every row/column beyond the tile's
// (TR, TC) sits behind a test of a JIT-time constant and compiles away.
using System.Runtime.CompilerServices;

namespace PinnServe.Tensors;

/// <summary>A compile-time integer for generic specialization (the JIT folds <see cref="Value"/>).</summary>
internal interface IConstant { static abstract int Value { get; } }
internal readonly struct One : IConstant { public static int Value => 1; }
internal readonly struct Two : IConstant { public static int Value => 2; }
internal readonly struct Three : IConstant { public static int Value => 3; }
internal readonly struct Four : IConstant { public static int Value => 4; }
internal readonly struct Six : IConstant { public static int Value => 6; }
internal readonly struct Eight : IConstant { public static int Value => 8; }

/// <summary>B's layout in a tile: a packed panel (rows TC·VL apart, vectors at 0, VL, 2VL: constants to the JIT) or B in place.</summary>
internal readonly struct Panel : IConstant { public static int Value => 1; }
internal readonly struct InPlace : IConstant { public static int Value => 0; }

/// <summary>What a product tile starts from: zero, the current C (C += A·B), or a bias row (C = A·B + 1·bᵀ).</summary>
internal enum Start { Zero, Accumulate, Bias }

public static partial class Gemm
{
    /// <summary>One column chunk of a product: walks its rows with the largest tile that fits, then smaller ones.</summary>
    private readonly ref struct Tiling<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ref T _a, _b, _c, _bias;
        private readonly int _m, _k, _n, _ldb;
        private readonly nuint _o0, _o1, _o2, _o3, _q0, _q1, _q2, _q3;
        private readonly Start _start;

        /// <summary>o0..o3: the chunk's vector offsets in a row of C; B's rows are <paramref name="ldb"/> apart, its vectors at q0..q3.</summary>
        public Tiling(ref T a, ref T b, ref T c, ref T bias, int m, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3, Start start,
            int ldb, nuint q0, nuint q1, nuint q2, nuint q3)
        {
            _a = ref a; _b = ref b; _c = ref c; _bias = ref bias;
            (_m, _k, _n, _o0, _o1, _o2, _o3, _start) = (m, k, n, o0, o1, o2, o3, start);
            (_ldb, _q0, _q1, _q2, _q3) = (ldb, q0, q1, q2, q3);
        }

        /// <summary>C = A·B over the chunk: rows of C (= rows of A) in tiles of TR (one call for all of them), then 4, 2, 1.</summary>
        public void Rows<V, TR, TC>() where V : struct, ISimdLane<V, T> where TR : struct, IConstant where TC : struct, IConstant
        {
            if (_ldb == TC.Value * V.Count && _q0 == 0) Rows<V, TR, TC, Panel>();
            else Rows<V, TR, TC, InPlace>();
        }

        private void Rows<V, TR, TC, TB>() where V : struct, ISimdLane<V, T> where TR : struct, IConstant where TC : struct, IConstant where TB : struct, IConstant
        {
            int i = 0, tiles = _m / TR.Value;
            if (tiles > 0) Tile<T, V, TR, TC, TB>(ref _a, ref _b, ref _c, ref _bias, i, tiles, _k, _n, _o0, _o1, _o2, _o3, _start, _ldb, _q0, _q1, _q2, _q3);
            i += tiles * TR.Value;
            if (TR.Value > 4) for (; i + 4 <= _m; i += 4) Tile<T, V, Four, TC, TB>(ref _a, ref _b, ref _c, ref _bias, i, 1, _k, _n, _o0, _o1, _o2, _o3, _start, _ldb, _q0, _q1, _q2, _q3);
            if (TR.Value > 2) for (; i + 2 <= _m; i += 2) Tile<T, V, Two, TC, TB>(ref _a, ref _b, ref _c, ref _bias, i, 1, _k, _n, _o0, _o1, _o2, _o3, _start, _ldb, _q0, _q1, _q2, _q3);
            for (; i < _m; i++) Tile<T, V, One, TC, TB>(ref _a, ref _b, ref _c, ref _bias, i, 1, _k, _n, _o0, _o1, _o2, _o3, _start, _ldb, _q0, _q1, _q2, _q3);
        }

        /// <summary>C += Aᵀ·B over the chunk: rows of C (= columns of A) in tiles of TR (one call for all of them), then 4, 2, 1.</summary>
        public void RowsT<V, TR, TC>() where V : struct, ISimdLane<V, T> where TR : struct, IConstant where TC : struct, IConstant
        {
            if (_ldb == TC.Value * V.Count && _q0 == 0) RowsT<V, TR, TC, Panel>();
            else RowsT<V, TR, TC, InPlace>();
        }

        private void RowsT<V, TR, TC, TB>() where V : struct, ISimdLane<V, T> where TR : struct, IConstant where TC : struct, IConstant where TB : struct, IConstant
        {
            int r = 0, tiles = _k / TR.Value;
            if (tiles > 0) TileT<T, V, TR, TC, TB>(ref _a, ref _b, ref _c, r, tiles, _m, _k, _n, _o0, _o1, _o2, _o3, _ldb, _q0, _q1, _q2, _q3);
            r += tiles * TR.Value;
            if (TR.Value > 4) for (; r + 4 <= _k; r += 4) TileT<T, V, Four, TC, TB>(ref _a, ref _b, ref _c, r, 1, _m, _k, _n, _o0, _o1, _o2, _o3, _ldb, _q0, _q1, _q2, _q3);
            if (TR.Value > 2) for (; r + 2 <= _k; r += 2) TileT<T, V, Two, TC, TB>(ref _a, ref _b, ref _c, r, 1, _m, _k, _n, _o0, _o1, _o2, _o3, _ldb, _q0, _q1, _q2, _q3);
            for (; r < _k; r++) TileT<T, V, One, TC, TB>(ref _a, ref _b, ref _c, r, 1, _m, _k, _n, _o0, _o1, _o2, _o3, _ldb, _q0, _q1, _q2, _q3);
        }
    }

    /// <summary>
    /// Tile of C = A·B: rows i..i+R−1, vectors at offsets o0..o(C−1). <typeparamref name="TR"/> and
    /// <typeparamref name="TC"/> are compile-time constants to the JIT, so each (R, C) pair compiles to straight-line
    /// code with only its R·C accumulators live.
    /// </summary>
    /// <remarks>
    /// <paramref name="tiles"/> tiles of rows i, i + R, … run in one call (a 50-wide layer's tile is only 50 steps of
    /// p long, so a call per tile cost a tenth of its time). With <typeparamref name="TB"/> = <see cref="Panel"/> B's row
    /// stride and vector offsets are constants, which leaves the JIT enough registers to keep the loop free of spills.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Tile<T, V, TR, TC, TB>(ref T A, ref T B, ref T C, ref T bias, int i, int tiles, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3, Start start,
        int ldb, nuint q0, nuint q1, nuint q2, nuint q3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T> where TR : struct, IConstant where TC : struct, IConstant where TB : struct, IConstant
    {
        int rows = TR.Value, cols = TC.Value;
        if (TB.Value == 1)
        {
            ldb = cols * V.Count;
            (q0, q1, q2, q3) = (0, (nuint)V.Count, (nuint)(2 * V.Count), (nuint)(3 * V.Count));
        }
        for (int tile = 0; tile < tiles; tile++, i += rows)
        {
            nuint r0 = (nuint)(i * n);
            nuint r1 = r0 + (nuint)n;
            nuint r2 = r1 + (nuint)n;
            nuint r3 = r2 + (nuint)n;
            nuint r4 = r3 + (nuint)n;
            nuint r5 = r4 + (nuint)n;
            nuint r6 = r5 + (nuint)n;
            nuint r7 = r6 + (nuint)n;
            V c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53, c60, c61, c62, c63, c70, c71, c72, c73;
            c00 = V.Zero; c01 = V.Zero; c02 = V.Zero; c03 = V.Zero; c10 = V.Zero; c11 = V.Zero; c12 = V.Zero; c13 = V.Zero; c20 = V.Zero; c21 = V.Zero; c22 = V.Zero; c23 = V.Zero; c30 = V.Zero; c31 = V.Zero; c32 = V.Zero; c33 = V.Zero; c40 = V.Zero; c41 = V.Zero; c42 = V.Zero; c43 = V.Zero; c50 = V.Zero; c51 = V.Zero; c52 = V.Zero; c53 = V.Zero; c60 = V.Zero; c61 = V.Zero; c62 = V.Zero; c63 = V.Zero; c70 = V.Zero; c71 = V.Zero; c72 = V.Zero; c73 = V.Zero;
            if (start == Start.Accumulate)
            {
                { c00 = V.Load(ref C, r0 + o0); if (cols > 1) c01 = V.Load(ref C, r0 + o1); if (cols > 2) c02 = V.Load(ref C, r0 + o2); if (cols > 3) c03 = V.Load(ref C, r0 + o3); }
                if (rows > 1) { c10 = V.Load(ref C, r1 + o0); if (cols > 1) c11 = V.Load(ref C, r1 + o1); if (cols > 2) c12 = V.Load(ref C, r1 + o2); if (cols > 3) c13 = V.Load(ref C, r1 + o3); }
                if (rows > 2) { c20 = V.Load(ref C, r2 + o0); if (cols > 1) c21 = V.Load(ref C, r2 + o1); if (cols > 2) c22 = V.Load(ref C, r2 + o2); if (cols > 3) c23 = V.Load(ref C, r2 + o3); }
                if (rows > 3) { c30 = V.Load(ref C, r3 + o0); if (cols > 1) c31 = V.Load(ref C, r3 + o1); if (cols > 2) c32 = V.Load(ref C, r3 + o2); if (cols > 3) c33 = V.Load(ref C, r3 + o3); }
                if (rows > 4) { c40 = V.Load(ref C, r4 + o0); if (cols > 1) c41 = V.Load(ref C, r4 + o1); if (cols > 2) c42 = V.Load(ref C, r4 + o2); if (cols > 3) c43 = V.Load(ref C, r4 + o3); }
                if (rows > 5) { c50 = V.Load(ref C, r5 + o0); if (cols > 1) c51 = V.Load(ref C, r5 + o1); if (cols > 2) c52 = V.Load(ref C, r5 + o2); if (cols > 3) c53 = V.Load(ref C, r5 + o3); }
                if (rows > 6) { c60 = V.Load(ref C, r6 + o0); if (cols > 1) c61 = V.Load(ref C, r6 + o1); if (cols > 2) c62 = V.Load(ref C, r6 + o2); if (cols > 3) c63 = V.Load(ref C, r6 + o3); }
                if (rows > 7) { c70 = V.Load(ref C, r7 + o0); if (cols > 1) c71 = V.Load(ref C, r7 + o1); if (cols > 2) c72 = V.Load(ref C, r7 + o2); if (cols > 3) c73 = V.Load(ref C, r7 + o3); }
            }
            else if (start == Start.Bias)
            {
                var s0 = V.Load(ref bias, o0);
                var s1 = cols > 1 ? V.Load(ref bias, o1) : default;
                var s2 = cols > 2 ? V.Load(ref bias, o2) : default;
                var s3 = cols > 3 ? V.Load(ref bias, o3) : default;
                { c00 = s0; if (cols > 1) c01 = s1; if (cols > 2) c02 = s2; if (cols > 3) c03 = s3; }
                if (rows > 1) { c10 = s0; if (cols > 1) c11 = s1; if (cols > 2) c12 = s2; if (cols > 3) c13 = s3; }
                if (rows > 2) { c20 = s0; if (cols > 1) c21 = s1; if (cols > 2) c22 = s2; if (cols > 3) c23 = s3; }
                if (rows > 3) { c30 = s0; if (cols > 1) c31 = s1; if (cols > 2) c32 = s2; if (cols > 3) c33 = s3; }
                if (rows > 4) { c40 = s0; if (cols > 1) c41 = s1; if (cols > 2) c42 = s2; if (cols > 3) c43 = s3; }
                if (rows > 5) { c50 = s0; if (cols > 1) c51 = s1; if (cols > 2) c52 = s2; if (cols > 3) c53 = s3; }
                if (rows > 6) { c60 = s0; if (cols > 1) c61 = s1; if (cols > 2) c62 = s2; if (cols > 3) c63 = s3; }
                if (rows > 7) { c70 = s0; if (cols > 1) c71 = s1; if (cols > 2) c72 = s2; if (cols > 3) c73 = s3; }
            }
            // A's elements are broadcast from memory (BroadcastFrom): at 128 bits without AVX2 a broadcast of a value was a
            // load and a shuffle on an FP pipe, competing with the multiplies and adds.
            fixed (T* pa = &A)
            {
            T* a0 = pa + (nint)i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k, a4 = a3 + k, a5 = a4 + k, a6 = a5 + k, a7 = a6 + k;
            nuint row = 0;
            for (nint p = 0; p < k; p++, row += (nuint)ldb)
            {
                var b0 = V.Load(ref B, row + q0);
                var b1 = cols > 1 ? V.Load(ref B, row + q1) : default;
                var b2 = cols > 2 ? V.Load(ref B, row + q2) : default;
                var b3 = cols > 3 ? V.Load(ref B, row + q3) : default;
                { var x = V.BroadcastFrom(a0 + p); c00 = V.MultiplyAdd(x, b0, c00); if (cols > 1) c01 = V.MultiplyAdd(x, b1, c01); if (cols > 2) c02 = V.MultiplyAdd(x, b2, c02); if (cols > 3) c03 = V.MultiplyAdd(x, b3, c03); }
                if (rows > 1) { var x = V.BroadcastFrom(a1 + p); c10 = V.MultiplyAdd(x, b0, c10); if (cols > 1) c11 = V.MultiplyAdd(x, b1, c11); if (cols > 2) c12 = V.MultiplyAdd(x, b2, c12); if (cols > 3) c13 = V.MultiplyAdd(x, b3, c13); }
                if (rows > 2) { var x = V.BroadcastFrom(a2 + p); c20 = V.MultiplyAdd(x, b0, c20); if (cols > 1) c21 = V.MultiplyAdd(x, b1, c21); if (cols > 2) c22 = V.MultiplyAdd(x, b2, c22); if (cols > 3) c23 = V.MultiplyAdd(x, b3, c23); }
                if (rows > 3) { var x = V.BroadcastFrom(a3 + p); c30 = V.MultiplyAdd(x, b0, c30); if (cols > 1) c31 = V.MultiplyAdd(x, b1, c31); if (cols > 2) c32 = V.MultiplyAdd(x, b2, c32); if (cols > 3) c33 = V.MultiplyAdd(x, b3, c33); }
                if (rows > 4) { var x = V.BroadcastFrom(a4 + p); c40 = V.MultiplyAdd(x, b0, c40); if (cols > 1) c41 = V.MultiplyAdd(x, b1, c41); if (cols > 2) c42 = V.MultiplyAdd(x, b2, c42); if (cols > 3) c43 = V.MultiplyAdd(x, b3, c43); }
                if (rows > 5) { var x = V.BroadcastFrom(a5 + p); c50 = V.MultiplyAdd(x, b0, c50); if (cols > 1) c51 = V.MultiplyAdd(x, b1, c51); if (cols > 2) c52 = V.MultiplyAdd(x, b2, c52); if (cols > 3) c53 = V.MultiplyAdd(x, b3, c53); }
                if (rows > 6) { var x = V.BroadcastFrom(a6 + p); c60 = V.MultiplyAdd(x, b0, c60); if (cols > 1) c61 = V.MultiplyAdd(x, b1, c61); if (cols > 2) c62 = V.MultiplyAdd(x, b2, c62); if (cols > 3) c63 = V.MultiplyAdd(x, b3, c63); }
                if (rows > 7) { var x = V.BroadcastFrom(a7 + p); c70 = V.MultiplyAdd(x, b0, c70); if (cols > 1) c71 = V.MultiplyAdd(x, b1, c71); if (cols > 2) c72 = V.MultiplyAdd(x, b2, c72); if (cols > 3) c73 = V.MultiplyAdd(x, b3, c73); }
            }
            }
            { c00.Store(ref C, r0 + o0); if (cols > 1) c01.Store(ref C, r0 + o1); if (cols > 2) c02.Store(ref C, r0 + o2); if (cols > 3) c03.Store(ref C, r0 + o3); }
            if (rows > 1) { c10.Store(ref C, r1 + o0); if (cols > 1) c11.Store(ref C, r1 + o1); if (cols > 2) c12.Store(ref C, r1 + o2); if (cols > 3) c13.Store(ref C, r1 + o3); }
            if (rows > 2) { c20.Store(ref C, r2 + o0); if (cols > 1) c21.Store(ref C, r2 + o1); if (cols > 2) c22.Store(ref C, r2 + o2); if (cols > 3) c23.Store(ref C, r2 + o3); }
            if (rows > 3) { c30.Store(ref C, r3 + o0); if (cols > 1) c31.Store(ref C, r3 + o1); if (cols > 2) c32.Store(ref C, r3 + o2); if (cols > 3) c33.Store(ref C, r3 + o3); }
            if (rows > 4) { c40.Store(ref C, r4 + o0); if (cols > 1) c41.Store(ref C, r4 + o1); if (cols > 2) c42.Store(ref C, r4 + o2); if (cols > 3) c43.Store(ref C, r4 + o3); }
            if (rows > 5) { c50.Store(ref C, r5 + o0); if (cols > 1) c51.Store(ref C, r5 + o1); if (cols > 2) c52.Store(ref C, r5 + o2); if (cols > 3) c53.Store(ref C, r5 + o3); }
            if (rows > 6) { c60.Store(ref C, r6 + o0); if (cols > 1) c61.Store(ref C, r6 + o1); if (cols > 2) c62.Store(ref C, r6 + o2); if (cols > 3) c63.Store(ref C, r6 + o3); }
            if (rows > 7) { c70.Store(ref C, r7 + o0); if (cols > 1) c71.Store(ref C, r7 + o1); if (cols > 2) c72.Store(ref C, r7 + o2); if (cols > 3) c73.Store(ref C, r7 + o3); }
        }
    }

    /// <summary>
    /// Tile of C += Aᵀ·B: rows r..r+R−1 of C (columns of A), vectors at offsets o0..o(C−1), summed over the m rows
    /// of A and B.
    /// </summary>
    /// <remarks><paramref name="tiles"/> tiles of rows r, r + R, … in one call; <typeparamref name="TB"/> as in <see cref="Tile"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileT<T, V, TR, TC, TB>(ref T A, ref T B, ref T C, int r, int tiles, int m, int k, int n, nuint o0, nuint o1, nuint o2, nuint o3,
        int ldb, nuint q0, nuint q1, nuint q2, nuint q3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T> where TR : struct, IConstant where TC : struct, IConstant where TB : struct, IConstant
    {
        int rows = TR.Value, cols = TC.Value;
        if (TB.Value == 1)
        {
            ldb = cols * V.Count;
            (q0, q1, q2, q3) = (0, (nuint)V.Count, (nuint)(2 * V.Count), (nuint)(3 * V.Count));
        }
        for (int tile = 0; tile < tiles; tile++, r += rows)
        {
            nuint r0 = (nuint)(r * n);
            nuint r1 = r0 + (nuint)n;
            nuint r2 = r1 + (nuint)n;
            nuint r3 = r2 + (nuint)n;
            nuint r4 = r3 + (nuint)n;
            nuint r5 = r4 + (nuint)n;
            nuint r6 = r5 + (nuint)n;
            nuint r7 = r6 + (nuint)n;
            V c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53, c60, c61, c62, c63, c70, c71, c72, c73;
            c00 = V.Zero; c01 = V.Zero; c02 = V.Zero; c03 = V.Zero; c10 = V.Zero; c11 = V.Zero; c12 = V.Zero; c13 = V.Zero; c20 = V.Zero; c21 = V.Zero; c22 = V.Zero; c23 = V.Zero; c30 = V.Zero; c31 = V.Zero; c32 = V.Zero; c33 = V.Zero; c40 = V.Zero; c41 = V.Zero; c42 = V.Zero; c43 = V.Zero; c50 = V.Zero; c51 = V.Zero; c52 = V.Zero; c53 = V.Zero; c60 = V.Zero; c61 = V.Zero; c62 = V.Zero; c63 = V.Zero; c70 = V.Zero; c71 = V.Zero; c72 = V.Zero; c73 = V.Zero;
            { c00 = V.Load(ref C, r0 + o0); if (cols > 1) c01 = V.Load(ref C, r0 + o1); if (cols > 2) c02 = V.Load(ref C, r0 + o2); if (cols > 3) c03 = V.Load(ref C, r0 + o3); }
            if (rows > 1) { c10 = V.Load(ref C, r1 + o0); if (cols > 1) c11 = V.Load(ref C, r1 + o1); if (cols > 2) c12 = V.Load(ref C, r1 + o2); if (cols > 3) c13 = V.Load(ref C, r1 + o3); }
            if (rows > 2) { c20 = V.Load(ref C, r2 + o0); if (cols > 1) c21 = V.Load(ref C, r2 + o1); if (cols > 2) c22 = V.Load(ref C, r2 + o2); if (cols > 3) c23 = V.Load(ref C, r2 + o3); }
            if (rows > 3) { c30 = V.Load(ref C, r3 + o0); if (cols > 1) c31 = V.Load(ref C, r3 + o1); if (cols > 2) c32 = V.Load(ref C, r3 + o2); if (cols > 3) c33 = V.Load(ref C, r3 + o3); }
            if (rows > 4) { c40 = V.Load(ref C, r4 + o0); if (cols > 1) c41 = V.Load(ref C, r4 + o1); if (cols > 2) c42 = V.Load(ref C, r4 + o2); if (cols > 3) c43 = V.Load(ref C, r4 + o3); }
            if (rows > 5) { c50 = V.Load(ref C, r5 + o0); if (cols > 1) c51 = V.Load(ref C, r5 + o1); if (cols > 2) c52 = V.Load(ref C, r5 + o2); if (cols > 3) c53 = V.Load(ref C, r5 + o3); }
            if (rows > 6) { c60 = V.Load(ref C, r6 + o0); if (cols > 1) c61 = V.Load(ref C, r6 + o1); if (cols > 2) c62 = V.Load(ref C, r6 + o2); if (cols > 3) c63 = V.Load(ref C, r6 + o3); }
            if (rows > 7) { c70 = V.Load(ref C, r7 + o0); if (cols > 1) c71 = V.Load(ref C, r7 + o1); if (cols > 2) c72 = V.Load(ref C, r7 + o2); if (cols > 3) c73 = V.Load(ref C, r7 + o3); }
            fixed (T* pa = &A)
            {
            T* aCol = pa + r;
            nuint bRow = 0;
            for (int i = 0; i < m; i++, bRow += (nuint)ldb)
            {
                var b0 = V.Load(ref B, bRow + q0);
                var b1 = cols > 1 ? V.Load(ref B, bRow + q1) : default;
                var b2 = cols > 2 ? V.Load(ref B, bRow + q2) : default;
                var b3 = cols > 3 ? V.Load(ref B, bRow + q3) : default;
                T* ai = aCol + (nint)i * k;
                { var x = V.BroadcastFrom(ai); c00 = V.MultiplyAdd(x, b0, c00); if (cols > 1) c01 = V.MultiplyAdd(x, b1, c01); if (cols > 2) c02 = V.MultiplyAdd(x, b2, c02); if (cols > 3) c03 = V.MultiplyAdd(x, b3, c03); }
                if (rows > 1) { var x = V.BroadcastFrom(ai + 1); c10 = V.MultiplyAdd(x, b0, c10); if (cols > 1) c11 = V.MultiplyAdd(x, b1, c11); if (cols > 2) c12 = V.MultiplyAdd(x, b2, c12); if (cols > 3) c13 = V.MultiplyAdd(x, b3, c13); }
                if (rows > 2) { var x = V.BroadcastFrom(ai + 2); c20 = V.MultiplyAdd(x, b0, c20); if (cols > 1) c21 = V.MultiplyAdd(x, b1, c21); if (cols > 2) c22 = V.MultiplyAdd(x, b2, c22); if (cols > 3) c23 = V.MultiplyAdd(x, b3, c23); }
                if (rows > 3) { var x = V.BroadcastFrom(ai + 3); c30 = V.MultiplyAdd(x, b0, c30); if (cols > 1) c31 = V.MultiplyAdd(x, b1, c31); if (cols > 2) c32 = V.MultiplyAdd(x, b2, c32); if (cols > 3) c33 = V.MultiplyAdd(x, b3, c33); }
                if (rows > 4) { var x = V.BroadcastFrom(ai + 4); c40 = V.MultiplyAdd(x, b0, c40); if (cols > 1) c41 = V.MultiplyAdd(x, b1, c41); if (cols > 2) c42 = V.MultiplyAdd(x, b2, c42); if (cols > 3) c43 = V.MultiplyAdd(x, b3, c43); }
                if (rows > 5) { var x = V.BroadcastFrom(ai + 5); c50 = V.MultiplyAdd(x, b0, c50); if (cols > 1) c51 = V.MultiplyAdd(x, b1, c51); if (cols > 2) c52 = V.MultiplyAdd(x, b2, c52); if (cols > 3) c53 = V.MultiplyAdd(x, b3, c53); }
                if (rows > 6) { var x = V.BroadcastFrom(ai + 6); c60 = V.MultiplyAdd(x, b0, c60); if (cols > 1) c61 = V.MultiplyAdd(x, b1, c61); if (cols > 2) c62 = V.MultiplyAdd(x, b2, c62); if (cols > 3) c63 = V.MultiplyAdd(x, b3, c63); }
                if (rows > 7) { var x = V.BroadcastFrom(ai + 7); c70 = V.MultiplyAdd(x, b0, c70); if (cols > 1) c71 = V.MultiplyAdd(x, b1, c71); if (cols > 2) c72 = V.MultiplyAdd(x, b2, c72); if (cols > 3) c73 = V.MultiplyAdd(x, b3, c73); }
            }
            }
            { c00.Store(ref C, r0 + o0); if (cols > 1) c01.Store(ref C, r0 + o1); if (cols > 2) c02.Store(ref C, r0 + o2); if (cols > 3) c03.Store(ref C, r0 + o3); }
            if (rows > 1) { c10.Store(ref C, r1 + o0); if (cols > 1) c11.Store(ref C, r1 + o1); if (cols > 2) c12.Store(ref C, r1 + o2); if (cols > 3) c13.Store(ref C, r1 + o3); }
            if (rows > 2) { c20.Store(ref C, r2 + o0); if (cols > 1) c21.Store(ref C, r2 + o1); if (cols > 2) c22.Store(ref C, r2 + o2); if (cols > 3) c23.Store(ref C, r2 + o3); }
            if (rows > 3) { c30.Store(ref C, r3 + o0); if (cols > 1) c31.Store(ref C, r3 + o1); if (cols > 2) c32.Store(ref C, r3 + o2); if (cols > 3) c33.Store(ref C, r3 + o3); }
            if (rows > 4) { c40.Store(ref C, r4 + o0); if (cols > 1) c41.Store(ref C, r4 + o1); if (cols > 2) c42.Store(ref C, r4 + o2); if (cols > 3) c43.Store(ref C, r4 + o3); }
            if (rows > 5) { c50.Store(ref C, r5 + o0); if (cols > 1) c51.Store(ref C, r5 + o1); if (cols > 2) c52.Store(ref C, r5 + o2); if (cols > 3) c53.Store(ref C, r5 + o3); }
            if (rows > 6) { c60.Store(ref C, r6 + o0); if (cols > 1) c61.Store(ref C, r6 + o1); if (cols > 2) c62.Store(ref C, r6 + o2); if (cols > 3) c63.Store(ref C, r6 + o3); }
            if (rows > 7) { c70.Store(ref C, r7 + o0); if (cols > 1) c71.Store(ref C, r7 + o1); if (cols > 2) c72.Store(ref C, r7 + o2); if (cols > 3) c73.Store(ref C, r7 + o3); }
        }
    }
}
