using System.CommandLine;
using System.Text.Json.Nodes;
using PinnServe.Cli.Executors;
using PinnServe.Physics;
using PinnServe.Physics.Files;
using PinnServe.Training.Reproduction;

namespace PinnServe.Cli.Commands;

/// <summary>
/// `pinn sweep PROBLEM --vary model=PINN,DN --vary beta=0.9,0.99 --seeds 3`: the Cartesian product of the varied
/// `pinn train` options (or problem parameters) as an <see cref="Experiment"/> whose rows are recipe overrides, run by
/// the same resumable <see cref="Reproducer"/> as `pinn reproduce` (trial files trained in process, or as `pinn run-trial`
/// processes with --isolate; completed ones skipped; mean ± std).
/// </summary>
internal static class SweepCommand
{
    /// <summary>One --vary: the `pinn train` arguments of each value and its label in the table.</summary>
    private sealed record Axis(string Spec, IReadOnlyList<(string[] Arguments, string Label)> Values);

    /// <summary>Seeds per row: a sweep of more trials than this is a mistake, not a plan (and lists no faster with --no-train).</summary>
    private const int MaxSeeds = 1000;

    /// <summary>learned:NAME reads a coefficient the trials learn: NAME must be a parameter of the problem and some trial must pass --learn NAME=….</summary>
    private static void CheckLearnedMetric(string name, Problem problem, string[] extraArgs, IEnumerable<ExperimentRow> rows)
    {
        if (!problem.Parameters.ContainsKey(name))
            throw new UsageException($"--metric learned:{name}: {problem.Name} has no parameter '{name}' (parameters: {string.Join(", ", problem.Parameters.Keys)}).");
        bool Learns(IReadOnlyList<string> args) =>
            args.Select((a, i) => (a, i)).Any(p => p.a == "--learn" && p.i + 1 < args.Count && args[p.i + 1].StartsWith(name + "=", StringComparison.Ordinal));
        bool RowLearns(ExperimentRow row) => row.Overrides.Settings.Any(s => s.Path == "data.learn" && s.Value is JsonObject learned && learned.ContainsKey(name));
        if (!Learns(extraArgs) && !rows.Any(RowLearns))
            throw new UsageException($"--metric learned:{name}: no trial learns '{name}'; add --train-args --learn --train-args {name}=GUESS (or --vary learn=…).");
    }

