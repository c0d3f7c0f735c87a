using PinnServe.Training.Reproduction;

namespace PinnServe.Training.Tests;

/// <summary>A table regenerated where some run directories are absent keeps the trials its previous CSV records.</summary>
public class RecordedTrialsTests
{
    // A label with a comma and a quote exercises the CSV's quoting on the way back in.
    private const string Quoted = "A, \"quoted\"";

    private static Experiment Demo(int iterationsOfB = 10) =>
        new("demo", "Demo", "test",
        [
            new ExperimentRow(Quoted, "poisson-1d", RecipeOverrides.None, 1e-2),
            new ExperimentRow("B", "poisson-1d", new RecipeOverrides { Settings = [new SettingValue("adam.iterations", iterationsOfB)] }, null),
        ]);

    private static string WrittenTable(Experiment e, IReadOnlyList<string>? extra = null)
    {
        string dir = Directory.CreateTempSubdirectory("pinn-recorded-").FullName;
        TrialResult[] trials =
        [
            new(Quoted, 1, "completed", 2e-2, 10, 0.5), new(Quoted, 2, "completed", 4e-2, 12, 0.6),
            new(Quoted, 3, "failed (exit 1)", null, null, null), new("B", 1, "completed", 5e-3, 8, 0.4),
        ];
        Reproducer.Write(e, trials, dir, "pinn reproduce demo --trials 3", "machine", extra ?? []);
        return dir;
    }

    [Fact]
    public void CompletedTrialsOfThePreviousTableAreReadBackWithTheirValues()
    {
        var e = Demo();
        string dir = WrittenTable(e);
        var recorded = RecordedTrials.Read(e, dir, [], maxSeed: 3, out string? skipped);
        Assert.Null(skipped);
        Assert.Equal([(Quoted, 1UL, 2e-2), (Quoted, 2UL, 4e-2), ("B", 1UL, 5e-3)], recorded.Select(r => (r.Row, r.Seed, r.RelativeL2!.Value)).ToArray());
        Assert.All(recorded, r => Assert.Equal(RecordedTrials.Status, r.Status));
        Assert.Equal(12, recorded[1].Seconds);
        // Seeds beyond --trials are not shown, as for trials found in run directories.
        Assert.Equal(2, RecordedTrials.Read(e, dir, [], maxSeed: 1, out _).Count);
    }

    [Fact]
    public void ARewrittenTableHasTheSameNumbersAndSaysWhichTrialsWereCarried()
    {
        var e = Demo();
        string dir = WrittenTable(e);
        string before = File.ReadAllText(Path.Combine(dir, "demo.md"));
        var carried = RecordedTrials.Merge([], RecordedTrials.Read(e, dir, [], 3, out _));
        string after = Reproducer.Write(e, carried, dir, "pinn reproduce demo --trials 3", "machine");
        Assert.Contains("| A, \"quoted\" | 2 | 3.00e-2 ± 1.4e-2 | 1.00e-2 | 3.00 |", before);
        Assert.Contains("| A, \"quoted\" | 2 | 3.00e-2 ± 1.4e-2 | 1.00e-2 | 3.00 |", after);
        Assert.Contains("| B | 1 | 5.00e-3 |", after);
        Assert.Contains("All 3 trials of this table are carried over from its previous demo.csv", after);
        string partly = Reproducer.Write(e, RecordedTrials.Merge([new("B", 1, "completed", 6e-3, 8, 0.4)], RecordedTrials.Read(e, dir, [], 3, out _)), dir, "cmd", "machine");
        Assert.Contains("2 of these trials ('A, \"quoted\"' seeds 1, 2) are carried over", partly);
        Assert.DoesNotContain("carried over", before);
        // Carried once, they are carried again: the status `recorded` counts as completed.
        Assert.Equal(3, RecordedTrials.Read(e, dir, [], 3, out _).Count);
    }

    [Fact]
    public void ATrialCompletedHereReplacesTheRecordAndUnfinishedOnesDoNot()
    {
        var e = Demo();
        var recorded = RecordedTrials.Read(e, WrittenTable(e), [], 3, out _);
        TrialResult[] here = [new(Quoted, 1, "completed", 9e-3, 5, 0.1), new(Quoted, 2, "interrupted", null, null, null), new("B", 2, "completed", 7e-3, 5, 0.1)];
        var merged = RecordedTrials.Merge(here, recorded);
        Assert.Equal(9e-3, merged.Single(r => r.Row == Quoted && r.Seed == 1).RelativeL2);
        Assert.Equal(4e-2, merged.Single(r => r.Row == Quoted && r.Seed == 2).RelativeL2); // the record, not the interrupted rerun
        Assert.Equal([1UL, 2UL], merged.Where(r => r.Row == "B").Select(r => r.Seed).Order().ToArray());
    }

    [Fact]
    public void ARowWhoseRecipeChangedKeepsNoneOfItsOldTrials()
    {
        string dir = WrittenTable(Demo());
        var edited = Demo(iterationsOfB: 20);
        var recorded = RecordedTrials.Read(edited, dir, [], 3, out string? skipped);
        Assert.DoesNotContain(recorded, r => r.Row == "B");
        Assert.Equal(2, recorded.Count);
        Assert.Contains("'B'", skipped);
    }

