using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;
using Tomlyn.Syntax;
using Tomlyn.Serialization;

namespace PinnServe.Physics.Files;

/// <summary>
/// A problem file read into plain tables (string keys → string, double, bool, list, table), each value with
/// where it sits in the file, so that schema and expression errors can name a line and column. TOML (Tomlyn),
/// YAML (YamlDotNet, <see cref="YamlProblemReader"/>) and JSON (System.Text.Json's reader) share this form and
/// hence one schema.
/// </summary>
public sealed class DocTable
{
    public DocTable(string path, SourceLocation location) => (Path, Location) = (path, location);

    /// <summary>Dotted path of this table in the document, e.g. "terms[2]".</summary>
    public string Path { get; }
    public SourceLocation Location { get; }
    public Dictionary<string, object?> Values { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, SourceLocation> Locations { get; } = new(StringComparer.Ordinal);
    /// <summary>Locations of the elements of list values.</summary>
    public Dictionary<string, List<SourceLocation>> ElementLocations { get; } = new(StringComparer.Ordinal);

    public SourceLocation Where(string key) => Locations.TryGetValue(key, out var l) ? l : Location;
    public SourceLocation Where(string key, int element) =>
        ElementLocations.TryGetValue(key, out var list) && element < list.Count ? list[element] : Where(key);

    public bool Has(string key) => Values.ContainsKey(key);

    /// <summary>The value at <paramref name="key"/> as JSON, the form recipe settings are bound from (problem files'
    /// [training], experiment tables); a non-finite number or an unexpected kind is an error at the value's position.</summary>
    public JsonNode? ValueAsJson(string key) => ToJson(this, key, Values[key]);

    private static JsonNode? ToJson(DocTable table, string key, object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        double d when double.IsFinite(d) => JsonValue.Create(d),
        double d => throw table.Where(key).Error($"'{table.Name(key)}' must be a finite number, got {DocTable.Text(d)}"),
        List<object?> list => new JsonArray(list.Select(item => ToJson(table, key, item)).ToArray()),
        DocTable sub => new JsonObject(sub.Values.Select(kv => KeyValuePair.Create(kv.Key, ToJson(sub, kv.Key, kv.Value)))),
        _ => throw table.Where(key).Error($"'{table.Name(key)}' has a value of an unexpected kind"),
    };

    public string Name(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public string? String(string key) => Values.TryGetValue(key, out var v) ? v switch
    {
        null => null,
        string s => s,
        _ => throw Where(key).Error($"'{Name(key)}' must be a string"),
    } : null;

    public string RequireString(string key) => String(key) ?? throw Location.Error($"'{Name(key)}' is required");

    /// <summary>A number; NaN and ±∞ (TOML's nan/inf, YAML's .nan/.inf, 1e400) are refused: no file value needs them.</summary>
    public double? Number(string key) => Values.TryGetValue(key, out var v) ? v switch
    {
        null => null,
        double d when double.IsFinite(d) => d,
        double d => throw Where(key).Error($"'{Name(key)}' must be a finite number, got {Text(d)}"),
        long l => l,
        _ => throw Where(key).Error($"'{Name(key)}' must be a number"),
    } : null;

    internal static string Text(double d) => double.IsNaN(d) ? "nan" : d > 0 ? "inf" : "-inf";

    public int? Integer(string key)
    {
        if (Number(key) is not { } d) return null;
        if (d != Math.Round(d) || d < int.MinValue || d > int.MaxValue) throw Where(key).Error($"'{Name(key)}' must be a whole number, got {d}");
        return (int)d;
    }

    public bool? Bool(string key) => Values.TryGetValue(key, out var v) ? v switch
    {
        null => null,
        bool b => b,
        _ => throw Where(key).Error($"'{Name(key)}' must be true or false"),
    } : null;

    public DocTable? Table(string key) => Values.TryGetValue(key, out var v) ? v switch
    {
        null => null,
        DocTable t => t,
        _ => throw Where(key).Error($"'{Name(key)}' must be a table"),
    } : null;

    /// <summary>A string or a list of strings, each with its location.</summary>
    public List<(string Text, SourceLocation Where)> Strings(string key)
    {
        if (!Values.TryGetValue(key, out var v) || v is null) return [];
        if (v is string s) return [(s, Where(key))];
        if (v is List<object?> list)
            return list.Select((item, i) => item is string text ? (text, Where(key, i)) : throw Where(key, i).Error($"'{Name(key)}[{i}]' must be a string")).ToList();
        throw Where(key).Error($"'{Name(key)}' must be a string or a list of strings");
    }

    public List<DocTable> Tables(string key)
    {
        if (!Values.TryGetValue(key, out var v) || v is null) return [];
        if (v is List<object?> list)
            return list.Select((item, i) => item as DocTable ?? throw Where(key, i).Error($"'{Name(key)}[{i}]' must be a table")).ToList();
        throw Where(key).Error($"'{Name(key)}' must be a list of tables ([[{key}]])");
    }

    /// <summary>Rejects keys outside <paramref name="allowed"/> (typos must not be silently ignored).</summary>
    public void OnlyKeys(params string[] allowed)
    {
        foreach (var key in Values.Keys)
            if (!allowed.Contains(key))
                throw Where(key).Error($"unknown key '{Name(key)}' (expected {string.Join(", ", allowed)})");
    }
}

public static class ProblemDocument
{
    public static readonly string[] Extensions = [".toml", ".yaml", ".yml", ".json"];

    /// <summary>Deepest nesting of tables and lists in a problem file, in every syntax (the schema needs 4).</summary>
    public const int MaxNesting = 32;

    public static bool IsProblemFile(string nameOrPath) =>
        Extensions.Contains(System.IO.Path.GetExtension(nameOrPath).ToLowerInvariant());

    public static DocTable Parse(string text, string source, string extension) => extension.ToLowerInvariant() switch
    {
        ".toml" => ParseToml(text, source),
        ".yaml" or ".yml" => YamlProblemReader.Parse(text, source),
        ".json" => ParseJson(text, source),
        _ => throw new ProblemFileException(source, 0, 0, $"unsupported problem file extension '{extension}' (use .toml, .yaml or .json)"),
    };

    // ---- TOML ----

    private static DocTable ParseToml(string text, string source)
    {
        var store = new TomlMetadataStore();
        TomlTable root;
        try
        {
#pragma warning disable IL2026, IL3050 // the untyped model (TomlTable) needs no generated serializer
            // TOML forbids defining a key twice; nesting is bounded so that no reader below recurses without limit.
            root = TomlSerializer.Deserialize<TomlTable>(text, new TomlSerializerOptions
                   {
                       MetadataStore = store, SourceName = source, DuplicateKeyHandling = TomlDuplicateKeyHandling.Error, MaxDepth = MaxNesting,
                   })
                   ?? throw new ProblemFileException(source, 0, 0, "empty file");
#pragma warning restore IL2026, IL3050
        }
        catch (TomlException e)
        {
            // Tomlyn's message repeats the place as "(line,col) : error : …"; keep the text after it.
            string message = e.Message;
            int cut = message.IndexOf(": error :", StringComparison.Ordinal);
            if (cut >= 0) message = message[(cut + 9)..].Trim();
            throw new ProblemFileException(source, e.Line ?? 0, e.Column ?? 0, $"TOML syntax: {message}");
        }
        // Tomlyn's model keeps the last of two definitions of a key; its validating syntax parser reports them (TOML forbids them).
        var syntax = SyntaxParser.Parse(text, new TomlSerializerOptions { MaxDepth = MaxNesting }, source, validate: true);
        if (syntax.Diagnostics.FirstOrDefault(d => d.Kind == DiagnosticMessageKind.Error) is { } problem)
            throw new ProblemFileException(source, problem.Span.Start.Line + 1, problem.Span.Start.Column + 1, $"TOML: {problem.Message}");
        var lines = text.Split('\n');
        return ConvertToml(root, "", new SourceLocation(source, 1, 1), store, lines, source);
    }

    private static DocTable ConvertToml(TomlTable table, string path, SourceLocation location, TomlMetadataStore store, string[] lines, string source)
    {
        var doc = new DocTable(path, location);
        store.TryGetProperties(table, out var metadata);
        foreach (var (key, value) in table)
        {
            SourceLocation where = location;
            if (metadata is not null && metadata.TryGetProperty(key, out var property) && property?.Span is { } span)
                where = ValueStart(lines, source, span.Start.Line, span.Start.Column);
            doc.Locations[key] = where;
            string childPath = path.Length == 0 ? key : $"{path}.{key}";
            doc.Values[key] = ConvertTomlValue(value, childPath, where, store, lines, source, doc, key);
        }
        return doc;
    }

    private static object? ConvertTomlValue(object? value, string path, SourceLocation where, TomlMetadataStore store, string[] lines, string source,
        DocTable parent, string key) => value switch
    {
        TomlTable t => ConvertToml(t, path, where, store, lines, source),
        TomlTableArray a => a.Select((t, i) => (object?)ConvertToml(t, $"{path}[{i}]", TableLocation(t, store, lines, source, where), store, lines, source)).ToList(),
        TomlArray a => ConvertArray(a, path, where, store, lines, source, parent, key),
        long l => (double)l,
        double or bool or string => value,
        null => null,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static List<object?> ConvertArray(TomlArray array, string path, SourceLocation where, TomlMetadataStore store, string[] lines, string source,
        DocTable parent, string key)
    {
        var elements = StringElementStarts(lines, source, where, array.Count);
        parent.ElementLocations[key] = elements;
        return array.Select((item, i) => ConvertTomlValue(item, $"{path}[{i}]", i < elements.Count ? elements[i] : where, store, lines, source, parent, key)).ToList();
    }

    private static SourceLocation TableLocation(TomlTable table, TomlMetadataStore store, string[] lines, string source, SourceLocation fallback)
    {
        if (!store.TryGetProperties(table, out var metadata) || metadata is null) return fallback;
        foreach (var key in table.Keys)
            if (metadata.TryGetProperty(key, out var p) && p?.Span is { } span)
                return new SourceLocation(source, span.Start.Line + 1, 1);
        return fallback;
    }

    /// <summary>The first character of the value after "key =" (inside the quotes for a string), 1-based.</summary>
    private static SourceLocation ValueStart(string[] lines, string source, int line, int column)
    {
        if (line < 0 || line >= lines.Length) return new SourceLocation(source, line + 1, column + 1);
        string text = lines[line];
        int eq = text.IndexOf('=', Math.Min(column, text.Length));
        if (eq < 0) return new SourceLocation(source, line + 1, column + 1);
        int c = eq + 1;
        while (c < text.Length && text[c] is ' ' or '\t') c++;
        if (c < text.Length && text[c] is '"' or '\'')
            c += c + 2 < text.Length && text[c + 1] == text[c] && text[c + 2] == text[c] ? 3 : 1;
        return new SourceLocation(source, line + 1, c + 1);
    }

    /// <summary>Starts of the string literals of an array value (possibly over several lines), for element errors.</summary>
    private static List<SourceLocation> StringElementStarts(string[] lines, string source, SourceLocation start, int count)
    {
        var result = new List<SourceLocation>();
        int line = start.Line - 1, col = start.Column - 1, depth = 0;
        bool started = false;
        while (line >= 0 && line < lines.Length && result.Count < count)
        {
            string text = lines[line];
            for (; col < text.Length && result.Count < count; col++)
            {
                char c = text[col];
                if (c == '#') break;
                if (c == '[') { depth++; started = true; }
                else if (c == ']') { depth--; if (started && depth <= 0) return result; }
                else if (c is '"' or '\'')
                {
                    result.Add(new SourceLocation(source, line + 1, col + 2));
                    int close = col + 1;
                    while (close < text.Length && !(text[close] == c && text[close - 1] != '\\')) close++;
                    col = close;
                }
            }
            line++;
            col = 0;
        }
        return result;
    }

    // ---- JSON ----

    private static DocTable ParseJson(string text, string source)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ProblemFileException(source, 0, 0, "empty file");
        var bytes = Encoding.UTF8.GetBytes(text);
        var places = new JsonPlaces(bytes, source);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = MaxNesting });
        try
        {
            if (!reader.Read()) throw new ProblemFileException(source, 0, 0, "no JSON value in the file");
            if (reader.TokenType != JsonTokenType.StartObject) throw places.At(reader.TokenStartIndex).Error("the top level must be an object");
            var root = ReadJsonObject(ref reader, "", places);
            if (reader.Read()) throw places.At(reader.TokenStartIndex).Error("unexpected content after the top-level object");
            return root;
        }
        catch (JsonException e)
        {
            throw new ProblemFileException(source, (int)(e.LineNumber ?? -1) + 1, (int)(e.BytePositionInLine ?? 0) + 1, $"JSON syntax: {e.Message.Split(" LineNumber:")[0].Split(" Path:")[0]}");
        }
    }