    public static Command Create()
    {
        var problem = new Argument<string>("problem") { Description = "Catalog problem name or problem file (.toml, .yaml, .json)." };
        var vary = new Option<string[]>("--vary")
        {
            Description = "NAME=V1,V2,… or, when a value holds commas, NAME=V1;V2;… (repeatable; rows are the Cartesian product). NAME is a `pinn train` option without its dashes " +
                          "(model, beta, layers, iters, lr, weighting, …: each row gets --NAME V), else a parameter of the problem (--param NAME=V). " +
                          "param=k=1,k=2 forces parameters, e.g. one named like an option.",
        };
        var seeds = new Option<int>("--seeds") { Description = "Seeds (trials) per row: 1..N.", DefaultValueFactory = _ => 3 };
        var jobs = new Option<int>("--jobs") { Description = "Trials run in parallel (in this process, or as processes with --isolate).", DefaultValueFactory = _ => 1 };
        var runs = new Option<string>("--runs") { Description = "Where trial run directories go (RUNS/ID/ROW/seed-N).", DefaultValueFactory = _ => Path.Combine("runs", "sweep") };
        var output = new Option<string?>("--out") { Description = "Where ID.md/.csv/.json go (default: the --runs folder)." };
        var id = new Option<string?>("--id") { Description = "Name of the sweep: its run folder and table files (default: the problem's name)." };
        var metric = new Option<string>("--metric") { Description = "rel_l2 (default), rel_l2_<field or magnitude> from summary.json, learned:NAME (relative error of a learned coefficient; runs need --learn), or hessian:COLUMN (runs need --hessian).", DefaultValueFactory = _ => "rel_l2" };
        var extra = new Option<string[]>("--train-args") { Description = "Extra `pinn train` arguments for every trial (e.g. \"--iters 500\"), one token per occurrence.", AllowMultipleArgumentsPerToken = true };
        var noTrain = new Option<bool>("--no-train") { Description = "Write the tables from the trials already completed; start or resume none." };
        var isolate = ReproduceCommand.IsolateOption();
        var command = new Command("sweep", "Train a problem (catalog or file) over a grid of options and seeds (resumable, in parallel) and tabulate mean ± std.");
        command.Arguments.Add(problem);
        foreach (var o in new Option[] { vary, seeds, jobs, runs, output, id, metric, extra, noTrain, isolate }) command.Options.Add(o);
        var executorOptions = new ExecutorOptions();
        executorOptions.AddTo(command);
        command.SetAction(parse =>
        {
            string name = parse.GetValue(problem)!;
            int n = parse.GetValue(seeds), j = parse.GetValue(jobs);
            if (n < 1 || j < 1) throw new UsageException("--seeds and --jobs must be at least 1.");
            if (n > MaxSeeds) throw new UsageException($"--seeds must be 1..{MaxSeeds:N0}, got {n}.");
            // Local trials share this machine's cores; on a cluster --jobs is the array's throttle (%K), bounded by the cluster.
            if (executorOptions.IsLocal(parse) && j > Environment.ProcessorCount * 4) throw new UsageException($"--jobs must be 1..{Environment.ProcessorCount * 4}, got {j}.");
            string metricName = parse.GetValue(metric)!;
            if (!new[] { "rel_l2", "hessian:", "learned:" }.Any(prefix => metricName.StartsWith(prefix, StringComparison.Ordinal)))
                throw new UsageException($"--metric '{metricName}': expected rel_l2, rel_l2_<name>, learned:NAME or hessian:COLUMN.");
            var extraArgs = parse.GetValue(extra) ?? [];
            var loaded = LoadProblem(name);
            var axes = (parse.GetValue(vary) ?? []).Select(spec => ParseAxis(spec, loaded)).ToList();
            var duplicate = axes.GroupBy(a => a.Spec[..a.Spec.IndexOf('=')]).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw new UsageException($"--vary '{duplicate.Key}' is given twice; list all its values in one --vary.");
            Validate(name, extraArgs, "--train-args", []);
            foreach (var axis in axes)
                foreach (var (arguments, _) in axis.Values)
                    Validate(name, extraArgs, $"--vary {axis.Spec}", arguments);

            string sweepId = Reproducer.Slug(parse.GetValue(id) ?? (ProblemDocument.IsProblemFile(name) ? Path.GetFileNameWithoutExtension(name) : name));
            // Each row is the problem and the overrides its values' options give, bound like a row of an experiment file.
            string problemReference = ProblemDocument.IsProblemFile(name) ? Path.GetFullPath(name) : name;
            var rows = Product(axes).Select(combo =>
            {
                string[] arguments = [.. combo.SelectMany(v => v.Arguments)];
                return new ExperimentRow(combo.Count == 0 ? "default" : string.Join(' ', combo.Select(v => v.Label)), problemReference,
                    TrainOptions.ParseOverrides(arguments), null) { Arguments = string.Join(' ', [name, .. arguments]) };
            }).ToList();
            if (metricName.StartsWith("learned:", StringComparison.Ordinal)) CheckLearnedMetric(metricName["learned:".Length..], loaded, extraArgs, rows);
            string varied = axes.Count == 0 ? "defaults" : string.Join(" × ", axes.Select(a => a.Spec[..a.Spec.IndexOf('=')]));
            var experiment = new Experiment(sweepId, $"{loaded.Name}: {varied} ({rows.Count} rows × {n} seeds)", "`pinn sweep`", rows, Metric: metricName);

            string runsRoot = parse.GetValue(runs)!;
            // --executor slurm|kubernetes (and --status): submit what is not done and return, or go on to the table once all is done.
            var clusterTrials = new ClusterRun.Trials(experiment, [.. rows.SelectMany(r => Enumerable.Range(1, n).Select(s => (r, (ulong)s)))], runsRoot, extraArgs, j,
                (row, s, dir) => TrialFiles.Create(experiment, row, extraArgs, s, dir));
            if (ClusterRun.Run(parse, executorOptions, clusterTrials) is { } clusterExit) return clusterExit;
            bool readOnly = parse.GetValue(noTrain) || !executorOptions.IsLocal(parse);
            var reproducer = ReproduceCommand.CreateReproducer(runsRoot, parse.GetValue(isolate));
            int alreadyDone = reproducer.Run(experiment, n, j, extraArgs, startNone: true).Count;
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, args) => { args.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            var results = reproducer.Run(experiment, n, j, extraArgs, line => Console.Error.WriteLine(line), cancel.Token, startNone: readOnly);
            Console.CancelKeyPress -= onCancel;

            string outDir = parse.GetValue(output) ?? runsRoot;
            string invocation = $"pinn sweep {name} " + string.Concat(axes.Select(a => $"--vary {a.Spec} ")) + $"--seeds {n}" +
                                (extraArgs.Length > 0 ? $" --train-args {string.Join(' ', extraArgs)}" : "");
            // The extra arguments are part of the command line shown with the table; there is no published setup to differ from.
            string md = Reproducer.Write(experiment, results, outDir, invocation, BenchCommand.CpuModel());
            Console.WriteLine(md);
            int completed = results.Count(r => r.Status == "completed");
            CliOutput.WriteResult(parse, new JsonObject
            {
                ["id"] = experiment.Id, ["rows"] = rows.Count, ["trials"] = rows.Count * n, ["completed"] = completed,
                ["already_completed"] = alreadyDone, ["started"] = readOnly ? 0 : rows.Count * n - alreadyDone,
                ["markdown"] = Path.GetFullPath(Path.Combine(outDir, experiment.Id + ".md")),
                ["csv"] = Path.GetFullPath(Path.Combine(outDir, experiment.Id + ".csv")),
                ["json"] = Path.GetFullPath(Path.Combine(outDir, experiment.Id + ".json")),
            });
            return readOnly || completed == rows.Count * n ? 0 : 1;
        });
        return command;
    }

