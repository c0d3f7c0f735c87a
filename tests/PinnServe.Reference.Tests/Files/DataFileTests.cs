using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using PinnServe.Reference.Files;

namespace PinnServe.Reference.Tests.Files;

/// <summary>
/// The data files users bring: MATLAB v5 (files written by SciPy 1.10, Files/Golden/make_mat.py, and by a small
/// writer here for big-endian and small-element cases), FE text tables (COMSOL layout), CSV and NumPy archives.
/// </summary>
public class DataFileTests
{
    private static string Golden(string name) => Path.Combine(AppContext.BaseDirectory, "Files", "Golden", name);

    [Theory]
    [InlineData("scipy_grid.mat")]
    [InlineData("scipy_grid_compressed.mat")]
    public void SciPyGridMatFileUnrollsToPoints(string file)
    {
        var vars = MatFile.Read(Golden(file));
        Assert.Equal(["x", "t", "usol"], vars.Select(v => v.Name));
        Assert.Equal([4, 3], vars[2].Dimensions);
        var table = PointTables.Read(Golden(file));
        Assert.Equal(["x", "t", "usol"], table.Columns);
        Assert.Equal(12, table.Rows);
        for (int r = 0; r < table.Rows; r++)
        {
            double x = table.Column("x")[r], t = table.Column("t")[r];
            Assert.Equal(Math.Sin(Math.PI * x) * Math.Exp(-t), table.Column("usol")[r], 14);
        }
        double[] expectedX = [-1.0, -1, -1, -1 / 3.0]; // x varies slowest: usol is (x, t)
        for (int r = 0; r < 4; r++) Assert.Equal(expectedX[r], table.Column("x")[r], 12);
    }

    [Fact]
    public void SciPyMixedClassesAreReadAndNonNumericSkipped()
    {
        var table = PointTables.Read(Golden("scipy_mixed.mat"));
        Assert.Equal(["x", "u", "v"], table.Columns);
        Assert.Equal([1.0, -2, 3], table.Column("u"));
        Assert.Equal([1.5, 2.5, 3.5], table.Column("v"));
    }

    /// <summary>A minimal v5 writer: one double matrix per variable, optionally big-endian, with a small-element name.</summary>
    private static byte[] WriteMat(bool bigEndian, bool compress, params (string Name, int Rows, int Cols, double[] ColumnMajor)[] vars)
    {
        var output = new MemoryStream();
        var header = Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, written by a PinnServe test".PadRight(116));
        output.Write(header);
        output.Write(new byte[8]);
        output.Write(bigEndian ? [0x01, 0x00, (byte)'M', (byte)'I'] : [0x00, 0x01, (byte)'I', (byte)'M']);
        void U32(Stream s, uint v) { var b = new byte[4]; if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v); s.Write(b); }
        foreach (var (name, rows, cols, data) in vars)
        {
            var m = new MemoryStream();
            U32(m, 6); U32(m, 8); U32(m, 6); U32(m, 0);                       // array flags: class double
            U32(m, 5); U32(m, 8); U32(m, (uint)rows); U32(m, (uint)cols);      // dimensions
            if (name.Length <= 4) { U32(m, (uint)(name.Length << 16 | 1)); m.Write(Encoding.ASCII.GetBytes(name.PadRight(4, '\0'))); } // small element
            else { U32(m, 1); U32(m, (uint)name.Length); m.Write(Encoding.ASCII.GetBytes(name)); m.Write(new byte[(8 - name.Length % 8) % 8]); }
            U32(m, 9); U32(m, (uint)(8 * data.Length));
            foreach (double d in data) { var b = new byte[8]; if (bigEndian) BinaryPrimitives.WriteDoubleBigEndian(b, d); else BinaryPrimitives.WriteDoubleLittleEndian(b, d); m.Write(b); }
            var matrix = new MemoryStream();
            U32(matrix, 14); U32(matrix, (uint)m.Length); m.WriteTo(matrix);
            if (!compress) { matrix.WriteTo(output); continue; }
            var packed = new MemoryStream();
            using (var z = new ZLibStream(packed, CompressionLevel.Optimal, leaveOpen: true)) matrix.WriteTo(z);
            U32(output, 15); U32(output, (uint)packed.Length); packed.WriteTo(output);
        }
        return output.ToArray();
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void HandWrittenMatFilesInBothByteOrders(bool bigEndian, bool compress)
    {
        var bytes = WriteMat(bigEndian, compress, ("xs", 3, 1, [0.1, 0.2, 0.3]), ("ys", 1, 2, [5, 6]), ("values", 3, 2, [1, 2, 3, 4, 5, 6]));
        var vars = MatFile.Read(bytes, "test.mat");
        Assert.Equal(["xs", "ys", "values"], vars.Select(v => v.Name));
        var table = PointTables.FromMatrices(vars, "test.mat");
        Assert.Equal(["xs", "ys", "values"], table.Columns);
        // Column-major (3x2): values(i, j) = 1 + i + 3j.
        for (int r = 0; r < 6; r++)
        {
            int i = (int)Math.Round(table.Column("xs")[r] * 10) - 1, j = (int)table.Column("ys")[r] - 5;
            Assert.Equal(1 + i + 3 * j, table.Column("values")[r]);
        }
    }

