using System;

namespace Recur;

/// <summary>Fills parameters per their <see cref="Init"/>, from a seeded generator (the same seed gives the same values).</summary>
internal static class Initializers
{
    public static double[] Create(ParamSpec spec, string name, int rows, int cols, Random rng)
    {
        int n = rows * Math.Max(cols, 1);
        var v = new double[n];
        var init = spec.Init;
        switch (init.Kind)
        {
            case InitKind.Constant:
                Array.Fill(v, init.Value);
                break;
            case InitKind.Normal:
                for (int i = 0; i < n; i++) v[i] = Gaussian(rng) * init.Value;
                break;
            case InitKind.UniformUnitScaling:
            {
                int fanIn = spec.IsVector ? rows : cols;
                double limit = Math.Sqrt(3.0 / fanIn) * init.Value;
                for (int i = 0; i < n; i++) v[i] = (rng.NextDouble() * 2 - 1) * limit;
                break;
            }
            case InitKind.Identity:
                if (spec.IsVector || rows != cols)
                    throw new ArgumentException($"Parameter '{name}' is [{rows}, {cols}]; Init.Identity needs a square weight.");
                for (int i = 0; i < rows; i++) v[i * cols + i] = init.Value;
                break;
            case InitKind.Orthogonal:
                if (spec.IsVector) throw new ArgumentException($"Parameter '{name}' is a vector; Init.Orthogonal needs a weight matrix.");
                Orthogonal(v, rows, cols, init.Value, rng);
                break;
            case InitKind.Uniform:
                for (int i = 0; i < n; i++) v[i] = (rng.NextDouble() * 2 - 1) * init.Value;
                break;
            case InitKind.DftCos or InitKind.DftSin or InitKind.PermutedDftCos or InitKind.PermutedDftSin:
                if (spec.IsVector || rows != cols) throw new ArgumentException($"Parameter '{name}' is [{rows}, {cols}]; a DFT matrix is square.");
                Fourier(v, rows, init.Kind is InitKind.DftCos or InitKind.PermutedDftCos, init.Kind is InitKind.PermutedDftCos or InitKind.PermutedDftSin, init.Value);
                break;
            default:
                throw new ArgumentException($"Parameter '{name}' has an unknown initializer {init.Kind}.");
        }
        return v;
    }

    /// <summary>Gram–Schmidt on Gaussian vectors along the longer side, so the shorter side is orthonormal (as QR would give).</summary>
    private static void Orthogonal(double[] v, int rows, int cols, double scale, Random rng)
    {
        bool byRows = rows <= cols;
        int count = byRows ? rows : cols, length = byRows ? cols : rows;
        var basis = new double[count][];
        for (int a = 0; a < count; a++)
        {
            var x = new double[length];
            double norm;
            do
            {
                for (int i = 0; i < length; i++) x[i] = Gaussian(rng);
                for (int pass = 0; pass < 2; pass++)
                    for (int b = 0; b < a; b++)
                    {
                        double dot = 0;
                        for (int i = 0; i < length; i++) dot += x[i] * basis[b][i];
                        for (int i = 0; i < length; i++) x[i] -= dot * basis[b][i];
                    }
                norm = 0;
                for (int i = 0; i < length; i++) norm += x[i] * x[i];
                norm = Math.Sqrt(norm);
            } while (norm < 1e-6);
            for (int i = 0; i < length; i++) x[i] /= norm;
            basis[a] = x;
        }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                v[r * cols + c] = scale * (byRows ? basis[r][c] : basis[c][r]);
    }

    /// <summary>cos or sin(2πjk/N)/√N · sign at [j, k], or at [j, π(k)] when permuted: M = F Π, so M z = F (Π z) with (Π z)_k = z_π(k).
    /// The permutation depends only on N (a fixed seed), so a layer rebuilt from a checkpoint gets the same matrix.</summary>
    private static void Fourier(double[] v, int n, bool cos, bool permuted, double sign)
    {
        var perm = Permutation(n);
        double norm = sign / Math.Sqrt(n);
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++)
            {
                // jk mod n keeps the angle small, so cos and sin stay exact for large n.
                double angle = 2 * Math.PI * ((long)j * k % n) / n;
                v[j * n + (permuted ? perm[k] : k)] = norm * (cos ? Math.Cos(angle) : Math.Sin(angle));
            }
    }

    /// <summary>The fixed permutation of uRNN's Π for size n.</summary>
    public static int[] Permutation(int n)
    {
        var rng = new Random(0x5EED + n);
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    private static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
