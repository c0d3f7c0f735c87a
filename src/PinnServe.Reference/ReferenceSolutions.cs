using System.Diagnostics;
using System.Globalization;
using PinnServe.Reference.AllenCahn;
using PinnServe.Reference.Burgers;
using PinnServe.Reference.Cavity;

namespace PinnServe.Reference;

/// <summary>A settable parameter of a reference problem, with its published default.</summary>
public sealed record ReferenceParameter(string Name, double Default, string Description, bool IsInteger = false);

/// <summary>
/// A reference solver, found by name: a problem names its solver (<c>"burgers"</c>, a problem file's
/// <c>[reference] solver</c>) and whoever evaluates it resolves the name here (<see cref="ReferenceSolutions.Register"/>).
/// </summary>
public interface IReferenceSolver
{
    /// <summary>The name problems use (lower case, words joined by '-').</summary>
    string Name { get; }

    /// <summary>The settable parameters with their defaults.</summary>
    IReadOnlyList<ReferenceParameter> Parameters { get; }

    /// <summary>Maps a grid shape in axis order to the parameters that give it (<c>pinn reference --grid</c>).</summary>
    Dictionary<string, double> GridParameters(IReadOnlyList<int> shape);

    /// <summary>The solution on its grid, from every parameter's value (defaults filled in, names canonical).</summary>
    ReferenceSolution Solve(Dictionary<string, double> values, IProgress<string>? progress);
}

/// <summary>
/// Front door to the reference solvers: <c>Compute("burgers" | "allen-cahn" | "cavity", parameters)</c> returns the
/// solution on its default grid (SPEC §3). Parameter names are case-insensitive; omitted ones take the defaults.
/// More solvers register by name (<see cref="Register"/>).
/// </summary>
public static class ReferenceSolutions
{
    public const string Burgers = "burgers", AllenCahn = "allen-cahn", Cavity = "cavity";

    private static readonly List<IReferenceSolver> Solvers =
    [
        new BuiltIn(Burgers,
        [
            new("nu", 0.01 / Math.PI, "viscosity ν"),
            new("nt", 100, "time points on [0, 1], t = 0 included", true),
            new("nx", 256, "x points on [−1, 1], both ends included", true),
            new("panels", 200, "Gauss–Legendre panels of the Cole–Hopf quadrature", true),
            new("nodes_per_panel", 8, "Gauss–Legendre nodes per panel", true),
        ], TimeSpaceGrid, ComputeBurgers),
        new BuiltIn(AllenCahn,
        [
            new("diffusion", 1e-4, "coefficient of u_xx"),
            new("reaction", 5, "coefficient of u − u³"),
            new("nt", 201, "time points on [0, 1], t = 0 included", true),
            new("nx", 512, "x points −1 + 2j/nx (periodic, x = 1 omitted); must divide modes", true),
            new("modes", 1024, "Fourier modes of the solver (power of two)", true),
            new("dt", 5e-4, "largest ETDRK4 time step"),
        ], TimeSpaceGrid, ComputeAllenCahn),
        new BuiltIn(Cavity,
        [
            new("re", 100, "Reynolds number"),
            new("n", 128, "grid intervals per side (power of two); the grid has (n+1)² nodes", true),
            new("lid_velocity", 1, "lid speed U (the lid moves in +x)"),
            new("tolerance", 1e-7, "steady-state tolerance on max|Δω|/Δt"),
        ], SquareGrid, ComputeCavity),
    ];

    /// <summary>The registered solvers' names, built-in ones first.</summary>
    public static IReadOnlyList<string> Problems { get { lock (Solvers) return Solvers.Select(r => r.Name).ToArray(); } }

    /// <summary>Adds a solver (or replaces the one of the same name).</summary>
    public static void Register(IReferenceSolver solver)
    {
        ArgumentNullException.ThrowIfNull(solver);
        string name = solver.Name.Trim().ToLowerInvariant().Replace('_', '-');
        if (name.Length == 0 || name != solver.Name) throw new ArgumentException($"A reference solver's name must be lower case with '-' between words; got '{solver.Name}'.");
        lock (Solvers)
        {
            Solvers.RemoveAll(r => r.Name == name);
            Solvers.Add(solver);
        }
    }

    /// <summary>The solver named <paramref name="problem"/> (case and '_' vs '-' ignored), or an error listing the known ones.</summary>
    public static IReferenceSolver Get(string problem)
    {
        string name = problem.Trim().ToLowerInvariant().Replace('_', '-');
        if (name == "allencahn") name = AllenCahn;
        lock (Solvers) return Solvers.FirstOrDefault(r => r.Name == name) ?? throw UnknownProblem(problem);
    }

