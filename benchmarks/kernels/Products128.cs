// The 128-bit products (issue 34, AVX2-off path) at Allen–Cahn's shapes (one shard: 4 jet components × 256 points,
// 128 wide): the generic Lane128 tiles against Gemm128's packed kernels, interleaved call by call in one process,
// with a bit-for-bit check of their results. Run with DOTNET_EnableAVX2=0 DOTNET_EnableAVX512F=0 (and
// DOTNET_TieredCompilation=0) to time them as the engine runs them without AVX2.
using System.Diagnostics;
using PinnServe.Tensors;

internal static class Products128
{
    public static void Run(int rounds, (int M, int K, int N)[]? shapes = null)
    {
        foreach (var (m, k, n) in shapes ?? new[] { (1024, 128, 128), (1024, 2, 128), (1024, 128, 130) })
        {
            var rng = new Random(5);
            float[] R(int length) { var x = new float[length]; for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() - 0.5); return x; }
            var x = R(m * k); var w = R(k * n); var bias = R(n); var dy = R(m * n);
            var y0 = new float[m * n]; var y1 = new float[m * n];
            var dx0 = R(m * k); var dx1 = (float[])dx0.Clone();
            var cases = new (string Name, Action Old, Action New, float[] C0, float[] C1)[]
            {
                ("Y = X·W + b (value rows)", () => Gemm.Multiply<float, Lane128<float>>(x, w, y0, m, k, n, Start.Bias, bias, m / 4),
                    () => Gemm128.Multiply<float>(x, w, y1, m, k, n, Start.Bias, bias, m / 4), y0, y1),
                ("dX = dY·Wᵀ", () => Gemm.MultiplyTransposedB<float, Lane128<float>>(dy, w, dx0, m, n, k, accumulate: false),
                    () => Gemm128.MultiplyTransposedB<float>(dy, w, dx1, m, n, k, accumulate: false), dx0, dx1),
            };
            double flops = Gemm.Flops(m, k, n);
            foreach (var (name, old, @new, c0, c1) in cases)
            {
                var times = new[] { new List<double>(), new List<double>() };
                for (int r = 0; r < rounds + 10; r++)
                {
                    var watch = Stopwatch.StartNew(); old(); double a = watch.Elapsed.TotalSeconds * 1e6;
                    watch.Restart(); @new(); double b = watch.Elapsed.TotalSeconds * 1e6;
                    if (r >= 10) { times[0].Add(a); times[1].Add(b); }
                }
                bool same = c0.AsSpan().SequenceEqual(c1);
                times[0].Sort(); times[1].Sort();
                double oldMedian = times[0][rounds / 2], newMedian = times[1][rounds / 2];
                Console.WriteLine($"{m}×{k}·{k}×{n,-4} {name,-26} µs best/median: Lane128 tiles {times[0][0],7:F1}/{oldMedian,7:F1} ({flops / oldMedian / 1e3,4:F1} GFLOP/s), " +
                                  $"packed {times[1][0],7:F1}/{newMedian,7:F1} ({flops / newMedian / 1e3,4:F1} GFLOP/s); new/old {newMedian / oldMedian:F3}; bits {(same ? "identical" : "DIFFER")}");
            }
        }
    }
}
