using System.Text.RegularExpressions;

namespace PinnServe.Cli.Tests.Cluster;

/// <summary>
/// docs/cluster.md: every `pinn sweep` command it shows is accepted as written (run with --status against the
/// sbatch/squeue stand-ins), its Indexed Job passes the strict Kubernetes API check, and the Slurm commands of its
/// walk-through are the ones SlurmClusterTests runs on the real cluster.
/// </summary>
public class ClusterDocsTests
{
    private static string Doc => File.ReadAllText(Path.Combine(ServeCommandTests.RepositoryRoot(), "docs", "cluster.md"));

    /// <summary>The commands of the ```bash blocks, continuation lines joined, comments dropped.</summary>
    private static List<string> Commands()
    {
        var commands = new List<string>();
        foreach (Match block in Regex.Matches(Doc, "```bash\n(.*?)```", RegexOptions.Singleline))
        {
            string joined = block.Groups[1].Value.Replace("\\\n", " ");
            foreach (string line in joined.Split('\n'))
            {
                string command = Regex.Replace(line, @"\s+#.*$", "").Trim();
                if (command.Length > 0) commands.Add(Regex.Replace(command, @"\s+", " "));
            }
        }
        return commands;
    }

    [Fact]
    public void Every_sweep_command_of_the_page_is_accepted_as_written()
    {
        var sweeps = Commands().Where(c => c.StartsWith("pinn sweep ", StringComparison.Ordinal)).ToList();
        Assert.True(sweeps.Count >= 3, string.Join("\n", Commands()));
        var slurm = new FakeSlurm();
        foreach (string command in sweeps)
        {
            string dir = Directory.CreateTempSubdirectory("pinn-cluster-doc-").FullName;
            var r = ClusterCli.Pinn(dir, slurm.Environment, [.. command["pinn ".Length..].Split(' ').Where(a => a != "--status"), "--status", "--json"]);
            Assert.True(r.ExitCode == 0, $"{command}\n{r}");
            Assert.Equal(4, r.Json["trials"]!.AsArray().Count);
        }
    }

    [Fact]
    public void The_walkthrough_uses_the_commands_the_cluster_test_runs()
    {
        var commands = Commands();
        foreach (string expected in new[]
        {
            "scripts/slurm-local.sh start /tmp/slurm", "scontrol requeue 5_0", "scancel --signal=KILL 5_1",
            "scontrol update JobId=5_0 StartTime=now", "scripts/slurm-local.sh stop /tmp/slurm",
        })
            Assert.Contains(expected, commands);
        string test = File.ReadAllText(Path.Combine(ServeCommandTests.RepositoryRoot(), "tests", "PinnServe.Cli.Tests", "Cluster", "SlurmClusterTests.cs"));
        foreach (string used in new[] { "\"scontrol\", \"requeue\"", "\"scancel\", \"--signal=KILL\"", "\"StartTime=now\"", "\"start\", clusterDir", "\"stop\", clusterDir" })
            Assert.Contains(used, test);
        // The walk-through's sweep is the test's sweep.
        Assert.Contains(commands, c => c.StartsWith("pinn sweep poisson-1d --vary model=M1,M2 --seeds 2 --jobs 2 --runs slurm-runs --executor slurm " +
            "--train-args --iters --train-args 20000 --train-args --layers --train-args 2x16 --train-args --checkpoint-every --train-args 250", StringComparison.Ordinal));
    }

    [Fact]
    public void The_indexed_job_of_the_page_passes_the_strict_api_check()
    {
        var yaml = Regex.Match(Doc, "```yaml\n(apiVersion: batch/v1.*?)```", RegexOptions.Singleline);
        Assert.True(yaml.Success, "docs/cluster.md shows no Job");
        string path = Path.Combine(Directory.CreateTempSubdirectory("pinn-cluster-doc-").FullName, "job.yaml");
        File.WriteAllText(path, yaml.Groups[1].Value);
        var check = ClusterCli.Run("/usr/bin/python3", [Path.Combine(ServeCommandTests.RepositoryRoot(), "tests", "cluster", "check_k8s_job.py"), path, "--completions", "4", "--claim", "pinn-runs"],
            null, null, TimeSpan.FromMinutes(2));
        Assert.True(check.ExitCode == 0, check.ToString());
    }
}
