using System.Text.Json.Nodes;
using PinnServe.Physics;
using PinnServe.Training.Runs;
using PinnServe.Training.Tests.FileProblems;

namespace PinnServe.Training.Tests.Runs;

/// <summary>
/// A run directory written before the grouped recipe (Fixtures/flat-config-run: `pinn train poisson-1d --layers 1x4
/// --iters 20 --batch 8 --precision float64 --weighting annealing --tau 3 --eval-grid 11 --checkpoint-every 10 …
/// --threads 1` by the build before it, config.json flat and without a version) still reads, evaluates and resumes.
/// </summary>
public class FlatConfigRunTests
{
    private static string Copy()
    {
        string source = Path.Combine(Repository.Root, "tests", "PinnServe.Training.Tests", "Runs", "Fixtures", "flat-config-run");
        string dir = RunFixtures.TempDir();
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }

    /// <summary>The same settings bound today, as the command line binds them.</summary>
    private static TrainingRecipe Today(int iterations) => RecipeBinder.Apply(Recipes.For(ProblemCatalog.Create("poisson-1d")) with { Model = "custom" },
    [
        new("network.layers", "1x4"), new("adam.iterations", iterations), new("sampling.batch", 8), new("device.precision", "float64"),
        new("weighting.scheme", "annealing"), new("weighting.interval", 3), new("logging.eval_grid", 11),
        new("logging.checkpoint_every", 10), new("logging.log_every", 10), new("logging.eval_every", 10),
    ]);

    [Fact]
    public void The_flat_config_reads_as_the_grouped_recipe_and_is_rewritten_grouped()
    {
        var (recorded, _) = RunReader.ReadConfig(Copy());
        Assert.Equal(Today(20).ToJson(), recorded.ToJson());
        var grouped = JsonNode.Parse(recorded.ToJson())!.AsObject();
        Assert.Equal(TrainingRecipe.CurrentVersion, (int)grouped["version"]!);
        Assert.Equal(3, (int)grouped["weighting"]!["interval"]!);
        Assert.Equal("float64", (string)grouped["device"]!["precision"]!);
    }

    [Fact]
    public void The_old_run_evaluates_to_the_error_it_recorded()
    {
        using var trainer = RunReader.OpenCheckpoint(Copy());
        Assert.Equal(20, trainer.Step);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(Copy(), TrainingRun.SummaryFile)))!;
        Assert.Equal((double)summary["rel_l2"]!, trainer.RelativeL2()![0]);
    }

    [Fact]
    public void The_old_run_extended_is_the_run_started_today_with_the_larger_budget()
    {
        string old = Copy();
        using (var run = TrainingRun.Resume(old, budget: new RunBudget(30, null))) RunFixtures.RunTo(run, null);
        string straight = RunFixtures.TempDir();
        using (var run = TrainingRun.Create(Today(30), straight)) RunFixtures.RunTo(run, null);
        // The metrics rows before step 20 were written by the old build; the last checkpoint and the network must agree bit for bit.
        var (c1, n1, _) = RunFixtures.Outcome(straight);
        var (c2, n2, _) = RunFixtures.Outcome(old);
        Assert.Equal(n1, n2);
        Assert.Equal(c1, c2);
        Assert.Contains("\"version\": 2", File.ReadAllText(Path.Combine(old, TrainingRun.ConfigFile)));
    }
}
