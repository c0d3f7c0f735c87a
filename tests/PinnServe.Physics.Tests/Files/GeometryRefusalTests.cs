using PinnServe.Physics.Files;

namespace PinnServe.Physics.Tests.Files;

/// <summary>Issue 32: geometry that leaves an empty domain or a boundary with no points is refused with the file position, not by the sampler.</summary>
public class GeometryRefusalTests
{
    private static string Plate(string shapes, string wallOn = "boundary") => $$"""
        name = "plate"
        outputs = ["u"]
        [inputs]
        x = [0, 1]
        y = [0, 1]
        [geometry]
        shapes = [
          {{shapes}}
        ]
        [[terms]]
        name = "residual"
        expr = "u_xx + u_yy"
        [[terms]]
        name = "walls"
        kind = "dirichlet"
        on = "{{wallOn}}"
        """;

    [Fact]
    public void A_plate_with_a_hole_loads() =>
        Assert.NotNull(Problems.Parse(Plate("{ shape = \"circle\", center = [0.5, 0.5], radius = 0.2 }")).Geometry);

    [Fact]
    public void A_hole_covering_the_box_is_refused()
    {
        var e = Problems.Refused(Plate("{ shape = \"circle\", center = [0.5, 0.5], radius = 2 }"));
        Assert.Contains("no interior", e.Message);
        Assert.True(e.Line > 0);
    }

    [Fact]
    public void A_rectangle_hole_covering_the_box_is_refused() =>
        Assert.Contains("no interior", Problems.Refused(Plate("{ shape = \"rectangle\", min = [-1, -1], max = [2, 2] }")).Message);

    [Theory]
    [InlineData("nan")]
    [InlineData("1e-300")]
    [InlineData("0")]
    [InlineData("-1")]
    public void A_degenerate_radius_is_refused(string radius)
    {
        var e = Problems.Refused(Plate($"{{ shape = \"circle\", center = [0.5, 0.5], radius = {radius} }}"));
        Assert.Contains("radius", e.Message);
        Assert.Equal(8, e.Line);
    }

    [Fact]
    public void Repeated_axes_are_refused()
    {
        var e = Problems.Refused(Plate("{ shape = \"circle\", center = [0.5, 0.5], radius = 0.2, axes = [\"x\", \"x\"] }"));
        Assert.Contains("distinct", e.Message);
    }

    [Fact]
    public void A_boundary_term_on_a_shape_inside_a_removed_shape_is_refused()
    {
        var e = Problems.Refused(Plate("""
            { shape = "rectangle", name = "big", min = [0.2, 0.2], max = [0.8, 0.8] },
              { shape = "circle", name = "inner", center = [0.5, 0.5], radius = 0.1 },
            """, wallOn: "inner"));
        Assert.Contains("no points", e.Message);
        Assert.Equal(17, e.Line);
    }

    [Fact]
    public void A_face_inside_a_hole_is_refused()
    {
        var e = Problems.Refused(Plate("{ shape = \"rectangle\", min = [-1, -1], max = [0.5, 2] }", wallOn: "x = 0"));
        Assert.Contains("no points", e.Message);
    }
}
