namespace PinnServe.Reference.Numerics;

/// <summary>
/// Δp = f on the unit square's (n+1)² uniform nodes with ∂p/∂n data on the walls, second-order: the 5-point
/// Laplacian at every node, wall nodes closed with a ghost point (p_{−1} = p_1 − 2h ∂p/∂x and alike), which a
/// 2-D DCT-I diagonalizes. The constant mode is undetermined: the incompatible part of the data (its mean) is
/// dropped and p is returned with zero mean over the nodes. Arrays are indexed [i·(n+1) + j], x slowest.
/// </summary>
public static class NeumannPoisson
{
    /// <param name="source">f at every node.</param>
    /// <param name="dpdxLeft">∂p/∂x on x = 0, indexed by j.</param>
    /// <param name="dpdxRight">∂p/∂x on x = 1, indexed by j.</param>
    /// <param name="dpdyBottom">∂p/∂y on y = 0, indexed by i.</param>
    /// <param name="dpdyTop">∂p/∂y on y = 1, indexed by i.</param>
    /// <returns>p, and the dropped mean of the right-hand side (zero for compatible data).</returns>
    public static (double[] Solution, double Incompatibility) Solve(
        int intervals, ReadOnlySpan<double> source,
        ReadOnlySpan<double> dpdxLeft, ReadOnlySpan<double> dpdxRight, ReadOnlySpan<double> dpdyBottom, ReadOnlySpan<double> dpdyTop)
    {
        int n = intervals, row = n + 1;
        if (source.Length != row * row) throw new ArgumentException($"Expected {row}×{row} source values.", nameof(source));
        double h = 1.0 / n;
        var rhs = source.ToArray();
        // The ghost point turns (p_{−1} − 2p_0 + p_1)/h² into (2p_1 − 2p_0)/h² − 2g/h at x = 0, and + 2g/h at x = 1.
        for (int k = 0; k <= n; k++)
        {
            rhs[0 * row + k] += 2 / h * dpdxLeft[k];
            rhs[n * row + k] -= 2 / h * dpdxRight[k];
            rhs[k * row + 0] += 2 / h * dpdyBottom[k];
            rhs[k * row + n] -= 2 / h * dpdyTop[k];
        }

        double incompatibility = SolveAssembled(n, rhs);
        return (rhs, incompatibility);
    }

    /// <summary>
    /// Solves A p = rhs in place, A being the ghost-point Neumann Laplacian (wall rows (2p_1 − 2p_0)/h² + …),
    /// with the boundary data already folded into <paramref name="rhs"/>. Returns the dropped mean.
    /// </summary>
    public static double SolveAssembled(int intervals, double[] rhs)
    {
        int n = intervals, row = n + 1;
        if (rhs.Length != row * row) throw new ArgumentException($"Expected {row}×{row} values.", nameof(rhs));
        double h = 1.0 / n, h2 = h * h;
        var transform = TrigTransform.CosineI(n);
        transform.Apply2D(rhs);
        double incompatibility = rhs[0] / (4.0 * n * n); // C_0 of a DCT-I is 2n × the trapezoidal mean
        for (int i = 0; i <= n; i++)
            for (int j = 0; j <= n; j++)
            {
                double eigenvalue = (2 * Math.Cos(Math.PI * i / n) - 2 + 2 * Math.Cos(Math.PI * j / n) - 2) / h2;
                rhs[i * row + j] = i == 0 && j == 0 ? 0 : rhs[i * row + j] / eigenvalue;
            }
        transform.Apply2D(rhs);
        double scale = transform.InverseScale * transform.InverseScale, mean = 0;
        for (int c = 0; c < rhs.Length; c++) { rhs[c] *= scale; mean += rhs[c]; }
        mean /= rhs.Length;
        for (int c = 0; c < rhs.Length; c++) rhs[c] -= mean;
        return incompatibility;
    }
}
