using System.Globalization;
using System.Text;
using PinnServe.Contracts;

namespace PinnServe.Cli.Executors;

/// <summary>
/// `--executor kubernetes`: the trials that are not done become one Indexed Job (completionMode: Indexed): pod i
/// runs `pinn run-trial` on line i of a trial list in the run root, which lives on a PersistentVolumeClaim that every
/// pod mounts. A failing trial is retried on its own (backoffLimitPerIndex) and does not fail the others; a pod
/// evicted or preempted (DisruptionTarget) checkpoints on SIGTERM and is restarted without using up a retry.
/// The manifest is written into the run root; `--apply` hands it to `kubectl apply`.
/// </summary>
internal sealed class KubernetesExecutor : IExecutor
{
    /// <summary>Where the claim is mounted in the pods.</summary>
    public const string MountPath = "/pinn/runs";

    public string Name => "kubernetes";

    public Submission Submit(ClusterPlan plan, Action<string> log)
    {
        var k8s = plan.Kubernetes ?? throw new UsageException("--executor kubernetes needs --k8s-claim (the PersistentVolumeClaim that holds --runs).");
        if (k8s.Apply && !ExternalTool.Exists("kubectl"))
            throw new UsageException("--k8s-apply: kubectl was not found on PATH; install it (or leave out --k8s-apply and apply the manifest yourself). Nothing was written.");
        using var claim = RunRoot.Claim(plan);
        foreach (var trial in plan.Trials) RunRoot.WriteTrial(plan, trial);
        var states = Status(plan);
        var toSubmit = plan.Trials.Zip(states).Where(p => p.Second.NeedsSubmission).Select(p => p.First).ToList();
        int done = states.Count(s => s.State == "done");
        if (toSubmit.Count == 0)
            return new Submission(null, 0, done, 0, [], $"all {done} trials are done");

        Directory.CreateDirectory(plan.ClusterFolder);
        int number = 1;
        while (File.Exists(Path.Combine(plan.ClusterFolder, $"kubernetes-{number}.trials"))) number++;
        string list = Path.Combine(plan.ClusterFolder, $"kubernetes-{number}.trials");
        string manifest = Path.Combine(plan.ClusterFolder, $"kubernetes-{number}.yaml");
        // Paths in the list are relative to the run root: the pods see it under another path than this machine.
        AtomicFile.WriteAllText(list, string.Concat(toSubmit.Select(t => Path.GetRelativePath(plan.RunRoot, plan.TrialFile(t)) + "\n")));
        string name = JobName(plan.Id, number);
        AtomicFile.WriteAllText(manifest, Manifest(plan, k8s, name, toSubmit.Count, Path.GetFileName(list)));
        string message = $"wrote the Indexed Job {name} ({toSubmit.Count} trials) to {manifest}";
        if (k8s.Apply)
        {
            var output = ExternalTool.Run("kubectl", ["apply", "-f", manifest], TimeSpan.FromMinutes(2))!;
            if (output.ExitCode != 0)
                throw new ClusterException($"kubectl apply refused {manifest} ({output.Message}); nothing was started, the manifest and the trial files were kept.");
            log(output.Stdout.Trim());
            message += "; applied with kubectl";
        }
        else message += $"; start it with: kubectl apply -f {manifest}";
        return new Submission(name, toSubmit.Count, done, 0, [manifest, list], message);
    }

    /// <summary>From the run directories: done, interrupted (a checkpoint), or not submitted (rerun writes a Job for it).</summary>
    public IReadOnlyList<TrialStatus> Status(ClusterPlan plan) =>
        plan.Trials.Select(t =>
        {
            var (state, detail) = RunRoot.FromRunDirectory(plan, t);
            return new TrialStatus(t.Row, t.Seed, state ?? "not submitted", null, detail);
        }).ToList();

