using System.Globalization;
using System.Xml.Linq;
using PinnServe.Training;
using PinnServe.Training.Reporting;

namespace PinnServe.Report.Tests;

public class VtkImageTests(TinyRun run) : IClassFixture<TinyRun>
{
    [Fact]
    public void ImageDataHoldsTheEvaluatedFieldsOnTheGrid()
    {
        const int n = 7;
        var data = RunReportData.Load(run.Directory, gridPointsPerAxis: n);
        string path = Path.Combine(run.Directory, "fields.vti");
        VtkImageWriter.Write(data.Fields, path);

        var image = XDocument.Load(path).Root!;
        Assert.Equal("VTKFile", image.Name.LocalName);
        Assert.Equal("ImageData", (string?)image.Attribute("type"));
        var imageData = image.Element("ImageData")!;
        Assert.Equal($"0 {n - 1} 0 {n - 1} 0 0", (string?)imageData.Attribute("WholeExtent"));
        Assert.Equal($"0 {n - 1} 0 {n - 1} 0 0", (string?)imageData.Element("Piece")!.Attribute("Extent"));
        Assert.Equal("0 0 0", (string?)imageData.Attribute("Origin"));   // t and x start at 0
        var spacing = ((string)imageData.Attribute("Spacing")!).Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal([1.0 / (n - 1), 1.0 / (n - 1), 1], spacing);

        var arrays = imageData.Descendants("DataArray").ToDictionary(a => (string)a.Attribute("Name")!,
            a => a.Value.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray());
        Assert.Equal(["u", "u_exact", "u_abs_error"], arrays.Keys);
        Assert.All(arrays.Values, values => Assert.Equal(n * n, values.Length));

        // Independently: the checkpoint's network and the exact solution at point (i, j), t = axis 0 fastest.
        using var trainer = TrainerFactory.Create(run.Config);
        trainer.LoadCheckpoint(Path.Combine(run.Directory, TrainingRun.CheckpointFile));
        var points = new double[n * n * 2];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) (points[(j * n + i) * 2], points[(j * n + i) * 2 + 1]) = (i / (n - 1.0), j / (n - 1.0));
        var predicted = trainer.EvaluateFields(["u"], points)[0];
        for (int p = 0; p < n * n; p++)
        {
            double exact = trainer.Problem.Exact(points[(2 * p)..(2 * p + 2)])![0];
            Assert.Equal(predicted[p], arrays["u"][p], 1e-12);
            Assert.Equal(exact, arrays["u_exact"][p], 1e-12);
            Assert.Equal(Math.Abs(predicted[p] - exact), arrays["u_abs_error"][p], 1e-12);
        }
    }
}
