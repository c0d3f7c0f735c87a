// Kernel micro-benchmarks for docs/benchmarks.md (issue 34): the three products of a dense layer on a jet and the
// activation node, each the best of many single calls, so a shared machine's interruptions drop out; the activation
// node is timed fused (chunked, as the CPU runs it) and unfused (the block-wise plans the device backends run).
// Run with DOTNET_TieredCompilation=0 so that no measurement sees unoptimized code.
using System.Diagnostics;
using System.Numerics;
using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Tensors;
using PinnServe.Contracts.Derivatives;

Console.WriteLine($"{Simd.Bits}-bit kernels (hardware FMA: {Simd.HasFusedMultiplyAdd}); one-core float32 FMA peak {PeakFlops.MeasureOneCore<float>(TimeSpan.FromMilliseconds(300)).Values.Max():F0} GFLOP/s, " +
                  $"float64 {PeakFlops.MeasureOneCore<double>(TimeSpan.FromMilliseconds(300)).Values.Max():F0} GFLOP/s");
if (args.Contains("--wide"))
{
    // Layers whose width is not a multiple of the register tile (PINNacle's 5 × 100); --shape m,k,n (repeatable),
    // --cold MB: that many MB written before every call (operands out of cache, as in a step); --before DIR: against an earlier build's PinnServe.Tensors.dll, interleaved, bits compared.
    var shapes = args.Select((a, i) => (a, i)).Where(t => t.a == "--shape").Select(t => args[t.i + 1].Split(',').Select(int.Parse).ToArray()).Select(s => (s[0], s[1], s[2])).ToArray();
    string? before = args.SkipWhile(a => a != "--before").Skip(1).FirstOrDefault();
    int rounds = args.SkipWhile(a => a != "--rounds").Skip(1).Select(int.Parse).FirstOrDefault(200);
    WideProducts.Run(before, rounds, shapes.Length > 0 ? shapes : WideProducts.DefaultShapes, coldMegabytes: args.SkipWhile(a => a != "--cold").Skip(1).Select(int.Parse).FirstOrDefault(0));
    return;
}
if (args.Contains("--klein-gordon"))
{
    // The three products of a 50-wide layer at Klein–Gordon M1's shapes; --before DIR: against an earlier build, interleaved.
    string? before = args.SkipWhile(a => a != "--before").Skip(1).FirstOrDefault();
    KleinGordonProducts.Run(before, rounds: 400);
    return;
}
if (args.Contains("--chain"))
{
    int points = args.SkipWhile(a => a != "--points").Skip(1).Select(int.Parse).FirstOrDefault(256);
    Chain.Run<float>(shards: 19 * 256 / points, points: points, width: 128, hidden: 5, steps: 5);
    if (!args.Contains("--float32")) Chain.Run<double>(shards: 19 * 256 / points, points: points, width: 128, hidden: 5, steps: 3);
    return;
}
if (args.Contains("--narrow"))
{
    // A one-output layer's weight gradient (Allen–Cahn's last layer, one shard: 1,024 rows × 128; Poisson's: × 50):
    // C in registers against the row-by-row AXPYs it replaced (same bits), interleaved.
    foreach (var (m, k) in new[] { (1024, 128), (1280, 50) })
    {
        var rng = new Random(3);
        var a = Random<float>(rng, m * k); var b = Random<float>(rng, m); var c = new float[k];
        var t = new List<double>[2] { new(), new() };
        for (int r = 0; r < 320; r++)
        {
            var watch = Stopwatch.StartNew();
            Gemm.MultiplyTransposedA<float>(a, b, c, m, k, 1, accumulate: true);
            double x = watch.Elapsed.TotalSeconds * 1e6;
            watch.Restart();
            for (int i = 0; i < m; i++) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd<float>(a.AsSpan(i * k, k), b[i], c, c);
            double y = watch.Elapsed.TotalSeconds * 1e6;
            if (r >= 20) { t[0].Add(x); t[1].Add(y); }
        }
        t[0].Sort(); t[1].Sort();
        Console.WriteLine($"dW of a one-output layer, {m} × {k}: µs best/median {t[0][0]:F1}/{t[0][150]:F1} in registers vs {t[1][0]:F1}/{t[1][150]:F1} row-by-row AXPYs");
    }
    return;
}
if (args.Contains("--narrow-layers"))
{
    // The modified MLP's first and last layers on the cavity's shards (1,024 and 256 rows): two inputs, two outputs.
    foreach (var (m, k, n) in new[] { (1024, 50, 2), (256, 50, 2), (1024, 2, 50), (256, 2, 50), (1024, 50, 50), (256, 50, 50) }) Products<float>(m, k, n);
    return;
}
if (args.Contains("--cavity-activations"))
{
    // The cavity's activation shapes: a wall's {ψ, ψ_y} and the x-momentum set (order 3 in 2 axes), 128 points × 50.
    InRegisters<float>(DerivativeSet.Closure(2, [[1]]), "wall {ψ, ψ_y}", 128, 50, "tanh");
    InRegisters<float>(DerivativeSet.Closure(2, [[0, 0, 1], [1, 1, 1]]), "x-momentum set", 128, 50, "tanh");
    return;
}
if (args.Contains("--activations"))
{
    // Each component's terms summed in registers against one pass per term (both chunked), interleaved call by call.
    foreach (var (set, name, points, width) in new (DerivativeSet, string, int, int)[]
    {
        (DerivativeSet.Closure(2, [[0], [1, 1]]), "u_t, u_x, u_xx (Allen–Cahn)", 256, 128),
        (DerivativeSet.Closure(2, [[0, 0], [1, 1]]), "u_x, u_y, u_xx, u_yy (Poisson 2D)", 256, 50),
        (DerivativeSet.Full(2, 3), "order 3 in 2 axes (cavity)", 128, 50),
    })
    {
        foreach (var act in new[] { "tanh", "sin" })
        {
            InRegisters<float>(set, name, points, width, act);
            InRegisters<double>(set, name, points, width, act);
        }
    }
    return;
}
foreach (var (m, k, n) in new[] { (1024, 128, 128), (1024, 256, 256), (1280, 50, 50), (1024, 20, 20) })
{
    Products<float>(m, k, n);
    Products<double>(m, k, n);
}
Activation<float>(DerivativeSet.Closure(2, [[0], [1, 1]]), "u_t, u_xx (Allen–Cahn)", 256, 128);
Activation<double>(DerivativeSet.Closure(2, [[0], [1, 1]]), "u_t, u_xx (Allen–Cahn)", 256, 128);
Activation<float>(DerivativeSet.Full(2, 3), "order 3 in 2 axes (cavity)", 128, 50);
Activation<float>(DerivativeSet.Closure(2, [[0], [1, 1]]), "u_t, u_xx (Burgers)", 256, 20);

