using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Contracts;

namespace PinnServe.Cli.Executors;

/// <summary>
/// `--executor slurm`: the trials that are not done go to Slurm as one job array (`sbatch --array=0-N%K --requeue`),
/// task i running `pinn run-trial` on line i of a trial list. A task preempted, requeued or cancelled gets SIGTERM,
/// checkpoints and exits 143; when Slurm starts it again (requeue) or the command is run again (it resubmits only
/// what is neither done nor pending/running), run-trial resumes from the checkpoint.
/// </summary>
internal sealed class SlurmExecutor : IExecutor
{
    private const string SubmissionsFile = "slurm-submissions.json";

    public string Name => "slurm";

    public Submission Submit(ClusterPlan plan, Action<string> log)
    {
        if (!ExternalTool.Exists("sbatch"))
            throw new UsageException("--executor slurm: sbatch was not found on PATH; run the command on a Slurm login node " +
                                     "(or add Slurm's commands to PATH). Nothing was submitted.");
        SharedFileSystem.Check(plan.RunRoot, NodeCount(plan.Resources.Partition), plan.AssumeShared, "Slurm");
        using var claim = RunRoot.Claim(plan);
        foreach (var trial in plan.Trials) RunRoot.WriteTrial(plan, trial);
        var states = Status(plan);
        var toSubmit = plan.Trials.Zip(states).Where(p => p.Second.NeedsSubmission).Select(p => p.First).ToList();
        int done = states.Count(s => s.State == "done"), active = states.Count(s => s.State is "pending" or "running");
        if (toSubmit.Count == 0)
            return new Submission(null, 0, done, active, [],
                done == plan.Trials.Count ? $"all {done} trials are done" : $"{done} trials done, {active} pending or running in Slurm; nothing to submit");

        Directory.CreateDirectory(Path.Combine(plan.ClusterFolder, "logs"));
        var records = ReadSubmissions(plan);
        int number = records.Count + 1;
        while (File.Exists(Path.Combine(plan.ClusterFolder, $"slurm-{number}.trials"))) number++;
        string list = Path.Combine(plan.ClusterFolder, $"slurm-{number}.trials");
        string script = Path.Combine(plan.ClusterFolder, $"slurm-{number}.sh");
        AtomicFile.WriteAllText(list, string.Concat(toSubmit.Select(t => plan.TrialFile(t) + "\n")));
        AtomicFile.WriteAllText(script, BatchScript(plan, list));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        var arguments = SbatchArguments(plan, toSubmit.Count, script);
        log($"sbatch {string.Join(' ', arguments)}");
        var output = ExternalTool.Run("sbatch", arguments, TimeSpan.FromMinutes(2));
        if (output is null || output.ExitCode != 0)
        {
            // Nothing was queued: the list and script of this attempt go; trial files and run directories stay.
            File.Delete(list);
            File.Delete(script);
            throw new ClusterException($"sbatch refused the job array ({(output is null ? "it could not be started" : output.Message)}); " +
                                       $"nothing was submitted, and the {plan.Trials.Count} trial files and every run directory under {plan.RunRoot} were kept. " +
                                       "Fix the cause (partition, account, time limit, …) and run the command again.");
        }
        // --parsable prints "JOBID" or "JOBID;CLUSTER".
        string job = output.Stdout.Trim().Split('\n')[^1].Split(';')[0].Trim();
        if (job.Length == 0 || !job.All(char.IsAsciiDigit))
            throw new ClusterException($"sbatch answered '{output.Stdout.Trim()}' instead of a job id; check `squeue --me` before running the command again.");
        records.Add(new JsonObject
        {
            ["job"] = job, ["number"] = number, ["submitted"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["trials"] = new JsonArray(toSubmit.Select(t => (JsonNode)t.Key).ToArray()),
        });
        AtomicFile.WriteAllText(Path.Combine(plan.ClusterFolder, SubmissionsFile), new JsonArray(records.Select(r => (JsonNode)r).ToArray())
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return new Submission(job, toSubmit.Count, done, active, [script, list],
            $"submitted job array {job} ({toSubmit.Count} trials, at most {Math.Min(plan.Resources.MaxParallel, toSubmit.Count)} at once); {done} already done");
    }

    public IReadOnlyList<TrialStatus> Status(ClusterPlan plan)
    {
        // The latest submission of each trial: its job and array index.
        var latest = new Dictionary<string, (string Job, int Index)>();
        foreach (var record in ReadSubmissions(plan))
        {
            string job = record["job"]!.GetValue<string>();
            var keys = record["trials"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
            for (int i = 0; i < keys.Count; i++) latest[keys[i]] = (job, i);
        }
        var scheduler = QueryScheduler(latest.Values.Select(v => v.Job).Distinct().ToList());
        var result = new List<TrialStatus>();
        foreach (var trial in plan.Trials)
        {
            var (dirState, dirDetail) = RunRoot.FromRunDirectory(plan, trial);
            if (!latest.TryGetValue(trial.Key, out var at))
            {
                result.Add(new TrialStatus(trial.Row, trial.Seed, dirState ?? "not submitted", null, dirState is null ? "" : dirDetail));
                continue;
            }
            string task = $"{at.Job}_{at.Index}";
            if (dirState == "done") { result.Add(new TrialStatus(trial.Row, trial.Seed, "done", task, dirDetail)); continue; }
            string log = LogTail(plan, at.Job, at.Index);
            if (scheduler is null)
            {
                // No squeue or sacct answered: the run directory is all there is.
                result.Add(new TrialStatus(trial.Row, trial.Seed, dirState ?? "pending", task,
                    (dirState is null ? "submitted; squeue/sacct give no state here" : dirDetail) + log));
                continue;
            }
            if (!scheduler.TryGetValue(task, out var slurm))
            {
                result.Add(new TrialStatus(trial.Row, trial.Seed, dirState ?? "failed", task,
                    (dirState is null ? "Slurm no longer knows the task and it left no result" : dirDetail) + log));
                continue;
            }
            string state = slurm.State switch
            {
                "PENDING" or "CONFIGURING" or "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" or "SUSPENDED" or "RESV_DEL_HOLD" => "pending",
                "RUNNING" or "COMPLETING" or "SIGNALING" or "STAGE_OUT" or "RESIZING" => "running",
                _ => dirState == "interrupted" ? "interrupted" : "failed",   // COMPLETED without a summary, FAILED, CANCELLED, TIMEOUT, …
            };
            string detail = $"Slurm {slurm.State}" + (slurm.Reason is { Length: > 0 } r && r != "None" ? $" ({r})" : "") +
                            (dirState == "interrupted" ? "; checkpoint in its run directory" : "") + (state is "failed" or "interrupted" ? log : "");
            result.Add(new TrialStatus(trial.Row, trial.Seed, state, task, detail));
        }
        return result;
    }

    /// <summary>sbatch's arguments: one array over the list, requeueable, the plan's resources.</summary>
    internal static List<string> SbatchArguments(ClusterPlan plan, int count, string script)
    {
        var r = plan.Resources;
        var args = new List<string>
        {
            "--parsable", $"--job-name=pinn-{plan.Id}", $"--array=0-{count - 1}%{Math.Max(1, Math.Min(r.MaxParallel, count))}",
            "--requeue", "--open-mode=append", "--ntasks=1", $"--cpus-per-task={r.Threads}",
            $"--output={Path.Combine(plan.ClusterFolder, "logs", "slurm-%A_%a.out")}", $"--chdir={plan.RunRoot}",
        };
        if (r.Gpu) args.Add("--gres=gpu:1");
        if (r.TimeLimit is { } time) args.Add($"--time={time}");
        if (r.Memory is { } memory) args.Add($"--mem={memory}");
        if (r.Partition is { } partition) args.Add($"--partition={partition}");
        if (r.Account is { } account) args.Add($"--account={account}");
        args.Add(script);
        return args;
    }

    /// <summary>
    /// The array task: checks that this node sees the run root (else exit 2, not requeued: a run root that is not
    /// shared), picks its trial from the list and becomes `pinn run-trial` (exec: SIGTERM reaches pinn directly).
    /// </summary>
    internal static string BatchScript(ClusterPlan plan, string list)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("#!/bin/bash\n");
        sb.Append($"# Written by `{plan.Command.Replace('\n', ' ')}` (pinn, --executor slurm).\n");
        sb.Append("# Array task i runs line i+1 of the trial list; SIGTERM (preemption, requeue, time limit) makes pinn checkpoint and exit 143.\n");
        sb.Append("set -u\n");
        sb.Append($"root={Quote(plan.RunRoot)}\n");
        sb.Append($"list={Quote(list)}\n");
        sb.Append($"if [ ! -f \"$root/{RunRoot.ClaimFile}\" ] || [ ! -f \"$list\" ]; then\n");
        sb.Append("  echo \"pinn: the run root $root is not visible on $(hostname): put --runs on a file system every node mounts\" >&2\n");
        sb.Append("  exit 2\nfi\n");
        sb.Append("trial=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \"$list\")\n");
        sb.Append("if [ -z \"$trial\" ]; then echo \"pinn: task $SLURM_ARRAY_TASK_ID has no line in $list\" >&2; exit 2; fi\n");
        sb.Append("echo \"pinn: task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} (restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -u +%FT%TZ): $trial\"\n");
        sb.Append("exec ").Append(string.Join(' ', plan.Pinn.Select(Quote))).Append(" run-trial \"$trial\" --run-root \"$root\"");
        sb.Append(string.Create(inv, $" --threads {plan.Resources.Threads}\n"));
        return sb.ToString();
    }

    internal static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    private static string LogTail(ClusterPlan plan, string job, int index)
    {
        string path = Path.Combine(plan.ClusterFolder, "logs", $"slurm-{job}_{index}.out");
        if (!File.Exists(path)) return "";
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0 && !l.StartsWith("pinn: task ", StringComparison.Ordinal)).TakeLast(1).ToList();
        return lines.Count == 0 ? "" : $"; log: {lines[0].Trim()}";
    }

    /// <summary>The node count of the partition (all partitions when none is given), or null when sinfo cannot tell.</summary>
    private static int? NodeCount(string? partition)
    {
        var output = ExternalTool.Run("sinfo", partition is null ? ["-h", "-N", "-o", "%N"] : ["-h", "-N", "-o", "%N", "-p", partition], TimeSpan.FromSeconds(60));
        if (output is null || output.ExitCode != 0) return null;
        return output.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().Count();
    }

    /// <summary>
    /// The state and reason of every task of these jobs, keyed JOBID_TASK: squeue (jobs Slurm still holds, finished ones
    /// until MinJobAge), then sacct for what squeue no longer shows. Null when neither tool answered.
    /// </summary>
    private static Dictionary<string, (string State, string Reason)>? QueryScheduler(IReadOnlyList<string> jobs)
    {
        if (jobs.Count == 0) return [];
        Dictionary<string, (string, string)>? found = null;
        var squeue = ExternalTool.Run("squeue", ["-h", "-r", "--states=all", "-j", string.Join(',', jobs), "-o", "%i|%T|%r"], TimeSpan.FromSeconds(60));
        if (squeue is { ExitCode: 0 } || squeue is not null && squeue.Stderr.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
        {
            found = [];
            foreach (string line in squeue.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Trim().Split('|');
                if (f.Length >= 3) found[f[0]] = (f[1], f[2]);
            }
        }
        var sacct = ExternalTool.Run("sacct", ["-n", "-P", "-X", "-j", string.Join(',', jobs), "-o", "JobID,State,ExitCode"], TimeSpan.FromSeconds(60));
        if (sacct is { ExitCode: 0 })
        {
            found ??= [];
            foreach (string line in sacct.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Trim().Split('|');
                if (f.Length >= 3 && !found.ContainsKey(f[0]))
                    found[f[0]] = (f[1].Split(' ')[0], $"exit {f[2]}");   // "CANCELLED by 0" → CANCELLED
            }
        }
        return found;
    }

    private static List<JsonObject> ReadSubmissions(ClusterPlan plan)
    {
        string path = Path.Combine(plan.ClusterFolder, SubmissionsFile);
        if (!File.Exists(path)) return [];
        try { return JsonNode.Parse(File.ReadAllText(path))!.AsArray().Select(n => n!.DeepClone().AsObject()).ToList(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            throw new ClusterException($"{path} is unreadable ({e.Message}); it records which Slurm jobs run which trials. Nothing was submitted.");
        }
    }
}
