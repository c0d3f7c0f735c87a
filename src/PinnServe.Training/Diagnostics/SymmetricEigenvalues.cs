namespace PinnServe.Training.Diagnostics;

/// <summary>Eigenvalues of a small dense symmetric matrix by cyclic Jacobi rotations (accurate, O(n³) per sweep).</summary>
public static class SymmetricEigenvalues
{
    /// <summary>Eigenvalues in ascending order of the symmetric n×n row-major matrix (not modified).</summary>
    public static double[] Compute(ReadOnlySpan<double> matrix, int n)
    {
        if (matrix.Length != n * n) throw new ArgumentException($"Expected {n}×{n} = {n * n} entries, got {matrix.Length}.");
        var a = matrix.ToArray();
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, scale = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (i != j) off += a[i * n + j] * a[i * n + j]; else scale += a[i * n + i] * a[i * n + i];
            if (off <= 1e-30 * Math.Max(scale, 1e-300)) break;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++)
                    Rotate(a, n, p, q);
        }
        var eigenvalues = new double[n];
        for (int i = 0; i < n; i++) eigenvalues[i] = a[i * n + i];
        Array.Sort(eigenvalues);
        return eigenvalues;
    }

    /// <summary>Zeroes a[p,q] with the rotation that diagonalizes the 2×2 block (Golub &amp; Van Loan, Alg. 8.4.1).</summary>
    private static void Rotate(double[] a, int n, int p, int q)
    {
        double apq = a[p * n + q];
        if (apq == 0) return;
        double tau = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        double t = Math.Sign(tau == 0 ? 1 : tau) / (Math.Abs(tau) + Math.Sqrt(1 + tau * tau));
        double c = 1 / Math.Sqrt(1 + t * t), s = t * c;
        for (int k = 0; k < n; k++)
        {
            double akp = a[k * n + p], akq = a[k * n + q];
            a[k * n + p] = c * akp - s * akq;
            a[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++)
        {
            double apk = a[p * n + k], aqk = a[q * n + k];
            a[p * n + k] = c * apk - s * aqk;
            a[q * n + k] = s * apk + c * aqk;
        }
    }
}
