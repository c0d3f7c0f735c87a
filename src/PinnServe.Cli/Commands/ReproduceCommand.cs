using System.CommandLine;
using System.Reflection;
using System.Text.Json.Nodes;
using PinnServe.Cli.Executors;
using PinnServe.Contracts;
using PinnServe.Training;
using PinnServe.Training.Reproduction;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn reproduce ID [--trials N] [--jobs J]` (or `--file TABLE.toml`): re-run a table (a data file of experiments/, or your own) and compare with it.</summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var id = new Argument<string?>("id") { Description = "Experiment id; `pinn reproduce list` shows them (leave it out with --file).", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file") { Description = "A table of your own: an experiment file (TOML, YAML or JSON: id, title, source, metric, notes, [[rows]] with label, problem, model, parameters, settings by path, published; see docs/reproduction.md)." };
        var isolate = IsolateOption();
        var trials = new Option<int>("--trials") { Description = "Seeds per row.", DefaultValueFactory = _ => 3 };
        var jobs = new Option<int>("--jobs") { Description = "Trials run in parallel (in this process, or as processes with --isolate).", DefaultValueFactory = _ => 1 };
        var runs = new Option<string>("--runs") { Description = "Where trial run directories go.", DefaultValueFactory = _ => Path.Combine("runs", "reproduce") };
        var output = new Option<string>("--out") { Description = "Where ID.md/.csv/.json go; results.md beside it is regenerated.", DefaultValueFactory = _ => Path.Combine("docs", "results") };
        var extra = new Option<string[]>("--train-args") { Description = "Extra `pinn train` arguments for every trial, one token per occurrence (e.g. --train-args --iters --train-args 500); an option the row also sets is replaced, except --param, --weight, --term-points and --learn, which add to the row's.", AllowMultipleArgumentsPerToken = true };
        var rows = new Option<string?>("--rows") { Description = "Only these rows (labels or their run-folder names, comma-separated; a label with a comma given alone is taken whole), e.g. \"PINN,DN β=0.99\"; the tables still list every row." };
        var seeds = new Option<string?>("--seeds") { Description = "Only these seeds (comma-separated, each from 1 to --trials), e.g. \"3,4\"; the tables still list every completed trial." };
        var command = new Command("reproduce", "Re-run a seed paper's table (trials in parallel, resumable) and write Markdown/CSV/JSON next to the published numbers.");
        command.Arguments.Add(id);
        var noTrain = new Option<bool>("--no-train") { Description = "Write the tables from the trials already completed; start or resume none (e.g. while other trials still run)." };
        foreach (var o in new Option[] { trials, jobs, runs, output, extra, rows, seeds, noTrain, file, isolate }) command.Options.Add(o);
        var executorOptions = new ExecutorOptions();
        executorOptions.AddTo(command);
        command.SetAction(parse =>
        {
            string? name = parse.GetValue(id);
            string? tableFile = parse.GetValue(file);
            if (name == "list" && tableFile is null)
            {
                foreach (var e in ExperimentCatalog.All) Console.WriteLine($"{e.Id,-20} {e.Title} ({e.Source})");
                CliOutput.WriteResult(parse, new JsonObject { ["experiments"] = new JsonArray(ExperimentCatalog.All.Select(e => (JsonNode)e.Id).ToArray()) });
                return 0;
            }
            Experiment experiment = LoadExperiment(name, tableFile);
            name = experiment.Id;
            int n = parse.GetValue(trials), j = parse.GetValue(jobs);
            if (n < 1 || j < 1) throw new UsageException("--trials and --jobs must be at least 1.");
            var extraArgs = parse.GetValue(extra) ?? [];
            if (Reproducer.SetupChanging(extraArgs) is { Count: > 0 } changing)
            {
                try { TrainOptions.ParseOverrides(changing); }
                catch (UsageException e) { throw new UsageException($"--train-args: {e.Message}"); }
            }
            var selected = SelectRows(experiment, parse.GetValue(rows));
            var onlySeeds = SelectSeeds(parse.GetValue(seeds), n);
            var recorded = RecordedTrials.Read(experiment, parse.GetValue(output)!, extraArgs, n, out string? notCarried, BindCommandLine);
            // --executor slurm|kubernetes (and --status): submit what is not done and return, or go on to the table once all is done.
            var recordedKeys = recorded.Select(r => (r.Row, r.Seed)).ToHashSet();
            var clusterTrials = new ClusterRun.Trials(experiment,
                [.. experiment.Rows.Where(r => selected is null || selected.Contains(r.Label))
                    .SelectMany(r => Enumerable.Range(1, n).Select(s => (r, (ulong)s)))
                    .Where(t => (onlySeeds is null || onlySeeds.Contains(t.Item2)) && !recordedKeys.Contains((t.r.Label, t.Item2)))],
                parse.GetValue(runs)!, extraArgs, j, (row, s, dir) => TrialFiles.Create(experiment, row, extraArgs, s, dir));
            if (ClusterRun.Run(parse, executorOptions, clusterTrials) is { } clusterExit) return clusterExit;
            bool readOnly = parse.GetValue(noTrain) || !executorOptions.IsLocal(parse);
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, args) => { args.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            var reproducer = CreateReproducer(parse.GetValue(runs)!, parse.GetValue(isolate));
            string outDir = parse.GetValue(output)!;
            // Trials the previous table records but whose run directories are not here (another machine) stay in it,
            // and are not run again; a trial completed here takes the record's place.
            if (notCarried is not null) Console.Error.WriteLine($"{experiment.Id}: {notCarried}");
            var results = reproducer.Run(experiment, n, j, extraArgs, line => Console.Error.WriteLine(line), cancel.Token, selected,
                startNone: readOnly, recorded: recorded, onlySeeds: onlySeeds);
            Console.CancelKeyPress -= onCancel;
            // The table lists every trial: the rows and seeds not selected show the trials they already completed, not
            // nothing; the selected ones show what happened here.
            bool Chosen(TrialResult r) => (selected is null || selected.Contains(r.Row)) && (onlySeeds is null || onlySeeds.Contains(r.Seed));
            IReadOnlyList<TrialResult> shown = selected is null && onlySeeds is null ? results
                : [.. reproducer.Run(experiment, n, j, extraArgs, startNone: true).Where(r => !Chosen(r)), .. results.Where(Chosen)];
            shown = RecordedTrials.Merge(shown, recorded);
            // The command that regenerates the whole table (it skips completed trials and resumes the rest).
            string invocation = (tableFile is null ? $"pinn reproduce {name}" : $"pinn reproduce --file {tableFile}") + $" --trials {n}" + (extraArgs.Length > 0 ? $" --train-args {string.Join(' ', extraArgs)}" : "");
            string md = Reproducer.Write(experiment, shown, outDir, invocation, BenchCommand.CpuModel(), extraArgs);
            if (tableFile is null) WriteIndex(outDir);
            Console.WriteLine(md);
            CliOutput.WriteResult(parse, new JsonObject
            {
                ["id"] = experiment.Id, ["trials"] = results.Count, ["completed"] = results.Count(r => r.Status == "completed"),
                ["markdown"] = Path.GetFullPath(Path.Combine(outDir, experiment.Id + ".md")),
                ["csv"] = Path.GetFullPath(Path.Combine(outDir, experiment.Id + ".csv")),
                ["json"] = Path.GetFullPath(Path.Combine(outDir, experiment.Id + ".json")),
            });
            return readOnly || results.All(r => r.Status == "completed") ? 0 : 1;
        });
        return command;
    }

    /// <summary>The table: a catalog id, or an experiment file (--file), checked row by row before anything runs.</summary>
    private static Experiment LoadExperiment(string? id, string? file)
    {
        if (file is null)
        {
            if (id is null) throw new UsageException("Name a table (`pinn reproduce list` shows them) or give one with --file TABLE.toml.");
            try { return ExperimentCatalog.Find(id); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
        }
        Experiment experiment;
        try { experiment = ExperimentFile.Read(file); }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or InvalidDataException) { throw new UsageException(e.Message); }
        if (id is not null && id != experiment.Id) throw new UsageException($"{Path.GetFileName(file)} holds table '{experiment.Id}', not '{id}'.");
        // Every row binds now (a bad setting names file:line:column and its path), so no trial starts on a table that cannot run.
        foreach (var row in experiment.Rows)
        {
            try { ExperimentTrials.Recipe(row, RecipeOverrides.None, seed: 1); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
        }
        return experiment;
    }

    /// <summary>--isolate: each trial as a `pinn run-trial` child process rather than in this one.</summary>
    internal static Option<bool> IsolateOption() => new("--isolate")
    {
        Description = "Run each trial as its own `pinn run-trial` process (a crash or a native fault stays in it) instead of in this process.",
    };

    /// <summary>The reproducer of the commands: `pinn train` options bound as the command line binds them, trials in
    /// this process or, with --isolate, as `pinn run-trial` processes of this same pinn.</summary>
    internal static Reproducer CreateReproducer(string runsRoot, bool isolate) => new(runsRoot)
    {
        ParseOptions = options => Usage(() => TrainOptions.ParseOverrides(options)),
        BindArguments = BindCommandLine,
        Isolate = isolate ? SelfCommand() : null,
    };

    /// <summary>The recipe `pinn train ARGUMENTS` trains (for run directories and tables recorded as arguments).</summary>
    internal static TrainingRecipe BindCommandLine(IReadOnlyList<string> arguments) => Usage(() => TrainOptions.BuildCommandLine(arguments));

    // The library's callers catch ArgumentException; the command line's own errors are UsageExceptions.
    private static T Usage<T>(Func<T> bind)
    {
        try { return bind(); }
        catch (UsageException e) { throw new ArgumentException(e.Message, e); }
    }

    /// <summary>The rows named by --rows (by label or run-folder slug), or null for all; unknown names are a usage error.</summary>
    private static IReadOnlySet<string>? SelectRows(Experiment experiment, string? names)
    {
        if (string.IsNullOrWhiteSpace(names)) return null;
        // A label that contains a comma ("PINN, decayed") is taken whole before the list is split.
        if (experiment.Rows.FirstOrDefault(r => r.Label == names.Trim()) is { } whole) return new HashSet<string> { whole.Label };
        var chosen = new HashSet<string>();
        foreach (string name in names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var row = experiment.Rows.FirstOrDefault(r => r.Label == name || Reproducer.Slug(r.Label) == name)
                      ?? throw new UsageException($"--rows: '{name}' is not a row of {experiment.Id}; rows: {string.Join(", ", experiment.Rows.Select(r => $"'{r.Label}'"))}.");
            chosen.Add(row.Label);
        }
        return chosen;
    }

    /// <summary>The seeds named by --seeds, or null for all; each must be a whole number from 1 to the trial count.</summary>
    internal static IReadOnlySet<ulong>? SelectSeeds(string? list, int trials)
    {
        if (string.IsNullOrWhiteSpace(list)) return null;
        var chosen = new HashSet<ulong>();
        foreach (string item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(item, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int seed) || seed < 1 || seed > trials)
                throw new UsageException($"--seeds: '{(item.Length <= 40 ? item : item[..40] + "…")}' is not a seed from 1 to {trials} (--trials).");
            chosen.Add((ulong)seed);
        }
        return chosen;
    }

    /// <summary>How to start this same `pinn` again: the apphost, or `dotnet pinn.dll`.</summary>
    internal static (string Exe, string[] Prefix) SelfCommand()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        string dll = Assembly.GetEntryAssembly()!.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? (process, [dll]) : (process, []);
    }

    /// <summary>results.md next to the per-experiment files: every experiment's table in catalog order.</summary>
    private static void WriteIndex(string outDir)
    {
        // notes.md (hand-written: what did not reproduce and what was tried) follows the generated tables.
        var parts = ExperimentCatalog.All.Select(e => Path.Combine(outDir, e.Id + ".md")).Append(Path.Combine(outDir, "notes.md"))
            .Where(File.Exists).Select(File.ReadAllText);
        string header = "# Reproduced results\n\nGenerated by `pinn reproduce` (src/PinnServe.Training/Reproduction); each table's command and machine are given with it. " +
                        "Relative L² errors are measured on the problem's evaluation grid against the exact or reference solution, which is never used for training or model selection.\n\n";
        string parent = Path.GetDirectoryName(Path.GetFullPath(outDir))!;
        AtomicFile.WriteAllText(Path.Combine(parent, "results.md"), header + string.Join("\n", parts));
    }
}
