using System.Text.Json.Nodes;
using PinnServe.Training.Trials;

namespace PinnServe.Training.Tests.Trials;

public sealed class TrialFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pinn-trial-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Trial(string problem = """{"catalog": "poisson-1d"}""", string recipe = """{"layers": "2x8", "iterations": 120, "checkpoint_every": 50}""", int version = 1) =>
        $$"""{"format": "pinnserve-trial", "version": {{version}}, "name": "p1", "problem": {{problem}}, "recipe": {{recipe}}, "seed": 3, "run_dir": "runs/p1"}""";

    [Fact]
    public void A_newer_version_is_refused_with_a_message_that_says_so()
    {
        var e = Assert.Throws<InvalidDataException>(() => TrialFile.Parse(Trial(version: 3), "t.json"));
        Assert.Contains("version 3 is newer", e.Message);
    }

    [Fact]
    public void A_version_1_flat_recipe_and_a_version_2_grouped_one_give_the_same_config()
    {
        var flat = TrialFile.Parse(Trial(recipe: """{"model": "M2", "layers": "2x8", "iterations": 7, "lbfgs_iterations": 3, "precision": "float64", "weighting": {"beta": 0.5}}"""), "t.json");
        var grouped = TrialFile.Parse(Trial(version: 2, recipe: """{"model": "M2", "network": {"layers": "2x8"}, "adam": {"iterations": 7}, "lbfgs": {"iterations": 3}, "device": {"precision": "float64"}, "weighting": {"beta": 0.5}}"""), "t.json");
        Assert.Equal(TrialFile.CurrentVersion, flat.Version);
        Assert.Equal(grouped.ToJson(), flat.ToJson());
        var config = flat.ToConfig(Path.Combine(_dir, "problem"), _dir);
        Assert.Equal((7, 3, Precision.Float64, 0.5), (config.Adam.Iterations, config.Lbfgs.Iterations, config.Device.Precision, config.Weighting.Beta));
    }

    [Theory]
    [InlineData("""{"format": "other", "version": 1}""", "not a trial file")]
    [InlineData("""{"format": "pinnserve-trial", "version": 1, "name": "a", "problem": {"catalog": "burgers"}, "seed": 1, "run_dir": "r", "budget": 3}""", "budget")]
    [InlineData("""{"format": "pinnserve-trial", "version": 1, "name": "a", "problem": {}, "seed": 1, "run_dir": "r"}""", "either \"catalog\"")]
    [InlineData("""{"format": "pinnserve-trial", "version": 1, "name": "a", "problem": {"file_name": "../x.toml", "text": ""}, "seed": 1, "run_dir": "r"}""", "not a path")]
    [InlineData("""{"format": "pinnserve-trial", "version": 1, "name": "a", "problem": {"catalog": "burgers"}, "recipe": {"seed": 4}, "seed": 1, "run_dir": "r"}""", "recipe.seed")]
    [InlineData("""{"format": "pinnserve-trial", "version": 1, "name": "a", "problem": {"catalog": "burgers"}, "seed": 1}""", "run_dir")]
    [InlineData("""[1]""", "JSON object")]
    public void Malformed_trials_are_refused_by_name(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => TrialFile.Parse(json, "t.json"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_recipe_overrides_the_problem_defaults_and_the_model_preset()
    {
        var trial = TrialFile.Parse(Trial(recipe: """{"model": "M4", "iterations": 7, "weighting": {"beta": 0.5}}"""), "t.json");
        var config = trial.ToConfig(Path.Combine(_dir, "problem"), _dir);
        Assert.Equal((7, "modified-mlp", "annealing", 0.5, 3UL), (config.Adam.Iterations, config.Network.Architecture, config.Weighting.Scheme, config.Weighting.Beta, config.Seed));
        Assert.Equal(10, config.Weighting.Interval); // the rest of the weighting group stays as the preset set it
    }

    [Fact]
    public void An_unknown_recipe_key_is_refused_with_its_path()
    {
        var trial = TrialFile.Parse(Trial(recipe: """{"weighting": {"betta": 0.5}}"""), "t.json");
        var e = Assert.Throws<InvalidDataException>(() => trial.ToConfig(Path.Combine(_dir, "problem"), _dir));
        Assert.Contains("betta", e.Message);
    }

    [Fact]
    public void A_trial_trains_resumes_and_then_reports_itself_complete()
    {
        var trial = TrialFile.Parse(Trial(), "t.json");
        // Stopped after the first checkpoint, like a preempted job.
        using (var cancel = new CancellationTokenSource())
        {
            var stopAtTen = new SynchronousProgress(p => { if (p.Step >= 50) cancel.Cancel(); });
            var first = TrialRunner.Run(trial, _dir, _dir, progress: stopAtTen, cancel: cancel.Token);
            Assert.Equal("interrupted", first.Status);
        }
        var resumed = TrialRunner.Run(trial, _dir, _dir);
        Assert.Equal("completed", resumed.Status);
        Assert.Equal(120, resumed.Summary!["iterations"]!.GetValue<int>());

        // The same trial run straight through: bit for bit the same network.
        string other = Path.Combine(_dir, "straight");
        var straight = TrialRunner.Run(trial with { RunDir = other }, _dir, _dir);
        Assert.Equal(File.ReadAllText(Path.Combine(other, TrainingRun.NetworkFileName)).Replace(other, ""),
            File.ReadAllText(Path.Combine(resumed.RunDir, TrainingRun.NetworkFileName)).Replace(resumed.RunDir, ""));

        var again = TrialRunner.Run(trial, _dir, _dir);
        Assert.Equal(TrialOutcome.AlreadyComplete, again.Status);
    }

    [Fact]
    public void A_run_directory_holding_another_trial_is_refused()
    {
        var trial = TrialFile.Parse(Trial(recipe: """{"layers": "2x8", "iterations": 2}"""), "t.json");
        TrialRunner.Run(trial, _dir, _dir);
        var e = Assert.Throws<InvalidDataException>(() => TrialRunner.Run(trial with { Seed = 4 }, _dir, _dir));
        Assert.Contains("holds another trial", e.Message);
    }

    [Fact]
    public void An_embedded_problem_file_trains_from_its_text()
    {
        string text = File.ReadAllText(FileProblems.Repository.Example("poisson-1d.toml"));
        var trial = new TrialFile
        {
            Name = "embedded", Problem = TrialProblem.FromFile(FileProblems.Repository.Example("poisson-1d.toml")),
            Recipe = new JsonObject { ["network"] = new JsonObject { ["layers"] = "2x8" }, ["adam"] = new JsonObject { ["iterations"] = 3 } }, RunDir = "embedded",
        };
        var reread = TrialFile.Parse(trial.ToJson(), "t.json");
        Assert.Equal(text, reread.Problem.Text);
        var outcome = TrialRunner.Run(reread, _dir, _dir);
        Assert.Equal("completed", outcome.Status);
        Assert.True(File.Exists(Path.Combine(outcome.RunDir, "problem.toml")));
    }

    private sealed class SynchronousProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => report(value);
    }
}

