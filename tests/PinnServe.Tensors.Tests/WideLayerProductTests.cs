using PinnServe.Contracts;
using PinnServe.Tensors;

namespace PinnServe.Tensors.Tests;

/// <summary>
/// A dense layer's three products at widths that are not a multiple of the register tile (PINNacle's 100, and 60, 44 with k = 200), on more
/// rows than one block of the row-blocked kernels (the forward's 144-row blocks at 100 wide, the weight gradient's 256 rows, whose
/// blocks are prefetched into L2 first), against the scalar chain every element must be: c ← fma(a, b, c) over the inner index in
/// order (a multiply, a rounding, then an add where the lane does not fuse: x86 with AVX2 off), bit for bit with signed zeros.
/// </summary>
public class WideLayerProductTests
{
    [Theory]
    [InlineData(300, 100, 100)]
    [InlineData(200, 60, 100)]
    [InlineData(280, 100, 60)]
    [InlineData(270, 200, 44)]
    // Klein–Gordon M1's 50-wide hidden layers (residual jet, initial condition, one face) and its k = 2 input layer.
    [InlineData(640, 50, 50)]
    [InlineData(256, 50, 50)]
    [InlineData(128, 50, 50)]
    [InlineData(640, 2, 50)]
    public void ProductsAcrossRowBlocksAreTheScalarChains(int m, int k, int n)
    {
        Check<Lane256<float>>(m, k, n);
        Check<Lane128<float>>(m, k, n);
        Check<Lane512<float>>(m, k, n);
        // The width the engine itself dispatches to here (the Lane128 tiles when AVX2 is off).
        var rng = new Rng(3);
        var (a, b, bias, w0) = (GemmTileRunTests.Values<float>(rng, m * k), GemmTileRunTests.Values<float>(rng, k * n), GemmTileRunTests.Values<float>(rng, n), GemmTileRunTests.Values<float>(rng, k * n));
        var c = new float[m * n];
        Gemm.MultiplyAddBias<float>(a, b, bias, c, m, k, n, biasRows: m / 3);
        GemmTileRunTests.Same(GemmTileRunTests.Chains<float>(Simd.Bits == 512 || Simd.HasFusedMultiplyAdd, m, k, n, (i, j) => i < m / 3 ? bias[j] : 0f, (i, p) => a[i * k + p], (p, j) => b[p * n + j]), c, "dispatched Y = X·W + b");
        var w = (float[])w0.Clone();
        var dy = GemmTileRunTests.Values<float>(rng, m * n);
        Gemm.MultiplyTransposedA<float>(a, dy, w, m, k, n, accumulate: true);
        GemmTileRunTests.Same(GemmTileRunTests.Chains<float>(Simd.Bits == 512 || Simd.HasFusedMultiplyAdd, k, m, n, (r, j) => w0[r * n + j], (r, i) => a[i * k + r], (i, j) => dy[i * n + j]), w, "dispatched dW += Xᵀ·dY");
        // dX = dY·Wᵀ for dY[m×n], W[k×n]: A[m×n]·Bᵀ with B[k×n]. Outputs narrower than a vector (k = 2) go to the narrow
        // kernels, whose sums are ordered otherwise (GemmNarrowTests).
        if (k < 16) return;
        var dx = new float[m * k];
        Gemm.MultiplyTransposedB<float>(dy, w0, dx, m, n, k, accumulate: false);
        GemmTileRunTests.Same(GemmTileRunTests.Chains<float>(Simd.Bits == 512 || Simd.HasFusedMultiplyAdd, m, n, k, (i, j) => 0f, (i, p) => dy[i * n + p], (p, j) => w0[j * n + p]), dx, "dispatched dX = dY·Wᵀ");
    }

    [Fact]
    public void RepeatedDispatchedProductsAllocateNothing()
    {
        const int m = 640, k = 50, n = 50;
        var rng = new Rng(11);
        var (x, w, bias, dy) = (GemmTileRunTests.Values<float>(rng, m * k), GemmTileRunTests.Values<float>(rng, k * n), GemmTileRunTests.Values<float>(rng, n), GemmTileRunTests.Values<float>(rng, m * n));
        var (y, dw, dx) = (new float[m * n], new float[k * n], new float[m * k]);
        void Layer()
        {
            Gemm.MultiplyAddBias<float>(x, w, bias, y, m, k, n, biasRows: 128);
            Gemm.MultiplyTransposedA<float>(x, dy, dw, m, k, n, accumulate: true);
            Gemm.MultiplyTransposedB<float>(dy, w, dx, m, n, k, accumulate: false);
        }
        Layer();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 3; r++) Layer();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    private static void Check<V>(int m, int k, int n) where V : struct, ISimdLane<V, float>
    {
        var rng = new Rng(17);
        bool fused = typeof(V) == typeof(Lane512<float>) || Simd.HasFusedMultiplyAdd;
        var (a, b, bias) = (GemmTileRunTests.Values<float>(rng, m * k), GemmTileRunTests.Values<float>(rng, k * n), GemmTileRunTests.Values<float>(rng, n));
        string at = $"{typeof(V).Name} m={m} k={k} n={n}";

        var c = new float[m * n];
        Gemm.Multiply<float, V>(a, b, c, m, k, n, Start.Bias, bias, m / 3);
        GemmTileRunTests.Same(GemmTileRunTests.Chains<float>(fused, m, k, n, (i, j) => i < m / 3 ? bias[j] : 0f, (i, p) => a[i * k + p], (p, j) => b[p * n + j]), c, "Y = X·W + b " + at);

        // dX = dY·Wᵀ with dY[m×n] and W[k×n]: here A[m×k]·Bᵀ with B[n×k].
        var bt = GemmTileRunTests.Values<float>(rng, n * k);
        Gemm.MultiplyTransposedB<float, V>(a, bt, c, m, k, n, accumulate: false);
        GemmTileRunTests.Same(GemmTileRunTests.Chains<float>(fused, m, k, n, (i, j) => 0f, (i, p) => a[i * k + p], (p, j) => bt[j * k + p]), c, "dX = dY·Wᵀ " + at);

        var dy = GemmTileRunTests.Values<float>(rng, m * n);
        var w0 = GemmTileRunTests.Values<float>(rng, k * n);
        var w = (float[])w0.Clone();
        Gemm.MultiplyTransposedA<float, V>(a, dy, w, m, k, n, accumulate: true);
        GemmTileRunTests.Same(GemmTileRunTests.Chains<float>(fused, k, m, n, (r, j) => w0[r * n + j], (r, i) => a[i * k + r], (i, j) => dy[i * n + j]), w, "dW += Xᵀ·dY " + at);
    }
}
