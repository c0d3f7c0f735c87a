using System.Text;
using PinnServe.Reference.Files;

namespace PinnServe.Reference.Tests.Files;

public class NpyFileTests
{
    private static byte[] Encode(double[] data, params int[] shape)
    {
        using var stream = new MemoryStream();
        NpyFile.Write(stream, data, shape);
        return stream.ToArray();
    }

    [Fact]
    public void Header_is_the_documented_version_1_layout_aligned_to_64_bytes()
    {
        byte[] bytes = Encode([1.5, -2, 3, 4, 5, 6], 2, 3);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLength = bytes[8] | bytes[9] << 8;
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", header);
        Assert.EndsWith("\n", header);
        Assert.Equal(10 + headerLength + 6 * 8, bytes.Length);
        Assert.Equal(1.5, BitConverter.ToDouble(bytes, 10 + headerLength));
    }

    [Fact]
    public void One_dimensional_shapes_use_the_python_tuple_syntax()
    {
        string header = Encoding.ASCII.GetString(Encode([1, 2, 3], 3));
        Assert.Contains("'shape': (3,), }", header);
    }

    [Fact]
    public void Round_trips_values_bit_for_bit()
    {
        double[] data = [Math.PI, -0.0, double.Epsilon, 1e300, -7];
        var array = NpyFile.Read(new MemoryStream(Encode(data, 5)), "memory");
        Assert.Equal(new[] { 5 }, array.Shape);
        Assert.Equal(data.Select(BitConverter.DoubleToInt64Bits), array.Data.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Wrong_magic_is_reported()
    {
        var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream("PK\u0003\u0004xxxxxxxx"u8.ToArray()), "bad.npy"));
        Assert.Contains("magic", error.Message);
    }

    [Theory]
    [InlineData("'descr': '<f8'", "'descr': '<f4'", "dtype '<f4'")]
    [InlineData("'descr': '<f8'", "'descr': '>f8'", "dtype '>f8'")]
    [InlineData("'fortran_order': False", "'fortran_order': True ", "Fortran")]
    public void Unsupported_headers_are_reported(string from, string to, string expected)
    {
        byte[] bytes = Encode([1, 2, 3, 4], 2, 2);
        string text = Encoding.Latin1.GetString(bytes).Replace(from, to);
        var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(Encoding.Latin1.GetBytes(text)), "x.npy"));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Truncated_data_is_reported_with_the_expected_size()
    {
        byte[] bytes = Encode([1, 2, 3, 4], 2, 2);
        var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(bytes[..^8]), "x.npy"));
        Assert.Contains("32 bytes", error.Message);
    }

    [Fact]
    public void Shape_and_data_length_must_agree_when_writing() =>
        Assert.Throws<ArgumentException>(() => Encode([1, 2, 3], 2, 2));
}
