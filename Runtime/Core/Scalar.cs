using System;

namespace Recur;

/// <summary>Conversions between double and the float/double a layer computes in.</summary>
internal static class Scalar<T> where T : unmanaged
{
    public static T From(double x) =>
        typeof(T) == typeof(float) ? (T)(object)(float)x
        : typeof(T) == typeof(double) ? (T)(object)x
        : throw new NotSupportedException($"Recur computes in float or double, not {typeof(T).Name}.");

    public static double ToDouble(T x) => x switch
    {
        float f => f,
        double d => d,
        _ => throw new NotSupportedException($"Recur computes in float or double, not {typeof(T).Name}."),
    };

    public static bool IsZero(T x) => ToDouble(x) == 0;

    public static readonly T Zero = From(0), One = From(1);
}
