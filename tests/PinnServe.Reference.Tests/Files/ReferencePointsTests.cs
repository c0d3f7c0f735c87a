using PinnServe.Reference.Files;

namespace PinnServe.Reference.Tests.Files;

/// <summary>Scattered reference points from any table (issue 35) and the one column-matching rule they share with data terms.</summary>
public class ReferencePointsTests
{
    private static PointTable Table(string[] columns, params double[][] rows) =>
        new(columns, Enumerable.Range(0, columns.Length).Select(c => rows.Select(r => r[c]).ToArray()).ToList());

    [Fact]
    public void ExactNamesWinThenTheOnlyCaseInsensitiveMatch()
    {
        Assert.Equal(["x", "t", "u"], ColumnMatch.Auto(["X", "t", "u"], ["x", "t", "u"], "f.dat"));
        // An exact column is kept even when another differs only in case.
        Assert.Equal(["x", "X", "u"], ColumnMatch.Auto(["x", "X", "u"], ["x", "u"], "f.dat"));
        // A column already standing for a known name is not taken for another one.
        Assert.Equal(["U", "u"], ColumnMatch.Auto(["U", "u"], ["u"], "f.dat"));
        Assert.Equal("X → x", ColumnMatch.Renames(["X", "t"], ["x", "t"]));
        Assert.Equal(-1, ColumnMatch.Find(["a", "b"], "x", "f.dat"));
    }

    [Fact]
    public void SeveralCaseInsensitiveMatchesAreAnError()
    {
        var e = Assert.Throws<AmbiguousColumnException>(() => ColumnMatch.Auto(["PSI", "Psi", "x"], ["x", "psi"], "f.csv"));
        Assert.Contains("'PSI' and 'Psi' both match 'psi' ignoring case", e.Message);
        Assert.Contains("columns = { psi = ", e.Message);
    }

    [Fact]
    public void CommandLineColumnNamesGoByPositionOrByNamePairs()
    {
        Assert.Equal(["x", "y", "u"], ColumnMatch.FromSpec("x, y, u", ["c1", "c2", "c3"], "f.dat", "--reference-columns"));
        // name=column pairs: the column found exactly, else ignoring case; the other columns keep their names.
        Assert.Equal(["x", "c2", "u"], ColumnMatch.FromSpec("x=c1,u=C3", ["c1", "c2", "c3"], "f.dat", "--reference-columns"));
        Assert.Contains("--reference-columns names 2 columns; 'f.dat' has 3 (c1, c2, c3)",
            Assert.Throws<ArgumentException>(() => ColumnMatch.FromSpec("x,y", ["c1", "c2", "c3"], "f.dat", "--reference-columns")).Message);
        Assert.Contains("names a column twice", Assert.Throws<ArgumentException>(() => ColumnMatch.FromSpec("x,x,u", ["a", "b", "c"], "f.dat", "--o")).Message);
        Assert.Contains("'f.dat' has no column 'c9'", Assert.Throws<ArgumentException>(() => ColumnMatch.FromSpec("x=c9", ["c1"], "f.dat", "--o")).Message);
        Assert.Contains("'x=' is not name=column", Assert.Throws<ArgumentException>(() => ColumnMatch.FromSpec("x=", ["c1"], "f.dat", "--o")).Message);
        Assert.Contains("empty name", Assert.Throws<ArgumentException>(() => ColumnMatch.FromSpec("x,,u", ["a", "b", "c"], "f.dat", "--o")).Message);
    }

    [Fact]
    public void TableBecomesPointsInInputOrderWithTheKnownFieldsOnly()
    {
        // Columns in another order than the inputs, an extra column, and a row a solver left empty.
        var table = Table(["t", "X", "u", "note"], [0.5, 1, 10, 7], [1, 2, 20, 7], [1, 3, double.NaN, 7]);
        var names = ColumnMatch.Auto(table.Columns, ["x", "t", "u"], "f.dat");
        var points = ReferencePoints.FromTable(table, names, ["x", "t"], ["u"], "f.dat");
        Assert.Equal(["x", "t"], points.Inputs);
        Assert.Equal([1.0, 0.5, 2, 1], points.Points);
        Assert.Equal(["u"], points.Fields);
        Assert.Equal([10.0, 20], points.Values[0]);
        Assert.Equal("f.dat (2 points; 1 rows with non-finite values left out; X → x)", points.Source);
    }

    [Fact]
    public void MissingInputOrNoFieldIsAnErrorNamingTheColumns()
    {
        var table = Table(["c1", "c2", "c3"], [0, 0, 1]);
        var e = Assert.Throws<InvalidDataException>(() => ReferencePoints.FromTable(table, table.Columns, ["x", "y"], ["u"], "p.dat"));
        Assert.Contains("'p.dat' has no column 'x' (columns: c1, c2, c3;", e.Message);
        var f = Assert.Throws<InvalidDataException>(() => ReferencePoints.FromTable(table, ["x", "y", "c3"], ["x", "y"], ["u"], "p.dat"));
        Assert.Contains("no column names a field", f.Message);
    }

    [Fact]
    public void ComsolSnapshotsReadAsScatteredPointsAndGridsStayGrids()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-refpoints-").FullName;
        try
        {
            string dat = Path.Combine(dir, "b.dat");
            File.WriteAllLines(dat, ["% Model: b.mph", "% X                u (1) @ t=0     u (1) @ t=1", "-1   0.5   0.25", "1   1.5   1.25"]);
            Assert.Null(ReferencePoints.TryGrid(dat));
            var points = ReferencePoints.Read(dat, ["x", "t"], ["u"]);
            Assert.Equal([-1.0, 0, 1, 0, -1, 1, 1, 1], points.Points);
            Assert.Equal([0.5, 1.5, 0.25, 1.25], points.Values[0]);
            Assert.StartsWith("b.dat (4 points; X → x)", points.Source);

            string npz = Path.Combine(dir, "g.npz");
            ReferenceFiles.Write(new ReferenceSolution("p", [new GridAxis("x", [0.0, 1]), new GridAxis("t", [0.0, 1])],
                [new("u", [1.0, 2, 3, 4])], new Dictionary<string, double>(), new Dictionary<string, string>()), npz);
            Assert.NotNull(ReferencePoints.TryGrid(npz));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
