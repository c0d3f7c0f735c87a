using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace PinnServe.Cli.Tests;

/// <summary>
/// Run directories through the real `pinn`: readers never write, one writer at a time, resume refuses what it would
/// ignore, SIGTERM checkpoints and exits 143, and SIGKILL at random moments in every phase resumes bit for bit.
/// </summary>
public class RunDirectoryCommandTests
{
    private static readonly string[] Small = ["--layers", "2x8", "--batch", "16", "--eval-grid", "20", "--threads", "1", "--seed", "5"];

    private static (string Parent, string Dir) NewRun()
    {
        string parent = Directory.CreateTempSubdirectory("pinn-cli-run-").FullName;
        return (parent, Path.Combine(parent, "run"));
    }

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.GetFiles(dir).Order().ToDictionary(f => Path.GetFileName(f), File.ReadAllText);

    [Fact]
    public void EvalReadsTheRunWithoutChangingIt()
    {
        var (_, dir) = NewRun();
        Assert.Equal(0, PinnCli.Run(["train", "poisson-1d", "--model", "M1", "--iters", "40", .. Small, "--out", dir]).ExitCode);
        // Rows a training still running in the directory would have written after its last checkpoint.
        File.AppendAllText(Path.Combine(dir, "metrics.csv"), "41,0.5,0.001,1,1,1,\n42,0.6,0.001,1,1,1,\n");
        var before = Snapshot(dir);
        var eval = PinnCli.Run("eval", dir, "--json");
        Assert.Equal(0, eval.ExitCode);
        Assert.Equal(40, eval.Json["step"]!.GetValue<int>());
        Assert.Equal(before, Snapshot(dir));
        Assert.Equal(0, PinnCli.Run("report", dir, "--grid", "4", "--out", Path.Combine(Path.GetDirectoryName(dir)!, "r.html")).ExitCode);
        Assert.Equal(before, Snapshot(dir));
    }

    [Fact]
    public void EvalOfARunWithoutACheckpointIsAClearError()
    {
        var (parent, dir) = NewRun();
        Assert.Equal(0, PinnCli.Run(["train", "poisson-1d", "--model", "M1", "--iters", "10", .. Small, "--out", dir]).ExitCode);
        foreach (var file in Directory.GetFiles(dir, "checkpoint*.json")) File.Delete(file);
        var eval = PinnCli.RunIn(parent, "eval", "run");
        Assert.Equal(2, eval.ExitCode);
        Assert.Contains("Run 'run' has no checkpoint yet", eval.Stderr);
        var resume = PinnCli.RunIn(parent, "train", "--resume", "run");
        Assert.Equal(2, resume.ExitCode);
        Assert.Contains("has recorded training (rows in metrics.csv) but no checkpoint", resume.Stderr);
    }