    [Theory]
    [InlineData(new[] { "--iters", "500" }, new string[0])]      // recorded with a shortened budget, now the full one
    [InlineData(new string[0], new[] { "--iters", "500" })]      // and the other way round
    public void TrialsRunWithOtherTrainArgumentsAreNotCarried(string[] then, string[] now)
    {
        var e = Demo();
        var recorded = RecordedTrials.Read(e, WrittenTable(e, then), now, 3, out string? skipped);
        Assert.Empty(recorded);
        Assert.Contains("--train-args", skipped);
    }

    [Fact]
    public void AThreadCountIsNotASetupChange()
    {
        var e = Demo();
        Assert.Equal(3, RecordedTrials.Read(e, WrittenTable(e, ["--threads", "1"]), ["--threads", "2"], 3, out string? skipped).Count);
        Assert.Null(skipped);
    }

    [Fact]
    public void TablesWrittenBeforeTrainArgsWereRecordedAreJudgedByTheirCommand()
    {
        var e = Demo();
        string dir = WrittenTable(e);
        string json = Path.Combine(dir, "demo.json");
        var table = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        table.Remove("train_args");
        table["command"] = "pinn reproduce demo --trials 3 --train-args --threads 1 --iters 500";
        File.WriteAllText(json, table.ToJsonString());
        Assert.Empty(RecordedTrials.Read(e, dir, [], 3, out _));
        Assert.Equal(3, RecordedTrials.Read(e, dir, ["--iters", "500"], 3, out _).Count);
        table["command"] = "pinn reproduce demo --trials 3 --train-args --threads 1";
        File.WriteAllText(json, table.ToJsonString());
        Assert.Equal(3, RecordedTrials.Read(e, dir, [], 3, out _).Count);
    }

    [Fact]
    public void AMissingOrCorruptTableCarriesNothingAndSaysWhy()
    {
        var e = Demo();
        Assert.Empty(RecordedTrials.Read(e, Directory.CreateTempSubdirectory("pinn-recorded-").FullName, [], 3, out string? none));
        Assert.Null(none); // no previous table: nothing to say
        string dir = WrittenTable(e);
        File.WriteAllText(Path.Combine(dir, "demo.json"), "{ not json");
        Assert.Empty(RecordedTrials.Read(e, dir, [], 3, out string? corrupt));
        Assert.Contains("demo.csv/.json could not be read", corrupt);
        Assert.DoesNotContain(dir, corrupt);
        // A readable JSON but a value in the CSV that is not a number: the same clear refusal, not a crash.
        string other = WrittenTable(e);
        File.WriteAllText(Path.Combine(other, "demo.csv"), "row,seed,status,rel_l2,seconds,ms_per_iter\nB,1,completed,not-a-number,1,1\n");
        Assert.Empty(RecordedTrials.Read(e, other, [], 3, out string? badValue));
        Assert.Contains("could not be read (FormatException)", badValue);
    }

    [Fact]
    public void CsvFieldsWithCommasQuotesAndLineBreaksRoundTrip()
    {
        var rows = RecordedTrials.ParseCsv("a,\"b, \"\"c\"\"\",\"line\nbreak\"\r\n,x\n");
        Assert.Equal(["a", "b, \"c\"", "line\nbreak"], rows[0]);
        Assert.Equal(["", "x"], rows[1]);
        Assert.Throws<FormatException>(() => RecordedTrials.ParseCsv("\"open"));
    }

    [Fact]
    public void RecordedTrialsAreNotRunAgainUnlessTheyAlsoCompletedHere()
    {
        var e = Demo();
        string root = Directory.CreateTempSubdirectory("pinn-recorded-runs-").FullName;
        // Seed 2 of row B also completed here; the command cannot start, so any trial not skipped fails.
        string here = Path.Combine(root, e.Id, Reproducer.Slug("B"), "seed-2");
        Directory.CreateDirectory(here);
        File.WriteAllText(Path.Combine(here, TrainingRun.SummaryFile), """{"status":"completed","rel_l2":0.007,"seconds":5,"ms_per_iter":0.1}""");
        var recorded = new[] { (Quoted, 1UL), (Quoted, 2UL), ("B", 1UL), ("B", 2UL) }
            .Select(k => new TrialResult(k.Item1, k.Item2, RecordedTrials.Status, 0.01, 1, 1)).ToList();
        var log = new List<string>();
        var results = Unstartable(root).Run(e, trials: 2, jobs: 1, [], log.Add, recorded: recorded);
        Assert.Equal([("B", 2UL, "completed")], results.Select(r => (r.Row, r.Seed, r.Status)).ToArray());
        // Each trial is reported once: the three kept from the record, and B seed 2 as done here.
        Assert.Equal(3, log.Count(l => l.Contains("not run here")));
        Assert.Equal(["demo B seed 2: already done (rel. L² 7.000E-003)"], log.Where(l => l.Contains("seed 2") && l.Contains("B ")).ToArray());
        // Without the record, the same call tries to start the missing trials.
        Assert.Equal(3, Unstartable(root).Run(e, trials: 2, jobs: 1, []).Count(r => r.Status.StartsWith("failed", StringComparison.Ordinal)));
    }

    /// <summary>Trials as child processes of a command that cannot start: any trial that is not skipped fails.</summary>
    internal static Reproducer Unstartable(string root) => new(root) { Isolate = ("/nonexistent/pinn", []) };
}
