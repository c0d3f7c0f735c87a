namespace PinnServe.Reference.Tests;

/// <summary>Reference solvers are found by name: the built-in ones and any a user registers.</summary>
public class SolverRegistryTests
{
    /// <summary>u(t) = exp(−k t) on nt points: a solver small enough to check exactly.</summary>
    private sealed class Decay : IReferenceSolver
    {
        public string Name => "test-decay";
        public IReadOnlyList<ReferenceParameter> Parameters { get; } = [new("k", 2, "rate"), new("nt", 3, "time points", true)];
        public Dictionary<string, double> GridParameters(IReadOnlyList<int> shape) => new() { ["nt"] = shape[0] };

        public ReferenceSolution Solve(Dictionary<string, double> values, IProgress<string>? progress)
        {
            int nt = (int)values["nt"];
            double[] t = Enumerable.Range(0, nt).Select(i => i / (nt - 1.0)).ToArray();
            return new ReferenceSolution(Name, [new GridAxis("t", t)], [new("u", t.Select(x => Math.Exp(-values["k"] * x)).ToArray())], values);
        }
    }

    [Fact]
    public void ARegisteredSolverIsComputedByNameWithItsDefaults()
    {
        ReferenceSolutions.Register(new Decay());
        Assert.Contains("test-decay", ReferenceSolutions.Problems);
        Assert.Equal(new[] { "burgers", "allen-cahn", "cavity" }, ReferenceSolutions.Problems.Take(3));
        var solution = ReferenceSolutions.Compute("Test_Decay", new Dictionary<string, double> { ["K"] = 1 });
        Assert.Equal("test-decay", solution.Problem);
        Assert.Equal([3], solution.Shape);
        Assert.Equal(Math.Exp(-0.5), solution.Field("u")[1]);
        Assert.Equal(5, ReferenceSolutions.GridParameters("test-decay", [5])["nt"]);
        Assert.Contains("test-decay", Assert.Throws<ArgumentException>(() => ReferenceSolutions.Get("heat")).Message);
    }

    [Fact]
    public void BuiltInSolversAreFoundWhateverTheSpelling()
    {
        Assert.Equal("allen-cahn", ReferenceSolutions.Get("Allen_Cahn").Name);
        Assert.Equal("allen-cahn", ReferenceSolutions.Get("allencahn").Name);
        Assert.Equal(4, ReferenceSolutions.Get("cavity").Parameters.Count);
    }

    [Fact]
    public void ANameThatIsNotCanonicalIsRefused()
    {
        var solver = new Renamed("Test_Decay");
        Assert.Contains("'Test_Decay'", Assert.Throws<ArgumentException>(() => ReferenceSolutions.Register(solver)).Message);
    }

    private sealed class Renamed(string name) : IReferenceSolver
    {
        public string Name => name;
        public IReadOnlyList<ReferenceParameter> Parameters => [];
        public Dictionary<string, double> GridParameters(IReadOnlyList<int> shape) => [];
        public ReferenceSolution Solve(Dictionary<string, double> values, IProgress<string>? progress) => throw new NotSupportedException();
    }
}