    [Theory]
    [InlineData("--lr", "0.1")]
    [InlineData("--out", "elsewhere")]
    [InlineData("--model", "M4")]
    [InlineData("--eval-every", "5")]
    [InlineData("--full-batch", null)]
    public void AnOptionThatAResumeWouldIgnoreIsRefusedByName(string option, string? value)
    {
        var (parent, dir) = NewRun();
        Assert.Equal(0, PinnCli.Run(["train", "poisson-1d", "--model", "M1", "--iters", "10", .. Small, "--out", dir]).ExitCode);
        var before = Snapshot(dir);
        var r = PinnCli.RunIn(parent, value is null ? ["train", "--resume", "run", option] : ["train", "--resume", "run", option, value]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{option} cannot be given with --resume", r.Stderr);
        Assert.Equal(before, Snapshot(dir));
        var problem = PinnCli.RunIn(parent, "train", "helmholtz", "--resume", "run");
        Assert.Equal(2, problem.ExitCode);
        Assert.Contains("A problem ('problem') cannot be given with --resume", problem.Stderr);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"problem\": \"poisson-1d\", \"la")]
    [InlineData("\"iterations\": -1")]
    public void ADamagedConfigIsBadInputNamedRelatively(string damage)
    {
        var (parent, dir) = NewRun();
        Assert.Equal(0, PinnCli.Run(["train", "poisson-1d", "--model", "M1", "--iters", "10", .. Small, "--out", dir]).ExitCode);
        string config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, damage.StartsWith("\"iterations\"") ? File.ReadAllText(config).Replace("\"iterations\": 10", damage) : damage);
        foreach (var args in new[] { new[] { "train", "--resume", "run" }, ["eval", "run"], ["report", "run"] })
        {
            var r = PinnCli.RunIn(parent, args);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("run/config.json", r.Stderr);
            Assert.DoesNotContain(parent, r.Stderr);
            Assert.DoesNotContain("   at ", r.Stderr);
        }
    }

    [Fact]
    public void ExtendingAFinishedRunWithItersGivesTheLongerRun()
    {
        var (_, straight) = NewRun();
        var (_, extended) = NewRun();
        string[] common = ["train", "poisson-1d", "--model", "M2", .. Small, "--decay", "0.5", "--decay-steps", "20", "--log-every", "4"];
        Assert.Equal(0, PinnCli.Run([.. common, "--iters", "90", "--out", straight]).ExitCode);
        Assert.Equal(0, PinnCli.Run([.. common, "--iters", "50", "--out", extended]).ExitCode);
        // --checkpoint-every may come along: how often the continued run checkpoints changes none of its numbers.
        var r = PinnCli.Run("train", "--resume", extended, "--iters", "90", "--checkpoint-every", "7", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(90, r.Json["iterations"]!.GetValue<int>());
        AssertSameRun(straight, extended);
        Assert.Contains("\"checkpoint_every\": 7", File.ReadAllText(Path.Combine(extended, "config.json")));
    }

    [Fact]
    public void ASecondTrainingIntoARunInUseIsRefused()
    {
        var (parent, dir) = NewRun();
        using var first = PinnProcess.Start(["train", "poisson-1d", "--model", "M1", "--iters", "100000", "--checkpoint-every", "1", .. Small, "--out", dir]);
        first.WaitUntil(() => LastStep(dir) >= 2, "the first training to take steps");
        var other = PinnCli.RunIn(parent, ["train", "poisson-1d", "--model", "M1", "--iters", "10", "--layers", "2x8", "--seed", "9", "--out", "run"]);
        Assert.Equal(1, other.ExitCode);
        Assert.Contains($"Run 'run' is in use by another training (pid {first.Id} on {Environment.MachineName}", other.Stderr);
        var resume = PinnCli.RunIn(parent, "train", "--resume", "run");
        Assert.Equal(1, resume.ExitCode);
        Assert.Contains("is in use by another training", resume.Stderr);
        first.Signal(PinnProcess.SigTerm);
        Assert.Equal(143, first.WaitForExit());
    }

    [Fact]
    public void SigtermCheckpointsReleasesTheLockAndExits143AndTheResumeEqualsTheUninterruptedRun()
    {
        var (_, straight) = NewRun();
        var (_, split) = NewRun();
        string[] train = ["train", "poisson-1d", "--model", "M2", .. Small, "--iters", "400", "--lbfgs", "40", "--checkpoint-every", "1000", "--log-every", "1"];
        Assert.Equal(0, PinnCli.Run([.. train, "--out", straight]).ExitCode);
        using (var p = PinnProcess.Start([.. train, "--out", split]))
        {
            p.WaitUntil(() => LastStep(split) >= 20, "20 steps");
            p.Signal(PinnProcess.SigTerm);
            Assert.Equal(143, p.WaitForExit());
            Assert.Contains("Interrupted at step", p.Stderr);
        }
        Assert.False(File.Exists(Path.Combine(split, "run.lock")));
        int step = JsonNode.Parse(File.ReadAllText(Path.Combine(split, "checkpoint.json")))!["payload"]!["step"]!.GetValue<int>();
        Assert.InRange(step, 20, 439);
        Assert.Equal(step, LastStep(split));   // the step it was on was finished and checkpointed
        Assert.Equal(0, PinnCli.Run("train", "--resume", split).ExitCode);
        AssertSameRun(straight, split);
    }

    // Every phase: Adam (annealing weights), L-BFGS, keep-best in both phases, causal weights.
    [Theory]
    [InlineData("adam", 11)]
    [InlineData("lbfgs", 12)]
    [InlineData("keep-best", 13)]
    [InlineData("causal", 14)]
    public void SigkillAtRandomMomentsResumesBitForBit(string phase, int seed)
    {
        string[] args = phase switch
        {
            "adam" => ["train", "poisson-1d", "--model", "M2", .. Small, "--iters", "150"],
            "lbfgs" => ["train", "poisson-1d", "--model", "M2", .. Small, "--iters", "20", "--lbfgs", "130", "--lbfgs-points", "16", "--lbfgs-resample", "40"],
            "keep-best" => ["train", "poisson-1d", "--model", "M2", .. Small, "--iters", "75", "--adam-keep-best", "7", "--lbfgs", "75", "--lbfgs-points", "16", "--lbfgs-keep-best", "6"],
            _ => ["train", "allen-cahn", "--model", "DN", "--layers", "2x8", "--threads", "1", "--seed", "5", "--iters", "150", "--causal-chunks", "4",
                  "--full-batch", "--residual-points", "32", "--condition-points", "16", "--eval-grid", "12"],
        };
        string[] often = ["--checkpoint-every", "1", "--log-every", "1", "--eval-every", "10"];
        const int total = 150;   // steps in every variant
        var (_, straight) = NewRun();
        var (_, killed) = NewRun();
        Assert.Equal(0, PinnCli.Run([.. args, .. often, "--out", straight]).ExitCode);

        var random = new Random(seed);
        var moments = Enumerable.Range(0, 3).Select(_ => random.Next(2, total - 5)).Order().ToArray();
        var log = new List<string>();
        foreach (int moment in moments)
        {
            bool started = !File.Exists(Path.Combine(killed, "config.json"));
            using var p = PinnProcess.Start(started ? [.. args, .. often, "--out", killed] : ["train", "--resume", killed]);
            bool reached = p.WaitUntil(() => LastStep(killed) >= moment || p.HasExited, $"step {moment}", throwOnTimeout: true) && !p.HasExited;
            p.Kill();
            log.Add($"kill at step ≥ {moment}: {(reached ? $"killed at {LastStep(killed)}" : "had finished")}");
        }
        var final = PinnCli.Run("train", "--resume", killed);
        Assert.True(final.ExitCode == 0, $"{string.Join("; ", log)}: {final.Stderr}");
        AssertSameRun(straight, killed, string.Join("; ", log));
    }

    /// <summary>The last step metrics.csv records (0 when none).</summary>
    private static int LastStep(string dir)
    {
        string path = Path.Combine(dir, "metrics.csv");
        if (!File.Exists(path)) return 0;
        string[] lines;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            lines = reader.ReadToEnd().Split('\n');
        }
        catch (IOException) { return 0; }
        return lines.Skip(1).Select(l => int.TryParse(l.Split(',')[0], out int s) && l.Contains(',') ? s : 0).DefaultIfEmpty(0).Max();
    }

    private static void AssertSameRun(string expected, string actual, string context = "")
    {
        static string[] Metrics(string dir) => File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Select(l => string.Join(",", l.Split(',').Where((_, i) => i != 1))).ToArray();
        Assert.True(Metrics(expected).SequenceEqual(Metrics(actual)), $"metrics differ {context}");
        Assert.True(File.ReadAllText(Path.Combine(expected, "network.json")) == File.ReadAllText(Path.Combine(actual, "network.json")), $"network differs {context}");
        Assert.True(File.ReadAllText(Path.Combine(expected, "checkpoint.json")) == File.ReadAllText(Path.Combine(actual, "checkpoint.json")), $"checkpoint differs {context}");
    }
}

