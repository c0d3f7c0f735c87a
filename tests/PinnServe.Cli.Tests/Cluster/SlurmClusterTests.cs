using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PinnServe.Cli.Tests.Cluster;

/// <summary>
/// A real single-node Slurm cluster (scripts/slurm-local.sh: munged, slurmctld, slurmd from Debian's slurm-wlm, as
/// root) runs a 2 × 2 sweep as one job array. One running task is requeued (`scontrol requeue`: SIGTERM, then Slurm
/// starts it again) and one is killed (`scancel --signal=KILL`: no chance to checkpoint; the rerun of the command
/// resubmits it); both resume from their checkpoints, and the table equals the local executor's bit for bit.
/// </summary>
public class SlurmClusterTests
{
    private static readonly string[] Sweep =
        ["sweep", "poisson-1d", "--vary", "model=M1,M2", "--seeds", "2", "--jobs", "2",
         "--train-args", "--iters", "--train-args", "20000", "--train-args", "--layers", "--train-args", "2x16",
         "--train-args", "--checkpoint-every", "--train-args", "250"];

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(8);

    [Fact]
    public void A_job_array_survives_a_requeue_and_a_kill_and_its_table_equals_the_local_one()
    {
        var id = ClusterCli.Run("id", ["-u"], null, null, TimeSpan.FromSeconds(30));
        Assert.True(id.Stdout.Trim() == "0", "the single-node Slurm cluster of this test runs as root (slurmd, munged); run the tests as root");
        foreach (string tool in new[] { "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch" })
            Assert.True(File.Exists(tool), $"{tool} is missing: apt-get install slurm-wlm munge (listed in .ci/apt-packages.txt)");

        string clusterDir = Directory.CreateTempSubdirectory("pinn-slurm-").FullName;
        string script = Path.Combine(ServeCommandTests.RepositoryRoot(), "scripts", "slurm-local.sh");
        var ports = new Dictionary<string, string> { ["SLURM_LOCAL_CTLD_PORT"] = FreePort(), ["SLURM_LOCAL_SLURMD_PORT"] = FreePort() };
        var env = new Dictionary<string, string> { ["SLURM_CONF"] = Path.Combine(clusterDir, "slurm.conf") };
        try
        {
            var start = ClusterCli.Run(script, ["start", clusterDir], null, ports, TimeSpan.FromMinutes(5));
            Assert.True(start.ExitCode == 0, $"the Slurm cluster did not start: {start}");
            Run(clusterDir, env);
        }
        finally
        {
            var stop = ClusterCli.Run(script, ["stop", clusterDir], null, null, TimeSpan.FromMinutes(4));
            Assert.True(stop.ExitCode == 0, $"stopping the cluster: {stop}");
        }
    }

