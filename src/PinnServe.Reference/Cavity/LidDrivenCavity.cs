using PinnServe.Reference.Numerics;

namespace PinnServe.Reference.Cavity;

/// <summary>Steady cavity flow on the (n+1)² nodes x_i = i/n, y_j = j/n; arrays indexed [i·(n+1) + j] (x slowest).</summary>
public sealed record CavityFlow(
    double[] X, double[] Y, double[] U, double[] V, double[] Pressure, double[] StreamFunction, double[] Vorticity,
    int Steps, double PressureIncompatibility);

/// <summary>
/// Steady incompressible Navier–Stokes in the unit square with the lid y = 1 moving at (U, 0) and no-slip
/// elsewhere, in stream-function–vorticity form (u = ψ_y, v = −ψ_x, ω = v_x − u_y):
/// <code>
/// ω_t + u ω_x + v ω_y = ω_xx/Re + ω_yy/Re,    Δψ = −ω,    ψ = 0 on the walls.
/// </code>
/// Second-order central differences on a uniform grid; Thom's wall vorticity (ω_w = −2ψ_1/h² − 2U_w/h);
/// pseudo-time marching with Peaceman–Rachford ADI for ω (tridiagonal solves) and a DST-I fast Poisson solve
/// for ψ, until max|Δω|/Δt falls below the tolerance. The fixed point of ADI satisfies the steady discrete
/// equations exactly, so the pseudo-time step only affects the speed. Pressure is then recovered from the
/// pressure Poisson equation Δp = ∇·F, F = −(u·∇)u + Δu/Re, with ∂p/∂n = F·n on the walls (= (1/Re) Δu·n,
/// Δu = (−ω_y, ω_x)), solved with a DCT-I and normalized to zero mean over the grid nodes.
/// </summary>
public sealed class LidDrivenCavity
{
    private readonly int _n;
    private readonly double _h;

