namespace PinnServe.Physics.Files;

/// <summary>A problem file that cannot be used, with the place in it: <c>heat.toml:12:18: unknown name 'alph' …</c>.</summary>
public sealed class ProblemFileException(string source, int line, int column, string message)
    : ArgumentException(line > 0 ? $"{source}:{line}:{column}: {message}" : $"{source}: {message}")
{
    public string FileName => source;
    /// <summary>1-based line, or 0 when the place is not known.</summary>
    public int Line => line;
    /// <summary>1-based column.</summary>
    public int Column => column;
    public string Detail => message;
}

/// <summary>Where a value sits in a problem file: its source name and the 1-based line and column of its first character.</summary>
public readonly record struct SourceLocation(string Source, int Line, int Column)
{
    /// <summary>The location <paramref name="offset"/> characters further along the same line (inside a one-line string).</summary>
    public SourceLocation Advance(int offset) => Line > 0 ? this with { Column = Column + offset } : this;

    public ProblemFileException Error(string message) => new(Source, Line, Column, message);
}
