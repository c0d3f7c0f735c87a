using System.IO.Compression;
using PinnServe.Reference.Files;

namespace PinnServe.Reference.Tests.Files;

public sealed class ReferenceFilesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pinn-reference-files-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ReferenceSolution Sample()
    {
        double[] t = [0, 0.25, 1];
        double[] x = [-1, -0.5, 0, 0.5];
        var u = new double[12]; var v = new double[12];
        for (int i = 0; i < 12; i++) { u[i] = Math.Sin(i) / 3; v[i] = i * 1e-17 + 1; }
        return new ReferenceSolution("sample", [new GridAxis("t", t), new GridAxis("x", x, Period: 2)], [new("u", u), new("v", v)],
            new Dictionary<string, double> { ["nu"] = 0.01 / Math.PI }, new Dictionary<string, string> { ["method"] = "test" });
    }

    [Theory]
    [InlineData("out.npz")]
    [InlineData("out.npy")]
    [InlineData("out.csv")]
    public void Round_trips_grid_fields_and_metadata_exactly(string name)
    {
        var original = Sample();
        string path = Path.Combine(_directory, name);
        ReferenceFiles.Write(original, path);
        var read = ReferenceFiles.Read(path);

        Assert.Equal("sample", read.Problem);
        Assert.Equal(original.Shape, read.Shape);
        Assert.Equal(["t", "x"], read.Axes.Select(a => a.Name));
        Assert.Equal(2.0, read.Axis("x").Period);
        Assert.Null(read.Axis("t").Period);
        Assert.Equal(original.Axis("x").Coordinates, read.Axis("x").Coordinates);
        Assert.Equal(["u", "v"], read.FieldNames);
        Assert.Equal(original.Field("u"), read.Field("u"));
        Assert.Equal(original.Field("v"), read.Field("v"));
        Assert.Equal(0.01 / Math.PI, read.Parameters["nu"]);
        Assert.Equal("test", read.SolverSettings["method"]);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp-*"));
    }

    [Fact]
    public void Npz_holds_one_npy_per_axis_and_field_plus_metadata()
    {
        string path = Path.Combine(_directory, "out.npz");
        ReferenceFiles.Write(Sample(), path);
        using var zip = ZipFile.OpenRead(path);
        Assert.Equal(["t.npy", "x.npy", "u.npy", "v.npy", "metadata.json"], zip.Entries.Select(e => e.FullName));
        using var stream = zip.GetEntry("u.npy")!.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        buffer.Position = 0;
        Assert.Equal(new[] { 3, 4 }, NpyFile.Read(buffer, "u.npy").Shape);
    }

    [Fact]
    public void Csv_has_a_header_and_one_row_per_grid_point()
    {
        string path = Path.Combine(_directory, "out.csv");
        ReferenceFiles.Write(Sample(), path);
        string[] lines = File.ReadAllLines(path);
        Assert.Equal("t,x,u,v", lines[0]);
        Assert.Equal(13, lines.Length);
        Assert.StartsWith("0.25,-1,", lines[5]);
    }

    [Fact]
    public void Npz_with_a_field_of_the_wrong_shape_is_rejected()
    {
        string path = Path.Combine(_directory, "bad.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            void Add(string name, double[] data, params int[] shape)
            {
                using var entry = zip.CreateEntry(name).Open();
                NpyFile.Write(entry, data, shape);
            }
            Add("t.npy", [0, 1], 2);
            Add("x.npy", [0, 1, 2], 3);
            Add("u.npy", [1, 2, 3, 4], 2, 2);
        }
        var error = Assert.Throws<InvalidDataException>(() => ReferenceFiles.Read(path));
        Assert.Contains("field 'u' has shape (2, 2), expected (2, 3)", error.Message);
    }

    [Fact]
    public void Npz_saved_without_metadata_takes_one_dimensional_arrays_as_axes()
    {
        string path = Path.Combine(_directory, "plain.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var entry = zip.CreateEntry("x.npy").Open()) NpyFile.Write(entry, [0, 1, 2], [3]);
            using (var entry = zip.CreateEntry("u.npy").Open()) NpyFile.Write(entry, [5, 6, 7], [3]);
        }
        // Both arrays are 1-D, so both are axes and there is no field: a clear error, not a guess.
        Assert.Throws<InvalidDataException>(() => ReferenceFiles.Read(path));
    }

    [Fact]
    public void Table_formats_need_their_metadata_file()
    {
        string path = Path.Combine(_directory, "out.csv");
        ReferenceFiles.Write(Sample(), path);
        File.Delete(ReferenceFiles.SidecarPath(path));
        var error = Assert.Throws<FileNotFoundException>(() => ReferenceFiles.Read(path));
        Assert.Contains("out.csv.json", error.Message);
    }

    [Fact]
    public void Csv_rows_off_the_grid_are_rejected()
    {
        string path = Path.Combine(_directory, "out.csv");
        ReferenceFiles.Write(Sample(), path);
        var lines = File.ReadAllLines(path);
        lines[3] = "0,0.123," + string.Join(',', lines[3].Split(',')[2..]);
        File.WriteAllLines(path, lines);
        var error = Assert.Throws<InvalidDataException>(() => ReferenceFiles.Read(path));
        Assert.Contains("not on the tensor grid", error.Message);
    }

    [Fact]
    public void Unknown_extensions_are_rejected() =>
        Assert.Throws<ArgumentException>(() => ReferenceFiles.Write(Sample(), Path.Combine(_directory, "out.mat")));
}
