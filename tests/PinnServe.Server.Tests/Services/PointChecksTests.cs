using PinnServe.Server.Services;

namespace PinnServe.Server.Tests.Services;

/// <summary>The out-of-domain rule: bounds hold up to the float32 rounding of each bound, whatever the domain's width.</summary>
public class PointChecksTests
{
    [Fact]
    public void The_float32_nearest_to_a_large_bound_is_inside()
    {
        var bound = (1000.1, 1000.3);
        Assert.True((float)1000.1 < 1000.1); // the float a client sends lies just below the double bound
        Assert.True(PointChecks.IsInside((float)1000.1, bound));
        Assert.True(PointChecks.IsInside((float)1000.3, bound));
        Assert.True(PointChecks.IsInside((float)1000.2, bound));
        Assert.False(PointChecks.IsInside(1000.0, bound));
        Assert.False(PointChecks.IsInside(MathF.BitDecrement(MathF.BitDecrement((float)1000.1)), bound));
    }

    [Theory]
    [InlineData(1 + 1e-6)]
    [InlineData(-1e-6)]
    [InlineData(1.00001)]
    public void Points_a_millionth_outside_a_unit_domain_are_flagged(double value) =>
        Assert.False(PointChecks.IsInside((float)value, (0.0, 1.0)));

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(0.1)]
    [InlineData(0.7)]
    public void Float32_points_of_a_unit_domain_and_its_bounds_are_inside(double value) =>
        Assert.True(PointChecks.IsInside((float)value, (0.0, 1.0)));

    [Fact]
    public void A_bound_that_is_not_a_float_accepts_its_float32_rounding_only()
    {
        var bound = (0.1, 0.3);
        Assert.True(PointChecks.IsInside((float)0.1, bound));
        Assert.True(PointChecks.IsInside((float)0.3, bound));
        Assert.False(PointChecks.IsInside(0.1 - 1e-6, bound));
    }

    [Fact]
    public void Unbounded_inputs_take_every_finite_value() =>
        Assert.True(PointChecks.IsInside(-3e38, (double.NegativeInfinity, double.PositiveInfinity)));
}