    /// <summary>The parameters of a problem with their defaults.</summary>
    public static IReadOnlyList<ReferenceParameter> Parameters(string problem) => Get(problem).Parameters;

    /// <summary>Maps a grid shape in axis order (burgers, allen-cahn: nt×nx; cavity: (n+1)×(n+1)) to parameters.</summary>
    public static Dictionary<string, double> GridParameters(string problem, IReadOnlyList<int> shape) => Get(problem).GridParameters(shape);

    public static ReferenceSolution Compute(string problem, IReadOnlyDictionary<string, double>? parameters = null, IProgress<string>? progress = null)
    {
        var solver = Get(problem);
        var values = Resolve(solver, parameters ?? new Dictionary<string, double>());
        var clock = Stopwatch.StartNew();
        var solution = solver.Solve(values, progress);
        progress?.Report($"{solver.Name}: done in {clock.Elapsed.TotalSeconds:F1} s");
        return solution;
    }

    private sealed class BuiltIn(string name, IReadOnlyList<ReferenceParameter> parameters,
        Func<string, IReadOnlyList<int>, Dictionary<string, double>> grid,
        Func<Dictionary<string, double>, IProgress<string>?, ReferenceSolution> solve) : IReferenceSolver
    {
        public string Name => name;
        public IReadOnlyList<ReferenceParameter> Parameters => parameters;
        public Dictionary<string, double> GridParameters(IReadOnlyList<int> shape) => grid(name, shape);
        public ReferenceSolution Solve(Dictionary<string, double> values, IProgress<string>? progress) => solve(values, progress);
    }

    /// <summary>burgers, allen-cahn: nt × nx.</summary>
    private static Dictionary<string, double> TimeSpaceGrid(string name, IReadOnlyList<int> shape)
    {
        if (shape.Count != 2) throw new ArgumentException($"{name} grids have two axes; got {shape.Count} sizes.");
        return new() { ["nt"] = shape[0], ["nx"] = shape[1] };
    }

    /// <summary>cavity: (n+1) × (n+1).</summary>
    private static Dictionary<string, double> SquareGrid(string name, IReadOnlyList<int> shape)
    {
        if (shape.Count != 2) throw new ArgumentException($"{name} grids have two axes; got {shape.Count} sizes.");
        if (shape[0] != shape[1]) throw new ArgumentException($"The cavity grid must be square (n+1)×(n+1); got {shape[0]}×{shape[1]}.");
        return new() { ["n"] = shape[0] - 1 };
    }

    private static ReferenceSolution ComputeBurgers(Dictionary<string, double> p, IProgress<string>? progress)
    {
        double[] t = Linspace(0, 1, Count(p, "nt", 1));
        double[] x = Linspace(-1, 1, Count(p, "nx", 2));
        if (!(p["nu"] > 0)) throw new ArgumentException($"burgers: nu = {Format(p["nu"])} must be positive.");
        var solver = new BurgersColeHopf(p["nu"], Count(p, "panels", 1), Count(p, "nodes_per_panel", 1));
        int reported = 0;
        var u = solver.EvaluateGrid(t, x, progress is null ? null : new InlineProgress<double>(fraction =>
        {
            if (fraction * 10 >= reported + 1) { reported = (int)(fraction * 10); progress.Report($"burgers: {fraction:P0}"); }
        }));
        return new ReferenceSolution(Burgers, [new GridAxis("t", t), new GridAxis("x", x)], [new("u", u)], p, new Dictionary<string, string>
        {
            ["method"] = "Cole–Hopf integral, η = √(4νt)·s, composite Gauss–Legendre in s with the exponent's maximum factored out",
            ["s_half_width"] = Format(solver.HalfWidth),
            ["equation"] = "u_t + u u_x = nu u_xx, u(0,x) = -sin(pi x), u(t,±1) = 0",
        });
    }

