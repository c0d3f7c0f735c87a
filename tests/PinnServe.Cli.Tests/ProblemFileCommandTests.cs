using System.Globalization;

namespace PinnServe.Cli.Tests;

/// <summary>`pinn train FILE.toml`, `pinn problems --file`, `pinn eval --reference` on problem-file runs, as a user runs them.</summary>
public class ProblemFileCommandTests
{
    private const string Heat = """
        name = "heat-1d"
        outputs = ["u"]

        [inputs]
        t = [0, 1]
        x = [0, 1]

        [parameters]
        kappa = 0.1

        [functions]
        u_exact = "exp(-kappa*pi^2*t)*sin(pi*x)"

        [exact]
        u = "u_exact"

        [[terms]]
        name = "residual"
        kind = "residual"
        expr = "u_t - kappa*u_xx"

        [[terms]]
        name = "ic"
        kind = "initial"
        on = "t = 0"
        expr = "u - sin(pi*x)"

        [[terms]]
        name = "bc"
        kind = "dirichlet"
        on = ["x = 0", "x = 1"]

        [training]
        layers = "2x16"
        iterations = 200
        """;

    private static string Write(string text, string name = "heat.toml")
    {
        string dir = Directory.CreateTempSubdirectory("pinn-file-").FullName;
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void TrainEvalResumeAndReferenceOnAFileRun()
    {
        string file = Write(Heat);
        string run = Path.Combine(Path.GetDirectoryName(file)!, "run");
        var train = PinnCli.Run("train", file, "--param", "kappa=0.2", "--out", run, "--json");
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Equal("heat-1d", train.Json["problem"]!.GetValue<string>());
        Assert.Equal(200, train.Json["iterations"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(run, "problem.toml")));
        double rel = train.Json["rel_l2"]!.GetValue<double>();

        // The run keeps its own copy: it evaluates and resumes after the original file is gone.
        File.Delete(file);
        var eval = PinnCli.Run("eval", run, "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        Assert.Equal(rel, eval.Json["rel_l2"]!.GetValue<double>(), 12);
        string config = Path.Combine(run, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"iterations\": 200", "\"iterations\": 250"));
        var resumed = PinnCli.Run("train", "--resume", run, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(250, resumed.Json["iterations"]!.GetValue<int>());

        // A COMSOL-style text export of the exact solution (κ = 0.2) at two times: eval --reference agrees with eval.
        var lines = new List<string> { "% Model: heat.mph", "% x                u @ t=0          u @ t=1" };
        for (int i = 0; i <= 20; i++)
        {
            double x = i / 20.0;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{x}   {Math.Sin(Math.PI * x)}   {Math.Exp(-0.2 * Math.PI * Math.PI) * Math.Sin(Math.PI * x)}"));
        }
        string reference = Path.Combine(run, "..", "comsol.txt");
        File.WriteAllLines(reference, lines);
        var against = PinnCli.Run("eval", run, "--reference", reference, "--json");
        Assert.True(against.ExitCode == 0, against.Stderr);
        Assert.InRange(against.Json["rel_l2"]!.GetValue<double>(), 1e-6, 10);
        Assert.NotEqual(rel, against.Json["rel_l2"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("batch = 0", @"batch' must be 1\.\.1,000,000 points, got 0")]
    [InlineData("layers = \"5x\"", @"layers' Malformed layers '5x'.*\(network\.layers\)")]
    [InlineData("model = \"M9\"", @"model' must be M1 or M2 .*got 'M9'|model' must be .*got 'M9'")]
    [InlineData("eval_grid = 2147483647", @"eval_grid' 2147483647 per axis in \d dimensions is .* over the limit")]
    [InlineData("causal_chunks = 2147483647", @"causal_chunks' must be 0 \(off\) or 2\.\.10,000")]
    [InlineData("warmup_steps = -1", @"warmup_steps' must be ≥ 0, got -1")]
    public void ProblemsFileRefusesABadTrainingValueAtItsPosition(string line, string expected)
    {
        // Heat ends in its [training] table: the bad line goes there, replacing the key if Heat sets it (TOML refuses a
        // second [training] table or a duplicate key).
        string key = line.Split('=')[0].Trim();
        string text = string.Join("\n", Heat.Split('\n').Where(l => !l.TrimStart().StartsWith(key + " ", StringComparison.Ordinal)));
        string file = Write(text + "\n" + line + "\n");
        var r = PinnCli.Run("problems", "--file", file);
        Assert.Equal(2, r.ExitCode);
        Assert.Matches(@"\.toml:\d+:\d+: .*(" + expected + ")", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void ProblemsFilePrintsTheParsedProblem()
    {
        string file = Write(Heat);
        var text = PinnCli.Run("problems", "--file", file);
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("term residual (residual):", text.Stdout);
        Assert.Contains("u_t - kappa*u_xx = 0", text.Stdout);
        var r = PinnCli.Run("problems", "--file", file, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var problem = r.Json["problem"]!.AsObject();
        Assert.Equal("heat-1d", problem["name"]!.GetValue<string>());
        Assert.Equal(3, problem["terms"]!.AsArray().Count);
    }

    [Fact]
    public void TheYamlExamplePrintsBackAsItsTomlTwinAndTrains()
    {
        string examples = Path.Combine(ServeCommandTests.RepositoryRoot(), "examples", "problems");
        var toml = PinnCli.Run("problems", "--file", Path.Combine(examples, "poisson-hole.toml"), "--json");
        var yaml = PinnCli.Run("problems", "--file", Path.Combine(examples, "poisson-hole.yaml"), "--json");
        Assert.True(yaml.ExitCode == 0, yaml.Stderr);
        Assert.Equal(toml.Json.ToJsonString(), yaml.Json.ToJsonString());   // terms, point sets, expressions, defaults

        string run = Path.Combine(Directory.CreateTempSubdirectory("pinn-yaml-").FullName, "run");
        var train = PinnCli.Run("train", Path.Combine(examples, "poisson-hole.yaml"), "--iters", "20", "--layers", "2x8", "--eval-grid", "11", "--out", run, "--json");
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.True(File.Exists(Path.Combine(run, "problem.yaml")));
        var eval = PinnCli.Run("eval", run, "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        Assert.Equal(train.Json["rel_l2"]!.GetValue<double>(), eval.Json["rel_l2"]!.GetValue<double>(), 12);
        var bad = PinnCli.Run("problems", "--file", Write("name: x\noutputs: [u\ninputs:\n  x: [0, 1]\n", "bad.yaml"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Matches(@"bad\.yaml:\d+:\d+: YAML syntax", bad.Stderr);
    }

    [Fact]
    public void BadFilesExitWith2AndNameTheLineAndColumn()
    {
        string file = Write(Heat.Replace("u_t - kappa*u_xx", "u_t - kapa*u_xx"));
        var r = PinnCli.Run("train", file);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("heat.toml:20:15: unknown name 'kapa'", r.Stderr);
        Assert.DoesNotContain(Path.GetDirectoryName(file)!, r.Stderr); // never a local absolute path
        Assert.DoesNotContain("   at ", r.Stderr);
        var p = PinnCli.Run("problems", "--file", Write(Heat.Replace("kappa = 0.1", "kappa = ")), "--json");
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("heat.toml:9:9: TOML syntax", p.Stderr);
        var missing = PinnCli.Run("train", "nowhere.toml");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("'nowhere.toml' does not exist", missing.Stderr);
    }
}
