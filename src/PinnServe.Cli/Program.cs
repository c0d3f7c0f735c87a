using System.CommandLine;
using PinnServe.Cli;
using PinnServe.Cli.Commands;

// The `pinn` command. Each subcommand lives in Commands/<Name>Command.cs and exposes Create().
// Device backends register by name: `--device cuda` (ILGPU → PTX) and `--device ilgpu-cpu` (the same kernels on the CPU).
PinnServe.Backends.Gpu.IlgpuBackend.RegisterAll();
var root = new RootCommand("PinnServe: train, diagnose, export and serve physics-informed neural networks.");
root.Options.Add(CliOutput.JsonOption);
foreach (var command in new[]
{
    ProblemsCommand.Create(),
    ReferenceCommand.Create(),
    TrainCommand.Create(),
    RunTrialCommand.Create(),
    EvalCommand.Create(),
    ReportCommand.Create(),
    BenchCommand.Create(),
    ReproduceCommand.Create(),
    SweepCommand.Create(),
    ExportCommand.Create(),
    EvalOnnxCommand.Create(),
    BenchOnnxCommand.Create(),
    ServeCommand.Create(),
    QueryCommand.Create(),
    BenchServeCommand.Create(),
})
{
    root.Subcommands.Add(command);
}
return CliOutput.Run(root, args);
