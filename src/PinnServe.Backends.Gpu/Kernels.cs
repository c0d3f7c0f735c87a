using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace PinnServe.Backends.Gpu;

/// <summary>Offsets into the arena and scalars of one elementwise launch (one struct keeps the kernels' signatures short).</summary>
internal struct Ew
{
    public int Dst, A, B, Count;
    public float Alpha, Beta;
}

/// <summary>A dense product over the arena: Y[rows×n] = X[rows×k]·W[k×n] (+ bias on the first BiasRows rows).</summary>
internal struct GemmArgs
{
    public int X, W, Y, Bias, Rows, K, N, BiasRows;
}

/// <summary>σ⁽ᵐ⁾(z) for m = 0..Order into S0..S4 (Kind 0 = tanh, 1 = sin).</summary>
internal struct SigmaArgs
{
    public int Z, S0, S1, S2, S3, S4, Order, Kind;
}

/// <summary>A sum of vectors listed in the int buffer (List: start, Count: how many), optionally each times its λ (m[Lambdas + k]).</summary>
internal struct VectorSumArgs
{
    public int List, Count, Lambdas, Dst;
}

/// <summary>Offsets of θ, m, v and ∇L, and one update's scalars (as the host's <c>Adam</c> forms them in float).</summary>
internal struct AdamArgs
{
    public int Theta, M, V, G;
    public float B1, B2, A1, A2, StepSize, InvSqrtC2, Eps;
}

/// <summary>Vectors (the reference at arena offset Reference, then those listed at Vectors in the int buffer) × blocks ((offset, length) pairs at Blocks).</summary>
internal struct StatisticsArgs
{
    public int Reference, Vectors, Blocks, BlockCount;
}

/// <summary>
/// The device kernels. Every kernel works on one float arena (all node buffers, θ and the per-term results at
/// fixed offsets), so a node's translation is just a list of offsets and the same kernels serve every tape.
/// They are plain one-thread-per-output kernels: correct everywhere (ILGPU's CPU accelerator runs them in CI),
/// not yet tuned (no shared-memory tiles, no cuBLAS, no fusion).
/// </summary>
internal sealed class Kernels
{
    public const int PlanStride = 8;   // per term: destination, factor count, coefficient, 5 factors

    public readonly Action<Index1D, ArrayView<float>, ArrayView<int>, int, int, int> Product;
    public readonly Action<Index1D, ArrayView<float>, GemmArgs> GemmForward, GemmWeightGrad, GemmInputGrad, ColumnSums;
    public readonly Action<Index1D, ArrayView<float>, Ew> Combine, CombineAdd, Affine, Multiply, MultiplyAdd, Copy,
        Gather, ScatterAdd, ScaleByScalar, ScaleByScalarAdd, Power, MeanSquare, DotAdd, AddScalar, SetScalar;
    public readonly Action<Index1D, ArrayView<float>, SigmaArgs> Sigma;
    public readonly Action<Index1D, ArrayView<float>, ArrayView<int>, int, int, int> ScalarSum;
    public readonly Action<Index1D, ArrayView<float>, ArrayView<int>, VectorSumArgs> SumVectors, AddWeightedVectors;
    public readonly Action<Index1D, ArrayView<float>, AdamArgs> AdamUpdate;
    public readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<double>, StatisticsArgs> BlockStatistics;

    public Kernels(Accelerator a)
    {
        Product = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, int, int, int>(ProductKernel);
        GemmForward = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, GemmArgs>(GemmForwardKernel);
        GemmWeightGrad = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, GemmArgs>(GemmWeightGradKernel);
        GemmInputGrad = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, GemmArgs>(GemmInputGradKernel);
        ColumnSums = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, GemmArgs>(ColumnSumsKernel);
        Combine = Load(a, CombineKernel);
        CombineAdd = Load(a, CombineAddKernel);
        Affine = Load(a, AffineKernel);
        Multiply = Load(a, MultiplyKernel);
        MultiplyAdd = Load(a, MultiplyAddKernel);
        Copy = Load(a, CopyKernel);
        Gather = Load(a, GatherKernel);
        ScatterAdd = Load(a, ScatterAddKernel);
        ScaleByScalar = Load(a, ScaleByScalarKernel);
        ScaleByScalarAdd = Load(a, ScaleByScalarAddKernel);
        Power = Load(a, PowerKernel);
        MeanSquare = Load(a, MeanSquareKernel);
        DotAdd = Load(a, DotAddKernel);
        AddScalar = Load(a, AddScalarKernel);
        SetScalar = Load(a, SetScalarKernel);
        Sigma = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, SigmaArgs>(SigmaKernel);
        ScalarSum = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, int, int, int>(ScalarSumKernel);
        SumVectors = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, VectorSumArgs>(SumVectorsKernel);
        AddWeightedVectors = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, VectorSumArgs>(AddWeightedVectorsKernel);
        AdamUpdate = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, AdamArgs>(AdamKernel);
        BlockStatistics = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<double>, StatisticsArgs>(BlockStatisticsKernel);
    }

