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
}
