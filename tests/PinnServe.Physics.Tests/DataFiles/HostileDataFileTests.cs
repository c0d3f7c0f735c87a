using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using PinnServe.Reference.Files;

namespace PinnServe.Physics.Tests.DataFiles;

/// <summary>Issue 32: data-file headers are checked against the file's length before anything is allocated.</summary>
public class HostileDataFileTests
{
    /// <summary>A 128-byte .npy whose header claims a (2^31 − 1) × 1 float64 array: 16 GB.</summary>
    private static byte[] LyingNpy(string shape, byte major = 1)
    {
        string dict = $"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}";
        int prefix = major == 1 ? 10 : 12;
        string header = dict.PadRight(128 - prefix - 1) + "\n";
        var bytes = new byte[prefix + header.Length];
        "\u0093NUMPY"u8.ToArray().CopyTo(bytes, 0);
        bytes[0] = 0x93;
        bytes[6] = major;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, prefix);
        return bytes;
    }

    [Theory]
    [InlineData("(2147483647, 1)")]
    [InlineData("(1048576, 2048)")]
    [InlineData("(2147483647, 2147483647, 2147483647)")]
    public void An_npy_header_claiming_gigabytes_in_a_small_file_is_refused_before_allocating(string shape)
    {
        var bytes = LyingNpy(shape);
        Assert.Equal(128, bytes.Length);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(bytes), "big.npy"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "nothing large was allocated");
        Assert.StartsWith("big.npy:", e.Message);
    }

    [Fact]
    public void An_npy_header_length_beyond_the_file_is_refused()
    {
        var bytes = LyingNpy("(3,)", major: 2);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 0xFFFF_FFF0);
        Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(bytes), "h.npy"));
    }

    [Fact]
    public void A_mat_small_element_claiming_more_than_four_bytes_is_refused()
    {
        var bytes = new byte[128 + 16];
        bytes[126] = (byte)'I'; bytes[127] = (byte)'M';
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(128), 0xFFFF_000E);   // small element, 65535 bytes
        Assert.Throws<InvalidDataException>(() => MatFile.Read(bytes, "a.mat"));
    }

    [Fact]
    public void A_mat_compressed_element_inside_a_compressed_element_is_refused()
    {
        // miCOMPRESSED(miCOMPRESSED(nothing)): nesting compressed elements could recurse without bound.
        static byte[] Compressed(byte[] inner)
        {
            using var buffer = new MemoryStream();
            using (var z = new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) z.Write(inner);
            var body = buffer.ToArray();
            var element = new byte[8 + body.Length];
            BinaryPrimitives.WriteInt32LittleEndian(element, 15);
            BinaryPrimitives.WriteInt32LittleEndian(element.AsSpan(4), body.Length);
            body.CopyTo(element, 8);
            return element;
        }
        var nested = Compressed(Compressed(new byte[8]));
        var file = new byte[128 + nested.Length];
        file[126] = (byte)'I'; file[127] = (byte)'M';
        nested.CopyTo(file, 128);
        Assert.Contains("compressed element inside", Assert.Throws<InvalidDataException>(() => MatFile.Read(file, "a.mat")).Message);
    }

    [Fact]
    public void A_snapshot_column_with_a_malformed_time_is_refused_as_invalid_data()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("pinn-txt-").FullName, "a.dat");
        File.WriteAllText(path, "% x   u @ t=1.2.3\n0 1\n");
        Assert.Throws<InvalidDataException>(() => TextTable.Read(path));
    }
}
