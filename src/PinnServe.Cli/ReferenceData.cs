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
        if (columns is not null)
        {
            try { names = ColumnMatch.FromSpec(columns, table.Columns, name, "--reference-columns"); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
        }
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
