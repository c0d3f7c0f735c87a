namespace PinnServe.Cli.Executors;

/// <summary>
/// Where the trials of a sweep or a reproduction run: on this machine (the commands' own path), as one Slurm job
/// array, or as one Kubernetes Indexed Job. A cluster executor never computes a table: it hands trial files to the
/// scheduler and reports their state; when every trial is done, the command writes the table exactly as it does
/// for local trials, from the same run directories.
/// </summary>
internal interface IExecutor
{
    /// <summary>The --executor value.</summary>
    string Name { get; }

    /// <summary>Writes the trial files of the trials that are not done and hands them to the scheduler.</summary>
    Submission Submit(ClusterPlan plan, Action<string> log);

    /// <summary>The state of every trial: its run directory, and what the scheduler says where it can be asked.</summary>
    IReadOnlyList<TrialStatus> Status(ClusterPlan plan);
}

/// <summary>What one submission did: how many trials it handed over, under which job, and which were left alone.</summary>
/// <param name="Job">The scheduler's name for it (a Slurm job id, a Kubernetes Job name); null when nothing was submitted.</param>
/// <param name="Files">The files it wrote (batch script, trial list, manifest).</param>
internal sealed record Submission(string? Job, int Submitted, int Done, int Active, IReadOnlyList<string> Files, string Message);

/// <summary>The executors by name: `--executor local|slurm|kubernetes`.</summary>
internal static class ExecutorRegistry
{
    public const string Local = "local";

    private static readonly Dictionary<string, Func<IExecutor>> Factories = new(StringComparer.Ordinal)
    {
        ["slurm"] = () => new SlurmExecutor(),
        ["kubernetes"] = () => new KubernetesExecutor(),
    };

    public static IReadOnlyList<string> Names { get; } = [Local, .. Factories.Keys];

    /// <summary>The executor named <paramref name="name"/>; null for `local` (the command runs the trials itself).</summary>
    public static IExecutor? Find(string name)
    {
        if (name == Local) return null;
        if (Factories.TryGetValue(name, out var factory)) return factory();
        throw new UsageException($"--executor '{name}': expected one of {string.Join(", ", Names)}.");
    }
}
