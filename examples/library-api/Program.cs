// A PDE that PinnServe does not ship, defined in C#, trained and exported to ONNX — referencing only the NuGet
// packages. u_xx − sin(u) = f on x ∈ [0, 1], with the manufactured solution u = sin(πx) + x given at both ends.
//
//   dotnet run --project examples/library-api [-- --iters 3000 --out runs/library-api --max-rel 0.05]
using PinnServe.Onnx;
using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Training;

string outDir = Option("--out", Path.Combine("runs", "library-api"));
if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);

var problem = new ReactionDiffusion();
var recipe = Recipes.For(problem).WithAdam(adam => adam with { Iterations = Option("--iters", 3000) });   // the problem's defaults, one change
var result = Pinn.Train(problem, recipe,
    progress: new Progress<ProgressInfo>(p => Console.Error.Write($"\rstep {p.Step}/{p.Iterations}  loss {p.Losses.Sum():E2}")),
    runDirectory: outDir);                      // optional: also write a run directory (metrics, network, summary)
Console.WriteLine($"\n{result.Status} after {result.Steps} steps in {result.Elapsed.TotalSeconds:F1} s: relative L2 of u {result.RelativeL2["u"]:E3}");

var onnx = OnnxExporter.Export(result.Network, result.Fields, Path.Combine(outDir, "model.onnx"), new Dictionary<string, string> { ["problem"] = problem.Name });
using var model = OnnxFieldModel.Load(onnx.Path);
float[] xs = [0.1f, 0.5f, 0.9f], u = new float[3];
model.Evaluate(xs, xs.Length, ["u"], u);
for (int i = 0; i < xs.Length; i++) Console.WriteLine($"u({xs[i]}) = {u[i]:F4} (exact {Math.Sin(Math.PI * xs[i]) + xs[i]:F4})");
return result.RelativeL2["u"] < Option("--max-rel", 0.05) ? 0 : 1;

T Option<T>(string name, T fallback) where T : IParsable<T> =>
    args.SkipWhile(a => a != name).Skip(1).Select(s => T.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(fallback).First();

/// <summary>u_xx − sin(u) = f: expressions read like the math.</summary>
sealed class ReactionDiffusion() : Problem(null)
{
    private static readonly Expr X = new Coordinate("x");
    private static readonly Expr Solution = Expr.Sin(Math.PI * X) + X;

    public override string Name => "reaction-diffusion";
    public override string Title => "u_xx − sin(u) = f (manufactured u = sin(πx) + x)";
    public override IReadOnlyDictionary<string, double> DefaultParameters { get; } = new Dictionary<string, double>();
    public override Box Domain { get; } = new(new Axis("x", 0, 1));
    public override string[] Outputs => ["u"];
    public override IReadOnlyList<LossTerm> Terms
    {
        get
        {
            var u = new Field("u");
            return
            [
                LossTerm.Residual("residual", u.D("xx") - Expr.Sin(u.Value) - (Solution.D("xx") - Expr.Sin(Solution))),
                LossTerm.Boundary("bc", [new Face("x", 0), new Face("x", 1)], _ => u.Value - Solution),
            ];
        }
    }
    public override double[]? Exact(double[] point) => [Math.Sin(Math.PI * point[0]) + point[0]];
    public override TrainingRecipe Defaults => new() { Model = "M1", Network = new() { Layers = "3x32" }, Adam = new() { Iterations = 3000 } };
}
