using PinnServe.Reference.Files;

namespace PinnServe.Reference.Tests.Files;

/// <summary>Compares with files written by NumPy 1.24 (Files/Golden/make_golden.py).</summary>
public class NumpyGoldenTests
{
    private static string Golden(string name) => Path.Combine(AppContext.BaseDirectory, "Files", "Golden", name);
    private static readonly double[] Grid = [.. Enumerable.Range(0, 12).Select(k => k / 7.0)];

    [Fact]
    public void Writes_the_same_bytes_as_numpy_save()
    {
        using var stream = new MemoryStream();
        NpyFile.Write(stream, Grid, [3, 4]);
        Assert.Equal(File.ReadAllBytes(Golden("numpy_3x4.npy")), stream.ToArray());
        stream.SetLength(0);
        NpyFile.Write(stream, [Math.PI, -0.0, 1e300], [3]);
        Assert.Equal(File.ReadAllBytes(Golden("numpy_vector.npy")), stream.ToArray());
    }

    [Fact]
    public void Reads_numpy_arrays()
    {
        var array = NpyFile.Read(Golden("numpy_3x4.npy"));
        Assert.Equal([3, 4], array.Shape);
        Assert.Equal(Grid, array.Data);
    }

    [Fact]
    public void Float32_arrays_are_rejected_with_the_dtype_named()
    {
        var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(Golden("numpy_float32.npy")));
        Assert.Contains("'<f4'", error.Message);
    }

    [Theory]
    [InlineData("numpy_savez.npz")]
    [InlineData("numpy_savez_compressed.npz")]
    public void Reads_numpy_savez_archives_without_metadata(string name)
    {
        var solution = ReferenceFiles.Read(Golden(name));
        Assert.Equal(["t", "x"], solution.Axes.Select(a => a.Name));
        Assert.Equal([3, 4], solution.Shape);
        Assert.Equal(Grid, solution.Field("u"));
        Assert.Equal(Grid[5], solution.Interpolate("u", 0.5, -1 + 2.0 / 3), 1e-15);
    }
}