    // The reader stands on '{'; it is left on the matching '}'.
    private static DocTable ReadJsonObject(ref Utf8JsonReader reader, string path, JsonPlaces places)
    {
        var doc = new DocTable(path, places.At(reader.TokenStartIndex));
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            var keyPlace = places.At(reader.TokenStartIndex + 1);
            if (doc.Values.ContainsKey(key)) throw keyPlace.Error($"duplicate key '{doc.Name(key)}'");
            reader.Read();
            doc.Locations[key] = places.OfValue(ref reader);
            doc.Values[key] = ReadJsonValue(ref reader, path.Length == 0 ? key : $"{path}.{key}", places, doc, key);
        }
        return doc;
    }

    private static object? ReadJsonValue(ref Utf8JsonReader reader, string path, JsonPlaces places, DocTable? parent, string? key)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject: return ReadJsonObject(ref reader, path, places);
            case JsonTokenType.StartArray:
                var items = new List<object?>();
                var starts = new List<SourceLocation>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    starts.Add(places.OfValue(ref reader));
                    items.Add(ReadJsonValue(ref reader, $"{path}[{items.Count}]", places, null, null));
                }
                if (parent is not null) parent.ElementLocations[key!] = starts;
                return items;
            case JsonTokenType.String: return reader.GetString();
            case JsonTokenType.Number:
                if (!reader.TryGetDouble(out double number) || !double.IsFinite(number))
                    throw places.OfValue(ref reader).Error($"'{path}': {Encoding.UTF8.GetString(reader.ValueSpan)} is beyond the range of a float64 number (±1.8e308)");
                return number;
            case JsonTokenType.True: return true;
            case JsonTokenType.False: return false;
            default: return null;
        }
    }

    /// <summary>Byte offsets of a UTF-8 JSON text turned into 1-based lines and (character) columns.</summary>
    private sealed class JsonPlaces(byte[] text, string source)
    {
        private readonly List<int> _lineStarts = LineStarts(text);

        private static List<int> LineStarts(byte[] text)
        {
            var starts = new List<int> { 0 };
            for (int i = 0; i < text.Length; i++) if (text[i] == (byte)'\n') starts.Add(i + 1);
            return starts;
        }

        public SourceLocation At(long offset)
        {
            int index = _lineStarts.BinarySearch((int)offset);
            int line = index >= 0 ? index : ~index - 1;
            int column = Encoding.UTF8.GetCharCount(text, _lineStarts[line], (int)offset - _lineStarts[line]) + 1;
            return new SourceLocation(source, line + 1, column);
        }

        /// <summary>Where the value under the reader starts: inside the quotes for a string, as the other formats do.</summary>
        public SourceLocation OfValue(ref Utf8JsonReader reader) =>
            At(reader.TokenStartIndex + (reader.TokenType == JsonTokenType.String ? 1 : 0));
    }
}