static double BestMicroseconds(Action f)
{
    for (int i = 0; i < 20; i++) f();
    double best = double.MaxValue;
    for (int r = 0; r < 300; r++) { var watch = Stopwatch.StartNew(); f(); best = Math.Min(best, watch.Elapsed.TotalSeconds); }
    return best * 1e6;
}

static T[] Random<T>(Random rng, int length) where T : IBinaryFloatingPointIeee754<T>
{
    var a = new T[length];
    for (int i = 0; i < length; i++) a[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
    return a;
}

static void Products<T>(int m, int k, int n) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    var rng = new Random(1);
    var x = Random<T>(rng, m * k); var w = Random<T>(rng, k * n); var bias = Random<T>(rng, n);
    var y = new T[m * n]; var dy = Random<T>(rng, m * n); var dw = new T[k * n]; var dx = new T[m * k];
    double flops = Gemm.Flops(m, k, n);
    foreach (var (name, f) in new (string, Action)[]
    {
        ("Y = X·W + b (value rows)", () => Gemm.MultiplyAddBias<T>(x, w, bias, y, m, k, n, biasRows: m / 4)),
        ("dW += Xᵀ·dY", () => Gemm.MultiplyTransposedA<T>(x, dy, dw, m, k, n, accumulate: true)),
        ("dX += dY·Wᵀ", () => Gemm.MultiplyTransposedB<T>(dy, w, dx, m, n, k, accumulate: true)),
    })
    {
        double us = BestMicroseconds(f);
        Console.WriteLine($"{typeof(T).Name,-7} {m}×{k}·{k}×{n,-4} {name,-26} {us,8:F1} µs  {flops / us / 1e3,6:F1} GFLOP/s");
    }
}

