using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PinnServe.Physics;
using PinnServe.Tensors;
using PinnServe.Training;

namespace PinnServe.Cli.Commands;

/// <summary>
/// `pinn bench train PROBLEM [--seconds S]` and `pinn bench train --all`: steady-state milliseconds, allocated
/// bytes and FLOPs per training iteration of the real trainer, and the FLOP rate against this machine's
/// measured peak (a calibration FMA loop, <see cref="PeakFlops"/>).
/// </summary>
internal static class BenchTrainCommand
{
    public static Command Create()
    {
        var options = new TrainOptions();
        var seconds = new Option<double>("--seconds") { Description = "Time budget per measurement: a quarter warms up, the rest is three timed repeats (median).", DefaultValueFactory = _ => 8 };
        var warmup = new Option<int?>("--warmup") { Description = "Warm-up iterations (instead of the time budget)." };
        var measure = new Option<int?>("--measure") { Description = "Measured iterations per repeat (instead of the time budget)." };
        var repeats = new Option<int?>("--repeats") { Description = "Measurement repeats; the median is reported (default 3)." };
        var profile = new Option<bool>("--profile") { Description = "Also time every node kind of the tapes (adds a little overhead) and print the breakdown." };
        var profileShapes = new Option<bool>("--profile-shapes") { Description = "With --profile: one row per node kind and shape (jet rows × widths)." };
        var all = new Option<bool>("--all") { Description = "Every catalog problem at its published setup and default model, at 1 thread and at every core." };
        var train = new Command("train", "Time the training iteration of a problem/model (or of every problem with --all).");
        options.AddTo(train);
        foreach (var o in new Option[] { seconds, warmup, measure, repeats, all, profile, profileShapes }) train.Options.Add(o);
        train.SetAction(parse =>
        {
            double budget = parse.GetValue(seconds);
            var counts = (W: parse.GetValue(warmup), M: parse.GetValue(measure), R: parse.GetValue(repeats));
            if (!(budget > 0) || counts.W < 0 || counts.M < 1 || counts.R < 1)
                throw new UsageException("--seconds must be positive, --warmup ≥ 0, --measure ≥ 1 and --repeats ≥ 1.");
            var plan = new Plan(budget, counts.W, counts.M, counts.R ?? 3);
            var peak = MeasuredPeak();
            if (!parse.GetValue(all))
            {
                var config = options.Build(parse);
                int threads = TrainCommand.ThreadCount(parse, options);
                var nodes = parse.GetValue(profile) ? new Autodiff.TapeProfile(parse.GetValue(profileShapes)) : null;
                Autodiff.Tape<float>.Profile = nodes;
                Autodiff.Tape<double>.Profile = nodes;
                var row = Measure(config, threads, plan, peak);
                Console.WriteLine(Describe(row));
                if (nodes is not null)
                {
                    var totals = nodes.Totals();
                    double sum = totals.Sum(t => t.Seconds);
                    var breakdown = new JsonArray();
                    foreach (var (kind, direction, s, flops, calls) in totals)
                    {
                        double rate = s > 0 ? flops / s / 1e9 : 0;
                        Console.WriteLine($"  {kind,-34} {direction,-8} {100 * s / sum,5:F1}%  {rate,6:F1} GFLOP/s  {1e6 * s / Math.Max(1, calls),8:F1} µs/call");
                        breakdown.Add(new JsonObject { ["node"] = kind, ["direction"] = direction, ["share"] = Math.Round(s / sum, 4), ["gflops"] = Math.Round(rate, 2) });
                    }
                    row["profile"] = breakdown;
                }
                CliOutput.WriteResult(parse, row);
                return 0;
            }
            var rows = new JsonArray();
            int cores = Environment.ProcessorCount;
            foreach (var problem in ProblemCatalog.Names.Order())
            {
                var config = Recipes.For(ProblemCatalog.Create(problem));
                foreach (int threads in cores > 1 ? new[] { 1, cores } : [1])
                {
                    var row = Measure(config, threads, plan, peak);
                    Console.WriteLine(Describe(row));
                    rows.Add(row);
                }
            }
            CliOutput.WriteResult(parse, new JsonObject
            {
                ["benchmark"] = "train-all", ["cpu"] = BenchCommand.CpuModel(), ["simd_bits"] = Simd.Bits,
                ["peak_gflops_one_core"] = Math.Round(peak.OneCore, 1), ["peak_by_width"] = PeakJson(peak), ["rows"] = rows,
            });
            return 0;
        });
        return train;
    }

