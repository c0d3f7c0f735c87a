using System.Text.Json.Nodes;
using PinnServe.Cli.Commands;
using PinnServe.Training.Reproduction;

namespace PinnServe.Cli.Tests;

/// <summary>
/// The reproduction tables as data (experiments/*.toml): every row binds to the recipe its former `pinn train`
/// arguments gave (Fixtures/legacy-experiment-arguments.json, written from the C# tables they replace), and run
/// directories that recorded those arguments stay current.
/// </summary>
public class ExperimentDataTests
{
    private static JsonObject LegacyArguments() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(ServeCommandTests.RepositoryRoot(), "tests", "PinnServe.Cli.Tests", "Fixtures", "legacy-experiment-arguments.json")))!.AsObject();

    [Fact]
    public void EveryRowBindsToTheRecipeOfItsFormerPinnTrainArguments()
    {
        var legacy = LegacyArguments();
        Assert.Equal(legacy.Select(e => e.Key), ExperimentCatalog.All.Select(e => e.Id));
        foreach (var experiment in ExperimentCatalog.All)
        {
            var rows = legacy[experiment.Id]!.AsObject();
            Assert.Equal(rows.Select(r => r.Key), experiment.Rows.Select(r => r.Label));
            foreach (var row in experiment.Rows)
            {
                string[] arguments = [.. rows[row.Label]!.AsArray().Select(a => a!.GetValue<string>()), "--seed", "2"];
                var then = ExperimentTrials.Comparable(TrainOptions.BuildCommandLine(arguments));
                var now = ExperimentTrials.Comparable(ExperimentTrials.Recipe(row, RecipeOverrides.None, seed: 2));
                Assert.True(ExperimentTrials.Differences(then, now) is [], $"{experiment.Id} '{row.Label}': {string.Join("; ", ExperimentTrials.Differences(then, now))}");
            }
        }
    }

    [Fact]
    public void ARunDirectoryThatRecordedItsArgumentsIsCurrentWhenTheyBindToTheRowsRecipe()
    {
        // poisson1d-table1's row C=1 was `poisson-1d --model M1 --param C=1 --layers 5x50 --iters 40000`.
        string dir = Directory.CreateTempSubdirectory("pinn-migrate-").FullName;
        void Trial(int seed, string arguments)
        {
            string run = Path.Combine(dir, "runs", "poisson1d-table1", "c-1", $"seed-{seed}");
            Directory.CreateDirectory(run);
            File.WriteAllText(Path.Combine(run, "summary.json"), $$"""{"status":"completed","rel_l2":0.0{{seed}},"seconds":20,"ms_per_iter":0.5}""");
            var record = new JsonObject { ["row"] = "C=1", ["arguments"] = new JsonArray([.. $"{arguments} --seed {seed}".Split(' ').Select(a => (JsonNode)a)]) };
            File.WriteAllText(Path.Combine(run, Reproducer.TrialRecordFile), record.ToJsonString());
        }
        Trial(1, "poisson-1d --model M1 --param C=1 --layers 5x50 --iters 40000");
        Trial(2, "poisson-1d --param C=1 --iters 40000 --model M1");           // reordered, the default width left out: the same recipe
        Trial(3, "poisson-1d --model M1 --param C=1 --layers 5x50 --iters 500"); // another budget: stale
        var log = new List<string>();
        var results = ReproduceCommand.CreateReproducer(Path.Combine(dir, "runs"), isolate: false)
            .Run(ExperimentCatalog.Find("poisson1d-table1"), trials: 3, jobs: 1, [], log.Add, onlyRows: new HashSet<string> { "C=1" });
        Assert.Equal(["completed", "completed", "stale"], results.OrderBy(r => r.Seed).Select(r => r.Status));
        Assert.Contains("which differs from the row in adam.iterations 500 → 40000", Assert.Single(log, l => l.Contains("seed 3")));
    }

    [Fact]
    public void AUsersTableRunsFromItsFileAndItsMistakesNameFileLineAndColumn()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-table-").FullName;
        File.WriteAllText(Path.Combine(dir, "mine.toml"), """
            id = "mine"
            title = "Poisson 1D, a tiny budget"
            problem = "poisson-1d"
            [[rows]]
            label = "M1 tiny"
            model = "M1"
            settings = { "adam.iterations" = 8, "network.layers" = "1x4", "logging.eval_grid" = 16 }
            published = 1e-2
            """);
        var r = PinnCli.RunIn(dir, "reproduce", "--file", "mine.toml", "--trials", "1", "--isolate", "--runs", "runs", "--out", "out", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(1, r.Json["completed"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(dir, "runs", "mine", "m1-tiny", "seed-1", "trial.json")));
        Assert.Matches(@"\| M1 tiny \| 1 \| \d\.\d\de[+-]?\d+ \| 1.00e-2 \|", File.ReadAllText(Path.Combine(dir, "out", "mine.md")));
        Assert.Contains("Command: `pinn reproduce --file mine.toml --trials 1`", File.ReadAllText(Path.Combine(dir, "out", "mine.md")));

        File.WriteAllText(Path.Combine(dir, "bad.toml"), "id = \"bad\"\ntitle = \"T\"\n[[rows]]\nlabel = \"a\"\nproblem = \"poisson-1d\"\nsettings = { \"adam.learning_rate\" = -1.0 }\n");
        var bad = PinnCli.RunIn(dir, "reproduce", "--file", "bad.toml", "--runs", "runs", "--out", "out");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("bad.toml:6:37: adam.learning_rate", bad.Stderr);
        Assert.DoesNotContain(dir, bad.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "runs", "bad")));
    }
}
