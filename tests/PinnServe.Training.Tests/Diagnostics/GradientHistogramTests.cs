using PinnServe.Physics;
using PinnServe.Training.Diagnostics;

namespace PinnServe.Training.Tests.Diagnostics;

public class GradientHistogramTests
{
    [Fact]
    public void RunRecordsHistogramsAndHessianRowsAtTheChosenSteps()
    {
        var problem = ProblemCatalog.Create("klein-gordon");
        var config = Recipes.For(problem, "M2").WithNetwork(it => it with { Layers = "2x8" }).WithAdam(it => it with { Iterations = 12 }).WithSampling(it => it with { Batch = 16 }).WithLogging(it => it with { EvaluationGrid = 10, LogEvery = 4, EvaluateEvery = 6, CheckpointEvery = 100, Diagnostics = new DiagnosticsConfig { HistogramSteps = [0, 11], HistogramEvery = 5, HessianEvery = 5, HessianIterations = 6 } });
        string dir = Directory.CreateTempSubdirectory("pinn-diag-").FullName;
        using (var run = TrainingRun.Create(config, dir)) run.Run();

        var file = GradientHistogramFile.Load(Path.Combine(dir, GradientHistogramFile.FileName));
        Assert.Equal([0, 5, 10, 11], file.Snapshots.Select(s => s.Step));
        var layer = file.Snapshots[0].Layers[0];
        Assert.Equal(["residual", "ic", "bc"], layer.Unweighted.Select(t => t.Term));
        foreach (var term in layer.Unweighted.Concat(layer.Weighted))
        {
            Assert.Equal(config.Logging.Diagnostics.HistogramBins, term.Counts.Length);
            Assert.Equal(2 * 8, term.Counts.Sum());   // first weight matrix: 2 inputs × 8 units
        }
        // Weighted = λ · unweighted, so the statistics scale by λ.
        for (int t = 0; t < 3; t++)
            Assert.Equal(layer.Unweighted[t].MaxAbs * layer.Weighted[t].Lambda, layer.Weighted[t].MaxAbs, 1e-9 * (1 + layer.Weighted[t].MaxAbs));

        var hessian = File.ReadAllLines(Path.Combine(dir, TrainingDiagnostics.HessianFile));
        Assert.Equal("step,L,L_r,L_ic,L_bc,products,seconds", hessian[0]);
        Assert.Equal(["0", "5", "10", "12"], hessian.Skip(1).Select(l => l.Split(',')[0]));
        Assert.All(hessian.Skip(1), l => Assert.True(double.Parse(l.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture) > 0));
        Assert.True(File.Exists(Path.Combine(dir, TrainingDiagnostics.TimingFile)));
    }

    [Fact]
    public void ResumedRunRecordsTheSameDiagnosticsAsAnUninterruptedOne()
    {
        var problem = ProblemCatalog.Create("klein-gordon");
        var config = Recipes.For(problem, "M2").WithNetwork(it => it with { Layers = "2x8" }).WithAdam(it => it with { Iterations = 12 }).WithSampling(it => it with { Batch = 16 }).WithLogging(it => it with { EvaluationGrid = 10, LogEvery = 4, EvaluateEvery = 6, CheckpointEvery = 3, Diagnostics = new DiagnosticsConfig { HistogramEvery = 2, HessianEvery = 4, HessianIterations = 6 } });
        string straight = Directory.CreateTempSubdirectory("pinn-diag-").FullName, split = Directory.CreateTempSubdirectory("pinn-diag-").FullName;
        using (var run = TrainingRun.Create(config, straight)) run.Run();
        using (var run = TrainingRun.Create(config, split))
        {
            using var cancel = new CancellationTokenSource();
            run.Run(new Progress(step => { if (step >= 7) cancel.Cancel(); }), cancel.Token, progressEvery: 1);
        }
        using (var resumed = TrainingRun.Resume(split)) resumed.Run();

        // Every column but the wall-clock seconds.
        static string[] Rows(string dir) => File.ReadAllLines(Path.Combine(dir, TrainingDiagnostics.HessianFile)).Select(l => l[..l.LastIndexOf(',')]).ToArray();
        Assert.Equal(Rows(straight), Rows(split));
        Assert.Equal(File.ReadAllText(Path.Combine(straight, GradientHistogramFile.FileName)), File.ReadAllText(Path.Combine(split, GradientHistogramFile.FileName)));
    }

    private sealed class Progress(Action<int> onStep) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => onStep(value.Step);
    }

    [Fact]
    public void BadDiagnosticOptionsNameTheValue()
    {
        var error = Assert.Throws<ArgumentException>(() => new DiagnosticsConfig { HessianEvery = -3 }.Validate());
        Assert.Contains("-3", error.Message);
        error = Assert.Throws<ArgumentException>(() => new DiagnosticsConfig { HistogramSteps = [10, -1] }.Validate());
        Assert.Contains("-1", error.Message);
    }
}
