using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Recur;

/// <summary>The loss curve as a small standalone SVG: training loss (smoothed) and validation loss against steps, with labelled axes
/// and a legend, all inside the picture.</summary>
public static class LossCurve
{
    /// <summary>The SVG picture of the training (and validation) loss of <paramref name="points"/> against the step, with axis titles in <paramref name="unit"/>.</summary>
    public static string Svg(IReadOnlyList<LossPoint> points, string title, string unit = "nats/token")
    {
        const int W = 720, H = 420, L = 70, R = 24, T = 56, B = 58;
        int plotW = W - L - R, plotH = H - T - B;
        var sb = new StringBuilder();
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"13\">\n");
        sb.Append($"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n");
        sb.Append($"<text x=\"{W / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");
        if (points.Count == 0) return sb.Append("</svg>\n").ToString();

        var all = points.Select(p => p.TrainLoss).Concat(points.Where(p => p.ValLoss.HasValue).Select(p => p.ValLoss!.Value)).Where(double.IsFinite).DefaultIfEmpty(0).ToList();
        double yStep = NiceStep(Math.Max(all.Max() - all.Min(), 0.05) / 4);
        double minY = Math.Floor(all.Min() / yStep) * yStep, maxY = Math.Ceiling(all.Max() / yStep) * yStep;
        if (maxY - minY < yStep) maxY = minY + yStep;
        int maxX = Math.Max(1, points.Max(p => p.Step));
        double xStep = Math.Max(1, NiceStep(maxX / 4.0));
        double X(double step) => L + plotW * step / maxX;
        double Y(double loss) => T + plotH * (maxY - loss) / (maxY - minY);

        // Grid, ticks at round numbers, and axes.
        for (double v = minY; v <= maxY + yStep / 2; v += yStep)
        {
            double y = Y(v);
            sb.Append($"<line x1=\"{L}\" y1=\"{F(y)}\" x2=\"{W - R}\" y2=\"{F(y)}\" stroke=\"#e4e4e4\"/>");
            sb.Append($"<text x=\"{L - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{v.ToString("0.0##", CultureInfo.InvariantCulture)}</text>\n");
        }
        for (double step = 0; step <= maxX; step += xStep)
        {
            sb.Append($"<line x1=\"{F(X(step))}\" y1=\"{T + plotH}\" x2=\"{F(X(step))}\" y2=\"{T + plotH + 5}\" stroke=\"black\"/>");
            sb.Append($"<text x=\"{F(X(step))}\" y=\"{T + plotH + 20}\" text-anchor=\"middle\">{step.ToString("N0", CultureInfo.InvariantCulture)}</text>\n");
        }
        sb.Append($"<line x1=\"{L}\" y1=\"{T + plotH}\" x2=\"{W - R}\" y2=\"{T + plotH}\" stroke=\"black\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{T + plotH}\" stroke=\"black\"/>\n");
        sb.Append($"<text x=\"{L + plotW / 2}\" y=\"{H - 12}\" text-anchor=\"middle\">training steps</text>\n");
        sb.Append($"<text transform=\"translate(18 {T + plotH / 2}) rotate(-90)\" text-anchor=\"middle\">loss ({Escape(unit)})</text>\n");

        // The curves.
        var train = points.Where(p => double.IsFinite(p.TrainLoss)).ToList();
        sb.Append($"<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"{string.Join(" ", train.Select(p => F(X(p.Step)) + "," + F(Y(p.TrainLoss))))}\"/>\n");
        var val = points.Where(p => p.ValLoss is { } v && double.IsFinite(v)).ToList();
        if (val.Count > 0)
        {
            sb.Append($"<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"{string.Join(" ", val.Select(p => F(X(p.Step)) + "," + F(Y(p.ValLoss!.Value))))}\"/>\n");
            foreach (var p in val) sb.Append($"<circle cx=\"{F(X(p.Step))}\" cy=\"{F(Y(p.ValLoss!.Value))}\" r=\"3\" fill=\"#d62728\"/>\n");
        }

        // Legend, top right inside the plot, on a white box so curves never run through it.
        int lx = W - R - 200, ly = T + 8;
        sb.Append($"<rect x=\"{lx}\" y=\"{ly}\" width=\"192\" height=\"46\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#bbb\"/>\n");
        sb.Append($"<line x1=\"{lx + 10}\" y1=\"{ly + 15}\" x2=\"{lx + 34}\" y2=\"{ly + 15}\" stroke=\"#1f77b4\" stroke-width=\"2\"/><text x=\"{lx + 42}\" y=\"{ly + 19}\">training (smoothed)</text>\n");
        sb.Append($"<line x1=\"{lx + 10}\" y1=\"{ly + 33}\" x2=\"{lx + 34}\" y2=\"{ly + 33}\" stroke=\"#d62728\" stroke-width=\"2\"/><circle cx=\"{lx + 22}\" cy=\"{ly + 33}\" r=\"3\" fill=\"#d62728\"/><text x=\"{lx + 42}\" y=\"{ly + 37}\">validation</text>\n");
        return sb.Append("</svg>\n").ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        foreach (var m in new[] { 1.0, 2, 5, 10 })
            if (m * power >= rough) return m * power;
        return 10 * power;
    }

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
