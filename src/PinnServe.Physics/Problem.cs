using PinnServe.Contracts;
using PinnServe.Training;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;

namespace PinnServe.Physics;

/// <summary>An extra evaluation figure: the relative L² of the pointwise magnitude of several fields, e.g. |(u, v)|.</summary>
public sealed record MagnitudeMetric(string Name, string[] Components);

/// <summary>
/// A PDE problem: a box domain, named network outputs, residual and condition loss terms written as
/// expressions of derivative components, and (where one is known) the exact solution used for evaluation
/// only. A new PDE is one small subclass in Catalog/.
/// </summary>
public abstract class Problem
{
    private readonly Dictionary<string, double> _parameters;

    protected Problem(IReadOnlyDictionary<string, double>? overrides)
    {
        _parameters = new Dictionary<string, double>(DefaultParameters);
        foreach (var (name, value) in overrides ?? new Dictionary<string, double>())
        {
            if (!_parameters.ContainsKey(name))
                throw new ArgumentException($"Unknown parameter '{name}' for {Name} (parameters: {string.Join(", ", DefaultParameters.Keys)}).");
            if (!double.IsFinite(value)) throw new ArgumentException($"Parameter '{name}' must be finite, got {value}.");
            _parameters[name] = value;
        }
    }

    /// <summary>Command-line name, e.g. "klein-gordon".</summary>
    public abstract string Name { get; }
    public abstract string Title { get; }
    /// <summary>Parameters and their published default values.</summary>
    public abstract IReadOnlyDictionary<string, double> DefaultParameters { get; }
    public IReadOnlyDictionary<string, double> Parameters => _parameters;
    protected double P(string name) => _parameters[name];

    public abstract Box Domain { get; }
    /// <summary>Network outputs in column order.</summary>
    public abstract string[] Outputs { get; }
    public abstract IReadOnlyList<LossTerm> Terms { get; }
    /// <summary>How the source paper trained it, as a recipe (its model preset in <see cref="TrainingRecipe.Model"/>); unset settings keep the recipe's defaults.</summary>
    public virtual TrainingRecipe Defaults => new() { Model = "M1" };
    /// <summary>The settings of <see cref="Defaults"/> the description gives explicitly (a problem file's [training]): over the
    /// problem's own model preset they win (a file's weighting = "fixed" with model = "M2").</summary>
    public virtual IReadOnlyList<SettingValue> ExplicitDefaults => [];

    /// <summary>Fields with names of their own (the cavity's u = ψ_y); plain outputs need no entry.</summary>
    public virtual IReadOnlyList<FieldDefinition> DerivedFields => [];

    /// <summary>The exact solution's outputs at a point, or null when only a reference file exists.</summary>
    public virtual double[]? Exact(double[] point) => null;

    /// <summary>
    /// Computes the reference solution for problems without a closed form (a solver from PinnServe.Reference);
    /// its axes must be the domain's axes in order and its fields must include <see cref="EvaluatedFields"/>.
    /// </summary>
    public virtual PinnServe.Reference.ReferenceSolution? ComputeReference() => null;

    /// <summary>A reference at scattered points (a data file that is not a grid), or null; used when there is no exact solution.</summary>
    public virtual PinnServe.Reference.Files.ReferencePoints? ScatteredReference() => null;

    /// <summary>Names of the fields compared against the reference (default: the outputs).</summary>
    public virtual string[] EvaluatedFields => Outputs;

    /// <summary>Magnitudes reported next to the per-field errors (the cavity's velocity magnitude).</summary>
    public virtual IReadOnlyList<MagnitudeMetric> MagnitudeMetrics => [];

    /// <summary>Whether a point of the bounding box belongs to the domain (evaluation grids are masked with it).</summary>
    public virtual bool Contains(double[] point) => true;

    /// <summary>Field u as an expression root.</summary>
    protected static Field F(string name) => new(name);
    protected static Expr Known(string name, Func<double[], double> f) => new Known(name, f);

    protected int IntegerParameter(string name)
    {
        double v = P(name);
        if (v != Math.Round(v) || v < 1 || v > 9) throw new ArgumentException($"Parameter '{name}' must be an integer in 1..9, got {v}.");
        return (int)v;
    }
}