    private static ReferenceSolution ComputeAllenCahn(Dictionary<string, double> p, IProgress<string>? progress)
    {
        int nx = Count(p, "nx", 1), modes = Count(p, "modes", 4);
        if (!IsPowerOfTwo(modes)) throw new ArgumentException($"allen-cahn: modes = {modes} must be a power of two (the FFT is radix-2).");
        if (!(p["dt"] > 0)) throw new ArgumentException($"allen-cahn: dt = {Format(p["dt"])} must be positive.");
        if (modes % nx != 0) throw new ArgumentException($"allen-cahn: nx = {nx} must divide modes = {modes}.");
        double[] t = Linspace(0, 1, Count(p, "nt", 1));
        double[] x = Enumerable.Range(0, nx).Select(j => -1 + 2.0 * j / nx).ToArray();
        var solver = new AllenCahnSpectral(p["diffusion"], p["reaction"], modes, p["dt"]);
        int reported = 0;
        var u = solver.Solve(t, nx, progress is null ? null : new InlineProgress<double>(fraction =>
        {
            if (fraction * 10 >= reported + 1) { reported = (int)(fraction * 10); progress.Report($"allen-cahn: {fraction:P0}"); }
        }));
        return new ReferenceSolution(AllenCahn, [new GridAxis("t", t), new GridAxis("x", x, Period: 2)], [new("u", u)], p, new Dictionary<string, string>
        {
            ["method"] = "Fourier pseudo-spectral in x, ETDRK4 (Cox–Matthews; Kassam–Trefethen contour φ-functions, 32 points)",
            ["equation"] = "u_t = diffusion u_xx + reaction (u - u^3), x in [-1,1) periodic, u(0,x) = x^2 cos(pi x)",
            ["x_axis"] = "periodic with period 2: x = 1 is the image of x = -1",
        });
    }

    private static ReferenceSolution ComputeCavity(Dictionary<string, double> p, IProgress<string>? progress)
    {
        int n = Count(p, "n", 4);
        if (!IsPowerOfTwo(n))
            throw new ArgumentException($"cavity: n = {n} intervals must be a power of two (grid (n+1)×(n+1), e.g. --grid 129x129); the fast Poisson solver needs it.");
        if (!(p["re"] > 0)) throw new ArgumentException($"cavity: re = {Format(p["re"])} must be positive.");
        if (!(p["tolerance"] > 0)) throw new ArgumentException($"cavity: tolerance = {Format(p["tolerance"])} must be positive.");
        var solver = new LidDrivenCavity(p["re"], n, p["lid_velocity"]);
        var flow = solver.Solve(p["tolerance"], progress: progress);
        return new ReferenceSolution(Cavity, [new GridAxis("x", flow.X), new GridAxis("y", flow.Y)],
            [new("u", flow.U), new("v", flow.V), new("p", flow.Pressure), new("psi", flow.StreamFunction)], p,
            new Dictionary<string, string>
            {
                ["method"] = "stream function–vorticity, 2nd-order central differences, Thom wall vorticity, ADI pseudo-time + DST Poisson",
                ["pressure"] = "pressure Poisson equation with momentum Neumann data (DCT); zero mean over the grid nodes",
                ["lid"] = "u = lid_velocity on y = 1 including both top corners",
                ["steps"] = flow.Steps.ToString(CultureInfo.InvariantCulture),
                ["pseudo_time_step"] = Format(solver.TimeStepUsed),
            });
    }

    private static Dictionary<string, double> Resolve(IReferenceSolver solver, IReadOnlyDictionary<string, double> given)
    {
        var known = solver.Parameters;
        var values = known.ToDictionary(k => k.Name, k => k.Default);
        foreach (var (key, value) in given)
        {
            var parameter = known.FirstOrDefault(k => string.Equals(k.Name, key, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"Unknown parameter '{key}' for {solver.Name}; known: {string.Join(", ", known.Select(k => k.Name))}.");
            if (!double.IsFinite(value)) throw new ArgumentException($"Parameter {parameter.Name} = {value} is not a finite number.");
            if (parameter.IsInteger && value != Math.Round(value))
                throw new ArgumentException($"Parameter {parameter.Name} must be an integer; got {Format(value)}.");
            values[parameter.Name] = value;
        }
        return values;
    }

    private static int Count(Dictionary<string, double> p, string name, int minimum)
    {
        double value = p[name];
        if (value < minimum || value > 1 << 24) throw new ArgumentException($"Parameter {name} = {Format(value)} must lie in [{minimum}, {1 << 24}].");
        return (int)value;
    }

    private static bool IsPowerOfTwo(int value) => value > 0 && (value & (value - 1)) == 0;

    private static double[] Linspace(double first, double last, int count) =>
        count == 1 ? [first] : Enumerable.Range(0, count).Select(i => i == count - 1 ? last : first + (last - first) * i / (count - 1)).ToArray();

    private static ArgumentException UnknownProblem(string problem) =>
        new($"Unknown reference problem '{problem}'; known: {string.Join(", ", Problems)}.");

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Reports synchronously (System.Progress posts to the thread pool, which would reorder lines).</summary>
    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
