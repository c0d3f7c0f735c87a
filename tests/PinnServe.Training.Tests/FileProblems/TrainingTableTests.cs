using PinnServe.Physics.Files;

namespace PinnServe.Training.Tests.FileProblems;

/// <summary>A problem file's [training] values are checked where they are read, with the file position (so `pinn problems --file` refuses them).</summary>
public sealed class TrainingTableTests
{
    [Theory]
    [InlineData("batch = 0", "'training.batch' must be 1..1,000,000 points, got 0 (sampling.batch)")]
    [InlineData("layers = \"5x\"", "Malformed layers '5x'")]
    [InlineData("model = \"M9\"", "got 'M9'")]
    [InlineData("residual_batch = -1", "'training.residual_batch' must be 0..1,000,000 points, got -1")]
    [InlineData("iterations = 2.5", "'training.iterations' must be an integer, got 2.5 (adam.iterations)")]
    [InlineData("learning_rat = 0.1", "unknown key 'training.learning_rat'")]
    [InlineData("term_points = { ic = 0 }", "must be 1..1,000,000, got 0")]
    [InlineData("normalization = \"minmax\"", "must be standardize, unit or none, got 'minmax'")]
    public void A_bad_training_value_names_its_line_and_column(string line, string expected)
    {
        string file = File.ReadAllText(Repository.Example("poisson-1d.toml"));
        string text = file[..file.IndexOf("[training]", StringComparison.Ordinal)] + "[training]\n" + line + "\n";
        int lineNumber = text.Split('\n').ToList().FindIndex(l => l == line) + 1;
        var e = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(text, "p.toml"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith($"p.toml:{lineNumber}:", e.Message);
    }

    [Fact]
    public void Grouped_tables_set_the_recipe_by_path_and_a_bad_value_names_its_line()
    {
        string file = File.ReadAllText(Repository.Example("poisson-1d.toml"));
        string head = file[..file.IndexOf("[training]", StringComparison.Ordinal)];
        var problem = ProblemFiles.Parse(head + "[training]\niterations = 500\n[training.adam]\nschedule = \"cosine\"\nwarmup_steps = 20\n[training.lbfgs]\niterations = 30\nsampling = \"residual\"\n", "p.toml");
        var recipe = problem.Defaults;
        Assert.Equal((500, LearningRateSchedule.Cosine, 20), (recipe.Adam.Iterations, recipe.Adam.Schedule, recipe.Adam.WarmupSteps));
        Assert.Equal((30, PointSampling.Residual), (recipe.Lbfgs.Iterations, recipe.Lbfgs.Sampling));

        string text = head + "[training]\n[training.adam]\nlearning_rate = -1\n";
        int line = text.Split('\n').ToList().FindIndex(l => l == "learning_rate = -1") + 1;
        var e = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(text, "p.toml"));
        Assert.StartsWith($"p.toml:{line}:", e.Message);
        Assert.Contains("'training.adam.learning_rate' must be a positive number, got -1 (adam.learning_rate)", e.Message);
    }
}
