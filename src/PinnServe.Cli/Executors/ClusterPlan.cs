using System.Text.Json.Nodes;

namespace PinnServe.Cli.Executors;

/// <summary>One trial of a sweep as a cluster runs it: its trial file's content and where its run directory goes.</summary>
/// <param name="Key">File-name-safe and unique within the run root: ROW-SLUG.seed-N (the trial file is trials/KEY.json).</param>
/// <param name="RunDirectory">Relative to the run root: ROW-SLUG/seed-N, where the local executor puts the same trial.</param>
/// <param name="Content">The trial file (format pinnserve-trial), written once and never changed.</param>
internal sealed record PlannedTrial(string Row, ulong Seed, string Key, string RunDirectory, JsonObject Content);

/// <summary>What every task of the array asks the scheduler for.</summary>
/// <param name="Threads">Threads of a trial: Slurm's --cpus-per-task, Kubernetes' CPU request.</param>
/// <param name="Gpu">A trial trains with --device cuda: one GPU per task.</param>
/// <param name="TimeLimit">Slurm --time (passed through as given).</param>
/// <param name="Memory">Slurm --mem and the Kubernetes memory request (e.g. 4G / 4Gi).</param>
/// <param name="MaxParallel">Tasks running at once: the array's %K, the Indexed Job's parallelism.</param>
internal sealed record ClusterResources(int Threads, bool Gpu, string? TimeLimit, string? Partition, string? Account, string? Memory, int MaxParallel);

/// <summary>Where the Indexed Job's pods find the run root and pinn.</summary>
/// <param name="Claim">The PersistentVolumeClaim that holds the run root (the --runs folder, seen from the pods).</param>
/// <param name="ClaimPath">The --runs folder's path inside the claim ("" when --runs is the claim's root).</param>
/// <param name="Apply">Run `kubectl apply -f` on the manifest once written.</param>
internal sealed record KubernetesSettings(string Image, string Claim, string ClaimPath, string? Namespace, bool Apply, int BackoffLimitPerIndex);

/// <summary>A sweep (or reproduction) as a cluster executor sees it: trial files under one run root.</summary>
/// <param name="RunRoot">Absolute: RUNS/ID, the folder the local executor fills with the same run directories.</param>
/// <param name="Command">The command line that regenerates the sweep (shown in errors about the run root).</param>
/// <param name="Fingerprint">What makes two invocations the same sweep (rows and setup-changing arguments, not the
/// number of seeds nor the executor): a second sweep with another fingerprint may not write into this run root.</param>
/// <param name="Pinn">How a task starts this pinn (a path every node sees).</param>
/// <param name="AssumeShared">--shared-run-root: trust that the run root is on a shared file system.</param>
internal sealed record ClusterPlan(
    string Id, string RunRoot, string Command, string Fingerprint, IReadOnlyList<PlannedTrial> Trials, ClusterResources Resources,
    KubernetesSettings? Kubernetes, string[] Pinn, bool AssumeShared)
{
    public string TrialFile(PlannedTrial trial) => Path.Combine(RunRoot, "trials", trial.Key + ".json");

    public string RunDirectory(PlannedTrial trial) => Path.Combine(RunRoot, trial.RunDirectory);

    /// <summary>Scripts, trial lists, manifests, submission records and task logs.</summary>
    public string ClusterFolder => Path.Combine(RunRoot, ".cluster");
}

/// <summary>The state of one trial, from its run directory and (where it can be asked) the scheduler.</summary>
/// <param name="State">done, running, pending, failed, interrupted (a checkpoint and no job), not submitted.</param>
/// <param name="Job">The scheduler's name of its task (Slurm JOBID_TASK), when it was submitted.</param>
/// <param name="Detail">What the state rests on: the metric, the scheduler's state and reason, a log line.</param>
internal sealed record TrialStatus(string Row, ulong Seed, string State, string? Job, string Detail)
{
    public static readonly string[] States = ["done", "running", "pending", "failed", "interrupted", "not submitted"];

    /// <summary>Neither done nor in the scheduler's hands: a rerun of the command submits it.</summary>
    public bool NeedsSubmission => State is "failed" or "interrupted" or "not submitted";
}
