// The three products of a dense layer at widths that are not a multiple of the register tile (issue 34: PINNacle's
// 5 × 100 network). Default shapes: its hidden layers on a 1,024-row and a 256-row shard, its k = 2 input layer and
// n = 1 output layer, and a 128-wide layer for reference (µs best/median, GFLOP/s at best/median); --shape m,k,n (repeatable) replaces them. With --before DIR,
// the same calls through the PinnServe.Tensors.dll in DIR (an earlier build) are timed interleaved with this build's,
// call by call, in one process, and the outputs compared bit for bit.
using System.Diagnostics;
using PinnServe.Tensors;

internal static class WideProducts
{
    public static readonly (int M, int K, int N)[] DefaultShapes =
        [(1024, 100, 100), (256, 100, 100), (1024, 2, 100), (1024, 100, 1), (1024, 128, 128), (1024, 20, 20), (1024, 60, 60), (1024, 200, 200)];

    private sealed class Case
    {
        public required int Rows, K, N;
        public required float[] X, W, Bias, Dy, Dw0;
        public required float[][][] Outputs;   // [side][product]
        public required List<double>[,] Times;  // [side, product], seconds
    }

    /// <summary>With <paramref name="coldMegabytes"/> &gt; 0, that many MB are written before every call, so each product starts with its
    /// operands out of cache (2: out of L2, in L3; 48: in memory), as in a training step, where every shard's layers have their own buffers.</summary>
    public static void Run(string? beforeDirectory, int rounds, (int M, int K, int N)[] shapes, int coldMegabytes = 0)
    {
        var evict = new float[coldMegabytes << 18];
        void Evict() { for (int i = 0; i < evict.Length; i += 16) evict[i] += 1; }
        var sides = beforeDirectory is null ? new[] { ("this build", LayerKernels.Current()) } : new[] { ("before", LayerKernels.Load(beforeDirectory)), ("after", LayerKernels.Current()) };
        var cases = shapes.Select(shape =>
        {
            var (rows, k, n) = shape;
            var rng = new Random(5);
            float[] R(int length) { var a = new float[length]; for (int i = 0; i < length; i++) a[i] = (float)(rng.NextDouble() - 0.5); return a; }
            var times = new List<double>[sides.Length, 3];
            for (int s = 0; s < sides.Length; s++) for (int j = 0; j < 3; j++) times[s, j] = new();
            return new Case
            {
                Rows = rows, K = k, N = n, X = R(rows * k), W = R(k * n), Bias = R(n), Dy = R(rows * n), Dw0 = R(k * n),
                Outputs = sides.Select(_ => new[] { new float[rows * n], new float[k * n], new float[rows * k] }).ToArray(), Times = times,
            };
        }).ToArray();
        var watch = new Stopwatch();
        // Round by round every shape and every side runs once (the sides' order alternating), so a slow phase of the
        // shared host hits all of them alike and the rates of different widths can be compared as well as the builds.
        for (int r = 0; r < rounds + 20; r++)
            foreach (var c in cases)
                for (int turn = 0; turn < sides.Length; turn++)
                {
                    int s = r % 2 == 0 ? turn : sides.Length - 1 - turn;
                    var kernels = sides[s].Item2;
                    var o = c.Outputs[s];
                    Evict();
                    watch.Restart(); kernels.Forward(c.X, c.W, c.Bias, o[0], c.Rows, c.K, c.N, c.Rows / 4); double f = watch.Elapsed.TotalSeconds;
                    c.Dw0.CopyTo(o[1], 0);
                    Evict();
                    watch.Restart(); kernels.WeightGradient(c.X, c.Dy, o[1], c.Rows, c.K, c.N, true); double g = watch.Elapsed.TotalSeconds;
                    Evict();
                    watch.Restart(); kernels.InputGradient(c.Dy, c.W, o[2], c.Rows, c.N, c.K, false); double h = watch.Elapsed.TotalSeconds;
                    if (r < 20) continue;
                    c.Times[s, 0].Add(f); c.Times[s, 1].Add(g); c.Times[s, 2].Add(h);
                }
        var names = new[] { "Y = X·W + b", "dW += Xᵀ·dY", "dX = dY·Wᵀ" };
        foreach (var c in cases)
        {
            double flops = Gemm.Flops(c.Rows, c.K, c.N);
            for (int j = 0; j < 3; j++)
            {
                var line = $"{c.Rows,4}×{c.K,3}·{c.K,3}×{c.N,-3} {names[j],-12}";
                for (int s = 0; s < sides.Length; s++)
                {
                    var t = c.Times[s, j].Order().ToList();
                    double best = t[0] * 1e6, median = t[t.Count / 2] * 1e6;
                    line += $"  {sides[s].Item1}: {best,7:F1}/{median,7:F1} µs ({flops / t[0] / 1e9,5:F1}/{flops / t[t.Count / 2] / 1e9,5:F1} GFLOP/s)";
                }
                if (sides.Length == 2)
                {
                    // The two sides ran back to back: the median of their ratios cancels the host's slow phases.
                    var ratios = c.Times[1, j].Zip(c.Times[0, j], (after, before) => after / before).Order().ToList();
                    line += $"  after/before: median {ratios[ratios.Count / 2]:F3}";
                    line += c.Outputs[0][j].AsSpan().SequenceEqual(c.Outputs[1][j]) ? "  bits: same" : "  bits: DIFFERENT";
                }
                Console.WriteLine(line);
            }
        }
    }
}
