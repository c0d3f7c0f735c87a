namespace PinnServe.Server.Internal;

/// <summary>Parses the grpc-timeout header: at most 8 ASCII digits followed by one unit (H M S m u n).</summary>
internal static class GrpcTimeout
{
    private const int MaxDigits = 8;

    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length < 2 || value.Length > MaxDigits + 1) return false;
        long amount = 0;
        foreach (char c in value[..^1])
        {
            if (c is < '0' or > '9') return false;
            amount = amount * 10 + (c - '0');
        }
        // 99,999,999 hours is ~1.3e18 ticks: below TimeSpan.MaxValue (9.2e18), so no unit overflows.
        long? ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * TimeSpan.TicksPerMicrosecond,
            'n' => amount / 100, // a tick is 100 ns
            _ => null,
        };
        if (ticks is null) return false;
        timeout = TimeSpan.FromTicks(ticks.Value);
        return true;
    }
}
