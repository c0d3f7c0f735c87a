using System.Globalization;
using System.IO.Compression;
using System.Text;
using CsCheck;
using PinnServe.Contracts;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Files;
using PinnServe.Reference.Files;
using PinnServe.Training;

namespace PinnServe.Physics.Tests;

/// <summary>
/// Property-based tests (CsCheck): the expression printer and parser round-trip, the three problem-file syntaxes
/// agree, the data readers round-trip what was written and refuse anything else only with InvalidDataException,
/// and the checkpoint decoder (public API) round-trips and refuses damage cleanly.
/// </summary>
public class PropertyTests
{
    private static readonly ExpressionScope Scope = new(["t", "x"], ["u"], new Dictionary<string, double> { ["kappa"] = 0.3, ["k"] = 2 });

    private static readonly string[] Atoms = ["u", "u_x", "u_tt", "u_tx", "x", "t", "kappa", "pi", "2", "0.5", "1e-3", "3.25"];
    private static readonly string[] Operators = [" + ", " - ", "*", "/"];
    private static readonly string[] Functions = ["sin", "cos", "exp", "tanh"];

    /// <summary>Expression texts of the problem-file notation, up to <paramref name="depth"/> levels.</summary>
    private static Gen<string> Expression(int depth)
    {
        var atom = Gen.Int[0, Atoms.Length - 1].Select(i => Atoms[i]);
        if (depth == 0) return atom;
        var sub = Expression(depth - 1);
        return Gen.OneOf<string>(
            atom,
            Gen.Select(sub, Gen.Int[0, Operators.Length - 1], sub, (a, op, b) => a + Operators[op] + b),
            sub.Select(a => $"({a})"),
            sub.Select(a => $"-{a}"),
            Gen.Select(Gen.Int[0, Functions.Length - 1], sub, (f, a) => $"{Functions[f]}({a})"),
            Gen.Select(sub, Gen.Int[-3, 4], (a, n) => $"({a})^{n}"),
            sub.Select(a => $"({a})^0.5"));
    }

    private static double Value(Expr e) =>
        ExprInterpreter.Evaluate(e, [0.37, 0.61], f => 0.8 + 0.1 * f.Derivative.Length, Scope.Parameters, Scope.Axes);

    private static Expr Parse(string text) => ExpressionParser.Parse(text, Scope, new SourceLocation("p", 1, 1));

