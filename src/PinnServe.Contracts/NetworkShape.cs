using System.Text.RegularExpressions;

namespace PinnServe.Contracts;

/// <summary>Depth × width of the hidden part of a network, as the papers write it ("5 layers × 50 neurons" = 5x50).</summary>
public sealed partial record NetworkShape(int HiddenLayers, int Width)
{
    public static NetworkShape Parse(string text)
    {
        var m = ShapePattern().Match(text.Trim());
        if (!m.Success)
            throw new FormatException($"Malformed layers '{text}': expected DEPTHxWIDTH such as 5x50.");
        if (!int.TryParse(m.Groups[1].Value, out int depth) || !int.TryParse(m.Groups[2].Value, out int width)
            || depth < 1 || depth > 64 || width < 1 || width > 4096)
            throw new FormatException($"Layers '{text}' out of range: depth 1..64, width 1..4096.");
        return new NetworkShape(depth, width);
    }

    public override string ToString() => $"{HiddenLayers}x{Width}";

    [GeneratedRegex(@"^(\d+)\s*[xX×]\s*(\d+)$")]
    private static partial Regex ShapePattern();
}
