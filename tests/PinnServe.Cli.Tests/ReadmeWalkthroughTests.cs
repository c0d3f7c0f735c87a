using System.Globalization;
using System.Text.RegularExpressions;

namespace PinnServe.Cli.Tests;

/// <summary>The README's problem-file walk-through works as printed: its file, then each of its commands.</summary>
public partial class ReadmeWalkthroughTests
{
    private static string Readme()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PinnServe.sln"))) return File.ReadAllText(Path.Combine(dir.FullName, "README.md"));
        throw new FileNotFoundException("README.md not found above the test binaries.");
    }

    private static string Block(string readme, string marker)
    {
        int at = readme.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"README has no {marker}");
        int open = readme.IndexOf("```", at, StringComparison.Ordinal);
        int start = readme.IndexOf('\n', open) + 1;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        return readme[start..end];
    }

    [Fact]
    public void TheProblemFileWalkthroughRunsAsPrinted()
    {
        string readme = Readme();
        string toml = Block(readme, "<!-- walkthrough:toml -->");
        Assert.InRange(toml.Split('\n').Count(l => l.Trim().Length > 0), 15, 32);
        string dir = Directory.CreateTempSubdirectory("pinn-readme-").FullName;
        File.WriteAllText(Path.Combine(dir, "heat.toml"), toml);
        var commands = Block(readme, "<!-- walkthrough:commands -->").Split('\n')
            .Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0).ToList();
        Assert.True(commands.Count >= 4, "the walk-through lost its commands");
        foreach (string command in commands)
        {
            var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("pinn", words[0]);
            var r = PinnCli.RunIn(dir, words[1..]);
            Assert.True(r.ExitCode == 0, $"`{command}` exited {r.ExitCode}: {r.Stderr}");
            if (command.StartsWith("pinn train heat.toml --out runs/heat ", StringComparison.Ordinal) || command == "pinn train heat.toml --out runs/heat")
            {
                // The README promises a relative L2 error near 4e-3.
                var m = L2().Match(r.Stdout);
                Assert.True(m.Success, r.Stdout);
                Assert.InRange(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), 0, 2e-2);
            }
        }
        Assert.True(File.Exists(Path.Combine(dir, "heat.onnx")));
    }

    [GeneratedRegex(@"relative L2 error (?:of \S+ )?([0-9.E+-]+)")]
    private static partial Regex L2();
}
