using System.IO.Compression;
using System.Text;
using PinnServe.Contracts;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Files;
using PinnServe.Reference.Files;
using PinnServe.Training;

namespace PinnServe.Fuzzing;

/// <summary>
/// One input reader under fuzzing: its seed inputs, how to run one input, and which exceptions are the reader's
/// documented refusals (anything else, a wrong round trip or a hang is a finding).
/// </summary>
public sealed record FuzzTarget(string Name, IReadOnlyList<byte[]> Seeds, IReadOnlyList<string> Tokens, Action<byte[]> Run, Func<Exception, bool> Expected);

/// <summary>The parsers and readers of user input: expressions, problem files (TOML, YAML, JSON), CSV, NPY, NPZ, MAT, text tables, checkpoints.</summary>
public static class Targets
{
    public static readonly string[] Names = ["expr", "toml", "yaml", "json", "csv", "npy", "npz", "mat", "txt", "checkpoint"];

    private static readonly string[] TextTokens =
    [
        "(", ")", "[", "]", "{", "}", "\"", "'", "\n", "=", ",", ":", "-", "+", "*", "/", "^", "nan", "inf", "-inf", "1e400", ".nan", ".inf",
        "sin(", " + u", "u_xxxx", "u_x", "pi", "&a ", "*a", "&b [*a, *a]", "<<: ", "[[terms]]\n", "name = \"n\"\n", "kappa = 1\n",
        "\nkappa = 2\n", "x = [0, 1]\n", "0", "-1", "1e-300", "\t", "#", "%", "@ t=", "\u00e9", "\0",
    ];

    private static readonly string[] BinaryTokens = ["\u0093NUMPY", "'descr': '<f8'", "'shape': (", "2147483647,", ")", "MATLAB", "IM", "PK\u0003\u0004", "{", "}"];

    public static IReadOnlyList<FuzzTarget> All(string? repositoryRoot, string scratch) =>
        Names.Select(n => Create(n, repositoryRoot, scratch)).ToList();

    /// <param name="repositoryRoot">Where example problem files and golden data files are read as extra seeds; null for the built-in seeds only.</param>
    /// <param name="scratch">A directory for the inputs that readers take as files.</param>
    public static FuzzTarget Create(string name, string? repositoryRoot, string scratch) => name switch
    {
        "expr" => new(name, Utf8(Expressions), TextTokens, RunExpression, e => e is ProblemFileException),
        "toml" => Problem(name, ".toml", [HeatToml, .. Files(repositoryRoot, "examples/problems", ".toml")], scratch),
        "yaml" => Problem(name, ".yaml", [HeatYaml, .. Files(repositoryRoot, "examples/problems", ".yaml")], scratch),
        "json" => Problem(name, ".json", [HeatJson], scratch),
        "csv" => new(name, Utf8(["x,t,u\n0,0,1\n0.5,0.25,2\n1,1,-1e-3\n", "# c\n\"a, b\",c\n1,2\n"]), TextTokens,
            b => NumericCsv.Read(new StringReader(Encoding.UTF8.GetString(b)), "fuzz.csv"), e => e is InvalidDataException),
        "npy" => new(name, [Npy([1, 2, 3, 4, 5, 6], 2, 3), Npy([0.5], 1)], BinaryTokens,
            b => NpyFile.Read(new MemoryStream(b), "fuzz.npy"), e => e is InvalidDataException),
        "npz" => new(name, [Npz(), .. Bytes(repositoryRoot, "tests/PinnServe.Reference.Tests/Files/Golden", ".npz")], BinaryTokens,
            b => PointTables.Read(Scratch(scratch, "fuzz.npz", b)), e => e is InvalidDataException),
        "mat" => new(name, Bytes(repositoryRoot, "tests/PinnServe.Reference.Tests/Files/Golden", ".mat") is { Count: > 0 } mats ? mats : [new byte[128]], BinaryTokens,
            b => PointTables.FromMatrices(MatFile.Read(b, "fuzz.mat"), "fuzz.mat"), e => e is InvalidDataException),
        "txt" => new(name, Utf8(["% x   y   u (m) @ t=0   u (m) @ t=0.5\n0 0 1 2\n1 0.5 3 4\n", "1 2\n3 4\n"]), TextTokens,
            b => TextTable.Read(Scratch(scratch, "fuzz.dat", b)), e => e is InvalidDataException),
        "checkpoint" => new(name, Utf8([CheckpointJson()]), TextTokens, RunCheckpoint, e => e is InvalidDataException or FormatException),
        _ => throw new ArgumentException($"unknown fuzz target '{name}' (targets: {string.Join(", ", Names)})"),
    };

    // ---- expressions: refusals are ProblemFileExceptions; what parses must print and parse back to the same value ----

    private static readonly string[] Expressions =
    [
        "u_t - kappa*u_xx", "u_tt + alpha*u_xx + gamma*u^3 - f", "sin(pi*x)*exp(-t)", "(u*u_x)/(1 + u^2)", "u - (x + t)",
        "-u^2 + 2*-x", "u^-1 + x^0.5", "tanh(u)*sqrt(x + 1) - log(1 + t)", "1e-4*u_xx - 5*(u - u^3)", "u/(x*t) - (u - x)/(t + 1)",
        "f_x + f", "cos(u_x)^2 - -u",
    ];

    private static readonly ExpressionScope Scope = CreateScope();

    private static ExpressionScope CreateScope()
    {
        var scope = new ExpressionScope(["t", "x"], ["u"], new Dictionary<string, double> { ["kappa"] = 0.1, ["alpha"] = -1, ["gamma"] = 1 });
        scope.Define("f", Expr.Sin(new Coordinate("x")) * new FieldDerivative("u", []));
        return scope;
    }

