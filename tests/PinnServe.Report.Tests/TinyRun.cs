using PinnServe.Physics;
using PinnServe.Training;
using PinnServe.Training.Diagnostics;

namespace PinnServe.Report.Tests;

/// <summary>A Klein–Gordon run of a few seconds with every diagnostic switched on, shared by the tests of a class.</summary>
public sealed class TinyRun : IDisposable
{
    public TinyRun()
    {
        var problem = ProblemCatalog.Create("klein-gordon");
        Config = Recipes.For(problem, "M4").WithNetwork(it => it with { Layers = "2x10" }).WithAdam(it => it with { Iterations = 30 }).WithSampling(it => it with { Batch = 16 }).WithLogging(it => it with { EvaluationGrid = 12, LogEvery = 5, EvaluateEvery = 10, CheckpointEvery = 100, Diagnostics = new DiagnosticsConfig { HistogramSteps = [0, 29], HessianEvery = 15, HessianIterations = 6 } });
        Directory = System.IO.Directory.CreateTempSubdirectory("pinn-report-").FullName;
        using var run = TrainingRun.Create(Config, Directory);
        run.Run();
    }

    public TrainingRecipe Config { get; }
    public string Directory { get; }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
