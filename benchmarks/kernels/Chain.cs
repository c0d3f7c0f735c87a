// The trainer's call sequence without the trainer: S shards of one Allen–Cahn-shaped residual term (a 5 × 128 tanh MLP on
// the jet {u, u_t, u_x, u_xx} of 256 points each), every shard with its own tape as the trainer builds them, run forward
// and backward one after the other. Timed per node kind by thread CPU time (TapeProfile), once with S distinct shards (the
// trainer) and once with one shard run S times (the isolated kernels' hot caches), so the difference is what the
// shards' own memory costs.
using System.Diagnostics;
using System.Numerics;
using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts.Derivatives;

internal static class Chain
{
    public static void Run<T>(int shards, int points, int width, int hidden, int steps) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var set = DerivativeSet.Closure(2, [[0], [1, 1]]);
        var store = new ParameterStore<T>();
        var rng = new Random(3);
        var layers = new List<(ParameterInfo, ParameterInfo)>();
        for (int l = 0; l <= hidden; l++)
        {
            int rows = l == 0 ? 2 : width, cols = l == hidden ? 1 : width;
            layers.Add((store.Add($"w{l}", rows, cols, ParameterKind.Weight, l), store.Add($"b{l}", 1, cols, ParameterKind.Bias, l)));
        }
        for (int i = 0; i < store.Count; i++) store.Values[i] = T.CreateTruncating((rng.NextDouble() - 0.5) * 0.3);
        var activation = Activations.Parse("tanh");
        Tape<T> Build()
        {
            var tape = new Tape<T>(store);
            var input = tape.Record(new JetInputNode<T>(set, points, [0.0, 0.0], [1.0, 1.0]));
            for (int p = 0; p < points * 2; p++) input.Coordinates[p] = T.CreateTruncating(rng.NextDouble());
            JetNode<T> h = input;
            for (int l = 0; l <= hidden; l++)
            {
                h = tape.Record(new JetLinearNode<T>(h, store, layers[l].Item1, layers[l].Item2));
                if (l < hidden) h = tape.Record(new JetActivationNode<T>(h, activation));
            }
            var u = tape.Record(new ComponentNode<T>(h, set.Count - 1, 0));
            tape.Output = tape.Record(new MeanSquareNode<T>(u));
            return tape;
        }
        var probe = Build();
        for (int s = 0; s < 3; s++) { probe.Forward(); probe.Backward(); }
        var layer = probe.Nodes.OfType<JetLinearNode<T>>().First(n => n.Input.Width == width && n.Width == width);
        var act = probe.Nodes.OfType<JetActivationNode<T>>().Skip(1).First();
        var flush = new byte[64 << 20];
        var gradient = new T[store.Count];
        foreach (var (what0, f0) in new (string, Action)[] { ("layer forward", layer.Forward), ("layer backward", () => layer.Backward(gradient)), ("activation forward", act.Forward) })
        foreach (bool cold in new[] { false, true })
        {
            string what = what0 + (cold ? " (caches flushed before each call)" : "");
            Action f = f0;
            if (cold)
            {
                var watchFlush = Stopwatch.StartNew();
                for (int r = 0; r < 10; r++) { Array.Fill(flush, (byte)r); }
                if (what0 == "layer forward") Console.WriteLine($"memset of 64 MB: {64.0 * 10 / 1024 / watchFlush.Elapsed.TotalSeconds:F1} GB/s");
            }
            var times = new List<double>();
            for (int r = 0; r < 200; r++) { if (cold) Array.Fill(flush, (byte)r); long t0 = TapeProfile.Timestamp(); f(); times.Add((TapeProfile.Timestamp() - t0) * 1e6 / Stopwatch.Frequency); }
            times.Sort();
            Console.WriteLine($"{typeof(T).Name} {what} of a shard's tape, called alone 200×: best {times[0]:F1} µs, median {times[100]:F1}, mean {times.Average():F1} (thread CPU)");
        }
        // Each forward node of one shard twice in a row: the first call finds the caches as the previous node left them,
        // the second finds its own data.
        {
            var nodes = probe.Nodes.Where(n => n is JetLinearNode<T> l && l.Input.Width == width && l.Width == width).ToHashSet();
            double first = 0, second = 0; int count = 0;
            for (int s = 0; s < 20; s++)
                foreach (var node in probe.Nodes)
                {
                    long t0 = TapeProfile.Timestamp(); node.Forward(); long t1 = TapeProfile.Timestamp(); node.Forward(); long t2 = TapeProfile.Timestamp();
                    if (nodes.Contains(node)) { first += t1 - t0; second += t2 - t1; count++; }
                }
            Console.WriteLine($"{typeof(T).Name} 128-wide layer forward inside the shard's sequence: first call {first / count * 1e6 / Stopwatch.Frequency:F1} µs, again at once {second / count * 1e6 / Stopwatch.Frequency:F1} µs");
        }
        {
            // Interleaved in one loop: the layer alone, right after its activation input's forward, right after the whole
            // shard's forward and backward (the trainer's situation).
            var prev = layer.Input as JetActivationNode<T>;
            var t = new List<double>[] { new(), new(), new() };
            for (int r = 0; r < 60; r++)
                for (int c = 0; c < 3; c++)
                {
                    if (c == 1) prev?.Forward();
                    if (c == 2) { probe.Forward(); probe.Backward(); }
                    long t0 = TapeProfile.Timestamp(); layer.Forward(); t[c].Add((TapeProfile.Timestamp() - t0) * 1e6 / Stopwatch.Frequency);
                }
            foreach (var l in t) l.Sort();
            Console.WriteLine($"{typeof(T).Name} layer forward, interleaved medians (thread CPU µs): alone {t[0][30]:F1}, after its input's activation {t[1][30]:F1}, after the shard's step {t[2][30]:F1}");
        }
        var distinct = Enumerable.Range(0, shards).Select(_ => Build()).ToArray();
        {
            // First writers overwriting their input's gradient against the tape clearing it, alternating step by step.
            var cpu = new List<double>[] { new(), new() };
            for (int s = 0; s < 4 * steps + 2; s++)
            {
                Tape<T>.OverwriteFirstWriters = s % 2 == 0;
                long t0 = TapeProfile.Timestamp();
                foreach (var t in distinct) { t.Forward(); t.Backward(); }
                if (s >= 2) cpu[s % 2].Add((TapeProfile.Timestamp() - t0) * 1e3 / Stopwatch.Frequency);
            }
            Tape<T>.OverwriteFirstWriters = true;
            double Median(List<double> l) { l.Sort(); return l[l.Count / 2]; }
            Console.WriteLine($"{typeof(T).Name} step, distinct shards, thread CPU ms (median of {cpu[0].Count}, alternating): first writers overwrite {Median(cpu[0]):F1}, tape clears {Median(cpu[1]):F1}");
        }
        var one = Build();
        foreach (var (name, tapes) in new[] { ("distinct shards", distinct), ("one shard again", Enumerable.Repeat(one, shards).ToArray()) })
        {
            for (int s = 0; s < 3; s++) foreach (var t in tapes) { t.Forward(); t.Backward(); }
            var profile = new TapeProfile(byShape: true);
            Tape<T>.Profile = profile;
            var watch = Stopwatch.StartNew();
            for (int s = 0; s < steps; s++) foreach (var t in tapes) { t.Forward(); t.Backward(); }
            Tape<T>.Profile = null;
            var totals = profile.Totals();
            Console.WriteLine($"{typeof(T).Name} chain, {shards} × {points} points, {hidden} × {width} tanh, {name}: {watch.Elapsed.TotalMilliseconds / steps:F1} ms/step wall, " +
                              $"{totals.Sum(t => t.Seconds) * 1e3 / steps:F1} ms in nodes (thread CPU)");
            foreach (var (kind, direction, seconds, flops, calls) in totals.Take(8))
                Console.WriteLine($"    {kind,-32} {direction,-8} {1e6 * seconds / calls,8:F1} µs/call {flops / seconds / 1e9,6:F1} GFLOP/s");
        }
    }
}
