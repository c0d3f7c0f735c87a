using System.Diagnostics;

namespace PinnServe.Tensors;

/// <summary>
/// Measures one core's float32 FMA throughput at each vector width, so benchmarks report a fraction of what
/// this CPU really sustains rather than of a formula: an AMD Zen 4 core issues 512-bit FMAs over two 256-bit
/// pipes (the same FLOP rate as 256-bit), an Intel server core with two 512-bit FMA units twice that.
/// </summary>
public static class PeakFlops
{
    /// <summary>GFLOP/s of one core at each width this machine accelerates (best of several short runs).</summary>
    public static IReadOnlyDictionary<int, double> MeasureOneCore(TimeSpan perWidth)
    {
        var result = new Dictionary<int, double>();
        foreach (int bits in new[] { 512, 256, 128 })
        {
            if (bits > Simd.Bits) continue;
            result[bits] = bits switch
            {
                512 => Measure<Lane512<float>>(perWidth),
                256 => Measure<Lane256<float>>(perWidth),
                _ => Measure<Lane128<float>>(perWidth),
            };
        }
        return result;
    }

    private static double Measure<V>(TimeSpan budget) where V : struct, ISimdLane<V, float>
    {
        const int Iterations = 200_000;
        double best = 0;
        var total = Stopwatch.StartNew();
        Kernel<V>(1000);   // JIT and warm-up
        do
        {
            var watch = Stopwatch.StartNew();
            float sink = Kernel<V>(Iterations);
            double seconds = watch.Elapsed.TotalSeconds;
            if (float.IsNaN(sink)) throw new InvalidOperationException("unreachable");
            // 12 FMAs of Count lanes per iteration, 2 FLOP each.
            best = Math.Max(best, 12.0 * 2 * V.Count * Iterations / seconds / 1e9);
        }
        while (total.Elapsed < budget);
        return best;
    }

    // Twelve independent accumulators cover the FMA latency × pipes of current cores.
    private static float Kernel<V>(int iterations) where V : struct, ISimdLane<V, float>
    {
        V a0 = V.Broadcast(0.1f), a1 = V.Broadcast(0.2f), a2 = V.Broadcast(0.3f), a3 = V.Broadcast(0.4f);
        V a4 = V.Broadcast(0.5f), a5 = V.Broadcast(0.6f), a6 = V.Broadcast(0.7f), a7 = V.Broadcast(0.8f);
        V a8 = V.Broadcast(0.9f), a9 = V.Broadcast(1.0f), a10 = V.Broadcast(1.1f), a11 = V.Broadcast(1.2f);
        V x = V.Broadcast(0.999f), y = V.Broadcast(1e-4f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = V.MultiplyAdd(a0, x, y); a1 = V.MultiplyAdd(a1, x, y); a2 = V.MultiplyAdd(a2, x, y); a3 = V.MultiplyAdd(a3, x, y);
            a4 = V.MultiplyAdd(a4, x, y); a5 = V.MultiplyAdd(a5, x, y); a6 = V.MultiplyAdd(a6, x, y); a7 = V.MultiplyAdd(a7, x, y);
            a8 = V.MultiplyAdd(a8, x, y); a9 = V.MultiplyAdd(a9, x, y); a10 = V.MultiplyAdd(a10, x, y); a11 = V.MultiplyAdd(a11, x, y);
        }
        var s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        Span<float> lanes = stackalloc float[V.Count];
        s.Store(ref lanes[0], 0);
        return lanes[0];
    }
}