    private static Action<Index1D, ArrayView<float>, Ew> Load(Accelerator a, Action<Index1D, ArrayView<float>, Ew> kernel)
        => a.LoadAutoGroupedStreamKernel(kernel);

    // dst += c · Π factors for every term of a plan, element i of each slice; terms in plan order.
    private static void ProductKernel(Index1D i, ArrayView<float> m, ArrayView<int> plan, int start, int count, int length)
    {
        for (int t = 0; t < count; t++)
        {
            int b = start + t * PlanStride;
            int factors = plan[b + 1];
            float p = m[plan[b + 3] + i];
            for (int f = 1; f < factors; f++) p *= m[plan[b + 3 + f] + i];
            m[plan[b] + i] += plan[b + 2] * p;
        }
    }

    private static void GemmForwardKernel(Index1D idx, ArrayView<float> m, GemmArgs g)
    {
        int r = idx / g.N, j = idx - r * g.N;
        float s = r < g.BiasRows ? m[g.Bias + j] : 0f;
        int x = g.X + r * g.K;
        for (int k = 0; k < g.K; k++) s += m[x + k] * m[g.W + k * g.N + j];
        m[g.Y + idx] = s;
    }

    // dW[k, j] += Σ_r X[r, k]·dY[r, j]  (Y holds dY's offset, W holds dW's).
    private static void GemmWeightGradKernel(Index1D idx, ArrayView<float> m, GemmArgs g)
    {
        int k = idx / g.N, j = idx - k * g.N;
        float s = 0f;
        for (int r = 0; r < g.Rows; r++) s += m[g.X + r * g.K + k] * m[g.Y + r * g.N + j];
        m[g.W + idx] += s;
    }

    // dX[r, k] += Σ_j dY[r, j]·W[k, j]  (X holds dX's offset, Y dY's).
    private static void GemmInputGradKernel(Index1D idx, ArrayView<float> m, GemmArgs g)
    {
        int r = idx / g.K, k = idx - r * g.K;
        float s = 0f;
        for (int j = 0; j < g.N; j++) s += m[g.Y + r * g.N + j] * m[g.W + k * g.N + j];
        m[g.X + idx] += s;
    }

    // db[j] += Σ_{r < BiasRows} dY[r, j]  (Bias holds db's offset).
    private static void ColumnSumsKernel(Index1D j, ArrayView<float> m, GemmArgs g)
    {
        float s = 0f;
        for (int r = 0; r < g.BiasRows; r++) s += m[g.Y + r * g.N + j];
        m[g.Bias + j] += s;
    }

    private static void CombineKernel(Index1D i, ArrayView<float> m, Ew e) => m[e.Dst + i] = e.Alpha * m[e.A + i] + e.Beta * m[e.B + i];
    private static void CombineAddKernel(Index1D i, ArrayView<float> m, Ew e) => m[e.Dst + i] += e.Alpha * m[e.A + i] + e.Beta * m[e.B + i];
    private static void AffineKernel(Index1D i, ArrayView<float> m, Ew e) => m[e.Dst + i] = m[e.A + i] * e.Alpha + e.Beta;
    private static void MultiplyKernel(Index1D i, ArrayView<float> m, Ew e) => m[e.Dst + i] = m[e.A + i] * m[e.B + i];
    private static void MultiplyAddKernel(Index1D i, ArrayView<float> m, Ew e) => m[e.Dst + i] += e.Alpha * m[e.A + i] * m[e.B + i];
    private static void CopyKernel(Index1D i, ArrayView<float> m, Ew e) => m[e.Dst + i] = m[e.A + i];
    // Column Count of a row-major (points × Count) block: dst[p] = A[p·Count + B].
    private static void GatherKernel(Index1D p, ArrayView<float> m, Ew e) => m[e.Dst + p] = m[e.A + p * e.Count + e.B];
    private static void ScatterAddKernel(Index1D p, ArrayView<float> m, Ew e) => m[e.A + p * e.Count + e.B] += m[e.Dst + p];
    // dst = A·m[B] (B: offset of a scalar such as a trained coefficient).
    private static void ScaleByScalarKernel(Index1D i, ArrayView<float> m, Ew e) => m[e.Dst + i] = m[e.A + i] * m[e.B];
    private static void ScaleByScalarAddKernel(Index1D i, ArrayView<float> m, Ew e) => m[e.Dst + i] += e.Alpha * m[e.B] * m[e.A + i];

    // dst = Aᵖ with p = Count, and B receives A^(p−1) for the backward pass.
    private static void PowerKernel(Index1D i, ArrayView<float> m, Ew e)
    {
        float a = m[e.A + i], lower = 1f;
        for (int k = 1; k < e.Count; k++) lower *= a;
        m[e.B + i] = lower;
        m[e.Dst + i] = lower * a;
    }

    // One thread: m[Dst] = Σ A² / Alpha over Count elements (Alpha: the whole point set's size).
    private static void MeanSquareKernel(Index1D i, ArrayView<float> m, Ew e)
    {
        float s = 0f;
        for (int k = 0; k < e.Count; k++) s += m[e.A + k] * m[e.A + k];
        m[e.Dst] = s / e.Alpha;
    }