    public LidDrivenCavity(double reynolds = 100, int intervals = 128, double lidVelocity = 1)
    {
        if (!(reynolds > 0) || double.IsInfinity(reynolds))
            throw new ArgumentOutOfRangeException(nameof(reynolds), reynolds, "Reynolds number must be positive and finite.");
        if (intervals < 4 || (intervals & (intervals - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(intervals), intervals, "Grid intervals per side must be a power of two ≥ 4 (the fast Poisson solver needs it).");
        Reynolds = reynolds;
        LidVelocity = lidVelocity;
        _n = intervals;
        _h = 1.0 / intervals;
    }

    public double Reynolds { get; }
    public double LidVelocity { get; }
    public int Intervals => _n;

    private int Node(int i, int j) => i * (_n + 1) + j;

    /// <param name="tolerance">Stop when max|ω^{k+1} − ω^k|/Δt ≤ tolerance (a steady-residual bound).</param>
    /// <param name="timeStep">Pseudo-time step; null picks one that converges quickly (halved automatically on divergence).</param>
    /// <param name="wallRelaxation">Fraction of the Thom update applied to the wall vorticity per step (1 = none);
    /// under-relaxing it lifts the stability limit of the explicit wall coupling, Δt ≲ Re·h².</param>
    public CavityFlow Solve(double tolerance = 1e-7, int maxSteps = 200_000, double? timeStep = null, double wallRelaxation = 0.05,
        IProgress<string>? progress = null)
    {
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "Tolerance must be positive.");
        if (!(wallRelaxation > 0 && wallRelaxation <= 1))
            throw new ArgumentOutOfRangeException(nameof(wallRelaxation), wallRelaxation, "Wall relaxation must lie in (0, 1].");
        int nodes = (_n + 1) * (_n + 1);
        var psi = new double[nodes];
        var omega = new double[nodes];
        double dt = timeStep ?? DefaultTimeStep();
        int totalSteps = 0;
        for (int attempt = 0; ; attempt++)
        {
            Array.Clear(psi);
            Array.Clear(omega);
            var (steps, change) = March(psi, omega, dt, wallRelaxation, tolerance, maxSteps - totalSteps, progress);
            totalSteps += steps;
            if (change <= tolerance) break;
            if (double.IsFinite(change) && totalSteps >= maxSteps)
                throw new InvalidOperationException($"Cavity solve did not converge in {maxSteps} steps (max|Δω|/Δt = {change:E2} > {tolerance:E2}).");
            if (attempt == 8 || totalSteps >= maxSteps)
                throw new InvalidOperationException($"Cavity solve diverged even with pseudo-time step {dt:G3}.");
            progress?.Report($"cavity: diverged with Δt = {dt:G3}; restarting with Δt = {dt / 2:G3}");
            dt /= 2;
        }
        TimeStepUsed = dt;
        return Finish(psi, omega, totalSteps);
    }

    /// <summary>The pseudo-time step of the last converged solve.</summary>
    public double TimeStepUsed { get; private set; }

    /// <summary>Marches until converged, diverged (change not finite) or out of steps; returns steps taken and the last change.</summary>
    private (int Steps, double Change) March(double[] psi, double[] omega, double dt, double wallRelaxation, double tolerance, int maxSteps,
        IProgress<string>? progress)
    {
        int n = _n, m = n - 1, nodes = (n + 1) * (n + 1);
        double h = _h, nu = 1.0 / Reynolds;
        var half = new double[nodes];   // ω after the first ADI half-step
        var u = new double[nodes];
        var v = new double[nodes];
        var poisson = new PoissonDirichlet(n);
        var tridiagonal = new TridiagonalWorkspace(m);

        int step = 0;
        double change = double.PositiveInfinity;
        while (step < maxSteps && change > tolerance)
        {
            step++;
            ApplyThomWallVorticity(psi, omega, step == 1 ? 1 : wallRelaxation);
            InteriorVelocities(psi, u, v);
            Array.Copy(omega, half, nodes); // keeps the wall values

            // Half-step 1: implicit in x, explicit in y.
            double a = dt / 2;
            for (int j = 1; j < n; j++)
            {
                for (int i = 1; i < n; i++)
                {
                    int c = Node(i, j);
                    double ux = u[c] / (2 * h), diffusion = nu / (h * h), vy = v[c] / (2 * h);
                    tridiagonal.Lower[i - 1] = -a * (ux + diffusion);
                    tridiagonal.Diagonal[i - 1] = 1 + 2 * a * diffusion;
                    tridiagonal.Upper[i - 1] = a * (ux - diffusion);
                    double below = omega[c - 1], above = omega[c + 1];
                    tridiagonal.Right[i - 1] = omega[c] + a * (-vy * (above - below) + diffusion * (above - 2 * omega[c] + below));
                }
                tridiagonal.Right[0] -= tridiagonal.Lower[0] * omega[Node(0, j)];
                tridiagonal.Right[m - 1] -= tridiagonal.Upper[m - 1] * omega[Node(n, j)];
                tridiagonal.Solve();
                for (int i = 1; i < n; i++) half[Node(i, j)] = tridiagonal.Solution[i - 1];
            }

            // Half-step 2: implicit in y, explicit in x (from the half-step values).
            change = 0;
            for (int i = 1; i < n; i++)
            {
                for (int j = 1; j < n; j++)
                {
                    int c = Node(i, j);
                    double vy = v[c] / (2 * h), diffusion = nu / (h * h), ux = u[c] / (2 * h);
                    tridiagonal.Lower[j - 1] = -a * (vy + diffusion);
                    tridiagonal.Diagonal[j - 1] = 1 + 2 * a * diffusion;
                    tridiagonal.Upper[j - 1] = a * (vy - diffusion);
                    double west = half[c - (n + 1)], east = half[c + (n + 1)];
                    tridiagonal.Right[j - 1] = half[c] + a * (-ux * (east - west) + diffusion * (east - 2 * half[c] + west));
                }
                tridiagonal.Right[0] -= tridiagonal.Lower[0] * omega[Node(i, 0)];
                tridiagonal.Right[m - 1] -= tridiagonal.Upper[m - 1] * omega[Node(i, n)];
                tridiagonal.Solve();
                for (int j = 1; j < n; j++)
                {
                    int c = Node(i, j);
                    change = Math.Max(change, Math.Abs(tridiagonal.Solution[j - 1] - omega[c]));
                    omega[c] = tridiagonal.Solution[j - 1];
                }
            }
            change /= dt;
            poisson.Solve(omega, psi, n);
            if (!double.IsFinite(change) || change > 1e12) return (step, double.NaN);
            if (progress is not null && step % 200 == 0) progress.Report($"cavity: step {step}, max|Δω|/Δt = {change:E2}");
        }
        return (step, change);
    }

    private CavityFlow Finish(double[] psi, double[] omega, int steps)
    {
        int n = _n, nodes = (n + 1) * (n + 1);
        var u = new double[nodes];
        var v = new double[nodes];
        ApplyThomWallVorticity(psi, omega, 1);
        InteriorVelocities(psi, u, v);
        for (int i = 0; i <= n; i++) u[Node(i, n)] = LidVelocity; // the lid, corners included
        // Corner vorticity is singular at the lid and unused by the stencils; report the mean of the two wall neighbours.
        omega[Node(0, 0)] = 0.5 * (omega[Node(1, 0)] + omega[Node(0, 1)]);
        omega[Node(n, 0)] = 0.5 * (omega[Node(n - 1, 0)] + omega[Node(n, 1)]);
        omega[Node(0, n)] = 0.5 * (omega[Node(1, n)] + omega[Node(0, n - 1)]);
        omega[Node(n, n)] = 0.5 * (omega[Node(n - 1, n)] + omega[Node(n, n - 1)]);
        var (pressure, incompatibility) = RecoverPressure(u, v, omega);
        double[] axis = Enumerable.Range(0, n + 1).Select(k => (double)k / n).ToArray();
        return new CavityFlow(axis, axis.ToArray(), u, v, pressure, psi, omega, steps, incompatibility);
    }

    /// <summary>
    /// Pseudo-time step near the ADI optimum for the diffusion part, Δt ~ Re·h/(2π) scaled by experiment: with the
    /// wall relaxation 0.05 the Re = 100, 128² solve converges to 1e-7 in about 350 steps. Higher Re needs ~20/Re.
    /// </summary>
    private double DefaultTimeStep() => Math.Min(Reynolds * _h / 8, 20 / Reynolds) / Math.Max(1, Math.Abs(LidVelocity));

    private void ApplyThomWallVorticity(double[] psi, double[] omega, double relaxation)
    {
        int n = _n;
        double h2 = _h * _h;
        void Relax(int wall, double thom) => omega[wall] += relaxation * (thom - omega[wall]);
        for (int k = 1; k < n; k++)
        {
            Relax(Node(k, 0), -2 * psi[Node(k, 1)] / h2);
            Relax(Node(k, n), -2 * psi[Node(k, n - 1)] / h2 - 2 * LidVelocity / _h);
            Relax(Node(0, k), -2 * psi[Node(1, k)] / h2);
            Relax(Node(n, k), -2 * psi[Node(n - 1, k)] / h2);
        }
    }

    private void InteriorVelocities(double[] psi, double[] u, double[] v)
    {
        int n = _n, row = n + 1;
        double twoH = 2 * _h;
        for (int i = 1; i < n; i++)
            for (int j = 1; j < n; j++)
            {
                int c = Node(i, j);
                u[c] = (psi[c + 1] - psi[c - 1]) / twoH;
                v[c] = -(psi[c + row] - psi[c - row]) / twoH;
            }
    }

    /// <summary>
    /// Pressure as the least-squares fit of ∇p to the momentum force F = −(u·∇)u + Δu/Re: minimizing
    /// Σ_edges w_e (Δp_e/h − F̄_e)² over the grid edges (F̄_e the mean of the end nodes, w_e = ½ on wall-parallel
    /// edges) gives the ghost-point Neumann Laplacian with the discrete divergence of F on the right — the pressure
    /// Poisson equation with ∂p/∂n = F·n, and compatible data by construction, so the singular lid corners only
    /// spoil p locally. On the walls F = (−ω_y, ω_x)/Re (the convective term vanishes); at the corners F = 0.
    /// </summary>
    private (double[] Pressure, double Incompatibility) RecoverPressure(double[] u, double[] v, double[] omega)
    {
        int n = _n, row = n + 1;
        double h = _h, h2 = h * h, nu = 1.0 / Reynolds;
        var fx = new double[row * row];
        var fy = new double[row * row];
        for (int i = 1; i < n; i++)
            for (int j = 1; j < n; j++)
            {
                int c = Node(i, j);
                double ux = (u[c + row] - u[c - row]) / (2 * h), uy = (u[c + 1] - u[c - 1]) / (2 * h);
                double vx = (v[c + row] - v[c - row]) / (2 * h), vy = (v[c + 1] - v[c - 1]) / (2 * h);
                double lu = (u[c + row] + u[c - row] + u[c + 1] + u[c - 1] - 4 * u[c]) / h2;
                double lv = (v[c + row] + v[c - row] + v[c + 1] + v[c - 1] - 4 * v[c]) / h2;
                fx[c] = -(u[c] * ux + v[c] * uy) + nu * lu;
                fy[c] = -(u[c] * vx + v[c] * vy) + nu * lv;
            }
        double Tangential(int previous, int next) => (omega[next] - omega[previous]) / (2 * h);
        double Inward(int wall, int first, int second) => (-3 * omega[wall] + 4 * omega[first] - omega[second]) / (2 * h);
        for (int k = 1; k < n; k++)
        {
            // Tangential derivatives of the wall vorticity: central; normal ones: one-sided, second order.
            fx[Node(0, k)] = -nu * Tangential(Node(0, k - 1), Node(0, k + 1));
            fy[Node(0, k)] = nu * Inward(Node(0, k), Node(1, k), Node(2, k));
            fx[Node(n, k)] = -nu * Tangential(Node(n, k - 1), Node(n, k + 1));
            fy[Node(n, k)] = -nu * Inward(Node(n, k), Node(n - 1, k), Node(n - 2, k));
            fx[Node(k, 0)] = -nu * Inward(Node(k, 0), Node(k, 1), Node(k, 2));
            fy[Node(k, 0)] = nu * Tangential(Node(k - 1, 0), Node(k + 1, 0));
            fx[Node(k, n)] = nu * Inward(Node(k, n), Node(k, n - 1), Node(k, n - 2));
            fy[Node(k, n)] = nu * Tangential(Node(k - 1, n), Node(k + 1, n));
        }

        // Right-hand side: divergence of the edge forces, divided by the node's dual-cell fraction in each direction.
        var rhs = new double[row * row];
        for (int i = 0; i <= n; i++)
            for (int j = 0; j <= n; j++)
            {
                int c = Node(i, j);
                double east = i < n ? 0.5 * (fx[c] + fx[c + row]) : 0, west = i > 0 ? 0.5 * (fx[c] + fx[c - row]) : 0;
                double north = j < n ? 0.5 * (fy[c] + fy[c + 1]) : 0, south = j > 0 ? 0.5 * (fy[c] + fy[c - 1]) : 0;
                double cellX = i == 0 || i == n ? 0.5 : 1, cellY = j == 0 || j == n ? 0.5 : 1;
                rhs[c] = (east - west) / h / cellX + (north - south) / h / cellY;
            }
        double incompatibility = NeumannPoisson.SolveAssembled(n, rhs);
        return (rhs, incompatibility);
    }

    /// <summary>Δψ = −ω on the interior nodes with ψ = 0 on the walls, diagonalized by a 2-D DST-I.</summary>
    private sealed class PoissonDirichlet
    {
        private readonly TrigTransform _transform;
        private readonly double[] _interior;
        private readonly double[] _inverseEigenvalues;

        public PoissonDirichlet(int n)
        {
            _transform = TrigTransform.SineI(n);
            int m = n - 1;
            _interior = new double[m * m];
            _inverseEigenvalues = new double[m * m];
            double h2 = 1.0 / ((double)n * n), scale = _transform.InverseScale * _transform.InverseScale;
            for (int p = 1; p <= m; p++)
                for (int q = 1; q <= m; q++)
                {
                    double eigenvalue = (2 * Math.Cos(Math.PI * p / n) - 2 + 2 * Math.Cos(Math.PI * q / n) - 2) / h2;
                    _inverseEigenvalues[(p - 1) * m + (q - 1)] = scale / eigenvalue; // inverse-transform scale folded in
                }
        }

        public void Solve(double[] omega, double[] psi, int n)
        {
            int m = n - 1, row = n + 1;
            for (int i = 1; i < n; i++)
                for (int j = 1; j < n; j++) _interior[(i - 1) * m + (j - 1)] = -omega[i * row + j];
            _transform.Apply2D(_interior);
            for (int k = 0; k < _interior.Length; k++) _interior[k] *= _inverseEigenvalues[k];
            _transform.Apply2D(_interior);
            for (int i = 1; i < n; i++)
                for (int j = 1; j < n; j++) psi[i * row + j] = _interior[(i - 1) * m + (j - 1)];
        }
    }

    /// <summary>Thomas algorithm for one tridiagonal system; the arrays are reused across lines.</summary>
    private sealed class TridiagonalWorkspace(int size)
    {
        public readonly double[] Lower = new double[size], Diagonal = new double[size], Upper = new double[size];
        public readonly double[] Right = new double[size], Solution = new double[size];
        private readonly double[] _upperPrime = new double[size];

        public void Solve()
        {
            int n = Diagonal.Length;
            _upperPrime[0] = Upper[0] / Diagonal[0];
            Solution[0] = Right[0] / Diagonal[0];
            for (int k = 1; k < n; k++)
            {
                double pivot = Diagonal[k] - Lower[k] * _upperPrime[k - 1];
                _upperPrime[k] = Upper[k] / pivot;
                Solution[k] = (Right[k] - Lower[k] * Solution[k - 1]) / pivot;
            }
            for (int k = n - 2; k >= 0; k--) Solution[k] -= _upperPrime[k] * Solution[k + 1];
        }
    }
}
