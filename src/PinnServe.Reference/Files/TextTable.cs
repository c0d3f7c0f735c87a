using System.Globalization;
using System.Text.RegularExpressions;

namespace PinnServe.Reference.Files;

/// <summary>
/// Whitespace-separated text tables as finite-element tools export them. Lines starting with '%' or '#' are
/// comments; the last comment line before the data names the columns (COMSOL separates names by runs of spaces
/// and appends units, "T (K)"). Columns named "u @ t=0.5" are snapshots: the table is unrolled to one row per
/// (point, snapshot) with t as a column, so a 2D field at 11 times becomes (x, y, t, u) rows. A file without a
/// header names its columns c1, c2, ….
/// </summary>
public static partial class TextTable
{
    public static PointTable Read(string path)
    {
        string source = Path.GetFileName(path);
        string? header = null;
        var rows = new List<double[]>();
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            if (line[0] is '%' or '#')
            {
                if (rows.Count == 0) header = line[1..].Trim();
                continue;
            }
            var cells = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var row = new double[cells.Length];
            for (int c = 0; c < cells.Length; c++)
                if (!double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out row[c]))
                    throw new InvalidDataException($"{source}:{lineNumber}: '{cells[c]}' is not a number.");
            if (rows.Count > 0 && row.Length != rows[0].Length)
                throw new InvalidDataException($"{source}:{lineNumber}: {row.Length} columns, expected {rows[0].Length}.");
            rows.Add(row);
        }
        if (rows.Count == 0) throw new InvalidDataException($"{source}: no data rows.");
        int columns = rows[0].Length;
        var names = ColumnNames(header, columns, source);
        return Unroll(names, rows, source);
    }

    private static string[] ColumnNames(string? header, int columns, string source)
    {
        if (header is null) return Enumerable.Range(1, columns).Select(i => $"c{i}").ToArray();
        var wide = WideSeparator().Split(header).Where(s => s.Length > 0).ToArray();
        if (wide.Length == columns) return wide.Select(Clean).ToArray();
        var narrow = header.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (narrow.Length == columns) return narrow.Select(Clean).ToArray();
        throw new InvalidDataException($"{source}: the header '{Short(header)}' names {wide.Length} columns, the data has {columns}.");
    }

    /// <summary>"T (K) @ t=0.5" → "T @ t=0.5"; "x" stays.</summary>
    private static string Clean(string name) => Units().Replace(name, "").Trim();

    private static PointTable Unroll(string[] names, List<double[]> rows, string source)
    {
        var snapshots = names.Select(n => Snapshot().Match(n)).ToArray();
        if (!snapshots.Any(m => m.Success))
            return new PointTable(names, Enumerable.Range(0, names.Length).Select(c => rows.Select(r => r[c]).ToArray()).ToList());
        var baseColumns = Enumerable.Range(0, names.Length).Where(c => !snapshots[c].Success).ToArray();
        var axes = snapshots.Where(m => m.Success).Select(m => m.Groups[2].Value).Distinct().ToArray();
        if (axes.Length != 1) throw new InvalidDataException($"{source}: snapshot columns over several axes ({string.Join(", ", axes)}).");
        var fields = snapshots.Where(m => m.Success).Select(m => m.Groups[1].Value.Trim()).Distinct().ToArray();
        double Time(Match m) => double.TryParse(m.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double t) && double.IsFinite(t) ? t
            : throw new InvalidDataException($"{source}: snapshot column '{Short(m.Value)}': '{m.Groups[3].Value}' is not a number.");
        var times = snapshots.Where(m => m.Success).Select(Time).Distinct().ToArray();
        var at = new Dictionary<(string, double), int>();
        for (int c = 0; c < names.Length; c++)
            if (snapshots[c].Success)
                at[(snapshots[c].Groups[1].Value.Trim(), Time(snapshots[c]))] = c;
        var outNames = baseColumns.Select(c => names[c]).Append(axes[0]).Concat(fields).ToList();
        if (outNames.Distinct().Count() != outNames.Count) throw new InvalidDataException($"{source}: column names repeat after unrolling snapshots: {string.Join(", ", outNames)}.");
        var columns = outNames.Select(_ => new double[rows.Count * times.Length]).ToList();
        int r = 0;
        foreach (double time in times)
            foreach (var row in rows)
            {
                for (int b = 0; b < baseColumns.Length; b++) columns[b][r] = row[baseColumns[b]];
                columns[baseColumns.Length][r] = time;
                for (int f = 0; f < fields.Length; f++)
                    columns[baseColumns.Length + 1 + f][r] = at.TryGetValue((fields[f], time), out int c) ? row[c]
                        : throw new InvalidDataException($"{source}: no column for '{fields[f]}' at {axes[0]}={time}.");
                r++;
            }
        return new PointTable(outNames, columns);
    }

    private static string Short(string s) => s.Length <= 60 ? s : s[..57] + "...";

    [GeneratedRegex(@"\s{2,}|\t")]
    private static partial Regex WideSeparator();

    [GeneratedRegex(@"\s*\([^)]*\)")]
    private static partial Regex Units();

    [GeneratedRegex(@"^(.+?)\s*@\s*([A-Za-z]\w*)\s*=\s*([-+0-9.eE]+)$")]
    private static partial Regex Snapshot();
}
