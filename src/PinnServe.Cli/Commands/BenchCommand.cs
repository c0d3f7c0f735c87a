using System.CommandLine;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn bench`: the training step (<see cref="BenchTrainCommand"/>) and ONNX export throughput.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: `pinn bench train PROBLEM --model M1`, `pinn bench export RUN_DIR` (ONNX Runtime vs engine), `pinn bench parity PROBLEM --device cuda` (device vs CPU engine).");
        bench.Subcommands.Add(BenchTrainCommand.Create());
        bench.Subcommands.Add(BenchExportCommand.Create());
        bench.Subcommands.Add(BenchParityCommand.Create());
        return bench;
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
