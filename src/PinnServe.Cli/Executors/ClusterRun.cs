using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PinnServe.Training.Reproduction;

namespace PinnServe.Cli.Executors;

/// <summary>
/// The hook of `pinn sweep` and `pinn reproduce` into the executors: --status, and for a cluster executor the
/// submission of what is not done. The commands call <see cref="Run"/> before running trials themselves.
/// </summary>
internal static class ClusterRun
{
    /// <summary>A sweep's trials as the commands know them (rows of an experiment × seeds).</summary>
    /// <param name="MakeTrial">The trial file's content of (row, seed, run directory relative to the run root).</param>
    public sealed record Trials(Experiment Experiment, IReadOnlyList<(ExperimentRow Row, ulong Seed)> Selected, string RunsRoot,
        IReadOnlyList<string> ExtraArguments, int MaxParallel, Func<ExperimentRow, ulong, string, JsonObject> MakeTrial);

    /// <summary>
    /// Null when the command should go on and write its table: the executor is local (it then runs the trials itself),
    /// or a cluster executor finds every trial done (the command then only reads them). Otherwise the exit code of a
    /// --status report or of a submission, after printing what was done.
    /// </summary>
    public static int? Run(ParseResult parse, ExecutorOptions options, Trials trials)
    {
        string name = parse.GetValue(options.Executor)!;
        var executor = ExecutorRegistry.Find(name);
        bool status = parse.GetValue(options.Status);
        if (executor is null && !status) return null;
        var plan = Plan(parse, options, trials);
        if (status)
        {
            var states = executor?.Status(plan) ?? LocalStatus(plan);
            PrintStatus(parse, name, plan, states);
            return 0;
        }
        var submission = executor!.Submit(plan, line => Console.Error.WriteLine(line));
        if (submission.Done == plan.Trials.Count) return null;
        string again = "pinn " + string.Join(' ', parse.Tokens.Select(t => t.Value));
        Console.WriteLine($"{trials.Experiment.Id}: {submission.Message}.");
        Console.WriteLine($"Watch it with: {again} --status");
        Console.WriteLine($"When every trial is done, the same command writes the table (it submits only what is not done: failed or interrupted trials resume from their checkpoints).");
        CliOutput.WriteResult(parse, new JsonObject
        {
            ["id"] = trials.Experiment.Id, ["executor"] = name, ["job"] = submission.Job, ["trials"] = plan.Trials.Count,
            ["submitted"] = submission.Submitted, ["done"] = submission.Done, ["active"] = submission.Active,
            ["run_root"] = plan.RunRoot, ["files"] = new JsonArray(submission.Files.Select(f => (JsonNode)f).ToArray()),
        });
        return 0;
    }

