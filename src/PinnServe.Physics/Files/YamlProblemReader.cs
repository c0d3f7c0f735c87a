using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace PinnServe.Physics.Files;

/// <summary>
/// YAML problem files read into the same <see cref="DocTable"/> form as TOML, so the schema is one; every value
/// keeps its line and column. Untagged plain scalars follow the YAML 1.2 core schema (null, true/false, numbers);
/// quoted scalars are always strings. The file is read from YamlDotNet's event parser, not its node model, so that
/// hostile input is bounded: nesting deeper than <see cref="ProblemDocument.MaxNesting"/>, an alias of an anchor
/// that is not complete yet (<c>a: &amp;x [*x]</c>, which would be a cycle) and aliases that expand to more than
/// <see cref="MaxExpandedNodes"/> nodes ("billion laughs") are refused with their place.
/// </summary>
internal static partial class YamlProblemReader
{
    /// <summary>Most nodes the document may hold with every alias expanded; a problem file has a few hundred.</summary>
    public const int MaxExpandedNodes = 100_000;

    public static DocTable Parse(string text, string source)
    {
        var scanner = new Scanner(new StringReader(text));
        var parser = new Parser(scanner);
        var documents = new List<Node>();
        try
        {
            var reader = new EventReader(parser, source);
            documents = reader.ReadStream();
        }
        catch (InvalidOperationException e)
        {
            // Some malformed inputs (e.g. an unclosed flow list before a block key) stop YamlDotNet's parser with an
            // invalid-state error and no place: report where the scanner stopped.
            throw new ProblemFileException(source, (int)scanner.CurrentPosition.Line, (int)scanner.CurrentPosition.Column,
                $"YAML syntax: the file cannot be parsed here ({e.Message.TrimEnd('.')}; an unclosed '[', '{{' or quote?)");
        }
        catch (YamlException e)
        {
            // The innermost error has the exact place (an outer one may name the enclosing mapping); its message
            // repeats the place as "(Line: 3, Col: 5, Idx: …) - (…): ", so keep the text after it.
            var inner = e;
            while (inner.InnerException is YamlException deeper) inner = deeper;
            string message = inner.Message;
            int cut = message.LastIndexOf("): ", StringComparison.Ordinal);
            if (cut >= 0) message = message[(cut + 3)..];
            message = message.Trim();
            // A scanner error ("While scanning a mapping, found invalid tab …") carries where the construct began;
            // the fault is where the scanner stopped. Other errors (a duplicate key) carry their own place.
            var stop = scanner.CurrentPosition;
            if (inner is SyntaxErrorException && stop.Line > inner.Start.Line)
                throw new ProblemFileException(source, (int)stop.Line, (int)stop.Column,
                    $"YAML syntax: {message.TrimEnd('.')} (in what began at line {inner.Start.Line}, column {inner.Start.Column})");
            throw new ProblemFileException(source, (int)inner.Start.Line, (int)inner.Start.Column, $"YAML syntax: {message}");
        }
        if (documents.Count == 0) throw new ProblemFileException(source, 0, 0, "empty file");
        if (documents.Count > 1)
            throw Where(documents[1], source).Error("a problem file holds one YAML document (found a second '---')");
        if (documents[0] is not MapNode root)
            throw Where(documents[0], source).Error("the top level must be a mapping of keys (name:, outputs:, …)");
        return Table(root, "", new Source(source, text.Split('\n')));
    }

    // ---- the document as nodes (an alias is the anchored node itself, shared) ----

    private abstract record Node(Mark Start, int Size);
    private sealed record ScalarNode(Mark Start, string Value, string Tag, ScalarStyle Style) : Node(Start, 1);
    private sealed record SeqNode(Mark Start, List<Node> Items, int Size) : Node(Start, Size);
    private sealed record MapNode(Mark Start, List<(Node Key, Node Value)> Pairs, int Size) : Node(Start, Size);

    private sealed class EventReader(IParser parser, string source)
    {
        private readonly Dictionary<string, Node> _anchors = new(StringComparer.Ordinal);
        private readonly HashSet<string> _open = new(StringComparer.Ordinal);
        private long _expanded;

