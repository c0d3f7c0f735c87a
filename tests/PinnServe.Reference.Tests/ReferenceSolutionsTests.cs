using PinnServe.Reference.Files;

namespace PinnServe.Reference.Tests;

public class ReferenceSolutionsTests
{
    [Fact]
    public void Burgers_default_grid_is_100_by_256_and_can_be_resized()
    {
        var small = ReferenceSolutions.Compute("burgers", new Dictionary<string, double> { ["NT"] = 5, ["nx"] = 9 });
        Assert.Equal([5, 9], small.Shape);
        Assert.Equal([0, 0.25, 0.5, 0.75, 1], small.Axis("t").Coordinates);
        Assert.Equal(0.01 / Math.PI, small.Parameters["nu"]);
        var defaults = ReferenceSolutions.Parameters("burgers").ToDictionary(p => p.Name, p => p.Default);
        Assert.Equal(100, defaults["nt"]);
        Assert.Equal(256, defaults["nx"]);
    }

    [Fact]
    public void Unknown_problems_and_parameters_name_the_bad_value()
    {
        Assert.Contains("'heat'", Assert.Throws<ArgumentException>(() => ReferenceSolutions.Compute("heat")).Message);
        var error = Assert.Throws<ArgumentException>(() =>
            ReferenceSolutions.Compute("burgers", new Dictionary<string, double> { ["viscosity"] = 1 }));
        Assert.Contains("'viscosity'", error.Message);
        Assert.Contains("nu", error.Message);
        Assert.Throws<ArgumentException>(() => ReferenceSolutions.Compute("burgers", new Dictionary<string, double> { ["nt"] = 2.5 }));
        Assert.Throws<ArgumentException>(() => ReferenceSolutions.Compute("allen-cahn", new Dictionary<string, double> { ["nx"] = 300 }));
    }

    [Fact]
    public void Grid_shapes_map_to_parameters()
    {
        Assert.Equal(128, ReferenceSolutions.GridParameters("cavity", [129, 129])["n"]);
        Assert.Equal(50, ReferenceSolutions.GridParameters("burgers", [50, 64])["nt"]);
        Assert.Throws<ArgumentException>(() => ReferenceSolutions.GridParameters("cavity", [129, 65]));
    }

    [Fact]
    public void A_computed_solution_survives_a_file_round_trip()
    {
        var solution = ReferenceSolutions.Compute("burgers", new Dictionary<string, double> { ["nt"] = 4, ["nx"] = 17 });
        string path = Path.Combine(Directory.CreateTempSubdirectory("pinn-ref-").FullName, "burgers.npz");
        try
        {
            ReferenceFiles.Write(solution, path);
            var read = ReferenceFiles.Read(path);
            Assert.Equal(solution.Field("u"), read.Field("u"));
            Assert.Equal("burgers", read.Problem);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