    private static void Run(string clusterDir, Dictionary<string, string> env)
    {
        string dir = Directory.CreateTempSubdirectory("pinn-slurm-sweep-").FullName;
        string[] onSlurm = [.. Sweep, "--runs", "slurm-runs", "--executor", "slurm", "--json"];
        string root = Path.Combine(dir, "slurm-runs", "poisson-1d");
        // A run writes a step-0 checkpoint when it is created; the test wants one written by training (step ≥ 250).
        bool Checkpointed(string trial) => CheckpointStep(Path.Combine(root, trial, "checkpoint.json")) > 0;
        string Log(string task) => Path.Combine(root, ".cluster", "logs", $"slurm-{task}.out");

        var submitted = ClusterCli.Pinn(dir, env, onSlurm);
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        string job = submitted.Json["job"]!.GetValue<string>();
        Assert.Equal(4, submitted.Json["submitted"]!.GetValue<int>());

        // Task 0 is requeued once it has checkpointed: Slurm sends SIGTERM and puts it back in the queue.
        ClusterCli.WaitFor(() => State(env, $"{job}_0") == "RUNNING" && Checkpointed("model-m1/seed-1"), Long,
            () => $"task {job}_0 running with a checkpoint ({State(env, $"{job}_0")}); {Tail(Log($"{job}_0"))}");
        Slurm(env, "scontrol", "requeue", $"{job}_0");
        // Task 1 is killed outright (no SIGTERM, no last checkpoint): Slurm records it as ended, not done.
        ClusterCli.WaitFor(() => State(env, $"{job}_1") == "RUNNING" && Checkpointed("model-m1/seed-2"), Long,
            () => $"task {job}_1 running with a checkpoint ({State(env, $"{job}_1")})");
        Slurm(env, "scancel", "--signal=KILL", $"{job}_1");

        // Slurm holds a requeued job back for about two minutes (its begin time); let it start now.
        ClusterCli.WaitFor(() => State(env, $"{job}_0") is "PENDING" or "REQUEUED", Long, () => $"task {job}_0 requeued ({State(env, $"{job}_0")})");
        Slurm(env, "scontrol", "update", $"JobId={job}_0", "StartTime=now");
        ClusterCli.WaitFor(() => Enumerable.Range(0, 4).All(i => State(env, $"{job}_{i}") is "COMPLETED" or "CANCELLED" or "FAILED"), Long,
            () => $"every task of {job} ended: {string.Join(", ", Enumerable.Range(0, 4).Select(i => State(env, $"{job}_{i}")))}");

        // The requeued task got SIGTERM, wrote its checkpoint at the step it had reached and stopped ("interrupted", exit
        // 143); Slurm started it again, and the second run went on from that step, not from step 0.
        string log0 = File.ReadAllText(Log($"{job}_0"));
        int restart = log0.IndexOf("(restart 1)", StringComparison.Ordinal);
        Assert.True(restart > 0, log0);
        var stopped = Regex.Match(log0[..restart], @": interrupted, (\d+) iterations");
        Assert.True(stopped.Success, log0);
        int stoppedAt = int.Parse(stopped.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(stoppedAt >= 250, log0);
        Assert.True(FirstStep(log0[restart..]) > stoppedAt, log0);

        var status = ClusterCli.Pinn(dir, env, [.. onSlurm, "--status"]);
        Assert.True(status.ExitCode == 0, status.ToString());
        var states = status.Json["trials"]!.AsArray().Select(t => t!["state"]!.GetValue<string>()).ToArray();
        Assert.True(states is ["done", "interrupted", "done", "done"], status.Stdout);

        // The same command again submits only the killed trial; it resumes from its checkpoint.
        var again = ClusterCli.Pinn(dir, env, onSlurm);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(1, again.Json["submitted"]!.GetValue<int>());
        string second = again.Json["job"]!.GetValue<string>();
        ClusterCli.WaitFor(() => State(env, $"{second}_0") is "COMPLETED" or "CANCELLED" or "FAILED", Long, () => $"task {second}_0 ended ({State(env, $"{second}_0")})");
        Assert.Equal("COMPLETED", State(env, $"{second}_0"));
        string log1 = File.ReadAllText(Log($"{second}_0"));
        Assert.Contains("model-m1.seed-2.json", log1);
        Assert.True(FirstStep(log1) >= 250, log1);

        // Every trial done: the command writes the table, as the local executor does, and submits nothing.
        var table = ClusterCli.Pinn(dir, env, onSlurm);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Equal(4, table.Json["completed"]!.GetValue<int>());
        Assert.Equal(0, table.Json["started"]!.GetValue<int>());

        var local = ClusterCli.Pinn(dir, null, [.. Sweep, "--runs", "local-runs", "--json"]);
        Assert.True(local.ExitCode == 0, local.ToString());
        Assert.Equal(4, local.Json["completed"]!.GetValue<int>());
        // Bit for bit: each trial's relative L² (CSV, round-trip format) and each row's mean ± std.
        Assert.Equal(Metrics(Path.Combine(dir, "local-runs", "poisson-1d.csv")), Metrics(Path.Combine(dir, "slurm-runs", "poisson-1d.csv")));
        Assert.Equal(MeanCells(Path.Combine(dir, "local-runs", "poisson-1d.md")), MeanCells(Path.Combine(dir, "slurm-runs", "poisson-1d.md")));
    }

    /// <summary>The step of a checkpoint file (checksummed wrapper or bare), 0 while it is absent or unreadable.</summary>
    private static int CheckpointStep(string path)
    {
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path));
            return (node?["payload"] ?? node)?["step"]?.GetValue<int>() ?? 0;
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException or FormatException) { return 0; }
    }

    /// <summary>The first training step the log's progress lines report ("… step N/20000 …"): ≥ 250 (the first checkpoint) after a resume.</summary>
    private static int FirstStep(string log)
    {
        var match = Regex.Match(log, @"step (\d+)/20000");
        Assert.True(match.Success, $"no progress line in:\n{log}");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string[] Metrics(string csv) =>
        File.ReadAllLines(csv).Skip(1).Select(l => string.Join(',', l.Split(',').Take(4))).Order(StringComparer.Ordinal).ToArray();

    private static string[] MeanCells(string md) =>
        File.ReadAllLines(md).Where(l => l.StartsWith("| model=", StringComparison.Ordinal)).Select(l => string.Join('|', l.Split('|').Take(4))).ToArray();

    /// <summary>The task's state in squeue (finished ones stay listed for MinJobAge), or "gone".</summary>
    private static string State(Dictionary<string, string> env, string task)
    {
        var r = ClusterCli.Run("squeue", ["-h", "-r", "--states=all", "-j", task, "-o", "%T"], null, env, TimeSpan.FromMinutes(1));
        return r.ExitCode == 0 && r.Stdout.Trim().Length > 0 ? r.Stdout.Trim().Split('\n')[0] : "gone";
    }

    private static void Slurm(Dictionary<string, string> env, string tool, params string[] args)
    {
        var r = ClusterCli.Run(tool, args, null, env, TimeSpan.FromMinutes(1));
        Assert.True(r.ExitCode == 0, $"{tool} {string.Join(' ', args)}: {r}");
    }

    private static string Tail(string path) => File.Exists(path) ? string.Join(" | ", File.ReadAllLines(path).TakeLast(3)) : $"{path} not written";

    private static string FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
