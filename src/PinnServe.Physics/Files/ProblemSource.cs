namespace PinnServe.Physics.Files;

/// <summary>
/// A problem file's text and where relative paths in it (reference and observation files) are resolved from.
/// <see cref="Name"/> is what error messages show: the file name, never a local absolute path.
/// </summary>
public sealed record ProblemSource(string Text, string Name, string Extension, string Directory)
{
    public string Resolve(string relative) => Path.IsPathRooted(relative) ? relative : Path.GetFullPath(Path.Combine(Directory, relative));
}

/// <summary>Loads problem files: <c>ProblemFiles.Load("heat.toml")</c>, with parameter overrides as on the command line.</summary>
public static class ProblemFiles
{
    public static FileProblem Load(string path, IReadOnlyDictionary<string, double>? overrides = null, string? directory = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Problem file '{Path.GetFileName(path)}' does not exist.", path);
        var source = new ProblemSource(File.ReadAllText(path), Path.GetFileName(path), Path.GetExtension(path),
            directory ?? Path.GetDirectoryName(Path.GetFullPath(path))!);
        return Load(source, overrides);
    }

    public static FileProblem Load(ProblemSource source, IReadOnlyDictionary<string, double>? overrides = null)
    {
        var doc = ProblemDocument.Parse(source.Text, source.Name, source.Extension);
        doc.OnlyKeys("name", "title", "outputs", "evaluate", "inputs", "parameters", "functions", "derived", "exact", "reference",
            "geometry", "terms", "training", "magnitudes");
        var defaults = new Dictionary<string, double>(StringComparer.Ordinal);
        if (doc.Table("parameters") is { } parameters)
            foreach (var name in parameters.Values.Keys)
            {
                FileProblem.CheckName(name, parameters.Where(name), "parameter");
                defaults[name] = parameters.Number(name) ?? throw parameters.Where(name).Error($"parameter '{name}' needs a value");
            }
        return FileProblem.Create(source, doc, defaults, overrides);
    }

    /// <summary>Parses a text in the given format (tests, the C# API).</summary>
    public static FileProblem Parse(string text, string name = "problem.toml", IReadOnlyDictionary<string, double>? overrides = null, string? directory = null) =>
        Load(new ProblemSource(text, name, Path.GetExtension(name), directory ?? System.IO.Directory.GetCurrentDirectory()), overrides);
}
