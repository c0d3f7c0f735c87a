using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;

namespace PinnServe.Physics;

/// <summary>What a loss term is for: the residual keeps weight 1; the others get adaptive weights.</summary>
public enum TermRole { Residual, Initial, Boundary, Data }

/// <summary>
/// One set of points with the error expressions evaluated there; the piece's loss is Σ mean(eᵢ²).
/// A periodic pair samples <see cref="Region"/> and copies the points onto <see cref="Partner"/>.
/// </summary>
public sealed record Piece(Region Region, IReadOnlyList<Expr> Errors, Face? Partner = null);

/// <summary>A named loss term: the sum of its pieces' losses. Weights are keyed by <see cref="Name"/>.</summary>
public sealed record LossTerm(string Name, TermRole Role, IReadOnlyList<Piece> Pieces)
{
    /// <summary>Keeps its initial weight (1) under every adaptive scheme: Deguchi & Asai 2023 weights only Allen–Cahn's IC.</summary>
    public bool FixedWeight { get; init; }

    public static LossTerm Residual(string name, params Expr[] residuals) =>
        new(name, TermRole.Residual, [new Piece(new Interior(), residuals)]);

    /// <summary>u(t₀, ·) and possibly u_t(t₀, ·) matched on the face axis = value.</summary>
    public static LossTerm Initial(string name, Face face, params Expr[] errors) =>
        new(name, TermRole.Initial, [new Piece(face, errors)]);

    /// <summary>One piece per face, each with its own points (Wang et al. 2021 samples every edge separately).</summary>
    public static LossTerm Boundary(string name, IEnumerable<Face> faces, Func<Face, Expr> error) =>
        new(name, TermRole.Boundary, faces.Select(f => new Piece(f, [error(f)])).ToList());

    /// <summary>All faces as one piece with one mean square over the union (Deguchi & Asai 2023's boundary term).</summary>
    public static LossTerm BoundaryUnion(string name, IReadOnlyList<Face> faces, Expr error) =>
        new(name, TermRole.Boundary, [new Piece(new FaceUnion(faces), [error])]);

    /// <summary>Observations: each error (typically field − <see cref="Observed"/>) at the given points, used whole every step.</summary>
    public static LossTerm Data(string name, DataPoints points, params Expr[] errors) =>
        new(name, TermRole.Data, [new Piece(points, errors)]);

    /// <summary>Periodicity in <paramref name="axis"/>: each expression equals itself on the opposite face.</summary>
    public static LossTerm Periodic(string name, string axis, double min, double max, params (Expr Left, Expr Right)[] pairs) =>
        new(name, TermRole.Boundary, [new Piece(new Face(axis, min), pairs.Select(p => p.Left - p.Right).ToList(), new Face(axis, max))]);
}
