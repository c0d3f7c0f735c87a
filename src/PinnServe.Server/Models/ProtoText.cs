using System.Text;

namespace PinnServe.Server.Models;

/// <summary>One field of a protobuf text-format message: a scalar (number, enum name, string) or a nested message.</summary>
internal sealed record TextField(string Name, int Line, string? Scalar, bool Quoted, IReadOnlyList<TextField>? Message);

/// <summary>
/// A reader of the protobuf text format that Triton's config.pbtxt files use (Google.Protobuf for C# reads only JSON
/// and binary): <c>name: value</c>, nested <c>name { ... }</c> or <c>name &lt; ... &gt;</c>, lists <c>name: [a, b]</c>
/// (read as repeated fields), quoted strings, <c>#</c> comments. It knows no schema: the caller interprets the fields.
/// </summary>
internal static class ProtoText
{
    /// <summary>Parses a message; <see cref="FormatException"/> names the line and what was expected.</summary>
    public static IReadOnlyList<TextField> Parse(string text)
    {
        var reader = new Tokens(text);
        var fields = ReadFields(reader, null);
        return fields;
    }

    private static List<TextField> ReadFields(Tokens tokens, string? closing)
    {
        var fields = new List<TextField>();
        while (true)
        {
            var token = tokens.Next();
            if (token.Text is null)
            {
                if (closing is not null) throw tokens.Error(token.Line, $"missing '{closing}' at the end of the file");
                return fields;
            }
            if (!token.Quoted && token.Text == closing) return fields;
            if (token.Quoted || !IsIdentifier(token.Text)) throw tokens.Error(token.Line, $"expected a field name, found '{Shown(token.Text)}'");
            string name = token.Text;
            var next = tokens.Peek();
            bool colon = next.Text == ":" && !next.Quoted;
            if (colon) tokens.Next();
            next = tokens.Peek();
            if (!next.Quoted && next.Text == "[")
            {
                tokens.Next();
                if (tokens.Peek() is { Quoted: false, Text: "]" }) tokens.Next();
                else
                    while (true)
                    {
                        fields.Add(ReadValue(tokens, name, token.Line));
                        var separator = tokens.Next();
                        if (!separator.Quoted && separator.Text == "]") break;
                        if (separator.Quoted || separator.Text != ",") throw tokens.Error(separator.Line, $"expected ',' or ']' in the list '{name}'");
                    }
            }
            else
            {
                if (!colon && !(next.Text is "{" or "<" && !next.Quoted)) throw tokens.Error(next.Line, $"expected ':' after '{name}'");
                fields.Add(ReadValue(tokens, name, token.Line));
            }
            if (tokens.Peek() is { Quoted: false, Text: "," or ";" }) tokens.Next();
        }
    }

    private static TextField ReadValue(Tokens tokens, string name, int line)
    {
        var token = tokens.Next();
        if (token.Text is null) throw tokens.Error(token.Line, $"'{name}' has no value");
        if (!token.Quoted && token.Text is "{" or "<")
            return new TextField(name, line, null, false, ReadFields(tokens, token.Text == "{" ? "}" : ">"));
        if (!token.Quoted && !IsScalar(token.Text)) throw tokens.Error(token.Line, $"'{name}' has no value before '{Shown(token.Text)}'");
        return new TextField(name, line, token.Text, token.Quoted, null);
    }

    private static bool IsIdentifier(string text) => text.Length > 0 && (char.IsAsciiLetter(text[0]) || text[0] == '_') && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static bool IsScalar(string text) => text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '+');

    private static string Shown(string text) => text.Length <= 32 ? text : text[..32] + "...";

    private readonly record struct Token(string? Text, bool Quoted, int Line);

    private sealed class Tokens(string text)
    {
        private int _position, _line = 1;
        private Token? _peeked;

        public Token Peek() => _peeked ??= Read();

        public Token Next()
        {
            var token = Peek();
            _peeked = null;
            return token;
        }

        public FormatException Error(int line, string message) => new($"line {line}: {message}");

        private Token Read()
        {
            while (_position < text.Length)
            {
                char c = text[_position];
                if (c == '\n') _line++;
                if (char.IsWhiteSpace(c)) _position++;
                else if (c == '#') while (_position < text.Length && text[_position] != '\n') _position++;
                else break;
            }
            if (_position >= text.Length) return new Token(null, false, _line);
            char first = text[_position];
            if (first is '{' or '}' or '[' or ']' or ':' or ',' or ';' or '<' or '>')
            {
                _position++;
                return new Token(first.ToString(), false, _line);
            }
            if (first is '"' or '\'') return ReadString(first);
            int start = _position;
            while (_position < text.Length && !char.IsWhiteSpace(text[_position]) && text[_position] is not ('{' or '}' or '[' or ']' or ':' or ',' or ';' or '<' or '>' or '#' or '"' or '\''))
                _position++;
            return new Token(text[start.._position], false, _line);
        }

        private Token ReadString(char quote)
        {
            int line = _line;
            var value = new StringBuilder();
            _position++;
            while (true)
            {
                if (_position >= text.Length || text[_position] == '\n') throw Error(line, "a string is not closed on its line");
                char c = text[_position++];
                if (c == quote) return new Token(value.ToString(), true, line);
                if (c == '\\' && _position < text.Length)
                {
                    char escaped = text[_position++];
                    value.Append(escaped switch { 'n' => '\n', 't' => '\t', _ => escaped });
                }
                else value.Append(c);
            }
        }
    }
}
