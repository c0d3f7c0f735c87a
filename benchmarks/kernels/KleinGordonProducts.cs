// The three products of a 50-wide hidden layer at Klein–Gordon M1's shapes (issue 34): per step, four hidden layers
// on the residual jet (128 points × 5 components = 640 rows, the bias on the first 128), the initial condition's
// (128 × 2 = 256 rows) and each boundary face's (128 rows). With --before DIR, the same calls through the
// PinnServe.Tensors.dll in DIR (an earlier build) are timed interleaved with this build's, call by call, in one
// process, and their outputs compared bit for bit.
using System.Diagnostics;
using PinnServe.Tensors;

internal static class KleinGordonProducts
{
    public static void Run(string? beforeDirectory, int rounds)
    {
        var sides = beforeDirectory is null ? new[] { ("this build", LayerKernels.Current()) } : new[] { ("before", LayerKernels.Load(beforeDirectory)), ("after", LayerKernels.Current()) };
        const int width = 50;
        {
            // dX = dY·Wᵀ transposes W first (then packs it): that pass alone.
            var w = new float[width * width]; var wt = new float[width * width];
            var t = new List<double>();
            var watch = new Stopwatch();
            for (int r = 0; r < rounds + 20; r++) { watch.Restart(); Gemm.Transpose<float>(w, width, width, wt); if (r >= 20) t.Add(watch.Elapsed.TotalSeconds * 1e6); }
            t.Sort();
            Console.WriteLine($"Transpose of W (50×50): {t[0]:F2}/{t[t.Count / 2]:F2} µs best/median");
        }
        foreach (var (rows, points) in new[] { (640, 128), (256, 128), (128, 128) })
        {
            var rng = new Random(5);
            float[] R(int length) { var a = new float[length]; for (int i = 0; i < length; i++) a[i] = (float)(rng.NextDouble() - 0.5); return a; }
            var x = R(rows * width); var w = R(width * width); var bias = R(width); var dy = R(rows * width);
            double flops = Gemm.Flops(rows, width, width);
            var names = new[] { "Y = X·W + b", "dW += Xᵀ·dY", "dX = dY·Wᵀ" };
            var outputs = new float[sides.Length][][];
            var times = new List<double>[sides.Length, 3];
            for (int s = 0; s < sides.Length; s++)
            {
                outputs[s] = [new float[rows * width], new float[width * width], new float[rows * width]];
                for (int j = 0; j < 3; j++) times[s, j] = new();
            }
            var watch = new Stopwatch();
            for (int r = 0; r < rounds + 20; r++)
            {
                // The order alternates round by round, so neither side always runs on caches the other just warmed.
                for (int turn = 0; turn < sides.Length; turn++)
                {
                    int s = r % 2 == 0 ? turn : sides.Length - 1 - turn;
                    var (_, kernels) = sides[s];
                    var o = outputs[s];
                    watch.Restart(); kernels.Forward(x, w, bias, o[0], rows, width, width, points); double f = watch.Elapsed.TotalSeconds;
                    Array.Clear(o[1]);
                    watch.Restart(); kernels.WeightGradient(x, dy, o[1], rows, width, width, true); double g = watch.Elapsed.TotalSeconds;
                    watch.Restart(); kernels.InputGradient(dy, w, o[2], rows, width, width, false); double h = watch.Elapsed.TotalSeconds;
                    if (r < 20) continue;
                    times[s, 0].Add(f); times[s, 1].Add(g); times[s, 2].Add(h);
                }
            }
            for (int j = 0; j < 3; j++)
            {
                var line = $"{rows,4}×{width}·{width}×{width} {names[j],-12}";
                for (int s = 0; s < sides.Length; s++)
                {
                    var t = times[s, j].Order().ToList();
                    double best = t[0] * 1e6, median = t[t.Count / 2] * 1e6;
                    line += $"  {sides[s].Item1}: {best,6:F2}/{median,6:F2} µs ({flops / t[0] / 1e9,5:F1} GFLOP/s best)";
                }
                if (sides.Length == 2)
                {
                    // Round by round, the two sides ran back to back: the median of their ratios cancels the host's slow phases.
                    var ratios = times[1, j].Zip(times[0, j], (after, before) => after / before).Order().ToList();
                    line += $"  after/before: median {ratios[ratios.Count / 2]:F3}";
                    bool same = outputs[0][j].AsSpan().SequenceEqual(outputs[1][j]);
                    line += same ? "  bits: same" : "  bits: DIFFERENT";
                }
                Console.WriteLine(line);
            }
        }
    }
}
