using PinnServe.Contracts;
using PinnServe.Physics;
using PinnServe.Physics.Geometry;

namespace PinnServe.Training.Diagnostics;

/// <summary>
/// The same PDE with no exact solution or reference solver, so a helper trainer built from it skips the
/// (possibly expensive) evaluation set: diagnostics need the loss terms only.
/// </summary>
internal sealed class ProblemWithoutReference(Problem inner) : Problem(inner.Parameters)
{
    public override string Name => inner.Name;
    public override string Title => inner.Title;
    public override IReadOnlyDictionary<string, double> DefaultParameters => inner.DefaultParameters;
    public override Box Domain => inner.Domain;
    public override string[] Outputs => inner.Outputs;
    public override IReadOnlyList<LossTerm> Terms => inner.Terms;
    public override TrainingRecipe Defaults => inner.Defaults;
    public override IReadOnlyList<FieldDefinition> DerivedFields => inner.DerivedFields;
    public override string[] EvaluatedFields => inner.EvaluatedFields;
}
