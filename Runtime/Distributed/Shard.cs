using System;

namespace Recur;

/// <summary>This process's share of every global batch in data-parallel training: part <see cref="Index"/> of
/// <see cref="Count"/> equal, disjoint parts (rank r of a world of n takes rows [r·B/n, (r+1)·B/n) of a global batch of B rows).
/// A single process is shard 0 of 1.</summary>
/// <param name="Index">This process's part, from 0.</param>
/// <param name="Count">The number of parts: the world size.</param>
public sealed record Shard(int Index, int Count)
{
    /// <summary>The whole batch: one process.</summary>
    public static Shard Whole { get; } = new(0, 1);

    /// <summary>The rows [start, start + count) of a global batch of <paramref name="rows"/> that this shard takes; throws naming the
    /// batch and the world size when they do not divide.</summary>
    public (int Start, int Count) Rows(int rows)
    {
        if (Count < 1 || Index < 0 || Index >= Count) throw new ArgumentOutOfRangeException(nameof(Index), $"Shard {Index} of {Count} does not exist.");
        if (rows % Count != 0)
            throw new ArgumentException($"A global batch of {rows} rows does not split evenly over {Count} ranks; give a batch that is a multiple of {Count}.");
        int share = rows / Count;
        return (Index * share, share);
    }
}