/// <summary>A config written as a trial and read back is the same config: the recipe holds exactly its differences from the defaults.</summary>
public sealed class TrialFromConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pinn-trial-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Configs() => ["klein-gordon M4 overrides", "burgers DN defaults", "allen-cahn custom", "problem file"];

    private static TrainingRecipe Config(string name)
    {
        switch (name)
        {
            case "klein-gordon M4 overrides":
                var kg = Recipes.For(Physics.ProblemCatalog.Create("klein-gordon", new Dictionary<string, double> { ["gamma"] = 2 }), "M4");
                return kg.WithAdam(it => it with { Iterations = 123, WarmupSteps = 10 }) with { Seed = 9, Weighting = kg.Weighting with { Beta = 0.5, Weights = new() { ["ic"] = 3 } } };
            case "burgers DN defaults":
                return Recipes.For(Physics.ProblemCatalog.Create("burgers"), "DN");
            case "allen-cahn custom":
                var ac = Recipes.For(Physics.ProblemCatalog.Create("allen-cahn"), "MA");
                return ac.WithNetwork(it => it with { Architecture = "modified-mlp", PeriodicInputs = ["x"] }).WithSampling(it => it with { TermPoints = new() { ["ic"] = 7 } }) with { Model = "custom", Weighting = ac.Weighting with { Aggregation = null } };
            default:
                string path = FileProblems.Repository.Example("heat-2d.toml");
                return Recipes.For(Physics.Files.ProblemFiles.Load(path)).WithLbfgs(it => it with { Iterations = 5 }) with { ProblemFile = path, ProblemDirectory = Path.GetDirectoryName(path), Seed = 2 };
        }
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void A_config_round_trips_through_a_trial_file(string name)
    {
        var config = Config(name);
        var trial = TrialFile.Parse(TrialFile.FromConfig(config, "t", "run").ToJson(), "t.json");
        var back = trial.ToConfig(Path.Combine(_dir, "problem"), Path.GetDirectoryName(config.ProblemFile) ?? _dir);
        string Normalized(TrainingRecipe c) => (c with { ProblemFile = null, ProblemDirectory = null }).ToJson();
        Assert.Equal(Normalized(config), Normalized(back));
        if (config.ProblemFile is { } file) Assert.Equal(File.ReadAllText(file), File.ReadAllText(back.ProblemFile!));
    }
}