    /// <summary>The vector-extension flags /proc/cpuinfo lists (avx2, fma, avx512f, …), or the .NET view of them.</summary>
    private static string VectorFlags()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("flags", StringComparison.Ordinal))
                    return string.Join(" ", line.Split(':')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                        .Where(f => f is "sse4_2" or "avx" or "avx2" or "fma" or "avx512f" or "avx512bw" or "avx512vl" or "avx512_bf16" or "avx512_fp16"));
        }
        catch (IOException) { }
        return $"Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, Vector256 {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}";
    }

    private sealed record Plan(double Seconds, int? Warmup, int? Measure, int Repeats);

    /// <summary>One core's measured FMA rate, float32 and float64, by vector width.</summary>
    private sealed record Peak(double OneCore, IReadOnlyDictionary<int, double> ByWidth, double OneCore64, IReadOnlyDictionary<int, double> ByWidth64);

    private static Peak MeasuredPeak()
    {
        var widths = PeakFlops.MeasureOneCore<float>(TimeSpan.FromMilliseconds(150));
        var widths64 = PeakFlops.MeasureOneCore<double>(TimeSpan.FromMilliseconds(150));
        return new Peak(widths.Values.Max(), widths, widths64.Values.Max(), widths64);
    }

    private static JsonObject PeakJson(Peak peak) =>
        new(peak.ByWidth.Select(kv => KeyValuePair.Create(kv.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)Math.Round(kv.Value, 1))));

    private static JsonObject Measure(TrainingRecipe config, int threads, Plan plan, Peak peak)
    {
        using var trainer = TrainCommand.CreateTrainer(config.WithAdam(it => it with { Iterations = int.MaxValue / 2 }), threads);
        var times = new List<double>();
        var cpuTimes = new List<double>();
        long allocated = 0, steps = 0;
        var process = Process.GetCurrentProcess();
        if (plan.Warmup is { } w) for (int i = 0; i < w; i++) trainer.TrainStep();
        else RunFor(trainer, plan.Seconds / 4, minimumSteps: 2);
        for (int rep = 0; rep < plan.Repeats; rep++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            int n = plan.Measure is { } m ? RunCount(trainer, m) : RunFor(trainer, plan.Seconds * 3 / 4 / plan.Repeats, minimumSteps: 1);
            watch.Stop();
            process.Refresh();
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            steps += n;
            times.Add(watch.Elapsed.TotalMilliseconds / n);
            cpuTimes.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds / n);
        }
        times.Sort();
        cpuTimes.Sort();
        double ms = times[times.Count / 2];
        long flops = trainer.FlopsPerStep;
        double gflops = flops / (ms * 1e6);
        int cores = Math.Min(trainer.Threads, Environment.ProcessorCount);
        bool float64 = config.Device.Precision == Precision.Float64;
        double oneCore = float64 ? peak.OneCore64 : peak.OneCore;
        var byWidth = float64 ? peak.ByWidth64 : peak.ByWidth;
        double peakGflops = oneCore * cores;
        return new JsonObject
        {
            ["benchmark"] = "train", ["problem"] = config.Problem, ["model"] = config.Model, ["layers"] = config.Network.Layers,
            ["points_per_step"] = PointsPerStep(trainer), ["precision"] = RecipeBinder.NameOf(config.Device.Precision), ["device"] = config.Device.Name, ["threads"] = trainer.Threads,
            ["ms_per_iter"] = Math.Round(ms, 4), ["ms_per_iter_min"] = Math.Round(times[0], 4), ["ms_per_iter_max"] = Math.Round(times[^1], 4),
            ["cpu_ms_per_iter"] = Math.Round(cpuTimes[cpuTimes.Count / 2], 4),
            ["allocated_bytes_per_iter"] = Math.Round((double)allocated / steps, 2),
            ["flops_per_iter"] = flops, ["gflops"] = Math.Round(gflops, 2),
            ["peak_gflops"] = Math.Round(peakGflops, 1), ["fraction_of_peak"] = Math.Round(gflops / peakGflops, 4),
            ["peak_note"] = $"{cores} core(s) × {oneCore:F1} GFLOP/s measured by a {RecipeBinder.NameOf(config.Device.Precision)} FMA loop ({string.Join(", ", byWidth.Select(kv => $"{kv.Key}-bit {kv.Value:F0}"))})",
            ["peak_gflops_one_core"] = Math.Round(oneCore, 1),
            ["simd_bits"] = Simd.Bits, ["cpu"] = BenchCommand.CpuModel(), ["cpu_flags"] = VectorFlags(), ["measured_iters"] = steps,
        };
    }

    private static int PointsPerStep(ITrainer trainer) => trainer switch
    {
        Trainer<float> f => f.ResidualTerms.Concat(f.WeightedTermTapes).Sum(t => t.PointsPerStep),
        Trainer<double> d => d.ResidualTerms.Concat(d.WeightedTermTapes).Sum(t => t.PointsPerStep),
        _ => 0,
    };

    private static int RunCount(ITrainer trainer, int steps)
    {
        for (int i = 0; i < steps; i++) trainer.TrainStep();
        return steps;
    }

    private static int RunFor(ITrainer trainer, double seconds, int minimumSteps)
    {
        var watch = Stopwatch.StartNew();
        int n = 0;
        while (n < minimumSteps || watch.Elapsed.TotalSeconds < seconds) { trainer.TrainStep(); n++; }
        return n;
    }

    private static string Describe(JsonObject r) =>
        $"{r["problem"]} {r["model"]} ({r["layers"]}, {r["points_per_step"]} points/step, {r["precision"]}, {r["threads"]} thread(s), {r["simd_bits"]}-bit): " +
        $"{(double)r["ms_per_iter"]!:F3} ms/iter (CPU {(double)r["cpu_ms_per_iter"]!:F3} ms), {(double)r["allocated_bytes_per_iter"]!:F1} B allocated/iter, " +
        $"{(long)r["flops_per_iter"]! / 1e6:F1} MFLOP/iter = {(double)r["gflops"]!:F1} GFLOP/s ({100 * (double)r["fraction_of_peak"]!:F1}% of {(double)r["peak_gflops"]!:F0} GFLOP/s measured peak)";
}
