using System.Globalization;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Contracts;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Physics.Files;

/// <summary>
/// Reads [[terms]]: each a named loss term of one kind — residual, initial, dirichlet, neumann, periodic, data or
/// condition (any error expressions) — on regions named by <c>on</c>: "interior", "boundary", a box face such as
/// "x = 0" or "t = 0", or a shape's name ("circle 1"). A list of regions gives one point set per entry (Wang et al. 2021
/// samples every edge separately); <c>union = true</c> makes them one point set (Deguchi & Asai 2023).
/// </summary>
internal sealed class TermReader(FileProblem problem, Box box, CsgDomain? geometry)
{
    private static readonly string[] Kinds = ["residual", "initial", "dirichlet", "neumann", "periodic", "data", "condition"];

    public List<LossTerm> Read(DocTable doc)
    {
        var terms = new List<LossTerm>();
        foreach (var t in doc.Tables("terms"))
        {
            t.OnlyKeys("name", "kind", "expr", "on", "union", "field", "value", "axis", "pieces", "fixed_weight", "file", "fields", "columns");
            string name = t.RequireString("name");
            CheckTermName(name, t.Where("name"));
            if (terms.Any(x => x.Name == name)) throw t.Where("name").Error($"term name '{name}' is used twice");
            _term = name;
            string kind = t.String("kind") ?? (name.StartsWith("residual", StringComparison.Ordinal) ? "residual" : "condition");
            if (!Kinds.Contains(kind)) throw t.Where("kind").Error($"unknown kind '{kind}' (kinds: {string.Join(", ", Kinds)})");
            foreach (var key in new[] { "file", "fields", "columns" })
                if (kind != "data" && t.Has(key)) throw t.Where(key).Error($"'{key}' belongs to data terms (kind = \"data\"), not to a {kind} term");
            var role = kind switch
            {
                "residual" => TermRole.Residual,
                "initial" => TermRole.Initial,
                "data" => TermRole.Data,
                _ => TermRole.Boundary,
            };
            var pieces = kind switch
            {
                "periodic" => [Periodic(t)],
                "data" => [DataReader.Read(t, problem, box)],
                _ when t.Has("pieces") => t.Tables("pieces").SelectMany(p => Pieces(p, kind, t)).ToList(),
                _ => Pieces(t, kind, null),
            };
            if (pieces.Count == 0) throw t.Location.Error($"term '{name}' has no points: give 'on' or 'pieces'");
            terms.Add(new LossTerm(name, role, pieces) { FixedWeight = t.Bool("fixed_weight") ?? false });
        }
        if (!terms.Any(t => t.Role == TermRole.Residual)) throw doc.Location.Error("at least one [[terms]] entry must have kind = \"residual\"");
        return terms;
    }

    /// <summary>The term being read, named in limit errors.</summary>
    private string _term = "";

    /// <summary>Longest term name: it heads columns of metrics.csv and keys of --weight and --term-points.</summary>
    internal const int MaxTermName = 64;

