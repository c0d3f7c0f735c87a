using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using PinnServe.Contracts;

namespace PinnServe.Reference.Files;

/// <summary>A dense float64 array with its shape (C order), as stored in a .npy file.</summary>
public sealed record NpyArray(double[] Data, int[] Shape);

/// <summary>
/// Reads and writes NumPy .npy files: format version 1.0 (2.0/3.0 headers are also read), little-endian
/// float64 ('&lt;f8') in C order. Layout: the magic "\x93NUMPY", two version bytes, a little-endian header length,
/// then an ASCII Python-dict header padded with spaces and a newline so the data starts on a 64-byte boundary.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int Alignment = 64;

    /// <summary>Writes <paramref name="data"/> with the given shape, atomically.</summary>
    public static void Write(string path, double[] data, params int[] shape) =>
        AtomicFile.Write(path, stream => Write(stream, data, shape));

    public static void Write(Stream stream, ReadOnlySpan<double> data, ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int length in shape)
        {
            if (length < 0) throw new ArgumentException("Shape lengths must be non-negative.", nameof(shape));
            count *= length;
        }
        if (count != data.Length)
            throw new ArgumentException($"Shape ({string.Join(", ", shape.ToArray())}) holds {count} values but {data.Length} were given.", nameof(shape));

        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape.ToArray())})";
        string dict = $"{{'descr': '<f8', 'fortran_order': False, 'shape': {shapeText}, }}";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1; // + the terminating newline
        int padding = (Alignment - unpadded % Alignment) % Alignment;
        string header = dict + new string(' ', padding) + "\n";

        Span<byte> prefix = stackalloc byte[10];
        Magic.CopyTo(prefix);
        prefix[6] = 1; prefix[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], checked((ushort)header.Length));
        stream.Write(prefix);
        stream.Write(Encoding.ASCII.GetBytes(header));
        WriteLittleEndian(stream, data);
    }

    public static NpyArray Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads a .npy stream; <paramref name="source"/> names it in error messages.</summary>
    /// <summary>Longest .npy header read (NumPy itself refuses headers over 10,000 bytes by default).</summary>
    public const int MaxHeaderBytes = 1 << 20;

    /// <remarks>
    /// Lengths in the header are checked against what the stream holds before anything is allocated, so a short
    /// file that claims a huge array is refused, not allocated. A stream that cannot seek is copied first (its real
    /// length bounds the copy).
    /// </remarks>
    public static NpyArray Read(Stream stream, string source)
    {
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        long Remaining() => stream.Length - stream.Position;
        Span<byte> prefix = stackalloc byte[8];
        if (!TryReadExactly(stream, prefix) || !prefix[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{source}: not a NumPy .npy file (wrong magic bytes).");
        byte major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> length = stackalloc byte[2];
            if (!TryReadExactly(stream, length)) throw new InvalidDataException($"{source}: truncated .npy header.");
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(length);
        }
        else if (major is 2 or 3)
        {
            Span<byte> length = stackalloc byte[4];
            if (!TryReadExactly(stream, length)) throw new InvalidDataException($"{source}: truncated .npy header.");
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(length));
        }
        else throw new InvalidDataException($"{source}: unsupported .npy format version {major}.{prefix[7]}.");

        if (headerLength > MaxHeaderBytes || headerLength > Remaining())
            throw new InvalidDataException($"{source}: the .npy header claims {headerLength} bytes; the file holds {Remaining()} after it (limit {MaxHeaderBytes}).");
        var headerBytes = new byte[headerLength];
        if (!TryReadExactly(stream, headerBytes)) throw new InvalidDataException($"{source}: truncated .npy header.");
        string header = Encoding.Latin1.GetString(headerBytes);

        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shapeMatch.Success)
            throw new InvalidDataException($"{source}: malformed .npy header '{header.Trim()}'.");
        string dtype = descr.Groups[1].Value;
        if (dtype != "<f8")
            throw new InvalidDataException($"{source}: dtype '{dtype}' is not supported; expected little-endian float64 '<f8' (numpy: array.astype('<f8')).");
        if (fortran.Groups[1].Value == "True")
            throw new InvalidDataException($"{source}: Fortran-ordered arrays are not supported; save a C-ordered array (numpy.ascontiguousarray).");
        int[] shape = shapeMatch.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, out int n) && n >= 0 ? n : throw new InvalidDataException($"{source}: bad shape entry '{s}'."))
            .ToArray();
        long count = 1;
        foreach (int length in shape)
            count = length == 0 || count == 0 ? 0 : count > long.MaxValue / 8 / length ? long.MaxValue / 8 : count * length;
        if (count > Array.MaxLength) throw new InvalidDataException($"{source}: shape ({string.Join(", ", shape)}) is too large for one array.");
        if (count * 8 > Remaining())
            throw new InvalidDataException($"{source}: data truncated; shape ({string.Join(", ", shape)}) needs {count * 8} bytes, the file holds {Remaining()}.");

        var data = new double[count];
        Span<byte> bytes = MemoryMarshal.AsBytes(data.AsSpan());
        if (!TryReadExactly(stream, bytes))
            throw new InvalidDataException($"{source}: data truncated; shape ({string.Join(", ", shape)}) needs {bytes.Length} bytes.");
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < data.Length; i++)
                data[i] = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReverseEndianness(BitConverter.DoubleToInt64Bits(data[i])));
        return new NpyArray(data, shape);
    }

    /// <summary>Most bytes an archive entry may expand to (a zip bomb is refused, not decompressed).</summary>
    public const long MaxEntryBytes = 1L << 31;

    /// <summary>Reads a .npy entry of a .npz archive: decompressed into memory, at most <see cref="MaxEntryBytes"/>.</summary>
    public static NpyArray Read(System.IO.Compression.ZipArchiveEntry entry, string source)
    {
        using var stream = entry.Open();
        var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        for (int read; (read = stream.Read(chunk)) > 0;)
        {
            if (buffer.Length + read > MaxEntryBytes)
                throw new InvalidDataException($"{source}: expands to more than {MaxEntryBytes} bytes (the limit).");
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        return Read(buffer, source);
    }

    private static void WriteLittleEndian(Stream stream, ReadOnlySpan<double> data)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(data));
            return;
        }
        Span<byte> eight = stackalloc byte[8];
        foreach (double value in data)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(eight, value);
            stream.Write(eight);
        }
    }

    private static bool TryReadExactly(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer[total..]);
            if (read == 0) return false;
            total += read;
        }
        return true;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
