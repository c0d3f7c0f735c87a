namespace PinnServe.Reference.Files;

/// <summary>Two or more columns match a name when case is ignored; the user must pick one.</summary>
public sealed class AmbiguousColumnException(string message) : ArgumentException(message);

/// <summary>
/// Which of a table's columns stands for which input or field: a column named exactly, else the one column whose
/// name differs only in case (COMSOL writes X, Y for inputs x, y). The one matching rule of data terms,
/// `[reference]` tables and `--reference` files.
/// </summary>
public static class ColumnMatch
{
    /// <summary>The column named <paramref name="name"/> exactly, else the only one matching it ignoring case; −1 if none.</summary>
    /// <exception cref="AmbiguousColumnException">Several columns match ignoring case and none exactly.</exception>
    public static int Find(IReadOnlyList<string> columns, string name, string file)
    {
        for (int i = 0; i < columns.Count; i++) if (columns[i] == name) return i;
        var matches = Enumerable.Range(0, columns.Count).Where(i => string.Equals(columns[i], name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count > 1)
            throw new AmbiguousColumnException(
                $"'{file}': columns {string.Join(" and ", matches.Select(i => $"'{columns[i]}'"))} both match '{name}' ignoring case; name one with columns = {{ {name} = \"…\" }}");
        return matches.Count == 1 ? matches[0] : -1;
    }

    /// <summary>
    /// The name each column stands for: its own, or the known name (an input or field) it matches ignoring case when
    /// no column carries that name exactly.
    /// </summary>
    public static string[] Auto(IReadOnlyList<string> columns, IReadOnlyList<string> known, string file)
    {
        var names = columns.ToArray();
        foreach (var name in known)
        {
            if (names.Contains(name)) continue;
            int index = Find(columns, name, file);
            if (index >= 0 && !known.Contains(names[index])) names[index] = name;
        }
        return names;
    }

    /// <summary>"X → x, U → u": the columns taken for a name that differs only in case (shown so the match is never silent).</summary>
    public static string Renames(IReadOnlyList<string> columns, IReadOnlyList<string> names) =>
        string.Join(", ", Enumerable.Range(0, columns.Count).Where(i => columns[i] != names[i]).Select(i => $"{columns[i]} → {names[i]}"));

    /// <summary>A hint for a missing column: the columns there are, and a near miss by case if there is one.</summary>
    public static string Missing(IReadOnlyList<string> columns, string name, string file) =>
        $"'{file}' has no column '{name}' (columns: {string.Join(", ", columns)}; in the problem file, map one with columns = {{ {name} = \"…\" }} or name them all by position with columns = [...])";

    /// <summary>
    /// The names a command line gives a table's columns (<paramref name="option"/>: --reference-columns, …): all by
    /// position ("x,y,u", a table without a header) or some by name ("x=X,t=T"); the others keep their own names.
    /// </summary>
    /// <exception cref="ArgumentException">The spec is malformed, miscounts the columns or names a column the table lacks.</exception>
    public static string[] FromSpec(string spec, IReadOnlyList<string> columns, string file, string option)
    {
        var items = spec.Split(',', StringSplitOptions.TrimEntries);
        if (items.Any(i => i.Length == 0)) throw new ArgumentException($"{option} '{spec}' has an empty name.");
        if (!items.Any(i => i.Contains('=')))
        {
            if (items.Length != columns.Count)
                throw new ArgumentException($"{option} names {items.Length} columns; '{file}' has {columns.Count} ({string.Join(", ", columns)}).");
            if (items.Distinct().Count() != items.Length) throw new ArgumentException($"{option} '{spec}' names a column twice.");
            return items;
        }
        var names = columns.ToArray();
        foreach (var item in items)
        {
            var parts = item.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new ArgumentException($"{option}: '{item}' is not name=column (give all names by position, or name=column pairs).");
            int index;
            try { index = Find(columns, parts[1], file); }
            catch (AmbiguousColumnException e) { throw new ArgumentException($"{option}: {e.Message}"); }
            if (index < 0) throw new ArgumentException($"{option}: '{file}' has no column '{parts[1]}' (columns: {string.Join(", ", columns)}).");
            names[index] = parts[0];
        }
        return names;
    }
}