    /// <summary>A DNS-1123 label: pinn-ID-N, lower case, at most 63 characters.</summary>
    internal static string JobName(string id, int number)
    {
        var slug = new string(id.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        while (slug.Contains("--", StringComparison.Ordinal)) slug = slug.Replace("--", "-");
        string suffix = "-" + number.ToString(CultureInfo.InvariantCulture);
        slug = slug.Length + suffix.Length + 5 > 63 ? slug[..(63 - suffix.Length - 5)].TrimEnd('-') : slug;
        return $"pinn-{slug}{suffix}";
    }

    /// <summary>The Indexed Job (batch/v1) as YAML.</summary>
    internal static string Manifest(ClusterPlan plan, KubernetesSettings k8s, string name, int count, string listFile)
    {
        var inv = CultureInfo.InvariantCulture;
        var r = plan.Resources;
        string root = k8s.ClaimPath.Trim('/').Length == 0 ? $"{MountPath}/{plan.Id}" : $"{MountPath}/{k8s.ClaimPath.Trim('/')}/{plan.Id}";
        // JOB_COMPLETION_INDEX (set by Kubernetes for Indexed Jobs) picks the trial; exec makes pinn the container's
        // PID 1, so the kubelet's SIGTERM reaches it and it checkpoints within the grace period.
        string script = $"set -eu; root={SlurmExecutor.Quote(root)}; " +
                        $"trial=$(sed -n \"$((JOB_COMPLETION_INDEX + 1))p\" \"$root/.cluster/{listFile}\"); " +
                        $"exec dotnet /app/pinn.dll run-trial \"$root/$trial\" --run-root \"$root\" --threads {r.Threads.ToString(inv)}";
        string memory = r.Memory ?? "2Gi";
        var y = new StringBuilder();
        y.Append($"# Written by `{plan.Command.Replace('\n', ' ')}` (pinn, --executor kubernetes).\n");
        y.Append("# Pod i runs trial i of the list; the run root is on the claim. Apply: kubectl apply -f THIS_FILE\n");
        y.Append("apiVersion: batch/v1\nkind: Job\nmetadata:\n");
        y.Append($"  name: {name}\n");
        if (k8s.Namespace is { } ns) y.Append($"  namespace: {ns}\n");
        y.Append($"  labels:\n    app.kubernetes.io/name: pinnserve-trial\n    pinnserve.io/sweep: {Label(plan.Id)}\n");
        y.Append("spec:\n  completionMode: Indexed\n");
        y.Append($"  completions: {count.ToString(inv)}\n  parallelism: {Math.Max(1, Math.Min(r.MaxParallel, count)).ToString(inv)}\n");
        y.Append($"  backoffLimitPerIndex: {k8s.BackoffLimitPerIndex.ToString(inv)}\n");
        y.Append("  podFailurePolicy:\n    rules:\n");
        y.Append("      # Evicted or preempted: the trial checkpointed on SIGTERM; start it again without using up a retry.\n");
        y.Append("      - action: Ignore\n        onPodConditions:\n          - type: DisruptionTarget\n            status: \"True\"\n");
        y.Append("      # Exit 2 is bad input (a trial file this pinn cannot run): retrying cannot help.\n");
        y.Append("      - action: FailIndex\n        onExitCodes:\n          containerName: trial\n          operator: In\n          values: [2]\n");
        y.Append("  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: pinnserve-trial\n");
        y.Append($"        pinnserve.io/sweep: {Label(plan.Id)}\n");
        y.Append("    spec:\n      restartPolicy: Never\n      terminationGracePeriodSeconds: 120\n      containers:\n        - name: trial\n");
        y.Append($"          image: {k8s.Image}\n");
        y.Append("          command: [\"/bin/sh\", \"-c\"]\n");
        y.Append($"          args:\n            - {YamlString(script)}\n");
        y.Append("          resources:\n            requests:\n");
        y.Append($"              cpu: \"{r.Threads.ToString(inv)}\"\n              memory: {YamlString(memory)}\n");
        y.Append("            limits:\n");
        y.Append($"              memory: {YamlString(memory)}\n");
        if (r.Gpu) y.Append("              nvidia.com/gpu: \"1\"\n");
        y.Append($"          volumeMounts:\n            - name: runs\n              mountPath: {MountPath}\n");
        y.Append($"      volumes:\n        - name: runs\n          persistentVolumeClaim:\n            claimName: {k8s.Claim}\n");
        return y.ToString();
    }

    // A label value: at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric.
    private static string Label(string id)
    {
        var s = new string(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray());
        s = s.Length > 63 ? s[..63] : s;
        return s.Trim('-', '.', '_') is { Length: > 0 } t ? t : "sweep";
    }

    // A double-quoted YAML scalar (JSON string escaping is valid YAML; only quotes, backslashes and controls escaped).
    private static string YamlString(string s) => System.Text.Json.JsonSerializer.Serialize(s, RelaxedJson);

    private static readonly System.Text.Json.JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
