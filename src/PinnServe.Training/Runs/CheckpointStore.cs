using System.Globalization;

namespace PinnServe.Training.Runs;

/// <summary>
/// A run's checkpoints: <c>checkpoint.json</c> is the newest; the previous ones stay as <c>checkpoint-STEP.json</c>
/// (<see cref="Keep"/> in all). Each is written atomically and carries a SHA-256 of its payload (<see cref="Checkpoint"/>).
/// Reading takes the newest one that is intact and falls back to the previous ones with a warning.
/// </summary>
public sealed class CheckpointStore(string dir)
{
    /// <summary>Checkpoints kept: the newest and the ones before it.</summary>
    public const int Keep = 3;
    private const string Newest = "checkpoint.json";
    private (int Step, string Text)? _newest;   // what checkpoint.json holds, once known

    /// <summary>Warnings (a damaged checkpoint skipped), printed by default to standard error.</summary>
    public static Action<string>? Warn { get; set; } = message => Console.Error.WriteLine($"warning: {message}");

    /// <summary>Whether any checkpoint file (intact or not) is present.</summary>
    public bool Any() => Candidates().Any();

    /// <summary>
    /// Writes <paramref name="checkpoint"/> as the newest; the one it replaces is first written as checkpoint-STEP.json
    /// (each write atomic, so checkpoint.json is never absent once written) and the oldest beyond <see cref="Keep"/> go.
    /// </summary>
    public void Save(Checkpoint checkpoint)
    {
        string newest = Path.Combine(dir, Newest);
        string text = checkpoint.ToFileText();
        if (_newest is null && File.Exists(newest))
        {
            try
            {
                string previous = File.ReadAllText(newest);
                _newest = (Checkpoint.Parse(previous, Newest).Step, previous);
            }
            catch (InvalidDataException) { }   // a damaged newest checkpoint is not worth keeping
        }
        if (_newest is { } kept && kept.Step != checkpoint.Step)
            Contracts.AtomicFile.WriteAllText(Path.Combine(dir, Older(kept.Step)), kept.Text);
        Contracts.AtomicFile.WriteAllText(newest, text);
        _newest = (checkpoint.Step, text);
        foreach (var (_, file) in OlderFiles().OrderByDescending(f => f.Step).Skip(Keep - 1))
        {
            try { File.Delete(file); }
            catch (IOException) { }
        }
    }

    /// <summary>
    /// The newest intact checkpoint and its file's display name, or null when the run has none at all. Damaged ones are
    /// skipped with a warning; when every one present is damaged, a <see cref="RunDataException"/> lists them.
    /// </summary>
    public (Checkpoint Checkpoint, string Name)? LoadNewest()
    {
        var problems = new List<string>();
        foreach (var file in Candidates())
        {
            string name = RunPaths.Display(dir, Path.GetFileName(file));
            try
            {
                var checkpoint = Checkpoint.Load(file, name);
                if (problems.Count > 0)
                    Warn?.Invoke($"{string.Join("; ", problems)}; using {name} (step {checkpoint.Step}) instead.");
                return (checkpoint, name);
            }
            catch (InvalidDataException e) { problems.Add(e.Message.TrimEnd('.')); }
            catch (IOException e) { problems.Add($"{name} cannot be read ({e.GetType().Name})"); }
        }
        if (problems.Count > 0) throw new RunDataException($"No intact checkpoint in run '{RunPaths.Display(dir)}': {string.Join("; ", problems)}.");
        return null;
    }

    // checkpoint.json first, then the older ones, newest first.
    private IEnumerable<string> Candidates()
    {
        string newest = Path.Combine(dir, Newest);
        if (File.Exists(newest)) yield return newest;
        foreach (var (_, file) in OlderFiles().OrderByDescending(f => f.Step)) yield return file;
    }

    private IEnumerable<(int Step, string File)> OlderFiles()
    {
        if (!Directory.Exists(dir)) yield break;
        foreach (var file in Directory.EnumerateFiles(dir, "checkpoint-*.json"))
        {
            string stem = Path.GetFileNameWithoutExtension(file)["checkpoint-".Length..];
            if (int.TryParse(stem, NumberStyles.None, CultureInfo.InvariantCulture, out int step)) yield return (step, file);
        }
    }

    private static string Older(int step) => $"checkpoint-{step.ToString("D8", CultureInfo.InvariantCulture)}.json";
}
