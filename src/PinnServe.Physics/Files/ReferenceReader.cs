using PinnServe.Reference;
using PinnServe.Reference.Files;

namespace PinnServe.Physics.Files;

/// <summary>
/// <c>[reference] file</c>: a grid from `pinn reference` stays a grid; any other table <see cref="PointTables"/> reads
/// (COMSOL .dat/.txt with snapshot columns, CSV without sidecar, .npy/.npz/.mat) is read as scattered points. Columns
/// are matched to the inputs and fields as in data terms (<see cref="DataReader.Names"/>): exactly, else ignoring case,
/// or as <c>columns = ["x", "y", "u"]</c> (by position) / <c>columns = { x = "X" }</c> (by name). Read when the
/// problem file is read, so `pinn problems --file` reports a missing or unreadable file with its position.
/// </summary>
internal static class ReferenceReader
{
    public static (ReferenceSolution? Grid, ReferencePoints? Points) Read(DocTable t, string file, FileProblem problem)
    {
        string path = problem.Source.Resolve(file);
        if (!File.Exists(path)) throw t.Where("file").Error($"reference file '{file}' does not exist");
        if (!PointTables.Extensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
            throw t.Where("file").Error($"reference file '{file}': use {string.Join(", ", PointTables.Extensions)}");
        var inputs = problem.Domain.Names;
        var fields = problem.EvaluatedFields.Concat(problem.Outputs).Concat(problem.DerivedFields.Select(f => f.Name)).Distinct().ToArray();
        try
        {
            if (!t.Has("columns") && ReferencePoints.TryGrid(path) is { } grid)
            {
                var axes = grid.Axes.Select(a => a.Name).ToArray();
                if (axes.Length != inputs.Length || !axes.Order().SequenceEqual(inputs.Order()))
                    throw t.Where("file").Error($"reference grid '{file}' has axes {string.Join(", ", axes)}, the problem's inputs are {string.Join(", ", inputs)}");
                var missing = problem.EvaluatedFields.Where(f => !grid.FieldNames.Contains(f)).ToArray();
                if (missing.Length > 0)
                    throw t.Where("file").Error($"reference grid '{file}' has no field {string.Join(", ", missing)} (fields: {string.Join(", ", grid.FieldNames)})");
                return (grid, null);
            }
            var table = PointTables.Read(path);
            var names = DataReader.Names(t, table, file, [.. inputs, .. fields]);
            return (null, ReferencePoints.FromTable(table, names, inputs, fields, file));
        }
        catch (Exception e) when (e is InvalidDataException or IOException || e is ArgumentException and not ProblemFileException)
        {
            throw t.Where("file").Error(e.Message.Replace(path, file));
        }
    }
}