    private static bool Close(double a, double b) =>
        a == b || double.IsNaN(a) && double.IsNaN(b) || Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(a));

    [Fact]
    public void Printing_then_parsing_keeps_the_value_and_printing_again_the_text() =>
        Expression(4).Sample(text =>
        {
            var parsed = Parse(text);
            string printed = ExprFormatter.Format(parsed);
            var again = Parse(printed);
            Assert.True(Close(Value(parsed), Value(again)), $"\"{text}\" printed \"{printed}\": {Value(parsed)} vs {Value(again)}");
            Assert.Equal(printed, ExprFormatter.Format(again));
        }, iter: 2_000);

    [Fact]
    public void Arbitrary_text_is_parsed_or_refused_with_a_place() =>
        Gen.String[Gen.Char["u_xt+-*/^()sincoexpk .0123456789e"], 0, 60].Sample(text =>
        {
            try { Parse(text); }
            catch (ProblemFileException e) { Assert.Equal("p", e.FileName); }
        }, iter: 3_000);

    // ---- problem files: one document in three syntaxes gives one outcome ----

    private sealed record Doc(double Kappa, string BadKappa, string Residual, string Condition, string TermName, double Left, double Right);

    private static readonly Gen<Doc> Docs = Gen.Select(
        Gen.Double[-5, 5], Gen.Int[0, 6], Expression(2), Expression(2), Gen.Int[0, 5], Gen.Double[-2, 2], Gen.Double[0, 3])
        .Select(t => new Doc(t.Item1, t.Item2 switch { 0 => "nan", 1 => "inf", _ => "" }, "u_t - " + t.Item3, t.Item4,
            new[] { "ic", "bc_1", "a-b.c", "bad name", "x,y", "ic" }[t.Item5], t.Item6, t.Item6 + t.Item7));

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Toml(Doc d) => $"""
        name = "p"
        outputs = ["u"]
        [inputs]
        t = [0, 1]
        x = [{Number(d.Left)}, {Number(d.Right)}]
        [parameters]
        kappa = {(d.BadKappa.Length > 0 ? d.BadKappa : Number(d.Kappa))}
        [[terms]]
        name = "residual"
        expr = "{d.Residual}"
        [[terms]]
        name = "{d.TermName}"
        kind = "initial"
        on = "t = 0"
        expr = "{d.Condition}"
        """;

    private static string Yaml(Doc d) => $"""
        name: p
        outputs: [u]
        inputs: {"{"} t: [0, 1], x: [{Number(d.Left)}, {Number(d.Right)}] {"}"}
        parameters: {"{"} kappa: {(d.BadKappa.Length > 0 ? "." + d.BadKappa : Number(d.Kappa))} {"}"}
        terms:
          - name: residual
            expr: "{d.Residual}"
          - name: "{d.TermName}"
            kind: initial
            on: "t = 0"
            expr: "{d.Condition}"
        """;

    private static string Json(Doc d) =>
        "{\"name\": \"p\", \"outputs\": [\"u\"], \"inputs\": {\"t\": [0, 1], \"x\": [" + Number(d.Left) + ", " + Number(d.Right) + "]}, " +
        "\"parameters\": {\"kappa\": " + (d.BadKappa.Length > 0 ? "1e400" : Number(d.Kappa)) + "}, " +
        "\"terms\": [{\"name\": \"residual\", \"expr\": \"" + d.Residual + "\"}, {\"name\": \"" + d.TermName +
        "\", \"kind\": \"initial\", \"on\": \"t = 0\", \"expr\": \"" + d.Condition + "\"}]}";

    /// <summary>The problem as printed, or "refused" — never another exception.</summary>
    private static string Outcome(string text, string name)
    {
        try
        {
            var p = ProblemFiles.Parse(text, name);
            return string.Join("; ", p.Terms.SelectMany(t => t.Pieces.SelectMany(piece => piece.Errors.Select(e => $"{t.Name}: {ExprFormatter.Format(e)}"))))
                   + $" | kappa {p.Parameters["kappa"]} | x [{p.Domain.Axes[1].Min}, {p.Domain.Axes[1].Max}]";
        }
        catch (ProblemFileException) { return "refused"; }
    }

    [Fact]
    public void Toml_yaml_and_json_read_one_document_alike() =>
        Docs.Sample(d =>
        {
            string toml = Outcome(Toml(d), "p.toml");
            Assert.Equal(toml, Outcome(Yaml(d), "p.yaml"));
            Assert.Equal(toml, Outcome(Json(d), "p.json"));
        }, iter: 300);

    [Fact]
    public void Damaged_problem_files_are_refused_only_with_a_place() =>
        Gen.Select(Docs, Gen.Int[0, 2], Gen.Int[0, 10_000], Gen.Int[0, 255]).Sample(t =>
        {
            var (d, syntax, at, value) = t;
            string text = syntax switch { 0 => Toml(d), 1 => Yaml(d), _ => Json(d) };
            var bytes = Encoding.UTF8.GetBytes(text);
            bytes[at % bytes.Length] = (byte)value;
            try { ProblemFiles.Parse(Encoding.UTF8.GetString(bytes), syntax switch { 0 => "p.toml", 1 => "p.yaml", _ => "p.json" }); }
            catch (ProblemFileException) { }
        }, iter: 1_000);

    // ---- data files ----

    private static readonly Gen<double[]> Values = Gen.Double[-1e6, 1e6].Array[1, 40];

    [Fact]
    public void Npy_round_trips_and_damage_is_refused_as_invalid_data() =>
        Gen.Select(Values, Gen.Int[0, 10_000], Gen.Byte).Sample(t =>
        {
            var (values, at, value) = t;
            using var stream = new MemoryStream();
            NpyFile.Write(stream, values, [values.Length]);
            var bytes = stream.ToArray();
            Assert.Equal(values, NpyFile.Read(new MemoryStream(bytes), "a.npy").Data);
            bytes[at % bytes.Length] = value;
            var truncated = bytes[..(at % bytes.Length)];
            foreach (var damaged in new[] { bytes, truncated })
                try { NpyFile.Read(new MemoryStream(damaged), "a.npy"); }
                catch (InvalidDataException) { }
        }, iter: 1_000);

    [Fact]
    public void Csv_round_trips_numbers_and_refuses_damage_as_invalid_data() =>
        Gen.Select(Values, Gen.Int[0, 10_000], Gen.Char).Sample(t =>
        {
            var (values, at, c) = t;
            string text = "x,u\n" + string.Concat(values.Select((v, i) => $"{i},{Number(v)}\n"));
            var table = NumericCsv.Read(new StringReader(text), "a.csv");
            Assert.Equal(values, table.Column(1));
            var damaged = text.ToCharArray();
            damaged[at % damaged.Length] = c;
            try { NumericCsv.Read(new StringReader(new string(damaged)), "a.csv"); }
            catch (InvalidDataException) { }
        }, iter: 1_000);

    [Fact]
    public void Npz_columns_round_trip_and_damage_is_refused_as_invalid_data()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-npz-").FullName;
        try
        {
            Gen.Select(Values, Gen.Int[0, 100_000], Gen.Byte).Sample(t =>
            {
                var (values, at, value) = t;
                string path = Path.Combine(dir, $"a{Environment.CurrentManagedThreadId}.npz");
                using (var file = File.Create(path))
                using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
                    foreach (var (name, column) in new[] { ("x", values.Select((_, i) => (double)i).ToArray()), ("u", values) })
                    {
                        using var s = zip.CreateEntry(name + ".npy").Open();
                        NpyFile.Write(s, column, [column.Length]);
                    }
                Assert.Equal(values, PointTables.Read(path).Column("u"));
                var bytes = File.ReadAllBytes(path);
                bytes[at % bytes.Length] = value;
                File.WriteAllBytes(path, bytes);
                try { PointTables.Read(path); }
                catch (InvalidDataException) { }
            }, iter: 150, threads: 1);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>A MAT-file (Level 5, little-endian, uncompressed) with double vectors, written field by field.</summary>
    private static byte[] Mat(params (string Name, double[] Values)[] variables)
    {
        using var stream = new MemoryStream();
        var w = new BinaryWriter(stream);
        var header = Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, written by the PinnServe tests".PadRight(116));
        w.Write(header);
        w.Write(new byte[8]);
        w.Write((short)0x0100);
        w.Write((byte)'I'); w.Write((byte)'M');
        foreach (var (name, values) in variables)
        {
            var body = new MemoryStream();
            var b = new BinaryWriter(body);
            b.Write(6); b.Write(8); b.Write(6); b.Write(0);                      // array flags: class double
            b.Write(5); b.Write(8); b.Write(values.Length); b.Write(1);          // dimensions n × 1
            var nameBytes = Encoding.ASCII.GetBytes(name);
            b.Write(1); b.Write(nameBytes.Length); b.Write(nameBytes); b.Write(new byte[(8 - nameBytes.Length % 8) % 8]);
            b.Write(9); b.Write(values.Length * 8); foreach (var v in values) b.Write(v);
            w.Write(14); w.Write((int)body.Length); w.Write(body.ToArray());
        }
        return stream.ToArray();
    }

    [Fact]
    public void Mat_vectors_round_trip_and_damage_is_refused_as_invalid_data() =>
        Gen.Select(Values, Gen.Int[0, 100_000], Gen.Byte).Sample(t =>
        {
            var (values, at, value) = t;
            var bytes = Mat(("x", values.Select((_, i) => (double)i).ToArray()), ("u", values));
            Assert.Equal(values, PointTables.FromMatrices(MatFile.Read(bytes, "a.mat"), "a.mat").Column("u"));
            bytes[128 + at % (bytes.Length - 128)] = value;
            try { PointTables.FromMatrices(MatFile.Read(bytes, "a.mat"), "a.mat"); }
            catch (InvalidDataException) { }
        }, iter: 1_000);

    // ---- checkpoints, through their public API ----

    [Fact]
    public void Checkpoint_arrays_round_trip_and_damaged_base64_is_refused_cleanly() =>
        Gen.Select(Gen.Float.Array[0, 50], Gen.Int[0, 1000], Gen.Char).Sample(t =>
        {
            var (values, at, c) = t;
            string text = Checkpoint.Encode<float>(values);
            Assert.Equal(values, Checkpoint.Decode<float>(text));
            if (text.Length == 0) return;
            var damaged = text.ToCharArray();
            damaged[at % damaged.Length] = c;
            try { Checkpoint.Decode<float>(new string(damaged)); }
            catch (Exception e) when (e is FormatException or InvalidDataException) { }
        }, iter: 2_000);
}
