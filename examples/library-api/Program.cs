// A PDE that PinnServe does not ship, defined through the C# API, trained, and exported to ONNX — referencing only
// the NuGet packages. Nonlinear reaction–diffusion: u_xx − sin(u) = f on x ∈ [0, 1], with the manufactured
// solution u = sin(πx) + x, u given at both ends.
//
//   dotnet run --project examples/library-api [-- --iters 3000 --out runs/library-api --max-rel 0.05]
using PinnServe.Contracts;
using PinnServe.Onnx;
using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Training;

int iterations = args.SkipWhile(a => a != "--iters").Skip(1).Select(int.Parse).FirstOrDefault(3000);
string outDir = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? Path.Combine("runs", "library-api");
// The exit code checks the error against this target (CI's short smoke run loosens it: it checks the plumbing).
double maxRel = args.SkipWhile(a => a != "--max-rel").Skip(1).Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault(0.05);

// Registered by name, a problem of one's own trains like a built-in one: run directories, resume, eval, export.
ProblemCatalog.Register("reaction-diffusion", parameters => new ReactionDiffusion(parameters));
var problem = ProblemCatalog.Create("reaction-diffusion");
var config = TrainingConfig.Defaults(problem) with { Iterations = iterations, LogEvery = 500, EvaluateEvery = 500 };
if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
using var run = TrainingRun.Create(config, outDir);
var summary = run.Run();
double rel = summary["rel_l2"]!.GetValue<double>();
Console.WriteLine($"reaction-diffusion: {iterations} iterations, relative L2 error {rel:E3} -> {outDir}");

var onnx = OnnxExporter.Export(run.Trainer.ToNetworkFile(), [FieldDefinition.Of("u", 1, "u")], Path.Combine(outDir, "model.onnx"),
    new Dictionary<string, string> { ["problem"] = problem.Name });
Console.WriteLine($"exported {onnx.Path} ({onnx.Bytes:N0} bytes, fields {string.Join(", ", onnx.Fields)})");

// The exported surrogate agrees with the exact solution through ONNX Runtime too.
using var model = OnnxFieldModel.Load(onnx.Path);
float[] xs = [0.1f, 0.5f, 0.9f], u = new float[3];
model.Evaluate(xs, xs.Length, ["u"], u);
for (int i = 0; i < xs.Length; i++) Console.WriteLine($"u({xs[i]}) = {u[i]:F4} (exact {Math.Sin(Math.PI * xs[i]) + xs[i]:F4})");
return rel < maxRel ? 0 : 1;

/// <summary>u_xx − sin(u) = f: expressions read like the math; coordinates and sin(u) need no closures.</summary>
sealed class ReactionDiffusion(IReadOnlyDictionary<string, double>? overrides) : Problem(overrides)
{
    public override string Name => "reaction-diffusion";
    public override string Title => "u_xx − sin(u) = f (manufactured u = sin(πx) + x)";
    public override IReadOnlyDictionary<string, double> DefaultParameters { get; } = new Dictionary<string, double>();
    public override Box Domain { get; } = new(new Axis("x", 0, 1));
    public override string[] Outputs => ["u"];

    private static readonly Expr X = new Coordinate("x");
    private static readonly Expr Solution = Expr.Sin(Math.PI * X) + X;

    public override IReadOnlyList<LossTerm> Terms
    {
        get
        {
            var u = new Field("u");
            var f = Solution.D("xx") - Expr.Sin(Solution);          // symbolic: −π² sin(πx) − sin(sin(πx) + x)
            return
            [
                LossTerm.Residual("residual", u.D("xx") - Expr.Sin(u.Value) - f),
                LossTerm.Boundary("bc", [new Face("x", 0), new Face("x", 1)], _ => u.Value - Solution),
            ];
        }
    }

    public override double[]? Exact(double[] point) => [Math.Sin(Math.PI * point[0]) + point[0]];
    public override TrainingDefaults Defaults => new(Layers: "3x32", Iterations: 3000, Batch: 128);
}
