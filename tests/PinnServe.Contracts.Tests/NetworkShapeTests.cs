namespace PinnServe.Contracts.Tests;

public class NetworkShapeTests
{
    [Theory]
    [InlineData("5x50", 5, 50)]
    [InlineData(" 3 × 128 ", 3, 128)]
    [InlineData("1X1", 1, 1)]
    public void PapersNotationParsesAndPrintsBack(string text, int depth, int width)
    {
        var shape = NetworkShape.Parse(text);
        Assert.Equal(new NetworkShape(depth, width), shape);
        Assert.Equal($"{depth}x{width}", shape.ToString());
    }

    [Theory]
    [InlineData("5", "expected DEPTHxWIDTH")]
    [InlineData("0x50", "depth 1..64")]
    [InlineData("4x5000", "width 1..4096")]
    [InlineData("99999999999x2", "out of range")]
    public void MalformedOrOutOfRangeShapesAreRefused(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => NetworkShape.Parse(text)).Message);
}
