using PinnServe.Contracts.Derivatives;

namespace PinnServe.Physics.Expressions;

/// <summary>
/// A pointwise expression over a network's outputs and their input derivatives — how a problem writes its
/// residuals and conditions, e.g. <c>u.D("tt") - u.D("xx") + u.Pow(3) - Known("f", …)</c>. Expressions are
/// data: the trainer reads which derivatives they need and compiles them onto a tape.
/// </summary>
public abstract record Expr
{
    public static Expr operator +(Expr a, Expr b) => new Sum(a, 1, b, 1);
    public static Expr operator -(Expr a, Expr b) => new Sum(a, 1, b, -1);
    public static Expr operator -(Expr a) => new Affine(a, -1, 0);
    public static Expr operator *(Expr a, Expr b) => new Product(a, b);
    public static Expr operator *(double c, Expr a) => new Affine(a, c, 0);
    public static Expr operator *(Expr a, double c) => new Affine(a, c, 0);
    public static Expr operator +(Expr a, double c) => new Affine(a, 1, c);
    public static Expr operator -(Expr a, double c) => new Affine(a, 1, -c);
    public static Expr operator /(Expr a, Expr b) => new Quotient(a, b);
    public static Expr operator /(Expr a, double c) => new Affine(a, 1 / c, 0);
    public static Expr operator /(double c, Expr a) => new Quotient(new Constant(c), a);
    public static implicit operator Expr(double c) => new Constant(c);

    public Expr Pow(int power) => power == 1 ? this : new Power(this, power);

    public static Expr Sin(Expr a) => new Apply(ElementaryFunction.Sin, a);
    public static Expr Cos(Expr a) => new Apply(ElementaryFunction.Cos, a);
    public static Expr Exp(Expr a) => new Apply(ElementaryFunction.Exp, a);
    public static Expr Log(Expr a) => new Apply(ElementaryFunction.Log, a);
    public static Expr Tanh(Expr a) => new Apply(ElementaryFunction.Tanh, a);
    public static Expr Sqrt(Expr a) => new Apply(ElementaryFunction.Sqrt, a);

    /// <summary>The derivative of this expression along single-letter axes, e.g. <c>(u*u).D("x")</c>; see <see cref="Calculus"/>.</summary>
    public Expr D(string axes) => axes.Aggregate(this, (e, axis) => Calculus.Differentiate(e, axis.ToString()));

    /// <summary>
    /// Every distinct sub-expression (by reference: a node shared by several parents, as named functions are, comes
    /// once), this one first, then depth first. Iterative, so deep or widely shared expressions cost no stack and
    /// no repeated work.
    /// </summary>
    public IEnumerable<Expr> Walk()
    {
        var seen = new HashSet<Expr>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Expr>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var e = stack.Pop();
            if (!seen.Add(e)) continue;
            yield return e;
            var children = e.Children();
            for (int i = children.Length - 1; i >= 0; i--) stack.Push(children[i]);
        }
    }

    /// <summary>The direct sub-expressions, in order.</summary>
    public virtual Expr[] Children() => [];
}

/// <summary>∂^derivative output, evaluated on a point set ("side" 0, or 1 for the partner points of a periodic pair).</summary>
public sealed record FieldDerivative(string Output, string[] Derivative, int Side = 0) : Expr
{
    public override string ToString() => Derivative.Length == 0 ? Output : $"{Output}_{string.Concat(Derivative)}";
}

/// <summary>A known function of the coordinates (source term, boundary data), evaluated at the term's points.</summary>
public sealed record Known(string Name, Func<double[], double> Function) : Expr
{
    public override string ToString() => Name;
}

/// <summary>Observed values, one per point of the term's <see cref="Geometry.DataPoints"/>, aligned by index.</summary>
public sealed record Observed(string Name, double[] Values) : Expr
{
    public override string ToString() => Name;
}

/// <summary>A named PDE coefficient: a constant, or a trainable scalar in an inverse problem.</summary>
public sealed record Coefficient(string Name) : Expr
{
    public override string ToString() => Name;
}

public sealed record Constant(double Value) : Expr
{
}

public sealed record Sum(Expr A, double Alpha, Expr B, double Beta) : Expr
{
    public override Expr[] Children() => [A, B];
}

public sealed record Affine(Expr A, double Scale, double Shift) : Expr
{
    public override Expr[] Children() => [A];
}

public sealed record Product(Expr A, Expr B) : Expr
{
    public override Expr[] Children() => [A, B];
}

public sealed record Power(Expr A, int Exponent) : Expr
{
    public override Expr[] Children() => [A];
}

/// <summary>A / B, pointwise.</summary>
public sealed record Quotient(Expr A, Expr B) : Expr
{
    public override Expr[] Children() => [A, B];
}

/// <summary>An elementary function of a sub-expression: sin, cos, exp, log, tanh, sqrt.</summary>
public sealed record Apply(ElementaryFunction Function, Expr A) : Expr
{
    public override Expr[] Children() => [A];
    public override string ToString() => $"{Function.Name()}({A})";
}

/// <summary>An input coordinate by name (x, t, …): lets expressions be written without closures, and differentiated.</summary>
public sealed record Coordinate(string Axis) : Expr
{
    public override string ToString() => Axis;
}

/// <summary>A network output as the root of derivative expressions: <c>u.D("xx")</c>, <c>psi.D("y")</c>.</summary>
public sealed record Field(string Name, int Side = 0)
{
    /// <summary>The derivative named by single-letter axes, e.g. "tt", "xy", "" for the value.</summary>
    public Expr D(string axes) => new FieldDerivative(Name, axes.Select(c => c.ToString()).ToArray(), Side);

    public Expr Value => D("");

    /// <summary>The same output on the partner points of a periodic pair.</summary>
    public Field Partner => this with { Side = 1 };

    public static implicit operator Expr(Field f) => f.Value;
}
