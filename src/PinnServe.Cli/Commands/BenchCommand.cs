using System.CommandLine;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using PinnServe.Training;

namespace PinnServe.Cli.Commands;

/// <summary>
/// `pinn bench train PROBLEM --model M1 [--threads N]`: steady-state milliseconds, allocated bytes and FLOPs
/// per training iteration of the real trainer (fresh samples every step), and the FLOP rate against the
/// machine's peak.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: `pinn bench train PROBLEM --model M1`, `pinn bench export RUN_DIR` (ONNX Runtime vs engine).");
        var options = new TrainOptions();
        var warmup = new Option<int>("--warmup") { Description = "Warm-up iterations (JIT, caches).", DefaultValueFactory = _ => 200 };
        var measure = new Option<int>("--measure") { Description = "Measured iterations.", DefaultValueFactory = _ => 1000 };
        var repeats = new Option<int>("--repeats") { Description = "Measurement repeats; the median is reported.", DefaultValueFactory = _ => 5 };
        var train = new Command("train", "Time the training iteration of a problem/model.");
        options.AddTo(train);
        train.Options.Add(warmup);
        train.Options.Add(measure);
        train.Options.Add(repeats);
        train.SetAction(parse =>
        {
            var config = options.Build(parse);
            int threads = TrainCommand.ThreadCount(parse, options);
            int w = parse.GetValue(warmup), m = parse.GetValue(measure), r = parse.GetValue(repeats);
            if (w < 0 || m < 1 || r < 1) throw new UsageException("--warmup ≥ 0, --measure ≥ 1 and --repeats ≥ 1.");
            using var trainer = TrainerFactory.Create(config with { Iterations = w + m * r }, threads);
            for (int i = 0; i < w; i++) trainer.TrainStep();
            var times = new List<double>();
            long allocated = 0;
            for (int rep = 0; rep < r; rep++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < m; i++) trainer.TrainStep();
                watch.Stop();
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                times.Add(watch.Elapsed.TotalMilliseconds / m);
            }
            times.Sort();
            double ms = times[times.Count / 2];
            long flops = trainer.FlopsPerStep;
            double gflops = flops / (ms * 1e6);
            var (peak, peakNote) = PeakGflops(threads, config.Precision == "float64");
            double bytesPerIter = (double)allocated / (m * r);
            var result = new JsonObject
            {
                ["benchmark"] = "train", ["problem"] = config.Problem, ["model"] = config.Model, ["layers"] = config.Layers,
                ["batch"] = config.Batch, ["precision"] = config.Precision, ["threads"] = threads,
                ["ms_per_iter"] = Math.Round(ms, 4), ["ms_per_iter_min"] = Math.Round(times[0], 4), ["ms_per_iter_max"] = Math.Round(times[^1], 4),
                ["allocated_bytes_per_iter"] = Math.Round(bytesPerIter, 2),
                ["flops_per_iter"] = flops, ["gflops"] = Math.Round(gflops, 2),
                ["peak_gflops"] = Math.Round(peak, 1), ["fraction_of_peak"] = Math.Round(gflops / peak, 4), ["peak_note"] = peakNote,
                ["cpu"] = CpuModel(), ["warmup"] = w, ["measured_iters"] = m * r,
            };
            Console.WriteLine($"{config.Problem} {config.Model} ({config.Layers}, batch {config.Batch}, {config.Precision}, {threads} thread(s)): " +
                              $"{ms:F3} ms/iter, {bytesPerIter:F1} B allocated/iter, {flops / 1e6:F1} MFLOP/iter = {gflops:F1} GFLOP/s ({100 * gflops / peak:F1}% of {peak:F0} GFLOP/s peak)");
            CliOutput.WriteResult(parse, result);
            return 0;
        });
        bench.Subcommands.Add(train);
        bench.Subcommands.Add(BenchExportCommand.Create());
        return bench;
    }

    /// <summary>Peak = threads × clock × FLOP/cycle: two FMA pipes × vector lanes × 2.</summary>
    private static (double Gflops, string Note) PeakGflops(int threads, bool isDouble)
    {
        double ghz = ClockGhz();
        int lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;
        if (isDouble) lanes /= 2;
        double perCycle = 2 /* FMA pipes */ * lanes * 2 /* mul+add */;
        int cores = Math.Min(threads, Environment.ProcessorCount);
        return (cores * ghz * perCycle, $"{cores} core(s) x {ghz:F2} GHz x {perCycle} FLOP/cycle (2 FMA pipes x {lanes} lanes x 2)");
    }

    private static double ClockGhz()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("cpu MHz", StringComparison.Ordinal))
                    return double.Parse(line.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture) / 1000;
        }
        catch (IOException) { }
        return 3.0;
    }

    internal static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line.Split(':')[1].Trim() + $" ({Environment.ProcessorCount} logical CPUs)";
        }
        catch (IOException) { }
        return $"unknown ({Environment.ProcessorCount} logical CPUs)";
    }
}
