using PinnServe.Physics.Expressions;
using PinnServe.Physics.Files;
using PinnServe.Physics.Geometry;

namespace PinnServe.Physics.Tests.Files;

/// <summary>Issue 35 parts 2–3: a point region for pointwise conditions, and data columns matched ignoring case or mapped explicitly.</summary>
public sealed class PointsAndColumnsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pinn-points-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Cavity = """
        name = "cavity"
        outputs = ["u", "p"]
        [inputs]
        x = [0, 1]
        y = [0, 1]
        [[terms]]
        name = "residual"
        expr = "u_xx + u_yy - p"
        """;

    [Fact]
    public void A_point_region_pins_a_field_at_exactly_those_points()
    {
        var p = Problems.Parse(Cavity + "\n[[terms]]\nname = \"pin\"\nkind = \"condition\"\non = { points = [[0, 0], [1, 0.5]] }\nexpr = \"p\"\n");
        var piece = p.Terms.Single(t => t.Name == "pin").Pieces.Single();
        var points = Assert.IsType<DataPoints>(piece.Region);
        Assert.Equal([0, 0, 1, 0.5], points.Points);
        Assert.Equal("p", ExprFormatter.Format(piece.Errors[0]));
    }

    [Theory]
    [InlineData("{ points = [[0, 2]] }", "outside")]
    [InlineData("{ points = [[0]] }", "2 numbers")]
    [InlineData("{ points = [[0, nan]] }", "finite")]
    [InlineData("{ points = [] }", "non-empty")]
    [InlineData("{ pts = [[0, 0]] }", "unknown key")]
    public void A_bad_point_region_is_refused_with_its_place(string on, string message)
    {
        var e = Problems.Refused(Cavity + $"\n[[terms]]\nname = \"pin\"\nkind = \"condition\"\non = {on}\nexpr = \"p\"\n");
        Assert.Contains(message, e.Message);
        Assert.Equal(12, e.Line);
    }

    [Fact]
    public void A_neumann_condition_on_a_point_region_is_refused() =>
        Assert.Contains("boundary", Problems.Refused(Cavity + "\n[[terms]]\nname = \"pin\"\nkind = \"neumann\"\non = { points = [[0, 0]] }\n").Message);

    private string Data(string name, string text)
    {
        File.WriteAllText(Path.Combine(_dir, name), text);
        return name;
    }

    private FileProblem WithData(string file, string extra = "") =>
        Problems.Parse(Cavity + $"\n[[terms]]\nname = \"obs\"\nkind = \"data\"\nfile = \"{file}\"\n{extra}\n", directory: _dir);

    [Fact]
    public void Comsol_upper_case_columns_match_the_inputs_ignoring_case()
    {
        var p = WithData(Data("ref.dat", "% X   Y   u\n0 0 1\n0.5 1 2\n"));
        var data = Assert.IsType<DataPoints>(p.Terms.Single(t => t.Name == "obs").Pieces[0].Region);
        Assert.Equal([0, 0, 0.5, 1], data.Points);
    }

    [Fact]
    public void Columns_that_match_a_name_twice_ignoring_case_are_refused_as_ambiguous()
    {
        string file = Data("amb.csv", "x,y,VEL,vel\n0,0,1,2\n");
        var e = Problems.Refused(Cavity + $"\n[[terms]]\nname = \"obs\"\nkind = \"data\"\nfile = \"{file}\"\ncolumns = {{ u = \"Vel\" }}\n", directory: _dir);
        Assert.Contains("'VEL' and 'vel' both match 'Vel'", e.Message);
    }

    [Fact]
    public void Columns_by_position_name_a_table_without_a_header()
    {
        var p = WithData(Data("plain.dat", "0 0 1\n0.5 1 2\n"), "columns = [\"x\", \"y\", \"u\"]");
        var piece = p.Terms.Single(t => t.Name == "obs").Pieces[0];
        Assert.Equal([0, 0, 0.5, 1], Assert.IsType<DataPoints>(piece.Region).Points);
        Assert.Equal([1.0, 2.0], piece.Errors[0].Walk().OfType<Observed>().Single().Values);
    }

    [Fact]
    public void Columns_by_name_map_inputs_and_fields()
    {
        var p = WithData(Data("named.csv", "px,py,U\n0,0,1\n0.5,1,2\n"), "columns = { x = \"px\", y = \"py\", u = \"U\" }");
        Assert.Equal([0, 0, 0.5, 1], Assert.IsType<DataPoints>(p.Terms.Single(t => t.Name == "obs").Pieces[0].Region).Points);
    }

    [Fact]
    public void Columns_by_position_must_cover_every_column() =>
        Assert.Contains("names 2 columns", Problems.Refused(Cavity + "\n[[terms]]\nname = \"obs\"\nkind = \"data\"\nfile = \"" +
            Data("three.dat", "0 0 1\n") + "\"\ncolumns = [\"x\", \"y\"]\n", directory: _dir).Message);

    [Fact]
    public void Columns_outside_a_data_term_are_refused() =>
        Assert.Contains("belongs to data terms", Problems.Refused(Cavity + "\n[[terms]]\nname = \"pin\"\nkind = \"condition\"\non = \"x = 0\"\nexpr = \"p\"\ncolumns = [\"x\"]\n").Message);
}
