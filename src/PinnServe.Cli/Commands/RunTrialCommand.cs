using System.CommandLine;
using System.Runtime.InteropServices;
using PinnServe.Training.Trials;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn run-trial TRIAL.json [--run-root DIR]`: trains one trial file into its run directory, resumably.</summary>
internal static class RunTrialCommand
{
    /// <summary>Exit code after SIGTERM (128 + 15): the checkpoint is written, a scheduler may requeue the trial.</summary>
    public const int Terminated = 143;
    /// <summary>Exit code after Ctrl-C (128 + 2).</summary>
    public const int Interrupted = 130;

    public static Command Create()
    {
        var trialPath = new Argument<string>("trial") { Description = "A trial file (JSON: format pinnserve-trial, version, name, problem, recipe, seed, run_dir)." };
        var runRoot = new Option<string?>("--run-root") { Description = "Where a relative run_dir resolves (default: the trial file's folder)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where an embedded problem file's relative paths (reference, data files) resolve (default: the trial file's folder)." };
        var threads = new Option<int>("--threads") { Description = "Threads (default: every core; results are identical for any count).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("run-trial", "Train one trial file into its run directory; resumes from its checkpoint, does nothing when it is already complete.")
        {
            trialPath, runRoot, dataDir, threads,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(trialPath)!;
            int threadCount = parse.GetValue(threads);
            if (threadCount < 1 || threadCount > Environment.ProcessorCount * 4)
                throw new UsageException($"--threads must be 1..{Environment.ProcessorCount * 4}, got {threadCount}.");
            TrialFile trial;
            try { trial = TrialFile.Read(path); }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException) { throw new UsageException(e.Message); }
            string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            string root = parse.GetValue(runRoot) is { } r ? Path.GetFullPath(r) : folder;

            using var cancel = new CancellationTokenSource();
            int stopCode = 0;
            using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopCode = Terminated; cancel.Cancel(); });
            using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopCode = Interrupted; cancel.Cancel(); });

            Training.TrainingRun? run;
            TrialOutcome? complete;
            string data = parse.GetValue(dataDir) is { } d ? Path.GetFullPath(d) : folder;
            try { run = TrialRunner.Open(trial, root, data, threadCount, out complete); }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidDataException) { throw new UsageException(e.Message); }
            if (run is null)
            {
                Console.WriteLine($"{trial.Name}: already complete -> {complete!.RunDir}");
                CliOutput.WriteResult(parse, complete.Summary!);
                return 0;
            }
            using var disposeRun = run;
            var c = run.Trainer.Config;
            var summary = TrainingProgress.Run(trial.Name, c.TotalIterations, progress => run.Run(progress, cancel.Token));
            string status = summary["status"]!.GetValue<string>();
            Console.WriteLine($"{trial.Name}: {status}, {summary["iterations"]} iterations" +
                              (summary["rel_l2"] is { } error ? $", relative L2 error of {summary["rel_l2_of"]} {error.GetValue<double>():E3}" : "") + $" -> {run.Directory}");
            CliOutput.WriteResult(parse, summary);
            return status switch
            {
                "diverged" => 3,
                "interrupted" => stopCode == 0 ? Interrupted : stopCode,
                _ => 0,
            };
        });
        return command;
    }
}