    [Fact]
    public void NotAMatFileIsNamed()
    {
        var e = Assert.Throws<InvalidDataException>(() => MatFile.Read(new byte[200], "v73.mat"));
        Assert.Contains("v73.mat", e.Message);
        Assert.Contains("Level 5", e.Message);
    }

    [Fact]
    public void ComsolTextTableWithSnapshotsUnrolls()
    {
        string path = Path.Combine(Path.GetTempPath(), $"comsol-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, """
            % Model:              heat.mph
            % Version:            COMSOL 6.1.0.252
            % Dimension:          2
            % Nodes:              3
            % Expressions:        2
            % Description:        Temperature
            % x                       y                        T (K) @ t=0              T (K) @ t=0.5
            0                         0                        1                        0.5
            0.5                       0.25                     2                        1.0
            1.0E0                     1                        3                        1.5
            """);
        try
        {
            var table = PointTables.Read(path);
            Assert.Equal(["x", "y", "t", "T"], table.Columns);
            Assert.Equal(6, table.Rows);
            Assert.Equal([0.0, 0, 0, 0.5, 0.5, 0.5], table.Column("t"));
            Assert.Equal([1.0, 2, 3, 0.5, 1.0, 1.5], table.Column("T"));
            Assert.Equal([0.0, 0.5, 1, 0, 0.5, 1], table.Column("x"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void PlainTextTableAndErrorsWithLineNumbers()
    {
        string path = Path.Combine(Path.GetTempPath(), $"plain-{Guid.NewGuid():N}.dat");
        File.WriteAllText(path, "# x u\n0 1\n1 2\n");
        try
        {
            var table = PointTables.Read(path);
            Assert.Equal(["x", "u"], table.Columns);
            File.WriteAllText(path, "# x u\n0 1\n1 abc\n");
            var e = Assert.Throws<InvalidDataException>(() => PointTables.Read(path));
            Assert.Contains(":3: 'abc' is not a number", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void CsvAndNumpyVectorTables()
    {
        string csv = Path.Combine(Path.GetTempPath(), $"obs-{Guid.NewGuid():N}.csv");
        File.WriteAllText(csv, "x,t,u\n0.5,0.1,2\n0.25,0.2,3\n");
        try
        {
            var table = PointTables.Read(csv);
            Assert.Equal(["x", "t", "u"], table.Columns);
            Assert.Equal([2.0, 3], table.Column("u"));
        }
        finally { File.Delete(csv); }
        var npz = PointTables.Read(Golden("numpy_savez.npz"));   // t (3), x (4), u (3x4) from numpy.savez, no metadata
        Assert.Equal(12, npz.Rows);
        Assert.Equal(["t", "x", "u"], npz.Columns);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i / 7.0), npz.Column("u"));
    }
}
