using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PinnServe.Physics.Files;

/// <summary>
/// YAML problem files (YamlDotNet's node model) read into the same <see cref="DocTable"/> form as TOML, so the
/// schema is one; every value keeps its line and column. Untagged plain scalars follow the YAML 1.2 core schema
/// (null, true/false, numbers); quoted scalars are always strings.
/// </summary>
internal static partial class YamlProblemReader
{
    public static DocTable Parse(string text, string source)
    {
        var stream = new YamlStream();
        var scanner = new Scanner(new StringReader(text));
        try { stream.Load(new Parser(scanner)); }
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
        if (stream.Documents.Count == 0) throw new ProblemFileException(source, 0, 0, "empty file");
        if (stream.Documents.Count > 1)
            throw Where(stream.Documents[1].RootNode, source).Error("a problem file holds one YAML document (found a second '---')");
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw Where(stream.Documents[0].RootNode, source).Error("the top level must be a mapping of keys (name:, outputs:, …)");
        return Table(root, "", new Source(source, text.Split('\n')));
    }

    /// <summary>The file's name (for messages) and lines (to place block scalars' content).</summary>
    private sealed record Source(string Name, string[] Lines);

    private static SourceLocation Where(YamlNode node, string source) => new(source, (int)node.Start.Line, (int)node.Start.Column);

    /// <summary>The first character of a node's value: inside the quotes of a quoted string (as TOML's locations are),
    /// on the first content line of a block scalar (`expr: |` then the expression indented below).</summary>
    private static SourceLocation Where(YamlNode node, Source source)
    {
        int line = (int)node.Start.Line, column = (int)node.Start.Column;
        if (node is YamlScalarNode { Style: ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted }) column++;
        if (node is YamlScalarNode { Style: ScalarStyle.Literal or ScalarStyle.Folded })
            for (int next = line; next < source.Lines.Length; next++)   // Lines is 0-based: index `line` is the next line
                if (source.Lines[next].Trim().Length > 0)
                    return new SourceLocation(source.Name, next + 1, source.Lines[next].Length - source.Lines[next].TrimStart().Length + 1);
        return new SourceLocation(source.Name, line, column);
    }

    private static DocTable Table(YamlMappingNode mapping, string path, Source source)
    {
        var doc = new DocTable(path, Where(mapping, source));
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
                throw Where(keyNode, source).Error($"keys must be plain names{(path.Length > 0 ? $" (in '{path}')" : "")}");
            if (doc.Values.ContainsKey(key)) throw Where(keyNode, source).Error($"duplicate key '{doc.Name(key)}'");
            string childPath = path.Length == 0 ? key : $"{path}.{key}";
            doc.Locations[key] = Where(valueNode, source);
            if (valueNode is YamlSequenceNode sequence)
                doc.ElementLocations[key] = sequence.Children.Select(item => Where(item, source)).ToList();
            doc.Values[key] = Value(valueNode, childPath, source);
        }
        return doc;
    }

    private static object? Value(YamlNode node, string path, Source source) => node switch
    {
        YamlMappingNode mapping => Table(mapping, path, source),
        YamlSequenceNode sequence => sequence.Children.Select((item, i) => Value(item, $"{path}[{i}]", source)).ToList(),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw Where(node, source).Error($"'{path}': unsupported YAML node"),
    };

    private static object? Scalar(YamlScalarNode scalar)
    {
        string text = scalar.Value ?? "";
        string tag = scalar.Tag.IsEmpty ? "" : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || scalar.Style is not ScalarStyle.Plain && tag.Length == 0) return text;
        if (text is "" or "~" or "null" or "Null" or "NULL") return null;
        if (text is "true" or "True" or "TRUE") return true;
        if (text is "false" or "False" or "FALSE") return false;
        if (Number().IsMatch(text)) return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (text is ".inf" or "+.inf" or ".Inf" or "+.Inf") return double.PositiveInfinity;
        if (text is "-.inf" or "-.Inf") return double.NegativeInfinity;
        return text;
    }

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Number();
}
