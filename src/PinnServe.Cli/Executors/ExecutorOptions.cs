using System.CommandLine;

namespace PinnServe.Cli.Executors;

/// <summary>The options `pinn sweep` and `pinn reproduce` share for running their trials on a cluster.</summary>
internal sealed class ExecutorOptions
{
    public readonly Option<string> Executor = new("--executor")
    {
        Description = "Where the trials run: local (processes here, default), slurm (one job array: sbatch --array) or kubernetes (one Indexed Job). " +
                      "A cluster executor submits what is not done and returns; run the same command again to see the table once every trial is done.",
        DefaultValueFactory = _ => ExecutorRegistry.Local,
    };
    public readonly Option<bool> Status = new("--status") { Description = "Show each trial's state (done, running, pending, failed, interrupted, not submitted) from its run directory and, for slurm, squeue/sacct; start nothing." };
    public readonly Option<string?> Partition = new("--partition") { Description = "slurm: sbatch --partition." };
    public readonly Option<string?> Account = new("--account") { Description = "slurm: sbatch --account." };
    public readonly Option<string?> Time = new("--time") { Description = "slurm: time limit of each trial (sbatch --time, e.g. 2:00:00); at the limit a trial checkpoints, and a rerun of the command resumes it." };
    public readonly Option<string?> Memory = new("--mem") { Description = "slurm: sbatch --mem (e.g. 4G); kubernetes: the memory request and limit (e.g. 4Gi, default 2Gi)." };
    public readonly Option<bool> SharedRunRoot = new("--shared-run-root") { Description = "The --runs folder is on a file system every node mounts, though pinn does not recognise its type." };
    public readonly Option<string> Image = new("--k8s-image") { Description = "kubernetes: the container image with pinn at /app/pinn.dll (docker/Dockerfile.trainer).", DefaultValueFactory = _ => "pinnserve-trainer:latest" };
    public readonly Option<string?> Claim = new("--k8s-claim") { Description = "kubernetes: the PersistentVolumeClaim that holds the --runs folder (every pod mounts it)." };
    public readonly Option<string> ClaimPath = new("--k8s-claim-path") { Description = "kubernetes: the --runs folder's path inside the claim (default: the claim's root).", DefaultValueFactory = _ => "" };
    public readonly Option<string?> Namespace = new("--k8s-namespace") { Description = "kubernetes: the Job's namespace." };
    public readonly Option<bool> Apply = new("--k8s-apply") { Description = "kubernetes: kubectl apply the Job once written (default: only write it)." };
    public readonly Option<int> Retries = new("--k8s-retries") { Description = "kubernetes: retries of a failed trial (backoffLimitPerIndex; one trial's failures do not fail the others).", DefaultValueFactory = _ => 2 };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Executor, Status, Partition, Account, Time, Memory, SharedRunRoot, Image, Claim, ClaimPath, Namespace, Apply, Retries })
            command.Options.Add(o);
    }

    public bool IsLocal(ParseResult parse) => parse.GetValue(Executor) == ExecutorRegistry.Local;
}
