namespace PinnServe.Cli.Tests.Cluster;

/// <summary>
/// `pinn sweep --executor kubernetes`: the Indexed Job it writes, deserialized strictly against the Kubernetes API
/// types of Debian's python3-kubernetes (tests/cluster/check_k8s_job.py; an unknown field is an error).
/// </summary>
public class KubernetesJobTests
{
    private static readonly string[] Sweep =
        ["sweep", "poisson-1d", "--vary", "model=M1,M2", "--seeds", "2", "--jobs", "3", "--runs", "runs", "--train-args", "--iters", "--train-args", "20",
         "--executor", "kubernetes", "--k8s-claim", "pinn-runs", "--k8s-claim-path", "studies", "--k8s-namespace", "pinn"];

    private static ClusterCli.Result Check(string manifest, params string[] args)
    {
        string script = Path.Combine(ServeCommandTests.RepositoryRoot(), "tests", "cluster", "check_k8s_job.py");
        Assert.True(File.Exists("/usr/bin/python3"), "Debian's /usr/bin/python3 is missing: apt-get install python3 python3-kubernetes python3-yaml");
        var r = ClusterCli.Run("/usr/bin/python3", [script, manifest, .. args], null, null, TimeSpan.FromMinutes(2));
        Assert.False(r.Stderr.Contains("python3-kubernetes is missing"), r.Stderr);
        return r;
    }

    [Fact]
    public void The_indexed_job_is_valid_against_the_kubernetes_api_types_and_a_rerun_covers_only_what_is_not_done()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-k8s-").FullName;
        var r = ClusterCli.Pinn(dir, null, [.. Sweep, "--json"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        string manifest = Path.Combine(dir, "runs", "poisson-1d", ".cluster", "kubernetes-1.yaml");
        Assert.Equal(manifest, r.Json["files"]![0]!.GetValue<string>());
        var check = Check(manifest, "--completions", "4", "--claim", "pinn-runs");
        Assert.True(check.ExitCode == 0, check.ToString());
        string yaml = File.ReadAllText(manifest);
        Assert.Contains("/pinn/runs/studies/poisson-1d", yaml);
        Assert.Contains("parallelism: 3", yaml);
        Assert.Contains("kubectl apply -f", r.Stdout);

        // One trial finished: the next Job has three indexes, the list three lines.
        string run = Path.Combine(dir, "runs", "poisson-1d", "model-m1", "seed-1");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "summary.json"), """{"status": "completed", "rel_l2": 0.001}""");
        var again = ClusterCli.Pinn(dir, null, [.. Sweep, "--json"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(3, again.Json["submitted"]!.GetValue<int>());
        string second = Path.Combine(dir, "runs", "poisson-1d", ".cluster", "kubernetes-2.yaml");
        Assert.True(Check(second, "--completions", "3").ExitCode == 0);
        Assert.Equal(["trials/model-m1.seed-2.json", "trials/model-m2.seed-1.json", "trials/model-m2.seed-2.json"],
            File.ReadAllLines(Path.Combine(dir, "runs", "poisson-1d", ".cluster", "kubernetes-2.trials")));
    }

    [Fact]
    public void Cuda_trials_get_a_gpu_limit()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-k8s-").FullName;
        var r = ClusterCli.Pinn(dir, null, [.. Sweep, "--train-args", "--device", "--train-args", "cuda", "--mem", "6Gi"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        string manifest = Path.Combine(dir, "runs", "poisson-1d", ".cluster", "kubernetes-1.yaml");
        var check = Check(manifest, "--gpu");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("nvidia.com/gpu: \"1\"", File.ReadAllText(manifest));
        // The same manifest is not a CPU job: the checker can fail.
        Assert.Equal(1, Check(manifest).ExitCode);
    }

    [Fact]
    public void The_check_is_strict_an_unknown_or_misspelt_field_fails_it()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-k8s-").FullName;
        Assert.Equal(0, ClusterCli.Pinn(dir, null, Sweep).ExitCode);
        string manifest = Path.Combine(dir, "runs", "poisson-1d", ".cluster", "kubernetes-1.yaml");
        string yaml = File.ReadAllText(manifest);
        foreach (var (from, to) in new[]
        {
            ("          volumeMounts:", "          volumeMount:"),                          // misspelt container field
            ("  completionMode: Indexed", "  completionMode: Indexed\n  backoffLimitPerIndx: 2"),  // misspelt newer Job field
            ("      - action: Ignore", "      - action: Retry"),                             // not an action
            ("  completions: 4", "  completions: \"4\""),                                     // a string where an integer goes
        })
        {
            Assert.Contains(from, yaml);
            string broken = Path.Combine(dir, "broken.yaml");
            File.WriteAllText(broken, yaml.Replace(from, to));
            var check = Check(broken);
            Assert.True(check.ExitCode == 1, $"{to}: {check}");
            Assert.Contains("FAIL", check.Stdout);
        }
    }

    [Fact]
    public void K8s_apply_hands_the_manifest_to_kubectl_and_a_missing_or_refusing_kubectl_is_a_clear_error()
    {
        string bin = Directory.CreateTempSubdirectory("pinn-fake-kubectl-").FullName;
        var path = new Dictionary<string, string> { ["PATH"] = bin };
        string dir = Directory.CreateTempSubdirectory("pinn-k8s-").FullName;
        var missing = ClusterCli.Pinn(dir, path, [.. Sweep, "--k8s-apply"]);
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("kubectl was not found", missing.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "runs")));

        string kubectl = Path.Combine(bin, "kubectl");
        File.WriteAllText(kubectl, $"#!/bin/bash\necho \"$@\" >> '{bin}/kubectl.args'\n" +
                                   $"if [ -f '{bin}/refuse' ]; then echo 'error: the server doesn'\\''t have a resource type \"jobs\"' >&2; exit 1; fi\n" +
                                   "echo 'job.batch/pinn-poisson-1d-1 created'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(kubectl, (UnixFileMode)0b111_101_101);
        File.WriteAllText(Path.Combine(bin, "refuse"), "");
        var refused = ClusterCli.Pinn(dir, path, [.. Sweep, "--k8s-apply"]);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("kubectl apply refused", refused.Stderr);
        Assert.Contains("doesn't have a resource type", refused.Stderr);
        string first = Path.Combine(dir, "runs", "poisson-1d", ".cluster", "kubernetes-1.yaml");
        Assert.True(File.Exists(first));   // kept, to apply by hand

        File.Delete(Path.Combine(bin, "refuse"));
        var applied = ClusterCli.Pinn(dir, path, [.. Sweep, "--k8s-apply"]);
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Contains("applied with kubectl", applied.Stdout);
        string second = Path.Combine(dir, "runs", "poisson-1d", ".cluster", "kubernetes-2.yaml");
        Assert.Equal([$"apply -f {first}", $"apply -f {second}"], File.ReadAllLines(Path.Combine(bin, "kubectl.args")));
    }

    [Fact]
    public void The_kubernetes_executor_needs_a_claim()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-k8s-").FullName;
        var r = ClusterCli.Pinn(dir, null, ["sweep", "poisson-1d", "--seeds", "1", "--runs", "runs", "--executor", "kubernetes"]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--k8s-claim", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "runs")));
    }
}
