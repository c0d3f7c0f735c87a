using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PinnServe.Training.Runs;

/// <summary>
/// One writer per run directory: <c>run.lock</c>, created exclusively (O_EXCL), holding the writer's pid, host, start
/// time and a random token. A second writer is refused with the holder named. A lock whose process is gone (same host,
/// pid not running, or running but started at another time: a reused pid) is stale and taken over: it is first renamed
/// to a unique name and checked to be the very file judged stale, so two processes taking over at once cannot both win.
/// A lock from another host is never taken over automatically (its process cannot be checked from here).
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = "run.lock";

    // A lock file without readable content is being written by its creator right now, or was left by one killed
    // between creating and writing it: younger than this, it counts as held.
    private static readonly TimeSpan UnreadableGrace = TimeSpan.FromSeconds(30);

    private readonly string _path;
    private readonly string _token;
    private bool _released;

    private RunLock(string path, string token) => (_path, _token) = (path, token);

    /// <summary>Messages about stale locks taken over (the caller prints them as warnings).</summary>
    public static Action<string>? Warn { get; set; } = message => Console.Error.WriteLine($"warning: {message}");

    /// <summary>Takes the run directory's lock, or throws <see cref="RunLockedException"/> naming the live holder.</summary>
    public static RunLock Acquire(string dir)
    {
        string path = Path.Combine(dir, FileName);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            string token = Guid.NewGuid().ToString("N");
            if (TryCreate(path, token)) return new RunLock(path, token);
            string? text = TryRead(path);
            if (text is null) continue;  // released in between: try again
            var holder = Holder.Parse(text);
            string display = RunPaths.Display(dir);
            if (holder is null)
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < UnreadableGrace)
                    throw new RunLockedException($"Run '{display}' is being opened by another process (its {FileName} is being written); try again.");
            }
            else if (!holder.IsStale())
            {
                throw new RunLockedException($"Run '{display}' is in use by another training (pid {holder.Pid} on {holder.Host}, since {holder.Started}); " +
                    (holder.Host == Environment.MachineName ? "wait for it to finish or stop it." : $"if that process is gone, delete {RunPaths.Display(dir, FileName)}."));
            }
            if (TakeOver(path, text))
                Warn?.Invoke(holder is null
                    ? $"took over the unreadable lock of run '{display}' (left by a process killed while creating it)."
                    : $"took over the lock of run '{display}' left by pid {holder.Pid} on {holder.Host}, which is no longer running.");
        }
        throw new RunLockedException($"Run '{RunPaths.Display(dir)}': could not take its lock (other processes keep taking it); try again.");
    }

    private static bool TryCreate(string path, string token)
    {
        FileStream stream;
        try { stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read); }
        catch (IOException) when (File.Exists(path)) { return false; }
        using (stream)
        {
            var content = new JsonObject
            {
                ["pid"] = Environment.ProcessId,
                ["host"] = Environment.MachineName,
                ["started"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                ["process_start"] = ProcessStart(Environment.ProcessId),
                ["token"] = token,
            };
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(content.ToJsonString() + "\n");
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        return true;
    }

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (FileNotFoundException) { return null; }
        catch (IOException) { return ""; }
    }

    // Moves the stale lock aside under a unique name, then checks that what moved is what was judged stale: if another
    // process took the lock over in between, the fresh lock moved is put back and this attempt gives up the takeover.
    private static bool TakeOver(string path, string staleText)
    {
        string aside = $"{path}.stale-{Guid.NewGuid():N}";
        try { File.Move(path, aside, overwrite: false); }
        catch (FileNotFoundException) { return false; }
        catch (IOException) { return false; }
        if (TryRead(aside) == staleText)
        {
            File.Delete(aside);
            return true;
        }
        try { File.Move(aside, path, overwrite: false); }
        catch (IOException) { }  // a third process created a lock meanwhile: it holds the run
        throw new RunLockedException($"Run '{RunPaths.Display(Path.GetDirectoryName(path)!)}' was taken over by another process just now; try again.");
    }

    /// <summary>Deletes the lock if it is still this one's.</summary>
    public void Release()
    {
        if (_released) return;
        _released = true;
        string? text = TryRead(_path);
        if (text is not null && Holder.Parse(text)?.Token == _token)
        {
            try { File.Delete(_path); }
            catch (IOException) { }
        }
    }

    public void Dispose() => Release();

    /// <summary>The process's start time as the kernel records it (Linux: /proc/PID/stat field 22, in clock ticks since boot); null where unknown.</summary>
    internal static long? ProcessStart(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            try { using var p = Process.GetProcessById(pid); return p.StartTime.ToUniversalTime().Ticks; }
            catch (Exception e2) when (e2 is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { return null; }
        }
    }

    /// <summary>Whether the process exists and is not a zombie.</summary>
    internal static bool IsRunning(int pid)
    {
        if (Directory.Exists("/proc/self"))
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                char state = stat[stat.LastIndexOf(')') + 2];
                return state is not ('Z' or 'X' or 'x');
            }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return true; }
        }
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private sealed record Holder(int Pid, string Host, string Started, long? ProcessStartTicks, string Token)
    {
        public static Holder? Parse(string text)
        {
            try
            {
                if (JsonNode.Parse(text) is not JsonObject o) return null;
                return new Holder(o["pid"]!.GetValue<int>(), o["host"]!.GetValue<string>(), o["started"]?.GetValue<string>() ?? "?",
                    o["process_start"]?.GetValue<long>(), o["token"]!.GetValue<string>());
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException) { return null; }
        }

        public bool IsStale()
        {
            if (Host != Environment.MachineName) return false;
            if (!IsRunning(Pid)) return true;
            return ProcessStartTicks is { } recorded && ProcessStart(Pid) is { } now && recorded != now;
        }
    }
}