    // One thread: m[Dst] += Σ A·B over Count elements.
    private static void DotAddKernel(Index1D i, ArrayView<float> m, Ew e)
    {
        float s = 0f;
        for (int k = 0; k < e.Count; k++) s += m[e.A + k] * m[e.B + k];
        m[e.Dst] += s;
    }

    private static void AddScalarKernel(Index1D i, ArrayView<float> m, Ew e) => m[e.Dst] += e.Alpha * m[e.A];
    private static void SetScalarKernel(Index1D i, ArrayView<float> m, Ew e) => m[e.Dst] = e.Alpha;

    // One thread: m[dst] = Σ m[terms[start + k]] for k < count.
    private static void ScalarSumKernel(Index1D i, ArrayView<float> m, ArrayView<int> terms, int start, int count, int dst)
    {
        float s = 0f;
        for (int k = 0; k < count; k++) s += m[terms[start + k]];
        m[dst] = s;
    }

    // dst[i] = Σ_k vector_k[i], in list order (the host's order: residual after residual from zero).
    private static void SumVectorsKernel(Index1D i, ArrayView<float> m, ArrayView<int> list, VectorSumArgs a)
    {
        float s = 0f;
        for (int k = 0; k < a.Count; k++) s += m[list[a.List + k] + i];
        m[a.Dst + i] = s;
    }

    // dst[i] += Σ_k λ_k·vector_k[i], in list order.
    private static void AddWeightedVectorsKernel(Index1D i, ArrayView<float> m, ArrayView<int> list, VectorSumArgs a)
    {
        float s = m[a.Dst + i];
        for (int k = 0; k < a.Count; k++) s = m[list[a.List + k] + i] * m[a.Lambdas + k] + s;
        m[a.Dst + i] = s;
    }

    // Adam on θ with m and v kept in the arena; the same float expressions as the host's vectorized update.
    private static void AdamKernel(Index1D i, ArrayView<float> m, AdamArgs a)
    {
        float g = m[a.G + i];
        float mi = a.B1 * m[a.M + i] + a.A1 * g;
        float vi = a.B2 * m[a.V + i] + a.A2 * g * g;
        m[a.M + i] = mi;
        m[a.V + i] = vi;
        m[a.Theta + i] -= a.StepSize * mi / (XMath.Sqrt(vi) * a.InvSqrtC2 + a.Eps);
    }

    // One thread per (vector, block): max|g| (NaN if any entry is), Σ|g|, Σg, Σg² in float64, element order,
    // into stats[4·(vector·BlockCount + block) + 0..3]. The schemes' statistics combine from these on the host.
    private static void BlockStatisticsKernel(Index1D idx, ArrayView<float> m, ArrayView<int> ints, ArrayView<double> stats, StatisticsArgs a)
    {
        int v = idx / a.BlockCount, b = idx - v * a.BlockCount;
        int start = (v == 0 ? a.Reference : ints[a.Vectors + v - 1]) + ints[a.Blocks + 2 * b], length = ints[a.Blocks + 2 * b + 1];
        double max = 0, sumAbs = 0, sum = 0, sumSquares = 0;
        bool nan = false;
        for (int k = 0; k < length; k++)
        {
            double d = m[start + k];
            double abs = d < 0 ? -d : d;
#pragma warning disable CS1718 // d != d is the NaN test every ILGPU target compiles (no intrinsic needed)
            if (d != d) nan = true;
#pragma warning restore CS1718
            if (abs > max) max = abs;
            sumAbs += abs;
            sum += d;
            sumSquares += d * d;
        }
        int o = 4 * idx;
        stats[o] = nan ? double.NaN : max;
        stats[o + 1] = sumAbs;
        stats[o + 2] = sum;
        stats[o + 3] = sumSquares;
    }

    // The same polynomials of t = tanh z as the CPU engine (TanhActivation), so both round alike.
    private static void SigmaKernel(Index1D i, ArrayView<float> m, SigmaArgs g)
    {
        float z = m[g.Z + i];
        if (g.Kind == 1)
        {
            float s = (float)XMath.Sin((double)z), c = (float)XMath.Cos((double)z);
            m[g.S0 + i] = s;
            if (g.Order >= 1) m[g.S1 + i] = c;
            if (g.Order >= 2) m[g.S2 + i] = -s;
            if (g.Order >= 3) m[g.S3 + i] = -c;
            if (g.Order >= 4) m[g.S4 + i] = s;
            return;
        }
        float t = (float)XMath.Tanh((double)z), t2 = t * t, s1 = 1f - t2;
        m[g.S0 + i] = t;
        if (g.Order >= 1) m[g.S1 + i] = s1;
        if (g.Order >= 2) m[g.S2 + i] = -(2f * t * s1);
        if (g.Order >= 3) m[g.S3 + i] = s1 * (6f * t2 - 2f);
        if (g.Order >= 4) m[g.S4 + i] = s1 * t * (16f - 24f * t2);
    }
}