    /// <summary>A term name heads columns of metrics.csv and is a key of --weight name=…: letters, digits, '_', '-', '.'.</summary>
    private static void CheckTermName(string name, SourceLocation where)
    {
        if (name.Length == 0 || name.Length > MaxTermName || !char.IsAsciiLetter(name[0])
            || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
            throw where.Error($"term name '{ExpressionParser.Short(Printable(name))}' must start with a letter and hold only letters, digits, '_', '-' and '.' " +
                              $"(at most {MaxTermName} characters): it names columns of metrics.csv and --weight keys");
    }

    /// <summary>Control characters (a newline in a name) shown escaped in messages.</summary>
    internal static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    /// <param name="parent">For an entry of <c>pieces</c>: the term, whose field, value and expr are the defaults.</param>
    private List<Piece> Pieces(DocTable t, string kind, DocTable? parent)
    {
        if (parent is not null) t.OnlyKeys("on", "expr", "value", "field", "union");
        if (t.Values.GetValueOrDefault("on") is DocTable pointTable)
            return [new Piece(Points(pointTable), Errors(t, parent, kind, new Interior(), pointTable.Location))];
        var on = t.Strings("on");
        if (on.Count == 0)
        {
            if (kind == "residual") on = [("interior", t.Location)];
            else throw t.Location.Error($"'{t.Name("on")}' is required for a {kind} term (e.g. \"x = 0\", \"boundary\", a shape's name)");
        }
        var regions = on.Select(o => (Region(o.Text, o.Where), o.Where)).ToList();
        if (t.Bool("union") == true && regions.Count > 1) regions = [(Union(regions), on[0].Where)];
        foreach (var (region, where) in regions) Probe(region, where);
        return regions.Select(r => new Piece(r.Item1, Errors(t, parent, kind, r.Item1, r.Item2))).ToList();
    }

    private IReadOnlyList<Expr> Errors(DocTable t, DocTable? parent, string kind, Region region, SourceLocation where)
    {
        // A key of the piece, else of its term.
        DocTable From(string key) => t.Has(key) || parent is null ? t : parent;
        if (kind is "dirichlet" or "neumann")
        {
            if (From("expr").Has("expr")) throw From("expr").Where("expr").Error($"a {kind} term takes 'field' and 'value', not 'expr'");
            var field = Parse(From("field").String("field") ?? problem.Outputs[0], From("field").Where("field"), collapse: false);
            var value = Parse(From("value").String("value") ?? "0", From("value").Where("value"));
            var lhs = kind == "dirichlet" ? field : CheckOrder(NormalDerivative(field, region, where), From("field").Where("field"));
            return [problem.Collapse(lhs - value)];
        }
        if (From("value").Has("value") || From("field").Has("field"))
            throw t.Location.Error($"'field' and 'value' belong to dirichlet and neumann terms; a {kind} term takes 'expr'");
        var errors = From("expr").Strings("expr");
        if (errors.Count == 0) throw t.Location.Error($"'{t.Name("expr")}' is required");
        return errors.Select(e => Parse(e.Text, e.Where)).ToList();
    }

    private Expr Parse(string text, SourceLocation where, bool collapse = true)
    {
        var e = CheckOrder(problem.Parse(text, where, $"term '{_term}'"), where);
        return collapse ? problem.Collapse(e) : e;
    }

    /// <summary>Refuses derivatives of the network beyond the engine's order (<see cref="DerivativeSet.MaxSupportedOrder"/>).</summary>
    private Expr CheckOrder(Expr e, SourceLocation where)
    {
        foreach (var f in e.Walk().OfType<FieldDerivative>())
            if (f.Derivative.Length > DerivativeSet.MaxSupportedOrder)
                throw where.Error($"term '{_term}' uses {f}, a derivative of order {f.Derivative.Length}; the engine computes derivatives up to order {DerivativeSet.MaxSupportedOrder}");
        return e;
    }

    /// <summary>∂u/∂n with the domain's outward normal: ±u_axis on a box face, Σ nᵢ(p) u_i on curved parts.</summary>
    private Expr NormalDerivative(Expr field, Region region, SourceLocation where)
    {
        switch (region)
        {
            case Face f:
                var axis = box.Axes[box.IndexOf(f.Axis)];
                return (f.Value >= axis.Center ? 1.0 : -1.0) * field.D(f.Axis);
            case CsgBoundary b:
                Expr? sum = null;
                for (int a = 0; a < box.Dimension; a++)
                {
                    if (b.Domain.TimeAxes.Contains(a)) continue;
                    int index = a;
                    var n = new Known($"n_{box.Axes[a].Name}", p => b.OutwardNormal(p)[index]);
                    var term = n * field.D(box.Axes[a].Name);
                    sum = sum is null ? term : sum + term;
                }
                return sum!;
            default:
                throw where.Error($"a Neumann condition needs a boundary, got {region.Describe(box)}");
        }
    }

    private Piece Periodic(DocTable t)
    {
        var axisName = t.RequireString("axis");
        int index;
        try { index = box.IndexOf(axisName); }
        catch (ArgumentException e) { throw t.Where("axis").Error(e.Message); }
        var axis = box.Axes[index];
        var exprs = t.Has("expr") ? t.Strings("expr") : problem.Outputs.Select(o => (o, t.Location)).ToList();
        var pairs = exprs.Select(e =>
        {
            var left = Parse(e.Item1, e.Item2);
            var right = ExprRewriter.Map(left, x => x is FieldDerivative f ? f with { Side = 1 } : null);
            return left - right;
        }).ToList();
        return new Piece(new Face(axisName, axis.Min), pairs, new Face(axisName, axis.Max));
    }

    private Region Union(List<(Region Region, SourceLocation Where)> regions)
    {
        if (regions.All(r => r.Region is Face)) return new FaceUnion(regions.Select(r => (Face)r.Region).ToList());
        if (regions.All(r => r.Region is CsgBoundary))
        {
            var parts = regions.SelectMany(r => ((CsgBoundary)r.Region).Parts).ToList();
            return new CsgBoundary(((CsgBoundary)regions[0].Region).Domain, parts);
        }
        throw regions[0].Where.Error("only boundary regions (faces, shapes, \"boundary\") can form a union");
    }

    /// <summary>Most points of a point region (they are used whole, every step).</summary>
    internal const int MaxRegionPoints = 100_000;

    /// <summary>
    /// A point region, <c>on = { points = [[0, 0], [1, 0.5]] }</c>: the term's errors at exactly these points, all of
    /// them every step (pointwise conditions such as pinning the pressure, p(0, 0) = 0).
    /// </summary>
    private DataPoints Points(DocTable table)
    {
        table.OnlyKeys("points");
        if (table.Values.GetValueOrDefault("points") is not List<object?> { Count: > 0 } list)
            throw table.Location.Error($"'{table.Name("points")}' must be a non-empty list of points, e.g. points = [[0, 0]]");
        if (list.Count > MaxRegionPoints) throw table.Where("points").Error($"{list.Count} points; a point region holds at most {MaxRegionPoints:N0} (use a data term's file for more)");
        int d = box.Dimension;
        var points = new double[list.Count * d];
        for (int i = 0; i < list.Count; i++)
        {
            var where = table.Where("points", i);
            if (list[i] is not List<object?> coordinates || coordinates.Count != d)
                throw where.Error($"point {i + 1} must be a list of {d} numbers ({string.Join(", ", box.Names)})");
            for (int a = 0; a < d; a++)
            {
                double value = coordinates[a] switch
                {
                    double v when double.IsFinite(v) => v,
                    long l => l,
                    _ => throw where.Error($"point {i + 1}: coordinate {box.Names[a]} must be a finite number"),
                };
                var axis = box.Axes[a];
                if (value < axis.Min || value > axis.Max)
                    throw where.Error($"point {i + 1}: {box.Names[a]} = {value} lies outside [{axis.Min}, {axis.Max}]");
                points[i * d + a] = value;
            }
            if (geometry is not null && !geometry.Contains(points.AsSpan(i * d, d)) && !OnShape(points.AsSpan(i * d, d)))
                throw where.Error($"point {i + 1} lies outside the domain (inside a removed shape)");
        }
        return new DataPoints(points, d);
    }

    /// <summary>Whether a point lies on a shape's surface (a point on a hole's rim belongs to the domain's closure).</summary>
    private bool OnShape(ReadOnlySpan<double> point)
    {
        Span<double> normal = stackalloc double[box.Dimension];
        foreach (var step in geometry!.Steps)
        {
            step.Shape.Normal(point, normal);
            if (geometry.OnBoundary(point, normal)) return true;
        }
        return false;
    }

    /// <summary>
    /// Draws one point of a region of a constructive geometry, so a region with no points (a face inside a hole, a
    /// shape inside a removed one, an empty domain) is refused here, with its place in the file, not by the sampler
    /// during training.
    /// </summary>
    private void Probe(Region region, SourceLocation where)
    {
        if (geometry is null) return;
        try { region.Sample(box, new Rng(1), new double[box.Dimension]); }
        catch (InvalidOperationException e)
        {
            throw where.Error($"'{region.Describe(box)}' has no points: {e.Message.TrimEnd('.')}");
        }
    }

    private CsgDomain Csg => geometry ?? new CsgDomain(box, []);

    public Region Region(string text, SourceLocation where)
    {
        string s = text.Trim();
        if (s == "interior") return geometry is null ? new Interior() : new CsgInterior(geometry);
        if (s == "boundary")
        {
            var csg = Csg;
            var parts = new List<BoundaryPart>();
            for (int a = 0; a < box.Dimension; a++)
            {
                if (csg.TimeAxes.Contains(a)) continue;
                parts.Add(new FacePart(new Face(box.Axes[a].Name, box.Axes[a].Min)));
                parts.Add(new FacePart(new Face(box.Axes[a].Name, box.Axes[a].Max)));
            }
            parts.AddRange(csg.Steps.Select(st => new ShapePart(st.Shape)));
            if (parts.Count == 0) throw where.Error("the domain has no spatial boundary");
            return new CsgBoundary(csg, parts);
        }
        int eq = s.IndexOf('=');
        if (eq > 0)
        {
            string axisName = s[..eq].Trim(), valueText = s[(eq + 1)..].Trim();
            if (!box.Names.Contains(axisName)) throw where.Error($"'{text}': unknown input '{axisName}' (inputs: {string.Join(", ", box.Names)})");
            var axis = box.Axes[box.IndexOf(axisName)];
            double value = valueText switch
            {
                "min" => axis.Min,
                "max" => axis.Max,
                _ => double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                    : ExprInterpreter.TryConstant(problem.Parse(valueText, where.Advance(eq + 1)), problem.Parameters)
                      ?? throw where.Error($"'{text}': the value must be a number or an expression of parameters"),
            };
            if (!double.IsFinite(value)) throw where.Error($"'{text}': the value must be a finite number, got {value}");
            if (value < axis.Min || value > axis.Max) throw where.Error($"'{text}' lies outside {axisName} ∈ [{axis.Min}, {axis.Max}]");
            var face = new Face(axisName, value);
            if (geometry is null) return face;
            return geometry.TimeAxes.Contains(box.IndexOf(axisName)) ? new CsgFace(geometry, face) : new CsgBoundary(geometry, [new FacePart(face)]);
        }
        if (geometry?.Steps.FirstOrDefault(st => st.Shape.Name == s) is { } step) return new CsgBoundary(geometry, [new ShapePart(step.Shape)]);
        var shapes = geometry?.Steps.Select(st => $"\"{st.Shape.Name}\"") ?? [];
        throw where.Error($"unknown region '{text}' (use \"interior\", \"boundary\", a face like \"{box.Names[^1]} = {box.Axes[^1].Min}\"" +
                          (shapes.Any() ? $", or a shape: {string.Join(", ", shapes)}" : "") + ")");
    }
}
