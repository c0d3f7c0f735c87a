namespace PinnServe.Reference.Tests;

public class ReferenceSolutionTests
{
    private static ReferenceSolution Bilinear(double? period = null)
    {
        double[] t = [0, 0.5, 2];
        double[] x = [-1, 0, 0.25, 1];
        var values = new double[t.Length * x.Length];
        for (int i = 0; i < t.Length; i++)
            for (int j = 0; j < x.Length; j++) values[i * x.Length + j] = 1 + 2 * t[i] - 3 * x[j] + 0.5 * t[i] * x[j];
        return new ReferenceSolution("test", [new GridAxis("t", t), new GridAxis("x", x, period)], [new("u", values)]);
    }

    [Fact]
    public void Interpolation_reproduces_bilinear_functions_on_a_nonuniform_grid()
    {
        var solution = Bilinear();
        foreach (var (t, x) in new[] { (0.0, -1.0), (0.3, 0.1), (1.7, 0.9), (2.0, 1.0), (0.5, 0.25) })
            Assert.Equal(1 + 2 * t - 3 * x + 0.5 * t * x, solution.Interpolate("u", t, x), 1e-13);
    }

    [Fact]
    public void Batch_interpolation_matches_pointwise()
    {
        var solution = Bilinear();
        double[] points = [0.1, 0.2, 1.5, -0.5];
        var values = new double[2];
        solution.Interpolate("u", points, values);
        Assert.Equal(solution.Interpolate("u", 0.1, 0.2), values[0]);
        Assert.Equal(solution.Interpolate("u", 1.5, -0.5), values[1]);
    }

    [Fact]
    public void Points_outside_a_bounded_axis_are_rejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Bilinear().Interpolate("u", 2.5, 0));
        Assert.Contains("t = 2.5", error.Message);
    }

    [Fact]
    public void Periodic_axes_wrap_between_the_last_node_and_the_first_nodes_image()
    {
        double[] x = [-1, -0.5, 0, 0.5];
        double[] values = [10, 20, 30, 40];
        var solution = new ReferenceSolution("p", [new GridAxis("x", x, Period: 2)], [new("u", values)]);
        Assert.Equal(25, solution.Interpolate("u", 0.75), 1e-12); // halfway from 40 back to 10
        Assert.Equal(10, solution.Interpolate("u", 1.0), 1e-12);
        Assert.Equal(15, solution.Interpolate("u", 1.25), 1e-12);
        Assert.Equal(solution.Interpolate("u", -0.25), solution.Interpolate("u", 3.75), 1e-12);
    }

    [Fact]
    public void Grid_points_follow_the_row_major_field_order()
    {
        var solution = Bilinear();
        double[] points = solution.GridPoints();
        Assert.Equal(solution.PointCount * 2, points.Length);
        int p = solution.Index(1, 2);
        Assert.Equal(0.5, points[2 * p]);
        Assert.Equal(0.25, points[2 * p + 1]);
    }

    [Fact]
    public void Relative_L2_compares_predictions_at_the_grid_points()
    {
        var solution = Bilinear();
        double[] reference = solution.Field("u");
        Assert.Equal(0, solution.RelativeL2("u", reference));
        Assert.Equal(0.1, solution.RelativeL2("u", reference.Select(v => 1.1 * v).ToArray()), 1e-14);
        Assert.Throws<ArgumentException>(() => solution.RelativeL2("u", new double[3]));
    }

    [Fact]
    public void Constructor_rejects_inconsistent_data()
    {
        Assert.Throws<ArgumentException>(() => new ReferenceSolution("x", [new GridAxis("x", [0, 1])], [new("u", [1.0])]));
        Assert.Throws<ArgumentException>(() => new ReferenceSolution("x", [new GridAxis("x", [1, 0])], [new("u", [1.0, 2])]));
        Assert.Throws<ArgumentException>(() => new ReferenceSolution("x", [new GridAxis("x", [0, 1])], [new("x", [1.0, 2])]));
    }
}
