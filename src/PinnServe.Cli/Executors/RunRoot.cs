using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Contracts;
using PinnServe.Training;
using PinnServe.Training.Trials;

namespace PinnServe.Cli.Executors;

/// <summary>
/// The run root of a cluster sweep: the folder every node sees, holding the trial files, the trials' run directories
/// and a claim file (.pinn-run-root) that names the sweep it belongs to. Nothing here ever overwrites a trial file
/// or touches a run directory: a conflict is an error that names both sides.
/// </summary>
internal static class RunRoot
{
    /// <summary>The trial file format this PinnServe writes and reads (<see cref="TrialFile"/>); a newer version is refused.</summary>
    private const string TrialFormat = TrialFile.Format;
    private const int TrialVersion = TrialFile.CurrentVersion;

    public const string ClaimFile = ".pinn-run-root";
    private const string ClaimFormat = "pinnserve-run-root";
    private const int ClaimVersion = 1;
    private const string LockFile = ".pinn-submit.lock";

    /// <summary>
    /// Claims the run root for this sweep and holds its submission lock until disposed: a run root claimed by another
    /// sweep, one written by a newer PinnServe, or one another `pinn` is submitting to right now is an error.
    /// </summary>
    public static IDisposable Claim(ClusterPlan plan)
    {
        Directory.CreateDirectory(plan.RunRoot);
        FileStream gate;
        string lockPath = Path.Combine(plan.RunRoot, LockFile);
        try { gate = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException)
        {
            throw new ClusterException($"another `pinn` is submitting trials into {plan.RunRoot} right now (it holds {lockPath}); " +
                                       "wait until it has finished, then run the command again. Nothing was written.");
        }
        try
        {
            string claimPath = Path.Combine(plan.RunRoot, ClaimFile);
            if (File.Exists(claimPath))
            {
                var claim = ReadJson(claimPath, "the run root's claim file");
                int version = claim["version"]?.GetValue<int>() ?? 0;
                if (claim["format"]?.GetValue<string>() != ClaimFormat || version > ClaimVersion)
                    throw new ClusterException($"{plan.RunRoot} was set up by a newer PinnServe ({claimPath}: format '{claim["format"]}' version {version}; " +
                                               $"this one reads version {ClaimVersion}): run the sweep with that PinnServe, or give another --runs. Nothing was changed.");
                string? fingerprint = claim["fingerprint"]?.GetValue<string>();
                if (fingerprint != plan.Fingerprint)
                    throw new ClusterException($"{plan.RunRoot} belongs to another sweep: `{claim["command"]}`; this one is `{plan.Command}`. " +
                                               "Two sweeps may not share a run root (their trials and tables would mix): give this one another --id or --runs. " +
                                               "Nothing of the other sweep was touched.");
            }
            else
            {
                AtomicFile.WriteAllText(claimPath, new JsonObject
                {
                    ["format"] = ClaimFormat, ["version"] = ClaimVersion, ["id"] = plan.Id, ["fingerprint"] = plan.Fingerprint,
                    ["command"] = plan.Command, ["created"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            return gate;
        }
        catch
        {
            gate.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the trial file, or checks the one already there: the same content is fine (a rerun), a newer format
    /// version or other content is an error and the file stays as it is.
    /// </summary>
    public static void WriteTrial(ClusterPlan plan, PlannedTrial trial)
    {
        string path = plan.TrialFile(trial);
        if (File.Exists(path))
        {
            var existing = ReadTrial(path);
            if (!JsonNode.DeepEquals(existing, trial.Content))
                throw new ClusterException($"{path} already holds another trial (written by another sweep or another PinnServe: " +
                                           $"row '{trial.Row}' seed {trial.Seed} now differs from it); it was left as it is. " +
                                           "Give this sweep another --id or --runs.");
            return;
        }
        AtomicFile.WriteAllText(path, trial.Content.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Reads a trial file and checks that this PinnServe understands it (format and version).</summary>
    public static JsonObject ReadTrial(string path)
    {
        var trial = ReadJson(path, "trial file");
        string? format = trial["format"] is JsonValue f && f.TryGetValue(out string? s) ? s : null;
        if (format != TrialFormat)
            throw new ClusterException($"{path} is not a PinnServe trial file (format '{format}', expected '{TrialFormat}').");
        int version = trial["version"] is JsonValue v && v.TryGetValue(out int n) ? n : -1;
        if (version > TrialVersion)
            throw new ClusterException($"{path} was written by a newer PinnServe (trial file version {version}; this one reads version {TrialVersion}): " +
                                       "run the sweep with that PinnServe, or upgrade this one. The file was left as it is.");
        if (version < 1) throw new ClusterException($"{path}: trial file version '{trial["version"]}' is not a version number.");
        return trial;
    }

    /// <summary>The trial's state from its run directory alone: done (with its summary), interrupted (a checkpoint), or none.</summary>
    public static (string? State, string Detail) FromRunDirectory(ClusterPlan plan, PlannedTrial trial)
    {
        string dir = plan.RunDirectory(trial);
        string summary = Path.Combine(dir, TrainingRun.SummaryFile);
        if (File.Exists(summary))
        {
            try
            {
                var s = JsonNode.Parse(File.ReadAllText(summary))!.AsObject();
                string status = s["status"]?.GetValue<string>() ?? "?";
                if (status == "completed")
                    return ("done", s["rel_l2"] is JsonValue e ? $"rel_l2 {e.GetValue<double>():E3}" : "completed");
                if (status == "diverged") return ("failed", $"diverged: {s["message"]}");
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { return ("failed", $"{summary} is unreadable: {e.Message}"); }
        }
        if (File.Exists(Path.Combine(dir, TrainingRun.CheckpointFile))) return ("interrupted", "checkpoint in its run directory");
        return (null, "");
    }

    private static JsonObject ReadJson(string path, string what)
    {
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not a JSON object"); }
        catch (JsonException e) { throw new ClusterException($"{path}: the {what} is not valid JSON ({e.Message}); it was left as it is."); }
    }
}

/// <summary>A cluster operation that failed for a reason outside the arguments (a refused submission, a conflict in the
/// run root): a clear message and exit code 1, no stack trace.</summary>
internal sealed class ClusterException(string message) : IOException(message);
