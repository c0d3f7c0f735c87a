using Microsoft.Extensions.Logging;

namespace PinnServe.Server.Models;

/// <summary>One model file found in the repository, with the version it serves as.</summary>
/// <param name="Name">Model name: the flat file's name without .onnx, or the model directory's name.</param>
/// <param name="Version">The version directory's number; 1 for a flat file.</param>
/// <param name="Path">Full path of the .onnx file; its sidecars (STEM.metrics.json, STEM.DATASET.csv) sit beside it.</param>
/// <param name="PolicyText">Contents of the model directory's version_policy file, if it has one.</param>
/// <param name="ConfigText">Contents of the model directory's Triton config.pbtxt, if it has one.</param>
internal sealed record ModelSource(string Name, long Version, string Path, bool Versioned, string? PolicyText, string? ConfigText = null);

/// <summary>
/// Reads the two layouts of a model directory: flat <c>NAME.onnx</c> files (the original layout), and Triton-style
/// <c>NAME/VERSION/model.onnx</c> trees. A name present in both is served from its versioned directory.
/// </summary>
internal static class ModelSources
{
    public const string VersionedFileName = "model.onnx";

    public static List<ModelSource> Find(string directory, ILogger logger)
    {
        var sources = new List<ModelSource>();
        var root = new DirectoryInfo(directory);
        foreach (var folder in root.EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            if (!ModelRegistry.IsValidModelName(folder.Name)) continue;
            string? policy = ReadText(folder, VersionPolicy.FileName);
            string? config = ReadText(folder, TritonModelConfig.FileName);
            foreach (var versionFolder in folder.EnumerateDirectories())
            {
                if (!VersionPolicy.TryParseVersion(versionFolder.Name, out long version)) continue;
                string file = Path.Combine(versionFolder.FullName, VersionedFileName);
                if (File.Exists(file)) sources.Add(new ModelSource(folder.Name, version, file, true, policy, config));
            }
        }
        var versioned = sources.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var file in root.EnumerateFiles("*" + ModelRegistry.ModelExtension).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            string name = file.Name[..^ModelRegistry.ModelExtension.Length];
            if (!ModelRegistry.IsValidModelName(name))
            {
                Log.InvalidModelName(logger, file.Name, name);
                continue;
            }
            if (versioned.Contains(name))
            {
                Log.FlatFileShadowed(logger, file.Name, name);
                continue;
            }
            sources.Add(new ModelSource(name, 1, file.FullName, false, null));
        }
        return sources;
    }

    private static string? ReadText(DirectoryInfo folder, string fileName)
    {
        string path = Path.Combine(folder.FullName, fileName);
        try { return File.Exists(path) ? File.ReadAllText(path) : null; }
        catch (IOException e) { return $"unreadable ({e.Message})"; }
    }
}