static void Activation<T>(DerivativeSet set, string name, int points, int width) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    var rng = new Random(2);
    var z = new GivenJet<T>(set, points, width);
    Random<T>(rng, z.Length).CopyTo(z.Value, 0);
    var activation = Activations.Parse("tanh");
    var node = new JetActivationNode<T>(z, activation);
    Random<T>(rng, node.Length).CopyTo(node.Grad, 0);
    var buffers = node.PlanBuffers.ToArray();
    var sigma = buffers[4..];
    double fusedForward = BestMicroseconds(node.Forward), fusedBackward = BestMicroseconds(() => node.Backward([]));
    double plainForward = BestMicroseconds(() =>
    {
        activation.Evaluate<T>(z.Component(0), sigma, sigma.Length - 1);
        Array.Clear(node.Value);
        node.ForwardPlan.Execute(buffers, node.BlockLength);
    });
    double plainBackward = BestMicroseconds(() =>
    {
        activation.Evaluate<T>(z.Component(0), sigma, sigma.Length - 1);
        node.BackwardPlan.Execute(buffers, node.BlockLength);
    });
    Console.WriteLine($"{typeof(T).Name,-7} tanh jet, {name}, {points} points × {width}: forward {fusedForward:F1} µs fused / {plainForward:F1} unfused, " +
                      $"backward {fusedBackward:F1} / {plainBackward:F1}; FLOP per element {node.ForwardFlops / (double)node.BlockLength:F0} forward, " +
                      $"{node.BackwardFlops / (double)node.BlockLength:F0} backward");
}

static void InRegisters<T>(DerivativeSet set, string name, int points, int width, string activationName) where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    var rng = new Random(2);
    var z = new GivenJet<T>(set, points, width);
    Random<T>(rng, z.Length).CopyTo(z.Value, 0);
    var node = new JetActivationNode<T>(z, Activations.Parse(activationName));
    Random<T>(rng, node.Length).CopyTo(node.Grad, 0);
    var times = new List<double>[4];
    for (int j = 0; j < 4; j++) times[j] = new();
    for (int r = 0; r < 320; r++)
    {
        foreach (bool inRegisters in new[] { true, false })
        {
            node.InRegisters = inRegisters;
            var watch = Stopwatch.StartNew(); node.Forward(); double f = watch.Elapsed.TotalSeconds * 1e6;
            watch.Restart(); node.Backward([]); double b = watch.Elapsed.TotalSeconds * 1e6;
            if (r < 20) continue;
            times[inRegisters ? 0 : 2].Add(f); times[inRegisters ? 1 : 3].Add(b);
        }
    }
    string S(List<double> t) { t.Sort(); return $"{t[0],6:F1}/{t[t.Count / 2],6:F1}"; }
    // The σ(z) pass alone (written 2 KB off z modulo 4 KB, as the node does), the part of the forward pass no term touches.
    // TensorPrimitives.Tanh (the engine's tanh before TanhKernel) and TanhKernel's pass, interleaved.
    var sigma0 = new T[z.BlockLength + 4096];
    var tanhTimes = new List<double>[] { new(), new() };
    for (int r = 0; r < 300 && activationName == "tanh"; r++)
    {
        int shift = TwoKilobytesOff(z.Value, sigma0);
        var watch = Stopwatch.StartNew();
        System.Numerics.Tensors.TensorPrimitives.Tanh<T>(z.Component(0), sigma0.AsSpan(shift, z.BlockLength));
        tanhTimes[0].Add(watch.Elapsed.TotalSeconds * 1e6);
        watch.Restart();
        PinnServe.Tensors.TanhKernel.Tanh<T>(z.Component(0), sigma0.AsSpan(shift, z.BlockLength));
        tanhTimes[1].Add(watch.Elapsed.TotalSeconds * 1e6);
    }
    if (activationName == "tanh") Console.WriteLine($"  σ(z) pass alone: TensorPrimitives.Tanh {S(tanhTimes[0])} µs, TanhKernel {S(tanhTimes[1])} µs");
    Console.WriteLine($"{typeof(T).Name,-7} {activationName,-4} {name}, {points} × {width}: µs best/median, in registers vs term by term: " +
                      $"forward {S(times[0])} vs {S(times[2])}, backward {S(times[1])} vs {S(times[3])}");
}

// The element of b that lies 2 KB from a[0] modulo 4 KB (as the node places σ(z)), so the σ pass is timed without 4K aliasing.
static unsafe int TwoKilobytesOff<T>(T[] a, T[] b) where T : unmanaged
{
    fixed (T* pa = a, pb = b)
    {
        long shift = (((long)pa + 2048 - (long)pb) % 4096 + 4096) % 4096;
        return (int)(shift / sizeof(T));
    }
}

/// <summary>A jet with given values that requires gradients (a dense layer's output, for timing the activation alone).</summary>
internal sealed class GivenJet<T>(DerivativeSet set, int points, int width) : JetNode<T>(set, points, width, requiresGrad: true)
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public override IReadOnlyList<Node<T>>? Inputs => [];
    public override void Forward() { }
}
