using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Files;
using PinnServe.Physics.Geometry;
using PinnServe.Tensors;
using PinnServe.Contracts;

namespace PinnServe.Training.Tests.FileProblems;

/// <summary>Constructive geometry: membership, uniform interior and boundary sampling, named boundary parts, masked evaluation.</summary>
public class GeometryTests
{
    private static readonly Box Square = new(new Axis("x", 0, 1), new Axis("y", 0, 1));
    private static readonly CsgDomain Holed = new(Square, [new CsgStep(new Ball("circle 1", [0, 1], [0.5, 0.5], 0.2), Add: false)]);

    [Fact]
    public void InteriorPointsAreUniformOverTheDomainAndAvoidTheHole()
    {
        var points = new double[20_000 * 2];
        new CsgInterior(Holed).Sample(Square, new Rng(3), points);
        int left = 0;
        for (int i = 0; i < points.Length; i += 2)
        {
            double dx = points[i] - 0.5, dy = points[i + 1] - 0.5;
            Assert.True(dx * dx + dy * dy >= 0.04, "a point inside the hole");
            if (points[i] < 0.25) left++;
        }
        // The strip x < 0.25 misses the hole: its share is 0.25 / (1 − π·0.04) of the area.
        double expected = 0.25 / (1 - Math.PI * 0.04);
        Assert.InRange(left / 20_000.0, expected - 0.015, expected + 0.015);
    }

    [Fact]
    public void BoundaryPointsAreUniformByLength()
    {
        var parts = new List<BoundaryPart> { new FacePart(new Face("x", 0)), new FacePart(new Face("x", 1)), new FacePart(new Face("y", 0)),
            new FacePart(new Face("y", 1)), new ShapePart(Holed.Shape("circle 1")) };
        var region = new CsgBoundary(Holed, parts);
        var points = new double[20_000 * 2];
        region.Sample(Square, new Rng(5), points);
        int onCircle = 0;
        for (int i = 0; i < points.Length; i += 2)
        {
            double r = Math.Sqrt(Math.Pow(points[i] - 0.5, 2) + Math.Pow(points[i + 1] - 0.5, 2));
            bool side = points[i] is 0 or 1 || points[i + 1] is 0 or 1;
            Assert.True(side || Math.Abs(r - 0.2) < 1e-12, $"({points[i]}, {points[i + 1]}) is on no boundary part");
            if (!side) onCircle++;
        }
        double expected = 2 * Math.PI * 0.2 / (4 + 2 * Math.PI * 0.2);
        Assert.InRange(onCircle / 20_000.0, expected - 0.015, expected + 0.015);
        // On the hole the domain's outward normal points into the hole.
        var normal = region.OutwardNormal([0.5 + 0.2, 0.5]);
        Assert.Equal(-1, normal[0], 9);
        Assert.Equal(0, normal[1], 9);
        Assert.Equal(1, region.OutwardNormal([1, 0.3])[0], 9);
    }

    [Fact]
    public void ASphereRemovedFromACubeSamplesUniformlyByVolumeAndArea()
    {
        var p = ProblemFiles.Parse("""
            name = "cube-ball"
            outputs = ["u"]
            [inputs]
            x = [0, 1]
            y = [0, 1]
            z = [0, 1]
            [geometry]
            shapes = [{ op = "remove", shape = "sphere", center = [0.5, 0.5, 0.5], radius = 0.25 }]
            [[terms]]
            name = "residual"
            expr = "u_xx + u_yy + u_zz"
            [[terms]]
            name = "walls"
            kind = "dirichlet"
            on = "boundary"
            """, "cube.toml");
        const int n = 20_000;
        double r = 0.25, ballVolume = 4.0 / 3 * Math.PI * r * r * r, sphereArea = 4 * Math.PI * r * r;
        double Distance(double[] pts, int i) => Math.Sqrt(Math.Pow(pts[i] - 0.5, 2) + Math.Pow(pts[i + 1] - 0.5, 2) + Math.Pow(pts[i + 2] - 0.5, 2));

        var interior = new double[n * 3];
        p.Terms[0].Pieces[0].Region.Sample(p.Domain, new Rng(21), interior);
        int slab = 0;
        for (int i = 0; i < interior.Length; i += 3)
        {
            Assert.True(Distance(interior, i) >= r, "a point inside the removed ball");
            if (interior[i] < 0.25) slab++;
        }
        Assert.InRange(slab / (double)n, 0.25 / (1 - ballVolume) - 0.015, 0.25 / (1 - ballVolume) + 0.015);   // the slab x < 0.25 misses the ball

        Assert.Single(p.Terms[1].Pieces);
        var region = p.Terms[1].Pieces[0].Region;
        var boundary = new double[n * 3];
        region.Sample(p.Domain, new Rng(22), boundary);
        int onSphere = 0;
        for (int i = 0; i < boundary.Length; i += 3)
        {
            bool face = boundary[i] is 0 or 1 || boundary[i + 1] is 0 or 1 || boundary[i + 2] is 0 or 1;
            Assert.True(face || Math.Abs(Distance(boundary, i) - r) < 1e-12, "a boundary point on no boundary part");
            if (!face) onSphere++;
        }
        double expected = sphereArea / (6 + sphereArea);
        Assert.InRange(onSphere / (double)n, expected - 0.015, expected + 0.015);
        var normal = Assert.IsType<CsgBoundary>(region).OutwardNormal([0.5, 0.5, 0.75]);   // into the ball, at its top
        Assert.Equal(new double[] { 0, 0, -1 }, normal.Select(c => Math.Round(c, 9)).ToArray());
    }

