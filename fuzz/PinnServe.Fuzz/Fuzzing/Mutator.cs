using System.Text;

namespace PinnServe.Fuzzing;

/// <summary>
/// Deterministic input mutations (a seeded <see cref="Random"/>): bit flips, interesting bytes, deletions,
/// duplications, dictionary tokens, long repeats (for depth and length limits), overwritten lengths,
/// truncation and splicing with another seed.
/// </summary>
public sealed class Mutator(int seed, IReadOnlyList<string> tokens)
{
    private readonly Random _random = new(seed);
    private static readonly byte[] Interesting = [0, 0xFF, 0x7F, 0x80, (byte)'[', (byte)'{', (byte)'(', (byte)'"', (byte)'\n', (byte)'&', (byte)'*', (byte)'-', (byte)'9'];

    public int Next(int max) => _random.Next(max);

    /// <summary>One to four stacked mutations of <paramref name="input"/>; <paramref name="others"/> are splice partners.</summary>
    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> others)
    {
        var data = new List<byte>(input);
        int rounds = 1 + _random.Next(4);
        for (int r = 0; r < rounds; r++) MutateOnce(data, others);
        return data.ToArray();
    }

    private void MutateOnce(List<byte> data, IReadOnlyList<byte[]> others)
    {
        int At(int extra = 0) => _random.Next(data.Count + extra);
        switch (_random.Next(data.Count == 0 ? 1 : 10))
        {
            case 0: // insert a token (the only move on empty input)
                var token = Encoding.UTF8.GetBytes(tokens[_random.Next(tokens.Count)]);
                data.InsertRange(At(1), token);
                break;
            case 1:
                int bit = At();
                data[bit] ^= (byte)(1 << _random.Next(8));
                break;
            case 2:
                data[At()] = Interesting[_random.Next(Interesting.Length)];
                break;
            case 3: // delete a range
                int from = At(), length = 1 + _random.Next(Math.Min(64, data.Count - from));
                data.RemoveRange(from, length);
                break;
            case 4: // duplicate a range elsewhere
                int start = At(), count = 1 + _random.Next(Math.Min(64, data.Count - start));
                data.InsertRange(At(1), data.GetRange(start, count));
                break;
            case 5: // repeat a short chunk many times: nesting and length limits
                int s = At(), n = 1 + _random.Next(Math.Min(6, data.Count - s));
                var chunk = data.GetRange(s, n);
                int times = _random.Next(4) == 0 ? 20_000 : 1 + _random.Next(300);
                var repeated = new List<byte>(chunk.Count * times);
                for (int i = 0; i < times; i++) repeated.AddRange(chunk);
                data.InsertRange(s, repeated);
                break;
            case 6: // overwrite 4 bytes with a 32-bit number (binary lengths, counts, dimensions)
                if (data.Count < 4) goto case 1;
                int p = _random.Next(data.Count - 3);
                int value = _random.Next(5) switch { 0 => int.MaxValue, 1 => -1, 2 => 0, 3 => 1 << _random.Next(31), _ => _random.Next() };
                var bytes = BitConverter.GetBytes(value);
                for (int i = 0; i < 4; i++) data[p + i] = bytes[i];
                break;
            case 7: // truncate
                int keep = At();
                data.RemoveRange(keep, data.Count - keep);
                break;
            case 8: // splice: a piece of another input
                if (others.Count == 0) goto case 0;
                var other = others[_random.Next(others.Count)];
                if (other.Length == 0) goto case 0;
                int os = _random.Next(other.Length), ol = 1 + _random.Next(Math.Min(256, other.Length - os));
                data.InsertRange(At(1), other.AsSpan(os, ol).ToArray());
                break;
            default:
                goto case 0;
        }
    }
}
