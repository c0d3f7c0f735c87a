namespace PinnServe.Cli.Executors;

/// <summary>
/// Whether a folder can be seen by every node of a cluster: the file system type of its mount (from
/// /proc/self/mountinfo) against the network and cluster file systems HPC sites use.
/// </summary>
internal static class SharedFileSystem
{
    // Network, parallel and cluster file systems; "fuse.*" (sshfs, s3fs, gcsfuse, …) counts as shared.
    private static readonly HashSet<string> Shared = new(StringComparer.Ordinal)
    {
        "nfs", "nfs4", "lustre", "gpfs", "beegfs", "cephfs", "ceph", "glusterfs", "cifs", "smb3", "smbfs", "panfs", "wekafs",
        "pvfs2", "orangefs", "ocfs2", "gfs2", "afs", "9p", "virtiofs", "vboxsf", "quobyte", "scalityfs", "juicefs", "alluxio",
    };

    /// <summary>The file system type of the mount that holds <paramref name="path"/> (its longest mount-point prefix), or null when unknown.</summary>
    public static string? TypeOf(string path)
    {
        const string mountInfo = "/proc/self/mountinfo";
        if (!File.Exists(mountInfo)) return null;
        string full = Path.GetFullPath(path);
        string? best = null, type = null;
        foreach (string line in File.ReadLines(mountInfo))
        {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - FSTYPE SOURCE SUPEROPTIONS
            var fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || dash < 0 || dash + 1 >= fields.Length) continue;
            string mount = Unescape(fields[4]);
            bool contains = mount == "/" || full == mount || full.StartsWith(mount.TrimEnd('/') + "/", StringComparison.Ordinal);
            if (contains && (best is null || mount.Length >= best.Length)) { best = mount; type = fields[dash + 1]; }
        }
        return type;
    }

    public static bool IsShared(string type) => Shared.Contains(type) || type.StartsWith("fuse.", StringComparison.Ordinal);

    // mountinfo escapes space, tab, newline and backslash as \040 \011 \012 \134.
    private static string Unescape(string s) =>
        s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");

    /// <summary>
    /// An error when a cluster of more than one node would run trials under a run root on a local file system
    /// (a node other than this one would not see the trial files, and its results would be lost with it).
    /// </summary>
    public static void Check(string runRoot, int? nodes, bool assumeShared, string executor)
    {
        if (assumeShared || nodes is null or <= 1) return;
        string? type = TypeOf(runRoot);
        if (type is null || IsShared(type)) return;
        throw new UsageException($"--runs: the run root {runRoot} is on a local file system ({type}) and the {executor} cluster has {nodes} nodes: " +
                                 "the other nodes cannot see its trial files, and what they compute would not come back. " +
                                 "Put --runs on a file system every node mounts (NFS, Lustre, GPFS, BeeGFS, CephFS, …), " +
                                 "or pass --shared-run-root if it is one that is not recognised. Nothing was submitted.");
    }
}