/// <summary>A `pinn` process run in the background, for signals and kills at chosen moments.</summary>
internal sealed class PinnProcess : IDisposable
{
    public const int SigTerm = 15;
    private readonly Process _process;
    private readonly System.Text.StringBuilder _stderr = new();

    private PinnProcess(Process process) => _process = process;

    public static PinnProcess Start(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pinn.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = new PinnProcess(Process.Start(psi)!);
        p._process.OutputDataReceived += (_, _) => { };
        p._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (p._stderr) p._stderr.AppendLine(e.Data); };
        p._process.BeginOutputReadLine();
        p._process.BeginErrorReadLine();
        return p;
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Waits (generously) until the condition holds; a process that exits first without meeting it fails the test.</summary>
    public bool WaitUntil(Func<bool> condition, string what, bool throwOnTimeout = true)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!condition())
        {
            if (_process.HasExited && !condition()) throw new InvalidOperationException($"pinn exited ({_process.ExitCode}) before {what}: {Stderr}");
            if (DateTime.UtcNow > deadline)
            {
                if (throwOnTimeout) throw new TimeoutException($"waited 3 minutes for {what}");
                return false;
            }
            Thread.Sleep(5);
        }
        return true;
    }

    public void Signal(int signal) => Assert.Equal(0, kill(_process.Id, signal));

    public void Kill()
    {
        try { _process.Kill(); } catch (InvalidOperationException) { }
        _process.WaitForExit();
    }

    public int WaitForExit()
    {
        if (!_process.WaitForExit(TimeSpan.FromMinutes(3))) throw new TimeoutException("pinn did not exit");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
