using System.Text.Json.Nodes;
using PinnServe.Training.Runs;

namespace PinnServe.Training.Tests.Runs;

/// <summary>Checkpoints: kept three deep, each with a SHA-256, damaged ones skipped with a warning, nonsense refused.</summary>
[Collection(WarningsCollection.Name)]
public class CheckpointStoreTests
{
    private static string Ckpt(string dir) => Path.Combine(dir, TrainingRun.CheckpointFile);

    [Fact]
    public void KeepsTheNewestThreeCheckpoints()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(22));   // checkpoints at 0, 5, 10, 15, 20 and the end, 22
        var files = Directory.GetFiles(dir, "checkpoint*.json").Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(["checkpoint-00000015.json", "checkpoint-00000020.json", "checkpoint.json"], files);
        Assert.Equal(22, Checkpoint.Load(Ckpt(dir)).Step);
        Assert.Equal(20, Checkpoint.Load(Path.Combine(dir, "checkpoint-00000020.json")).Step);
    }

    [Fact]
    public void AFlippedByteThatStillParsesIsDetectedAndThePreviousCheckpointIsUsed()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(40), stopAt: 22);
        // Flip one base64 character of the parameters: still valid base64, still valid JSON.
        var text = File.ReadAllText(Ckpt(dir));
        int at = text.IndexOf("\"parameters\": \"", StringComparison.Ordinal) + 20;
        char flipped = text[at] == 'A' ? 'B' : 'A';
        File.WriteAllText(Ckpt(dir), text[..at] + flipped + text[(at + 1)..]);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(Ckpt(dir)));
        Assert.Contains("checksum", e.Message);
        var warnings = new List<string>();
        using (WarningsCollection.Capture(warnings))
        using (var run = TrainingRun.Resume(dir))
            Assert.Equal(20, run.Trainer.Step);   // the previous checkpoint
        var warning = Assert.Single(warnings);
        Assert.Contains("checkpoint.json is corrupt: its SHA-256 checksum does not match", warning);
        Assert.Contains("checkpoint-00000020.json (step 20)", warning);
        Assert.DoesNotContain(Path.GetTempPath(), warning);
    }

    [Fact]
    public void WithEveryCheckpointDamagedResumeAndEvalRefuseNamingThem()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(12));
        foreach (var file in Directory.GetFiles(dir, "checkpoint*.json")) File.WriteAllText(file, "{\"format\": \"pinnserve-checkpoint\", \"ver");
        var e = Assert.Throws<RunDataException>(() => TrainingRun.Resume(dir));
        Assert.Contains("No intact checkpoint", e.Message);
        Assert.Contains("run/checkpoint.json is corrupt", e.Message);
        Assert.Contains("run/checkpoint-00000010.json is corrupt", e.Message);
        Assert.DoesNotContain(Path.GetTempPath(), e.Message);
        Assert.Throws<RunDataException>(() => RunReader.OpenCheckpoint(dir));
        Assert.False(File.Exists(Path.Combine(dir, RunLock.FileName)));   // the refused resume released its lock
    }

    [Theory]
    [InlineData(-5, 0, "step -5 is negative")]
    [InlineData(10, 11, "Adam step 11 is not within 0..10")]
    public void NonsenseValuesAreRefusedWithOrWithoutAChecksum(int step, int adamStep, string expected)
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(10));
        var good = Checkpoint.Load(Ckpt(dir)) with { Step = step, AdamStep = adamStep };
        // With a valid checksum (as a buggy or hostile writer would leave it)...
        File.WriteAllText(Ckpt(dir), good.ToFileText());
        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => Checkpoint.Load(Ckpt(dir))).Message);
        // ...and in the format of checkpoints written before the checksum (a bare payload).
        var payload = JsonNode.Parse(File.ReadAllText(Ckpt(dir)))!["payload"]!.ToJsonString();
        File.WriteAllText(Ckpt(dir), payload);
        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => Checkpoint.Load(Ckpt(dir))).Message);
    }

    [Fact]
    public void ACheckpointWrittenBeforeTheChecksumStillResumes()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(20), stopAt: 12);
        var payload = JsonNode.Parse(File.ReadAllText(Ckpt(dir)))!["payload"]!.ToJsonString();
        File.WriteAllText(Ckpt(dir), payload);
        using var run = TrainingRun.Resume(dir);
        Assert.Equal(12, run.Trainer.Step);
    }

    [Fact]
    public void ARunThatLostItsCheckpointsIsNotRestartedFromStepZero()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(30), stopAt: 12);
        foreach (var file in Directory.GetFiles(dir, "checkpoint*.json")) File.Delete(file);
        var e = Assert.Throws<RunDataException>(() => TrainingRun.Resume(dir));
        Assert.Contains("has recorded training (rows in metrics.csv) but no checkpoint", e.Message);
        Assert.Contains("no checkpoint yet", Assert.Throws<RunDataException>(() => RunReader.OpenCheckpoint(dir)).Message);
    }

    [Fact]
    public void LeftoverTemporaryFilesAreRemovedWhenTheRunOpens()
    {
        string dir = RunFixtures.Train(RunFixtures.Poisson(20), stopAt: 7);
        string[] leftovers = ["checkpoint.json.tmp-123-abc", "metrics.csv.tmp-9-def", "run.lock.stale-0a1b"];
        foreach (var f in leftovers) File.WriteAllText(Path.Combine(dir, f), "partial");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");
        using (TrainingRun.Resume(dir)) { }
        foreach (var f in leftovers) Assert.False(File.Exists(Path.Combine(dir, f)), f);
        Assert.True(File.Exists(Path.Combine(dir, "notes.txt")));
    }
}

/// <summary>Tests that swap the static warning sinks run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WarningsCollection
{
    public const string Name = "run-directory warnings";

    public static IDisposable Capture(List<string> into)
    {
        var (store, runLock) = (CheckpointStore.Warn, RunLock.Warn);
        CheckpointStore.Warn = m => { lock (into) into.Add(m); };
        RunLock.Warn = m => { lock (into) into.Add(m); };
        return new Restore(() => (CheckpointStore.Warn, RunLock.Warn) = (store, runLock));
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
