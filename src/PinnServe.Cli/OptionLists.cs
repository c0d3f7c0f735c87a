namespace PinnServe.Cli;

/// <summary>Comma-separated option values (`--batches 1,10,100`, `--ort-threads 1,0`).</summary>
internal static class OptionLists
{
    /// <summary>Whole numbers in [min, max]; anything else, or an empty list, is a usage error naming the option.</summary>
    public static int[] ParseIntegers(string list, string option, int min, int max)
    {
        var values = new List<int>();
        foreach (var item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(item, out int value) || value < min || value > max)
                throw new UsageException($"{option}: '{item}' is not a whole number between {min} and {max}.");
            values.Add(value);
        }
        return values.Count > 0 ? values.ToArray() : throw new UsageException($"{option} is empty.");
    }
}
