using System.Diagnostics;
using System.Text.Json.Nodes;
using PinnServe.Training.Runs;

namespace PinnServe.Training.Tests.Runs;

/// <summary>One writer per run directory: run.lock, exclusive, stale locks of dead processes taken over.</summary>
[Collection(WarningsCollection.Name)]
public class RunLockTests
{
    private static string LockFile(string dir) => Path.Combine(dir, RunLock.FileName);

    [Fact]
    public void ASecondWriterIsRefusedWhileTheFirstHoldsTheRun()
    {
        string dir = RunFixtures.TempDir();
        using (var first = TrainingRun.Create(RunFixtures.Poisson(20), dir))
        {
            var holder = JsonNode.Parse(File.ReadAllText(LockFile(dir)))!;
            Assert.Equal(Environment.ProcessId, (int)holder["pid"]!);
            Assert.Equal(Environment.MachineName, (string?)holder["host"]);
            Assert.NotNull(holder["started"]);

            // Another training into the same --out (another seed), and a resume of the same run: both refused.
            var e = Assert.Throws<RunLockedException>(() => TrainingRun.Create(RunFixtures.Poisson(20) with { Seed = 9 }, dir));
            Assert.Contains($"is in use by another training (pid {Environment.ProcessId} on {Environment.MachineName}", e.Message);
            Assert.Throws<RunLockedException>(() => TrainingRun.Resume(dir));
            RunFixtures.RunTo(first, null);
        }
        Assert.False(File.Exists(LockFile(dir)));   // released
        using (var again = TrainingRun.Resume(dir)) Assert.Equal(20, again.Trainer.Step);
    }

    [Fact]
    public void AStaleLockOfADeadProcessIsTakenOverWithAWarning()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(20), stopAt: 6);
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        gone.WaitForExit();
        WriteLock(dir, gone.Id, Environment.MachineName, processStart: 1);
        var warnings = new List<string>();
        using (WarningsCollection.Capture(warnings))
        using (var run = TrainingRun.Resume(dir))
        {
            Assert.Equal(6, run.Trainer.Step);
            Assert.Equal(Environment.ProcessId, (int)JsonNode.Parse(File.ReadAllText(LockFile(dir)))!["pid"]!);
        }
        Assert.Contains(warnings, w => w.Contains($"left by pid {gone.Id}") && w.Contains("no longer running"));
    }

    [Fact]
    public void ALockWhosePidNowBelongsToAnotherProcessIsStale()
    {
        // This process is alive, but it is not the process that wrote the lock: that one started at another time.
        string dir = RunFixtures.Train(RunFixtures.Poisson(20), stopAt: 6);
        WriteLock(dir, Environment.ProcessId, Environment.MachineName, processStart: 12345);
        using var run = TrainingRun.Resume(dir);
        Assert.Equal(6, run.Trainer.Step);
    }

    [Fact]
    public void ALockFromAnotherHostIsNeverTakenOver()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(20), stopAt: 6);
        WriteLock(dir, 4242, "node-17", processStart: 1);
        var e = Assert.Throws<RunLockedException>(() => TrainingRun.Resume(dir));
        Assert.Contains("pid 4242 on node-17", e.Message);
        Assert.Contains("if that process is gone, delete run/run.lock", e.Message);
    }

    [Fact]
    public void AnUnreadableLockIsHeldWhileFreshAndTakenOverWhenOld()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(20), stopAt: 6);
        File.WriteAllText(LockFile(dir), "");   // a creator killed between creating and writing it, or writing it now
        Assert.Contains("is being opened by another process", Assert.Throws<RunLockedException>(() => TrainingRun.Resume(dir)).Message);
        File.SetLastWriteTimeUtc(LockFile(dir), DateTime.UtcNow.AddMinutes(-5));
        using var run = TrainingRun.Resume(dir);
        Assert.Equal(6, run.Trainer.Step);
    }

    [Fact]
    public void ReadersTakeNoLockAndWriteNothing()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(20), stopAt: 12);
        // A row that a training still running in the directory wrote after its last checkpoint.
        File.AppendAllText(Path.Combine(dir, TrainingRun.MetricsFile), "15,0.1,0.001,1,1,1,\n");
        var before = Snapshot(dir);
        using (var trainer = RunReader.OpenCheckpoint(dir)) Assert.Equal(12, trainer.Step);
        Assert.Equal(before, Snapshot(dir));
        // A reader also reads while a writer holds the run.
        using var writer = TrainingRun.Resume(dir);
        using (var trainer = RunReader.OpenCheckpoint(dir)) Assert.Equal(12, trainer.Step);
    }

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.GetFiles(dir).Order().ToDictionary(f => Path.GetFileName(f), File.ReadAllText);

    private static void WriteLock(string dir, int pid, string host, long processStart) =>
        File.WriteAllText(LockFile(dir), new JsonObject
        {
            ["pid"] = pid, ["host"] = host, ["started"] = "2026-01-01T00:00:00Z", ["process_start"] = processStart, ["token"] = "old",
        }.ToJsonString());
}
