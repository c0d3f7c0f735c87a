using System.Text.Json.Nodes;

namespace PinnServe.Cli.Tests.Cluster;

/// <summary>
/// `pinn sweep --executor slurm` against stand-ins for sbatch/squeue/sinfo (FakeSlurm): what it submits, what a rerun
/// submits, --status, and every fault the issue names (sbatch missing or refusing, a run root that is not shared, a
/// trial file from a newer PinnServe, two sweeps in one run root) — each a clear error, nothing already there changed.
/// </summary>
public class SlurmExecutorTests
{
    private static readonly string[] Sweep =
        ["sweep", "poisson-1d", "--vary", "model=M1,M2", "--seeds", "2", "--jobs", "3", "--runs", "runs", "--train-args", "--iters", "--train-args", "20"];

    private static string NewFolder() => Directory.CreateTempSubdirectory("pinn-slurm-exec-").FullName;

    private static string Root(string dir) => Path.Combine(dir, "runs", "poisson-1d");

    private static void Complete(string dir, string trial, double relL2 = 1e-3)
    {
        string run = Path.Combine(Root(dir), trial);
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "summary.json"), new JsonObject { ["status"] = "completed", ["rel_l2"] = relL2, ["seconds"] = 1.0, ["ms_per_iter"] = 1.0 }.ToJsonString());
    }

    [Fact]
    public void One_requeueable_job_array_is_submitted_and_a_rerun_submits_only_what_is_not_done()
    {
        var slurm = new FakeSlurm();
        string dir = NewFolder();
        var first = ClusterCli.Pinn(dir, slurm.Environment, [.. Sweep, "--executor", "slurm", "--json"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("1001", first.Json["job"]!.GetValue<string>());
        Assert.Equal(4, first.Json["submitted"]!.GetValue<int>());

        string call = Assert.Single(slurm.SbatchCalls);
        foreach (string expected in new[] { "--parsable", "--array=0-3%3", "--requeue", "--open-mode=append", "--cpus-per-task=1", "--job-name=pinn-poisson-1d" })
            Assert.Contains(expected, call.Split(' '));
        Assert.DoesNotContain("--gres", call);
        string script = Path.Combine(Root(dir), ".cluster", "slurm-1.sh");
        Assert.EndsWith(script, call);
        string text = File.ReadAllText(script);
        Assert.Contains("run-trial \"$trial\" --run-root \"$root\"", text);
        Assert.Contains("SLURM_ARRAY_TASK_ID", text);

        // Four trial files, each a self-contained trial whose run directory is where the local executor puts it.
        var list = File.ReadAllLines(Path.Combine(Root(dir), ".cluster", "slurm-1.trials"));
        Assert.Equal(4, list.Length);
        var trial = JsonNode.Parse(File.ReadAllText(list[3]))!;
        Assert.Equal("pinnserve-trial", trial["format"]!.GetValue<string>());
        Assert.Equal(2, trial["version"]!.GetValue<int>());
        Assert.Equal("model-m2/seed-2", trial["run_dir"]!.GetValue<string>());
        Assert.Equal(2UL, trial["seed"]!.GetValue<ulong>());
        Assert.Equal("poisson-1d", trial["problem"]!["catalog"]!.GetValue<string>());
        // The recipe is the config `pinn train` binds from the row's arguments (here M2, 20 iterations).
        Assert.Equal("M2", trial["recipe"]!["model"]!.GetValue<string>());
        Assert.Equal(20, trial["recipe"]!["adam"]!["iterations"]!.GetValue<int>());

        // Slurm's view: task 0 runs, 1 waits, 2 failed; trial 3 finished.
        slurm.Queue("1001_0|RUNNING|None", "1001_1|PENDING|Priority", "1001_2|FAILED|NonZeroExitCode");
        Complete(dir, "model-m2/seed-2");
        var status = ClusterCli.Pinn(dir, slurm.Environment, [.. Sweep, "--executor", "slurm", "--status", "--json"]);
        Assert.True(status.ExitCode == 0, status.ToString());
        var states = status.Json["trials"]!.AsArray().Select(t => t!["state"]!.GetValue<string>()).ToArray();
        Assert.Equal(["running", "pending", "failed", "done"], states);
        Assert.Equal("1001_2", status.Json["trials"]![2]!["job"]!.GetValue<string>());
        Assert.Contains("running", status.Stdout);

        var again = ClusterCli.Pinn(dir, slurm.Environment, [.. Sweep, "--executor", "slurm", "--json"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(1, again.Json["submitted"]!.GetValue<int>());
        Assert.Equal(2, slurm.SbatchCalls.Length);
        Assert.Contains("--array=0-0%1", slurm.SbatchCalls[1].Split(' '));
        Assert.Equal([list[2]], File.ReadAllLines(Path.Combine(Root(dir), ".cluster", "slurm-2.trials")));
    }

    [Fact]
    public void Resources_come_from_the_options_and_cuda_trials_ask_for_a_gpu()
    {
        var slurm = new FakeSlurm();
        string dir = NewFolder();
        // --jobs is the array's throttle: not bounded by this machine's cores (the local executor's bound).
        string[] sweep = [.. Sweep.Select(a => a == "3" ? "50" : a)];
        var r = ClusterCli.Pinn(dir, slurm.Environment, [.. sweep, "--executor", "slurm", "--partition", "gpu", "--account", "proj7", "--time", "1:00:00", "--mem", "4G",
            "--train-args", "--device", "--train-args", "cuda", "--train-args", "--threads", "--train-args", "4"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var args = Assert.Single(slurm.SbatchCalls).Split(' ');
        foreach (string expected in new[] { "--array=0-3%4", "--gres=gpu:1", "--cpus-per-task=4", "--partition=gpu", "--account=proj7", "--time=1:00:00", "--mem=4G" })
            Assert.Contains(expected, args);
        // --threads does not change results, so it is not part of the trial file; the task passes it to run-trial.
        Assert.Contains("--threads 4", File.ReadAllText(Path.Combine(Root(dir), ".cluster", "slurm-1.sh")));
    }

    [Fact]
    public void A_missing_sbatch_is_a_clear_error_and_nothing_is_written()
    {
        var slurm = new FakeSlurm(withSbatch: false);
        string dir = NewFolder();
        var r = ClusterCli.Pinn(dir, slurm.Environment, [.. Sweep, "--executor", "slurm"]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("sbatch was not found on PATH", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "runs")));
    }

    [Fact]
    public void A_refused_submission_names_sbatchs_reason_and_keeps_trial_files_and_results()
    {
        var slurm = new FakeSlurm();
        string dir = NewFolder();
        Complete(dir, "model-m1/seed-1", 4.2e-4);
        string summary = Path.Combine(Root(dir), "model-m1", "seed-1", "summary.json");
        string before = File.ReadAllText(summary);
        slurm.Refuse();
        var r = ClusterCli.Pinn(dir, slurm.Environment, [.. Sweep, "--executor", "slurm", "--account", "nobody"]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("sbatch refused", r.Stderr);
        Assert.Contains("Invalid account", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Equal(before, File.ReadAllText(summary));
        Assert.Equal(4, Directory.GetFiles(Path.Combine(Root(dir), "trials")).Length);
        Assert.False(File.Exists(Path.Combine(Root(dir), ".cluster", "slurm-submissions.json")));
        Assert.False(File.Exists(Path.Combine(Root(dir), ".cluster", "slurm-1.sh")));
        // Submitted once sbatch takes it: only the three trials that are not done.
        File.Delete(Path.Combine(slurm.Folder, "sbatch.refuse"));
        var ok = ClusterCli.Pinn(dir, slurm.Environment, [.. Sweep, "--executor", "slurm", "--json"]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal(3, ok.Json["submitted"]!.GetValue<int>());
        Assert.Equal(1, ok.Json["done"]!.GetValue<int>());
    }

    [Fact]
    public void A_run_root_on_a_local_file_system_is_refused_when_the_cluster_has_several_nodes()
    {
        var slurm = new FakeSlurm();
        slurm.Nodes(3);
        string dir = NewFolder();
        string type = FileSystemType(dir);
        Assert.True(type is "ext2/ext3" or "ext4" or "xfs" or "btrfs" or "tmpfs" or "overlay" or "overlayfs", $"this test needs its temp folder on a local file system, not {type}");
        var r = ClusterCli.Pinn(dir, slurm.Environment, [.. Sweep, "--executor", "slurm"]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("is on a local file system", r.Stderr);
        Assert.Contains("3 nodes", r.Stderr);
        Assert.Empty(slurm.SbatchCalls);
        Assert.False(Directory.Exists(Path.Combine(dir, "runs")));
        // The user knows better (a file system pinn does not recognise): --shared-run-root.
        var ok = ClusterCli.Pinn(dir, slurm.Environment, [.. Sweep, "--executor", "slurm", "--shared-run-root"]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Single(slurm.SbatchCalls);
    }

    [Fact]
    public void A_trial_file_from_a_newer_pinnserve_is_refused_and_left_as_it_is()
    {
        var slurm = new FakeSlurm();
        string dir = NewFolder();
        string path = Path.Combine(Root(dir), "trials", "model-m1.seed-2.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string newer = """{"format": "pinnserve-trial", "version": 99, "name": "from the future", "run_dir": "model-m1/seed-2"}""";
        File.WriteAllText(path, newer);
        var r = ClusterCli.Pinn(dir, slurm.Environment, [.. Sweep, "--executor", "slurm"]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("newer PinnServe", r.Stderr);
        Assert.Contains("version 99", r.Stderr);
        Assert.Equal(newer, File.ReadAllText(path));
        Assert.Empty(slurm.SbatchCalls);

        // run-trial refuses it as bad input (exit 2: Slurm and Kubernetes do not retry it).
        var run = ClusterCli.Pinn(dir, null, "run-trial", path);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("version 99 is newer than this pinn reads", run.Stderr);
    }

    [Fact]
    public void Two_sweeps_may_not_write_the_same_run_root()
    {
        var slurm = new FakeSlurm();
        string dir = NewFolder();
        var first = ClusterCli.Pinn(dir, slurm.Environment, [.. Sweep, "--executor", "slurm"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        var files = Directory.GetFiles(Path.Combine(Root(dir), "trials")).ToDictionary(f => f, File.ReadAllText);
        string claim = File.ReadAllText(Path.Combine(Root(dir), ".pinn-run-root"));

        // Same problem (so the same default --id), other rows: another sweep.
        var other = ClusterCli.Pinn(dir, slurm.Environment,
            ["sweep", "poisson-1d", "--vary", "model=M1,M3", "--seeds", "2", "--runs", "runs", "--train-args", "--iters", "--train-args", "20", "--executor", "slurm"]);
        Assert.True(other.ExitCode == 1, other.ToString());
        Assert.Contains("belongs to another sweep", other.Stderr);
        Assert.Contains("--vary model=M1,M2", other.Stderr);
        Assert.Single(slurm.SbatchCalls);
        Assert.Equal(claim, File.ReadAllText(Path.Combine(Root(dir), ".pinn-run-root")));
        foreach (var (path, text) in files) Assert.Equal(text, File.ReadAllText(path));

        // The same sweep again while another pinn is submitting into the run root: refused, not interleaved.
        using (new FileStream(Path.Combine(Root(dir), ".pinn-submit.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            var busy = ClusterCli.Pinn(dir, slurm.Environment, [.. Sweep, "--executor", "slurm"]);
            Assert.True(busy.ExitCode == 1, busy.ToString());
            Assert.Contains("another `pinn` is submitting", busy.Stderr);
        }
        Assert.Single(slurm.SbatchCalls);
    }

    [Fact]
    public void Reproduce_submits_the_selected_trials_with_their_parameters_and_writes_the_table_once_they_are_done()
    {
        var slurm = new FakeSlurm();
        string dir = NewFolder();
        string[] reproduce = ["reproduce", "poisson1d-table1", "--trials", "2", "--rows", "C=2,C=16", "--seeds", "2", "--runs", "runs", "--out", "results", "--executor", "slurm", "--json"];
        var r = ClusterCli.Pinn(dir, slurm.Environment, reproduce);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(2, r.Json["submitted"]!.GetValue<int>());
        string root = Path.Combine(dir, "runs", "poisson1d-table1");
        var list = File.ReadAllLines(Path.Combine(root, ".cluster", "slurm-1.trials"));
        Assert.Equal([Path.Combine(root, "trials", "c-2.seed-2.json"), Path.Combine(root, "trials", "c-16.seed-2.json")], list);
        var trial = JsonNode.Parse(File.ReadAllText(list[1]))!;
        Assert.Equal(16.0, trial["problem"]!["parameters"]!["C"]!.GetValue<double>());
        Assert.Equal(40000, trial["recipe"]!["adam"]!["iterations"]!.GetValue<int>());
        Assert.False(Directory.Exists(Path.Combine(dir, "results")));

        foreach (string run in new[] { "c-2/seed-2", "c-16/seed-2" })
        {
            Directory.CreateDirectory(Path.Combine(root, run));
            File.WriteAllText(Path.Combine(root, run, "summary.json"), """{"status": "completed", "rel_l2": 0.5, "seconds": 1.0, "ms_per_iter": 1.0}""");
        }
        var table = ClusterCli.Pinn(dir, slurm.Environment, reproduce);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Equal(2, table.Json["completed"]!.GetValue<int>());
        Assert.Single(slurm.SbatchCalls);
        Assert.Contains("| C=16 | 1 | 5.00e-1 |", File.ReadAllText(Path.Combine(dir, "results", "poisson1d-table1.md")));
    }

    [Fact]
    public void Unknown_executor_is_a_usage_error()
    {
        var r = ClusterCli.Pinn(NewFolder(), null, [.. Sweep, "--executor", "lsf"]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--executor 'lsf'", r.Stderr);
        Assert.Contains("local, slurm, kubernetes", r.Stderr);
    }

    internal static string FileSystemType(string path)
    {
        var r = ClusterCli.Run("stat", ["-f", "-c", "%T", path], null, null, TimeSpan.FromSeconds(30));
        return r.Stdout.Trim();
    }
}
