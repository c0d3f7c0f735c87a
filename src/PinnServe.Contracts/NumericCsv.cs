using System.Globalization;
using System.Text;

namespace PinnServe.Contracts;

/// <summary>Whether the first line of a numeric CSV names the columns.</summary>
public enum CsvHeader
{
    /// <summary>The first line is a header (names), whatever it holds.</summary>
    Required,
    /// <summary>A first line whose cells all read as numbers is data, and the table has no names.</summary>
    Optional,
}

/// <summary>A table of numbers read by <see cref="NumericCsv"/>: row-major values, columns optionally named.</summary>
public sealed class NumericTable(IReadOnlyList<string>? columns, int columnCount, double[] values, int[] lineNumbers)
{
    /// <summary>The header's names, or null when the file had none (<see cref="CsvHeader.Optional"/>).</summary>
    public IReadOnlyList<string>? Columns { get; } = columns;
    public int ColumnCount { get; } = columnCount;
    public int RowCount => lineNumbers.Length;
    /// <summary>Row-major [row × column].</summary>
    public double[] Values { get; } = values;
    public double this[int row, int column] => Values[row * ColumnCount + column];
    /// <summary>The 1-based line of the file a row came from, for error messages.</summary>
    public int LineNumber(int row) => lineNumbers[row];
    /// <summary>Index of a named column, or -1.</summary>
    public int IndexOf(string name) => Columns is null ? -1 : Columns.ToList().IndexOf(name);
    public double[] Column(int column) => Enumerable.Range(0, RowCount).Select(r => this[r, column]).ToArray();
}

/// <summary>
/// The one CSV reader of PinnServe, for tables of numbers (reference data, points, metrics). The format:
/// <list type="bullet">
/// <item>UTF-8 (a BOM is allowed), LF or CRLF line ends; blank lines and lines starting with <c>#</c> (after
/// optional spaces) are comments, anywhere in the file.</item>
/// <item>Cells are separated by commas and trimmed of spaces and tabs. A cell may be quoted (RFC 4180):
/// <c>"a, b"</c> is one cell and <c>""</c> inside quotes is one quote. Quoted line breaks are not allowed.</item>
/// <item>The first non-comment line is the header (see <see cref="CsvHeader"/>): non-empty, distinct names.</item>
/// <item>Every row has as many cells as the first line. Cells are numbers in the invariant culture
/// (<c>1e-3</c>, <c>-0.5</c>; <c>NaN</c> and <c>Infinity</c> read as such: callers decide whether to allow them).</item>
/// </list>
/// Errors are <see cref="InvalidDataException"/>s that start with "SOURCE:LINE:" (SOURCE as the caller names it).
/// </summary>
public static class NumericCsv
{
    public static NumericTable Read(string path, CsvHeader header = CsvHeader.Required, string? sourceName = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{sourceName ?? path}' does not exist.", path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Read(reader, sourceName ?? path, header);
    }

    public static NumericTable Read(TextReader reader, string sourceName, CsvHeader header = CsvHeader.Required)
    {
        List<string>? names = null;
        int width = -1;
        var values = new List<double>();
        var lines = new List<int>();
        int lineNumber = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#') continue;
            var cells = SplitCells(line, sourceName, lineNumber);
            if (width < 0)
            {
                width = cells.Count;
                bool numeric = cells.All(c => TryParse(c, out _));
                if (header == CsvHeader.Required || !numeric)
                {
                    names = CheckNames(cells, sourceName, lineNumber);
                    continue;
                }
            }
            if (cells.Count != width)
                throw new InvalidDataException($"{sourceName}:{lineNumber}: {cells.Count} cells, but the {(names is null ? "first row" : "header")} has {width}.");
            for (int c = 0; c < cells.Count; c++)
            {
                if (!TryParse(cells[c], out double value))
                    throw new InvalidDataException($"{sourceName}:{lineNumber}: '{Shorten(cells[c])}'{(names is null ? "" : $" in column '{names[c]}'")} is not a number.");
                values.Add(value);
            }
            lines.Add(lineNumber);
        }
        if (width < 0) throw new InvalidDataException($"{sourceName}: the file is empty{(header == CsvHeader.Required ? ": expected a header line naming the columns" : "")}.");
        return new NumericTable(names, width, values.ToArray(), lines.ToArray());
    }

    private static bool TryParse(string cell, out double value) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    private static List<string> CheckNames(List<string> cells, string sourceName, int lineNumber)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in cells)
        {
            if (name.Length == 0) throw new InvalidDataException($"{sourceName}:{lineNumber}: the header has an empty column name.");
            if (!seen.Add(name)) throw new InvalidDataException($"{sourceName}:{lineNumber}: the header names column '{Shorten(name)}' twice.");
        }
        return cells;
    }

    /// <summary>Splits one line into trimmed cells, honouring double quotes.</summary>
    private static List<string> SplitCells(string line, string sourceName, int lineNumber)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        int i = 0;
        while (true)
        {
            while (i < line.Length && line[i] is ' ' or '\t') i++;
            cell.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) throw new InvalidDataException($"{sourceName}:{lineNumber}: a quoted cell is not closed.");
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    cell.Append(line[i++]);
                }
                while (i < line.Length && line[i] is ' ' or '\t') i++;
                if (i < line.Length && line[i] != ',')
                    throw new InvalidDataException($"{sourceName}:{lineNumber}: text after a closing quote.");
                cells.Add(cell.ToString());
            }
            else
            {
                int end = line.IndexOf(',', i);
                if (end < 0) end = line.Length;
                cells.Add(line[i..end].Trim());
                i = end;
            }
            if (i >= line.Length) return cells;
            i++; // the comma
        }
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
