using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace PinnServe.Reference.Files;

/// <summary>A numeric array from a .mat or .npz file, with its dimensions and storage order.</summary>
public sealed record MatVariable(string Name, int[] Dimensions, double[] Data, bool ColumnMajor = true)
{
    public int Count => Data.Length;
    public bool IsVector => Dimensions.Count(d => d > 1) <= 1;

    public double At(ReadOnlySpan<int> index)
    {
        int offset = 0;
        if (ColumnMajor)
            for (int k = Dimensions.Length - 1; k >= 0; k--) offset = offset * Dimensions[k] + index[k];
        else
            for (int k = 0; k < Dimensions.Length; k++) offset = offset * Dimensions[k] + index[k];
        return Data[offset];
    }
}

/// <summary>
/// Reads the numeric-matrix subset of MATLAB's Level 5 MAT-file format (what `save` writes without -v7.3, and
/// scipy.io.savemat): a 128-byte header, then data elements, each an 8-byte tag (type, byte count) or a "small
/// element" packing ≤ 4 bytes into the tag, padded to 8 bytes; miCOMPRESSED elements hold a zlib-compressed element.
/// An miMATRIX holds array flags (class), dimensions, a name and the real part, column-major. Real numeric classes
/// (double, single, integers) are read; complex, sparse, cell, struct and char arrays are skipped. Both byte orders.
/// </summary>
public static class MatFile
{
    private const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7, MiDouble = 9,
        MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15;
    private const int ComplexFlag = 0x0800;

