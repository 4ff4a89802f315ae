using System;

namespace Recur;

/// <summary>A small seeded generator (SplitMix64) whose whole state is one number, so a checkpoint can save it and a resumed run
/// draws exactly what an uninterrupted one would.</summary>
public sealed class Rng
{
    /// <summary>A generator whose sequence is fixed by <paramref name="seed"/>.</summary>
    public Rng(ulong seed) => State = seed;

    /// <summary>The generator's state; setting it restores a saved stream.</summary>
    public ulong State { get; set; }

    /// <summary>The next 64 random bits (advances the state).</summary>
    public ulong NextUInt64()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n) => n <= 0 ? throw new ArgumentOutOfRangeException(nameof(n)) : (int)(NextDouble() * n);
}
