using PinnServe.Reference.AllenCahn;

namespace PinnServe.Reference.Tests.AllenCahn;

/// <summary>Solves the default reference once for the whole class.</summary>
public sealed class AllenCahnReferenceFixture
{
    public ReferenceSolution Solution { get; } = ReferenceSolutions.Compute("allen-cahn");
}

public class AllenCahnSpectralTests(AllenCahnReferenceFixture fixture) : IClassFixture<AllenCahnReferenceFixture>
{
    private readonly ReferenceSolution _solution = fixture.Solution;

    [Fact]
    public void Default_grid_is_201_times_by_512_periodic_points()
    {
        Assert.Equal([201, 512], _solution.Shape);
        Assert.Equal(-1, _solution.Axis("x").Coordinates[0]);
        Assert.Equal(1 - 2.0 / 512, _solution.Axis("x").Coordinates[^1], 1e-15);
        Assert.Equal(0.005, _solution.Axis("t").Coordinates[1], 1e-15);
        Assert.Equal(2.0, _solution.Axis("x").Period);
    }

    [Fact]
    public void Starts_from_the_initial_condition()
    {
        double[] x = _solution.Axis("x").Coordinates;
        for (int j = 0; j < x.Length; j++)
            Assert.Equal(x[j] * x[j] * Math.Cos(Math.PI * x[j]), _solution.Field("u")[j], 1e-13);
    }

    [Fact]
    public void Stays_within_the_stable_states()
    {
        double[] u = _solution.Field("u");
        Assert.InRange(u.Min(), -1.0001, 1.0001);
        Assert.InRange(u.Max(), -1.0001, 1.0001);
        Assert.True(u.Max() > 0.99 && u.Min() < -0.99, "the interfaces should have formed by t = 1");
    }

    [Fact]
    public void Keeps_the_even_symmetry_of_the_initial_condition()
    {
        int nx = _solution.Shape[1];
        double[] u = _solution.Field("u");
        double worst = 0;
        for (int i = 0; i < _solution.Shape[0]; i++)
            for (int j = 1; j < nx; j++) // x_j and x_{nx−j} = −x_j
                worst = Math.Max(worst, Math.Abs(u[i * nx + j] - u[i * nx + nx - j]));
        Assert.True(worst < 1e-10, $"max asymmetry {worst:E2}");
    }

    [Fact]
    public void Refining_modes_and_time_step_changes_the_final_state_by_less_than_1e_minus_6()
    {
        double[] Final(int modes, double step) =>
            new AllenCahnSpectral(1e-4, 5, modes, step).Solve([0, 1], 512)[512..];
        double[] baseline = Final(1024, 1e-3), refined = Final(2048, 5e-4);
        double change = baseline.Zip(refined, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(change < 1e-6, $"change {change:E2}"); // measured ≈ 1.3e-9
        int last = _solution.Index(200, 0);
        double toDefault = refined.Select((v, j) => Math.Abs(v - _solution.Field("u")[last + j])).Max();
        Assert.True(toDefault < 1e-6, $"default grid vs refined: {toDefault:E2}");
    }

    [Fact]
    public void Output_points_must_divide_the_modes() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AllenCahnSpectral(modes: 64).Solve([0, 1], 48));
}
