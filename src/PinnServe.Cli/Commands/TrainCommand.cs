using PinnServe.Contracts;
using System.CommandLine;
using System.Text.Json.Nodes;
using PinnServe.Training;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn train PROBLEM [options]` and `pinn train --resume RUN_DIR`.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var options = new TrainOptions();
        var output = new Option<string?>("--out") { Description = "Run directory (default runs/<problem>-<model>-s<seed>)." };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this directory exactly where its last checkpoint left off." };
        var writeTrial = new Option<string?>("--write-trial") { Description = "Write this training as a trial file (for `pinn run-trial`, a scheduler or another machine) instead of running it; its run_dir is --out." };
        var command = new Command("train", "Train a PINN on a problem; writes a run directory with config, metrics, checkpoints, network and summary.");
        options.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.Options.Add(writeTrial);
        command.SetAction(parse =>
        {
            TrainingRun run;
            try
            {
                if (parse.GetValue(resume) is { } dir)
                {
                    if (!Directory.Exists(dir)) throw new UsageException($"--resume '{dir}': no such run directory.");
                    run = ResumeOptions.Open(parse, options, dir, [output]);   // --iters/--lbfgs extend it, --device may move it
                }
                else
                {
                    var config = options.Build(parse);
                    string outDir = parse.GetValue(output) ?? Path.Combine("runs", $"{config.Problem}-{config.Model.ToLowerInvariant()}-s{config.Seed}");
                    if (parse.GetValue(writeTrial) is { } trialPath)
                    {
                        var trial = Training.Trials.TrialFile.FromConfig(config, Path.GetFileName(outDir), outDir);
                        AtomicFile.WriteAllText(trialPath, trial.ToJson());
                        Console.WriteLine($"trial '{trial.Name}' -> {trialPath} (run it with: pinn run-trial {trialPath})");
                        return 0;
                    }
                    run = TrainingRun.Create(config, outDir, ThreadCount(parse, options));
                }
            }
            catch (Exception error) when (error is ArgumentException or NotSupportedException) { throw new UsageException(error.Message); }
            using var disposeRun = run;

            using var cancel = new CancellationTokenSource();
            using var terminate = TerminationSignal.Install(cancel);
            ConsoleCancelEventHandler onCancel = (_, args) => { args.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            var c = run.Trainer.Config;
            var summary = TrainingProgress.Run($"{c.Problem} {c.Model}", c.TotalIterations, progress => run.Run(progress, cancel.Token));
            Console.CancelKeyPress -= onCancel;

            string status = summary["status"]!.GetValue<string>();
            if (status == "diverged") Console.Error.WriteLine($"error: {summary["message"]}");
            if (status == "interrupted") Console.Error.WriteLine($"Interrupted at step {run.Trainer.Step}; checkpoint saved. Continue with: pinn train --resume {run.Directory}");
            Console.WriteLine($"{c.Problem} {c.Model}: {summary["iterations"]} iterations in {summary["seconds"]} s" +
                              (summary["rel_l2"] is { } e ? $", relative L2 error of {summary["rel_l2_of"]} {e.GetValue<double>():E3}" : "") + $" -> {run.Directory}");
            foreach (var (key, phase) in new[] { ("adam_keep_best", "Adam"), ("lbfgs_keep_best", "L-BFGS") })
                if (summary[key] is JsonObject keep && status == "completed")
                    Console.WriteLine($"keep-best: the {phase} phase ended on step {keep["best_step"]} (held-out loss {keep["best_heldout_loss"]!.GetValue<double>():E3}; at its last measurement {keep["last_heldout_loss"]!.GetValue<double>():E3})");
            if (summary["learned"] is JsonObject learned)
                foreach (var (name, node) in learned)
                    Console.WriteLine($"learned {name} = {node!["value"]} (truth {node["truth"]}, relative error {node["relative_error"]})");
            CliOutput.WriteResult(parse, summary);
            return terminate.Received ? TerminationSignal.ExitCode : status == "diverged" ? 3 : 0;
        });
        return command;
    }

    /// <summary>A trainer, or a usage error (exit 2) naming what is wrong with the configuration or the device.</summary>
    internal static ITrainer CreateTrainer(TrainingRecipe config, int threads)
    {
        try { return TrainerFactory.Create(config, threads); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException) { throw new UsageException(e.Message); }
    }

    internal static int ThreadCount(ParseResult parse, TrainOptions options)
    {
        int threads = parse.GetValue(options.Threads);
        if (threads < 1 || threads > Environment.ProcessorCount * 4) throw new UsageException($"--threads must be 1..{Environment.ProcessorCount * 4}, got {threads}.");
        return threads;
    }
}
