using System.Numerics;

namespace PinnServe.Reference.AllenCahn;

/// <summary>
/// Evaluates the nonlinear term N(v) of v' = L v + N(v) in the diagonal (e.g. Fourier) basis: reads
/// <paramref name="state"/>, writes <paramref name="result"/>. Must not keep either span.
/// </summary>
public delegate void NonlinearTerm(ReadOnlySpan<Complex> state, Span<Complex> result);

/// <summary>
/// Fourth-order exponential time differencing Runge–Kutta (Cox &amp; Matthews 2002) for v' = L v + N(v) with a
/// diagonal, real linear part L. The φ-function coefficients are evaluated as means over a contour of radius 1
/// around each h·L (Kassam &amp; Trefethen 2005), which avoids the cancellation of the direct formulas as hL → 0.
/// </summary>
public sealed class Etdrk4
{
    private readonly double[] _e, _eHalf, _q, _f1, _f2, _f3;
    private readonly Complex[] _nv, _a, _na, _b, _nb, _c, _nc;

    /// <param name="linear">Diagonal of L, one entry per mode.</param>
    /// <param name="step">Time step h.</param>
    /// <param name="contourPoints">Points on the upper half of the contour (the lower half mirrors it for real L).</param>
    public Etdrk4(ReadOnlySpan<double> linear, double step, int contourPoints = 32)
    {
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), step, "Time step must be positive.");
        Step = step;
        int n = linear.Length;
        _e = new double[n]; _eHalf = new double[n]; _q = new double[n];
        _f1 = new double[n]; _f2 = new double[n]; _f3 = new double[n];
        for (int k = 0; k < n; k++)
        {
            double hl = step * linear[k];
            _e[k] = Math.Exp(hl);
            _eHalf[k] = Math.Exp(hl / 2);
            double q = 0, f1 = 0, f2 = 0, f3 = 0;
            for (int j = 1; j <= contourPoints; j++)
            {
                Complex z = hl + Complex.Exp(new Complex(0, Math.PI * (j - 0.5) / contourPoints));
                Complex ez = Complex.Exp(z), z3 = z * z * z;
                q += ((Complex.Exp(z / 2) - 1) / z).Real;
                f1 += ((-4 - z + ez * (4 - 3 * z + z * z)) / z3).Real;
                f2 += ((2 + z + ez * (z - 2)) / z3).Real;
                f3 += ((-4 - 3 * z - z * z + ez * (4 - z)) / z3).Real;
            }
            _q[k] = step * q / contourPoints;
            _f1[k] = step * f1 / contourPoints;
            _f2[k] = step * f2 / contourPoints;
            _f3[k] = step * f3 / contourPoints;
        }
        _nv = new Complex[n]; _a = new Complex[n]; _na = new Complex[n];
        _b = new Complex[n]; _nb = new Complex[n]; _c = new Complex[n]; _nc = new Complex[n];
    }

    public double Step { get; }

    /// <summary>Advances <paramref name="state"/> by one step h in place.</summary>
    public void Advance(Span<Complex> state, NonlinearTerm nonlinear)
    {
        int n = _e.Length;
        if (state.Length != n) throw new ArgumentException($"Expected {n} modes.", nameof(state));
        nonlinear(state, _nv);
        for (int k = 0; k < n; k++) _a[k] = _eHalf[k] * state[k] + _q[k] * _nv[k];
        nonlinear(_a, _na);
        for (int k = 0; k < n; k++) _b[k] = _eHalf[k] * state[k] + _q[k] * _na[k];
        nonlinear(_b, _nb);
        for (int k = 0; k < n; k++) _c[k] = _eHalf[k] * _a[k] + _q[k] * (2 * _nb[k] - _nv[k]);
        nonlinear(_c, _nc);
        for (int k = 0; k < n; k++)
            state[k] = _e[k] * state[k] + _f1[k] * _nv[k] + 2 * _f2[k] * (_na[k] + _nb[k]) + _f3[k] * _nc[k];
    }
}