    private static ClusterPlan Plan(ParseResult parse, ExecutorOptions options, Trials trials)
    {
        var experiment = trials.Experiment;
        string runRoot = Path.GetFullPath(Path.Combine(trials.RunsRoot, experiment.Id));
        var planned = trials.Selected.Select(t =>
        {
            string slug = Reproducer.Slug(t.Row.Label);
            string seed = t.Seed.ToString(CultureInfo.InvariantCulture);
            string runDir = $"{slug}/seed-{seed}";
            return new PlannedTrial(t.Row.Label, t.Seed, $"{slug}.seed-{seed}", runDir, trials.MakeTrial(t.Row, t.Seed, runDir));
        }).ToList();
        var duplicate = planned.GroupBy(t => t.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new UsageException($"rows {string.Join(" and ", duplicate.Select(t => $"'{t.Row}'").Distinct())} share the run folder {duplicate.First().RunDirectory}; give them labels that differ in letters or digits.");
        // A row or the extra arguments that train on the GPU ask the cluster for one.
        bool gpu = trials.Experiment.Rows.Any(r => r.Overrides.Settings.Any(s => s.Path == "device.name" && s.Value?.ToJsonString() == "\"cuda\""))
                   || trials.ExtraArguments.Zip(trials.ExtraArguments.Skip(1)).Any(p => p.First == "--device" && p.Second == "cuda");
        int threads = ThreadsOf(trials.ExtraArguments);
        var resources = new ClusterResources(threads, gpu, parse.GetValue(options.Time), parse.GetValue(options.Partition), parse.GetValue(options.Account),
            parse.GetValue(options.Memory), trials.MaxParallel);
        KubernetesSettings? k8s = null;
        if (parse.GetValue(options.Executor) == "kubernetes" && !parse.GetValue(options.Status))
        {
            string claim = parse.GetValue(options.Claim) ?? throw new UsageException("--executor kubernetes needs --k8s-claim NAME: the PersistentVolumeClaim that holds the --runs folder.");
            int retries = parse.GetValue(options.Retries);
            if (retries < 0) throw new UsageException($"--k8s-retries must be at least 0, got {retries}.");
            k8s = new KubernetesSettings(parse.GetValue(options.Image)!, claim, parse.GetValue(options.ClaimPath)!, parse.GetValue(options.Namespace), parse.GetValue(options.Apply), retries);
        }
        var (exe, prefix) = Commands.ReproduceCommand.SelfCommand();
        string command = "pinn " + string.Join(' ', parse.Tokens.Select(t => t.Value).Where(t => t != "--status"));
        return new ClusterPlan(experiment.Id, runRoot, command, Fingerprint(experiment, trials.ExtraArguments), planned, resources, k8s,
            [Path.GetFullPath(exe), .. prefix.Select(Path.GetFullPath)], parse.GetValue(options.SharedRunRoot));
    }

    /// <summary>--threads N among the extra `pinn train` arguments (the recipe's threads), else 1.</summary>
    private static int ThreadsOf(IReadOnlyList<string> extra)
    {
        int at = extra.ToList().LastIndexOf("--threads");
        if (at < 0) return 1;
        if (at + 1 < extra.Count && int.TryParse(extra[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1) return n;
        throw new UsageException($"--train-args --threads: expected a whole number of at least 1, got '{(at + 1 < extra.Count ? extra[at + 1] : "")}'.");
    }

    /// <summary>What makes two invocations the same sweep: the rows (labels and recipes) and the setup-changing extra
    /// arguments; not the number of seeds, the selection of rows or seeds, nor the executor.</summary>
    private static string Fingerprint(Experiment experiment, IReadOnlyList<string> extra)
    {
        var text = new StringBuilder(experiment.Id).Append('\n');
        foreach (var row in experiment.Rows) text.Append(row.Label).Append('\t').Append(row.Arguments is { } arguments
            ? string.Join('\u001f', arguments.Split(' ')) // a sweep's row: as before rows were recipes, so its run root stays its own
            : row.RecipeJson().ToJsonString()).Append('\n');
        text.AppendJoin('\u001f', Reproducer.SetupChanging(extra));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static IReadOnlyList<TrialStatus> LocalStatus(ClusterPlan plan) =>
        plan.Trials.Select(t =>
        {
            var (state, detail) = RunRoot.FromRunDirectory(plan, t);
            return new TrialStatus(t.Row, t.Seed, state ?? "not submitted", null, detail);
        }).ToList();

    private static void PrintStatus(ParseResult parse, string executor, ClusterPlan plan, IReadOnlyList<TrialStatus> states)
    {
        int rowWidth = Math.Max(3, states.Select(s => s.Row.Length).DefaultIfEmpty(0).Max());
        int jobWidth = Math.Max(3, states.Select(s => s.Job?.Length ?? 1).DefaultIfEmpty(0).Max());
        Console.WriteLine($"{plan.Id} ({executor}; run root {plan.RunRoot})");
        Console.WriteLine($"{"row".PadRight(rowWidth)}  seed  {"state",-13}  {"job".PadRight(jobWidth)}  detail");
        foreach (var s in states)
            Console.WriteLine($"{s.Row.PadRight(rowWidth)}  {s.Seed,4}  {s.State,-13}  {(s.Job ?? "-").PadRight(jobWidth)}  {s.Detail}");
        var counts = TrialStatus.States.ToDictionary(s => s, s => states.Count(t => t.State == s));
        Console.WriteLine(string.Join(", ", counts.Where(c => c.Value > 0).Select(c => $"{c.Value} {c.Key}")));
        var json = new JsonObject { ["id"] = plan.Id, ["executor"] = executor, ["run_root"] = plan.RunRoot };
        foreach (var (state, count) in counts) json[state.Replace(' ', '_')] = count;
        json["trials"] = new JsonArray(states.Select(s => (JsonNode)new JsonObject
        {
            ["row"] = s.Row, ["seed"] = s.Seed, ["state"] = s.State, ["job"] = s.Job, ["detail"] = s.Detail,
        }).ToArray());
        CliOutput.WriteResult(parse, json);
    }
}