    private static Problem LoadProblem(string name)
    {
        try { return ProblemDocument.IsProblemFile(name) ? ProblemFiles.Load(name) : ProblemCatalog.Create(name); }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException) { throw new UsageException(e.Message); }
    }

    /// <summary>The `pinn train` options a sweep may vary: all but the ones it sets itself (problem, seed, threads, out).</summary>
    private static HashSet<string> VariableOptions() =>
        new TrainOptions().All().OfType<Option>().Select(o => o.Name.TrimStart('-')).Where(n => n is not ("seed" or "threads")).ToHashSet(StringComparer.Ordinal);

    private static Axis ParseAxis(string spec, Problem problem)
    {
        int eq = spec.IndexOf('=');
        string name = eq > 0 ? spec[..eq].Trim() : "";
        string list = eq > 0 ? spec[(eq + 1)..] : "";
        // Values that hold commas themselves (--histograms 0,1000) are separated by semicolons instead.
        var values = list.Length > 0 ? list.Split(list.Contains(';') ? ';' : ',', StringSplitOptions.TrimEntries) : [];
        if (name.Length == 0 || values.Length == 0 || values.Any(v => v.Length == 0))
            throw new UsageException($"--vary '{spec}' is malformed: expected NAME=V1,V2,… (or NAME=V1;V2;… when a value holds commas) e.g. --vary model=PINN,DN.");
        if (name is "seed" or "seeds") throw new UsageException($"--vary '{spec}': seeds are set with --seeds N (trials 1..N per row).");
        if (name is "threads" or "out" or "resume")
            throw new UsageException($"--vary '{spec}': --{name} is set by the sweep itself (threads: cores / --jobs; use --train-args \"--threads N\").");
        var options = VariableOptions();
        if (options.Contains(name))
            return new Axis(spec, values.Select(v => (new[] { "--" + name, v }, name == "param" ? v : $"{name}={v}")).ToList());
        if (problem.DefaultParameters.ContainsKey(name))
            return new Axis(spec, values.Select(v => (new[] { "--param", $"{name}={v}" }, $"{name}={v}")).ToList());
        string parameters = problem.DefaultParameters.Count == 0 ? "none" : string.Join(", ", problem.DefaultParameters.Keys);
        throw new UsageException($"--vary '{spec}': '{name}' is neither a `pinn train` option nor a parameter of {problem.Name} " +
                                 $"(parameters: {parameters}; options: {string.Join(", ", options.Order(StringComparer.Ordinal))}).");
    }

    /// <summary>Builds the training config of one value in-process, so a bad value fails here (exit 2) before any trial starts.</summary>
    private static void Validate(string problem, string[] extra, string what, string[] arguments)
    {
        var options = new TrainOptions();
        var command = new Command("train");
        options.AddTo(command);
        var parse = command.Parse([problem, .. arguments, .. extra]);
        if (parse.Errors.Count > 0) throw new UsageException($"{what}: {parse.Errors[0].Message}");
        try { options.Build(parse); }
        catch (UsageException e) { throw new UsageException($"{what}: {e.Message}"); }
    }

    private static IEnumerable<List<(string[] Arguments, string Label)>> Product(IReadOnlyList<Axis> axes)
    {
        IEnumerable<List<(string[] Arguments, string Label)>> combos = [[]];
        foreach (var axis in axes)
            combos = combos.SelectMany(combo => axis.Values.Select(v => new List<(string[] Arguments, string Label)>(combo) { v })).ToList();
        return combos;
    }
}
