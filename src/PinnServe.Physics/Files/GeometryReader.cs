using PinnServe.Physics.Geometry;

namespace PinnServe.Physics.Files;

/// <summary>Reads [inputs] (the bounding box) and [geometry] (shapes added to or removed from it).</summary>
internal static class GeometryReader
{
    public static Box ReadBox(DocTable doc)
    {
        var inputs = doc.Table("inputs") ?? throw doc.Location.Error("'inputs' is required, e.g. [inputs] x = [0, 1]");
        if (inputs.Values.Count is < 1 or > 3) throw inputs.Location.Error($"1 to 3 inputs are supported, got {inputs.Values.Count}");
        var axes = new List<Axis>();
        foreach (var (name, _) in inputs.Values)
        {
            if (name.Length != 1 || !char.IsLetter(name[0]))
                throw inputs.Where(name).Error($"input '{name}' must be a single letter (derivatives are written u_xy)");
            var range = Numbers(inputs, name);
            if (range.Length != 2 || !(range[1] > range[0])) throw inputs.Where(name).Error($"input '{name}' needs a range [min, max] with max > min");
            if (!double.IsFinite(range[1] - range[0])) throw inputs.Where(name).Error($"input '{name}': the range [{range[0]}, {range[1]}] is too wide for float64");
            axes.Add(new Axis(name, range[0], range[1]));
        }
        return new Box(axes.ToArray());
    }

    public static double[] Numbers(DocTable table, string key)
    {
        if (table.Values.GetValueOrDefault(key) is not List<object?> list)
            throw table.Where(key).Error($"'{table.Name(key)}' must be a list of numbers");
        return list.Select((v, i) => v switch
        {
            double d when double.IsFinite(d) => d,
            double d => throw table.Where(key, i).Error($"'{table.Name(key)}[{i}]' must be a finite number, got {DocTable.Text(d)}"),
            long l => l,
            _ => throw table.Where(key, i).Error($"'{table.Name(key)}[{i}]' must be a number"),
        }).ToArray();
    }

    public static CsgDomain? ReadShapes(DocTable doc, Box box, ExpressionScope scope)
    {
        if (doc.Table("geometry") is not { } geometry) return null;
        geometry.OnlyKeys("start", "shapes", "time");
        bool startFull = (geometry.String("start") ?? "box") switch
        {
            "box" => true,
            "empty" => false,
            var other => throw geometry.Where("start").Error($"geometry.start must be \"box\" or \"empty\", got '{other}'"),
        };
        var time = geometry.Has("time") ? geometry.Strings("time").Select(s => s.Text).ToList() : null;
        foreach (var (axis, where) in geometry.Has("time") ? geometry.Strings("time") : [])
        {
            try { box.IndexOf(axis); }
            catch (ArgumentException e) { throw where.Error(e.Message); }
        }
        var spatial = box.Names.Where(n => !(time ?? ["t"]).Contains(n)).ToArray();
        var steps = new List<CsgStep>();
        var counts = new Dictionary<string, int>();
        foreach (var shape in geometry.Tables("shapes"))
        {
            shape.OnlyKeys("op", "shape", "name", "center", "radius", "min", "max", "axes");
            string kind = shape.RequireString("shape");
            bool add = (shape.String("op") ?? "remove") switch
            {
                "add" => true,
                "remove" => false,
                var other => throw shape.Where("op").Error($"op must be \"add\" or \"remove\", got '{other}'"),
            };
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
            string name = shape.String("name") ?? $"{kind} {counts[kind]}";
            int dims = kind switch
            {
                "circle" or "disk" or "rectangle" => 2,
                "sphere" or "ball" or "cuboid" => 3,
                _ => throw shape.Where("shape").Error($"unknown shape '{kind}' (circle, disk, sphere, ball, rectangle, cuboid)"),
            };
            var axisNames = shape.Has("axes") ? shape.Strings("axes").Select(s => s.Text).ToArray() : spatial.Take(dims).ToArray();
            if (axisNames.Length != dims) throw shape.Location.Error($"a {kind} needs {dims} spatial axes, the problem has {string.Join(", ", spatial)}");
            int[] axes;
            try { axes = axisNames.Select(box.IndexOf).ToArray(); }
            catch (ArgumentException e) { throw shape.Where("axes").Error(e.Message); }
            if (axes.Distinct().Count() != axes.Length) throw shape.Where("axes").Error($"a {kind}'s axes must be distinct, got {string.Join(", ", axisNames)}");
            Shape built = dims == 2 && kind == "rectangle" || dims == 3 && kind == "cuboid"
                ? new Rectangle(name, axes, Vector(shape, "min", dims), Vector(shape, "max", dims))
                : new Ball(name, axes, Vector(shape, "center", dims), shape.Number("radius") ?? throw shape.Location.Error($"a {kind} needs a radius"));
            // A shape far smaller than the box cannot be sampled: boundary points are told apart by probes 1e-9 of
            // the box's extent to either side, so sizes below MinRelativeSize of it are refused.
            double extent = axes.Min(a => box.Axes[a].Max - box.Axes[a].Min), smallest = MinRelativeSize * extent;
            if (built is Ball b && !(b.Radius >= smallest))
                throw shape.Where("radius").Error($"radius must be positive and at least {smallest:G3} ({MinRelativeSize:G1} of the box's extent), got {b.Radius}");
            if (built is Rectangle r && r.Min.Zip(r.Max).Any(p => !(p.Second - p.First >= smallest)))
                throw shape.Where("max").Error($"max must exceed min by at least {smallest:G3} ({MinRelativeSize:G1} of the box's extent) on every axis");
            if (steps.Any(s => s.Shape.Name == name) || scope.IsDefined(name)) throw shape.Location.Error($"shape name '{name}' is used twice");
            steps.Add(new CsgStep(built, add));
        }
        var domain = new CsgDomain(box, steps, startFull, time);
        // The samplers draw up to 100,000 points per accepted one: a domain that none of as many draws hits is empty.
        if (domain.Fill(100_000) == 0)
            throw geometry.Location.Error("the geometry leaves no interior: no point of the box is inside the domain (do the removed shapes cover it, or does start = \"empty\" add nothing?)");
        return domain;
    }

    /// <summary>Smallest shape size (radius, side) relative to the box's extent on the shape's axes.</summary>
    public const double MinRelativeSize = 1e-6;

    private static double[] Vector(DocTable table, string key, int dims)
    {
        if (!table.Has(key)) throw table.Location.Error($"'{table.Name(key)}' is required");
        var v = Numbers(table, key);
        if (v.Length != dims) throw table.Where(key).Error($"'{table.Name(key)}' needs {dims} numbers, got {v.Length}");
        return v;
    }
}
