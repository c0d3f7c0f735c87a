using System.Text.Json;

namespace PinnServe.Training.Runs;

/// <summary>
/// Reading a run directory without changing it (what <c>pinn eval</c> and <c>pinn report</c> do), and the checks
/// every reader shares: config.json and the checkpoints are read with errors that name the file.
/// </summary>
public static class RunReader
{
    /// <summary>A trainer holding the run's newest intact checkpoint; nothing in the directory is written. Throws <see cref="RunDataException"/> for a run without one.</summary>
    public static ITrainer OpenCheckpoint(string dir, int threads = 1)
    {
        var (_, config) = ReadConfig(dir);
        var found = new CheckpointStore(dir).LoadNewest()
            ?? throw new RunDataException($"Run '{RunPaths.Display(dir)}' has no checkpoint yet: there is no trained network to evaluate (a training writes its first checkpoint when it starts).");
        var trainer = CreateTrainer(config, dir, threads);
        try { Apply(trainer, found.Checkpoint, found.Name); }
        catch
        {
            trainer.Dispose();
            throw;
        }
        return trainer;
    }

    /// <summary>config.json as recorded, and as used (relative problem-file paths resolved against the run directory).</summary>
    public static (TrainingRecipe Recorded, TrainingRecipe InRun) ReadConfig(string dir)
    {
        string path = Path.Combine(dir, TrainingRun.ConfigFile), name = RunPaths.Display(dir, TrainingRun.ConfigFile);
        if (!Directory.Exists(dir)) throw new RunDataException($"'{RunPaths.Display(dir)}' is not a directory.");
        if (!File.Exists(path)) throw new RunDataException($"'{RunPaths.Display(dir)}' is not a run directory (no {TrainingRun.ConfigFile}).");
        TrainingRecipe recorded;
        try
        {
            string text = File.ReadAllText(path);
            if (string.IsNullOrWhiteSpace(text)) throw new RunDataException($"{name} is empty.");
            recorded = TrainingRecipe.FromJson(text, name);
            recorded.Validate();
        }
        catch (RunDataException) { throw; }
        catch (JsonException e) { throw new RunDataException($"{name} is not a valid run configuration: {e.Message}"); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FormatException or NotSupportedException or InvalidOperationException or OverflowException)
        {
            throw new RunDataException($"{name}: {RunPaths.Sanitize(e.Message, dir)} (a value recorded in the run's configuration)");
        }
        return (recorded, recorded.InRunDirectory(dir));
    }

    /// <summary>The run's trainer; a recorded setting the trainer refuses (a damaged problem-file copy, malformed layers) names config.json.</summary>
    public static ITrainer CreateTrainer(TrainingRecipe config, string dir, int threads)
    {
        try { return TrainerFactory.Create(config, threads); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FormatException or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException or JsonException)
        {
            throw new RunDataException($"{RunPaths.Display(dir, TrainingRun.ConfigFile)}: {RunPaths.Sanitize(e.Message, dir)}");
        }
    }

    /// <summary>Loads a checkpoint into the trainer; one that does not fit the run's network is refused by name.</summary>
    public static void Apply(ITrainer trainer, Checkpoint checkpoint, string name)
    {
        try { trainer.LoadCheckpoint(checkpoint); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new RunDataException($"Checkpoint {name} does not fit the run: {e.Message}");
        }
    }

    /// <summary>Whether the run has recorded any training (metric rows, a network or a summary): then it must have a checkpoint to continue.</summary>
    public static bool HasProgress(string dir) => ProgressEvidence(dir) != "";

    public static string ProgressEvidence(string dir)
    {
        string metrics = Path.Combine(dir, TrainingRun.MetricsFile);
        if (File.Exists(metrics) && File.ReadLines(metrics).Skip(1).Any(l => l.Trim().Length > 0)) return $"rows in {TrainingRun.MetricsFile}";
        foreach (var file in new[] { TrainingRun.NetworkFileName, TrainingRun.SummaryFile })
            if (File.Exists(Path.Combine(dir, file))) return file;
        return "";
    }
}