    [Fact]
    public void FacesInsideARemovedShapeAreNotBoundary()
    {
        // A rectangle cut out of the right edge: x = 1 remains boundary only for y outside (0.4, 0.6).
        var notch = new CsgDomain(Square, [new CsgStep(new Rectangle("notch", [0, 1], [0.8, 0.4], [1.2, 0.6]), Add: false)]);
        var points = new double[5000 * 2];
        new CsgBoundary(notch, [new FacePart(new Face("x", 1))]).Sample(Square, new Rng(9), points);
        for (int i = 0; i < points.Length; i += 2) Assert.False(points[i + 1] is > 0.4 and < 0.6, $"y = {points[i + 1]} lies in the notch");
        Assert.InRange(notch.Fill(), 0.96 - 0.005, 0.96 + 0.005); // the notch inside the square is 0.2 × 0.2
    }

    [Fact]
    public void ShapesAddedBackAndNamedInFiles()
    {
        var p = ProblemFiles.Parse("""
            name = "l-shape"
            outputs = ["u"]
            [inputs]
            t = [0, 1]
            x = [-1, 1]
            y = [-1, 1]
            [geometry]
            shapes = [
              { op = "remove", shape = "rectangle", min = [0, 0], max = [1, 1] },
              { op = "add", shape = "circle", name = "bump", center = [0, 0], radius = 0.5 },
            ]
            [[terms]]
            name = "residual"
            expr = "u_t - u_xx - u_yy"
            [[terms]]
            name = "ic"
            kind = "initial"
            on = "t = 0"
            expr = "u"
            [[terms]]
            name = "walls"
            kind = "dirichlet"
            on = ["rectangle 1", "bump"]
            """, "l.toml");
        Assert.True(p.Contains([0.5, -0.5, -0.5]));
        Assert.False(p.Contains([0.5, 0.7, 0.7]));   // removed quarter
        Assert.True(p.Contains([0.5, 0.2, 0.2]));    // added back by the circle
        Assert.Equal(2, p.Terms[2].Pieces.Count);
        var ic = new double[1000 * 3];
        p.Terms[1].Pieces[0].Region.Sample(p.Domain, new Rng(1), ic);
        for (int i = 0; i < ic.Length; i += 3)
        {
            Assert.Equal(0, ic[i]);
            Assert.True(p.Contains([ic[i], ic[i + 1], ic[i + 2]]));
        }
        var e = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(File.ReadAllText(Repository.Example("poisson-hole.toml")).Replace("on = \"circle 1\"", "on = \"circle 2\""), "hole.toml"));
        Assert.Contains("unknown region 'circle 2'", e.Message);
        Assert.Contains("\"circle 1\"", e.Message);
    }

    [Fact]
    public void EvaluationGridIsMaskedToTheDomain()
    {
        var problem = ProblemFiles.Load(Repository.Example("poisson-hole.toml"));
        var set = Evaluation.EvaluationSet.FromExactSolution(problem, 51);
        Assert.InRange(set.Count, (int)(51 * 51 * (1 - Math.PI * 0.04)) - 60, (int)(51 * 51 * (1 - Math.PI * 0.04)) + 60);
        for (int i = 0; i < set.Count; i++) Assert.True(problem.Contains([set.Points[2 * i], set.Points[2 * i + 1]]));
    }

    [Theory]
    [InlineData("poisson-hole.toml")]
    [InlineData("heat-2d.toml")]
    [InlineData("klein-gordon.toml")]
    public void ExampleExactSolutionsSatisfyEveryTermIncludingNeumannOnTheHole(string file)
    {
        var problem = ProblemFiles.Load(Repository.Example(file));
        var box = problem.Domain;
        var rng = new Rng(11);
        const double h = 2e-4;
        double Derivative(FieldDerivative f, double[] point)
        {
            double Rec(double[] p, int k)
            {
                if (k == f.Derivative.Length) return problem.Exact(p)![Array.IndexOf(problem.EvaluatedFields, f.Output)];
                int axis = box.IndexOf(f.Derivative[k]);
                var plus = (double[])p.Clone(); plus[axis] += h;
                var minus = (double[])p.Clone(); minus[axis] -= h;
                return (Rec(plus, k + 1) - Rec(minus, k + 1)) / (2 * h);
            }
            return Rec(point, 0);
        }
        foreach (var term in problem.Terms)
            foreach (var piece in term.Pieces)
            {
                var points = new double[20 * box.Dimension];
                piece.Region.Sample(box, rng, points);
                for (int p = 0; p < 20; p++)
                {
                    var point = points.AsSpan(p * box.Dimension, box.Dimension).ToArray();
                    foreach (var error in piece.Errors)
                    {
                        double scale = 1;
                        double value = ExprInterpreter.Evaluate(error, point, f =>
                        {
                            double d = Derivative(f, point);
                            scale = Math.Max(scale, Math.Abs(d));
                            return d;
                        }, problem.Parameters, box.Names);
                        Assert.True(Math.Abs(value) <= 1e-4 * scale, $"{file} term '{term.Name}' at ({string.Join(", ", point)}): error {value:E3}");
                    }
                }
            }
        // The check can fail: a wrong sign of the hole's normal leaves a Neumann error.
        if (file == "poisson-hole.toml")
        {
            var wrong = ProblemFiles.Parse(File.ReadAllText(Repository.Example(file)).Replace("g = \"-((x", "g = \"((x"), file);
            var hole = wrong.Terms.Single(t => t.Name == "hole").Pieces[0];
            var pts = new double[2];
            hole.Region.Sample(box, rng, pts);
            double v = ExprInterpreter.Evaluate(hole.Errors[0], pts, f => Derivative(f, pts), wrong.Parameters, box.Names);
            Assert.True(Math.Abs(v) > 1e-2, $"wrong normal gave {v}");
        }
    }
}
