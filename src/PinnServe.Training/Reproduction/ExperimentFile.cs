using System.Text.Json.Nodes;
using PinnServe.Physics;
using PinnServe.Physics.Files;

namespace PinnServe.Training.Reproduction;

/// <summary>
/// A table as a data file (TOML; YAML and JSON read the same way): the table's id, title, source, metric and notes,
/// and its rows, each a label, the published value (and time), a problem (catalog name or problem file), a model
/// preset, problem parameters and settings by path over the problem's published setup:
/// <code>
/// id = "my-table"
/// title = "Poisson 2D, DN at two β"
/// problem = "poisson-2d"            # rows' default
/// [[rows]]
/// label = "DN β=0.9"
/// model = "DN"
/// settings = { "weighting.beta" = 0.9, "adam.iterations" = 2000 }
/// published = 1.41e-3
/// </code>
/// Mistakes are refused at their file:line:column, a setting by its path.
/// </summary>
public static class ExperimentFile
{
    public static Experiment Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Experiment file '{path}' does not exist.");
        return Parse(File.ReadAllText(path), Path.GetFileName(path), Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <param name="source">The file's name in messages.</param>
    /// <param name="directory">Where a row's relative problem file resolves (null: the working directory).</param>
    public static Experiment Parse(string text, string source, string? directory)
    {
        string extension = Path.GetExtension(source);
        var doc = ProblemDocument.Parse(text, source, ProblemDocument.Extensions.Contains(extension.ToLowerInvariant()) ? extension : ".toml");
        doc.OnlyKeys("id", "title", "source", "metric", "notes", "problem", "rows");
        string id = doc.RequireString("id");
        if (id.Length == 0 || Reproducer.Slug(id) != id.ToLowerInvariant() || id.Contains('.'))
            throw doc.Where("id").Error($"'id' must be letters, digits and dashes (it names the table's files), got '{id}'");
        string metric = doc.String("metric") ?? "rel_l2";
        try { TrialMetric.Parse(metric); }
        catch (ArgumentException e) { throw doc.Where("metric").Error(e.Message.TrimEnd('.')); }
        string? defaultProblem = doc.String("problem");
        var rowTables = doc.Tables("rows");
        if (rowTables.Count == 0) throw doc.Location.Error("a table needs at least one [[rows]] entry");
        var rows = new List<ExperimentRow>();
        var slugs = new Dictionary<string, string>();
        foreach (var t in rowTables)
        {
            var row = ReadRow(t, defaultProblem, directory);
            string slug = Reproducer.Slug(row.Label);
            if (slugs.TryGetValue(slug, out string? other))
                throw t.Where("label").Error($"row '{row.Label}' would share the run folder '{slug}' with row '{other}'; give labels that differ in letters or digits");
            slugs[slug] = row.Label;
            rows.Add(row);
        }
        return new Experiment(id, doc.RequireString("title"), doc.String("source") ?? "", rows, doc.String("notes") ?? "", metric);
    }

    private static ExperimentRow ReadRow(DocTable t, string? defaultProblem, string? directory)
    {
        t.OnlyKeys("label", "problem", "model", "parameters", "settings", "published", "published_seconds");
        string label = t.RequireString("label");
        if (label.Trim().Length == 0) throw t.Where("label").Error($"'{t.Name("label")}' must not be empty");
        string problem = t.String("problem") ?? defaultProblem ?? throw t.Location.Error($"row '{label}' names no problem (give 'problem' in the row or at the top of the file)");
        if (ProblemDocument.IsProblemFile(problem)) problem = Path.GetFullPath(problem, directory ?? Directory.GetCurrentDirectory());
        else if (!ProblemCatalog.Names.Contains(problem))
            throw t.Where(t.Has("problem") ? "problem" : "label").Error($"'{problem}' is neither a catalog problem ({string.Join(", ", ProblemCatalog.Names.Order(StringComparer.Ordinal))}) nor a problem file (.toml, .yaml, .json)");
        string? model = t.String("model");
        if (model is not null && !ModelPresets.Names.Contains(model))
            throw t.Where("model").Error($"'{t.Name("model")}' must be one of {string.Join(", ", ModelPresets.Names)}, got '{model}'");
        var parameters = new Dictionary<string, double>();
        if (t.Table("parameters") is { } p)
            foreach (var name in p.Values.Keys) parameters[name] = p.Number(name) ?? throw p.Where(name).Error($"'{p.Name(name)}' must be a number");
        var settings = new List<SettingValue>();
        if (t.Table("settings") is { } s) Flatten(s, "", settings);
        return new ExperimentRow(label, problem, new RecipeOverrides { Model = model, Parameters = parameters, Settings = settings },
            t.Number("published"), t.Number("published_seconds"))
        { Origin = Origin(t.Location) };
    }

    /// <summary>Settings as (path, value): a key may be a dotted path ("weighting.beta") or a nested table
    /// (weighting = { beta = 0.9 }); a map of names (weighting.weights) and an empty group ({}: switch it on) stay whole.</summary>
    private static void Flatten(DocTable table, string prefix, List<SettingValue> into)
    {
        foreach (var (key, value) in table.Values)
        {
            string path = prefix.Length == 0 ? key : $"{prefix}.{key}";
            var type = RecipeBinder.TypeAt(path);
            if (type is null)
                throw table.Where(key).Error($"'{path}' is not a setting (settings are paths such as adam.learning_rate, weighting.beta; see docs/options.md)");
            bool nameMap = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>);
            if (value is DocTable sub && sub.Values.Count > 0 && !nameMap) { Flatten(sub, path, into); continue; }
            if (into.Any(e => e.Path == path)) throw table.Where(key).Error($"setting '{path}' is given twice");
            into.Add(new SettingValue(path, table.ValueAsJson(key), Origin(table.Where(key))));
        }
    }

    private static string Origin(SourceLocation at) => at.Line > 0 ? $"{at.Source}:{at.Line}:{at.Column}" : at.Source;
}
