using PinnServe.Contracts;
using PinnServe.Reference.Files;
using PinnServe.Training;

namespace PinnServe.Cli;

/// <summary>`pinn eval --reference FILE`: a run's fields at a data file's points against the file's values.</summary>
internal static class ReferenceData
{
    /// <param name="columns">--reference-columns: names of the file's columns by position ("x,y,u", for a table without
    /// a header), or a mapping of names to columns ("x=X,y=Y"); null: matched by <see cref="ColumnMatch"/>.</param>
    public static (string[] Fields, double[] RelativeL2) RelativeL2(ITrainer trainer, string file, string? columns = null)
    {
        PointTable table;
        try { table = PointTables.Read(file); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        var problem = trainer.Problem;
        var axes = problem.Domain.Names;
        // Columns are matched as in problem files (ColumnMatch): exactly, else ignoring case (COMSOL's X for x).
        string name = Path.GetFileName(file);
        string[] names;
        if (columns is not null) names = Given(columns, table.Columns, name);
        else
        {
            try { names = ColumnMatch.Auto(table.Columns, [.. axes, .. problem.Outputs, .. problem.DerivedFields.Select(f => f.Name)], name); }
            catch (AmbiguousColumnException e) { throw new UsageException($"--reference {e.Message.Replace("name one with columns = { ", "name one with --reference-columns ").Replace(" = \"…\" }", "=…")}"); }
        }
        table = new PointTable(names, table.Columns.Select(table.Column).ToList());
        foreach (var axis in axes)
            if (!table.Columns.Contains(axis))
                throw new UsageException($"--reference '{name}' has no column '{axis}' (columns: {string.Join(", ", table.Columns)}; name them with --reference-columns, all by position or name=column).");
        // Every other column that names a field of the run (outputs, derived fields, derivatives such as u_x).
        var fields = table.Columns.Where(c => !axes.Contains(c) && Resolves(c, trainer)).ToArray();
        if (fields.Length == 0)
            throw new UsageException($"--reference '{Path.GetFileName(file)}': no column names a field of {problem.Name} " +
                                     $"(columns: {string.Join(", ", table.Columns)}; fields: {string.Join(", ", problem.Outputs.Concat(problem.DerivedFields.Select(f => f.Name)))}).");
        var points = new double[table.Rows * axes.Length];
        for (int r = 0; r < table.Rows; r++)
            for (int a = 0; a < axes.Length; a++) points[r * axes.Length + a] = table.Column(axes[a])[r];
        var predicted = trainer.EvaluateFields(fields, points);
        var rel = fields.Select((f, i) =>
        {
            var exact = table.Column(f);
            double num = 0, den = 0;
            for (int p = 0; p < exact.Length; p++) { double e = predicted[i][p] - exact[p]; num += e * e; den += exact[p] * exact[p]; }
            return Math.Sqrt(num / den);
        }).ToArray();
        return (fields, rel);
    }

    /// <summary>The names --reference-columns gives the file's columns: all by position, or some by name (name=column).</summary>
    private static string[] Given(string spec, IReadOnlyList<string> columns, string file)
    {
        var items = spec.Split(',', StringSplitOptions.TrimEntries);
        if (items.Any(i => i.Length == 0)) throw new UsageException($"--reference-columns '{spec}' has an empty name.");
        bool mapping = items.Any(i => i.Contains('='));
        if (!mapping)
        {
            if (items.Length != columns.Count)
                throw new UsageException($"--reference-columns names {items.Length} columns; '{file}' has {columns.Count} ({string.Join(", ", columns)}).");
            if (items.Distinct().Count() != items.Length) throw new UsageException($"--reference-columns '{spec}' names a column twice.");
            return items;
        }
        var names = columns.ToArray();
        foreach (var item in items)
        {
            var parts = item.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new UsageException($"--reference-columns: '{item}' is not name=column (give all names by position, or name=column pairs).");
            int index;
            try { index = ColumnMatch.Find(columns, parts[1], file); }
            catch (AmbiguousColumnException e) { throw new UsageException($"--reference-columns: {e.Message}"); }
            if (index < 0) throw new UsageException($"--reference-columns: '{file}' has no column '{parts[1]}' (columns: {string.Join(", ", columns)}).");
            names[index] = parts[0];
        }
        return names;
    }

    private static bool Resolves(string name, ITrainer trainer)
    {
        try
        {
            FieldDefinition.Resolve(name, trainer.Problem.Domain.Names, trainer.Problem.Outputs, trainer.Problem.DerivedFields);
            return true;
        }
        catch (ArgumentException) { return false; }
    }
}