    public static List<MatVariable> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Read(bytes, Path.GetFileName(path));
    }

    public static List<MatVariable> Read(byte[] bytes, string source)
    {
        if (bytes.Length < 128) throw new InvalidDataException($"{source}: too short for a MAT-file header (128 bytes).");
        bool little = bytes[126] == (byte)'I' && bytes[127] == (byte)'M';
        bool big = bytes[126] == (byte)'M' && bytes[127] == (byte)'I';
        if (!little && !big)
            throw new InvalidDataException($"{source}: not a Level 5 MAT-file (no 'IM'/'MI' endian mark; v7.3 files are HDF5 — save with -v7 or scipy.io.savemat).");
        var reader = new Reader(bytes, 128, bytes.Length, little, source);
        var result = new List<MatVariable>();
        while (reader.Position + 8 <= bytes.Length)
            if (reader.Element() is { } v) result.Add(v);
        return result;
    }

    /// <summary>Most bytes one compressed variable may expand to.</summary>
    public const int MaxExpandedBytes = int.MaxValue / 2;

    private sealed class Reader(byte[] data, int start, int end, bool little, string source, bool compressed = false)
    {
        private byte[] Inflate(int at, int count)
        {
            try
            {
                using var z = new ZLibStream(new MemoryStream(data, at, count), CompressionMode.Decompress);
                using var buffer = new MemoryStream();
                var chunk = new byte[1 << 16];
                for (int read; (read = z.Read(chunk)) > 0;)
                {
                    if (buffer.Length + read > MaxExpandedBytes) throw new InvalidDataException($"{source}: the compressed element at byte {at} expands beyond {MaxExpandedBytes} bytes.");
                    buffer.Write(chunk, 0, read);
                }
                return buffer.ToArray();
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException && !e.Message.StartsWith(source, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{source}: the compressed element at byte {at} is damaged ({e.Message}).", e);
            }
        }

        public int Position = start;

        private uint U32(int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));

        private (int Type, int Bytes, int DataAt, int Next) Tag()
        {
            if (Position + 8 > end) throw new InvalidDataException($"{source}: truncated element at byte {Position}.");
            uint first = U32(Position);
            if ((first >> 16) != 0) // small data element: bytes in the upper half, data in the tag's second word
            {
                if ((first >> 16) > 4) throw new InvalidDataException($"{source}: small element at byte {Position} claims {first >> 16} bytes (at most 4).");
                return ((int)(first & 0xFFFF), (int)(first >> 16), Position + 4, Position + 8);
            }
            int type = (int)first, count = (int)U32(Position + 4);
            if (count < 0 || Position + 8L + count > end) throw new InvalidDataException($"{source}: element at byte {Position} runs past the end.");
            int padded = type == MiCompressed ? count : (count + 7) & ~7;
            return (type, count, Position + 8, Math.Min(end, Position + 8 + padded));
        }

        public MatVariable? Element()
        {
            var (type, count, at, next) = Tag();
            Position = next;
            if (type == MiCompressed)
            {
                // MATLAB compresses top-level variables only: a compressed element inside one is refused (no nesting
                // without bound), and so is one that expands beyond MaxExpandedBytes (a zip bomb).
                if (compressed) throw new InvalidDataException($"{source}: a compressed element inside a compressed element at byte {at}.");
                var inner = Inflate(at, count);
                return new Reader(inner, 0, inner.Length, little, source, compressed: true).Element();
            }
            return type == MiMatrix ? Matrix(at, at + count) : null;
        }

        private MatVariable? Matrix(int at, int stop)
        {
            var sub = new Reader(data, at, stop, little, source);
            var (flagsType, _, flagsAt, flagsNext) = sub.Tag();
            if (flagsType != MiUInt32) throw new InvalidDataException($"{source}: matrix at byte {at} lacks array flags.");
            uint flags = U32(flagsAt);
            int cls = (int)(flags & 0xFF);
            sub.Position = flagsNext;
            var (dimType, dimBytes, dimAt, dimNext) = sub.Tag();
            if (dimType != MiInt32) throw new InvalidDataException($"{source}: matrix at byte {at} lacks dimensions.");
            var dims = Enumerable.Range(0, dimBytes / 4).Select(i => (int)U32(dimAt + 4 * i)).ToArray();
            if (dims.Length == 0 || dims.Any(d => d < 0)) throw new InvalidDataException($"{source}: matrix at byte {at} has bad dimensions ({string.Join(", ", dims)}).");
            sub.Position = dimNext;
            var (_, nameBytes, nameAt, nameNext) = sub.Tag();
            string name = Encoding.ASCII.GetString(data, nameAt, nameBytes);
            sub.Position = nameNext;
            // Numeric classes: 6 double, 7 single, 8–15 integers. Others (cell 1, struct 2, char 4, sparse 5, …) are skipped.
            if (cls is < 6 or > 15 || (flags & ComplexFlag) != 0) return null;
            var (realType, realBytes, realAt, _) = sub.Tag();
            long n = dims.Aggregate(1L, (a, b) => Math.Min(long.MaxValue / 2 / Math.Max(b, 1), a) * b);
            var values = Numbers(realType, realBytes, realAt);
            if (values.Length != n) throw new InvalidDataException($"{source}: '{name}' has {values.Length} values for dimensions {string.Join("x", dims)}.");
            return new MatVariable(name, dims, values);
        }

        private double[] Numbers(int type, int bytes, int at)
        {
            int size = type switch
            {
                MiInt8 or MiUInt8 => 1, MiInt16 or MiUInt16 => 2, MiInt32 or MiUInt32 or MiSingle => 4, MiDouble or MiInt64 or MiUInt64 => 8,
                _ => throw new InvalidDataException($"{source}: unsupported numeric element type {type}."),
            };
            var span = data.AsSpan(at, bytes);
            var result = new double[bytes / size];
            for (int i = 0; i < result.Length; i++)
            {
                var b = span.Slice(i * size, size);
                result[i] = type switch
                {
                    MiInt8 => (sbyte)b[0],
                    MiUInt8 => b[0],
                    MiInt16 => little ? BinaryPrimitives.ReadInt16LittleEndian(b) : BinaryPrimitives.ReadInt16BigEndian(b),
                    MiUInt16 => little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b),
                    MiInt32 => little ? BinaryPrimitives.ReadInt32LittleEndian(b) : BinaryPrimitives.ReadInt32BigEndian(b),
                    MiUInt32 => little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b),
                    MiSingle => little ? BinaryPrimitives.ReadSingleLittleEndian(b) : BinaryPrimitives.ReadSingleBigEndian(b),
                    MiDouble => little ? BinaryPrimitives.ReadDoubleLittleEndian(b) : BinaryPrimitives.ReadDoubleBigEndian(b),
                    MiInt64 => little ? BinaryPrimitives.ReadInt64LittleEndian(b) : BinaryPrimitives.ReadInt64BigEndian(b),
                    _ => little ? BinaryPrimitives.ReadUInt64LittleEndian(b) : BinaryPrimitives.ReadUInt64BigEndian(b),
                };
            }
            return result;
        }
    }
}
