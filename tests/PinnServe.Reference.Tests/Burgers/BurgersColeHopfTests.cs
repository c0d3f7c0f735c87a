using PinnServe.Reference.Burgers;

namespace PinnServe.Reference.Tests.Burgers;

public class BurgersColeHopfTests
{
    private static readonly double Nu = 0.01 / Math.PI;
    private readonly BurgersColeHopf _solver = new(Nu);
    private static readonly double[] Times = [0.05, 0.2, 0.3, 1 / Math.PI, 0.4, 0.5, 0.75, 1.0];

    [Fact]
    public void Solution_is_odd_in_x_and_vanishes_at_the_centre()
    {
        foreach (double t in Times)
        {
            Assert.Equal(0, _solver.Evaluate(t, 0), 1e-12);
            foreach (double x in new[] { 1e-4, 0.003, 0.1, 0.5, 0.9 })
                Assert.Equal(-_solver.Evaluate(t, -x), _solver.Evaluate(t, x), 1e-12);
        }
    }

    [Fact]
    public void Boundary_values_vanish()
    {
        foreach (double t in Times)
        {
            Assert.Equal(0, _solver.Evaluate(t, -1), 1e-12);
            Assert.Equal(0, _solver.Evaluate(t, 1), 1e-12);
        }
    }

    [Fact]
    public void Small_times_recover_the_initial_condition()
    {
        // For t → 0, u ≈ −sin(πx) + t·(u u_x − ν u_xx) stays within ~t·π of the data.
        for (double x = -1; x <= 1; x += 0.05)
            Assert.Equal(-Math.Sin(Math.PI * x), _solver.Evaluate(1e-6, x), 1e-4);
    }

    [Fact]
    public void Agrees_with_a_refined_quadrature_through_the_shock()
    {
        var refined = new BurgersColeHopf(Nu, panels: 800, nodesPerPanel: 16);
        double worst = 0;
        foreach (double t in Times)
            foreach (double x in new[] { -1, -0.6, -0.01, -1e-3, -2e-4, 0, 1e-4, 5e-4, 2e-3, 0.006, 0.02, 0.3, 0.9 })
                worst = Math.Max(worst, Math.Abs(_solver.Evaluate(t, x) - refined.Evaluate(t, x)));
        Assert.True(worst < 1e-10, $"max deviation {worst:E2}"); // measured ≈ 2e-14
    }

    [Fact]
    public void Steepest_slope_at_the_centre_matches_the_published_value()
    {
        // Basdevant et al. (1986): max_t |u_x(t, 0)| = 152.00516, reached at t = 1.6037/π ≈ 0.5105.
        double Slope(double t) => Math.Abs(_solver.Evaluate(t, 1e-6) - _solver.Evaluate(t, -1e-6)) / 2e-6;
        double low = 0.4, high = 0.6, ratio = (Math.Sqrt(5) - 1) / 2;
        for (int k = 0; k < 50; k++)
        {
            double left = high - ratio * (high - low), right = low + ratio * (high - low);
            if (Slope(left) > Slope(right)) high = right; else low = left;
        }
        Assert.Equal(152.00516, Slope(low), 152.00516 * 1e-5);
        Assert.Equal(1.6037 / Math.PI, low, 1e-3);
    }

    [Fact]
    public void Satisfies_the_equation_away_from_the_shock()
    {
        const double h = 1e-4; // central differences: truncation ~h²·u'''' and round-off ~1e-16/h² both ≪ 1e-6 here
        double worst = 0;
        foreach (double t in new[] { 0.1, 0.5, 0.9 })
            foreach (double x in new[] { -0.8, -0.3, 0.2, 0.6 })
            {
                double u = _solver.Evaluate(t, x);
                double ut = (_solver.Evaluate(t + h, x) - _solver.Evaluate(t - h, x)) / (2 * h);
                double ux = (_solver.Evaluate(t, x + h) - _solver.Evaluate(t, x - h)) / (2 * h);
                double uxx = (_solver.Evaluate(t, x + h) - 2 * u + _solver.Evaluate(t, x - h)) / (h * h);
                worst = Math.Max(worst, Math.Abs(ut + u * ux - Nu * uxx));
            }
        Assert.True(worst < 1e-6, $"max residual {worst:E2}");
    }

    [Fact]
    public void Dissipates_energy_at_the_viscous_rate_through_the_shock()
    {
        // d/dt ½∫u² dx = −ν ∫u_x² dx for u(t, ±1) = 0; at t = 0.5 the shock (|u_x| ≈ 150) dominates the right side.
        const int points = 8_001; // 30 points across the shock's width 2ν/|u| ≈ 0.008
        double dx = 2.0 / (points - 1);
        double Energy(double t)
        {
            double sum = 0;
            for (int k = 0; k < points; k++) { double u = _solver.Evaluate(t, -1 + k * dx); sum += (k == 0 || k == points - 1 ? 0.5 : 1) * u * u; }
            return 0.5 * sum * dx;
        }
        const double t0 = 0.5, dt = 1e-4;
        double rate = (Energy(t0 + dt) - Energy(t0 - dt)) / (2 * dt);
        double dissipation = 0, previous = _solver.Evaluate(t0, -1);
        for (int k = 1; k < points; k++)
        {
            double next = _solver.Evaluate(t0, -1 + k * dx), slope = (next - previous) / dx; // midpoint rule for ∫u_x²
            dissipation += slope * slope * dx;
            previous = next;
        }
        double mismatch = Math.Abs(rate + Nu * dissipation) / Math.Abs(rate);
        Assert.True(mismatch < 1e-3, $"dE/dt = {rate:E6}, −ν∫u_x² = {-Nu * dissipation:E6}, relative mismatch {mismatch:E2}");
    }

    [Fact]
    public void Rejects_non_positive_viscosity() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BurgersColeHopf(0));
}
