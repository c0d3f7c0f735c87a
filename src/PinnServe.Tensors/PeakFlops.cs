using System.Diagnostics;
using System.Numerics;

namespace PinnServe.Tensors;

/// <summary>
/// Measures one core's float32 FMA throughput at each vector width, so benchmarks report a fraction of what
/// this CPU really sustains rather than of a formula: an AMD Zen 4 core issues 512-bit FMAs over two 256-bit
/// pipes (the same FLOP rate as 256-bit), an Intel server core with two 512-bit FMA units twice that.
/// </summary>
public static class PeakFlops
{
    /// <summary>GFLOP/s of one core at each width this machine accelerates (best of several short runs), float32.</summary>
    public static IReadOnlyDictionary<int, double> MeasureOneCore(TimeSpan perWidth) => MeasureOneCore<float>(perWidth);

    /// <summary>The same for <typeparamref name="T"/> (float64 peaks are half of float32's at the same width).</summary>
    public static IReadOnlyDictionary<int, double> MeasureOneCore<T>(TimeSpan perWidth) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var result = new Dictionary<int, double>();
        foreach (int bits in new[] { 512, 256, 128 })
        {
            if (bits > Simd.Bits) continue;
            result[bits] = bits switch
            {
                512 => Measure<T, Lane512<T>>(perWidth),
                256 => Measure<T, Lane256<T>>(perWidth),
                _ => Measure<T, Lane128<T>>(perWidth),
            };
        }
        return result;
    }

    private static double Measure<T, V>(TimeSpan budget) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        const int Iterations = 200_000;
        double best = 0;
        var total = Stopwatch.StartNew();
        Kernel<T, V>(1000);   // JIT and warm-up
        do
        {
            var watch = Stopwatch.StartNew();
            T sink = Kernel<T, V>(Iterations);
            double seconds = watch.Elapsed.TotalSeconds;
            if (T.IsNaN(sink)) throw new InvalidOperationException("unreachable");
            // 12 FMAs of Count lanes per iteration, 2 FLOP each.
            best = Math.Max(best, 12.0 * 2 * V.Count * Iterations / seconds / 1e9);
        }
        while (total.Elapsed < budget);
        return best;
    }

    // Twelve independent accumulators cover the FMA latency × pipes of current cores.
    private static T Kernel<T, V>(int iterations) where T : unmanaged, IBinaryFloatingPointIeee754<T> where V : struct, ISimdLane<V, T>
    {
        static V C(double v) => V.Broadcast(T.CreateTruncating(v));
        V a0 = C(0.1), a1 = C(0.2), a2 = C(0.3), a3 = C(0.4), a4 = C(0.5), a5 = C(0.6), a6 = C(0.7), a7 = C(0.8);
        V a8 = C(0.9), a9 = C(1.0), a10 = C(1.1), a11 = C(1.2);
        V x = C(0.999), y = C(1e-4);
        for (int i = 0; i < iterations; i++)
        {
            a0 = V.MultiplyAdd(a0, x, y); a1 = V.MultiplyAdd(a1, x, y); a2 = V.MultiplyAdd(a2, x, y); a3 = V.MultiplyAdd(a3, x, y);
            a4 = V.MultiplyAdd(a4, x, y); a5 = V.MultiplyAdd(a5, x, y); a6 = V.MultiplyAdd(a6, x, y); a7 = V.MultiplyAdd(a7, x, y);
            a8 = V.MultiplyAdd(a8, x, y); a9 = V.MultiplyAdd(a9, x, y); a10 = V.MultiplyAdd(a10, x, y); a11 = V.MultiplyAdd(a11, x, y);
        }
        var s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        Span<T> lanes = stackalloc T[V.Count];
        s.Store(ref lanes[0], 0);
        return lanes[0];
    }
}