        public List<Node> ReadStream()
        {
            var documents = new List<Node>();
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out _))
            {
                documents.Add(ReadNode(1));
                parser.Consume<DocumentEnd>();
                _anchors.Clear();
            }
            parser.Consume<StreamEnd>();
            return documents;
        }

        private ProblemFileException Error(Mark at, string message) => new(source, (int)at.Line, (int)at.Column, message);

        private Node ReadNode(int depth)
        {
            var start = parser.Current?.Start ?? Mark.Empty;
            if (depth > ProblemDocument.MaxNesting)
                throw Error(start, $"YAML nesting deeper than {ProblemDocument.MaxNesting} levels (the limit; a problem file needs 4)");
            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                string name = alias.Value.Value;
                if (_open.Contains(name)) throw Error(alias.Start, $"alias '*{name}' refers to its own anchor '&{name}', which is not complete here (a cycle)");
                if (!_anchors.TryGetValue(name, out var target)) throw Error(alias.Start, $"alias '*{name}' names no anchor defined before it");
                Count(target.Size, alias.Start);
                return target;
            }
            Node node;
            string? anchor = null;
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                node = new ScalarNode(scalar.Start, scalar.Value, scalar.Tag.IsEmpty ? "" : scalar.Tag.Value, scalar.Style);
                anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
                Count(1, scalar.Start);
            }
            else if (parser.TryConsume<SequenceStart>(out var sequence))
            {
                anchor = Open(sequence.Anchor);
                Count(1, sequence.Start);
                var items = new List<Node>();
                int size = 1;
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    var item = ReadNode(depth + 1);
                    items.Add(item);
                    size = Add(size, item.Size);
                }
                node = new SeqNode(sequence.Start, items, size);
            }
            else if (parser.TryConsume<MappingStart>(out var mapping))
            {
                anchor = Open(mapping.Anchor);
                Count(1, mapping.Start);
                var pairs = new List<(Node, Node)>();
                int size = 1;
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var key = ReadNode(depth + 1);
                    var value = ReadNode(depth + 1);
                    pairs.Add((key, value));
                    size = Add(Add(size, key.Size), value.Size);
                }
                node = new MapNode(mapping.Start, pairs, size);
            }
            else throw Error(start, $"unexpected YAML content ({parser.Current?.GetType().Name ?? "end of file"})");
            if (anchor is not null)
            {
                _open.Remove(anchor);
                _anchors[anchor] = node;
            }
            return node;
        }

        private string? Open(AnchorName anchor)
        {
            if (anchor.IsEmpty) return null;
            _open.Add(anchor.Value);
            return anchor.Value;
        }

        private static int Add(int a, int b) => (int)Math.Min(int.MaxValue, (long)a + b);

        /// <summary>Counts nodes as the document reads with every alias expanded; refuses "billion laughs".</summary>
        private void Count(long nodes, Mark at)
        {
            _expanded += nodes;
            if (_expanded > MaxExpandedNodes)
                throw Error(at, $"the YAML document expands to more than {MaxExpandedNodes:N0} nodes with its aliases (the limit)");
        }
    }

    // ---- nodes to tables ----

    /// <summary>The file's name (for messages) and lines (to place block scalars' content).</summary>
    private sealed record Source(string Name, string[] Lines);

    private static SourceLocation Where(Node node, string source) => new(source, (int)node.Start.Line, (int)node.Start.Column);

    /// <summary>The first character of a node's value: inside the quotes of a quoted string (as TOML's locations are),
    /// on the first content line of a block scalar (`expr: |` then the expression indented below).</summary>
    private static SourceLocation Where(Node node, Source source)
    {
        int line = (int)node.Start.Line, column = (int)node.Start.Column;
        if (node is ScalarNode { Style: ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted }) column++;
        if (node is ScalarNode { Style: ScalarStyle.Literal or ScalarStyle.Folded })
            for (int next = line; next < source.Lines.Length; next++)   // Lines is 0-based: index `line` is the next line
                if (source.Lines[next].Trim().Length > 0)
                    return new SourceLocation(source.Name, next + 1, source.Lines[next].Length - source.Lines[next].TrimStart().Length + 1);
        return new SourceLocation(source.Name, line, column);
    }

    private static DocTable Table(MapNode mapping, string path, Source source)
    {
        var doc = new DocTable(path, Where(mapping, source));
        foreach (var (keyNode, valueNode) in mapping.Pairs)
        {
            if (keyNode is not ScalarNode { Value: { Length: > 0 } key })
                throw Where(keyNode, source).Error($"keys must be plain names{(path.Length > 0 ? $" (in '{path}')" : "")}");
            if (doc.Values.ContainsKey(key)) throw Where(keyNode, source).Error($"duplicate key '{doc.Name(key)}'");
            string childPath = path.Length == 0 ? key : $"{path}.{key}";
            doc.Locations[key] = Where(valueNode, source);
            if (valueNode is SeqNode sequence)
                doc.ElementLocations[key] = sequence.Items.Select(item => Where(item, source)).ToList();
            doc.Values[key] = Value(valueNode, childPath, source);
        }
        return doc;
    }

    private static object? Value(Node node, string path, Source source) => node switch
    {
        MapNode mapping => Table(mapping, path, source),
        SeqNode sequence => sequence.Items.Select((item, i) => Value(item, $"{path}[{i}]", source)).ToList(),
        ScalarNode scalar => Scalar(scalar),
        _ => throw Where(node, source).Error($"'{path}': unsupported YAML node"),
    };

    private static object? Scalar(ScalarNode scalar)
    {
        string text = scalar.Value;
        string tag = scalar.Tag;
        if (tag is "tag:yaml.org,2002:str" || scalar.Style is not ScalarStyle.Plain && tag.Length == 0) return text;
        if (text is "" or "~" or "null" or "Null" or "NULL") return null;
        if (text is "true" or "True" or "TRUE") return true;
        if (text is "false" or "False" or "FALSE") return false;
        if (Number().IsMatch(text)) return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (text is ".inf" or "+.inf" or ".Inf" or "+.Inf" or ".INF" or "+.INF") return double.PositiveInfinity;
        if (text is "-.inf" or "-.Inf" or "-.INF") return double.NegativeInfinity;
        if (text is ".nan" or ".NaN" or ".NAN") return double.NaN;
        return text;
    }

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Number();
}
