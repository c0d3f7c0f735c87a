using PinnServe.Physics.Files;

namespace PinnServe.Training.Tests.FileProblems;

/// <summary>A problem file's [training] values are checked where they are read, with the file position (so `pinn problems --file` refuses them).</summary>
public sealed class TrainingTableTests
{
    [Theory]
    [InlineData("batch = 0", "'training.batch' must be 1..1,000,000, got 0")]
    [InlineData("layers = \"5x\"", "Malformed layers '5x'")]
    [InlineData("model = \"M9\"", "got 'M9'")]
    [InlineData("residual_batch = 0", "'training.residual_batch' must be 1..1,000,000, got 0")]
    [InlineData("term_points = { ic = 0 }", "must be 1..1,000,000, got 0")]
    [InlineData("normalization = \"minmax\"", "must be standardize or unit, got 'minmax'")]
    public void A_bad_training_value_names_its_line_and_column(string line, string expected)
    {
        string file = File.ReadAllText(Repository.Example("poisson-1d.toml"));
        string text = file[..file.IndexOf("[training]", StringComparison.Ordinal)] + "[training]\n" + line + "\n";
        int lineNumber = text.Split('\n').ToList().FindIndex(l => l == line) + 1;
        var e = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(text, "p.toml"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith($"p.toml:{lineNumber}:", e.Message);
    }
}
