namespace PinnServe.Training.Runs;

/// <summary>
/// A run directory that cannot be used as it is: a damaged or missing config.json or checkpoint, a run that lost its
/// checkpoints, nothing to evaluate. The message names the file relative to the working directory (or by the run's
/// own folder name), never an absolute path or a temporary file. `pinn train --resume`, `eval` and `report` report it as bad input (exit 2).
/// </summary>
public sealed class RunDataException(string message) : IOException(message);

/// <summary>The run directory is held by another live training (its lock file names it). The CLI exits 1.</summary>
public sealed class RunLockedException(string message) : IOException(message);

/// <summary>Names of a run directory's files for messages.</summary>
public static class RunPaths
{
    /// <summary>
    /// The directory as a user can read it in a message: relative to the working directory when it lies below it,
    /// else its own folder name (an absolute path of this machine is never shown).
    /// </summary>
    public static string Display(string dir)
    {
        string full = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        if (relative == ".") return ".";
        if (!Path.IsPathRooted(relative) && relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return relative;
        return Path.GetFileName(full);
    }

    /// <summary>A file of the run, for messages: <c>runs/heat/config.json</c>.</summary>
    public static string Display(string dir, string file) => Display(dir) == "." ? file : $"{Display(dir)}/{file}";

    /// <summary>A message with the run directory's absolute path (as some readers write it) replaced by its display name.</summary>
    public static string Sanitize(string message, string dir)
    {
        string full = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        return message.Replace(full + Path.DirectorySeparatorChar, Display(dir) == "." ? "" : Display(dir) + "/").Replace(full, Display(dir));
    }

    /// <summary>
    /// Deletes what interrupted atomic writes leave behind (<c>*.tmp-*</c>) and lock files moved aside by a takeover.
    /// Only the run's writer calls this, holding the lock.
    /// </summary>
    public static void CleanLeftovers(string dir)
    {
        foreach (var pattern in new[] { "*.tmp-*", RunLock.FileName + ".stale-*" })
            foreach (var file in Directory.EnumerateFiles(dir, pattern))
            {
                try { File.Delete(file); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
    }
}
