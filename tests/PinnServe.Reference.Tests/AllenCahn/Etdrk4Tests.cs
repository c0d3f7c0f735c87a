using System.Numerics;
using PinnServe.Reference.AllenCahn;

namespace PinnServe.Reference.Tests.AllenCahn;

public class Etdrk4Tests
{
    /// <summary>Relative error at t = 1 of v' = λv + N(v) for one mode, with the exact solution given.</summary>
    private static double Error(double linear, NonlinearTerm nonlinear, Complex start, Func<double, Complex> exact, int steps)
    {
        var stepper = new Etdrk4([linear], 1.0 / steps);
        Complex[] state = [start];
        for (int s = 0; s < steps; s++) stepper.Advance(state, nonlinear);
        return (state[0] - exact(1)).Magnitude / exact(1).Magnitude;
    }

    [Fact]
    public void Fourth_order_on_a_stiff_linear_mode_with_explicit_reaction()
    {
        // u_t = u_xx + 5u for u = a(t) cos(2πx): λ = −4π² ≈ −39 (stiff), N(a) = 5a treated explicitly,
        // a(t) = e^{(5 − 4π²) t}.
        double lambda = -4 * Math.PI * Math.PI;
        static void Reaction(ReadOnlySpan<Complex> v, Span<Complex> result) => result[0] = 5 * v[0];
        double coarse = Error(lambda, Reaction, 1, t => Math.Exp((5 + lambda) * t), 20);
        double fine = Error(lambda, Reaction, 1, t => Math.Exp((5 + lambda) * t), 40);
        Assert.InRange(Math.Log2(coarse / fine), 3.7, 4.5);
    }

    [Fact]
    public void Fourth_order_on_the_logistic_equation()
    {
        // u' = u − u² (λ = 1, N(u) = −u²), u(t) = 1 / (1 + (1/u0 − 1) e^{−t}).
        static void Quadratic(ReadOnlySpan<Complex> v, Span<Complex> result) => result[0] = -v[0] * v[0];
        Complex Exact(double t) => 1 / (1 + (1 / 0.1 - 1) * Math.Exp(-t));
        double[] errors = [.. new[] { 8, 16, 32 }.Select(steps => Error(1, Quadratic, 0.1, Exact, steps))];
        Assert.InRange(Math.Log2(errors[0] / errors[1]), 3.7, 4.4);
        Assert.InRange(Math.Log2(errors[1] / errors[2]), 3.8, 4.3);
    }

    [Fact]
    public void Purely_linear_problems_are_integrated_exactly()
    {
        static void None(ReadOnlySpan<Complex> v, Span<Complex> result) => result[0] = 0;
        Assert.True(Error(-50, None, 1, t => Math.Exp(-50 * t), 3) < 1e-13);
    }
}
