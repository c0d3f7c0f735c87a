using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Cli.Commands;
using PinnServe.Training;

namespace PinnServe.Cli.Executors;

/// <summary>
/// `pinn run-trial TRIAL.json [--run-root DIR] [--threads N]`: runs one trial file (format pinnserve-trial, version 1)
/// into its run directory, resumably: done already → says so and exits 0; a checkpoint → `pinn train --resume`; else
/// `pinn train` with the trial's recipe (its `pinn train` arguments), seed and run directory, in this process.
/// INTERIM: the cluster executors' own minimal runner, until the trial file of the recipe refactor replaces it.
/// </summary>
internal static class InterimRunTrialCommand
{
    public static Command Create()
    {
        var trialArgument = new Argument<string>("trial") { Description = "The trial file (JSON, format pinnserve-trial)." };
        var runRoot = new Option<string?>("--run-root") { Description = "What a relative run_dir resolves against (default: the trial file's folder)." };
        var threads = new Option<int?>("--threads") { Description = "Threads (results are identical for any count; default: every core)." };
        var command = new Command("run-trial", "Run one trial file into its run directory (resumes from its checkpoint; does nothing when it is complete).");
        command.Arguments.Add(trialArgument);
        command.Options.Add(runRoot);
        command.Options.Add(threads);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(trialArgument)!;
            if (!File.Exists(path)) throw new UsageException($"trial file '{path}' does not exist.");
            JsonObject trial;
            try { trial = RunRoot.ReadTrial(path); }
            catch (ClusterException e) { throw new UsageException(e.Message); }
            string runDir = Required(trial, "run_dir", path);
            string root = parse.GetValue(runRoot) ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
            string dir = Path.IsPathRooted(runDir) ? runDir : Path.GetFullPath(Path.Combine(root, runDir));
            string threadCount = (parse.GetValue(threads) ?? Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture);
            string name = trial["name"]?.GetValue<string>() ?? Path.GetFileNameWithoutExtension(path);

            string summary = Path.Combine(dir, TrainingRun.SummaryFile);
            if (File.Exists(summary) && JsonNode.Parse(File.ReadAllText(summary))?["status"]?.GetValue<string>() == "completed")
            {
                Console.WriteLine($"run-trial {name}: already complete in {dir}; nothing to do.");
                CliOutput.WriteResult(parse, new JsonObject { ["trial"] = name, ["run_dir"] = dir, ["status"] = "completed", ["already_complete"] = true });
                return 0;
            }
            string checkpoint = Path.Combine(dir, TrainingRun.CheckpointFile);
            string? temporary = null;
            List<string> train;
            if (File.Exists(checkpoint))
            {
                int step = JsonNode.Parse(File.ReadAllText(checkpoint))?["step"]?.GetValue<int>() ?? -1;
                Console.WriteLine($"run-trial {name}: resuming {dir} from its checkpoint at step {step}.");
                train = ["train", "--resume", dir, "--threads", threadCount];
            }
            else
            {
                var problem = trial["problem"] as JsonObject ?? throw new UsageException($"{path}: 'problem' must be an object.");
                string problemArgument;
                if (problem["catalog"] is JsonValue catalog) problemArgument = catalog.GetValue<string>();
                else
                {
                    // An embedded problem file: written where `pinn train` reads it; the run keeps its own copy.
                    string fileName = Path.GetFileName(Required(problem, "file_name", path));
                    temporary = Directory.CreateTempSubdirectory("pinn-trial-").FullName;
                    problemArgument = Path.Combine(temporary, fileName);
                    File.WriteAllText(problemArgument, Required(problem, "text", path));
                }
                var arguments = (trial["recipe"]?["train_arguments"] as JsonArray ?? throw new UsageException($"{path}: 'recipe.train_arguments' is missing."))
                    .Select(a => a!.GetValue<string>()).ToList();
                ulong seed = trial["seed"]?.GetValue<ulong>() ?? throw new UsageException($"{path}: 'seed' is missing.");
                Console.WriteLine($"run-trial {name}: starting in {dir}.");
                train = ["train", problemArgument, .. arguments, "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", dir, "--threads", threadCount];
            }
            if (parse.GetValue(CliOutput.JsonOption)) train.Add("--json");
            try
            {
                var root2 = new RootCommand();
                root2.Options.Add(CliOutput.JsonOption);
                root2.Subcommands.Add(TrainCommand.Create());
                return CliOutput.Run(root2, [.. train]);
            }
            finally
            {
                if (temporary is not null) Directory.Delete(temporary, recursive: true);
            }
        });
        return command;
    }

    private static string Required(JsonObject node, string key, string path)
    {
        try { return node[key]?.GetValue<string>() ?? throw new UsageException($"{path}: '{key}' is missing."); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException) { throw new UsageException($"{path}: '{key}' must be a string."); }
    }
}
