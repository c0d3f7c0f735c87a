using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PinnServe.Tensors;

/// <summary>
/// Products with fewer output columns than a vector (a network's last layer: ψ and p, u and v), faster but with the
/// operations of the scalar loops they replace, element by element: each C element is the chain c ← c + a·b (a
/// multiply, then an add; from 0 when not accumulating) over the same index in the same order, so no bit changes.
/// </summary>
public static partial class Gemm
{
    /// <summary>
    /// C[m×n] (+)= A[m×k]·B[k×n] for 2 ≤ n: four rows at a time with their n sums in registers (independent chains
    /// instead of one load-add-store round trip through C per multiply).
    /// </summary>
    private static void MultiplyNarrowRows<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T A = ref MemoryMarshal.GetReference(a);
        ref T B = ref MemoryMarshal.GetReference(b);
        ref T C = ref MemoryMarshal.GetReference(c);
        int i = 0;
        if (n == 2)
        {
            for (; i + 4 <= m; i += 4)
            {
                ref T c0 = ref Unsafe.Add(ref C, i * 2);
                T s00 = T.Zero, s01 = T.Zero, s10 = T.Zero, s11 = T.Zero, s20 = T.Zero, s21 = T.Zero, s30 = T.Zero, s31 = T.Zero;
                if (accumulate)
                {
                    s00 = c0; s01 = Unsafe.Add(ref c0, 1); s10 = Unsafe.Add(ref c0, 2); s11 = Unsafe.Add(ref c0, 3);
                    s20 = Unsafe.Add(ref c0, 4); s21 = Unsafe.Add(ref c0, 5); s30 = Unsafe.Add(ref c0, 6); s31 = Unsafe.Add(ref c0, 7);
                }
                ref T a0 = ref Unsafe.Add(ref A, i * k);
                ref T a1 = ref Unsafe.Add(ref a0, k);
                ref T a2 = ref Unsafe.Add(ref a1, k);
                ref T a3 = ref Unsafe.Add(ref a2, k);
                for (int p = 0; p < k; p++)
                {
                    T b0 = Unsafe.Add(ref B, 2 * p), b1 = Unsafe.Add(ref B, 2 * p + 1);
                    T x0 = Unsafe.Add(ref a0, p), x1 = Unsafe.Add(ref a1, p), x2 = Unsafe.Add(ref a2, p), x3 = Unsafe.Add(ref a3, p);
                    s00 += x0 * b0; s01 += x0 * b1; s10 += x1 * b0; s11 += x1 * b1;
                    s20 += x2 * b0; s21 += x2 * b1; s30 += x3 * b0; s31 += x3 * b1;
                }
                c0 = s00; Unsafe.Add(ref c0, 1) = s01; Unsafe.Add(ref c0, 2) = s10; Unsafe.Add(ref c0, 3) = s11;
                Unsafe.Add(ref c0, 4) = s20; Unsafe.Add(ref c0, 5) = s21; Unsafe.Add(ref c0, 6) = s30; Unsafe.Add(ref c0, 7) = s31;
            }
        }
        for (; i < m; i++)
        {
            ref T row = ref Unsafe.Add(ref A, i * k);
            ref T cRow = ref Unsafe.Add(ref C, i * n);
            for (int j = 0; j < n; j++)
            {
                T s = accumulate ? Unsafe.Add(ref cRow, j) : T.Zero;
                for (int p = 0; p < k; p++) s += Unsafe.Add(ref row, p) * Unsafe.Add(ref B, p * n + j);
                Unsafe.Add(ref cRow, j) = s;
            }
        }
    }

    /// <summary>
    /// C[k×n] += Aᵀ·B for A[m×k], B[m×n], 2 ≤ n &lt; VL (a narrow layer's weight gradient): C's columns are copied into
    /// contiguous scratch rows, so each row i of A updates them with vector multiplies and adds over p (c_pj ← c_pj +
    /// b_ij·a_ip, i in order) instead of n strided scalar passes, then copied back.
    /// </summary>
    private static void WeightGradientNarrow<T, V>(ref T A, ref T B, ref T C, int m, int k, int n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        var scratch = Scratch<T>.Get(k * n, 2);  // slot 2: dY's panels, unused on this path
        ref T S = ref MemoryMarshal.GetArrayDataReference(scratch);
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) Unsafe.Add(ref S, j * k + p) = Unsafe.Add(ref C, p * n + j);
        int vl = V.Count, vectorEnd = k - k % vl;
        for (int i = 0; i < m; i++)
        {
            ref T row = ref Unsafe.Add(ref A, i * k);
            for (int j = 0; j < n; j++)
            {
                T alpha = Unsafe.Add(ref B, i * n + j);
                var va = V.Broadcast(alpha);
                ref T s = ref Unsafe.Add(ref S, j * k);
                int p = 0;
                for (; p < vectorEnd; p += vl) (V.Load(ref s, (nuint)p) + va * V.Load(ref row, (nuint)p)).Store(ref s, (nuint)p);
                for (; p < k; p++) Unsafe.Add(ref s, p) += alpha * Unsafe.Add(ref row, p);
            }
        }
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) Unsafe.Add(ref C, p * n + j) = Unsafe.Add(ref S, j * k + p);
    }
}
