using System.Text;

namespace PinnServe.Server.Internal;

/// <summary>
/// Percent-encoding of grpc-message: UTF-8 bytes, where every byte outside 0x20..0x7E, and '%' itself,
/// becomes "%XX" (uppercase hex). Decoding never fails: a broken escape is kept as it is.
/// </summary>
internal static class StatusMessageEncoding
{
    public static string Encode(string message)
    {
        if (!NeedsEncoding(message)) return message;
        var bytes = Encoding.UTF8.GetBytes(message);
        var encoded = new StringBuilder(bytes.Length * 3);
        foreach (byte b in bytes)
        {
            if (IsUnreserved(b)) encoded.Append((char)b);
            else encoded.Append('%').Append(Convert.ToHexString([b]));
        }
        return encoded.ToString();
    }

    public static string Decode(string value)
    {
        if (!value.Contains('%')) return value;
        var bytes = new List<byte>(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length
                && byte.TryParse(value.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool NeedsEncoding(string message)
    {
        foreach (char c in message)
            if (c > 0x7E || !IsUnreserved((byte)c)) return true;
        return false;
    }

    private static bool IsUnreserved(byte b) => b is >= 0x20 and <= 0x7E && b != (byte)'%';
}
