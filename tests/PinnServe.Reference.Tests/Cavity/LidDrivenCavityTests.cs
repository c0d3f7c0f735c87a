namespace PinnServe.Reference.Tests.Cavity;

/// <summary>One Re = 100, 128² solve through the front door, shared by the class (about a second).</summary>
public sealed class CavityReferenceFixture
{
    public ReferenceSolution Solution { get; } = ReferenceSolutions.Compute("cavity");
}

public class LidDrivenCavityTests(CavityReferenceFixture fixture) : IClassFixture<CavityReferenceFixture>
{
    private readonly ReferenceSolution _solution = fixture.Solution;

    // Ghia, Ghia & Shin (1982), Re = 100: Table I, u along x = 0.5; Table II, v along y = 0.5.
    private static readonly (double Y, double U)[] GhiaU =
    [
        (1.0000, 1.00000), (0.9766, 0.84123), (0.9688, 0.78871), (0.9609, 0.73722), (0.9531, 0.68717),
        (0.8516, 0.23151), (0.7344, 0.00332), (0.6172, -0.13641), (0.5000, -0.20581), (0.4531, -0.21090),
        (0.2813, -0.15662), (0.1719, -0.10150), (0.1016, -0.06434), (0.0703, -0.04775), (0.0625, -0.04192),
        (0.0547, -0.03717), (0.0000, 0.00000),
    ];

    private static readonly (double X, double V)[] GhiaV =
    [
        (1.0000, 0.00000), (0.9688, -0.05906), (0.9609, -0.07391), (0.9531, -0.08864), (0.9453, -0.10313),
        (0.9063, -0.16914), (0.8594, -0.22445), (0.8047, -0.24533), (0.5000, 0.05454), (0.2344, 0.17527),
        (0.2266, 0.17507), (0.1563, 0.16077), (0.0938, 0.12317), (0.0781, 0.10890), (0.0703, 0.10091),
        (0.0625, 0.09233), (0.0000, 0.00000),
    ];

    [Fact]
    public void Centerline_u_matches_Ghia_table_I()
    {
        double worst = GhiaU.Max(row => Math.Abs(_solution.Interpolate("u", 0.5, row.Y) - row.U));
        Assert.True(worst < 1e-2, $"max |u − Ghia| = {worst:F5}"); // measured ≈ 3e-3
    }

    [Fact]
    public void Centerline_v_matches_Ghia_table_II()
    {
        double worst = GhiaV.Max(row => Math.Abs(_solution.Interpolate("v", row.X, 0.5) - row.V));
        Assert.True(worst < 1e-2, $"max |v − Ghia| = {worst:F5}");
    }

    [Fact]
    public void Primary_vortex_matches_Ghia()
    {
        double[] psi = _solution.Field("psi");
        int at = Array.IndexOf(psi, psi.Min());
        int n = _solution.Shape[1];
        double x = _solution.Axis("x").Coordinates[at / n], y = _solution.Axis("y").Coordinates[at % n];
        Assert.Equal(-0.103423, psi[at], 1e-3);
        Assert.Equal(0.6172, x, 0.01);
        Assert.Equal(0.7344, y, 0.01);
    }

    [Fact]
    public void Velocity_is_discretely_divergence_free_on_cell_centres()
    {
        // Cell-centred divergence from the four corner velocities — a stencil the solver never used.
        int n = _solution.Shape[0] - 1, row = n + 1;
        double h = 1.0 / n, worst = 0;
        double[] u = _solution.Field("u"), v = _solution.Field("v");
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double y = (j + 0.5) * h;
                if (y > 0.5) continue; // the stencil's O(h²) error grows toward the singular lid corners (0.1 at y = 0.9)
                int c = i * row + j;
                double divergence = (u[c + row] + u[c + row + 1] - u[c] - u[c + 1]) / (2 * h)
                                  + (v[c + 1] + v[c + row + 1] - v[c] - v[c + row]) / (2 * h);
                worst = Math.Max(worst, Math.Abs(divergence));
            }
        Assert.True(worst < 5e-3, $"max |div u| = {worst:E2}"); // measured 1.9e-3
    }

    [Fact]
    public void No_net_flow_crosses_any_horizontal_grid_line()
    {
        // Trapezoidal ∫ v dx along every row vanishes up to the quadrature error. (Along columns the lid's
        // jump from u ≈ 0.8 to 1 in the last cell makes the trapezoidal rule itself err by ~3e-3.)
        int n = _solution.Shape[0] - 1, row = n + 1;
        double[] v = _solution.Field("v");
        double worst = 0;
        for (int line = 1; line < n; line++)
        {
            double acrossRow = 0;
            for (int k = 0; k <= n; k++) acrossRow += (k == 0 || k == n ? 0.5 : 1.0) / n * v[k * row + line];
            worst = Math.Max(worst, Math.Abs(acrossRow));
        }
        Assert.True(worst < 1e-3, $"max net flux {worst:E2}"); // measured 2.6e-4
    }

    [Fact]
    public void Pressure_balances_the_momentum_equation_away_from_the_lid_corners()
    {
        int n = _solution.Shape[0] - 1, row = n + 1;
        double h = 1.0 / n, nu = 1 / 100.0, worst = 0;
        double[] u = _solution.Field("u"), v = _solution.Field("v"), p = _solution.Field("p");
        for (int i = n / 10; i <= 9 * n / 10; i++)
            for (int j = n / 10; j <= 8 * n / 10; j++)
            {
                int c = i * row + j;
                double Dx(double[] f) => (f[c + row] - f[c - row]) / (2 * h);
                double Dy(double[] f) => (f[c + 1] - f[c - 1]) / (2 * h);
                double Laplacian(double[] f) => (f[c + row] + f[c - row] + f[c + 1] + f[c - 1] - 4 * f[c]) / (h * h);
                double xMomentum = u[c] * Dx(u) + v[c] * Dy(u) + Dx(p) - nu * Laplacian(u);
                double yMomentum = u[c] * Dx(v) + v[c] * Dy(v) + Dy(p) - nu * Laplacian(v);
                worst = Math.Max(worst, Math.Max(Math.Abs(xMomentum), Math.Abs(yMomentum)));
            }
        Assert.True(worst < 2e-2, $"max momentum residual {worst:E2}"); // measured ≈ 9.5e-3; |∇p| reaches 0.5 there
        Assert.Equal(0, p.Average(), 1e-12);
    }

    [Fact]
    public void Walls_carry_the_boundary_conditions()
    {
        int n = _solution.Shape[0] - 1;
        for (int k = 0; k <= n; k++)
        {
            double s = (double)k / n;
            Assert.Equal(1, _solution.Interpolate("u", s, 1));
            Assert.Equal(0, _solution.Interpolate("v", s, 1));
            if (k > 0 && k < n) Assert.Equal(0, _solution.Interpolate("u", s, 0));
            Assert.Equal(0, _solution.Interpolate("psi", 0, s));
        }
    }
}
