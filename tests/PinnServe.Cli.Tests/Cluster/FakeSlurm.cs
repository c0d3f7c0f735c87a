namespace PinnServe.Cli.Tests.Cluster;

/// <summary>
/// Stand-ins for Slurm's sbatch, squeue, sacct and sinfo on a PATH of their own, for the executor's unit of work
/// without a cluster: sbatch records its arguments and answers a job id (or refuses, as told), squeue prints what
/// the test writes into squeue.txt, sinfo lists as many nodes as nodes.txt says. The real cluster is SlurmClusterTests.
/// </summary>
internal sealed class FakeSlurm
{
    public string Folder { get; }
    public string Bin => Path.Combine(Folder, "bin");

    public FakeSlurm(bool withSbatch = true)
    {
        Folder = Directory.CreateTempSubdirectory("pinn-fake-slurm-").FullName;
        Directory.CreateDirectory(Bin);
        if (withSbatch)
            Tool("sbatch", """
                echo "$@" >> "$FAKE/sbatch.args"
                if [ -f "$FAKE/sbatch.refuse" ]; then
                  echo "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified" >&2
                  exit 1
                fi
                n=$(cat "$FAKE/next-job" 2>/dev/null || echo 1001)
                echo $((n + 1)) > "$FAKE/next-job"
                echo "$n"
                """);
        Tool("squeue", """[ -f "$FAKE/squeue.txt" ] && cat "$FAKE/squeue.txt"; exit 0""");
        Tool("sacct", """echo "Slurm accounting storage is disabled" >&2; exit 1""");
        Tool("sinfo", """for i in $(seq 1 "$(cat "$FAKE/nodes.txt" 2>/dev/null || echo 1)"); do echo "node$i"; done""");
    }

    private void Tool(string name, string body)
    {
        string path = Path.Combine(Bin, name);
        File.WriteAllText(path, $"#!/bin/bash\nexport PATH=/usr/bin:/bin\nFAKE='{Folder}'\n{body}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }

    /// <summary>The environment of a `pinn` that finds only these tools.</summary>
    public Dictionary<string, string> Environment => new() { ["PATH"] = Bin };

    /// <summary>Each sbatch call's arguments, one call per element.</summary>
    public string[] SbatchCalls => File.Exists(Path.Combine(Folder, "sbatch.args")) ? File.ReadAllLines(Path.Combine(Folder, "sbatch.args")) : [];

    public void Refuse() => File.WriteAllText(Path.Combine(Folder, "sbatch.refuse"), "");
    public void Queue(params string[] lines) => File.WriteAllLines(Path.Combine(Folder, "squeue.txt"), lines);
    public void Nodes(int count) => File.WriteAllText(Path.Combine(Folder, "nodes.txt"), count.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