    private static void RunExpression(byte[] input)
    {
        string text = Encoding.UTF8.GetString(input);
        var parsed = ExpressionParser.Parse(text, Scope, new SourceLocation("fuzz", 1, 1));
        string printed = ExprFormatter.Format(parsed);
        var again = ExpressionParser.Parse(printed, Scope, new SourceLocation("printed", 1, 1));
        double[] point = [0.3, 0.7];
        double Value(Expr e) => ExprInterpreter.Evaluate(e, point, f => 1.3 + f.Derivative.Length, Scope.Parameters, Scope.Axes);
        double a = Value(parsed), b = Value(again);
        if (!(a == b || double.IsNaN(a) && double.IsNaN(b) || Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(a))))
            throw new RoundTripException($"\"{text}\" printed as \"{printed}\": {a} vs {b}");
    }

    // ---- problem files ----

    private static FuzzTarget Problem(string name, string extension, List<string> seeds, string scratch) =>
        new(name, Utf8(seeds), TextTokens, b => ProblemFiles.Parse(Encoding.UTF8.GetString(b), "fuzz" + extension, directory: scratch),
            e => e is ProblemFileException);

    private const string HeatToml = """
        name = "heat"
        outputs = ["u"]
        [inputs]
        t = [0, 1]
        x = [0, 1]
        [parameters]
        kappa = 0.1
        [functions]
        g = "sin(pi*x)"
        [geometry]
        time = ["t"]
        shapes = [{ shape = "rectangle", min = [0.2, 0.2], max = [0.4, 0.4], axes = ["t", "x"] }]
        [[terms]]
        name = "residual"
        expr = "u_t - kappa*u_xx"
        [[terms]]
        name = "ic"
        kind = "initial"
        on = "t = 0"
        expr = "u - g"
        [[terms]]
        name = "walls"
        kind = "neumann"
        on = ["x = 0", "x = 1"]
        value = "g_x"
        [training]
        layers = "2x8"
        """;

    private const string HeatYaml = """
        name: heat
        outputs: [u]
        inputs: { t: &r [0, 1], x: *r }
        parameters: { kappa: 0.1 }
        terms:
          - { name: residual, kind: residual, expr: u_t - kappa*u_xx }
          - { name: ic, kind: initial, on: "t = 0", expr: u - sin(pi*x) }
          - name: walls
            kind: dirichlet
            on: ["x = 0", "x = 1"]
        """;

    private const string HeatJson = """
        {"name": "heat", "outputs": ["u"], "inputs": {"t": [0, 1], "x": [0, 1]}, "parameters": {"kappa": 0.1},
         "terms": [{"name": "residual", "expr": "u_t - kappa*u_xx"}, {"name": "ic", "kind": "initial", "on": "t = 0", "expr": "u - sin(pi*x)"}]}
        """;

    // ---- data files ----

    private static byte[] Npy(double[] data, params int[] shape)
    {
        using var stream = new MemoryStream();
        NpyFile.Write(stream, data, shape);
        return stream.ToArray();
    }

    private static byte[] Npz()
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (entry, values) in new[] { ("x", new[] { 0.0, 0.5, 1 }), ("u", new[] { 1.0, 2, 3 }) })
            {
                using var s = zip.CreateEntry(entry + ".npy").Open();
                NpyFile.Write(s, values, [values.Length]);
            }
        return stream.ToArray();
    }

    private static string CheckpointJson()
    {
        var checkpoint = new Checkpoint
        {
            Precision = "float32", Step = 3, Parameters = Checkpoint.Encode<float>([1f, 2f]), AdamStep = 3,
            AdamM = Checkpoint.Encode<float>([0f, 0f]), AdamV = Checkpoint.Encode<float>([0f, 0f]),
            WeightsRaw = [1], WeightsCurrent = [1], WeightUpdates = 0, RngState = [1, 2, 3, 4],
        };
        string dir = Directory.CreateTempSubdirectory("pinn-fuzz-seed-").FullName;
        try
        {
            string path = Path.Combine(dir, "checkpoint.json");
            checkpoint.Save(path);
            return File.ReadAllText(path);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Through the public API only: the JSON loader, then the base64 decoder on every array it holds.</summary>
    private static void RunCheckpoint(byte[] input)
    {
        string dir = Directory.CreateTempSubdirectory("pinn-fuzz-").FullName;
        try
        {
            string path = Path.Combine(dir, "checkpoint.json");
            File.WriteAllBytes(path, input);
            var c = Checkpoint.Load(path);
            foreach (var text in new[] { c.Parameters, c.AdamM, c.AdamV, c.AdamBestParameters, c.LbfgsBestParameters })
                if (text is not null) { Checkpoint.Decode<float>(text); Checkpoint.Decode<double>(text); }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    // ---- helpers ----

    private static List<byte[]> Utf8(IEnumerable<string> texts) => texts.Select(Encoding.UTF8.GetBytes).ToList();

    private static string Scratch(string scratch, string name, byte[] content)
    {
        string path = Path.Combine(scratch, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static IEnumerable<string> Files(string? root, string folder, string extension) =>
        Bytes(root, folder, extension).Select(Encoding.UTF8.GetString);

    private static List<byte[]> Bytes(string? root, string folder, string extension)
    {
        if (root is null || !Directory.Exists(Path.Combine(root, folder))) return [];
        return Directory.GetFiles(Path.Combine(root, folder), "*" + extension).Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes).Where(b => b.Length < 1 << 20).ToList();
    }

    /// <summary>The repository (the folder holding PinnServe.sln) above <paramref name="start"/>, or null.</summary>
    public static string? FindRepository(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PinnServe.sln"))) return dir.FullName;
        return null;
    }
}

/// <summary>A printed expression that does not parse back to the same value.</summary>
public sealed class RoundTripException(string message) : Exception(message);
